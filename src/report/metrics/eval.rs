//! A period's figures: metric expressions evaluated over the journeys of
//! one period, optionally cut to one segment.

use std::collections::{BTreeSet, HashMap};

use crate::data::time::Instant;
use crate::ir::{CmpOp, Figure, FigureId, MetricId, Value};

use super::super::context::Ctx;
use super::M;
use super::arith::arith;
use super::segment::{Cut, Segment};
use super::tally::MetricTally;

/// Evaluates metric expressions over one period, remembering metrics
/// already computed (metrics may use metrics; the checker rules out loops).
pub struct PeriodEval<'c, 'a> {
    pub ctx: &'c Ctx<'a>,
    pub start: Instant,
    pub end: Instant,
    /// Which facts count, and which segments to note.
    pub(super) cut: Cut,
    /// The segments met while `cut` is `Noting`.
    pub(super) noted: BTreeSet<Segment>,
    /// The aggregates counted as the replay went, when they were; else
    /// each is counted from the journeys when read.
    pub(super) tally: Option<&'c MetricTally>,
    memo: HashMap<MetricId, M>,
}

impl<'c, 'a> PeriodEval<'c, 'a> {
    pub fn new(ctx: &'c Ctx<'a>, start: Instant, end: Instant) -> Self {
        Self::cut(ctx, start, end, Cut::Total)
    }

    /// Figures over the period, counting only what `cut` lets through.
    pub fn cut(ctx: &'c Ctx<'a>, start: Instant, end: Instant, cut: Cut) -> Self {
        PeriodEval {
            ctx,
            start,
            end,
            cut,
            noted: BTreeSet::new(),
            tally: None,
            memo: HashMap::new(),
        }
    }

    /// Reads the aggregates off `tally` when there is one.
    pub fn counted(mut self, tally: Option<&'c MetricTally>) -> Self {
        self.tally = tally;
        self
    }

    pub fn metric(&mut self, m: MetricId) -> M {
        if let Some(v) = self.memo.get(&m) {
            return v.clone();
        }
        let v = self.eval(self.ctx.model.metrics[m].figure, 0);
        self.memo.insert(m, v.clone());
        v
    }

    pub fn eval(&mut self, e: FigureId, depth: usize) -> M {
        if depth > 64 {
            return M::NoData("expression nested too deeply".into());
        }
        let ctx = self.ctx;
        let model = ctx.model;
        match &model.figures[e] {
            Figure::Const(Value::Number(n)) => M::Num(*n),
            Figure::Const(Value::Money(m)) => M::Money(*m),
            Figure::Const(Value::Duration(d)) => M::Num(d.approx_days()),
            Figure::Const(Value::Bool(b)) => M::Bool(*b),
            Figure::Const(_) => M::NoData("not a number".into()),
            Figure::Metric(m) => self.metric(*m),
            Figure::Neg(a) => match self.eval(*a, depth + 1) {
                M::Num(n) => M::Num(-n),
                M::Money(m) => M::Money(-m),
                other => other,
            },
            Figure::Not(a) => match self.eval(*a, depth + 1) {
                M::Bool(b) => M::Bool(!b),
                other => other,
            },
            Figure::And(a, b) | Figure::Or(a, b) => {
                let and = matches!(&model.figures[e], Figure::And(..));
                match (self.eval(*a, depth + 1), self.eval(*b, depth + 1)) {
                    (M::Bool(x), M::Bool(y)) => M::Bool(if and { x && y } else { x || y }),
                    // A false side decides `and`, a true side decides `or`,
                    // even when the other side has no data.
                    (M::Bool(x), M::NoData(_)) | (M::NoData(_), M::Bool(x)) if x != and => {
                        M::Bool(x)
                    }
                    (M::NoData(r), _) | (_, M::NoData(r)) => M::NoData(r),
                    _ => M::NoData("not a yes/no".into()),
                }
            }
            Figure::Compare(op, a, b) => {
                let (x, y) = (self.eval(*a, depth + 1), self.eval(*b, depth + 1));
                match (x.num(), y.num()) {
                    (Ok(x), Ok(y)) => M::Bool(match op {
                        CmpOp::Eq => x == y,
                        CmpOp::Ne => x != y,
                        CmpOp::Lt => x < y,
                        CmpOp::Le => x <= y,
                        CmpOp::Gt => x > y,
                        CmpOp::Ge => x >= y,
                    }),
                    (Err(r), _) | (_, Err(r)) => M::NoData(r.to_string()),
                }
            }
            Figure::Arith(op, a, b) => {
                let (x, y) = (self.eval(*a, depth + 1), self.eval(*b, depth + 1));
                arith(*op, x, y)
            }
            Figure::Min(xs) | Figure::Max(xs) => {
                let min = matches!(&model.figures[e], Figure::Min(_));
                let mut best: Option<M> = None;
                for x in xs {
                    let v = self.eval(*x, depth + 1);
                    if let M::NoData(_) = v {
                        return v;
                    }
                    best = Some(match best {
                        None => v,
                        Some(b) => {
                            let (bn, vn) = (b.num().unwrap_or(0.0), v.num().unwrap_or(0.0));
                            if (vn < bn) == min && vn != bn { v } else { b }
                        }
                    });
                }
                best.unwrap_or_else(|| M::NoData("nothing to compare".into()))
            }
            _ => self.over_period(e),
        }
    }
}
