//! Who gets credit for opportunities and revenue (attribution), as
//! docs/reports.md defines it, finished from its running tally.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

use super::context::Ctx;

mod tally;
mod weights;

pub use tally::AttributionTally;

/// The attribution models, in the order the report shows them.
pub const MODELS: [&str; 6] = [
    "first_touch",
    "last_touch",
    "linear",
    "u_shaped",
    "w_shaped",
    "time_decay",
];

#[derive(Debug, Clone, Serialize)]
pub struct Attribution {
    pub models: Vec<String>,
    /// Won deals closed within the report (each opportunity once).
    pub deals: usize,
    pub revenue: String,
    /// Opportunities created within the report (each once).
    pub opportunities: usize,
    /// Deals with no touchpoint before them: their revenue is credited to
    /// nobody.
    pub unattributed_deals: usize,
    pub unattributed_revenue: String,
    pub touchpoints: Vec<Credit>,
    pub teams: Vec<Credit>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Credit {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// Revenue credited under each model, in `models` order, to the cent.
    pub revenue: Vec<String>,
    /// Opportunities credited under each model, in `models` order.
    pub opportunities: Vec<f64>,
}

pub fn attribution(ctx: &Ctx, tally: &AttributionTally) -> Attribution {
    let model = ctx.model;
    let n_tp = model.touchpoints.len();
    let mut revenue = vec![vec![Decimal::ZERO; MODELS.len()]; n_tp];
    let mut opp_credit = vec![vec![Decimal::ZERO; MODELS.len()]; n_tp];
    let mut total = Decimal::ZERO;
    let mut unattributed = (0usize, Decimal::ZERO);
    for deal in tally.deals.values() {
        total = saturating_add(total, deal.amount);
        if !deal.attributed {
            unattributed.0 += 1;
            unattributed.1 = saturating_add(unattributed.1, deal.amount);
        }
        add_credit(&mut revenue, &deal.credit);
    }
    for opp in tally.opportunities.values() {
        add_credit(&mut opp_credit, &opp.credit);
    }
    let money = super::stats::cents;
    let mut teams: std::collections::BTreeMap<crate::ir::TeamId, (Vec<Decimal>, Vec<Decimal>)> =
        std::collections::BTreeMap::new();
    let mut touchpoints = Vec::new();
    for (i, tp) in model.touchpoints.iter().enumerate() {
        let rev = revenue.get(i).cloned().unwrap_or_default();
        let opp = opp_credit.get(i).cloned().unwrap_or_default();
        let t = teams.entry(tp.team).or_insert_with(|| {
            (
                vec![Decimal::ZERO; MODELS.len()],
                vec![Decimal::ZERO; MODELS.len()],
            )
        });
        for (a, b) in t.0.iter_mut().zip(&rev) {
            *a = saturating_add(*a, *b);
        }
        for (a, b) in t.1.iter_mut().zip(&opp) {
            *a = saturating_add(*a, *b);
        }
        touchpoints.push(Credit {
            name: tp.name.clone(),
            team: Some(ctx.team_name(tp.team)),
            revenue: rev.iter().map(|d| money(*d)).collect(),
            opportunities: opp.iter().map(|x| credit2(*x)).collect(),
        });
    }
    Attribution {
        models: MODELS.iter().map(|m| m.to_string()).collect(),
        deals: tally.deals.len(),
        revenue: money(total),
        opportunities: tally.opportunities.len(),
        unattributed_deals: unattributed.0,
        unattributed_revenue: money(unattributed.1),
        touchpoints,
        teams: teams
            .into_iter()
            .map(|(t, (rev, opp))| Credit {
                name: ctx.team_name(t),
                team: None,
                revenue: rev.iter().map(|d| money(*d)).collect(),
                opportunities: opp.iter().map(|x| credit2(*x)).collect(),
            })
            .collect(),
    }
}

/// Adds one outcome's credit, by touchpoint and model, into `into`.
fn add_credit(
    into: &mut [Vec<Decimal>],
    credit: &[(crate::ir::TouchpointId, [Decimal; MODELS.len()])],
) {
    for (tp, by_model) in credit {
        if let Some(row) = into.get_mut(tp.index()) {
            for (cell, d) in row.iter_mut().zip(by_model) {
                *cell = saturating_add(*cell, *d);
            }
        }
    }
}

/// Opportunity credit to two decimals, halves away from zero (as
/// `round2` rounds a float), from its exact sum.
fn credit2(d: Decimal) -> f64 {
    d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        .to_f64()
        .unwrap_or(0.0)
}

/// Money as a number for charts; exact figures stay strings.
pub fn money_f64(s: &str) -> f64 {
    s.parse::<Decimal>()
        .ok()
        .and_then(|d| d.to_f64())
        .unwrap_or(0.0)
}

/// Revenue credit is a sum of deal amounts, each within ±10^15 as loaded
/// (`crate::range`), so it stays far below what a decimal holds unless
/// there are more than 10^13 deals; past that it stops at the largest
/// decimal rather than panic.
fn saturating_add(a: Decimal, b: Decimal) -> Decimal {
    a.saturating_add(b)
}
