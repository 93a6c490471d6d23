//! SLA attainment per SLA, owner team and rep, and the overdue list
//! (docs/reports.md), read from the instances tallied ([`SlaTally`]).

mod tally;

use serde::Serialize;

use super::context::Ctx;
use super::metrics::segment::{NONE_LABEL, Segment};
use super::stats::{median, p90};

pub use tally::{Counts, SlaCounts, SlaTally};

#[derive(Debug, Clone, Serialize)]
pub struct SlaRow {
    pub sla: String,
    pub owner: String,
    /// True on each SLA's total row, which comes first.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub total: bool,
    /// Whose instances these are: the SLA's `assignee` field (default
    /// `contact.owner`) as it was at each instance's start; null on the
    /// total row, and on the row of instances with no assignee (whose
    /// `label` is `(none)`), so the rows add up to the total.
    pub assignee: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    pub met: usize,
    pub breached: usize,
    pub overdue: usize,
    pub open: usize,
    pub cancelled: usize,
    /// met ÷ (met + breached + overdue).
    pub attainment: Option<f64>,
    /// Hours from start to met (business hours for business-time SLAs).
    pub median_hours: Option<f64>,
    pub p90_hours: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OverdueItem {
    /// The contact whose instance it is; for an SLA on account stages,
    /// `account` instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    pub sla: String,
    /// The instance's assignee, as on its SLA row.
    pub assignee: Option<String>,
    pub started: String,
    pub due: String,
    /// Hours past due at the as-of time.
    pub overdue_hours: f64,
}

/// The SLA rows, each SLA's total first then its assignees', and the
/// overdue list, most overdue first, from the instances tallied.
pub fn slas(ctx: &Ctx, tally: &SlaTally) -> (Vec<SlaRow>, Vec<OverdueItem>) {
    let mut rows = Vec::new();
    for (sla, counts) in ctx.model.slas.iter().zip(&tally.slas) {
        let owner = ctx.team_name(sla.owner);
        let row = |assignee: Option<&Segment>, c: &Counts| {
            let [met, breached, overdue, open, cancelled] = c.statuses;
            SlaRow {
                sla: sla.name.clone(),
                owner: owner.clone(),
                total: assignee.is_none(),
                assignee: assignee.map_or(serde_json::Value::Null, Segment::json),
                label: assignee
                    .filter(|a| a.0.is_none())
                    .map(|_| NONE_LABEL.to_string()),
                met,
                breached,
                overdue,
                open,
                cancelled,
                attainment: super::stats::rate(met, met + breached + overdue),
                median_hours: median(&c.hours),
                p90_hours: p90(&c.hours),
            }
        };
        rows.push(row(None, &counts.total));
        for (assignee, c) in &counts.by_assignee {
            rows.push(row(Some(assignee), c));
        }
    }
    let mut overdue = tally.overdue.clone();
    // Every field in the order, so that the list is the same whatever
    // order the batches were counted in.
    overdue.sort_by(|a, b| {
        b.overdue_hours
            .total_cmp(&a.overdue_hours)
            .then_with(|| a.contact.cmp(&b.contact))
            .then_with(|| a.account.cmp(&b.account))
            .then_with(|| a.sla.cmp(&b.sla))
            .then_with(|| a.started.cmp(&b.started))
            .then_with(|| a.due.cmp(&b.due))
            .then_with(|| a.assignee.cmp(&b.assignee))
    });
    (rows, overdue)
}
