//! The parts of a journey as docs/engine.md (Journeys) shows them, typed: each
//! serializes to exactly the JSON `classify` prints. They were
//! `serde_json` maps, built key by key (every key hashed, every value
//! boxed) for every contact: a tenth of a small API request.

use serde::ser::{Serialize, SerializeMap, Serializer};

use super::state::SlaInstance;
use super::value::Truth;
use crate::data::time::Instant;

/// `{name: value, ...}` in the policy's declared order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Named<T>(pub Vec<(String, T)>);

impl<T> Named<T> {
    /// The value named `name`.
    pub fn get(&self, name: &str) -> Option<&T> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// (name, value) in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &T)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v))
    }
}

impl<T: Serialize> Serialize for Named<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// A three-valued truth as journeys write it: `true`, `false` or
/// `"unknown"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tri(pub Truth);

impl Tri {
    /// As written: `true`, `false` or `unknown`.
    pub fn as_str(self) -> &'static str {
        match self.0 {
            Some(true) => "true",
            Some(false) => "false",
            None => "unknown",
        }
    }
}

impl Serialize for Tri {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Some(b) => s.serialize_bool(b),
            None => s.serialize_str("unknown"),
        }
    }
}

/// A number rounded to two decimals, as journeys show scores and hours;
/// a whole number is written without a fraction (`35`, not `35.0`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rounded(f64);

impl Rounded {
    /// `x` rounded to two decimals.
    pub fn of(x: f64) -> Rounded {
        Rounded((x * 100.0).round() / 100.0)
    }

    /// The rounded value.
    pub fn value(self) -> f64 {
        self.0
    }
}

impl Serialize for Rounded {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        if !r.is_finite() {
            s.serialize_unit()
        } else if r.fract() == 0.0 && r.abs() < 1e15 {
            s.serialize_i64(r as i64)
        } else {
            s.serialize_f64(r)
        }
    }
}

impl std::fmt::Display for Rounded {
    /// As the JSON writes it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match serde_json::to_string(self) {
            Ok(text) => f.write_str(&text),
            Err(_) => f.write_str("null"),
        }
    }
}

/// One stage entered: `{"stage", "entered", "trigger", "label"}`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct PathStep {
    /// The stage's name.
    pub stage: String,
    /// When, as `2026-03-04T11:20:00Z`.
    pub entered: String,
    /// What moved it there; none for the stage it started in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger: Option<Trigger>,
    /// The transition's `as "..."` label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The CRM gave the moment as a date only.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub date_precision: bool,
}

/// What moved a contact or account into a stage, by `kind`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
#[non_exhaustive]
pub enum Trigger {
    /// It was in the stage in the CRM's snapshot.
    Snapshot,
    /// An `on` transition: the event, its time, the transition's line.
    On {
        /// The event type's name.
        event: Option<String>,
        /// When it happened.
        at: String,
        /// The transition's line in the policy.
        line: usize,
    },
    /// A `when` transition whose condition came to hold.
    When {
        /// The criteria, when the condition is one criteria.
        #[serde(skip_serializing_if = "Option::is_none")]
        criteria: Option<String>,
        /// Else the condition as written.
        #[serde(skip_serializing_if = "Option::is_none")]
        condition: Option<String>,
        /// What made the instant: a touchpoint,
        #[serde(skip_serializing_if = "Option::is_none")]
        touchpoint: Option<String>,
        /// else an event type,
        #[serde(skip_serializing_if = "Option::is_none")]
        event: Option<String>,
        /// else a contact added to the CRM (its id);
        #[serde(skip_serializing_if = "Option::is_none")]
        created: Option<String>,
        /// and the colleague whose it was, when not the contact's own.
        #[serde(skip_serializing_if = "Option::is_none")]
        by: Option<String>,
        /// The transition's line in the policy.
        line: usize,
    },
    /// An `after` transition: the time spent in the stage before.
    After {
        /// The duration as written (`30d`).
        duration: String,
        /// The transition's line in the policy.
        line: usize,
    },
    /// A move by hand in the CRM (`set_stage`).
    Manual,
}

/// One criteria's verdict and its clauses'.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct CriteriaResult {
    /// Whether the criteria is met.
    pub met: Tri,
    /// Each clause, by label.
    pub clauses: Named<Tri>,
}

/// The account's buying group.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct Group {
    /// Each role, by name: the ids of the contacts who hold it.
    pub roles: Named<Vec<String>>,
    /// How many contacts are engaged.
    pub engaged: usize,
    /// Whether the group is qualified.
    pub qualified: Tri,
}

/// Where an SLA instance stands at the as-of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
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

/// One SLA instance of a contact.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct SlaResult {
    /// The SLA's name.
    pub sla: Option<String>,
    /// When it started.
    pub started: String,
    /// When it is due.
    pub due: String,
    /// Where it stands.
    pub status: SlaStatus,
    /// When it was met, if it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub met: Option<String>,
    /// Business hours from start to met, for an SLA counted in business
    /// time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elapsed_business_hours: Option<Rounded>,
    /// Hours past due when it was met late.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub late_by_hours: Option<Rounded>,
}
