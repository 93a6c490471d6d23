//! Journeys as docs/engine.md (Journeys) shows them: `classify`'s JSON,
//! its table and CSV, `explain`'s story. The engine's journeys hold ids;
//! [`JourneyView`] borrows the policy they were worked out with and
//! writes the names, so no journey carries a copy of them.

use serde::ser::{Serialize, SerializeMap, SerializeStruct, Serializer};

use crate::compile::Policy;
use crate::data::time::format_instant;
use crate::eval::classify::Classified;
use crate::eval::parts::{Group, Verdict};
use crate::eval::{AccountJourney, Journey, StepFact};
use crate::ir::*;

pub mod flat;
mod path;
mod rows;
mod values;

pub use path::{PathStep, Trigger, path_step};
pub use rows::{ProblemJson, RuntimeProblemJson, SlaJson};
pub use values::{Named, PolicyRef, Rounded, Tri};

/// A contact's journey with the names of the policy it was worked out
/// with: serializes to exactly the JSON `classify` prints.
#[derive(Clone, Copy)]
pub struct JourneyView<'a> {
    policy: &'a Policy,
    journey: &'a Journey,
}

impl<'a> JourneyView<'a> {
    /// `journey` as worked out with `policy`.
    pub fn new(policy: &'a Policy, journey: &'a Journey) -> JourneyView<'a> {
        JourneyView { policy, journey }
    }

    fn ir(&self) -> &'a Ir {
        self.policy.ir()
    }

    /// The journey.
    pub fn journey(&self) -> &'a Journey {
        self.journey
    }

    /// The policy's timezone, in which stories are told.
    pub fn timezone(&self) -> chrono_tz::Tz {
        self.ir().timezone
    }

    /// The stage the contact is in.
    pub fn stage(&self) -> &'a str {
        self.ir().stage_name(self.journey.stage)
    }

    /// When it entered it, as `2026-03-04T11:20:00Z`.
    pub fn since(&self) -> String {
        format_instant(self.journey.since)
    }

    /// The furthest stage on the success path.
    pub fn highest(&self) -> Option<&'a str> {
        self.journey.highest.map(|h| self.ir().stage_name(h))
    }

    /// Every stage entered.
    pub fn path(&self) -> Vec<PathStep> {
        path_of(self.ir(), &self.journey.facts.steps)
    }

    /// Each score by name, rounded to two decimals.
    pub fn scores(&self) -> impl Iterator<Item = (&'a str, Rounded)> + 'a {
        let ir = self.ir();
        // An account's scores are on its own journey.
        ir.scores
            .iter()
            .zip(&self.journey.scores)
            .filter(|(s, _)| s.entity == crate::ir::Entity::Contact)
            .map(|(s, v)| (s.name.as_str(), Rounded::of(*v)))
    }

    /// The score named `name`, rounded to two decimals.
    pub fn score(&self, name: &str) -> Option<Rounded> {
        self.scores().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// Criteria `name`: whether it is met and each clause's truth, by
    /// label.
    pub fn criteria(&self, name: &str) -> Option<(Tri, Vec<(&'a str, Tri)>)> {
        let ir = self.ir();
        let (c, verdict) = ir
            .criteria
            .iter()
            .zip(&self.journey.criteria)
            .find(|(c, _)| c.name == name)?;
        Some((Tri(verdict.met), clause_truths(c, verdict)))
    }

    /// The ids of the contacts holding role `name`.
    pub fn role(&self, name: &str) -> Option<&'a [String]> {
        role_holders(self.ir(), self.journey.group.as_ref()?, name)
    }

    /// Every SLA instance, as written.
    pub fn slas(&self) -> Vec<SlaJson<'a>> {
        slas_json(self.ir(), &self.journey.slas)
    }

    /// The problems of this contact's replay, code and sentence.
    pub fn problems(&self) -> Vec<ProblemJson> {
        let ir = self.ir();
        self.journey
            .problems
            .iter()
            .map(|p| ProblemJson::new(ir, p))
            .collect()
    }
}

/// Each step of a contact's or an account's path, with its names.
fn path_of(ir: &Ir, steps: &[StepFact]) -> Vec<PathStep> {
    steps.iter().map(|s| path_step(ir, s)).collect()
}

/// Each clause of criteria `c`, by label, with its truth in `verdict`.
fn clause_truths<'a>(c: &'a Criteria, verdict: &Verdict) -> Vec<(&'a str, Tri)> {
    c.clauses
        .iter()
        .zip(&verdict.clauses)
        .map(|(clause, t)| (clause.label.as_str(), Tri(*t)))
        .collect()
}

