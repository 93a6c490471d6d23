//! Journeys as docs/engine.md (Journeys) shows them: `classify`'s JSON,
//! its table and CSV, `explain`'s story. The engine's journeys hold ids;
//! [`JourneyView`] borrows the policy they were worked out with and
//! writes the names, so no journey carries a copy of them.

use serde::ser::{Serialize, SerializeMap, SerializeStruct, Serializer};

use crate::compile::Policy;
use crate::data::time::format_instant;
use crate::eval::classify::Classified;
use crate::eval::parts::{Group, SlaState, SlaStatus};
use crate::eval::state::Cause;
use crate::eval::{AccountJourney, Journey, Runtime, RuntimeProblem, StepFact};
use crate::ir::*;

use super::problems::runtime_message;

/// `{name: value, ...}` in the policy's declared order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Named<'a, T>(pub Vec<(&'a str, T)>);

impl<T> Named<'_, T> {
    /// The value named `name`.
    pub fn get(&self, name: &str) -> Option<&T> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// (name, value) in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &T)> {
        self.0.iter().map(|(n, v)| (*n, v))
    }
}

impl<T: Serialize> Serialize for Named<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// A three-valued truth as journeys write it: `true`, `false` or
/// `"unknown"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tri(pub Option<bool>);

impl Tri {
    /// As written: `true`, `false` or `unknown`.
    pub fn as_str(self) -> &'static str {
        match self.0 {
            Some(true) => "true",
            Some(false) => "false",
            None => "unknown",
        }
    }
}

impl Serialize for Tri {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Some(b) => s.serialize_bool(b),
            None => s.serialize_str("unknown"),
        }
    }
}

/// A number rounded to two decimals, as journeys show scores and hours;
/// a whole number is written without a fraction (`35`, not `35.0`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rounded(f64);

impl Rounded {
    /// `x` rounded to two decimals.
    pub fn of(x: f64) -> Rounded {
        Rounded((x * 100.0).round() / 100.0)
    }

    /// The rounded value.
    pub fn value(self) -> f64 {
        self.0
    }
}

impl Serialize for Rounded {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        if !r.is_finite() {
            s.serialize_unit()
        } else if r.fract() == 0.0 && r.abs() < 1e15 {
            s.serialize_i64(r as i64)
        } else {
            s.serialize_f64(r)
        }
    }
}

impl std::fmt::Display for Rounded {
    /// As the JSON writes it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match serde_json::to_string(self) {
            Ok(text) => f.write_str(&text),
            Err(_) => f.write_str("null"),
        }
    }
}

/// The policy a journey was worked out with, so that every decision can
/// be traced to the exact rules.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct PolicyRef {
    /// The policy's name, from `policy "..." { }`.
    pub name: String,
    /// Its `version`, if it has one.
    pub version: Option<u64>,
    /// `sha256:` and the hex digest of the policy's source text.
    pub hash: String,
}

impl PolicyRef {
    /// The policy's name, version and hash.
    pub fn of(policy: &Policy) -> PolicyRef {
        PolicyRef {
            name: policy.name().to_string(),
            version: policy.version(),
            hash: policy.hash().to_string(),
        }
    }
}

/// One stage entered: `{"stage", "entered", "trigger", "label"}`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct PathStep {
    /// The stage's name.
    pub stage: String,
    /// When, as `2026-03-04T11:20:00Z`.
    pub entered: String,
    /// What moved it there; none for the stage it started in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger: Option<Trigger>,
    /// The transition's `as "..."` label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The CRM gave the moment as a date only.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub date_precision: bool,
}

