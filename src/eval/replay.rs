//! One account's replay (docs/engine.md, Replay): its contacts' events merged into
//! one timeline, each event and each timer a check instant.

use crate::data::EventKind;
use crate::data::time::Instant;
use crate::ir::Entity;
use crate::ir::*;

use super::account_slas;
use super::marks::MarkOn;
use super::problem::{Runtime, RuntimeProblem};
use super::state::{Cause, ItemKind, Life, Member, Run, SlaInstance, Step, Tally, Touch};
use super::value::decay;
use super::view::{View, Who};

impl<'a> Run<'a> {
    fn ir(&self) -> &'a Ir {
        self.policy.ir()
    }

    /// Replays the whole timeline, then timers up to `as_of`, then a final
    /// check at `as_of`.
    pub fn replay(&mut self, as_of: Instant) -> Vec<RuntimeProblem> {
        let mut problems = Vec::new();
        let mut now = i64::MIN;
        self.end = as_of;
        self.mark_account_start();
        loop {
            let next_item = self
                .timeline
                .get(self.processed)
                .map(|x| x.at)
                .filter(|at| *at <= as_of);
            // Only a timer before the next event matters now: after the
            // event every timer is worked out afresh.
            let horizon = next_item.map_or(as_of, |at| at.min(as_of));
            self.look_ahead_to(horizon);
            let next_timer = self.next_timer(now, horizon);
            match (next_item, next_timer) {
                // Timers due strictly before the next event run first; at
                // one instant events come before timers.
                (Some(at), Some(t)) if t < at => {
                    now = t;
                    self.check_instant(now, None, &mut problems);
                }
                (Some(at), _) => {
                    now = at;
                    let i = self.processed;
                    self.processed += 1;
                    self.check_instant(now, Some(i), &mut problems);
                }
                (None, Some(t)) => {
                    now = t;
                    self.check_instant(now, None, &mut problems);
                }
                (None, None) => break,
            }
        }
        if now < as_of {
            self.check_instant(as_of, None, &mut problems);
        }
        problems
    }

    /// One check instant: apply the item (if any), then try transitions
    /// for its contact, every other member in id order, and the account.
    fn check_instant(
        &mut self,
        now: Instant,
        item: Option<usize>,
        problems: &mut Vec<RuntimeProblem>,
    ) {
        self.check += 1;
        self.at_instant(now);
        let mut event: Option<usize> = None;
        let mut first: Option<usize> = None;
        if let Some(i) = item {
            let Some(it) = self.timeline.get(i).cloned() else {
                return;
            };
            first = Some(it.member);
            match it.what {
                ItemKind::Create => self.create(it.member, now),
                ItemKind::Event(ev) => {
                    event = Some(ev);
                    self.apply_event(i, it.member, ev, now);
                }
                // Nothing to apply: the member is tried again, now that
                // a subject linked to it has moved.
                ItemKind::Linked => {}
                // Nobody's: only the account sees it.
                ItemKind::AccountEvent(ev) => {
                    event = Some(ev);
                    first = None;
                    self.account_history.push(i);
                }
            }
            self.changed();
        }
        // Members who cannot move at this instant are skipped (see
        // `compile::watch`): the outcome is the same as trying them all.
        let account_update = event
            .and_then(|ev| self.histories.events.get(ev))
            .is_some_and(|e| matches!(e.kind, EventKind::AccountUpdate(_)));
        let mut order = std::mem::take(&mut self.scratch.order);
        order.clear();
        order.extend(first);
        order.extend(
            (0..self.members.len())
                .filter(|m| Some(*m) != first && self.must_check(*m, now, account_update)),
        );
        if account_update {
            self.condition_timers
                .get_mut()
                .iter_mut()
                .for_each(Vec::clear);
        }
        for &m in &order {
            if let Some(t) = self.timers.get_mut(m) {
                t.stale = true;
            }
            if let Some(c) = self.condition_timers.get_mut().get_mut(m) {
                c.clear();
            }
            // Only the event's own contact is offered the event.
            let offered = if Some(m) == first { event } else { None };
            if let Err(p) = self.advance(Who::Contact(m), now, offered, item) {
                problems.push(p);
            }
        }
        self.scratch.order = order;
        self.settle_account(now, event, item, problems);
        match (event, first, item) {
            (Some(ev), Some(m), _) => self.sla_event(m, ev, now),
            (Some(_), None, Some(i)) => self.account_sla_event(Who::Account, i, now),
            _ => {}
        }
    }

    /// Tries the account's transitions; when the account moves, members
    /// whose ways out read `account.stage` are tried again at the same
    /// instant (each transition still fires at most once per instant), and
    /// the account again after any of them moves, so a contact never waits
    /// for a later event to see its account's new stage.
    fn settle_account(
        &mut self,
        now: Instant,
        event: Option<usize>,
        item: Option<usize>,
        problems: &mut Vec<RuntimeProblem>,
    ) {
        // Every round moves the account or a member by a transition not yet
        // fired at this instant, so the transitions bound the rounds.
        for _ in 0..=self.ir().transitions.len() {
            let before = self.account_life.as_ref().map(|l| l.path.len());
            if before.is_none() {
                return;
            }
            if let Err(p) = self.advance(Who::Account, now, event, item) {
                problems.push(p);
                return;
            }
            if self.account_life.as_ref().map(|l| l.path.len()) == before {
                return;
            }
            let readers: Vec<usize> = (0..self.members.len())
                .filter(|m| self.reads_account_stage(*m))
                .collect();
            let mut moved = false;
            for m in readers {
                let steps = self.path_len(m);
                // Only the event's own contact is ever offered the event,
                // and it was offered it already.
                if let Err(p) = self.advance(Who::Contact(m), now, None, item) {
                    problems.push(p);
                }
                if self.path_len(m) != steps {
                    if let Some(t) = self.timers.get_mut(m) {
                        t.stale = true;
                    }
                    if let Some(c) = self.condition_timers.get_mut().get_mut(m) {
                        c.clear();
                    }
                    moved = true;
                }
            }
            if !moved {
                return;
            }
        }
    }

    fn path_len(&self, m: usize) -> usize {
        self.members
            .get(m)
            .and_then(|x| x.life.as_ref())
            .map_or(0, |l| l.path.len())
    }

    /// Whether member `m`'s ways out of its stage read `account.stage`
    /// (everyone, for the reference replay that tries everyone).
    fn reads_account_stage(&self, m: usize) -> bool {
        let Some(life) = self.members.get(m).and_then(|x| x.life.as_ref()) else {
            return false;
        };
        self.check_everyone || self.policy.watch(life.stage).account_stage
    }

    fn create(&mut self, m: usize, now: Instant) {
        let model = self.ir();
        let lifecycle = self.lifecycle;
        let Some(lc) = model.lifecycles.iter().find(|l| l.entity == lifecycle) else {
            return;
        };
        let record = self
            .members
            .get(m)
            .and_then(|x| x.record)
            .filter(|_| lifecycle == Entity::Contact)
            .and_then(|r| self.histories.contacts.get(r));
        let snapshot = record.and_then(|c| c.stage.map(|s| (s, c.stage_since.unwrap_or(now))));
        let (stage, since, cause) = match (snapshot, lc.initial) {
            (Some((s, since)), _) => (s, since.min(now), Cause::Snapshot),
            (None, Some(init)) => (init, now, Cause::Start),
            (None, None) => {
                if let Some(member) = self.members.get_mut(m) {
                    member.exists = true;
                }
                return;
            }
        };
        let marks = self.marks(Who::Contact(m), now, MarkOn::Entry(stage));
        let Some(member) = self.members.get_mut(m) else {
            return;
        };
        member.exists = true;
        let mut life = Life::new(stage, since);
        life.entered.push(stage);
        life.path.push(Step {
            stage,
            entered: since,
            cause,
            date_precision: false,
            marks,
        });
        life.highest = success_rank(model, lifecycle, stage).map(|_| stage);
        member.life = Some(life);
        self.sla_moved(m, None, stage, now);
    }

    fn apply_event(&mut self, i: usize, m: usize, ev: usize, now: Instant) {
        let Some(event) = self.histories.events.get(ev) else {
            return;
        };
        let deals = self.lifecycle == Entity::Deal;
        match &event.kind {
            // A deal's replay sees its own events and its account's
            // updates; a contact's, what is not only a deal's.
            EventKind::Update(_) | EventKind::SetStage(_) | EventKind::Merge { .. } if deals => {}
            EventKind::DealUpdate(_) if !deals => {}
            EventKind::DealUpdate(changes) | EventKind::Update(changes) => {
                self.memo_steady.get_mut().forget();
                if let Some(member) = self.members.get_mut(m) {
                    for (f, v) in changes {
                        if let Some(slot) = member.fields.get_mut(f.index()) {
                            *slot = Some(v.clone());
                        }
                    }
                }
            }
            EventKind::AccountUpdate(changes) => {
                self.memo_steady.get_mut().forget();
                for (f, v) in changes {
                    if let Some(slot) = self.account_fields.get_mut(f.index()) {
                        *slot = Some(v.clone());
                    }
                }
            }
            EventKind::SetStage(stage) => {
                let stage = *stage;
                self.move_to(
                    Who::Contact(m),
                    stage,
                    now,
                    Cause::Manual { event: ev },
                    event.precision == crate::data::time::Precision::Date,
                );
            }
            EventKind::Merge { .. } => {}
            EventKind::Event { ty, .. } if deals => {
                self.account_history.push(i);
                if let Some(member) = self.members.get_mut(m) {
                    member.history.push(i);
                }
                // An event with a contact is counted in its contact's
                // journey (with its filters); one that is only the deal's
                // is counted in the deal's.
                if event.contact.is_none() {
                    self.filter(m, ev, *ty, &[], now);
                }
            }
            EventKind::Event { ty, .. } => {
                let ty = *ty;
                // Touchpoints are matched as the event happens, against
                // the contact and the account as they were just before
                // it: neither history holds the event yet, and no score
                // has earned its points (which come from the touchpoints
                // it matches).
                let matched: Vec<TouchpointId> = self
                    .ir()
                    .touchpoints
                    .enumerate()
                    .filter(|(_, tp)| tp.event == ty)
                    .filter(|(_, tp)| {
                        tp.condition.as_ref().is_none_or(|c| {
                            View {
                                event: Some(ev),
                                ..View::new(self, Who::Contact(m), now)
                            }
                            .holds(*c)
                        })
                    })
                    .map(|(t, _)| t)
                    .collect();
                self.account_history.push(i);
                if let Some(member) = self.members.get_mut(m) {
                    member.history.push(i);
                    if !matched.is_empty() {
                        let stage = member.life.as_ref().map(|l| l.stage);
                        member.touches.push(Touch {
                            at: now,
                            event: ev,
                            touchpoints: Vec::new(),
                            stage,
                        });
                        member.touch_items.push(i);
                    }
                }
                self.filter(m, ev, ty, &matched, now);
                if let Some(slot) = self.touchpoints.get_mut(i) {
                    *slot = matched;
                }
                self.tally(i, m, now);
            }
        }
    }

    /// Records which metric filters (`count(deal_won where contact.owner
    /// == "x")`) hold of event `ev` now, while the contact's and account's
    /// fields are those in force at the event.
    fn filter(
        &mut self,
        m: usize,
        ev: usize,
        ty: EventTypeId,
        matched: &[TouchpointId],
        now: Instant,
    ) {
        let model = self.ir();
        if model.filters.is_empty() && !model.cuts_facts {
            return;
        }
        let view = View {
            event: Some(ev),
            ..View::new(self, Who::Contact(m), now)
        };
        let held: Vec<FilterId> = model
            .filters
            .enumerate()
            .filter_map(|(f, x)| match x {
                Filter::Event(p) => Some((&model.nodes[*p], f)),
                _ => None,
            })
            .filter(|(p, _)| match p.event {
                EventRef::Event(t) => t == ty,
                EventRef::Touchpoint(tp) => matched.contains(&tp),
            })
            .filter(|(p, _)| p.condition.is_some_and(|c| view.holds(c)))
            .map(|(_, f)| f)
            .collect();
        let dims = if model.cuts_facts {
            self.dimension_values(&view, Who::Contact(m))
        } else {
            Vec::new()
        };
        if let Some(member) = self.members.get_mut(m) {
            member.filtered.extend(held.into_iter().map(|f| (ev, f)));
            if !dims.is_empty() {
                member.event_dims.push((ev, dims));
            }
        }
    }

    /// Adds the points of every `each` rule event `i` earns to the
    /// member's running totals.
    fn tally(&mut self, i: usize, m: usize, now: Instant) {
        let model = self.ir();
        let mut earned = std::mem::take(&mut self.scratch.earned);
        earned.clear();
        let view = View::new(self, Who::Contact(m), now);
        for (s, score) in model.scores.iter().enumerate() {
            for (r, rule) in score.rules.iter().enumerate() {
                if let ScoreRule::Each {
                    pattern, points, ..
                } = rule
                    && view.matches(i, *pattern)
                {
                    earned.push((s, r, *points, score.half_life));
                }
            }
        }
        self.add_earned(&earned, m, now);
        self.scratch.earned = earned;
    }

    /// Adds the points `tally` found to member `m`'s running totals.
    fn add_earned(
        &mut self,
        earned: &[(usize, usize, f64, Option<Duration>)],
        m: usize,
        now: Instant,
    ) {
        let model = self.ir();
        let Some(member) = self.members.get_mut(m) else {
            return;
        };
        if member.tallies.is_empty() {
            member.tallies = model
                .scores
                .iter()
                .map(|s| Tally {
                    at: now,
                    sums: vec![0.0; s.rules.len()],
                })
                .collect();
        }
        for &(s, r, points, half_life) in earned {
            let Some(t) = member.tallies.get_mut(s) else {
                continue;
            };
            // Every rule of the score is brought to `now` (once: then the
            // score is at `now`), then the earned points are added.
            if t.at != now {
                let f = decay(half_life, now - t.at);
                t.sums.iter_mut().for_each(|x| *x *= f);
                t.at = now;
            }
            if let Some(sum) = t.sums.get_mut(r) {
                *sum += points;
            }
        }
    }

    fn life_of(&self, who: Who) -> Option<&Life> {
        match who {
            Who::Contact(m) => self.members.get(m).and_then(|x| x.life.as_ref()),
            Who::Account => self.account_life.as_ref(),
        }
    }

    fn life_mut(&mut self, who: Who) -> Option<&mut Life> {
        match who {
            Who::Contact(m) => self.members.get_mut(m).and_then(|x| x.life.as_mut()),
            Who::Account => self.account_life.as_mut(),
        }
    }

    /// Tries the current stage's transitions in written order; after a move
    /// the new stage's are tried at the same instant (the event is offered
    /// to them too). Each transition fires at most once per instant.
    /// `event` is offered to `on` triggers; `item` (the timeline item that
    /// made this instant, whoever's it is) is what tipped a `when`.
    fn advance(
        &mut self,
        who: Who,
        now: Instant,
        event: Option<usize>,
        item: Option<usize>,
    ) -> Result<(), RuntimeProblem> {
        let entity = match who {
            Who::Contact(_) => self.lifecycle,
            Who::Account => Entity::Account,
        };
        if let Who::Contact(m) = who
            && self
                .members
                .get(m)
                .is_none_or(|x| !x.exists || x.stopped.is_some())
        {
            return Ok(());
        }
        let Some(machine) = self.policy.machine(entity) else {
            return Ok(());
        };
        let limit = self
            .ir()
            .stages
            .iter()
            .filter(|s| s.lifecycle == entity)
            .count();
        if let Some(life) = self.life_mut(who)
            && life.fired_at != now
        {
            life.fired.clear();
            life.fired_at = now;
        }
        let mut chain: Vec<StageId> = Vec::new();
        loop {
            let Some(life) = self.life_of(who) else {
                return Ok(());
            };
            let stage = life.stage;
            let since = life.since;
            let mut fired: Option<(TransitionId, Cause)> = None;
            for t in machine.exits(stage) {
                let Some(life) = self.life_of(who) else { break };
                if life.fired.contains(t) {
                    continue;
                }
                let tr = &self.ir().transitions[*t];
                let view = View::new(self, who, now);
                let cause = match &tr.trigger {
                    TriggerRule::On(p) => {
                        let i = event.and_then(|ev| self.timeline_index(ev));
                        i.filter(|i| view.matches(*i, *p))
                            .and(event)
                            .map(|ev| Cause::On {
                                transition: *t,
                                event: ev,
                            })
                    }
                    TriggerRule::When(c) => view.holds(*c).then_some(Cause::When {
                        transition: *t,
                        item,
                    }),
                    TriggerRule::After { duration, unless } => {
                        let due = self.add_time(since, *duration);
                        if now >= due && !life.after_checked.contains(t) {
                            let blocked = unless.is_some_and(|u| view.holds(u));
                            if let Some(l) = self.life_mut(who) {
                                l.after_checked.push(*t);
                            }
                            (!blocked).then_some(Cause::After { transition: *t })
                        } else {
                            None
                        }
                    }
                };
                if let Some(cause) = cause {
                    fired = Some((*t, cause));
                    break;
                }
            }
            let Some((t, cause)) = fired else {
                return Ok(());
            };
            let tr = &self.ir().transitions[t];
            if let Some(l) = self.life_mut(who) {
                l.fired.push(t);
            }
            if let (TriggerRule::When(c), Who::Contact(m)) = (&tr.trigger, who) {
                self.note_held_clauses(m, *c, now);
            }
            let date_precision = event
                .and_then(|ev| self.histories.events.get(ev))
                .is_some_and(|e| e.precision == crate::data::time::Precision::Date)
                && matches!(cause, Cause::On { .. } | Cause::When { .. });
            self.move_to(who, tr.to, now, cause, date_precision);
            chain.push(tr.to);
            if chain.len() > limit {
                let problem = Runtime::Chain {
                    at: now,
                    stages: chain.clone(),
                    entity,
                };
                let contact = match who {
                    Who::Contact(m) => {
                        if let Some(x) = self.members.get_mut(m) {
                            x.stopped = Some(problem.clone());
                        }
                        self.members.get(m).map(|x| x.id.clone())
                    }
                    Who::Account => {
                        self.account_life = None;
                        None
                    }
                };
                self.changed();
                return Err(RuntimeProblem {
                    contact,
                    account: self.account.clone(),
                    problem,
                });
            }
        }
    }

    /// Records which clauses of the criteria behind a `when` held as it
    /// fired (criteria used by those criteria's clauses too).
    fn note_held_clauses(&mut self, m: usize, condition: NodeId, now: Instant) {
        let model = self.ir();
        let mut todo = model.nodes.criteria(condition);
        let mut seen = Vec::new();
        let mut held = Vec::new();
        while let Some(c) = todo.pop() {
            if seen.contains(&c) {
                continue;
            }
            seen.push(c);
            let view = View::new(self, Who::Contact(m), now);
            let (_, clauses) = view.criteria_detail(c);
            held.extend(
                clauses
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| **t == Some(true))
                    .map(|(k, _)| (c, k)),
            );
            todo.extend(
                model.criteria[c]
                    .clauses
                    .iter()
                    .flat_map(|cl| model.nodes.criteria(cl.condition)),
            );
        }
        if let Some(member) = self.members.get_mut(m) {
            for h in held {
                if !member.held_at_moves.contains(&h) {
                    member.held_at_moves.push(h);
                }
            }
        }
    }

    /// Where event `ev` (an index into `Histories::events`) sits in this
    /// account's timeline, if it has been replayed.
    pub fn timeline_index(&self, ev: usize) -> Option<usize> {
        self.timeline
            .get(..self.processed)?
            .iter()
            .rposition(|x| x.what.event() == Some(ev))
    }

    fn move_to(&mut self, who: Who, to: StageId, now: Instant, cause: Cause, date_precision: bool) {
        let model = self.ir();
        let marks = self.marks(who, now, MarkOn::Entry(to));
        let entity = match who {
            Who::Contact(_) => self.lifecycle,
            Who::Account => Entity::Account,
        };
        let Some(life) = self.life_mut(who) else {
            return;
        };
        let from = life.stage;
        life.stage = to;
        life.since = now;
        life.after_checked.clear();
        let first_entry = !life.entered.contains(&to);
        if first_entry {
            life.entered.push(to);
        }
        life.path.push(Step {
            stage: to,
            entered: now,
            cause,
            date_precision,
            marks,
        });
        if let Some(rank) = success_rank(model, entity, to)
            && life
                .highest
                .and_then(|h| success_rank(model, entity, h))
                .is_none_or(|h| rank > h)
        {
            life.highest = Some(to);
        }
        self.changed();
        if let Who::Contact(m) = who {
            if first_entry && self.lifecycle == Entity::Contact {
                let view = View::new(self, who, now);
                let scores: Vec<f64> = model.scores.ids().map(|s| view.score(s)).collect();
                if let Some(member) = self.members.get_mut(m) {
                    member.scores_at_entry.push((to, scores));
                }
            }
            self.sla_moved(m, Some(from), to, now);
        } else {
            self.account_sla_moved(Some(from), to, now);
        }
    }

    /// SLA instances opened, met or cancelled by a move.
    fn sla_moved(&mut self, m: usize, from: Option<StageId>, to: StageId, now: Instant) {
        let check = self.check;
        let slas = &self.ir().slas;
        let starting: Vec<SlaInstance> = slas
            .enumerate()
            .filter(|(_, sla)| sla.entity == self.lifecycle)
            .filter(|(_, sla)| {
                sla.starts
                    .iter()
                    .any(|t| matches!(t, SlaTrigger::Entering(s) if *s == to))
            })
            .map(|(id, _)| {
                let marks = self.marks(Who::Contact(m), now, MarkOn::Sla(id));
                self.open_sla(id, now, marks)
            })
            .collect();
        let Some(member) = self.members.get_mut(m) else {
            return;
        };
        account_slas::close_on_move(&mut member.slas, slas, (from, to), now, check);
        member.slas.extend(starting);
        self.changed();
    }

    /// SLA instances met, cancelled or opened by an event.
    fn sla_event(&mut self, m: usize, ev: usize, now: Instant) {
        let Some(i) = self.timeline_index(ev) else {
            return;
        };
        let check = self.check;
        let slas = &self.ir().slas;
        let mut decisions = std::mem::take(&mut self.scratch.decisions);
        let mut starts = std::mem::take(&mut self.scratch.starts);
        decisions.clear();
        starts.clear();
        let view = View::new(self, Who::Contact(m), now);
        let hit = |ts: &[SlaTrigger]| {
            ts.iter()
                .any(|t| matches!(t, SlaTrigger::Event(p) if view.matches(i, *p)))
        };
        if let Some(member) = self.members.get(m) {
            decisions.extend(account_slas::event_decisions(
                &member.slas,
                slas,
                hit,
                check,
            ));
        }
        starts.extend(
            slas.iter()
                .enumerate()
                .filter(|(_, s)| s.entity == self.lifecycle && hit(&s.starts))
                .map(|(k, _)| k),
        );
        self.apply_sla_event(m, &decisions, &starts, now);
        self.scratch.decisions = decisions;
        self.scratch.starts = starts;
        self.account_sla_event(Who::Contact(m), i, now);
    }

    /// What `sla_event` decided: instances (by index) cancelled or met,
    /// and SLAs (by index) that start.
    fn apply_sla_event(
        &mut self,
        m: usize,
        decisions: &[(usize, bool, bool)],
        starts: &[usize],
        now: Instant,
    ) {
        // `starts` are indexes of the policy's SLAs (from `sla_event`).
        let opened: Vec<SlaInstance> = starts
            .iter()
            .filter(|&&k| k < self.ir().slas.len())
            .filter_map(|&k| SlaId::from_index(k))
            .map(|id| {
                let marks = self.marks(Who::Contact(m), now, MarkOn::Sla(id));
                self.open_sla(id, now, marks)
            })
            .collect();
        let Some(member) = self.members.get_mut(m) else {
            return;
        };
        account_slas::apply_decisions(&mut member.slas, decisions, now);
        member.slas.extend(opened);
        self.changed();
    }
}

/// A stage's place on its lifecycle's success path (declared order, detours
/// left out); `None` for a detour.
pub fn success_rank(model: &Ir, entity: Entity, stage: StageId) -> Option<usize> {
    model.success_path(entity).position(|s| s == stage)
}

impl Member {
    /// A member before its first instant: not yet in the CRM.
    pub fn new(
        id: String,
        record: Option<usize>,
        fields: Vec<Option<crate::ir::Value>>,
        created: Instant,
    ) -> Member {
        Member {
            id,
            record,
            fields,
            created,
            exists: false,
            life: None,
            history: Vec::new(),
            slas: Vec::new(),
            stopped: None,
            tallies: Vec::new(),
            held_at_moves: Vec::new(),
            touches: Vec::new(),
            touch_items: Vec::new(),
            filtered: Vec::new(),
            event_dims: Vec::new(),
            scores_at_entry: Vec::new(),
        }
    }
}