fn role_holders<'a>(ir: &Ir, group: &'a Group, name: &str) -> Option<&'a [String]> {
    let i = ir.roles.iter().position(|r| r.name == name)?;
    group.roles.get(i).map(Vec::as_slice)
}

impl Serialize for JourneyView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (ir, j) = (self.ir(), self.journey);
        let problems = self.problems();
        let fields = 10 + usize::from(j.group.is_some()) + usize::from(!problems.is_empty());
        let mut out = s.serialize_struct("Journey", fields)?;
        out.serialize_field("contact", &j.contact)?;
        out.serialize_field("account", &j.account)?;
        out.serialize_field("policy", &PolicyJson(self.policy))?;
        out.serialize_field("stage", self.stage())?;
        out.serialize_field("since", &self.since())?;
        out.serialize_field("highest", &self.highest())?;
        out.serialize_field("path", &self.path())?;
        out.serialize_field("scores", &Named(self.scores().collect()))?;
        out.serialize_field("criteria", &CriteriaJson(ir, j, crate::ir::Entity::Contact))?;
        if let Some(g) = &j.group {
            out.serialize_field("group", &GroupJson(ir, g))?;
        }
        out.serialize_field("slas", &self.slas())?;
        if !problems.is_empty() {
            out.serialize_field("problems", &problems)?;
        }
        out.end()
    }
}

/// An account's journey with the names of its policy: serializes to
/// exactly the JSON `classify --lifecycle account` prints.
#[derive(Clone, Copy)]
pub struct AccountJourneyView<'a> {
    policy: &'a Policy,
    journey: &'a AccountJourney,
}

impl<'a> AccountJourneyView<'a> {
    /// `journey` as worked out with `policy`.
    pub fn new(policy: &'a Policy, journey: &'a AccountJourney) -> AccountJourneyView<'a> {
        AccountJourneyView { policy, journey }
    }

    /// The account's stage.
    pub fn stage(&self) -> &'a str {
        self.policy.ir().stage_name(self.journey.stage)
    }

    /// When it entered it.
    pub fn since(&self) -> String {
        format_instant(self.journey.since)
    }

    /// The furthest stage on the account's success path.
    pub fn highest(&self) -> Option<&'a str> {
        let ir = self.policy.ir();
        self.journey.highest.map(|h| ir.stage_name(h))
    }

    /// Every stage entered.
    pub fn path(&self) -> Vec<PathStep> {
        path_of(self.policy.ir(), &self.journey.steps)
    }

    /// Every instance of an SLA on account stages, as written.
    pub fn slas(&self) -> Vec<SlaJson<'a>> {
        slas_json(self.policy.ir(), &self.journey.slas)
    }
}

impl Serialize for AccountJourneyView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let j = self.journey;
        let account_slas = self
            .policy
            .ir()
            .slas
            .iter()
            .any(|s| s.entity == crate::ir::Entity::Account);
        let fields = 6
            + usize::from(j.group.is_some())
            + usize::from(account_slas)
            + usize::from(!j.scores.is_empty());
        let mut out = s.serialize_struct("AccountJourney", fields)?;
        out.serialize_field("account", &j.account)?;
        out.serialize_field("policy", &PolicyJson(self.policy))?;
        out.serialize_field("stage", self.stage())?;
        out.serialize_field("since", &self.since())?;
        out.serialize_field("highest", &self.highest())?;
        out.serialize_field("path", &self.path())?;
        if let Some(g) = &j.group {
            out.serialize_field("group", &GroupJson(self.policy.ir(), g))?;
        }
        // Only a policy with account scores, or SLAs on account stages,
        // has the key.
        if !j.scores.is_empty() {
            let ir = self.policy.ir();
            let scores: std::collections::BTreeMap<&str, Rounded> = j
                .scores
                .iter()
                .map(|(id, v)| (ir.scores[*id].name.as_str(), Rounded::of(*v)))
                .collect();
            out.serialize_field("scores", &scores)?;
        }
        if account_slas {
            out.serialize_field("slas", &self.slas())?;
        }
        out.end()
    }
}

/// SLA instances, a contact's or an account's, as written.
fn slas_json<'a>(ir: &'a Ir, states: &[crate::eval::parts::SlaState]) -> Vec<SlaJson<'a>> {
    states.iter().map(|s| SlaJson::new(ir, s)).collect()
}

struct PolicyJson<'a>(&'a Policy);

impl Serialize for PolicyJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut out = s.serialize_struct("PolicyRef", 3)?;
        out.serialize_field("name", self.0.name())?;
        out.serialize_field("version", &self.0.version())?;
        out.serialize_field("hash", self.0.hash())?;
        out.end()
    }
}

/// A journey's criteria of one lifecycle (a contact's or a deal's).
struct CriteriaJson<'a>(&'a Ir, &'a Journey, crate::ir::Entity);