/// What moved a contact or account into a stage, by `kind`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
#[non_exhaustive]
pub enum Trigger {
    /// It was in the stage in the CRM's snapshot.
    Snapshot,
    /// An `on` transition: the event, its time, the transition's line.
    On {
        /// The event type's name.
        event: Option<String>,
        /// When it happened.
        at: String,
        /// The transition's line in the policy.
        line: usize,
    },
    /// A `when` transition whose condition came to hold.
    When {
        /// The criteria, when the condition is one criteria.
        #[serde(skip_serializing_if = "Option::is_none")]
        criteria: Option<String>,
        /// Else the condition as written.
        #[serde(skip_serializing_if = "Option::is_none")]
        condition: Option<String>,
        /// What made the instant: a touchpoint,
        #[serde(skip_serializing_if = "Option::is_none")]
        touchpoint: Option<String>,
        /// else an event type,
        #[serde(skip_serializing_if = "Option::is_none")]
        event: Option<String>,
        /// else a contact added to the CRM (its id);
        #[serde(skip_serializing_if = "Option::is_none")]
        created: Option<String>,
        /// and the colleague whose it was, when not the contact's own.
        #[serde(skip_serializing_if = "Option::is_none")]
        by: Option<String>,
        /// The transition's line in the policy.
        line: usize,
    },
    /// An `after` transition: the time spent in the stage before.
    After {
        /// The duration as written (`30d`).
        duration: String,
        /// The transition's line in the policy.
        line: usize,
    },
    /// A move by hand in the CRM (`set_stage`).
    Manual,
}

/// One stage entered, with the names read from `ir`.
pub fn path_step(ir: &Ir, step: &StepFact) -> PathStep {
    let transition = match &step.cause {
        Cause::On { transition, .. }
        | Cause::When { transition, .. }
        | Cause::After { transition } => Some(&ir.transitions[*transition]),
        _ => None,
    };
    let trigger = match (&step.cause, transition) {
        (Cause::Start, _) => None,
        (Cause::Snapshot, _) => Some(Trigger::Snapshot),
        (Cause::Manual { .. }, _) => Some(Trigger::Manual),
        (Cause::On { .. }, Some(tr)) => Some(Trigger::On {
            event: step.event.map(|e| e.name(ir).to_string()),
            at: format_instant(step.entered),
            line: tr.line,
        }),
        (Cause::When { .. }, Some(tr)) => Some(when_trigger(ir, tr, step)),
        (Cause::After { .. }, Some(tr)) => Some(Trigger::After {
            duration: tr.text.trim_start_matches("after ").to_string(),
            line: tr.line,
        }),
        _ => None,
    };
    PathStep {
        stage: ir.stage_name(step.stage).to_string(),
        entered: format_instant(step.entered),
        trigger,
        label: transition.and_then(|tr| tr.label.clone()),
        date_precision: step.date_precision,
    }
}

fn when_trigger(ir: &Ir, tr: &Transition, step: &StepFact) -> Trigger {
    let criteria = match &tr.trigger {
        TriggerRule::When(c) => match &ir.nodes[*c] {
            Node::Criteria(c) => Some(ir.criteria[*c].name.clone()),
            _ => None,
        },
        _ => None,
    };
    let condition = criteria
        .is_none()
        .then(|| tr.text.trim_start_matches("when ").to_string());
    // What made this check instant: the touchpoint when it is one, else
    // the event, else a contact's creation; and whose it was when a
    // colleague's activity moved this contact.
    let tip = &step.tipped;
    let touchpoint = tip.touchpoint.map(|tp| ir.touchpoints[tp].name.clone());
    let event = step
        .event
        .filter(|_| tip.touchpoint.is_none())
        .map(|e| e.name(ir).to_string());
    let created = tip
        .created
        .clone()
        .filter(|_| tip.touchpoint.is_none() && tip.event.is_none());
    Trigger::When {
        criteria,
        condition,
        touchpoint,
        event,
        created,
        by: tip.by.clone(),
        line: tr.line,
    }
}

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
        let ir = self.ir();
        self.journey
            .facts
            .steps
            .iter()
            .map(|s| path_step(ir, s))
            .collect()
    }

    /// Each score by name, rounded to two decimals.
    pub fn scores(&self) -> impl Iterator<Item = (&'a str, Rounded)> + 'a {
        let ir = self.ir();
        ir.scores
            .iter()
            .zip(&self.journey.scores)
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
        let clauses = c
            .clauses
            .iter()
            .zip(&verdict.clauses)
            .map(|(clause, t)| (clause.label.as_str(), Tri(*t)))
            .collect();
        Some((Tri(verdict.met), clauses))
    }

    /// The ids of the contacts holding role `name`.
    pub fn role(&self, name: &str) -> Option<&'a [String]> {
        role_holders(self.ir(), self.journey.group.as_ref()?, name)
    }

    /// Every SLA instance, as written.
    pub fn slas(&self) -> Vec<SlaJson<'a>> {
        let ir = self.ir();
        self.journey
            .slas
            .iter()
            .map(|s| SlaJson::new(ir, s))
            .collect()
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
        out.serialize_field("criteria", &CriteriaJson(ir, j))?;
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
        let ir = self.policy.ir();
        self.journey
            .steps
            .iter()
            .map(|s| path_step(ir, s))
            .collect()
    }
}

