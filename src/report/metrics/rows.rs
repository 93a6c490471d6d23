//! The metrics and incentives sections: each metric per period, and per
//! segment when it is cut (`by`); each incentive per period, and per
//! payee when it is paid `per` a field.

use std::collections::BTreeSet;

use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;
use serde::Serialize;

use crate::ir::{DimensionId, Figure, Incentive, MetricId};

use super::super::context::Ctx;
use super::super::period::Span;
use super::super::stats;
use super::segment::{Cut, NONE_LABEL, Segment};
use super::tally::MetricTally;
use super::{M, PeriodEval};

#[derive(Debug, Clone, Serialize)]
pub struct MetricRow {
    pub metric: String,
    pub description: Option<String>,
    /// What the metric is cut by (`contact.office`), when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// True for a rate (a fraction between 0 and 1, shown as a %).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub rate: bool,
    pub values: Vec<Cell>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    pub period: String,
    /// A number, money as an exact decimal string, or null for no data.
    pub value: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_data: Option<String>,
    /// For a metric cut `by` a field: its value in each segment met in
    /// any period of the report, in order, `(none)` last.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub segments: Vec<SegmentCell>,
}

/// A metric's value in one segment of one period.
#[derive(Debug, Clone, Serialize)]
pub struct SegmentCell {
    /// The field's value, or null for the facts that had none.
    pub segment: serde_json::Value,
    /// `(none)` for the segment with no value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
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
    /// The payout to each team listed (or the split share), to the cent;
    /// for an incentive paid `per` a field, the sum paid to the payees.
    pub payout: String,
    pub teams: Vec<TeamPayout>,
    /// For an incentive paid `per` a field: the field (`contact.owner`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per: Option<String>,
    /// For a lagged incentive: the period its target was measured on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measured: Option<String>,
    /// For an incentive paid `per` a field: every payee of the period.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub payees: Vec<PayeeRow>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TeamPayout {
    pub team: String,
    pub payout: String,
}

