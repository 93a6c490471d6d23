//! Journeys: the result for one contact (or account), typed. The report
//! layer writes them in the JSON shape of docs/engine.md (Journeys).

use crate::data::time::Instant;
use crate::ir::*;

use super::calendar::Calendar;
use super::parts::{Group, Marks, SlaState, SlaStatus, Verdict};
use super::problem::{Runtime, RuntimeProblem};
use super::state::{Cause, ItemKind, Life, Run, SlaInstance, Step, Touch};
use super::view::{View, Who};

/// One contact's journey, typed: stages, scores, criteria, roles and
/// SLAs by id. `report::journey` writes it as docs/engine.md shows, with
/// the names read from the policy it was worked out with.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Journey {
    /// The contact's id.
    pub contact: String,
    /// Its account's id; none for a contact without one.
    pub account: Option<String>,
    /// The stage the contact is in at the as-of time.
    pub stage: StageId,
    /// When it entered that stage.
    pub since: Instant,
    /// The furthest stage on the success path ever reached (a detour such
    /// as recycling does not erase it).
    pub highest: Option<StageId>,
    /// Each score at the as-of time, by [`ScoreId`].
    pub scores: Vec<f64>,
    /// Each criteria's verdict, by [`CriteriaId`].
    pub criteria: Vec<Verdict>,
    /// The account's buying group, when the policy has one.
    pub group: Option<Group>,
    /// Every SLA instance, in the order they were opened.
    pub slas: Vec<SlaState>,
    /// What went wrong in this contact's replay: a stop, a merge that
    /// could not be made.
    pub problems: Vec<Runtime>,
    /// The transitions that moved the contact, in order (for coverage).
    pub fired: Vec<TransitionId>,
    /// Criteria clauses that held when a `when` move fired (for coverage).
    pub held_at_moves: Vec<(CriteriaId, usize)>,
    /// What the reports read besides: every step, touch and event.
    pub facts: Facts,
}

/// The event behind a move, by type; the reserved rows go by their
/// reserved names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum EventOf {
    /// An event of a type the policy declares.
    Event(EventTypeId),
    /// A CRM update of the contact's fields.
    Update,
    /// A CRM update of the account's fields.
    AccountUpdate,
    /// A CRM update of a deal's fields.
    DealUpdate,
    /// A duplicate merged in.
    Merge,
    /// A move by hand in the CRM.
    SetStage,
}

impl EventOf {
    /// The event's name as the policy and the data write it.
    pub fn name(self, ir: &Ir) -> &str {
        match self {
            EventOf::Event(e) => ir.events[e].name.as_str(),
            EventOf::Update => "update",
            EventOf::AccountUpdate => "account_update",
            EventOf::DealUpdate => "deal_update",
            EventOf::Merge => "merge",
            EventOf::SetStage => "set_stage",
        }
    }

    /// The type of event `ev` (an index into `Histories::events`).
    pub fn of(histories: &crate::data::Histories, ev: usize) -> Option<EventOf> {
        use crate::data::EventKind;
        Some(match &histories.events.get(ev)?.kind {
            EventKind::Event { ty, .. } => EventOf::Event(*ty),
            EventKind::Update(_) => EventOf::Update,
            EventKind::AccountUpdate(_) => EventOf::AccountUpdate,
            EventKind::DealUpdate(_) => EventOf::DealUpdate,
            EventKind::Merge { .. } => EventOf::Merge,
            EventKind::SetStage(_) => EventOf::SetStage,
        })
    }
}

/// One stage entered, typed.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
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
    /// The event that moved it (`on`), or that made the instant of a
    /// `when` move.
    pub event: Option<EventOf>,
    /// What metrics' filters and dimensions read at the entry.
    pub marks: Marks,
}

/// What made the instant of a `when` move.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
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
    /// A subject linked to it moved (a deal's contact, a contact's deal).
    pub linked: bool,
}

/// What the reports read of a contact's journey: typed, not printed.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Facts {
    /// Every stage entered, in order.
    pub steps: Vec<StepFact>,
    /// Events that matched touchpoints, with the stage at the time.
    pub touches: Vec<Touch>,
    /// Scores at the first entry into each stage.
    pub scores_at_entry: Vec<(StageId, Vec<f64>)>,
    /// The contact's own events (indexes into `Histories::events`), in
    /// replay order, merged duplicates' included.
    pub events: Vec<usize>,
    /// The contact's fields as of the end of the replay.
    pub fields: Vec<Option<Value>>,
    /// (event, filter) for every metric `where` that held of one of the
    /// contact's events when it happened, sorted.
    pub filtered: Vec<(usize, FilterId)>,
    /// (event, each field dimension's value when it happened), sorted by
    /// event; empty when the policy cuts nothing by a field.
    pub event_dims: Vec<(usize, Vec<Option<Value>>)>,
}

