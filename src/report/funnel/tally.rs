//! What the funnel, velocity, triggers, balance and drop-outs keep of
//! each contact's path: counts, and the days of each stay for the
//! medians (8 bytes a stay). A tally is counted a batch of journeys at a
//! time and merged; merging is associative and commutative, so the
//! sections come out the same however the data was split and in
//! whatever order the batches came.

use std::collections::BTreeMap;

use crate::data::time::Instant;
use crate::eval::Journey;
use crate::eval::state::Cause;
use crate::ir::StageId;

use super::super::context::{Ctx, first_entry};
use super::DAY;
use super::words::{event_name, label_of, reason_of, tipped_by};

/// The running state of the five path sections.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PathTally {
    /// By contact stage, in declared order.
    pub(super) stages: Vec<StageTally>,
    /// The days of each completed stay that ended in the report, by the
    /// stage stayed in.
    pub(super) stays: BTreeMap<StageId, Vec<f64>>,
    /// The days from the first entry into one success-path stage to the
    /// first into a later one, by the two stages' places on the path.
    pub(super) between: BTreeMap<(usize, usize), Vec<f64>>,
    /// Moves in the report by transition, then by what set them off.
    pub(super) fired: BTreeMap<usize, BTreeMap<String, usize>>,
    /// By period, as `(start, end)`.
    pub(super) periods: BTreeMap<(Instant, Instant), PeriodTally>,
    /// Moves into detours, by the stage's place and the label or reason.
    pub(super) by_label: BTreeMap<(usize, String), usize>,
    pub(super) by_reason: BTreeMap<(usize, String), usize>,
}

/// One stage's funnel counts.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct StageTally {
    /// Contacts whose first entry falls in the report.
    pub entered: usize,
    /// Contacts in the stage at the as-of time.
    pub current: usize,
    /// Of `entered`, those who reached each later success-path stage.
    pub reached: Vec<usize>,
    /// Of `entered` into a detour, those who got back on the success path.
    pub back: usize,
    /// Of `entered`, those now in another detour.
    pub dropped: usize,
}

/// A period's balance: contacts by stage at its end, moves during it.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct PeriodTally {
    pub in_stage: BTreeMap<StageId, usize>,
    pub moves: BTreeMap<(StageId, StageId), usize>,
}

impl PathTally {
    /// The tally of the context's journeys (every one, or a batch's).
    pub fn of(ctx: &Ctx) -> PathTally {
        let mut t = PathTally {
            stages: vec![StageTally::default(); ctx.stages.len()],
            ..PathTally::default()
        };
        for j in ctx.journeys() {
            t.funnel(ctx, j);
            t.velocity(ctx, j);
            t.triggers(ctx, j);
            t.dropouts(ctx, j);
        }
        t.balance(ctx);
        t
    }

    /// Adds `other`'s counts and values to these.
    pub fn merge(&mut self, other: PathTally) {
        if self.stages.len() < other.stages.len() {
            self.stages
                .resize(other.stages.len(), StageTally::default());
        }
        for (a, b) in self.stages.iter_mut().zip(other.stages) {
            a.merge(b);
        }
        for (k, v) in other.stays {
            self.stays.entry(k).or_default().extend(v);
        }
        for (k, v) in other.between {
            self.between.entry(k).or_default().extend(v);
        }
        for (k, by) in other.fired {
            add_counts(self.fired.entry(k).or_default(), by);
        }
        for (k, p) in other.periods {
            let mine = self.periods.entry(k).or_default();
            add_counts(&mut mine.in_stage, p.in_stage);
            add_counts(&mut mine.moves, p.moves);
        }
        add_counts(&mut self.by_label, other.by_label);
        add_counts(&mut self.by_reason, other.by_reason);
    }

    fn funnel(&mut self, ctx: &Ctx, j: &Journey) {
        let last = j.facts.steps.last().map(|s| s.stage);
        for (&a, t) in ctx.stages.iter().zip(self.stages.iter_mut()) {
            if last == Some(a) {
                t.current += 1;
            }
            let Some(entry) = first_entry(j, a).filter(|e| ctx.in_report(e.at)) else {
                continue;
            };
            t.entered += 1;
            let later = ctx.later_success(a);
            t.reached.resize(later.len(), 0);
            for (n, &b) in t.reached.iter_mut().zip(later) {
                if ctx.reached(j, entry, b).is_some() {
                    *n += 1;
                }
            }
            // Only a detour's funnel row reads it.
            let mut steps = j.facts.steps.iter().skip(entry.step + 1);
            if ctx.is_detour(a) && steps.any(|s| ctx.rank(s.stage).is_some()) {
                t.back += 1;
            }
            if last.is_some_and(|s| s != a && ctx.is_detour(s)) {
                t.dropped += 1;
            }
        }
    }

