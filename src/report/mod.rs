//! Outputs computed from a compiled policy and from journeys. Everything
//! here returns data or text; nothing prints.

pub mod attribution;
pub mod batched;
pub mod build;
pub mod calibration;
pub mod context;
pub mod diff;
pub mod events;
pub mod explain;
pub mod explain_account;
pub mod funnel;
pub mod graph;
pub mod html;
pub mod journey;
pub mod lift;
pub mod merge;
pub mod metrics;
#[cfg(feature = "parquet")]
pub mod parquet;
pub mod partial;
pub mod period;
pub mod problems;
pub mod reasons;
pub mod replay_data;
pub mod replayed;
pub mod running;
pub mod scoreboard;
pub mod sla;
pub mod stats;
pub mod text;
pub mod tiles;
pub mod words;

pub use build::{BuildError, Report, build, build_from};
pub use context::Options;
pub use events::Events;
pub use replayed::Replayed;

/// `n` and the noun that agrees with it: "1 warning", "2 warnings".
pub fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
