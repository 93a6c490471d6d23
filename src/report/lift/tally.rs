//! What the touchpoint lift keeps of each stay in a success-path stage:
//! whether it advanced, which touchpoints and teams it saw, and the days
//! to advance of those that did (8 bytes a touched stay). Counted a batch
//! of journeys at a time and merged, in any order.

use std::collections::BTreeMap;

use crate::eval::Journey;
use crate::ir::{StageId, TeamId, TouchpointId};

use super::super::context::Ctx;

/// The running state of the lift section, by success-path stage.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiftTally {
    pub(super) stages: BTreeMap<StageId, StayTally>,
}

/// The stays in one stage that began in the report.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct StayTally {
    pub stays: usize,
    /// Those that ended by moving further along the success path.
    pub advanced: usize,
    pub touched: BTreeMap<TouchpointId, Touched>,
    /// Advanced stays each team touched at least once.
    pub teams: BTreeMap<TeamId, usize>,
}

/// The stays that saw one touchpoint.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Touched {
    pub stays: usize,
    pub advanced: usize,
    /// Days from entering the stage to advancing, of those that advanced.
    pub days: Vec<f64>,
}

impl LiftTally {
    /// The tally of the context's journeys (every one, or a batch's).
    pub fn of(ctx: &Ctx) -> LiftTally {
        let mut t = LiftTally::default();
        for &s in &ctx.success {
            if ctx.is_final(s) || ctx.next_success(s).is_none() {
                continue;
            }
            let stage = t.stages.entry(s).or_default();
            for j in ctx.journeys() {
                stays_of(ctx, j, s, stage);
            }
        }
        t
    }

    /// Adds `other`'s counts and days to these.
    pub fn merge(&mut self, other: LiftTally) {
        for (s, o) in other.stages {
            let mine = self.stages.entry(s).or_default();
            mine.stays += o.stays;
            mine.advanced += o.advanced;
            for (tp, x) in o.touched {
                let t = mine.touched.entry(tp).or_default();
                t.stays += x.stays;
                t.advanced += x.advanced;
                t.days.extend(x.days);
            }
            for (team, n) in o.teams {
                *mine.teams.entry(team).or_default() += n;
            }
        }
    }
}

/// Counts the journey's stays in `s` that began in the report.
fn stays_of(ctx: &Ctx, j: &Journey, s: StageId, out: &mut StayTally) {
    let rank = ctx.rank(s).unwrap_or(0);
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
        out.stays += 1;
        if advanced.is_some() {
            out.advanced += 1;
        }
        for tp in &touched {
            let t = out.touched.entry(*tp).or_default();
            t.stays += 1;
            if let Some(days) = advanced {
                t.advanced += 1;
                t.days.push(days);
            }
        }
        if advanced.is_some() {
            let mut teams: Vec<TeamId> = touched
                .iter()
                .map(|tp| ctx.model.touchpoints[*tp].team)
                .collect();
            teams.sort();
            teams.dedup();
            for team in teams {
                *out.teams.entry(team).or_default() += 1;
            }
        }
    }
}
