//! SLA instances and replay problems as journeys, the API and the report
//! write them.

use crate::data::time::format_instant;
use crate::eval::parts::{SlaState, SlaStatus};
use crate::eval::{Runtime, RuntimeProblem};
use crate::ir::*;

use super::Rounded;
use crate::report::problems::runtime_message;

/// One SLA instance of a contact, as the journey writes it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct SlaJson<'a> {
    /// The SLA's name.
    pub sla: &'a str,
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

impl<'a> SlaJson<'a> {
    /// Instance `s` with its SLA's name.
    pub fn new(ir: &'a Ir, s: &SlaState) -> SlaJson<'a> {
        let inst = &s.instance;
        SlaJson {
            sla: ir.slas[inst.sla].name.as_str(),
            started: format_instant(inst.started),
            due: format_instant(inst.due),
            status: s.status,
            met: inst.met_at.map(format_instant),
            elapsed_business_hours: s.business_hours.map(Rounded::of),
            late_by_hours: inst
                .met_at
                .filter(|met| *met > inst.due)
                .map(|met| Rounded::of(met.saturating_sub(inst.due) as f64 / 3_600_000.0)),
        }
    }
}

/// A runtime problem as journeys and the report list it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct ProblemJson {
    /// Its stable code (R0xx).
    pub code: &'static str,
    /// What happened and what to change, in plain English.
    pub message: String,
}

impl ProblemJson {
    /// `p` with its sentence.
    pub fn new(ir: &Ir, p: &Runtime) -> ProblemJson {
        ProblemJson {
            code: p.code(),
            message: runtime_message(ir, p),
        }
    }
}

/// A runtime problem with whose it is, as the API and the report list
/// them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct RuntimeProblemJson {
    /// The contact it is about, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    /// Its account, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Its stable code (R0xx).
    pub code: &'static str,
    /// What happened, in plain English.
    pub message: String,
}

impl RuntimeProblemJson {
    /// `p` with its sentence.
    pub fn new(ir: &Ir, p: &RuntimeProblem) -> RuntimeProblemJson {
        RuntimeProblemJson {
            contact: p.contact.clone(),
            account: p.account.clone(),
            code: p.problem.code(),
            message: runtime_message(ir, &p.problem),
        }
    }
}
