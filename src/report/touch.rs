//! Which activities moved prospects on (touchpoint lift per stage) and who
//! gets credit for opportunities and revenue (attribution), as docs/reports.md defines it.

use std::collections::{BTreeMap, HashMap};

use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use serde::Serialize;

use crate::data::time::Instant;
use crate::eval::Journey;
use crate::ir::{TeamId, TouchpointId, Value};

use super::context::{Ctx, first_entry};
use super::stats::{median, rate};

#[derive(Debug, Clone, Serialize)]
pub struct StageLift {
    pub stage: String,
    /// Stays in the stage that began within the report.
    pub stays: usize,
    /// Of those, the stays that ended by moving further along the success
    /// path.
    pub advanced: usize,
    pub rate: Option<f64>,
    /// Every touchpoint seen during at least one of those stays.
    pub touchpoints: Vec<Lift>,
    /// Advanced stays that each team touched at least once.
    pub teams: Vec<TeamCredit>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Lift {
    pub touchpoint: String,
    pub team: String,
    /// Stays with the touchpoint, and how many of them advanced.
    pub stays_with: usize,
    pub advanced_with: usize,
    pub rate_with: Option<f64>,
    /// The same for stays without it.
    pub rate_without: Option<f64>,
    /// `rate_with / rate_without`: above 1 the touchpoint goes with moving
    /// on, below 1 with staying put.
    pub lift: Option<f64>,
    /// Median days from entering the stage to advancing, for stays with
    /// the touchpoint that advanced.
    pub median_days_to_advance: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TeamCredit {
    pub team: String,
    pub advanced_touched: usize,
    pub share: Option<f64>,
}

struct Stay {
    touched: Vec<TouchpointId>,
    advanced: Option<f64>,
}

pub fn lift(ctx: &Ctx) -> Vec<StageLift> {
    let model = ctx.model;
    let mut out = Vec::new();
    for &s in &ctx.success {
        if ctx.is_final(s) || ctx.next_success(s).is_none() {
            continue;
        }
        let rank = ctx.rank(s).unwrap_or(0);
        let mut stays: Vec<Stay> = Vec::new();
        for j in ctx.journeys() {
            let steps = &j.facts.steps;
            for (k, st) in steps.iter().enumerate() {
                if st.stage != s || !ctx.in_report(st.entered) {
                    continue;
                }
                let next = steps.get(k + 1);
                let end = next.map_or(ctx.as_of, |n| n.entered);
                let advanced = next
                    .filter(|n| ctx.rank(n.stage).is_some_and(|r| r > rank))
                    .map(|n| (n.entered - st.entered) as f64 / 86_400_000.0);
                let mut touched: Vec<TouchpointId> = j
                    .facts
                    .touches
                    .iter()
                    .filter(|t| t.stage == Some(s) && st.entered <= t.at && t.at <= end)
                    .flat_map(|t| t.touchpoints.iter().copied())
                    .collect();
                touched.sort();
                touched.dedup();
                stays.push(Stay { touched, advanced });
            }
        }
        let advanced = stays.iter().filter(|x| x.advanced.is_some()).count();
        let mut lifts = Vec::new();
        for (id, tp) in model.touchpoints.enumerate() {
            let (with, without): (Vec<&Stay>, Vec<&Stay>) =
                stays.iter().partition(|x| x.touched.contains(&id));
            if with.is_empty() {
                continue;
            }
            let adv_with = with.iter().filter(|x| x.advanced.is_some()).count();
            let adv_without = without.iter().filter(|x| x.advanced.is_some()).count();
            let rate_with = rate(adv_with, with.len());
            let rate_without = rate(adv_without, without.len());
            let days: Vec<f64> = with.iter().filter_map(|x| x.advanced).collect();
            lifts.push(Lift {
                touchpoint: tp.name.clone(),
                team: ctx.team_name(tp.team),
                stays_with: with.len(),
                advanced_with: adv_with,
                rate_with,
                rate_without,
                lift: match (rate_with, rate_without) {
                    (Some(a), Some(b)) if b > 0.0 => Some(a / b),
                    _ => None,
                },
                median_days_to_advance: median(&days),
            });
        }
        lifts.sort_by(|a, b| {
            b.lift
                .unwrap_or(f64::INFINITY)
                .total_cmp(&a.lift.unwrap_or(f64::INFINITY))
                .then(a.touchpoint.cmp(&b.touchpoint))
        });
        let mut teams = Vec::new();
        for (t, team) in model.teams.enumerate() {
            let touched = stays
                .iter()
                .filter(|x| x.advanced.is_some())
                .filter(|x| x.touched.iter().any(|tp| model.touchpoints[*tp].team == t))
                .count();
            if model.touchpoints.iter().any(|p| p.team == t) {
                teams.push(TeamCredit {
                    team: team.clone(),
                    advanced_touched: touched,
                    share: rate(touched, advanced),
                });
            }
        }
        out.push(StageLift {
            stage: ctx.name(s),
            stays: stays.len(),
            advanced,
            rate: rate(advanced, stays.len()),
            touchpoints: lifts,
            teams,
        });
    }
    out
}

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

/// One touch of an account's buying group.
#[derive(Clone, Copy)]
struct AccountTouch {
    at: Instant,
    event: usize,
    touchpoint: TouchpointId,
}

/// A deal or an opportunity to credit: when, how much, and whose.
struct Outcome<'a> {
    at: Instant,
    amount: Decimal,
    journey: &'a Journey,
}

pub fn attribution(ctx: &Ctx) -> Attribution {
    let model = ctx.model;
    let (deals, opps) = outcomes(ctx);
    let groups = group_touches(ctx);
    let n_tp = model.touchpoints.len();
    let mut revenue = vec![vec![Decimal::ZERO; MODELS.len()]; n_tp];
    // Opportunity credit is summed exactly, as revenue is: float sums
    // depend on the order of the opportunities, which is not the same in
    // one run and in shards merged (an opportunity without an id is keyed
    // by its event's place in the data), and 3.975 summed two ways rounds
    // to 3.97 or 3.98.
    let mut opp_credit = vec![vec![Decimal::ZERO; MODELS.len()]; n_tp];
    let mut unattributed = (0usize, Decimal::ZERO);
    let lead_stage = ctx.success.get(1).copied();
    let opp_stage = ctx
        .success
        .len()
        .checked_sub(2)
        .and_then(|i| ctx.success.get(i))
        .copied();
    let mut credit = |o: &Outcome, is_deal: bool| -> bool {
        let key = o
            .journey
            .account
            .clone()
            .unwrap_or_else(|| format!("contact {}", o.journey.contact));
        let touches: Vec<AccountTouch> = groups
            .get(&key)
            .map(|g| g.iter().copied().filter(|t| t.at <= o.at).collect())
            .unwrap_or_default();
        if touches.is_empty() {
            return false;
        }
        let milestone = |stage: Option<crate::ir::StageId>| {
            let at = stage.and_then(|s| first_entry(o.journey, s))?.at;
            touches.iter().rposition(|t| t.at <= at)
        };
        let lead = milestone(lead_stage);
        let opp = milestone(opp_stage);
        for (m, name) in MODELS.iter().enumerate() {
            let w = weights(name, &touches, lead, opp, o.at);
            for (t, wt) in touches.iter().zip(&w) {
                let i = t.touchpoint.index();
                let Some(d) = Decimal::from_f64(*wt) else {
                    continue;
                };
                if is_deal {
                    if let Some(cell) = revenue.get_mut(i).and_then(|r| r.get_mut(m)) {
                        *cell = saturating_add(*cell, exact(o.amount.saturating_mul(d)));
                    }
                } else if let Some(cell) = opp_credit.get_mut(i).and_then(|r| r.get_mut(m)) {
                    *cell = saturating_add(*cell, exact(d));
                }
            }
        }
        true
    };
    let mut total = Decimal::ZERO;
    for o in deals.values() {
        total = saturating_add(total, o.amount);
        if !credit(o, true) {
            unattributed.0 += 1;
            unattributed.1 = saturating_add(unattributed.1, o.amount);
        }
    }
    for o in opps.values() {
        credit(o, false);
    }

    let money = super::stats::cents;
    let mut teams: BTreeMap<TeamId, (Vec<Decimal>, Vec<Decimal>)> = BTreeMap::new();
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
        deals: deals.len(),
        revenue: money(total),
        opportunities: opps.len(),
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

/// A share of credit with a fixed 12 decimals, so that adding shares
/// never rounds (a decimal holds 28 digits) and their sum is the same in
/// any order, up to ten thousand trillion.
fn exact(d: Decimal) -> Decimal {
    d.round_dp(12)
}

/// Opportunity credit to two decimals, halves away from zero (as
/// `round2` rounds a float), from its exact sum.
fn credit2(d: Decimal) -> f64 {
    d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        .to_f64()
        .unwrap_or(0.0)
}

/// Each won deal and each opportunity created in the report, once: by
/// its `opportunity` id, else by the event.
#[allow(
    clippy::type_complexity,
    reason = "two maps of one shape, named at the call"
)]
fn outcomes<'a>(ctx: &'a Ctx) -> (BTreeMap<String, Outcome<'a>>, BTreeMap<String, Outcome<'a>>) {
    let model = ctx.model;
    let ty = |name: &str| model.events.iter().position(|e| e.name == name);
    let won = ty("deal_won");
    let created = ty("opportunity_created");
    let amount_of = |ev: super::events::Row, t: usize| -> Option<Decimal> {
        let (f, _) = model
            .events
            .as_slice()
            .get(t)?
            .fields
            .enumerate()
            .find(|(_, f)| f.name == "amount")?;
        match ev.field(f) {
            Some(Value::Money(m)) => Some(*m),
            Some(Value::Number(n)) => Decimal::from_f64(*n),
            _ => None,
        }
    };
    let mut deals: BTreeMap<String, Outcome> = BTreeMap::new();
    let mut opps: BTreeMap<String, Outcome> = BTreeMap::new();
    for j in ctx.journeys() {
        for &ev in &j.facts.events {
            let Some(e) = ctx.events.get(ev) else {
                continue;
            };
            let crate::eval::EventOf::Event(ty) = e.of else {
                continue;
            };
            if !ctx.in_report(e.at) {
                continue;
            }
            let key = e.deal.map_or_else(|| format!("event {ev}"), str::to_string);
            let outcome = |amount| Outcome {
                at: e.at,
                amount,
                journey: j,
            };
            if Some(ty.index()) == won {
                let amount = amount_of(e, ty.index()).unwrap_or(Decimal::ZERO);
                deals.entry(key.clone()).or_insert_with(|| outcome(amount));
            } else if Some(ty.index()) == created {
                opps.entry(key).or_insert_with(|| outcome(Decimal::ONE));
            }
        }
    }

    (deals, opps)
}