impl Serialize for CriteriaJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (ir, j) = (self.0, self.1);
        let mut out = s.serialize_map(None)?;
        let theirs = ir
            .criteria
            .iter()
            .zip(&j.criteria)
            .filter(|(c, _)| c.entity == self.2);
        for (c, verdict) in theirs {
            let result = CriteriaResult {
                met: Tri(verdict.met),
                clauses: Named(clause_truths(c, verdict)),
            };
            out.serialize_entry(&c.name, &result)?;
        }
        out.end()
    }
}

/// One criteria's verdict and its clauses'.
#[derive(serde::Serialize)]
struct CriteriaResult<'a> {
    met: Tri,
    clauses: Named<'a, Tri>,
}

struct GroupJson<'a>(&'a Ir, &'a Group);

impl Serialize for GroupJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (ir, g) = (self.0, self.1);
        let roles: Vec<(&str, &Vec<String>)> = ir
            .roles
            .iter()
            .zip(&g.roles)
            .map(|(r, holders)| (r.name.as_str(), holders))
            .collect();
        let mut out = s.serialize_struct("Group", 3)?;
        out.serialize_field("roles", &Named(roles))?;
        out.serialize_field("engaged", &g.engaged)?;
        out.serialize_field("qualified", &Tri(g.qualified))?;
        out.end()
    }
}

/// A deal's journey with the names of its policy: serializes to exactly
/// the JSON `classify --lifecycle deal` prints (`deal`, `account`, stage,
/// path, SLAs; a deal has no scores or criteria).
#[derive(Clone, Copy)]
pub struct DealJourneyView<'a>(pub JourneyView<'a>);

impl Serialize for DealJourneyView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let v = self.0;
        let j = v.journey;
        let problems = v.problems();
        let mut out = s.serialize_struct("Deal", 9 + usize::from(!problems.is_empty()))?;
        out.serialize_field("deal", &j.contact)?;
        out.serialize_field("account", &j.account)?;
        out.serialize_field("policy", &PolicyJson(v.policy))?;
        out.serialize_field("stage", v.stage())?;
        out.serialize_field("since", &v.since())?;
        out.serialize_field("highest", &v.highest())?;
        out.serialize_field("path", &v.path())?;
        out.serialize_field(
            "criteria",
            &CriteriaJson(v.ir(), j, crate::ir::Entity::Deal),
        )?;
        out.serialize_field("slas", &v.slas())?;
        if !problems.is_empty() {
            out.serialize_field("problems", &problems)?;
        }
        out.end()
    }
}

/// Deal journeys of one policy, serialized as a JSON array.
#[derive(Clone, Copy)]
pub struct DealJourneysJson<'a>(pub &'a Policy, pub &'a [Journey]);

impl Serialize for DealJourneysJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(
            self.1
                .iter()
                .map(|j| DealJourneyView(JourneyView::new(self.0, j))),
        )
    }
}

/// Journeys of one policy, serialized as a JSON array.
#[derive(Clone, Copy)]
pub struct JourneysJson<'a>(pub &'a Policy, pub &'a [Journey]);

impl Serialize for JourneysJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.1.iter().map(|j| JourneyView::new(self.0, j)))
    }
}

/// Account journeys of one policy, serialized as a JSON array.
#[derive(Clone, Copy)]
pub struct AccountJourneysJson<'a>(pub &'a Policy, pub &'a [AccountJourney]);

impl Serialize for AccountJourneysJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.1.iter().map(|j| AccountJourneyView::new(self.0, j)))
    }
}

/// One request's answer (`/v1/classify`, a `classify --stdin` line):
/// `as_of`, `journeys`, and `accounts`, `warnings` and `problems` when
/// there are any.
#[derive(Clone, Copy)]
pub struct ClassifiedJson<'a>(pub &'a Policy, pub &'a Classified);

impl Serialize for ClassifiedJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (policy, c) = (self.0, self.1);
        let mut out = s.serialize_map(None)?;
        out.serialize_entry("as_of", &format_instant(c.as_of))?;
        out.serialize_entry("journeys", &JourneysJson(policy, &c.journeys))?;
        if !c.accounts.is_empty() {
            out.serialize_entry("accounts", &AccountJourneysJson(policy, &c.accounts))?;
        }
        if !c.warnings.is_empty() {
            out.serialize_entry("warnings", &c.warnings)?;
        }
        if !c.problems.is_empty() {
            let ir = policy.ir();
            let problems: Vec<RuntimeProblemJson> = c
                .problems
                .iter()
                .map(|p| RuntimeProblemJson::new(ir, p))
                .collect();
            out.serialize_entry("problems", &problems)?;
        }
        out.end()
    }
}
