//! Journeys: the result for one contact (or account), in the JSON shape of
//! ENGINE.md §2, with a stable key order.

use serde::Serialize;
use serde_json::{Map, Value as Json, json};

use crate::check::model::*;
use crate::data::time::{Instant, format_instant};

use super::state::{Cause, ItemKind, Life, Run, SlaInstance, Step, Touch};
use super::view::{Truth, View, Who};

/// The policy a journey was worked out with, so that every decision can
/// be traced to the exact rules.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PolicyRef {
    /// The policy's name, from `policy "..." { }`.
    pub name: String,
    /// Its `version`, if it has one.
    pub version: Option<u64>,
    /// `sha256:` and the hex digest of the policy's source text.
    pub hash: String,
}

/// One contact's journey.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Journey {
    /// The contact's id.
    pub contact: String,
    /// Its account's id; none for a contact without one.
    pub account: Option<String>,
    /// The policy that produced this journey.
    pub policy: PolicyRef,
    /// The stage the contact is in at the as-of time.
    pub stage: String,
    /// When it entered that stage, as `2026-03-04T11:20:00Z`.
    pub since: String,
    /// The furthest stage on the success path ever reached (a detour such
    /// as recycling does not erase it).
    pub highest: Option<String>,
    /// Every stage entered, in order: `{"stage", "entered", "trigger",
    /// "label"}` as in ENGINE.md §2.
    pub path: Vec<Json>,
    /// Each score at the as-of time, by name, rounded to two decimals.
    pub scores: Map<String, Json>,
    /// Each criteria by name: `{"met": true|false|"unknown", "clauses":
    /// {label: true|false|"unknown"}}`.
    pub criteria: Map<String, Json>,
    /// The account's buying group (`roles`, `engaged`, `qualified`), when
    /// the policy has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<Json>,
    /// Every SLA instance: `sla`, `started`, `due`, `status` (`open`,
    /// `met`, `breached`, `overdue`, `cancelled`) and, once met, `met`.
    pub slas: Vec<Json>,
    /// Why the replay stopped for this contact, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// The transitions that moved the contact, in order (for coverage).
    #[serde(skip)]
    pub fired: Vec<TransitionId>,
    /// Criteria clauses that held when a `when` move fired (for coverage).
    #[serde(skip)]
    pub held_at_moves: Vec<(CriteriaId, usize)>,
    /// The same journey, typed, for the reports.
    #[serde(skip)]
    pub facts: Facts,
}

/// One stage entered, typed.
#[derive(Debug, Clone, PartialEq)]
pub struct StepFact {
    /// The stage entered.
    pub stage: StageId,
    /// When.
    pub entered: Instant,
    /// What moved the contact there.
    pub cause: Cause,
    /// The instant was written as a date only.
    pub date_precision: bool,
    /// For a `when` move: what made its instant.
    pub tipped: Tipped,
}

/// What made the instant of a `when` move.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tipped {
    /// The touchpoint the tipping event matched, if any.
    pub touchpoint: Option<TouchpointId>,
    /// Index into `Histories::events`.
    pub event: Option<usize>,
    /// The contact whose arrival in the CRM it was.
    pub created: Option<String>,
    /// The colleague whose event it was, when not the contact's own.
    pub by: Option<String>,
}

/// What the reports read of a contact's journey: typed, not printed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    /// Every stage entered, in order.
    pub steps: Vec<StepFact>,
    /// Events that matched touchpoints, with the stage at the time.
    pub touches: Vec<Touch>,
    /// Every SLA instance opened for the contact.
    pub slas: Vec<SlaInstance>,
    /// Scores at the first entry into each stage.
    pub scores_at_entry: Vec<(StageId, Vec<f64>)>,
    /// The contact's own events (indexes into `Histories::events`), in
    /// replay order, merged duplicates' included.
    pub events: Vec<usize>,
    /// The contact's fields as of the end of the replay.
    pub fields: Vec<Option<Value>>,
}

