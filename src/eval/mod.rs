//! Replaying contact histories through a compiled policy (issue #3: in
//! progress).

pub mod calendar;