/// The touches of each account's buying group (a contact without an
/// account is a group of one), in time order.
fn group_touches(ctx: &Ctx) -> HashMap<String, Vec<AccountTouch>> {
    let mut groups: HashMap<String, Vec<AccountTouch>> = HashMap::new();
    for j in ctx.journeys() {
        let key = j
            .account
            .clone()
            .unwrap_or_else(|| format!("contact {}", j.contact));
        let g = groups.entry(key).or_default();
        for t in &j.facts.touches {
            for tp in &t.touchpoints {
                g.push(AccountTouch {
                    at: t.at,
                    event: t.event,
                    touchpoint: *tp,
                });
            }
        }
    }
    for g in groups.values_mut() {
        g.sort_by_key(|t| (t.at, t.event, t.touchpoint));
    }

    groups
}

/// Each touch's share of the credit under one model; the shares add up
/// to 1. `lead` and `opp` are the touches at the lead and opportunity
/// milestones (the last touch at or before the contact's first entry into
/// the second and the second-to-last success-path stage).
fn weights(
    model: &str,
    touches: &[AccountTouch],
    lead: Option<usize>,
    opp: Option<usize>,
    at: Instant,
) -> Vec<f64> {
    let n = touches.len();
    let mut w = vec![0.0; n];
    if n == 0 {
        return w;
    }
    let last = n - 1;
    match model {
        "first_touch" => w.iter_mut().take(1).for_each(|x| *x = 1.0),
        "last_touch" => w.iter_mut().skip(last).for_each(|x| *x = 1.0),
        "linear" => w.iter_mut().for_each(|x| *x = 1.0 / n as f64),
        "u_shaped" => position_based(&mut w, &[(0, 0.4), (lead.unwrap_or(last), 0.4)], 0.2),
        "w_shaped" => position_based(
            &mut w,
            &[
                (0, 0.3),
                (lead.unwrap_or(last), 0.3),
                (opp.unwrap_or(last), 0.3),
            ],
            0.1,
        ),
        _ => {
            // Time decay: a touch a week before the outcome counts half as
            // much as one at the outcome.
            let half_life = 7.0 * 86_400_000.0;
            for (x, t) in w.iter_mut().zip(touches) {
                *x = 0.5f64.powf((at - t.at) as f64 / half_life);
            }
            let sum: f64 = w.iter().sum();
            w.iter_mut().for_each(|x| *x /= sum);
        }
    }
    w
}

