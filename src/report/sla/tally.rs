//! The SLA section counted a batch of accounts at a time: each SLA's
//! instances by status, the hours to meet each one met (for the median
//! and p90, 8 bytes an instance), per assignee and in total, and the
//! overdue instances. Tallies merge in any order: the counts add up, the
//! hours and the overdue items are put together and sorted when read.

use std::collections::BTreeMap;

use crate::data::time::format_instant;
use crate::eval::parts::SlaStatus;
use crate::eval::state::SlaInstance;
use crate::ir::{Duration, Sla};

use super::super::context::Ctx;
use super::super::metrics::segment::Segment;
use super::OverdueItem;

/// Instances of one SLA, or of one of its assignees.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    /// Met, breached, overdue, open, cancelled.
    pub statuses: [usize; 5],
    /// Hours from start to met, of each instance met by the as-of time.
    pub hours: Vec<f64>,
}

impl Counts {
    fn merge(&mut self, other: Counts) {
        for (n, m) in self.statuses.iter_mut().zip(other.statuses) {
            *n += m;
        }
        self.hours.extend(other.hours);
    }
}

/// One SLA's instances: all of them, and each assignee's.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SlaCounts {
    pub total: Counts,
    pub by_assignee: BTreeMap<Segment, Counts>,
}

/// The running state of the SLA section.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SlaTally {
    /// Each SLA's, in declared order (empty before anything is counted).
    pub slas: Vec<SlaCounts>,
    /// The overdue instances, in no order until read.
    pub overdue: Vec<OverdueItem>,
}

impl SlaTally {
    /// The instances due in the report of the context's contacts and
    /// accounts.
    pub fn of(ctx: &Ctx) -> SlaTally {
        SlaTally::counted(ctx, Detail::Full)
    }

    /// Each SLA's instances by status, and nothing else: what a diff
    /// reads (no hours, assignees or overdue list).
    pub fn statuses(ctx: &Ctx) -> SlaTally {
        SlaTally::counted(ctx, Detail::Statuses)
    }

    fn counted(ctx: &Ctx, detail: Detail) -> SlaTally {
        let mut tally = SlaTally::default();
        for (id, sla) in ctx.model.slas.enumerate() {
            let mut counts = SlaCounts::default();
            // Contacts' instances, and accounts' for an SLA on account
            // stages.
            let subjects = ctx
                .event_journeys()
                .map(|j| (j.contact.as_str(), false, j.slas.as_slice()))
                .chain(
                    ctx.accounts()
                        .iter()
                        .map(|a| (a.account.as_str(), true, a.slas.as_slice())),
                );
            for (who, account, states) in subjects {
                for i in states.iter().map(|s| &s.instance).filter(|i| i.sla == id) {
                    if ctx.in_report(i.due) {
                        let subject = Subject { who, account };
                        if detail == Detail::Full {
                            count(ctx, sla, i, subject, &mut counts, &mut tally.overdue);
                        } else if let Some(n) = counts
                            .total
                            .statuses
                            .get_mut(status_index(SlaStatus::of(i, ctx.as_of)))
                        {
                            *n += 1;
                        }
                    }
                }
            }
            tally.slas.push(counts);
        }
        tally
    }

    /// Adds `other`'s instances to these.
    pub fn merge(&mut self, other: SlaTally) {
        if self.slas.len() < other.slas.len() {
            self.slas.resize_with(other.slas.len(), SlaCounts::default);
        }
        for (mine, theirs) in self.slas.iter_mut().zip(other.slas) {
            mine.total.merge(theirs.total);
            for (assignee, c) in theirs.by_assignee {
                mine.by_assignee.entry(assignee).or_default().merge(c);
            }
        }
        self.overdue.extend(other.overdue);
    }
}

/// How much of each instance a tally keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Detail {
    /// Everything a report shows.
    Full,
    /// The counts by status.
    Statuses,
}

/// The place of an instance's status in [`Counts::statuses`], as they
/// are read out.
fn status_index(status: SlaStatus) -> usize {
    match status {
        SlaStatus::Met => 0,
        SlaStatus::Breached => 1,
        SlaStatus::Overdue => 2,
        SlaStatus::Open => 3,
        SlaStatus::Cancelled => 4,
    }
}

/// Whose instance it is: a contact's (or deal's), or an account's.
struct Subject<'a> {
    who: &'a str,
    account: bool,
}

/// Counts one instance into its SLA's total and its assignee's row, and
/// lists it when overdue.
fn count(
    ctx: &Ctx,
    sla: &Sla,
    i: &SlaInstance,
    subject: Subject,
    counts: &mut SlaCounts,
    overdue: &mut Vec<OverdueItem>,
) {
    let assignee = sla
        .assignee
        .map(|d| Segment(i.marks.dims.get(d.index()).cloned().flatten()));
    let status = SlaStatus::of(i, ctx.as_of);
    let k = status_index(status);
    let business = matches!(
        sla.within,
        Duration::BusinessHours(_) | Duration::BusinessDays(_)
    );
    let hours = i.met_at.filter(|m| *m <= ctx.as_of).map(|m| {
        if business {
            ctx.calendar.business_hours_between(i.started, m)
        } else {
            (m - i.started) as f64 / 3_600_000.0
        }
    });
    let assignee_counts = assignee
        .clone()
        .map(|a| counts.by_assignee.entry(a).or_default());
    for c in [Some(&mut counts.total), assignee_counts]
        .into_iter()
        .flatten()
    {
        if let Some(n) = c.statuses.get_mut(k) {
            *n += 1;
        }
        c.hours.extend(hours);
    }
    if status == SlaStatus::Overdue {
        let who = subject.who.to_string();
        overdue.push(OverdueItem {
            contact: (!subject.account).then(|| who.clone()),
            account: subject.account.then_some(who),
            sla: sla.name.clone(),
            assignee: assignee.as_ref().map(Segment::label),
            started: format_instant(i.started),
            due: format_instant(i.due),
            overdue_hours: ((ctx.as_of - i.due) as f64 / 3_600_000.0 * 100.0).round() / 100.0,
        });
    }
}
