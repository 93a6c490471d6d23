//! Metric, incentive and SLA figures under both policies, side by side:
//! the whole report span first (what gates read), then per period.

use std::collections::BTreeMap;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value as Json;

use crate::report::context::Ctx;
use crate::report::metrics::{self, M};
use crate::report::running::Tallies;
use crate::report::{sla, stats};

/// One side's figures: its context, and its sections counted batch by
/// batch when its replay was read so (else they are counted from its
/// journeys).
pub(super) struct Counted<'c, 'a> {
    pub ctx: &'c Ctx<'a>,
    pub tallies: Option<&'c Tallies>,
}

impl Counted<'_, '_> {
    fn metrics(&self) -> Option<&metrics::MetricTally> {
        self.tallies.map(|t| &t.metrics)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct MetricDelta {
    pub metric: String,
    /// `rate` (between 0 and 1; changes read in percentage points),
    /// `money`, `number` or `yes/no`.
    pub kind: String,
    /// Over the whole report span.
    pub old: Json,
    pub new: Json,
    /// `new − old`: exact money as a string, a number, or null when either
    /// side has no data or the metric is a yes/no.
    pub change: Json,
    /// `change ÷ |old|`; null when old is 0 or has no data.
    pub relative: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_no_data: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_no_data: Option<String>,
    pub periods: Vec<PeriodDelta>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PeriodDelta {
    pub period: String,
    pub old: Json,
    pub new: Json,
    pub change: Json,
}

#[derive(Debug, Clone, Serialize)]
pub struct IncentiveDelta {
    pub incentive: String,
    /// Total paid over the report span, to the cent.
    pub old_payout: String,
    pub new_payout: String,
    pub change: String,
    /// Per team, over the report span.
    pub teams: Vec<TeamDelta>,
    /// Periods where the target or the payout differs.
    pub periods: Vec<IncentivePeriod>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TeamDelta {
    pub team: String,
    pub old: String,
    pub new: String,
    pub change: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct IncentivePeriod {
    pub period: String,
    pub old_met: Option<bool>,
    pub new_met: Option<bool>,
    pub old_payout: String,
    pub new_payout: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SlaDelta {
    pub sla: String,
    pub old_attainment: Option<f64>,
    pub new_attainment: Option<f64>,
    /// In percentage points ÷ 100 (0.05 = 5 points).
    pub change: Option<f64>,
    /// Instances started (met, breached, overdue, open, cancelled).
    pub old_items: usize,
    pub new_items: usize,
}

/// `new − old` of two output values: exact for money (strings), rounded
/// to four decimals for numbers, null otherwise.
pub fn change(old: &Json, new: &Json) -> Json {
    match (old, new) {
        (Json::Number(a), Json::Number(b)) => {
            let d = b.as_f64().unwrap_or(0.0) - a.as_f64().unwrap_or(0.0);
            stats::json4(d)
        }
        (Json::String(a), Json::String(b)) => match (money(a), money(b)) {
            (Some(a), Some(b)) => Json::String(stats::cents(b.saturating_sub(a))),
            _ => Json::Null,
        },
        _ => Json::Null,
    }
}

fn money(s: &str) -> Option<Decimal> {
    Decimal::from_str(s).ok()
}

/// A figure as a number: money strings too (for comparisons, not sums).
pub(super) fn number(v: &Json) -> Option<f64> {
    match v {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => money(s).and_then(|d| rust_decimal::prelude::ToPrimitive::to_f64(&d)),
        _ => None,
    }
}

pub(super) fn metrics(old_side: &Counted, new_side: &Counted) -> Vec<MetricDelta> {
    let (old, new) = (old_side.ctx, new_side.ctx);
    let old_all = metrics::overall(old, old_side.metrics());
    let new_all = metrics::overall(new, new_side.metrics());
    let (_, old_rows) = metrics::metrics(old, old_side.metrics());
    let (_, new_rows) = metrics::metrics(new, new_side.metrics());
    let mut out = Vec::new();
    for (ni, def) in new.model.metrics.iter().enumerate() {
        let Some(oi) = old.model.metrics.iter().position(|m| m.name == def.name) else {
            continue;
        };
        let (Some(o), Some(n)) = (old_all.get(oi), new_all.get(ni)) else {
            continue;
        };
        let kind = if def.rate {
            "rate"
        } else {
            match n {
                M::Money(_) => "money",
                M::Bool(_) => "yes/no",
                _ if matches!(o, M::Money(_)) => "money",
                _ if matches!(o, M::Bool(_)) => "yes/no",
                _ => "number",
            }
        };
        let (oj, nj) = (o.json(), n.json());
        let delta = change(&oj, &nj);
        let relative = match (number(&oj), number(&delta)) {
            (Some(a), Some(d)) if a != 0.0 => Some(stats::round2(d / a.abs() * 100.0) / 100.0),
            _ => None,
        };
        let old_cells: BTreeMap<&str, &Json> = old_rows
            .get(oi)
            .map(|r| {
                r.values
                    .iter()
                    .map(|c| (c.period.as_str(), &c.value))
                    .collect()
            })
            .unwrap_or_default();
        let periods = new_rows
            .get(ni)
            .map(|r| {
                r.values
                    .iter()
                    .map(|c| {
                        let ov = old_cells.get(c.period.as_str()).copied().cloned();
                        let ov = ov.unwrap_or(Json::Null);
                        PeriodDelta {
                            period: c.period.clone(),
                            change: change(&ov, &c.value),
                            old: ov,
                            new: c.value.clone(),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.push(MetricDelta {
            metric: def.name.clone(),
            kind: kind.into(),
            old: oj,
            new: nj,
            change: delta,
            relative,
            old_no_data: o.reason(),
            new_no_data: n.reason(),
            periods,
        });
    }
    out
}

pub(super) fn incentives(old_side: &Counted, new_side: &Counted) -> Vec<IncentiveDelta> {
    let (old, new) = (old_side.ctx, new_side.ctx);
    let (old_rows, new_rows) = (
        metrics::incentives(old, old_side.metrics()),
        metrics::incentives(new, new_side.metrics()),
    );
    let mut out = Vec::new();
    for inc in &new.model.incentives {
        if !old.model.incentives.iter().any(|i| i.name == inc.name) {
            continue;
        }
        let mine = |rows: &[metrics::IncentiveRow]| -> Vec<metrics::IncentiveRow> {
            rows.iter()
                .filter(|r| r.incentive == inc.name)
                .cloned()
                .collect()
        };
        let (o, n) = (mine(&old_rows), mine(&new_rows));
        let total = |rows: &[metrics::IncentiveRow]| -> Decimal {
            // Saturating: payouts are checked figures, so only a sum of
            // payouts near the largest decimal could overflow.
            rows.iter()
                .filter_map(|r| money(&r.payout))
                .fold(Decimal::ZERO, Decimal::saturating_add)
        };
        let mut teams: BTreeMap<String, (Decimal, Decimal)> = BTreeMap::new();
        for (rows, new_side) in [(&o, false), (&n, true)] {
            for r in rows.iter() {
                for t in &r.teams {
                    let e = teams.entry(t.team.clone()).or_default();
                    let v = money(&t.payout).unwrap_or_default();
                    if new_side {
                        e.1 = e.1.saturating_add(v)
                    } else {
                        e.0 = e.0.saturating_add(v)
                    }
                }
            }
        }
        let by_period: BTreeMap<&str, &metrics::IncentiveRow> =
            o.iter().map(|r| (r.period.as_str(), r)).collect();
        let periods = n
            .iter()
            .filter_map(|r| {
                let before = by_period.get(r.period.as_str());
                let (om, op) = before.map_or((None, "0.00".to_string()), |b| {
                    (b.target_met, b.payout.clone())
                });
                (om != r.target_met || op != r.payout).then(|| IncentivePeriod {
                    period: r.period.clone(),
                    old_met: om,
                    new_met: r.target_met,
                    old_payout: op,
                    new_payout: r.payout.clone(),
                })
            })
            .collect();
        let (ot, nt) = (total(&o), total(&n));
        out.push(IncentiveDelta {
            incentive: inc.name.clone(),
            old_payout: stats::cents(ot),
            new_payout: stats::cents(nt),
            change: stats::cents(nt.saturating_sub(ot)),
            teams: teams
                .into_iter()
                .map(|(team, (a, b))| TeamDelta {
                    team,
                    old: stats::cents(a),
                    new: stats::cents(b),
                    change: stats::cents(b.saturating_sub(a)),
                })
                .collect(),
            periods,
        });
    }
    out
}

pub(super) fn slas(old: &Counted, new: &Counted) -> Vec<SlaDelta> {
    let totals = |side: &Counted| -> Vec<sla::SlaRow> {
        let counted;
        let tally = match side.tallies {
            Some(t) => &t.slas,
            None => {
                counted = sla::SlaTally::of(side.ctx);
                &counted
            }
        };
        sla::slas(side.ctx, tally)
            .0
            .into_iter()
            .filter(|r| r.total)
            .collect()
    };
    let (o, n) = (totals(old), totals(new));
    let items = |r: &sla::SlaRow| r.met + r.breached + r.overdue + r.open + r.cancelled;
    n.iter()
        .filter_map(|nr| {
            let or = o.iter().find(|r| r.sla == nr.sla)?;
            Some(SlaDelta {
                sla: nr.sla.clone(),
                old_attainment: or.attainment,
                new_attainment: nr.attainment,
                change: match (or.attainment, nr.attainment) {
                    (Some(a), Some(b)) => Some(stats::round2((b - a) * 100.0) / 100.0),
                    _ => None,
                },
                old_items: items(or),
                new_items: items(nr),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changes_are_exact_for_money_and_null_without_data() {
        assert_eq!(
            change(&json!("30000.00"), &json!("29999.99")),
            json!("-0.01")
        );
        assert_eq!(change(&json!(0.25), &json!(0.2)), json!(-0.05));
        assert_eq!(change(&Json::Null, &json!(0.2)), Json::Null);
        assert_eq!(change(&json!(true), &json!(false)), Json::Null);
    }
}