/// One account's journey through the account lifecycle.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AccountJourney {
    /// The account's id.
    pub account: String,
    /// The policy that produced this journey.
    pub policy: PolicyRef,
    /// The account's stage at the as-of time.
    pub stage: String,
    /// When it entered that stage.
    pub since: String,
    /// The furthest stage on the account's success path ever reached.
    pub highest: Option<String>,
    /// Every stage entered, in order, as in [`Journey::path`].
    pub path: Vec<Json>,
    /// The buying group, as in [`Journey::group`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<Json>,
    /// The transitions that moved the account, in order (for coverage).
    #[serde(skip)]
    pub fired: Vec<TransitionId>,
}

/// A three-valued truth as the journey JSON writes it: `true`, `false`
/// or `"unknown"`.
pub fn truth_json(t: Truth) -> Json {
    match t {
        Some(b) => Json::Bool(b),
        None => Json::String("unknown".into()),
    }
}

/// Scores are shown rounded to two decimals.
pub fn round2(x: f64) -> Json {
    let r = (x * 100.0).round() / 100.0;
    serde_json::Number::from_f64(r).map_or(Json::Null, |n| {
        // Whole numbers print without a fraction, like the design's `35`.
        if r.fract() == 0.0 && r.abs() < 1e15 {
            Json::Number(serde_json::Number::from(r as i64))
        } else {
            Json::Number(n)
        }
    })
}

/// An event's type name; reserved rows go by their reserved names, so a
/// move tipped by a CRM field update says so instead of naming nothing.
pub fn event_name(model: &Model, histories: &crate::data::Histories, ev: usize) -> Option<String> {
    use crate::data::EventKind;
    match histories.events.get(ev).map(|e| &e.kind) {
        Some(EventKind::Event { ty, .. }) => model.events.get(ty.index()).map(|e| e.name.clone()),
        Some(EventKind::Update(_)) => Some("update".into()),
        Some(EventKind::AccountUpdate(_)) => Some("account_update".into()),
        Some(EventKind::Merge { .. }) => Some("merge".into()),
        Some(EventKind::SetStage(_)) => Some("set_stage".into()),
        None => None,
    }
}

