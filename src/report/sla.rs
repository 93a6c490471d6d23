//! SLA attainment per SLA, owner team and rep, and the overdue list
//! (docs/reports.md).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::data::time::format_instant;
use crate::eval::parts::SlaStatus;
use crate::ir::Duration;

use super::context::Ctx;
use super::metrics::segment::{NONE_LABEL, Segment};
use super::stats::{median, p90};

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

#[derive(Debug, Clone, Serialize)]
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

#[derive(Default)]
struct Tally {
    counts: [usize; 5],
    hours: Vec<f64>,
}

pub fn slas(ctx: &Ctx) -> (Vec<SlaRow>, Vec<OverdueItem>) {
    let mut rows = Vec::new();
    let mut overdue = Vec::new();
    for (id, sla) in ctx.model.slas.enumerate() {
        let business = matches!(
            sla.within,
            Duration::BusinessHours(_) | Duration::BusinessDays(_)
        );
        let mut total = Tally::default();
        let mut by_assignee: BTreeMap<Segment, Tally> = BTreeMap::new();
        // Contacts' instances, and accounts' for an SLA on account stages.
        let subjects = ctx
            .event_journeys()
            .map(|j| (j.contact.as_str(), false, j.slas.as_slice()))
            .chain(
                ctx.eval
                    .accounts
                    .iter()
                    .map(|a| (a.account.as_str(), true, a.slas.as_slice())),
            );
        for (who, account, states) in subjects {
            for i in states.iter().map(|s| &s.instance).filter(|i| i.sla == id) {
                if !ctx.in_report(i.due) {
                    continue;
                }
                let assignee = sla
                    .assignee
                    .map(|d| Segment(i.marks.dims.get(d.index()).cloned().flatten()));
                let st = SlaStatus::of(i, ctx.as_of);
                // The place in `counts`, as they are read out below.
                let k = match st {
                    SlaStatus::Met => 0,
                    SlaStatus::Breached => 1,
                    SlaStatus::Overdue => 2,
                    SlaStatus::Open => 3,
                    SlaStatus::Cancelled => 4,
                };
                let hours = i.met_at.filter(|m| *m <= ctx.as_of).map(|m| {
                    if business {
                        ctx.calendar.business_hours_between(i.started, m)
                    } else {
                        (m - i.started) as f64 / 3_600_000.0
                    }
                });
                for t in [
                    Some(&mut total),
                    assignee.clone().map(|a| by_assignee.entry(a).or_default()),
                ]
                .into_iter()
                .flatten()
                {
                    if let Some(c) = t.counts.get_mut(k) {
                        *c += 1;
                    }
                    t.hours.extend(hours);
                }
                if st == SlaStatus::Overdue {
                    overdue.push(OverdueItem {
                        contact: (!account).then(|| who.to_string()),
                        account: account.then(|| who.to_string()),
                        sla: sla.name.clone(),
                        assignee: assignee.as_ref().map(Segment::label),
                        started: format_instant(i.started),
                        due: format_instant(i.due),
                        overdue_hours: ((ctx.as_of - i.due) as f64 / 3_600_000.0 * 100.0).round()
                            / 100.0,
                    });
                }
            }
        }
        let owner = ctx.team_name(sla.owner);
        let row = |assignee: Option<&Segment>, t: &Tally| {
            let [met, breached, overdue, open, cancelled] = t.counts;
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
                median_hours: median(&t.hours),
                p90_hours: p90(&t.hours),
            }
        };
        rows.push(row(None, &total));
        for (assignee, t) in &by_assignee {
            rows.push(row(Some(assignee), t));
        }
    }
    overdue.sort_by(|a, b| {
        b.overdue_hours
            .total_cmp(&a.overdue_hours)
            .then(a.contact.cmp(&b.contact))
            .then(a.account.cmp(&b.account))
            .then(a.sla.cmp(&b.sla))
    });
    (rows, overdue)
}
