//! What a report keeps of a replay: the journeys, and of each event only
//! what a report reads (its instant, type, deal, and the few fields a
//! figure, a segment, attribution or a drop-out reason reads), so that a
//! replay read a batch of accounts at a time can be kept whole without
//! keeping its rows.
//!
//! A [`Replayed`] grows by [`Replayed::append`], one batch's replay at a
//! time, and is sorted once by [`Replayed::finish`]. Batches of complete
//! accounts, appended in the order of the events file, number the events
//! as one load of the whole file does, so a report built from them is
//! byte for byte the report of the whole file (`tests/it/batches.rs`).
//!
//! Memory: 24 bytes per event (plus 40 per field a report reads),
//! and of each journey what a report reads (its path, touches, SLA
//! instances, the indexes of its events and the marks its metrics
//! read); a journey's fields, scores and criteria at the end, buying
//! group and coverage are dropped.

use std::sync::Arc;

use crate::compile::Policy;
use crate::data::Histories;
use crate::data::time::Instant;
use crate::eval::state::Cause;
use crate::eval::{AccountJourney, Evaluation, Journey, StepFact};

use super::events::Events;
use super::running::Running;

/// The journeys of a replay and the events they point at.
#[derive(Debug, Clone)]
pub struct Replayed {
    pub eval: Evaluation,
    /// Shared, so that a diff's second replay can keep only the rows
    /// that differ from the first's ([`Events::following`]).
    pub events: Arc<Events>,
    /// The sections counted batch by batch as the replay was read, when
    /// it was read in batches for a report ([`Running`]).
    pub running: Option<Running>,
}

impl Replayed {
    /// A replay of the whole data at once.
    pub fn whole(policy: &Policy, histories: &Histories, eval: Evaluation) -> Replayed {
        let mut eval = eval;
        eval.journeys.iter_mut().for_each(trim);
        eval.deals.iter_mut().for_each(trim);
        eval.accounts.iter_mut().for_each(trim_account);
        let mut replayed = Replayed {
            events: Arc::new(Events::of(policy.ir(), histories)),
            eval,
            running: None,
        };
        replayed.finish();
        replayed
    }

    /// Nothing replayed yet, up to `as_of`; its events share what they
    /// have in common with `follow`'s.
    pub fn empty(policy: &Policy, as_of: Instant, follow: Option<&Arc<Events>>) -> Replayed {
        Replayed {
            eval: Evaluation {
                as_of,
                journeys: Vec::new(),
                accounts: Vec::new(),
                deals: Vec::new(),
                problems: Vec::new(),
            },
            events: Arc::new(match follow {
                Some(first) => Events::following(policy.ir(), first),
                None => Events::new(policy.ir()),
            }),
            running: None,
        }
    }

    /// Reserves room for the journeys of `contacts` contacts and
    /// `accounts` accounts, once: the journeys kept are most of a
    /// report's memory after the events, and a vector grown by doubling
    /// holds up to twice as much, copying itself at each step.
    pub fn reserve(&mut self, contacts: usize, accounts: usize) {
        let eval = &mut self.eval;
        if eval.journeys.capacity() < contacts {
            eval.journeys
                .reserve_exact(contacts.saturating_sub(eval.journeys.len()));
        }
        if eval.accounts.capacity() < accounts {
            eval.accounts
                .reserve_exact(accounts.saturating_sub(eval.accounts.len()));
        }
    }

    /// Adds one batch of complete accounts, replayed on its own; its
    /// events are numbered after those of the batches before.
    pub fn append(&mut self, histories: &Histories, eval: Evaluation) {
        let base = self.events.len();
        Arc::make_mut(&mut self.events).extend(histories);
        self.append_journeys(eval, &mut |e| *e += base);
    }

