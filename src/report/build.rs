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
use super::running::Tallies;
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

/// The report of one replay of the whole data (a convenience over
/// [`build_from`], which also takes a replay read in batches).
pub fn build(
    policy: &Policy,
    histories: &Histories,
    eval: &Evaluation,
    options: &Options,
) -> Report {
    build_from(
        policy,
        &Replayed::whole(policy, histories, eval.clone()),
        options,
    )
}

/// The report of a replay.
pub fn build_from(policy: &Policy, replayed: &Replayed, options: &Options) -> Report {
    let eval = &replayed.eval;
    let ctx = Ctx::new(policy, replayed, options);
    // The sections as counted batch by batch, else from the journeys
    // kept.
    let counted;
    let tallies = match replayed
        .running
        .as_ref()
        .and_then(|r| r.tallies(options, ctx.from))
    {
        Some(tallies) => tallies,
        None => {
            counted = Tallies::of(&ctx);
            &counted
        }
    };
    let paths = &tallies.paths;
    let (slas, overdue) = sla::slas(&ctx, &tallies.slas);
    let (periods, metrics) = metrics::metrics(&ctx, Some(&tallies.metrics));
    Report {
        policy: PolicyRef::of(policy),
        as_of: format_instant(ctx.as_of),
        from: format_instant(ctx.from),
        to: format_instant(ctx.to),
        period: period_name(options.period).into(),
        currency: policy.ir().currency.clone(),
        contacts: eval.journeys.len(),
        deals: eval.deals.len(),
        funnel: funnel::funnel(&ctx, paths),
        velocity: funnel::velocity(&ctx, paths),
        triggers: funnel::triggers(&ctx, paths),
        touchpoints: lift::lift(&ctx, &tallies.lift),
        attribution: attribution::attribution(&ctx, &tallies.attribution),
        balance: funnel::balance(&ctx, paths),
        dropouts: funnel::dropouts(&ctx, paths),
        slas,
        overdue,
        periods,
        metrics,
        incentives: metrics::incentives(&ctx, Some(&tallies.metrics)),
        calibration: calibration(&ctx, &tallies.calibration),
        problems: eval
            .problems
            .iter()
            .map(|p| RuntimeProblemJson::new(policy.ir(), p))
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
