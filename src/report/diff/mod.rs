//! `detente diff`: two policies replayed on the same data, compared
//! (docs/diff.md) — who moves to which stage and where their paths part,
//! what happens to every metric, incentive and SLA, and which definitions
//! were added, removed or changed. Gates turn the comparison into a pass
//! or a fail for CI.

pub mod batched;
mod definitions;
mod figures;
pub mod gates;
mod matrix;
mod stages;
pub mod text;

use serde::Serialize;

use super::replayed::Replayed;
use crate::compile::Policy;
use crate::data::time::format_instant;

use super::build::BuildError;
use super::context::{Ctx, Options};
use super::running::{Counting, Tallies};

pub use definitions::{Change, DefinitionChange};
pub use figures::{IncentiveDelta, MetricDelta, PeriodDelta, SlaDelta};
pub use gates::{Gate, GateResult, Gates};
pub use stages::{Example, MatrixCell, StageChanges, StepSide};

/// One side of the comparison: a policy, its text, and its replay of the
/// shared data.
pub struct Side<'a> {
    /// How the user named it: a path or `git:REV:PATH`.
    pub label: &'a str,
    pub source: &'a str,
    pub policy: &'a Policy,
    /// Its replay of the shared data.
    pub replayed: &'a Replayed,
    /// Rows of the data this policy's schema rejected.
    pub rejected_rows: u64,
}

/// What a policy side was, in the output.
#[derive(Debug, Clone, Serialize)]
pub struct SideRef {
    pub label: String,
    pub name: String,
    pub version: Option<u64>,
    pub hash: String,
    /// Rows of the data this policy's schema rejected.
    pub rejected_rows: u64,
}

/// The whole comparison, in a stable key order (schema in docs/reports.md).
#[derive(Debug, Clone, Serialize)]
pub struct PolicyDiff {
    pub old: SideRef,
    pub new: SideRef,
    pub as_of: String,
    /// Metrics and incentives cover `[from, to)`.
    pub from: String,
    pub to: String,
    pub period: String,
    /// Contacts replayed by either policy.
    pub contacts: StageChanges,
    /// Accounts, when either policy has an account lifecycle.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accounts: Option<StageChanges>,
    /// Deals, when either policy replayed any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deals: Option<StageChanges>,
    pub metrics: Vec<MetricDelta>,
    pub incentives: Vec<IncentiveDelta>,
    pub slas: Vec<SlaDelta>,
    pub definitions: Vec<DefinitionChange>,
    /// Every gate checked, in the order given.
    pub gates: Vec<GateResult>,
    /// No gate failed.
    pub passed: bool,
}

/// The stage-change matrices of contacts, and of accounts and deals
/// when either side has any.
#[derive(Debug, Clone)]
pub struct Stages {
    pub contacts: StageChanges,
    pub accounts: Option<StageChanges>,
    pub deals: Option<StageChanges>,
}

/// Compares `old` and `new`, replays that kept their journeys, over the
/// same span (the earlier of the two sides' starts unless
/// `options.from` sets one), and checks `gates`.
pub fn diff(old: &Side, new: &Side, options: &Options, gates: &Gates) -> PolicyDiff {
    let stages = Stages {
        contacts: stages::contacts(old, new),
        accounts: stages::accounts(old, new),
        deals: stages::deals(old, new),
    };
    compared(old, new, options, gates, stages, [None, None])
}

/// [`diff`] of replays read a batch of accounts at a time for a diff
/// (`batched::replay_diff`): the matrices counted as the new side was
/// read, the figures off each side's running tallies.
pub fn diff_counted(
    old: &Side,
    new: &Side,
    options: &Options,
    gates: &Gates,
    stages: Stages,
) -> Result<PolicyDiff, BuildError> {
    let from = options.from.unwrap_or_else(|| first_entry(old, new));
    let tallies = [
        counted_tallies(old, options, from)?,
        counted_tallies(new, options, from)?,
    ];
    Ok(compared(old, new, options, gates, stages, tallies))
}

/// A side's tallies, counted for a diff under `options` from `from`;
/// none when its replay kept its journeys and counted nothing usable.
fn counted_tallies<'s>(
    side: &Side<'s>,
    options: &Options,
    from: crate::data::time::Instant,
) -> Result<Option<&'s Tallies>, BuildError> {
    let Some(running) = side.replayed.running.as_ref() else {
        return Ok(None);
    };
    let for_diff = running.counting() == Counting::Diff;
    match running.tallies(options, from).filter(|_| for_diff) {
        Some(t) => Ok(Some(t)),
        None if running.forgot() => Err(BuildError::Uncounted {
            counted: *running.options(),
        }),
        None => Ok(None),
    }
}

/// Where both sides' reports start by default: the earlier first stage
/// entry.
fn first_entry(old: &Side, new: &Side) -> crate::data::time::Instant {
    [old, new]
        .iter()
        .filter_map(|s| s.replayed.first_stage_entry())
        .min()
        .unwrap_or(new.replayed.eval.as_of)
}

/// The diff of two sides' figures, each off its tallies when given.
fn compared(
    old: &Side,
    new: &Side,
    options: &Options,
    gates: &Gates,
    stages: Stages,
    [old_tallies, new_tallies]: [Option<&Tallies>; 2],
) -> PolicyDiff {
    let first = first_entry(old, new);
    let old_ctx = Ctx::starting(old.policy, old.replayed, options, first);
    let new_ctx = Ctx::starting(new.policy, new.replayed, options, first);
    let o = figures::Counted {
        ctx: &old_ctx,
        tallies: old_tallies,
    };
    let n = figures::Counted {
        ctx: &new_ctx,
        tallies: new_tallies,
    };
    let metrics = figures::metrics(&o, &n);
    let incentives = figures::incentives(&o, &n);
    let slas = figures::slas(&o, &n);
    let definitions = definitions::compare(old.source, new.source);
    let gates = gates::check(gates, &stages.contacts, &metrics);
    let side = |s: &Side| SideRef {
        label: s.label.to_string(),
        name: s.policy.name().to_string(),
        version: s.policy.version(),
        hash: s.policy.hash().to_string(),
        rejected_rows: s.rejected_rows,
    };
    PolicyDiff {
        old: side(old),
        new: side(new),
        as_of: format_instant(new.replayed.eval.as_of),
        from: format_instant(new_ctx.from),
        to: format_instant(new_ctx.to),
        period: super::build::period_name(options.period).into(),
        contacts: stages.contacts,
        accounts: stages.accounts,
        deals: stages.deals,
        metrics,
        incentives,
        slas,
        definitions,
        passed: gates.iter().all(|g| g.passed),
        gates,
    }
}
