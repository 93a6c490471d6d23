//! Outputs computed from a compiled policy (and, later, from journeys).
//! Everything here returns text; nothing prints.

pub mod explain;
pub mod graph;
