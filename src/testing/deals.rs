//! A policy test's expectations about deals: each deal's stage, path and
//! SLAs (`expect.deals.D-1 = { stage = "won", path = [...] }`).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::compare::{Mismatch, compare_journey};
use super::{Expect, SlaExpect, Truth};
use crate::compile::Policy;
use crate::eval::Evaluation;
use crate::ir::Entity;
use crate::report::journey::JourneyView;

/// What one deal's journey must show.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DealExpect {
    pub stage: Option<String>,
    /// Stage names in order, starting with the initial stage.
    pub path: Option<Vec<String>>,
    /// An SLA's last instance, as `expect.slas` says it.
    #[serde(default)]
    pub slas: BTreeMap<String, SlaExpect>,
    /// A deal criteria's verdict: true, false or "unknown".
    #[serde(default)]
    pub criteria: BTreeMap<String, Truth>,
}

/// Each expected deal against its journey; every mismatch is named
/// `deals.ID.what`.
pub fn compare(
    policy: &Policy,
    ev: &Evaluation,
    deals: &BTreeMap<String, DealExpect>,
) -> Vec<Mismatch> {
    let mut out = Vec::new();
    for (id, want) in deals {
        let Some(j) = ev.deals.iter().find(|j| j.contact == *id) else {
            out.push(Mismatch::problem(
                &format!("deals.{id}"),
                format!("no journey for deal `{id}`: give it a row in `deals` (and the policy a deal lifecycle)"),
            ));
            continue;
        };
        let expect = Expect {
            stage: want.stage.clone(),
            path: want.path.clone(),
            slas: want.slas.clone(),
            criteria: want.criteria.clone(),
            ..Expect::default()
        };
        let view = JourneyView::new(policy, j);
        out.extend(
            compare_journey(policy, &view, Entity::Deal, &expect)
                .into_iter()
                .map(|mut m| {
                    m.what = format!("deals.{id}.{}", m.what);
                    m
                }),
        );
    }
    out
}