    fn velocity(&mut self, ctx: &Ctx, j: &Journey) {
        for w in j.facts.steps.windows(2) {
            let [a, b] = w else { continue };
            if b.entered > a.entered && ctx.in_report(b.entered) {
                let days = (b.entered - a.entered) as f64 / DAY;
                self.stays.entry(a.stage).or_default().push(days);
            }
        }
        for (i, &a) in ctx.success.iter().enumerate() {
            let Some(ta) = first_entry(j, a) else {
                continue;
            };
            for (k, &b) in ctx.success.iter().enumerate().skip(i + 1) {
                let Some(tb) = ctx.reached(j, ta, b).filter(|tb| ctx.in_report(*tb)) else {
                    continue;
                };
                let days = (tb - ta.at) as f64 / DAY;
                self.between.entry((i, k)).or_default().push(days);
            }
        }
    }

    fn triggers(&mut self, ctx: &Ctx, j: &Journey) {
        for s in &j.facts.steps {
            if !ctx.in_report(s.entered) {
                continue;
            }
            let (t, what) = match &s.cause {
                Cause::On { transition, event } => (*transition, event_name(ctx, *event)),
                Cause::When { transition, .. } => (*transition, tipped_by(ctx, s)),
                Cause::After { transition } => (*transition, "time".to_string()),
                _ => continue,
            };
            *self
                .fired
                .entry(t.index())
                .or_default()
                .entry(what)
                .or_default() += 1;
        }
    }

    fn dropouts(&mut self, ctx: &Ctx, j: &Journey) {
        for (k, s) in j.facts.steps.iter().enumerate() {
            if k == 0 || !ctx.is_detour(s.stage) || !ctx.in_report(s.entered) {
                continue;
            }
            let order = ctx.stages.iter().position(|x| *x == s.stage).unwrap_or(0);
            let (label, event) = match &s.cause {
                Cause::On { transition, event } => (label_of(ctx, *transition), Some(*event)),
                Cause::When { transition, .. } => (label_of(ctx, *transition), s.tipped.event),
                Cause::After { transition } => (label_of(ctx, *transition), None),
                Cause::Manual { event } => ("moved by hand".to_string(), Some(*event)),
                _ => continue,
            };
            let reason = event
                .and_then(|ev| reason_of(ctx, ev))
                .unwrap_or_else(|| "(none given)".to_string());
            *self.by_label.entry((order, label)).or_default() += 1;
            *self.by_reason.entry((order, reason)).or_default() += 1;
        }
    }

    /// Each period of the context's report: a batch's periods begin at
    /// its own first stage entry; the periods before it, which only the
    /// whole report has, would count none of its contacts anyway.
    fn balance(&mut self, ctx: &Ctx) {
        for p in ctx.periods(ctx.period) {
            let at = (p.end - 1).min(ctx.as_of);
            let t = self.periods.entry((p.start, p.end)).or_default();
            for j in ctx.journeys() {
                if let Some(s) = ctx.stage_at(j, at) {
                    *t.in_stage.entry(s).or_default() += 1;
                }
                for w in j.facts.steps.windows(2) {
                    let [a, b] = w else { continue };
                    if p.start <= b.entered && b.entered < p.end {
                        *t.moves.entry((a.stage, b.stage)).or_default() += 1;
                    }
                }
            }
        }
    }
}

impl StageTally {
    fn merge(&mut self, other: StageTally) {
        self.entered += other.entered;
        self.current += other.current;
        self.back += other.back;
        self.dropped += other.dropped;
        if self.reached.len() < other.reached.len() {
            self.reached.resize(other.reached.len(), 0);
        }
        for (a, b) in self.reached.iter_mut().zip(other.reached) {
            *a += b;
        }
    }
}

/// Adds each count of `from` into `into`.
fn add_counts<K: Ord>(into: &mut BTreeMap<K, usize>, from: BTreeMap<K, usize>) {
    for (k, n) in from {
        *into.entry(k).or_default() += n;
    }
}