/// One account's journey through the account lifecycle.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct AccountJourney {
    /// The account's id.
    pub account: String,
    /// The account's stage at the as-of time.
    pub stage: StageId,
    /// When it entered that stage.
    pub since: Instant,
    /// The furthest stage on the account's success path ever reached.
    pub highest: Option<StageId>,
    /// Every stage entered, in order.
    pub steps: Vec<StepFact>,
    /// The buying group, as in [`Journey::group`].
    pub group: Option<Group>,
    /// The transitions that moved the account, in order (for coverage).
    pub fired: Vec<TransitionId>,
    /// The instances of SLAs on account stages, in the order opened.
    pub slas: Vec<SlaState>,
    /// Each account score (`score NAME for account`) at the as-of time.
    pub scores: Vec<(ScoreId, f64)>,
}

impl Run<'_> {
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
                linked: false,
            },
            ItemKind::Linked => Tipped {
                linked: true,
                ..Tipped::default()
            },
            ItemKind::AccountEvent(ev) => Tipped {
                event: Some(ev),
                ..Tipped::default()
            },
        }
    }

    fn step_fact(&self, step: &Step, member: Option<usize>) -> StepFact {
        let tipped = match step.cause {
            Cause::When { item, .. } => self.tipped(item, member),
            _ => Tipped::default(),
        };
        let event = match step.cause {
            Cause::On { event, .. } => Some(event),
            _ => tipped.event,
        };
        StepFact {
            stage: step.stage,
            entered: step.entered,
            cause: step.cause.clone(),
            date_precision: step.date_precision,
            tipped,
            event: event.and_then(|ev| EventOf::of(self.histories, ev)),
            marks: step.marks.clone(),
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
            .ids()
            .map(|id| {
                view.members()
                    .filter(|m| view.has_role(*m, id))
                    .filter_map(|m| self.members.get(m).map(|x| x.id.clone()))
                    .collect()
            })
            .collect();
        Some(Group {
            roles,
            engaged: view.members().filter(|m| view.is_engaged(*m)).count(),
            qualified: view.group_qualified(),
        })
    }

    /// The calculations that had no value (R004), by member (none: the
    /// account's), in order of instant, then node.
    fn calculations_in_order(&self) -> Vec<(Option<usize>, Runtime)> {
        let mut noted = self.calculations.borrow().clone();
        noted.sort_by_key(|(w, n, at, _)| (*w, *at, *n));
        noted
            .into_iter()
            .map(|(w, node, at, by_zero)| (w, Runtime::Calculation { node, at, by_zero }))
            .collect()
    }

    fn steps(&self, life: &Life, member: Option<usize>) -> Vec<StepFact> {
        life.path
            .iter()
            .map(|s| self.step_fact(s, member))
            .collect()
    }

    /// Every member's journey at the end of the replay; `group` from
    /// [`Run::group`]. What the journeys keep of each member's replay (its
    /// touches, SLA instances, scores at entry, fields) is moved out of
    /// the run, not copied: this is the run's last use. It is moved only
    /// once every journey is worked out, as one member's journey can read
    /// a colleague's fields and SLAs (a role, `group.has`). Also returns
    /// the calculations that had no value (R004), taken last, once every
    /// value the journeys show has been worked out.
    pub fn into_journeys(
        mut self,
        as_of: Instant,
        group: &Option<Group>,
    ) -> (Vec<Journey>, Vec<RuntimeProblem>) {
        let mut out: Vec<(usize, Journey)> = (0..self.members.len())
            .filter_map(|m| Some((m, self.journey(m, as_of, group)?)))
            .collect();
        let (ir, calendar) = (self.policy.ir(), &self.calendar);
        let calculations = self.calculations_in_order();
        let problems = calculations
            .iter()
            .map(|(m, problem)| RuntimeProblem {
                contact: m.and_then(|m| self.members.get(m)).map(|x| x.id.clone()),
                account: self.account.clone(),
                problem: problem.clone(),
            })
            .collect();
        for (m, journey) in &mut out {
            journey.problems.extend(
                calculations
                    .iter()
                    .filter(|(w, ..)| *w == Some(*m))
                    .map(|(_, p)| p.clone()),
            );
            if let Some(member) = self.members.get_mut(*m) {
                let facts = &mut journey.facts;
                facts.touches = std::mem::take(&mut member.touches);
                for (touch, i) in facts.touches.iter_mut().zip(&member.touch_items) {
                    if let Some(tps) = self.touchpoints.get_mut(*i) {
                        touch.touchpoints = std::mem::take(tps);
                    }
                }
                journey.slas = std::mem::take(&mut member.slas)
                    .into_iter()
                    .map(|inst| sla_state(ir, calendar, inst, as_of))
                    .collect();
                facts.scores_at_entry = std::mem::take(&mut member.scores_at_entry);
                facts.fields = std::mem::take(&mut member.fields);
                facts.filtered = std::mem::take(&mut member.filtered);
                // Sorted, for the reports' binary search.
                facts.filtered.sort_unstable();
                facts.event_dims = std::mem::take(&mut member.event_dims);
                facts.event_dims.sort_by_key(|(ev, _)| *ev);
                journey.held_at_moves = std::mem::take(&mut member.held_at_moves);
            }
        }
        (out.into_iter().map(|(_, j)| j).collect(), problems)
    }

    /// Member `m`'s journey, without the facts [`Run::into_journeys`]
    /// moves in; none for a contact not yet in the CRM.
    fn journey(&self, m: usize, as_of: Instant, group: &Option<Group>) -> Option<Journey> {
        let model = self.policy.ir();
        let member = self.members.get(m)?;
        let life = member.life.as_ref()?;
        let view = View::new(self, Who::Contact(m), as_of);
        // Scores and criteria are about contacts: a deal has none.
        let contacts = self.lifecycle == Entity::Contact;
        let scores = model
            .scores
            .ids()
            .filter(|_| contacts)
            .map(|id| view.score(id))
            .collect();
        // Each criteria is a contact's or a deal's: the other's verdicts
        // stay empty, keeping the list by `CriteriaId`.
        let criteria = model
            .criteria
            .enumerate()
            .map(|(id, c)| {
                if c.entity != self.lifecycle {
                    return Verdict {
                        met: None,
                        clauses: Vec::new(),
                    };
                }
                let (met, clauses) = view.criteria_detail(id);
                Verdict { met, clauses }
            })
            .collect();
        // A deal's journey keeps the events only it has: one with a
        // contact is in that contact's journey, and counted there.
        let events = member
            .history
            .iter()
            .filter_map(|i| match self.timeline.get(*i).map(|t| t.what) {
                Some(ItemKind::Event(ev)) => Some(ev),
                _ => None,
            })
            .filter(|ev| {
                self.lifecycle == Entity::Contact
                    || self
                        .histories
                        .events
                        .get(*ev)
                        .is_some_and(|e| e.contact.is_none())
            })
            .collect();
        Some(Journey {
            contact: member.id.clone(),
            account: self.account.clone(),
            stage: life.stage,
            since: life.since,
            highest: life.highest,
            scores,
            criteria,
            group: group.clone(),
            slas: Vec::new(),
            problems: member.stopped.iter().cloned().collect(),
            fired: fired(life),
            held_at_moves: Vec::new(),
            facts: Facts {
                steps: self.steps(life, Some(m)),
                events,
                ..Facts::default()
            },
        })
    }

    /// The account's journey, when it has an account lifecycle; `group`
    /// from [`Run::group`].
    pub fn account_journey(&self, group: Option<Group>, as_of: Instant) -> Option<AccountJourney> {
        // An account exists from its first contact's creation: at an
        // as-of before it, none of its contacts has a journey, nor has it.
        if self.members.iter().all(|m| m.life.is_none()) {
            return None;
        }
        let account = self.account.clone()?;
        let life = self.account_life.as_ref()?;
        Some(AccountJourney {
            account,
            stage: life.stage,
            since: life.since,
            highest: life.highest,
            steps: self.steps(life, None),
            group,
            fired: fired(life),
            slas: self
                .account_slas
                .iter()
                .map(|inst| sla_state(self.policy.ir(), self.calendar, inst.clone(), as_of))
                .collect(),
            scores: {
                let view = View::new(self, Who::Account, as_of);
                self.policy
                    .ir()
                    .scores
                    .enumerate()
                    .filter(|(_, s)| s.entity == Entity::Account)
                    .map(|(id, _)| (id, view.score(id)))
                    .collect()
            },
        })
    }
}

/// Where SLA instance `inst` stands at `as_of`.
fn sla_state(ir: &Ir, calendar: &Calendar, inst: SlaInstance, as_of: Instant) -> SlaState {
    let business = matches!(
        ir.slas[inst.sla].within,
        Duration::BusinessHours(_) | Duration::BusinessDays(_)
    );
    SlaState {
        status: SlaStatus::of(&inst, as_of),
        business_hours: inst
            .met_at
            .filter(|_| business)
            .map(|met| calendar.business_hours_between(inst.started, met)),
        instance: inst,
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
