//! The state of one account's replay: its members, their stages and
//! histories, SLA instances, and the merged timeline.

use crate::compile::Policy;
use crate::data::Histories;
use crate::data::time::Instant;
use crate::ir::{
    CriteriaId, Duration, FilterId, NodeId, SlaId, StageId, TouchpointId, TransitionId, Value,
};

use super::calendar::Calendar;
use super::problem::Runtime;

/// One entry of an account's timeline.
#[derive(Debug, Clone)]
pub struct Item {
    pub at: Instant,
    pub member: usize,
    pub what: ItemKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    /// The contact comes into existence.
    Create,
    /// An event: index into `Histories::events`.
    Event(usize),
    /// A subject linked to the member moved (a deal's contact, a
    /// contact's deal): what `Node::Linked` reads may have changed.
    Linked,
    /// An event of one of the account's deals that names no contact: on
    /// the account's timeline only (its history, its lifecycle's `on`
    /// moves, its SLAs and scores), nobody's activity. `member` is unused.
    AccountEvent(usize),
}

impl ItemKind {
    /// The event this item applies, if it is one.
    pub fn event(self) -> Option<usize> {
        match self {
            ItemKind::Event(ev) | ItemKind::AccountEvent(ev) => Some(ev),
            ItemKind::Create | ItemKind::Linked => None,
        }
    }
}

/// What moved a contact or account into a stage.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Cause {
    /// Came into existence in its initial stage.
    Start,
    /// Started from a CRM snapshot's `stage`.
    Snapshot,
    /// `on EVENT`: the event (index into `Histories::events`).
    On {
        transition: TransitionId,
        event: usize,
    },
    /// `when CONDITION`, checked at an instant made by the timeline item
    /// `item` (an event or a contact's creation, possibly a colleague's),
    /// or by time passing.
    When {
        transition: TransitionId,
        item: Option<usize>,
    },
    /// `after D`.
    After { transition: TransitionId },
    /// A `set_stage` event.
    Manual { event: usize },
}

/// What a metric's `where` filters and `by` dimensions read at one
/// counted fact's instant (a stage entry, an SLA instance's start).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Marks {
    /// The stage-entry or SLA filters that held of it.
    pub filters: Vec<FilterId>,
    /// Each dimension's value then, by `DimensionId` (empty when the
    /// policy cuts nothing by a contact's or account's field).
    pub dims: Vec<Option<Value>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub stage: StageId,
    pub entered: Instant,
    pub cause: Cause,
    /// The instant was written as a date only.
    pub date_precision: bool,
    /// What metrics' filters and dimensions read at the entry.
    pub marks: Marks,
}

/// Where one contact (or the account) is in its lifecycle.
#[derive(Debug, Clone)]
pub struct Life {
    pub stage: StageId,
    pub since: Instant,
    /// Every stage ever entered, in the order first entered (a handful:
    /// a list is quicker to search than a map is to hash).
    pub entered: Vec<StageId>,
    /// Furthest success-path stage ever reached.
    pub highest: Option<StageId>,
    pub path: Vec<Step>,
    /// `after` transitions already checked during the current stay.
    pub after_checked: Vec<TransitionId>,
    /// Transitions fired at `fired_at`: each fires at most once per instant.
    pub fired: Vec<TransitionId>,
    pub fired_at: Instant,
}

