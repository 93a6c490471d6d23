//! Funnel, velocity, triggers, balance and flow, drop-outs (docs/reports.md):
//! everything that reads only the stages each contact passed through.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::data::time::format_instant;
use crate::ir::StageId;

use super::context::Ctx;
use super::stats::{mean, median, p90, rate};

mod tally;
mod words;

pub use tally::PathTally;
use tally::{PeriodTally, StageTally};

#[derive(Debug, Clone, Serialize)]
pub struct FunnelStage {
    pub stage: String,
    pub detour: bool,
    /// Contacts whose first entry into the stage falls in the report.
    pub entered: usize,
    /// Contacts in the stage at the as-of time (whenever they entered).
    pub current: usize,
    /// Of `entered`, those who reached the next success-path stage (from a
    /// detour: who got back on the success path); `null` for the last
    /// stage and final detours.
    pub advanced: Option<usize>,
    /// Of `entered`, those now in a detour stage.
    pub dropped: usize,
    /// Of `entered`, those who reached each later success-path stage.
    pub conversion: Vec<Conversion>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Conversion {
    pub to: String,
    pub reached: usize,
    pub rate: Option<f64>,
}

pub fn funnel(ctx: &Ctx, tally: &PathTally) -> Vec<FunnelStage> {
    let none = StageTally::default();
    ctx.stages
        .iter()
        .enumerate()
        .map(|(i, &a)| {
            let t = tally.stages.get(i).unwrap_or(&none);
            let conversion: Vec<Conversion> = ctx
                .later_success(a)
                .iter()
                .enumerate()
                .map(|(k, &b)| {
                    let reached = t.reached.get(k).copied().unwrap_or(0);
                    Conversion {
                        to: ctx.name(b),
                        reached,
                        rate: rate(reached, t.entered),
                    }
                })
                .collect();
            let advanced = match ctx.next_success(a) {
                Some(_) => conversion.first().map(|c| c.reached),
                // From a detour, advancing is getting back on the success path.
                None if ctx.is_detour(a) && !ctx.is_final(a) => Some(t.back),
                None => None,
            };
            FunnelStage {
                stage: ctx.name(a),
                detour: ctx.is_detour(a),
                entered: t.entered,
                current: t.current,
                advanced,
                dropped: t.dropped,
                conversion,
            }
        })
        .collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct Times {
    pub count: usize,
    pub median_days: Option<f64>,
    pub p90_days: Option<f64>,
    pub mean_days: Option<f64>,
}

impl Times {
    pub fn of(days: &[f64]) -> Times {
        Times {
            count: days.len(),
            median_days: median(days),
            p90_days: p90(days),
            mean_days: mean(days),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct StageTime {
    pub stage: String,
    /// Completed stays that ended in the report (zero-length stays, a
    /// contact passing straight through, are left out).
    #[serde(flatten)]
    pub times: Times,
    /// How many of those stays fell in each band of days (for the
    /// time-in-stage distributions of the HTML report).
    pub distribution: Vec<Band>,
}

/// Stays of at least `from_days` and under `to_days` (no upper bound when
/// `None`).
#[derive(Debug, Clone, Serialize)]
pub struct Band {
    pub from_days: f64,
    pub to_days: Option<f64>,
    pub count: usize,
}

/// Band edges in days: roughly doubling, so a day-long stay and a
/// quarter-long one are both visible.
const BANDS: [f64; 7] = [1.0, 3.0, 7.0, 14.0, 30.0, 60.0, 90.0];

fn distribution(days: &[f64]) -> Vec<Band> {
    let mut out: Vec<Band> = std::iter::once(0.0)
        .chain(BANDS)
        .zip(BANDS.iter().map(|b| Some(*b)).chain([None]))
        .map(|(from_days, to_days)| Band {
            from_days,
            to_days,
            count: 0,
        })
        .collect();
    for d in days {
        if let Some(b) = out
            .iter_mut()
            .find(|b| *d >= b.from_days && b.to_days.is_none_or(|t| *d < t))
        {
            b.count += 1;
        }
    }
    out
}

#[derive(Debug, Clone, Serialize)]
pub struct Between {
    pub from: String,
    pub to: String,
    /// From the first entry into `from` to the first entry into `to` after
    /// it, for contacts who got there within the report.
    #[serde(flatten)]
    pub times: Times,
}

#[derive(Debug, Clone, Serialize)]
pub struct Velocity {
    pub time_in_stage: Vec<StageTime>,
    pub between: Vec<Between>,
}

/// A day in milliseconds.
const DAY: f64 = 86_400_000.0;

pub fn velocity(ctx: &Ctx, tally: &PathTally) -> Velocity {
    let time_in_stage = ctx
        .stages
        .iter()
        .map(|s| {
            let days = tally.stays.get(s).map_or(&[][..], |v| v.as_slice());
            StageTime {
                stage: ctx.name(*s),
                times: Times::of(days),
                distribution: distribution(days),
            }
        })
        .collect();
    let mut between = Vec::new();
    for (i, &a) in ctx.success.iter().enumerate() {
        for (k, &b) in ctx.success.iter().enumerate().skip(i + 1) {
            let days = tally.between.get(&(i, k)).map_or(&[][..], |v| v.as_slice());
            between.push(Between {
                from: ctx.name(a),
                to: ctx.name(b),
                times: Times::of(days),
            });
        }
    }
    Velocity {
        time_in_stage,
        between,
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TriggerUse {
    pub from: String,
    pub to: String,
    pub trigger: String,
    pub line: usize,
    pub label: Option<String>,
    /// Times it moved a contact within the report.
    pub fired: usize,
    /// What set it off: the event (`on`), the touchpoint or event that
    /// tipped a `when`, `time` for timers, `created` for an arrival.
    pub by: Vec<Count>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Count {
    pub what: String,
    pub count: usize,
}

pub fn triggers(ctx: &Ctx, tally: &PathTally) -> Vec<TriggerUse> {
    let model = ctx.model;
    let contact_transitions = model
        .lifecycles
        .iter()
        .find(|l| l.entity == crate::ir::Entity::Contact)
        .map(|l| l.transitions.clone())
        .unwrap_or_default();
    contact_transitions
        .iter()
        .map(|t| {
            let tr = &model.transitions[*t];
            let counts = tally.fired.get(&t.index());
            let mut list: Vec<Count> = counts
                .into_iter()
                .flatten()
                .map(|(what, count)| Count {
                    what: what.clone(),
                    count: *count,
                })
                .collect();
            list.sort_by(|a, b| b.count.cmp(&a.count).then(a.what.cmp(&b.what)));
            let from = if tr.from_any {
                "any".to_string()
            } else {
                tr.from
                    .iter()
                    .map(|s| ctx.name(*s))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            TriggerUse {
                from,
                to: ctx.name(tr.to),
                trigger: tr.text.clone(),
                line: tr.line,
                label: tr.label.clone(),
                fired: list.iter().map(|c| c.count).sum(),
                by: list,
            }
        })
        .collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct PeriodBalance {
    pub period: String,
    pub start: String,
    pub end: String,
    /// Contacts in each stage at the end of the period (or at the as-of
    /// time for a period still running).
    pub in_stage: Vec<Count>,
    /// Moves between stages during the period.
    pub moves: Vec<Move>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Move {
    pub from: String,
    pub to: String,
    pub count: usize,
}

pub fn balance(ctx: &Ctx, tally: &PathTally) -> Vec<PeriodBalance> {
    let none = PeriodTally::default();
    ctx.periods(ctx.period)
        .into_iter()
        .map(|p| {
            let t = tally.periods.get(&(p.start, p.end)).unwrap_or(&none);
            let order = |s: &StageId| ctx.stages.iter().position(|x| x == s);
            let mut moves: Vec<((StageId, StageId), usize)> =
                t.moves.iter().map(|(k, n)| (*k, *n)).collect();
            moves.sort_by_key(|((a, b), _)| (order(a), order(b)));
            PeriodBalance {
                period: p.label,
                start: format_instant(p.start),
                end: format_instant(p.end),
                in_stage: ctx
                    .stages
                    .iter()
                    .map(|s| Count {
                        what: ctx.name(*s),
                        count: t.in_stage.get(s).copied().unwrap_or(0),
                    })
                    .collect(),
                moves: moves
                    .into_iter()
                    .map(|((a, b), count)| Move {
                        from: ctx.name(a),
                        to: ctx.name(b),
                        count,
                    })
                    .collect(),
            }
        })
        .collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct Dropouts {
    /// Moves into detour stages within the report, by the transition's
    /// label.
    pub by_label: Vec<Drop>,
    /// The same moves by the `reason` field of the event behind them.
    pub by_reason: Vec<Drop>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Drop {
    pub stage: String,
    pub why: String,
    pub count: usize,
}

pub fn dropouts(ctx: &Ctx, tally: &PathTally) -> Dropouts {
    let list = |m: &BTreeMap<(usize, String), usize>| {
        let mut v: Vec<(usize, Drop)> = m
            .iter()
            .map(|((order, why), count)| {
                let (order, why, count) = (*order, why.clone(), *count);
                let stage = ctx
                    .stages
                    .get(order)
                    .map(|s| ctx.name(*s))
                    .unwrap_or_default();
                (order, Drop { stage, why, count })
            })
            .collect();
        v.sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then(b.1.count.cmp(&a.1.count))
                .then(a.1.why.cmp(&b.1.why))
        });
        v.into_iter().map(|(_, d)| d).collect()
    };
    Dropouts {
        by_label: list(&tally.by_label),
        by_reason: list(&tally.by_reason),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_stay_falls_in_exactly_one_band() {
        let d = super::distribution(&[0.0, 0.99, 1.0, 29.9, 30.0, 89.0, 90.0, 400.0]);
        let counts: Vec<usize> = d.iter().map(|b| b.count).collect();
        assert_eq!(counts, [2, 1, 0, 0, 1, 1, 1, 2]);
        assert_eq!(d.last().map(|b| b.to_days), Some(None));
    }
}
