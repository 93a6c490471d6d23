//! `detente diff`: two policies replayed on the same data, compared
//! (docs/diff.md) — who moves to which stage and where their paths part,
//! what happens to every metric, incentive and SLA, and which definitions
//! were added, removed or changed. Gates turn the comparison into a pass
//! or a fail for CI.

mod definitions;
mod figures;
pub mod gates;
mod stages;
pub mod text;

use serde::Serialize;

use super::replayed::Replayed;
use crate::compile::Policy;
use crate::data::time::format_instant;

use super::context::{Ctx, Options};

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

/// Compares `old` and `new` over the same period (`options.from`/`to`
/// should be set: each policy's default would start at its own first
/// stage entry) and checks `gates`.
pub fn diff(old: &Side, new: &Side, options: &Options, gates: &Gates) -> PolicyDiff {
    let old_ctx = Ctx::new(old.policy, old.replayed, options);
    let new_ctx = Ctx::new(new.policy, new.replayed, options);
    let tz = new.policy.ir().timezone;
    let contacts = stages::contacts(old, new, tz);
    let accounts = stages::accounts(old, new, tz);
    let deals = stages::deals(old, new, tz);
    let metrics = figures::metrics(&old_ctx, &new_ctx);
    let incentives = figures::incentives(&old_ctx, &new_ctx);
    let slas = figures::slas(&old_ctx, &new_ctx);
    let definitions = definitions::compare(old.source, new.source);
    let gates = gates::check(gates, &contacts, &metrics);
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
        contacts,
        accounts,
        deals,
        metrics,
        incentives,
        slas,
        definitions,
        passed: gates.iter().all(|g| g.passed),
        gates,
    }
}