impl Life {
    pub fn new(stage: StageId, since: Instant) -> Life {
        Life {
            stage,
            since,
            entered: Vec::new(),
            highest: None,
            path: Vec::new(),
            after_checked: Vec::new(),
            fired: Vec::new(),
            fired_at: i64::MIN,
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SlaInstance {
    pub sla: SlaId,
    pub started: Instant,
    pub due: Instant,
    pub met_at: Option<Instant>,
    pub cancelled_at: Option<Instant>,
    /// The check that opened it: that same check cannot meet it.
    pub opened_in: u64,
    /// What metrics' filters and dimensions read at its start.
    pub marks: Marks,
}

#[derive(Debug, Clone)]
pub struct Member {
    pub id: String,
    /// Index into `Histories::contacts`, when the contact has a record.
    pub record: Option<usize>,
    pub fields: Vec<Option<Value>>,
    pub created: Instant,
    pub exists: bool,
    pub life: Option<Life>,
    /// Timeline indexes of this contact's processed events.
    pub history: Vec<usize>,
    pub slas: Vec<SlaInstance>,
    /// Set when replay had to stop for this contact (a loop of moves).
    pub stopped: Option<Runtime>,
    /// Running totals of each score's `each` rules, by score (empty
    /// until the first event).
    pub tallies: Vec<Tally>,
    /// Criteria clauses that held when a `when` move fired, as
    /// (criteria, clause): test coverage counts these as well as the ones
    /// that hold at the end.
    pub held_at_moves: Vec<(CriteriaId, usize)>,
    /// Events that matched touchpoints, with the stage the contact was in
    /// when each happened (before any move it tipped): for the reports.
    pub touches: Vec<Touch>,
    /// The timeline index of each of `touches`: its touchpoints stay in
    /// `Run::touchpoints` (which the replay reads) until the journeys
    /// move them into the touches, not copied at every event.
    pub touch_items: Vec<usize>,
    /// Each score's value at the first entry into each stage, by stage:
    /// for score calibration.
    pub scores_at_entry: Vec<(StageId, Vec<f64>)>,
    /// (event, filter) for every metric `where` that held of one of the
    /// member's events as it happened.
    pub filtered: Vec<(usize, FilterId)>,
    /// (event, each field dimension's value then) for the member's
    /// events of declared types, when the policy cuts by a field.
    pub event_dims: Vec<(usize, Vec<Option<Value>>)>,
}

/// One event of a contact that matched touchpoints.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Touch {
    pub at: Instant,
    /// Index into `Histories::events`.
    pub event: usize,
    pub touchpoints: Vec<TouchpointId>,
    /// The contact's stage when it happened.
    pub stage: Option<StageId>,
}

/// The points each `each` rule of one score has earned so far, all
/// decayed to `at` (the last time the score earned any). Points are
/// earned as the event happens, like touchpoints, so a score is a sum of
/// running totals rather than a scan of the whole history at every check;
/// and the rules share their half-life, so one decay factor brings every
/// total to a later instant (one `exp2` per reading, not one per rule).
#[derive(Debug, Clone, Default)]
pub struct Tally {
    pub at: Instant,
    /// By rule (0 for a `when` rule).
    pub sums: Vec<f64>,
}

/// A calculation with no value: (member, or none for the account; the
/// node; the first instant; whether it divided by zero).
pub type Noted = (Option<usize>, NodeId, Instant, bool);

/// One account's replay.
pub struct Run<'a> {
    pub policy: &'a Policy,
    pub calendar: &'a Calendar,
    pub histories: &'a Histories,
    /// The lifecycle the members follow: the account's contacts, or (in
    /// the replay of an account's deals) its deals. A deal replays as a
    /// contact does: its fields, its own events, timers, SLAs.
    pub lifecycle: crate::ir::Entity,
    /// Each member's deal roles (`deal.has`), by role: a deal's contacts'
    /// roles (empty in a contact's replay).
    pub member_roles: Vec<Vec<usize>>,
    /// Each member's linked subjects (a deal's contacts, a contact's
    /// deals), each as the stages it entered, in order, with when.
    pub linked: Vec<Vec<Vec<(StageId, Instant)>>>,
    pub account: Option<String>,
    pub account_fields: Vec<Option<Value>>,
    /// In id order.
    pub members: Vec<Member>,
    pub timeline: Vec<Item>,
    /// Touchpoints each timeline event matched when it was processed.
    pub touchpoints: Vec<Vec<TouchpointId>>,
    /// Timeline items processed so far.
    pub processed: usize,
    /// Timeline indexes of every processed event of the account (any
    /// member's), oldest first: the account's history.
    pub account_history: Vec<usize>,
    pub account_life: Option<Life>,
    /// The instances of SLAs on account stages: one per account.
    pub account_slas: Vec<SlaInstance>,
    /// Counts check instants, to tell one check from another.
    pub check: u64,
    /// Try every member at every instant (for the tests that hold the
    /// shortcut to the design).
    pub check_everyone: bool,
    /// Each member's next timer as last worked out.
    pub timers: Vec<super::memo::Timer>,
    /// For each member, the timers of its conditions that colleagues'
    /// and the account's conditions read (roles, `engaged`).
    pub condition_timers: std::cell::RefCell<Vec<Vec<super::memo::ConditionTimer>>>,
    /// The check instant being worked on.
    pub instant: Instant,
    /// The as-of time the replay runs to.
    pub end: Instant,
    /// Values already worked out for the current state and instant.
    pub memo: std::cell::RefCell<super::memo::Memo>,
    /// How far the current timer search looks, and what is known there.
    pub horizon: Instant,
    pub memo_ahead: std::cell::RefCell<super::memo::Memo>,
    /// Values at the end of the replay (`end`), where a buying-group
    /// condition's timer search looks for its flip (see
    /// `timers::kept_soonest`).
    pub memo_end: std::cell::RefCell<super::memo::Memo>,
    /// Values that read only fields (`compile::steady`), kept until a
    /// field changes.
    pub memo_steady: std::cell::RefCell<super::memo::Memo>,
    /// Calendar sums already worked out.
    pub added: std::cell::RefCell<super::memo::Added>,
    /// Calculations that had no value though their operands had one.
    pub calculations: std::cell::RefCell<Vec<Noted>>,
    /// Lists every check instant fills and empties, kept between
    /// instants so that they are allocated once per replay.
    pub scratch: Scratch,
}

/// Working lists of one check instant (see `Run::scratch`).
#[derive(Debug, Default)]
pub struct Scratch {
    /// The members to try, in order.
    pub order: Vec<usize>,
    /// Points an event earns: (score, rule, points, half-life).
    pub earned: Vec<(usize, usize, f64, Option<crate::ir::Duration>)>,
    /// An event's SLA decisions: (instance, cancelled, met).
    pub decisions: Vec<(usize, bool, bool)>,
    /// The SLAs an event starts.
    pub starts: Vec<usize>,
    /// The room of a timer search's table of colleagues' answers.
    pub shared: Vec<Option<Option<Instant>>>,
}

impl Run<'_> {
    /// The replay's state changed: nothing remembered still holds.
    pub fn changed(&mut self) {
        self.memo.get_mut().forget();
        self.memo_ahead.get_mut().forget();
        self.memo_end.get_mut().forget();
    }

    /// A new check instant: remembered values were for another.
    pub fn at_instant(&mut self, now: Instant) {
        self.instant = now;
        self.changed();
    }

    /// The timer search looks as far as `horizon` (the next event): values
    /// there are remembered too, as every member's decaying scores are
    /// compared there.
    pub fn look_ahead_to(&mut self, horizon: Instant) {
        if self.horizon != horizon {
            self.horizon = horizon;
            self.memo_ahead.get_mut().forget();
        }
    }
}

impl Run<'_> {
    /// `at` plus `d` in the policy's calendar.
    pub fn add_time(&self, at: Instant, d: Duration) -> Instant {
        if let Duration::Minutes(m) = d {
            return at.saturating_add(m.saturating_mul(60_000));
        }
        if let Some(sum) = self.added.borrow().recall(at, d) {
            return sum;
        }
        let sum = self.calendar.add(at, d);
        self.added.borrow_mut().keep(at, d, sum);
        sum
    }
}
