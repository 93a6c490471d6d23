//! Funnel, velocity, triggers, balance and flow, drop-outs (docs/reports.md):
//! everything that reads only the stages each contact passed through.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::data::time::format_instant;
use crate::eval::journey::StepFact;
use crate::eval::state::Cause;
use crate::ir::StageId;

use super::context::{Ctx, Entry, first_entry};
use super::stats::{mean, median, p90, rate};

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

pub fn funnel(ctx: &Ctx) -> Vec<FunnelStage> {
    let mut out = Vec::new();
    for &a in &ctx.stages {
        let cohort: Vec<(&crate::eval::Journey, Entry)> = ctx
            .journeys()
            .iter()
            .filter_map(|j| first_entry(j, a).map(|t| (j, t)))
            .filter(|(_, t)| ctx.in_report(t.at))
            .collect();
        let current = ctx
            .journeys()
            .iter()
            .filter(|j| j.facts.steps.last().is_some_and(|s| s.stage == a))
            .count();
        let later: Vec<StageId> = match ctx.rank(a) {
            Some(r) => ctx.success.iter().skip(r + 1).copied().collect(),
            None => Vec::new(),
        };
        let conversion: Vec<Conversion> = later
            .iter()
            .map(|&b| {
                let reached = cohort
                    .iter()
                    .filter(|(j, t)| ctx.reached(j, *t, b).is_some())
                    .count();
                Conversion {
                    to: ctx.name(b),
                    reached,
                    rate: rate(reached, cohort.len()),
                }
            })
            .collect();
        let advanced = match ctx.next_success(a) {
            Some(_) => conversion.first().map(|c| c.reached),
            // From a detour, advancing is getting back on the success path.
            None if ctx.is_detour(a) && !ctx.is_final(a) => Some(
                cohort
                    .iter()
                    .filter(|(j, t)| {
                        j.facts
                            .steps
                            .iter()
                            .skip(t.step + 1)
                            .any(|s| ctx.rank(s.stage).is_some())
                    })
                    .count(),
            ),
            None => None,
        };
        let dropped = cohort
            .iter()
            .filter(|(j, _)| {
                j.facts
                    .steps
                    .last()
                    .is_some_and(|s| s.stage != a && ctx.is_detour(s.stage))
            })
            .count();
        out.push(FunnelStage {
            stage: ctx.name(a),
            detour: ctx.is_detour(a),
            entered: cohort.len(),
            current,
            advanced,
            dropped,
            conversion,
        });
    }
    out
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

const DAY: f64 = 86_400_000.0;

pub fn velocity(ctx: &Ctx) -> Velocity {
    let mut stays: BTreeMap<StageId, Vec<f64>> = BTreeMap::new();
    for j in ctx.journeys() {
        for w in j.facts.steps.windows(2) {
            let [a, b] = w else { continue };
            if b.entered > a.entered && ctx.in_report(b.entered) {
                stays
                    .entry(a.stage)
                    .or_default()
                    .push((b.entered - a.entered) as f64 / DAY);
            }
        }
    }
    let time_in_stage = ctx
        .stages
        .iter()
        .map(|s| {
            let days = stays.get(s).map_or(&[][..], |v| v.as_slice());
            StageTime {
                stage: ctx.name(*s),
                times: Times::of(days),
                distribution: distribution(days),
            }
        })
        .collect();
    let mut between = Vec::new();
    for (i, &a) in ctx.success.iter().enumerate() {
        for &b in ctx.success.iter().skip(i + 1) {
            let days: Vec<f64> = ctx
                .journeys()
                .iter()
                .filter_map(|j| {
                    let ta = first_entry(j, a)?;
                    let tb = ctx.reached(j, ta, b)?;
                    ctx.in_report(tb).then(|| (tb - ta.at) as f64 / DAY)
                })
                .collect();
            between.push(Between {
                from: ctx.name(a),
                to: ctx.name(b),
                times: Times::of(&days),
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

pub fn triggers(ctx: &Ctx) -> Vec<TriggerUse> {
    let model = ctx.model;
    let mut by: BTreeMap<usize, BTreeMap<String, usize>> = BTreeMap::new();
    for j in ctx.journeys() {
        for s in &j.facts.steps {
            if !ctx.in_report(s.entered) {
                continue;
            }
            let (t, what) = match &s.cause {
                Cause::On { transition, event } => (*transition, event_name(ctx, *event)),
                Cause::When { transition, .. } => (*transition, tipped_by(ctx, s)),
                Cause::After { transition } => (*transition, "time".to_string()),
                _ => continue,
            };
            *by.entry(t.index()).or_default().entry(what).or_default() += 1;
        }
    }
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
            let counts = by.remove(&t.index()).unwrap_or_default();
            let mut list: Vec<Count> = counts
                .into_iter()
                .map(|(what, count)| Count { what, count })
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

fn event_name(ctx: &Ctx, ev: usize) -> String {
    ctx.events
        .get(ev)
        .map(|e| e.of.name(ctx.model).to_string())
        .unwrap_or_default()
}

/// What tipped a `when` move: its touchpoint, else its event, else an
/// arrival, else time.
fn tipped_by(ctx: &Ctx, step: &StepFact) -> String {
    let t = &step.tipped;
    if let Some(tp) = t.touchpoint {
        ctx.model.touchpoints[tp].name.clone()
    } else if let Some(ev) = t.event {
        event_name(ctx, ev)
    } else if t.created.is_some() {
        "created".into()
    } else {
        "time".into()
    }
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

pub fn balance(ctx: &Ctx) -> Vec<PeriodBalance> {
    ctx.periods(ctx.period)
        .into_iter()
        .map(|p| {
            let at = (p.end - 1).min(ctx.as_of);
            let mut counts: BTreeMap<StageId, usize> = BTreeMap::new();
            let mut moves: BTreeMap<(StageId, StageId), usize> = BTreeMap::new();
            for j in ctx.journeys() {
                if let Some(s) = ctx.stage_at(j, at) {
                    *counts.entry(s).or_default() += 1;
                }
                for w in j.facts.steps.windows(2) {
                    let [a, b] = w else { continue };
                    if p.start <= b.entered && b.entered < p.end {
                        *moves.entry((a.stage, b.stage)).or_default() += 1;
                    }
                }
            }
            let order = |s: &StageId| ctx.stages.iter().position(|x| x == s);
            let mut moves: Vec<((StageId, StageId), usize)> = moves.into_iter().collect();
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
                        count: counts.get(s).copied().unwrap_or(0),
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

pub fn dropouts(ctx: &Ctx) -> Dropouts {
    let mut by_label: BTreeMap<(usize, String), usize> = BTreeMap::new();
    let mut by_reason: BTreeMap<(usize, String), usize> = BTreeMap::new();
    for j in ctx.journeys() {
        for (k, s) in j.facts.steps.iter().enumerate() {
            if k == 0 || !ctx.is_detour(s.stage) || !ctx.in_report(s.entered) {
                continue;
            }
            let order = ctx.stages.iter().position(|x| *x == s.stage).unwrap_or(0);
            let (label, event) = match &s.cause {
                Cause::On { transition, event } => (label_of(ctx, *transition), Some(*event)),
                Cause::When { transition, .. } => (label_of(ctx, *transition), s.tipped.event),
                Cause::After { transition } => (label_of(ctx, *transition), None),
                Cause::Manual { event } => ("moved by hand".to_string(), Some(*event)),
                _ => continue,
            };
            let reason = event
                .and_then(|ev| reason_of(ctx, ev))
                .unwrap_or_else(|| "(none given)".to_string());
            *by_label.entry((order, label)).or_default() += 1;
            *by_reason.entry((order, reason)).or_default() += 1;
        }
    }
    let list = |m: BTreeMap<(usize, String), usize>| {
        let mut v: Vec<(usize, Drop)> = m
            .into_iter()
            .map(|((order, why), count)| {
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
        by_label: list(by_label),
        by_reason: list(by_reason),
    }
}

/// The transition's label, else its trigger as written.
fn label_of(ctx: &Ctx, t: crate::ir::TransitionId) -> String {
    let tr = &ctx.model.transitions[t];
    tr.label.clone().unwrap_or_else(|| tr.text.clone())
}

/// The text of the event's `reason` field, when its type has one.
fn reason_of(ctx: &Ctx, ev: usize) -> Option<String> {
    let e = ctx.events.get(ev)?;
    let crate::eval::EventOf::Event(ty) = e.of else {
        return None;
    };
    let et = &ctx.model.events[ty];
    let (f, _) = et.fields.enumerate().find(|(_, f)| f.name == "reason")?;
    match e.field(f) {
        Some(crate::ir::Value::Text(t)) if !t.is_empty() => Some(t.clone()),
        _ => None,
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
