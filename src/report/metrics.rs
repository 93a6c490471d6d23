//! Metrics and incentives (docs/reports.md): aggregates over all journeys
//! of a period. Money stays an exact decimal through sums; a figure built
//! on an aggregate over nothing is "no data", and says why.

use std::collections::{BTreeSet, HashMap};

use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use serde::Serialize;

use crate::data::EventKind;
use crate::data::time::Instant;
use crate::ir::{Aggregate, ArithOp, CmpOp, EventRef, Figure, FigureId, FilterId, MetricId, Value};
use crate::range;

use super::context::{Ctx, first_entry_in};
use super::period::Span;
use super::stats;

/// A metric's value in one period.
#[derive(Debug, Clone, PartialEq)]
pub enum M {
    Num(f64),
    Money(Decimal),
    Bool(bool),
    NoData(String),
}

impl M {
    fn num(&self) -> Result<f64, &str> {
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

/// Evaluates metric expressions over one period, remembering metrics
/// already computed (metrics may use metrics; the checker rules out loops).
pub struct PeriodEval<'c, 'a> {
    pub ctx: &'c Ctx<'a>,
    pub start: Instant,
    pub end: Instant,
    memo: HashMap<MetricId, M>,
}

impl<'c, 'a> PeriodEval<'c, 'a> {
    pub fn new(ctx: &'c Ctx<'a>, start: Instant, end: Instant) -> Self {
        PeriodEval {
            ctx,
            start,
            end,
            memo: HashMap::new(),
        }
    }

    fn within(&self, t: Instant) -> bool {
        self.start <= t && t < self.end
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
            other => self.over_period(other),
        }
    }

    /// An aggregate over the journeys of the period.
    fn over_period(&mut self, f: &Figure) -> M {
        let ctx = self.ctx;
        let model = ctx.model;
        match f {
            Figure::CountEntered(s) => M::Num(
                ctx.lives(*s)
                    .iter()
                    .filter(|steps| {
                        steps
                            .iter()
                            .any(|st| st.stage == *s && self.within(st.entered))
                    })
                    .count() as f64,
            ),
            Figure::CountEvents(what, filter) => {
                M::Num(self.occurrences(*what, *filter).len() as f64)
            }
            Figure::Conversion(a, b) => {
                let cohort: Vec<_> = ctx
                    .lives(*a)
                    .into_iter()
                    .filter_map(|steps| first_entry_in(steps, *a).map(|t| (steps, t)))
                    .filter(|(_, t)| self.within(t.at))
                    .collect();
                let reached = cohort
                    .iter()
                    .filter(|(steps, t)| ctx.reached_in(steps, *t, *b).is_some())
                    .count();
                match stats::rate(reached, cohort.len()) {
                    Some(r) => M::Num(r),
                    None => M::NoData(format!("nobody entered {} in the period", ctx.name(*a))),
                }
            }
            Figure::StageDays(agg, a, b) => {
                let days: Vec<f64> = ctx
                    .lives(*a)
                    .into_iter()
                    .filter_map(|steps| {
                        let ta = first_entry_in(steps, *a)?;
                        let tb = ctx.reached_in(steps, ta, *b)?;
                        self.within(tb).then(|| (tb - ta.at) as f64 / 86_400_000.0)
                    })
                    .collect();
                aggregate(*agg, days.into_iter().map(M::Num).collect(), || {
                    format!(
                        "nobody reached {} from {} in the period",
                        ctx.name(*b),
                        ctx.name(*a)
                    )
                })
            }
            Figure::FieldAggregate(agg, ty, field) => {
                let name = model.events[*ty].name.as_str();
                let mut seen: BTreeSet<String> = BTreeSet::new();
                let mut values = Vec::new();
                for j in ctx.journeys() {
                    for &ev in &j.facts.events {
                        let Some(e) = ctx.histories.events.get(ev) else {
                            continue;
                        };
                        let EventKind::Event { ty: t, fields } = &e.kind else {
                            continue;
                        };
                        if t != ty || !self.within(e.at) {
                            continue;
                        }
                        // Several contacts of one deal: the opportunity once.
                        if let Some(o) = &e.opportunity
                            && !seen.insert(o.clone())
                        {
                            continue;
                        }
                        match fields.get(field.index()) {
                            Some(Some(Value::Money(m))) => values.push(M::Money(*m)),
                            Some(Some(Value::Number(n))) => values.push(M::Num(*n)),
                            _ => {}
                        }
                    }
                }
                let is_money = model.events[*ty].fields[*field].ty == crate::ir::Type::Money;
                if values.is_empty() && *agg == Aggregate::Sum {
                    // A sum of nothing is zero, in the field's own unit.
                    return if is_money {
                        M::Money(Decimal::ZERO)
                    } else {
                        M::Num(0.0)
                    };
                }
                aggregate(*agg, values, || format!("no {name} in the period"))
            }
            Figure::Attainment(s) => match super::sla::attainment(ctx, *s, self.start, self.end) {
                Some(r) => M::Num(r),
                None => M::NoData(format!(
                    "no {} due in the period was met, breached or overdue",
                    model.slas[*s].name.as_str()
                )),
            },
            Figure::Share(what, team) => {
                let team_touches = self.team_touches(*team);
                let mine = match what {
                    EventRef::Touchpoint(tp) => team_touches
                        .iter()
                        .filter(|(_, t)| t == tp)
                        .map(|(ev, _)| *ev)
                        .collect::<BTreeSet<usize>>()
                        .len(),
                    EventRef::Event(ty) => team_touches
                        .iter()
                        .filter(|(ev, _)| {
                            ctx.histories.events.get(*ev).is_some_and(
                                |e| matches!(&e.kind, EventKind::Event { ty: t, .. } if t == ty),
                            )
                        })
                        .map(|(ev, _)| *ev)
                        .collect::<BTreeSet<usize>>()
                        .len(),
                };
                let all: BTreeSet<usize> = team_touches.iter().map(|(ev, _)| *ev).collect();
                match stats::rate(mine, all.len()) {
                    Some(r) => M::Num(r),
                    None => M::NoData(format!(
                        "no {} touchpoints in the period",
                        ctx.team_name(*team)
                    )),
                }
            }
            Figure::Const(_)
            | Figure::Metric(_)
            | Figure::Neg(_)
            | Figure::Not(_)
            | Figure::And(..)
            | Figure::Or(..)
            | Figure::Compare(..)
            | Figure::Arith(..)
            | Figure::Min(_)
            | Figure::Max(_) => M::NoData("not an aggregate".into()),
        }
    }

    /// Events matching `p` in the period (each event once); its `where`
    /// is the filter the replay worked out as each event happened.
    fn occurrences(&self, what: EventRef, filter: Option<FilterId>) -> BTreeSet<usize> {
        let ctx = self.ctx;
        let mut out = BTreeSet::new();
        for j in ctx.journeys() {
            let holds =
                |ev: usize| filter.is_none_or(|f| j.facts.filtered.binary_search(&(ev, f)).is_ok());
            match what {
                EventRef::Touchpoint(tp) => {
                    for t in &j.facts.touches {
                        if self.within(t.at) && t.touchpoints.contains(&tp) && holds(t.event) {
                            out.insert(t.event);
                        }
                    }
                }
                EventRef::Event(ty) => {
                    for &ev in &j.facts.events {
                        let Some(e) = ctx.histories.events.get(ev) else {
                            continue;
                        };
                        if self.within(e.at)
                            && matches!(&e.kind, EventKind::Event { ty: t, .. } if *t == ty)
                            && holds(ev)
                        {
                            out.insert(ev);
                        }
                    }
                }
            }
        }
        out
    }

    /// (event, touchpoint) of every touch by `team` in the period.
    fn team_touches(&self, team: crate::ir::TeamId) -> Vec<(usize, crate::ir::TouchpointId)> {
        let ctx = self.ctx;
        let mut out = Vec::new();
        for j in ctx.journeys() {
            for t in &j.facts.touches {
                if !self.within(t.at) {
                    continue;
                }
                for tp in &t.touchpoints {
                    if ctx.model.touchpoints[*tp].team == team {
                        out.push((t.event, *tp));
                    }
                }
            }
        }
        out
    }
}

/// Arithmetic on a period's figures. Money stays exact and checked: a
/// result past what an exact decimal holds is no data, with the reason,
/// never a panic or a wrapped number.
fn arith(op: ArithOp, x: M, y: M) -> M {
    use M::*;
    let div0 = || NoData("division by zero".into());
    let big = || NoData("the amount is too large to compute".into());
    let exact = |d: Option<Decimal>| d.map_or_else(big, Money);
    let ratio = |d: Option<Decimal>| d.and_then(|d| d.to_f64()).map_or_else(big, Num);
    match (x, y) {
        (NoData(r), _) | (_, NoData(r)) => NoData(r),
        (Money(a), Money(b)) => match op {
            ArithOp::Add => exact(range::add(a, b)),
            ArithOp::Sub => exact(range::sub(a, b)),
            ArithOp::Mul => ratio(range::mul(a, b)),
            ArithOp::Div if b.is_zero() => div0(),
            ArithOp::Div => ratio(range::div(a, b)),
        },
        (Money(a), Num(n)) | (Num(n), Money(a)) if matches!(op, ArithOp::Mul) => {
            Decimal::from_f64(n).map_or_else(
                || NoData("not a number".into()),
                |d| exact(range::mul(a, d)),
            )
        }
        (Money(a), Num(n)) if matches!(op, ArithOp::Div) => match Decimal::from_f64(n) {
            Some(d) if !d.is_zero() => exact(range::div(a, d)),
            _ => div0(),
        },
        (x, y) => match (x.num(), y.num()) {
            (Ok(a), Ok(b)) => match op {
                ArithOp::Add => Num(a + b),
                ArithOp::Sub => Num(a - b),
                ArithOp::Mul => Num(a * b),
                ArithOp::Div if b == 0.0 => div0(),
                ArithOp::Div => Num(a / b),
            },
            (Err(r), _) | (_, Err(r)) => NoData(r.to_string()),
        },
    }
}

/// `sum` of nothing is 0; `avg`, `median` and `p90` of nothing are no data.
fn aggregate(agg: Aggregate, values: Vec<M>, none: impl Fn() -> String) -> M {
    let money = values.iter().any(|v| matches!(v, M::Money(_)));
    if money {
        let ds: Vec<Decimal> = values
            .iter()
            .filter_map(|v| match v {
                M::Money(d) => Some(*d),
                M::Num(n) => Decimal::from_f64(*n),
                _ => None,
            })
            .collect();
        let Some(total) = range::sum(&ds) else {
            return M::NoData("the amounts add up to more than can be computed".into());
        };
        return match agg {
            Aggregate::Sum => M::Money(total),
            Aggregate::Avg => range::div(total, Decimal::from(ds.len()))
                .map_or_else(|| M::NoData(none()), M::Money),
            Aggregate::Median | Aggregate::P90 => {
                let f: Vec<f64> = ds.iter().filter_map(|d| d.to_f64()).collect();
                let v = if agg == Aggregate::Median {
                    stats::median(&f)
                } else {
                    stats::p90(&f)
                };
                v.and_then(Decimal::from_f64)
                    .map_or_else(|| M::NoData(none()), M::Money)
            }
        };
    }
    let f: Vec<f64> = values.iter().filter_map(|v| v.num().ok()).collect();
    let v = match agg {
        // `+ 0.0`: an empty float sum is -0.0, which would print as "-0".
        Aggregate::Sum => Some(f.iter().sum::<f64>() + 0.0),
        Aggregate::Avg => stats::mean(&f),
        Aggregate::Median => stats::median(&f),
        Aggregate::P90 => stats::p90(&f),
    };
    v.map_or_else(|| M::NoData(none()), M::Num)
}

#[derive(Debug, Clone, Serialize)]
pub struct MetricRow {
    pub metric: String,
    pub description: Option<String>,
    pub values: Vec<Cell>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    pub period: String,
    /// A number, money as an exact decimal string, or null for no data.
    pub value: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_data: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IncentiveRow {
    pub incentive: String,
    pub period: String,
    /// `null` when the target has no data (the payout is then 0).
    pub target_met: Option<bool>,
    /// The payout to each team listed (or the split share), to the cent.
    pub payout: String,
    pub teams: Vec<TeamPayout>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TeamPayout {
    pub team: String,
    pub payout: String,
}

pub fn metrics(ctx: &Ctx) -> (Vec<String>, Vec<MetricRow>) {
    let spans = ctx.periods(ctx.period);
    let mut evals: Vec<(Span, PeriodEval)> = spans
        .into_iter()
        .map(|s| {
            let e = PeriodEval::new(ctx, s.start, s.end);
            (s, e)
        })
        .collect();
    let rows = ctx
        .model
        .metrics
        .enumerate()
        .map(|(id, m)| MetricRow {
            metric: m.name.clone(),
            description: m.description.clone(),
            values: evals
                .iter_mut()
                .map(|(s, e)| {
                    let v = e.metric(id);
                    Cell {
                        period: s.label.clone(),
                        value: v.json(),
                        no_data: v.reason(),
                    }
                })
                .collect(),
        })
        .collect();
    (evals.iter().map(|(s, _)| s.label.clone()).collect(), rows)
}

pub fn incentives(ctx: &Ctx) -> Vec<IncentiveRow> {
    let mut out = Vec::new();
    for inc in &ctx.model.incentives {
        for s in ctx.periods(inc.period) {
            let mut e = PeriodEval::new(ctx, s.start, s.end);
            let target = e.eval(inc.target, 0);
            let (met, payout, note) = match target {
                M::Bool(true) => match e.eval(inc.payout, 0) {
                    M::Money(m) => (Some(true), m, None),
                    M::Num(n) => (
                        Some(true),
                        Decimal::from_f64(n).unwrap_or(Decimal::ZERO),
                        None,
                    ),
                    M::NoData(r) => (
                        Some(true),
                        Decimal::ZERO,
                        Some(format!("payout has no data: {r}")),
                    ),
                    M::Bool(_) => (
                        Some(true),
                        Decimal::ZERO,
                        Some("payout is not an amount".into()),
                    ),
                },
                M::Bool(false) => (Some(false), Decimal::ZERO, None),
                M::NoData(r) => (
                    None,
                    Decimal::ZERO,
                    Some(format!("target has no data: {r}")),
                ),
                _ => (None, Decimal::ZERO, Some("target is not a yes/no".into())),
            };
            let payout = payout.max(Decimal::ZERO).round_dp(2);
            let each = if inc.split && !inc.teams.is_empty() {
                (payout / Decimal::from(inc.teams.len())).round_dp(2)
            } else {
                payout
            };
            out.push(IncentiveRow {
                incentive: inc.name.clone(),
                period: s.label,
                target_met: met,
                payout: stats::cents(payout),
                teams: inc
                    .teams
                    .iter()
                    .map(|t| TeamPayout {
                        team: ctx.team_name(*t),
                        payout: stats::cents(each),
                    })
                    .collect(),
                note,
            });
        }
    }
    out
}

/// Every metric over the whole report, `from` to `to`, as one span (what
/// `detente diff` compares and gates on), in declared order.
pub fn overall(ctx: &Ctx) -> Vec<M> {
    let mut e = PeriodEval::new(ctx, ctx.from, ctx.to);
    ctx.model.metrics.ids().map(|m| e.metric(m)).collect()
}
