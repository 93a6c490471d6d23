//! `detente report`: every section of the report (docs/reports.md) computed from one
//! replay, in a shape with a stable key order (the JSON schema is this
//! struct, documented in docs/reports.md).

use serde::Serialize;

use crate::compile::Policy;
use crate::data::Histories;
use crate::data::time::format_instant;
use crate::eval::Evaluation;

use super::journey::{PolicyRef, RuntimeProblemJson};

use super::attribution::{self, Attribution};
use super::calibration::{Calibration, calibration};
use super::context::{Ctx, Options};
use super::funnel::{self, Dropouts, FunnelStage, PeriodBalance, TriggerUse, Velocity};
use super::lift::{self, StageLift};
use super::metrics::{self, IncentiveRow, MetricRow};
use super::replayed::Replayed;
use super::running::{Counting, Tallies};
use super::sla::{self, OverdueItem, SlaRow};

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub policy: PolicyRef,
    pub as_of: String,
    /// The report covers `[from, to)`.
    pub from: String,
    pub to: String,
    pub period: String,
    pub currency: Option<String>,
    pub contacts: usize,
    /// Deals replayed (none when the policy has no deal lifecycle).
    #[serde(skip_serializing_if = "is_zero")]
    pub deals: usize,
    pub funnel: Vec<FunnelStage>,
    pub velocity: Velocity,
    pub triggers: Vec<TriggerUse>,
    pub touchpoints: Vec<StageLift>,
    pub attribution: Attribution,
    pub balance: Vec<PeriodBalance>,
    pub dropouts: Dropouts,
    pub slas: Vec<SlaRow>,
    pub overdue: Vec<OverdueItem>,
    pub periods: Vec<String>,
    pub metrics: Vec<MetricRow>,
    pub incentives: Vec<IncentiveRow>,
    pub calibration: Vec<Calibration>,
    /// What went wrong in the replay (R0xx), when anything did.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<RuntimeProblemJson>,
}

/// Why a replay cannot make the report asked of it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The replay kept only the sections it counted for a report under
    /// `counted` (`Plan::options`), or only what a diff reads
    /// (`Plan::counting`), and dropped its journeys; a report under other
    /// options needs a replay counted under them. Only a
    /// caller of the library meets this: the CLI and the Python package
    /// count under the options they build with.
    #[error(
        "the replay kept only what it counted for a report under {counted:?} (or for a diff), which does not make this report: replay again with these options"
    )]
    Uncounted { counted: Options },
}

impl BuildError {
    /// The stable code (docs/diagnostics.md).
    pub fn code(&self) -> &'static str {
        match self {
            BuildError::Uncounted { .. } => "B001",
        }
    }
}

/// The report of one replay of the whole data (a convenience over
/// [`build_from`], which also takes a replay read in batches).
pub fn build(
    policy: &Policy,
    histories: &Histories,
    eval: &Evaluation,
    options: &Options,
) -> Report {
    let replayed = Replayed::whole(policy, histories, eval.clone());
    let ctx = Ctx::new(policy, &replayed, options);
    assemble(policy, &ctx, &replayed, &Tallies::of(&ctx))
}

/// The report of a replay: of its sections counted batch by batch when
/// they were counted under `options` and the report's start, else of
/// its journeys, unless it dropped them ([`Replayed::forget`]).
pub fn build_from(
    policy: &Policy,
    replayed: &Replayed,
    options: &Options,
) -> Result<Report, BuildError> {
    let ctx = Ctx::new(policy, replayed, options);
    let running = replayed.running.as_ref();
    let for_report = running.filter(|r| r.counting() == Counting::Report);
    match for_report.and_then(|r| r.tallies(options, ctx.from)) {
        Some(tallies) => Ok(assemble(policy, &ctx, replayed, tallies)),
        None => match running {
            Some(r) if r.forgot() => Err(BuildError::Uncounted {
                counted: *r.options(),
            }),
            _ => Ok(assemble(policy, &ctx, replayed, &Tallies::of(&ctx))),
        },
    }
}

/// Every section of the report, read off the tallies.
fn assemble(policy: &Policy, ctx: &Ctx, replayed: &Replayed, tallies: &Tallies) -> Report {
    let model = ctx.model;
    let paths = &tallies.paths;
    let (slas, overdue) = sla::slas(ctx, &tallies.slas);
    let (periods, metrics) = metrics::metrics(ctx, Some(&tallies.metrics));
    let (contacts, deals) = replayed.counted();
    Report {
        policy: PolicyRef::of(policy),
        as_of: format_instant(ctx.as_of),
        from: format_instant(ctx.from),
        to: format_instant(ctx.to),
        period: period_name(ctx.period).into(),
        currency: model.currency.clone(),
        contacts,
        deals,
        funnel: funnel::funnel(ctx, paths),
        velocity: funnel::velocity(ctx, paths),
        triggers: funnel::triggers(ctx, paths),
        touchpoints: lift::lift(ctx, &tallies.lift),
        attribution: attribution::attribution(ctx, &tallies.attribution),
        balance: funnel::balance(ctx, paths),
        dropouts: funnel::dropouts(ctx, paths),
        slas,
        overdue,
        periods,
        metrics,
        incentives: metrics::incentives(ctx, Some(&tallies.metrics)),
        calibration: calibration(ctx, &tallies.calibration),
        problems: replayed
            .eval
            .problems
            .iter()
            .map(|p| RuntimeProblemJson::new(model, p))
            .collect(),
    }
}

pub(crate) fn period_name(p: crate::ir::Period) -> &'static str {
    match p {
        crate::ir::Period::Month => "month",
        crate::ir::Period::Quarter => "quarter",
        crate::ir::Period::Year => "year",
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}
