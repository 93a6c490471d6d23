//! Which activities moved prospects on: touchpoint lift per stage, as
//! docs/reports.md defines it, finished from its running tally.

use serde::Serialize;

use super::context::Ctx;
use super::stats::{median, rate};

mod tally;

pub use tally::LiftTally;

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

pub fn lift(ctx: &Ctx, tally: &LiftTally) -> Vec<StageLift> {
    let model = ctx.model;
    let none = tally::StayTally::default();
    let mut out = Vec::new();
    for &s in &ctx.success {
        if ctx.is_final(s) || ctx.next_success(s).is_none() {
            continue;
        }
        let t = tally.stages.get(&s).unwrap_or(&none);
        let mut lifts = Vec::new();
        for (id, tp) in model.touchpoints.enumerate() {
            let Some(with) = t.touched.get(&id).filter(|w| w.stays > 0) else {
                continue;
            };
            let rate_with = rate(with.advanced, with.stays);
            let rate_without = rate(
                t.advanced.saturating_sub(with.advanced),
                t.stays.saturating_sub(with.stays),
            );
            lifts.push(Lift {
                touchpoint: tp.name.clone(),
                team: ctx.team_name(tp.team),
                stays_with: with.stays,
                advanced_with: with.advanced,
                rate_with,
                rate_without,
                lift: match (rate_with, rate_without) {
                    (Some(a), Some(b)) if b > 0.0 => Some(a / b),
                    _ => None,
                },
                median_days_to_advance: median(&with.days),
            });
        }
        lifts.sort_by(|a, b| {
            b.lift
                .unwrap_or(f64::INFINITY)
                .total_cmp(&a.lift.unwrap_or(f64::INFINITY))
                .then(a.touchpoint.cmp(&b.touchpoint))
        });
        let teams = model
            .teams
            .enumerate()
            .filter(|(team, _)| model.touchpoints.iter().any(|p| p.team == *team))
            .map(|(team, name)| {
                let touched = t.teams.get(&team).copied().unwrap_or(0);
                TeamCredit {
                    team: name.clone(),
                    advanced_touched: touched,
                    share: rate(touched, t.advanced),
                }
            })
            .collect();
        out.push(StageLift {
            stage: ctx.name(s),
            stays: t.stays,
            advanced: t.advanced,
            rate: rate(t.advanced, t.stays),
            touchpoints: lifts,
            teams,
        });
    }
    out
}
