//! Journeys: the result for one contact (or account), in the JSON shape of
//! docs/engine.md (Journeys), with a stable key order.

use serde::Serialize;

use crate::data::time::{Instant, format_instant};
use crate::ir::*;

use super::parts::{
    CriteriaResult, Group, Named, PathStep, Rounded, SlaResult, SlaStatus, Tri, Trigger,
};
use super::state::{Cause, ItemKind, Life, Run, SlaInstance, Step, Touch};
use super::view::{View, Who};

/// The policy a journey was worked out with, so that every decision can
/// be traced to the exact rules.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[non_exhaustive]
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
#[non_exhaustive]
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
    /// "label"}` as docs/engine.md shows.
    pub path: Vec<PathStep>,
    /// Each score at the as-of time, by name, rounded to two decimals.
    pub scores: Named<Rounded>,
    /// Each criteria by name: `{"met": true|false|"unknown", "clauses":
    /// {label: true|false|"unknown"}}`.
    pub criteria: Named<CriteriaResult>,
    /// The account's buying group (`roles`, `engaged`, `qualified`), when
    /// the policy has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<Group>,
    /// Every SLA instance: `sla`, `started`, `due`, `status` (`open`,
    /// `met`, `breached`, `overdue`, `cancelled`) and, once met, `met`.
    pub slas: Vec<SlaResult>,
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
#[non_exhaustive]
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
#[non_exhaustive]
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
#[non_exhaustive]
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
    /// (event, filter) for every metric `where` that held of one of the
    /// contact's events when it happened, in replay order.
    pub filtered: Vec<(usize, FilterId)>,
}

/// One account's journey through the account lifecycle.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[non_exhaustive]
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
    pub path: Vec<PathStep>,
    /// The buying group, as in [`Journey::group`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<Group>,
    /// The transitions that moved the account, in order (for coverage).
    #[serde(skip)]
    pub fired: Vec<TransitionId>,
    /// Every stage entered, typed, for the reports' account metrics.
    #[serde(skip)]
    pub steps: Vec<StepFact>,
}

