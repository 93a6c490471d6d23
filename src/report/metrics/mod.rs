//! Metrics and incentives (docs/reports.md): aggregates over all journeys
//! of a period. Each aggregate is counted over a span into a leaf
//! (`leaf.rs`, `facts.rs`), by segment, batch by batch as the replay goes
//! (`tally.rs`) or from the journeys when read; the metric's expression
//! is worked out over the leaves (`eval.rs`, `read.rs`). Money stays an
//! exact decimal through sums; a figure built on an aggregate over
//! nothing is "no data", and says why.

mod arith;
mod eval;
mod facts;
mod leaf;
mod read;
mod rows;
pub mod segment;
mod tally;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::context::Ctx;
use super::stats;

pub use eval::PeriodEval;
pub use tally::MetricTally;

/// A metric's value in one period.
#[derive(Debug, Clone, PartialEq)]
pub enum M {
    Num(f64),
    Money(Decimal),
    Bool(bool),
    NoData(String),
}

impl M {
    pub(super) fn num(&self) -> Result<f64, &str> {
        match self {
            M::Num(n) => Ok(*n),
            M::Money(m) => Ok(m.to_f64().unwrap_or(0.0)),
            M::Bool(b) => Ok(f64::from(u8::from(*b))),
            M::NoData(r) => Err(r),
        }
    }

    /// For output: money to the cent as a string (exact), numbers rounded
    /// to four decimals, no data as null with its reason alongside.
    pub fn json(&self) -> serde_json::Value {
        match self {
            M::Num(n) => stats::json4(*n),
            M::Money(m) => serde_json::Value::String(stats::cents(*m)),
            M::Bool(b) => serde_json::Value::Bool(*b),
            M::NoData(_) => serde_json::Value::Null,
        }
    }

    pub fn reason(&self) -> Option<String> {
        match self {
            M::NoData(r) => Some(r.clone()),
            _ => None,
        }
    }
}

pub use rows::{Cell, IncentiveRow, MetricRow, PayeeRow, SegmentCell, TeamPayout};
pub use rows::{incentives, metrics, over_span};

/// Every metric over the whole report as one span (what `detente diff`
/// compares and gates on), in declared order: from
/// [`Ctx::overall_start`] to the end, read off `tally` when given
/// (counted with [`Ctx::overall`] set).
pub fn overall(ctx: &Ctx, tally: Option<&MetricTally>) -> Vec<M> {
    let mut e = PeriodEval::new(ctx, ctx.overall_start(), ctx.to).counted(tally);
    ctx.model.metrics.ids().map(|m| e.metric(m)).collect()
}