    /// [`Replayed::append`] keeping only the events a journey of the
    /// batch points at. A shard's replay reads every account's events but
    /// keeps the journeys of its own: the others' events would be held
    /// until the partial is written, which keeps only these anyway. (Not
    /// for a whole run: finding the events costs more than it saves when
    /// every event is some journey's.)
    pub fn append_pointed_at(&mut self, histories: &Histories, mut eval: Evaluation) {
        let keep = pointed_at(&mut eval);
        let base = self.events.len();
        Arc::make_mut(&mut self.events).extend_only(histories, &keep);
        self.append_journeys(eval, &mut |e| {
            *e = base.saturating_add(renumbered(&keep, *e))
        });
    }

    /// The journeys of one batch, each event index moved by `moved`.
    fn append_journeys(&mut self, mut eval: Evaluation, moved: &mut impl FnMut(&mut usize)) {
        each_event_of(&mut eval, moved);
        let Evaluation {
            journeys,
            accounts,
            deals,
            problems,
            ..
        } = eval;
        let trimmed = |mut j: Journey| {
            trim(&mut j);
            j
        };
        self.eval.journeys.extend(journeys.into_iter().map(trimmed));
        self.eval.deals.extend(deals.into_iter().map(trimmed));
        for mut a in accounts {
            trim_account(&mut a);
            self.eval.accounts.push(a);
        }
        self.eval.problems.extend(problems);
    }

    /// Counts the journeys appended since `start` into the running
    /// sections, when there are any.
    pub fn count_running(&mut self, policy: &Policy, start: super::context::Batch) {
        if let Some(mut running) = self.running.take() {
            running.count(policy, self, start);
            self.running = Some(running);
        }
    }

    /// Drops the journeys counted into the running sections, and the
    /// events they point at (a report's replay, once each batch is
    /// counted): memory then holds the tallies, not every journey. The
    /// replay's problems are kept. Nothing is dropped without running
    /// sections, nor from a table that shares another's rows (a diff's).
    pub fn forget(&mut self) {
        let Some(running) = &mut self.running else {
            return;
        };
        let Some(events) = self.events.cleared() else {
            return;
        };
        running.set_forgot();
        self.events = Arc::new(events);
        self.eval.journeys = Vec::new();
        self.eval.deals = Vec::new();
        self.eval.accounts = Vec::new();
    }

    /// Whether the journeys were dropped once counted ([`Replayed::forget`]).
    pub fn forgot(&self) -> bool {
        self.running.as_ref().is_some_and(Running::forgot)
    }

    /// The contacts and deals replayed.
    pub fn counted(&self) -> (usize, usize) {
        match &self.running {
            Some(r) if r.forgot() => r.counted(),
            _ => (self.eval.journeys.len(), self.eval.deals.len()),
        }
    }

    /// The earliest stage entry of a contact or deal replayed: where a
    /// report starts by default.
    pub fn first_stage_entry(&self) -> Option<Instant> {
        match &self.running {
            Some(r) if r.forgot() => r.first_entry(),
            _ => super::context::first_stage_entry(&self.eval),
        }
    }

    /// Puts everything in the order one replay of the whole data gives:
    /// by id, and the problems by account then contact (a stable sort:
    /// one account's problems keep the order its replay gave them).
    pub fn finish(&mut self) {
        let eval = &mut self.eval;
        eval.journeys.sort_by(|a, b| a.contact.cmp(&b.contact));
        eval.accounts.sort_by(|a, b| a.account.cmp(&b.account));
        eval.deals.sort_by(|a, b| a.contact.cmp(&b.contact));
        eval.problems
            .sort_by(|a, b| (&a.account, &a.contact).cmp(&(&b.account, &b.contact)));
    }
}

/// Every event index a journey holds: its own events', the metric
/// filters' and dimensions', its touches' and its steps'.
fn each_event(j: &mut Journey, f: &mut impl FnMut(&mut usize)) {
    let facts = &mut j.facts;
    facts.events.iter_mut().for_each(&mut *f);
    facts.filtered.iter_mut().for_each(|(e, _)| f(e));
    facts.event_dims.iter_mut().for_each(|(e, _)| f(e));
    facts.touches.iter_mut().for_each(|t| f(&mut t.event));
    facts.steps.iter_mut().for_each(|s| each_step_event(s, f));
}