impl Serialize for AccountJourneyView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let j = self.journey;
        let fields = 6 + usize::from(j.group.is_some());
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
        out.end()
    }
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

struct CriteriaJson<'a>(&'a Ir, &'a Journey);

impl Serialize for CriteriaJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (ir, j) = (self.0, self.1);
        let mut out = s.serialize_map(Some(ir.criteria.len()))?;
        for (c, verdict) in ir.criteria.iter().zip(&j.criteria) {
            let clauses = c
                .clauses
                .iter()
                .zip(&verdict.clauses)
                .map(|(clause, t)| (clause.label.as_str(), Tri(*t)))
                .collect();
            let result = CriteriaResult {
                met: Tri(verdict.met),
                clauses: Named(clauses),
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

/// One SLA instance of a contact, as the journey writes it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct SlaJson<'a> {
    /// The SLA's name.
    pub sla: &'a str,
    /// When it started.
    pub started: String,
    /// When it is due.
    pub due: String,
    /// Where it stands.
    pub status: SlaStatus,
    /// When it was met, if it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub met: Option<String>,
    /// Business hours from start to met, for an SLA counted in business
    /// time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elapsed_business_hours: Option<Rounded>,
    /// Hours past due when it was met late.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub late_by_hours: Option<Rounded>,
}

impl<'a> SlaJson<'a> {
    fn new(ir: &'a Ir, s: &SlaState) -> SlaJson<'a> {
        let inst = &s.instance;
        SlaJson {
            sla: ir.slas[inst.sla].name.as_str(),
            started: format_instant(inst.started),
            due: format_instant(inst.due),
            status: s.status,
            met: inst.met_at.map(format_instant),
            elapsed_business_hours: s.business_hours.map(Rounded::of),
            late_by_hours: inst
                .met_at
                .filter(|met| *met > inst.due)
                .map(|met| Rounded::of(met.saturating_sub(inst.due) as f64 / 3_600_000.0)),
        }
    }
}

/// A runtime problem as journeys and the report list it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct ProblemJson {
    /// Its stable code (R0xx).
    pub code: &'static str,
    /// What happened and what to change, in plain English.
    pub message: String,
}

impl ProblemJson {
    /// `p` with its sentence.
    pub fn new(ir: &Ir, p: &Runtime) -> ProblemJson {
        ProblemJson {
            code: p.code(),
            message: runtime_message(ir, p),
        }
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

/// A runtime problem with whose it is, as the API and the report list
/// them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct RuntimeProblemJson {
    /// The contact it is about, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    /// Its account, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Its stable code (R0xx).
    pub code: &'static str,
    /// What happened, in plain English.
    pub message: String,
}

impl RuntimeProblemJson {
    /// `p` with its sentence.
    pub fn new(ir: &Ir, p: &RuntimeProblem) -> RuntimeProblemJson {
        RuntimeProblemJson {
            contact: p.contact.clone(),
            account: p.account.clone(),
            code: p.problem.code(),
            message: runtime_message(ir, &p.problem),
        }
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
