//! The metric and incentive sections counted a batch of accounts at a
//! time: every aggregate of every metric over every span the report
//! reads (each period of the report, and each span a lagged incentive
//! measures), in total and by segment of each dimension a metric is cut
//! `by` or an incentive paid `per`. Metrics are read off these leaves at
//! the end, so a ratio of two aggregates is the ratio of the two merged,
//! never a merge of ratios.

use std::collections::{BTreeMap, BTreeSet};

use crate::data::time::Instant;
use crate::ir::{DimensionId, FigureId, Ir};

use super::super::context::Ctx;
use super::super::period::{lagged, periods_cut};
use super::facts::Counter;
use super::leaf::Leaf;

/// The running state of the metric and incentive sections.
#[derive(Clone, Default, PartialEq)]
pub struct MetricTally {
    leaves: BTreeMap<(FigureId, Instant, Instant), Leaf>,
}

impl std::fmt::Debug for MetricTally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricTally")
            .field("leaves", &self.leaves.len())
            .finish()
    }
}

impl MetricTally {
    /// Every aggregate over every span the report reads, of the
    /// context's journeys.
    pub fn of(ctx: &Ctx) -> MetricTally {
        let dims = dimensions(ctx.model);
        let mut leaves = BTreeMap::new();
        for (start, end) in spans(ctx) {
            let counter = Counter {
                ctx,
                start,
                end,
                dims: &dims,
            };
            for (id, f) in ctx.model.figures.iter() {
                if let Some(leaf) = counter.leaf(f) {
                    leaves.insert((id, start, end), leaf);
                }
            }
        }
        MetricTally { leaves }
    }

    /// Adds `other`'s facts to these.
    pub fn merge(&mut self, other: MetricTally) {
        for (key, leaf) in other.leaves {
            match self.leaves.get_mut(&key) {
                Some(mine) => mine.merge(leaf),
                None => {
                    self.leaves.insert(key, leaf);
                }
            }
        }
    }

    /// Aggregate `figure` over `[start, end)`; none when no batch counted
    /// that span, which holds nothing of any batch (see [`spans`]).
    pub(super) fn leaf(&self, figure: FigureId, start: Instant, end: Instant) -> Option<&Leaf> {
        self.leaves.get(&(figure, start, end))
    }
}

/// Every dimension a metric is cut by or an incentive paid per.
fn dimensions(model: &Ir) -> Vec<DimensionId> {
    let by = model.metrics.iter().filter_map(|m| m.by);
    let per = model.incentives.iter().filter_map(|i| i.per);
    let all: BTreeSet<DimensionId> = by.chain(per).collect();
    all.into_iter().collect()
}

/// The spans a report reads that may hold something of the context's
/// journeys: the report's periods, and the span each incentive's period
/// measures (the period itself, or the one `lagged` months later) that
/// has begun by the as-of time.
///
/// A batch's report starts at the earliest instant of the batch, the
/// whole report at the earliest of all batches (`Ctx::batch`); without a
/// `from` set by the user the periods are whole calendar periods, so the
/// whole report's periods are the batch's and some earlier ones, which
/// end before the batch begins. A lagged incentive measures later than
/// its period: the periods counted for it start a lag and a year before
/// the batch, so that every span measured on the batch's facts is
/// counted.
fn spans(ctx: &Ctx) -> BTreeSet<(Instant, Instant)> {
    let model = ctx.model;
    let (tz, fy) = (model.timezone, model.fiscal_year_start_month);
    let mut out: BTreeSet<(Instant, Instant)> = ctx
        .periods(ctx.period)
        .into_iter()
        .map(|s| (s.start, s.end))
        .collect();
    if ctx.overall {
        out.insert((ctx.overall_start(), ctx.to));
    }
    for inc in model.incentives.iter() {
        let from = match ctx.cut.from {
            Some(from) => from,
            None => {
                let months = i64::from(inc.lag_months) + 12;
                ctx.from
                    .saturating_sub(months.saturating_mul(31 * 86_400_000))
            }
        };
        for s in periods_cut(inc.period, from, ctx.to, ctx.cut, tz, fy) {
            let measured = lagged(&s, inc.period, inc.lag_months, tz, fy);
            if measured.start <= ctx.as_of {
                out.insert((measured.start, measured.end));
            }
        }
    }
    out
}
