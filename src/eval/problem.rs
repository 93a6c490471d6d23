//! What can go wrong while replaying, as data with stable codes (R0xx,
//! docs/diagnostics.md). The command line and the report write the
//! sentences (`report::problems`).

use crate::data::time::Instant;
use crate::ir::{Entity, StageId};

/// Something that went wrong in the replay of one contact or account.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Runtime {
    /// R001: `when` moves kept chaining at one instant (the loop the
    /// checker could not rule out ran), so the replay of this contact or
    /// account stopped.
    Chain {
        /// The instant.
        at: Instant,
        /// The stages entered, in order.
        stages: Vec<StageId>,
        /// Whose lifecycle.
        entity: Entity,
    },
    /// R002: a merge into a contact no row names; it was ignored.
    MergeIntoUnknown {
        /// The contact merged away.
        from: String,
        /// The contact named as the survivor.
        into: String,
    },
    /// R003: a merge that reverses an earlier merge the other way; both
    /// are treated as the later survivor.
    MergeReversed {
        /// The contact merged away.
        from: String,
        /// The survivor.
        into: String,
        /// When.
        at: Instant,
    },
}

impl Runtime {
    /// The stable code, as docs/diagnostics.md lists it.
    pub fn code(&self) -> &'static str {
        match self {
            Runtime::Chain { .. } => "R001",
            Runtime::MergeIntoUnknown { .. } => "R002",
            Runtime::MergeReversed { .. } => "R003",
        }
    }
}

/// A runtime problem and whose it is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RuntimeProblem {
    /// The contact it is about, if it is about one.
    pub contact: Option<String>,
    /// Its account, or the account whose replay stopped.
    pub account: Option<String>,
    /// What happened.
    pub problem: Runtime,
}
