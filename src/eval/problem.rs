//! What can go wrong while replaying, as data with stable codes (R0xx,
//! docs/diagnostics.md). The command line and the report write the
//! sentences (`report::problems`).

use crate::data::time::Instant;
use crate::ir::{Entity, NodeId, StageId};

/// Something that went wrong in the replay of one contact or account.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
    /// R004: a calculation in a condition had no value although its
    /// operands had one (a division by zero, a result out of range), so
    /// the condition read it as unknown.
    Calculation {
        /// The calculation.
        node: NodeId,
        /// The first instant it happened.
        at: Instant,
        /// A division by zero, else a result out of range.
        by_zero: bool,
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
            Runtime::Calculation { .. } => "R004",
        }
    }
}

/// A runtime problem and whose it is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct RuntimeProblem {
    /// The contact it is about, if it is about one.
    pub contact: Option<String>,
    /// Its account, or the account whose replay stopped.
    pub account: Option<String>,
    /// What happened.
    pub problem: Runtime,
}