/// An event's type name; reserved rows go by their reserved names, so a
/// move tipped by a CRM field update says so instead of naming nothing.
pub fn event_name(model: &Ir, histories: &crate::data::Histories, ev: usize) -> Option<String> {
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
        self.policy.ir().stage_name(s).to_string()
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

    fn path_step(&self, step: &StepFact) -> PathStep {
        let model = self.policy.ir();
        let transition = |t: &TransitionId| model.transitions.get(t.index());
        let event_name = |ev: usize| event_name(model, self.histories, ev);
        let trigger = match &step.cause {
            Cause::Start => None,
            Cause::Snapshot => Some(Trigger::Snapshot),
            Cause::On {
                transition: t,
                event,
            } => transition(t).map(|tr| Trigger::On {
                event: event_name(*event),
                at: format_instant(step.entered),
                line: tr.line,
            }),
            Cause::When { transition: t, .. } => transition(t).map(|tr| {
                let criteria_read = match &tr.trigger {
                    TriggerRule::When(c) => match &model.nodes[*c] {
                        Node::Criteria(c) => Some(*c),
                        _ => None,
                    },
                    _ => None,
                };
                let (criteria, condition) = match criteria_read {
                    Some(c) => (model.criteria.get(c.index()).map(|x| x.name.clone()), None),
                    None => (None, Some(tr.text.trim_start_matches("when ").to_string())),
                };
                // What made this check instant: the touchpoint when it is
                // one, else the event, else a contact's creation; and whose
                // it was when a colleague's activity moved this contact.
                let tip = &step.tipped;
                let touchpoint = tip
                    .touchpoint
                    .and_then(|tp| model.touchpoints.get(tp.index()))
                    .map(|x| x.name.clone());
                let event = tip
                    .event
                    .filter(|_| tip.touchpoint.is_none())
                    .and_then(event_name);
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
            }),
            Cause::After { transition: t } => transition(t).map(|tr| Trigger::After {
                duration: tr.text.trim_start_matches("after ").to_string(),
                line: tr.line,
            }),
            Cause::Manual { .. } => Some(Trigger::Manual),
        };
        let label = match &step.cause {
            Cause::On { transition: t, .. }
            | Cause::When { transition: t, .. }
            | Cause::After { transition: t } => transition(t).and_then(|tr| tr.label.clone()),
            _ => None,
        };
        PathStep {
            stage: self.stage_name(step.stage),
            entered: format_instant(step.entered),
            trigger,
            label,
            date_precision: step.date_precision,
        }
    }

    /// The account's buying group at `as_of` (the same for every member
    /// and for the account), when the policy has one.
    pub fn group(&self, as_of: Instant) -> Option<Group> {
        let model = self.policy.ir();
        model.buying_group.as_ref()?;
        let view = View::new(self, Who::Account, as_of);
        let roles = model
            .roles
            .iter()
            .zip(RoleId::all(model.roles.len()))
            .map(|(r, id)| {
                let holders = view
                    .members()
                    .filter(|m| view.has_role(*m, id))
                    .filter_map(|m| self.members.get(m).map(|x| x.id.clone()))
                    .collect();
                (r.name.clone(), holders)
            })
            .collect();
        Some(Group {
            roles: Named(roles),
            engaged: view.members().filter(|m| view.is_engaged(*m)).count(),
            qualified: Tri(view.group_qualified()),
        })
    }

    fn life_parts(
        &self,
        life: &Life,
        member: Option<usize>,
    ) -> (String, String, Option<String>, Vec<PathStep>, Vec<StepFact>) {
        let steps: Vec<StepFact> = life
            .path
            .iter()
            .map(|s| self.step_fact(s, member))
            .collect();
        (
            self.stage_name(life.stage),
            format_instant(life.since),
            life.highest.map(|h| self.stage_name(h)),
            steps.iter().map(|s| self.path_step(s)).collect(),
            steps,
        )
    }

    /// Every member's journey at the end of the replay; `group` from
    /// [`Run::group`]. What the journeys keep of each member's replay (its
    /// touches, SLA instances, scores at entry, fields) is moved out of
    /// the run, not copied: this is the run's last use. It is moved only
    /// once every journey is worked out, as one member's journey can read
    /// a colleague's fields and SLAs (a role, `group.has`).
    pub fn into_journeys(
        mut self,
        as_of: Instant,
        policy: &PolicyRef,
        group: &Option<Group>,
    ) -> Vec<Journey> {
        let mut out: Vec<(usize, Journey)> = (0..self.members.len())
            .filter_map(|m| Some((m, self.journey(m, as_of, policy, group)?)))
            .collect();
        for (m, journey) in &mut out {
            if let Some(member) = self.members.get_mut(*m) {
                let facts = &mut journey.facts;
                facts.touches = std::mem::take(&mut member.touches);
                for (touch, i) in facts.touches.iter_mut().zip(&member.touch_items) {
                    if let Some(tps) = self.touchpoints.get_mut(*i) {
                        touch.touchpoints = std::mem::take(tps);
                    }
                }
                facts.slas = std::mem::take(&mut member.slas);
                facts.scores_at_entry = std::mem::take(&mut member.scores_at_entry);
                facts.fields = std::mem::take(&mut member.fields);
                facts.filtered = std::mem::take(&mut member.filtered);
                // Sorted, for the reports' binary search.
                facts.filtered.sort_unstable();
                journey.held_at_moves = std::mem::take(&mut member.held_at_moves);
            }
        }
        out.into_iter().map(|(_, j)| j).collect()
    }

    /// Member `m`'s journey, without the facts [`Run::into_journeys`]
    /// moves in; none for a contact not yet in the CRM.
    fn journey(
        &self,
        m: usize,
        as_of: Instant,
        policy: &PolicyRef,
        group: &Option<Group>,
    ) -> Option<Journey> {
        let model = self.policy.ir();
        let member = self.members.get(m)?;
        let life = member.life.as_ref()?;
        let view = View::new(self, Who::Contact(m), as_of);
        let (stage, since, highest, path, steps) = self.life_parts(life, Some(m));
        let scores = model
            .scores
            .iter()
            .zip(ScoreId::all(model.scores.len()))
            .map(|(s, id)| {
                let value = view.score(id);
                (s.name.clone(), Rounded::of(value))
            })
            .collect();
        let criteria = model
            .criteria
            .iter()
            .zip(CriteriaId::all(model.criteria.len()))
            .map(|(c, id)| {
                let (met, clauses) = view.criteria_detail(id);
                let clauses = c
                    .clauses
                    .iter()
                    .zip(clauses)
                    .map(|(clause, t)| (clause.label.clone(), Tri(t)))
                    .collect();
                let result = CriteriaResult {
                    met: Tri(met),
                    clauses: Named(clauses),
                };
                (c.name.clone(), result)
            })
            .collect();
        let slas = member
            .slas
            .iter()
            .map(|inst| self.sla_result(inst, as_of))
            .collect();
        let fired = fired(life);
        let events = member
            .history
            .iter()
            .filter_map(|i| match self.timeline.get(*i).map(|t| t.what) {
                Some(ItemKind::Event(ev)) => Some(ev),
                _ => None,
            })
            .collect();
        Some(Journey {
            contact: member.id.clone(),
            account: self.account.clone(),
            policy: policy.clone(),
            stage,
            since,
            highest,
            path,
            scores: Named(scores),
            criteria: Named(criteria),
            group: group.clone(),
            slas,
            problem: member.stopped.clone(),
            fired,
            held_at_moves: Vec::new(),
            facts: Facts {
                steps,
                events,
                ..Facts::default()
            },
        })
    }

    /// One SLA instance of a member as the journey writes it.
    fn sla_result(&self, inst: &SlaInstance, as_of: Instant) -> SlaResult {
        let sla = self.policy.ir().slas.get(inst.sla.index());
        let business = sla.is_some_and(|s| {
            matches!(
                s.within,
                Duration::BusinessHours(_) | Duration::BusinessDays(_)
            )
        });
        SlaResult {
            sla: sla.map(|s| s.name.clone()),
            started: format_instant(inst.started),
            due: format_instant(inst.due),
            status: SlaStatus::of(inst, as_of),
            met: inst.met_at.map(format_instant),
            elapsed_business_hours: inst
                .met_at
                .filter(|_| business)
                .map(|met| Rounded::of(self.calendar.business_hours_between(inst.started, met))),
            late_by_hours: inst
                .met_at
                .filter(|met| *met > inst.due)
                .map(|met| Rounded::of((met - inst.due) as f64 / 3_600_000.0)),
        }
    }

    /// The account's journey, when it has an account lifecycle; `group`
    /// from [`Run::group`].
    pub fn account_journey(
        &self,
        policy: &PolicyRef,
        group: Option<Group>,
    ) -> Option<AccountJourney> {
        // An account exists from its first contact's creation: at an
        // as-of before it, none of its contacts has a journey, nor has it.
        if self.members.iter().all(|m| m.life.is_none()) {
            return None;
        }
        let account = self.account.clone()?;
        let life = self.account_life.as_ref()?;
        let (stage, since, highest, path, steps) = self.life_parts(life, None);
        Some(AccountJourney {
            account,
            policy: policy.clone(),
            stage,
            since,
            highest,
            path,
            group,
            fired: fired(life),
            steps,
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