impl Run<'_> {
    fn stage_name(&self, s: StageId) -> String {
        self.policy
            .model()
            .stages
            .get(s.index())
            .map(|x| x.name.clone())
            .unwrap_or_default()
    }

    /// What made the instant of a `when` move, resolved out of the
    /// replay's timeline.
    fn tipped(&self, item: Option<usize>, member: Option<usize>) -> Tipped {
        let Some((i, it)) = item.and_then(|i| self.timeline.get(i).map(|it| (i, it))) else {
            return Tipped::default();
        };
        let id = |m: usize| self.members.get(m).map(|x| x.id.clone());
        match it.what {
            ItemKind::Create => Tipped {
                created: id(it.member),
                ..Tipped::default()
            },
            ItemKind::Event(ev) => Tipped {
                touchpoint: self.touchpoints.get(i).and_then(|t| t.first()).copied(),
                event: Some(ev),
                created: None,
                by: (Some(it.member) != member).then(|| id(it.member)).flatten(),
            },
        }
    }

    fn step_fact(&self, step: &Step, member: Option<usize>) -> StepFact {
        StepFact {
            stage: step.stage,
            entered: step.entered,
            cause: step.cause.clone(),
            date_precision: step.date_precision,
            tipped: match step.cause {
                Cause::When { item, .. } => self.tipped(item, member),
                _ => Tipped::default(),
            },
        }
    }

    fn step_json(&self, step: &StepFact) -> Json {
        let model = self.policy.model();
        let mut o = Map::new();
        o.insert("stage".into(), Json::from(self.stage_name(step.stage)));
        o.insert("entered".into(), Json::from(format_instant(step.entered)));
        let transition = |t: &TransitionId| model.transitions.get(t.index());
        let event_name = |ev: usize| event_name(model, self.histories, ev);
        let trigger = match &step.cause {
            Cause::Start => None,
            Cause::Snapshot => Some(json!({"kind": "snapshot"})),
            Cause::On { transition: t, event } => transition(t).map(|tr| {
                let mut m = Map::new();
                m.insert("kind".into(), Json::from("on"));
                m.insert("event".into(), Json::from(event_name(*event)));
                m.insert("at".into(), Json::from(format_instant(step.entered)));
                m.insert("line".into(), Json::from(tr.line));
                Json::Object(m)
            }),
            Cause::When { transition: t, .. } => transition(t).map(|tr| {
                let mut m = Map::new();
                m.insert("kind".into(), Json::from("when"));
                if let TriggerRule::When(Expr::Criteria(c)) = &tr.trigger {
                    m.insert("criteria".into(), Json::from(model.criteria.get(c.index()).map(|x| x.name.clone())));
                } else {
                    m.insert("condition".into(), Json::from(tr.text.trim_start_matches("when ")));
                }
                // What made this check instant: the touchpoint when it is
                // one, else the event, else a contact's creation; and whose
                // it was when a colleague's activity moved this contact.
                let tip = &step.tipped;
                if let Some(tp) = tip.touchpoint {
                    m.insert("touchpoint".into(), Json::from(model.touchpoints.get(tp.index()).map(|x| x.name.clone())));
                } else if let Some(ev) = tip.event {
                    m.insert("event".into(), Json::from(event_name(ev)));
                } else if let Some(c) = &tip.created {
                    m.insert("created".into(), Json::from(c.as_str()));
                }
                if let Some(by) = &tip.by {
                    m.insert("by".into(), Json::from(by.as_str()));
                }
                m.insert("line".into(), Json::from(tr.line));
                Json::Object(m)
            }),
            Cause::After { transition: t } => transition(t).map(|tr| json!({"kind": "after", "duration": tr.text.trim_start_matches("after "), "line": tr.line})),
            Cause::Manual { .. } => Some(json!({"kind": "manual"})),
        };
        if let Some(t) = trigger {
            o.insert("trigger".into(), t);
        }
        if let Cause::On { transition: t, .. }
        | Cause::When { transition: t, .. }
        | Cause::After { transition: t } = &step.cause
            && let Some(label) = transition(t).and_then(|tr| tr.label.clone())
        {
            o.insert("label".into(), Json::from(label));
        }
        if step.date_precision {
            o.insert("date_precision".into(), Json::from(true));
        }
        Json::Object(o)
    }

    /// The account's buying group at `as_of` (the same for every member
    /// and for the account), when the policy has one.
    pub fn group_json(&self, as_of: Instant) -> Option<Json> {
        let model = self.policy.model();
        model.buying_group.as_ref()?;
        let view = View::new(self, Who::Account, as_of);
        let mut roles = Map::new();
        for (i, r) in model.roles.iter().enumerate() {
            let holders: Vec<Json> = view
                .members()
                .filter(|m| view.has_role(*m, RoleId::from_index(i)))
                .filter_map(|m| self.members.get(m).map(|x| Json::from(x.id.as_str())))
                .collect();
            roles.insert(r.name.clone(), Json::Array(holders));
        }
        let engaged = view.members().filter(|m| view.is_engaged(*m)).count();
        let mut group = Map::new();
        group.insert("roles".into(), Json::Object(roles));
        group.insert("engaged".into(), Json::from(engaged));
        group.insert("qualified".into(), truth_json(view.group_qualified()));
        Some(Json::Object(group))
    }

    fn life_parts(
        &self,
        life: &Life,
        member: Option<usize>,
    ) -> (String, String, Option<String>, Vec<Json>, Vec<StepFact>) {
        let steps: Vec<StepFact> = life
            .path
            .iter()
            .map(|s| self.step_fact(s, member))
            .collect();
        (
            self.stage_name(life.stage),
            format_instant(life.since),
            life.highest.map(|h| self.stage_name(h)),
            steps.iter().map(|s| self.step_json(s)).collect(),
            steps,
        )
    }

    /// Every member's journey at the end of the replay; `group` from
    /// [`Run::group_json`].
    pub fn journeys(
        &self,
        as_of: Instant,
        policy: &PolicyRef,
        group: &Option<Json>,
    ) -> Vec<Journey> {
        let model = self.policy.model();
        let mut out = Vec::with_capacity(self.members.len());
        for (m, member) in self.members.iter().enumerate() {
            let Some(life) = &member.life else { continue };
            let view = View::new(self, Who::Contact(m), as_of);
            let (stage, since, highest, path, steps) = self.life_parts(life, Some(m));
            let mut scores = Map::new();
            for (i, s) in model.scores.iter().enumerate() {
                scores.insert(s.name.clone(), round2(view.score(ScoreId::from_index(i))));
            }
            let mut criteria = Map::new();
            for (i, c) in model.criteria.iter().enumerate() {
                let (met, clauses) = view.criteria_detail(CriteriaId::from_index(i));
                let mut cl = Map::new();
                for (clause, t) in c.clauses.iter().zip(clauses) {
                    cl.insert(clause.label.clone(), truth_json(t));
                }
                let mut detail = Map::new();
                detail.insert("met".into(), truth_json(met));
                detail.insert("clauses".into(), Json::Object(cl));
                criteria.insert(c.name.clone(), Json::Object(detail));
            }
            let slas = member
                .slas
                .iter()
                .map(|inst| {
                    let sla = model.slas.get(inst.sla.index());
                    let status = match (inst.met_at, inst.cancelled_at) {
                        (_, Some(_)) => "cancelled",
                        (Some(met), None) if met <= inst.due => "met",
                        (Some(_), None) => "breached",
                        (None, None) if as_of > inst.due => "overdue",
                        (None, None) => "open",
                    };
                    let mut o = Map::new();
                    o.insert("sla".into(), Json::from(sla.map(|s| s.name.clone())));
                    o.insert("started".into(), Json::from(format_instant(inst.started)));
                    o.insert("due".into(), Json::from(format_instant(inst.due)));
                    o.insert("status".into(), Json::from(status));
                    if let Some(met) = inst.met_at {
                        o.insert("met".into(), Json::from(format_instant(met)));
                        if sla.is_some_and(|s| {
                            matches!(
                                s.within,
                                Duration::BusinessHours(_) | Duration::BusinessDays(_)
                            )
                        }) {
                            o.insert(
                                "elapsed_business_hours".into(),
                                round2(self.calendar.business_hours_between(inst.started, met)),
                            );
                        }
                        if met > inst.due {
                            o.insert(
                                "late_by_hours".into(),
                                round2((met - inst.due) as f64 / 3_600_000.0),
                            );
                        }
                    }
                    Json::Object(o)
                })
                .collect();
            out.push(Journey {
                contact: member.id.clone(),
                account: self.account.clone(),
                policy: policy.clone(),
                stage,
                since,
                highest,
                path,
                scores,
                criteria,
                group: group.clone(),
                slas,
                problem: member.stopped.clone(),
                fired: fired(life),
                held_at_moves: member.held_at_moves.clone(),
                facts: Facts {
                    steps,
                    touches: member.touches.clone(),
                    slas: member.slas.clone(),
                    scores_at_entry: member.scores_at_entry.clone(),
                    events: member
                        .history
                        .iter()
                        .filter_map(|i| match self.timeline.get(*i).map(|t| t.what) {
                            Some(ItemKind::Event(ev)) => Some(ev),
                            _ => None,
                        })
                        .collect(),
                    fields: member.fields.clone(),
                },
            });
        }
        out
    }

    /// The account's journey, when it has an account lifecycle; `group`
    /// from [`Run::group_json`].
    pub fn account_journey(
        &self,
        policy: &PolicyRef,
        group: Option<Json>,
    ) -> Option<AccountJourney> {
        let account = self.account.clone()?;
        let life = self.account_life.as_ref()?;
        let (stage, since, highest, path, _) = self.life_parts(life, None);
        Some(AccountJourney {
            account,
            policy: policy.clone(),
            stage,
            since,
            highest,
            path,
            group,
            fired: fired(life),
        })
    }
}

fn fired(life: &Life) -> Vec<TransitionId> {
    life.path
        .iter()
        .filter_map(|s| match &s.cause {
            Cause::On { transition, .. }
            | Cause::When { transition, .. }
            | Cause::After { transition } => Some(*transition),
            _ => None,
        })
        .collect()
}