/// One payee of an incentive paid `per` a field, in one period.
#[derive(Debug, Clone, Serialize)]
pub struct PayeeRow {
    /// The field's value; null for the facts with none, which are
    /// reported but paid to no one.
    pub payee: serde_json::Value,
    /// `(none)` for the payee with no value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// True for the `(none)` row: its payout is shown, not paid.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unassigned: bool,
    /// The value the target measures (its left side), or null.
    pub target_value: serde_json::Value,
    pub target_met: Option<bool>,
    pub payout: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Every metric over each period of the report, its aggregates read off
/// `tally` when they were counted as the replay went (else counted from
/// the journeys).
pub fn metrics(ctx: &Ctx, tally: Option<&MetricTally>) -> (Vec<String>, Vec<MetricRow>) {
    let spans = ctx.periods(ctx.period);
    let rows = metric_rows(ctx, &spans, tally);
    (spans.into_iter().map(|s| s.label).collect(), rows)
}

/// Every metric over each span: the total, and each segment of a metric
/// cut `by` a field. Uncut metrics share one evaluator per span, so a
/// metric other metrics use is worked out once.
fn metric_rows(ctx: &Ctx, spans: &[Span], tally: Option<&MetricTally>) -> Vec<MetricRow> {
    let mut totals: Vec<PeriodEval> = spans
        .iter()
        .map(|s| PeriodEval::new(ctx, s.start, s.end).counted(tally))
        .collect();
    ctx.model
        .metrics
        .enumerate()
        .map(|(id, m)| MetricRow {
            metric: m.name.clone(),
            description: m.description.clone(),
            by: m.by.map(|d| ctx.model.dimensions[d].text.clone()),
            rate: m.rate,
            values: match m.by {
                None => spans
                    .iter()
                    .zip(totals.iter_mut())
                    .map(|(s, e)| cell(s, &e.metric(id), Vec::new()))
                    .collect(),
                Some(d) => segmented(ctx, spans, id, d, tally),
            },
        })
        .collect()
}

/// Every metric and incentive over one span, `[from, to)` of the report
/// (what a policy test's `expect.metrics` and `expect.payouts` check).
pub fn over_span(ctx: &Ctx, label: &str) -> (Vec<MetricRow>, Vec<IncentiveRow>) {
    let span = Span {
        label: label.to_string(),
        start: ctx.from,
        end: ctx.to,
    };
    let spans = [span];
    let metrics = metric_rows(ctx, &spans, None);
    let incentives = ctx
        .model
        .incentives
        .iter()
        .flat_map(|inc| spans.iter().map(|s| incentive_row(ctx, inc, s, None)))
        .collect();
    (metrics, incentives)
}

/// A metric cut by `d`: the total of each period, and the value of every
/// segment met in any period.
fn segmented(
    ctx: &Ctx,
    spans: &[Span],
    id: MetricId,
    d: DimensionId,
    tally: Option<&MetricTally>,
) -> Vec<Cell> {
    let mut all: BTreeSet<Segment> = BTreeSet::new();
    let totals: Vec<M> = spans
        .iter()
        .map(|s| {
            let mut e = PeriodEval::cut(ctx, s.start, s.end, Cut::Noting(d)).counted(tally);
            let v = e.metric(id);
            all.append(&mut e.noted);
            v
        })
        .collect();
    spans
        .iter()
        .zip(totals)
        .map(|(s, total)| {
            let segments = all
                .iter()
                .map(|seg| {
                    let cut = Cut::Only(d, seg.clone());
                    let v = PeriodEval::cut(ctx, s.start, s.end, cut)
                        .counted(tally)
                        .metric(id);
                    SegmentCell {
                        segment: seg.json(),
                        label: seg.0.is_none().then(|| NONE_LABEL.to_string()),
                        value: v.json(),
                        no_data: v.reason(),
                    }
                })
                .collect();
            cell(s, &total, segments)
        })
        .collect()
}

fn cell(s: &Span, v: &M, segments: Vec<SegmentCell>) -> Cell {
    Cell {
        period: s.label.clone(),
        value: v.json(),
        no_data: v.reason(),
        segments,
    }
}

/// What an incentive's target and payout came to over one span.
struct Outcome {
    met: Option<bool>,
    target_value: M,
    payout: Decimal,
    note: Option<String>,
}

fn outcome(inc: &Incentive, e: &mut PeriodEval) -> Outcome {
    let target_value = match &e.ctx.model.figures[inc.target] {
        Figure::Compare(_, left, _) => e.eval(*left, 0),
        _ => e.eval(inc.target, 0),
    };
    let (met, payout, note) = match e.eval(inc.target, 0) {
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
    Outcome {
        met,
        target_value,
        payout: payout.max(Decimal::ZERO).round_dp(2),
        note,
    }
}

/// Every incentive over each of its periods, its aggregates read off
/// `tally` as [`metrics`] reads them.
pub fn incentives(ctx: &Ctx, tally: Option<&MetricTally>) -> Vec<IncentiveRow> {
    let mut out = Vec::new();
    for inc in ctx.model.incentives.iter() {
        for s in ctx.periods(inc.period) {
            out.push(incentive_row(ctx, inc, &s, tally));
        }
    }
    out
}

fn incentive_row(
    ctx: &Ctx,
    inc: &Incentive,
    s: &Span,
    tally: Option<&MetricTally>,
) -> IncentiveRow {
    let model = ctx.model;
    let measured = super::super::period::lagged(
        s,
        inc.period,
        inc.lag_months,
        model.timezone,
        model.fiscal_year_start_month,
    );
    let lag_label = (inc.lag_months > 0).then(|| measured.label.clone());
    let mut row = IncentiveRow {
        incentive: inc.name.clone(),
        period: s.label.clone(),
        target_met: None,
        payout: stats::cents(Decimal::ZERO),
        teams: Vec::new(),
        per: inc.per.map(|d| ctx.model.dimensions[d].text.clone()),
        measured: lag_label,
        payees: Vec::new(),
        note: None,
    };
    if measured.start > ctx.as_of {
        row.note = Some(format!(
            "measured on {}, which has not begun",
            measured.label
        ));
        row.teams = team_payouts(ctx, inc, Decimal::ZERO);
        return row;
    }
    let cut = inc.per.map_or(Cut::Total, Cut::Noting);
    let mut e = PeriodEval::cut(ctx, measured.start, measured.end, cut).counted(tally);
    let total = outcome(inc, &mut e);
    let Some(d) = inc.per else {
        row.target_met = total.met;
        row.payout = stats::cents(total.payout);
        row.note = total.note;
        row.teams = team_payouts(ctx, inc, total.payout);
        return row;
    };
    let payees: Vec<Segment> = std::mem::take(&mut e.noted).into_iter().collect();
    let mut paid = Decimal::ZERO;
    for seg in payees {
        let cut = Cut::Only(d, seg.clone());
        let mut e = PeriodEval::cut(ctx, measured.start, measured.end, cut).counted(tally);
        let o = outcome(inc, &mut e);
        let unassigned = seg.0.is_none();
        if !unassigned {
            paid = crate::range::add(paid, o.payout).unwrap_or(paid);
        }
        row.payees.push(PayeeRow {
            payee: seg.json(),
            label: unassigned.then(|| NONE_LABEL.to_string()),
            unassigned,
            target_value: o.target_value.json(),
            target_met: o.met,
            payout: stats::cents(o.payout),
            note: o.note,
        });
    }
    row.target_met = total.met;
    row.payout = stats::cents(paid);
    row.teams = team_payouts(ctx, inc, paid);
    row
}

/// Each team's payout: the whole, or an equal share with `split`.
fn team_payouts(ctx: &Ctx, inc: &Incentive, payout: Decimal) -> Vec<TeamPayout> {
    let each = if inc.split && !inc.teams.is_empty() {
        (payout / Decimal::from(inc.teams.len())).round_dp(2)
    } else {
        payout
    };
    inc.teams
        .iter()
        .map(|t| TeamPayout {
            team: ctx.team_name(*t),
            payout: stats::cents(each),
        })
        .collect()
}
