//! The typed parts of a journey: verdicts, the buying group and SLA
//! instances as they stand at the as-of time. Names and sentences are
//! the report layer's (report/journey/ writes the JSON of docs/engine.md
//! through a view that borrows the policy).

pub use super::state::Marks;
use super::state::SlaInstance;
use crate::data::time::Instant;

/// One criteria's verdict and its clauses', in the order written.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Verdict {
    /// Whether the criteria is met (none: unknown).
    pub met: Option<bool>,
    /// Each clause's truth, by position.
    pub clauses: Vec<Option<bool>>,
}

/// The account's buying group.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Group {
    /// Each role, by position: the ids of the contacts who hold it.
    pub roles: Vec<Vec<String>>,
    /// How many contacts are engaged.
    pub engaged: usize,
    /// Whether the group is qualified (none: unknown).
    pub qualified: Option<bool>,
}

/// One SLA instance of a contact, where it stands at the as-of time.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct SlaState {
    /// The instance: its SLA, start, due time, when it was met or
    /// cancelled.
    pub instance: SlaInstance,
    /// Where it stands.
    pub status: SlaStatus,
    /// Business hours from start to met, for an SLA counted in business
    /// time that was met.
    pub business_hours: Option<f64>,
}

/// Where an SLA instance stands at the as-of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum SlaStatus {
    /// Not met, not yet due.
    Open,
    /// Met in time.
    Met,
    /// Met late.
    Breached,
    /// Not met and past due.
    Overdue,
    /// Cancelled before it was met.
    Cancelled,
}

impl SlaStatus {
    /// Where `inst` stands at `as_of`: what happened after `as_of` has
    /// not happened yet.
    pub fn of(inst: &SlaInstance, as_of: Instant) -> SlaStatus {
        match (inst.met_at, inst.cancelled_at) {
            (_, Some(c)) if c <= as_of => SlaStatus::Cancelled,
            (Some(m), _) if m <= as_of && m <= inst.due => SlaStatus::Met,
            (Some(m), _) if m <= as_of => SlaStatus::Breached,
            _ if as_of > inst.due => SlaStatus::Overdue,
            _ => SlaStatus::Open,
        }
    }

    /// As written: `open`, `met`, `breached`, `overdue`, `cancelled`.
    pub fn as_str(self) -> &'static str {
        match self {
            SlaStatus::Open => "open",
            SlaStatus::Met => "met",
            SlaStatus::Breached => "breached",
            SlaStatus::Overdue => "overdue",
            SlaStatus::Cancelled => "cancelled",
        }
    }
}
