//! What attribution keeps of each won deal and each opportunity created
//! in the report: its amount and its credit by touchpoint and model,
//! worked out in its own batch (an account's buying group is always
//! whole in one batch). A deal is counted once by its id, the first time
//! one replay of the whole data meets it (by contact id, then by its
//! place in the contact's events), so the tally keeps each id's first and
//! merges in any order.

use std::collections::{BTreeMap, HashMap};

use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;

use crate::data::time::Instant;
use crate::eval::Journey;
use crate::ir::{StageId, TouchpointId, Value};

use super::super::context::{Ctx, first_entry};
use super::weights::{AccountTouch, weights};
use super::{MODELS, saturating_add};

/// The running state of the attribution section.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AttributionTally {
    /// Won deals closed in the report, by deal id (else by event).
    pub(super) deals: BTreeMap<String, Outcome>,
    /// Opportunities created in the report, the same way.
    pub(super) opportunities: BTreeMap<String, Outcome>,
}

/// One deal or opportunity, credited.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Outcome {
    /// Where one replay of the whole data meets it: its contact's id and
    /// its place among the contact's events.
    first: (String, usize),
    pub amount: Decimal,
    /// Whether any touch came before it; else its credit is nobody's.
    pub attributed: bool,
    /// Its credit by touchpoint, under each model in `MODELS` order.
    pub credit: Vec<(TouchpointId, [Decimal; MODELS.len()])>,
}

/// A deal or an opportunity met in a journey, not yet credited.
struct Met<'a> {
    first: (String, usize),
    at: Instant,
    amount: Decimal,
    journey: &'a Journey,
}

impl AttributionTally {
    /// The tally of the context's journeys (every one, or a batch's).
    pub fn of(ctx: &Ctx) -> AttributionTally {
        let (deals, opportunities) = outcomes(ctx);
        let groups = group_touches(ctx);
        let credited = |met: BTreeMap<String, Met>, deal: bool| {
            met.into_iter()
                .map(|(key, m)| (key, credit(ctx, &groups, m, deal)))
                .collect()
        };
        AttributionTally {
            deals: credited(deals, true),
            opportunities: credited(opportunities, false),
        }
    }

    /// Adds `other`'s outcomes; of two with one id, the one a replay of
    /// the whole data meets first is kept.
    pub fn merge(&mut self, other: AttributionTally) {
        for (mine, theirs) in [
            (&mut self.deals, other.deals),
            (&mut self.opportunities, other.opportunities),
        ] {
            for (key, o) in theirs {
                keep_first(mine, key, o, |o| &o.first);
            }
        }
    }
}

/// Each won deal and each opportunity created in the report, once: by
/// its `deal` id, else by the event; of two with one id, the first a
/// replay of the whole data meets.
#[allow(
    clippy::type_complexity,
    reason = "two maps of one shape, named at the call"
)]
fn outcomes<'a>(ctx: &'a Ctx) -> (BTreeMap<String, Met<'a>>, BTreeMap<String, Met<'a>>) {
    let model = ctx.model;
    let ty = |name: &str| model.events.iter().position(|e| e.name == name);
    let (won, created) = (ty("deal_won"), ty("opportunity_created"));
    let mut deals: BTreeMap<String, Met> = BTreeMap::new();
    let mut opps: BTreeMap<String, Met> = BTreeMap::new();
    for j in ctx.journeys() {
        for (place, &ev) in j.facts.events.iter().enumerate() {
            let Some(e) = ctx.events.get(ev) else {
                continue;
            };
            let crate::eval::EventOf::Event(ty) = e.of else {
                continue;
            };
            if !ctx.in_report(e.at) {
                continue;
            }
            let (into, amount) = if Some(ty.index()) == won {
                let amount = amount_of(ctx, e, ty.index()).unwrap_or(Decimal::ZERO);
                (&mut deals, amount)
            } else if Some(ty.index()) == created {
                (&mut opps, Decimal::ONE)
            } else {
                continue;
            };
            let key = e.deal.map_or_else(|| format!("event {ev}"), str::to_string);
            let met = Met {
                first: (j.contact.clone(), place),
                at: e.at,
                amount,
                journey: j,
            };
            keep_first(into, key, met, |m| &m.first);
        }
    }
    (deals, opps)
}

/// Puts `item` under `key` unless what is there already comes first (by
/// `first`): the one rule both a batch's count and a merge follow.
fn keep_first<T>(
    map: &mut BTreeMap<String, T>,
    key: String,
    item: T,
    first: impl Fn(&T) -> &(String, usize),
) {
    match map.get(&key) {
        Some(kept) if first(kept) <= first(&item) => {}
        _ => {
            map.insert(key, item);
        }
    }
}

/// The event's `amount`, when its type has one.
fn amount_of(ctx: &Ctx, ev: super::super::events::Row, t: usize) -> Option<Decimal> {
    let (f, _) = ctx
        .model
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
}

/// The touches of each account's buying group (a contact without an
/// account is a group of one), in time order.
fn group_touches(ctx: &Ctx) -> HashMap<String, Vec<AccountTouch>> {
    let mut groups: HashMap<String, Vec<AccountTouch>> = HashMap::new();
    for j in ctx.journeys() {
        let g = groups.entry(group_of(j)).or_default();
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

/// The buying group a journey belongs to.
fn group_of(j: &Journey) -> String {
    j.account
        .clone()
        .unwrap_or_else(|| format!("contact {}", j.contact))
}

/// The outcome's credit: its group's touches at or before it, shared
/// under each model. Each share is exact to 12 decimals, so sums never
/// round and are the same in any order (up to ten thousand trillion).
fn credit(ctx: &Ctx, groups: &HashMap<String, Vec<AccountTouch>>, m: Met, deal: bool) -> Outcome {
    let touches: Vec<AccountTouch> = groups
        .get(&group_of(m.journey))
        .map(|g| g.iter().copied().filter(|t| t.at <= m.at).collect())
        .unwrap_or_default();
    let lead_stage = ctx.success.get(1).copied();
    let opp_stage = ctx
        .success
        .len()
        .checked_sub(2)
        .and_then(|i| ctx.success.get(i));
    let milestone = |stage: Option<StageId>| {
        let at = stage.and_then(|s| first_entry(m.journey, s))?.at;
        touches.iter().rposition(|t| t.at <= at)
    };
    let (lead, opp) = (milestone(lead_stage), milestone(opp_stage.copied()));
    let mut by_touchpoint: BTreeMap<TouchpointId, [Decimal; MODELS.len()]> = BTreeMap::new();
    for (k, name) in MODELS.iter().enumerate() {
        let w = weights(name, &touches, lead, opp, m.at);
        for (t, wt) in touches.iter().zip(&w) {
            let Some(share) = Decimal::from_f64(*wt) else {
                continue;
            };
            let part = match deal {
                true => m.amount.saturating_mul(share),
                false => share,
            };
            let row = by_touchpoint.entry(t.touchpoint).or_default();
            if let Some(cell) = row.get_mut(k) {
                *cell = saturating_add(*cell, part.round_dp(12));
            }
        }
    }
    Outcome {
        first: m.first,
        amount: m.amount,
        attributed: !touches.is_empty(),
        credit: by_touchpoint.into_iter().collect(),
    }
}