/// Every event index a step holds: its cause's and what tipped it.
fn each_step_event(s: &mut StepFact, f: &mut impl FnMut(&mut usize)) {
    match &mut s.cause {
        Cause::On { event, .. } | Cause::Manual { event } => f(event),
        // A `when` move's item is on its account's own timeline, which a
        // batch replays whole.
        _ => {}
    }
    if let Some(e) = &mut s.tipped.event {
        f(e);
    }
}

/// The events some journey of `eval` points at, ascending, each once.
fn pointed_at(eval: &mut Evaluation) -> Vec<usize> {
    let mut keep = Vec::new();
    each_event_of(eval, &mut |e| keep.push(*e));
    keep.sort_unstable();
    keep.dedup();
    keep
}

/// Event `e`'s number among `keep` (which holds it: `pointed_at`); past
/// any table otherwise, so that reading it fails rather than finds
/// another event.
fn renumbered(keep: &[usize], e: usize) -> usize {
    keep.binary_search(&e).unwrap_or(usize::MAX)
}

/// Every event index held by a journey of `eval` (a contact's, a deal's
/// or an account's), passed to `f`.
fn each_event_of(eval: &mut Evaluation, f: &mut impl FnMut(&mut usize)) {
    for j in eval.journeys.iter_mut().chain(eval.deals.iter_mut()) {
        each_event(j, f);
    }
    for a in &mut eval.accounts {
        a.steps.iter_mut().for_each(|s| each_step_event(s, f));
    }
}

impl Replayed {
    /// Every event index held by a journey (a contact's, a deal's or an
    /// account's), passed to `f`.
    fn each_event(&mut self, f: &mut impl FnMut(&mut usize)) {
        each_event_of(&mut self.eval, f);
    }

    /// The replay as a partial report keeps it: the journeys, and only
    /// the events some journey points at (a shard's replay holds every
    /// event of the files it read, its own accounts' and the others'),
    /// renumbered in their order.
    pub(super) fn into_stored(mut self) -> (Evaluation, Vec<super::events::StoredEvent>) {
        let keep = pointed_at(&mut self.eval);
        let stored = self.events.stored(&keep);
        self.each_event(&mut |e| *e = renumbered(&keep, *e));
        (self.eval, stored)
    }

    /// A replay read back from a partial report; `None` when a journey
    /// points at an event the partial does not hold.
    pub(super) fn from_stored(eval: Evaluation, events: Events) -> Option<Replayed> {
        let mut replayed = Replayed {
            eval,
            events: Arc::new(events),
            running: None,
        };
        let len = replayed.events.len();
        let mut inside = true;
        replayed.each_event(&mut |e| inside &= *e < len);
        inside.then_some(replayed)
    }

    /// Adds the replay of other accounts (a partial of another part of
    /// the data), its events numbered after these; [`Replayed::finish`]
    /// then puts everything in the order of one replay.
    pub(super) fn absorb(&mut self, mut other: Replayed) {
        let base = self.events.len();
        let events = Arc::make_mut(&mut self.events);
        for ev in 0..other.events.len() {
            events.push_from(&other.events, ev);
        }
        other.each_event(&mut |e| *e += base);
        let Evaluation {
            journeys,
            accounts,
            deals,
            problems,
            ..
        } = other.eval;
        self.eval.journeys.extend(journeys);
        self.eval.deals.extend(deals);
        self.eval.accounts.extend(accounts);
        self.eval.problems.extend(problems);
    }
}

/// Drops what no report reads of a journey (its fields, scores and
/// criteria at the end, buying group, coverage, own problems: the
/// replay's problems are kept whole), which is most of its memory; the
/// same in a whole replay and a batched one, so no report can read what
/// only one of them keeps.
fn trim(j: &mut Journey) {
    j.scores = Vec::new();
    j.criteria = Vec::new();
    j.group = None;
    j.problems = Vec::new();
    j.fired = Vec::new();
    j.held_at_moves = Vec::new();
    j.facts.fields = Vec::new();
}

fn trim_account(a: &mut AccountJourney) {
    a.group = None;
    a.fired = Vec::new();
    a.scores = Vec::new();
}