/// Milestone touches get their weights (a touch that is two milestones
/// gets both); the rest share `rest` equally; with no other touches the
/// milestones share everything in proportion.
fn position_based(w: &mut [f64], milestones: &[(usize, f64)], rest: f64) {
    for (i, x) in milestones {
        if let Some(slot) = w.get_mut(*i) {
            *slot += x;
        }
    }
    let marked: Vec<bool> = (0..w.len())
        .map(|i| milestones.iter().any(|(m, _)| *m == i))
        .collect();
    let others = marked.iter().filter(|m| !**m).count();
    if others > 0 {
        for (x, m) in w.iter_mut().zip(&marked) {
            if !m {
                *x = rest / others as f64;
            }
        }
    } else {
        let sum: f64 = w.iter().sum();
        w.iter_mut().for_each(|x| *x /= sum);
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn touches(n: usize) -> Vec<AccountTouch> {
        let Some(touchpoint) = TouchpointId::from_index(0) else {
            return Vec::new();
        };
        (0..n)
            .map(|i| AccountTouch {
                at: i as i64 * 7 * 86_400_000,
                event: i,
                touchpoint,
            })
            .collect()
    }

    #[test]
    fn u_and_w_shapes_on_five_touches() {
        // Lead at touch 2, opportunity at touch 3.
        let t = touches(5);
        let u = weights("u_shaped", &t, Some(2), Some(3), 0);
        assert_eq!(u, vec![0.4, 0.2 / 3.0, 0.4, 0.2 / 3.0, 0.2 / 3.0]);
        let w = weights("w_shaped", &t, Some(2), Some(3), 0);
        assert_eq!(w, vec![0.3, 0.05, 0.3, 0.3, 0.05]);
    }

    #[test]
    fn one_touch_gets_everything_under_every_model() {
        let t = touches(1);
        for m in MODELS {
            assert_eq!(weights(m, &t, Some(0), Some(0), 0), vec![1.0], "{m}");
        }
    }

    #[test]
    fn time_decay_halves_a_week_back() {
        // Touches at day 0 and day 7, outcome at day 7: weights 1/2 : 1.
        let t = touches(2);
        let w = weights("time_decay", &t, None, None, 7 * 86_400_000);
        assert!((w[0] - 1.0 / 3.0).abs() < 1e-12 && (w[1] - 2.0 / 3.0).abs() < 1e-12);
    }
}
