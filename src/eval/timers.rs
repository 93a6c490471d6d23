//! Timers: the next instant at which time alone can change something a
//! current stage's transitions depend on (check instants: docs/engine.md, Replay).
//! Each is placed exactly where the change happens, so results never
//! depend on when the replay happens to look.

use crate::data::time::Instant;
use crate::ir::Entity;
use crate::ir::*;

use super::memo::{ConditionTimer, Timer};
use super::state::Run;
use super::view::{View, Who};

const DAY_MS: i64 = 86_400_000;

/// Which way a condition's truth (or a number's value) changing with time
/// can matter. A `when` transition fires at a check where its condition
/// holds, and it held at no check since its stage was entered (it would
/// have fired), so only the instants where the condition may *start* to
/// hold need a check: `and`, `or`, criteria and `group.has` pass that on
/// to their parts, `not` turns it round. A decaying score that can only
/// fall, or a `within` window that can only close, then needs no timer
/// under `>=` or `seen`: it can stop a condition holding, never start it.
/// (Nothing is kept about an instant where nothing fires, so not checking
/// there changes nothing.) Only in a policy where every such change is
/// placed by a timer (`compile::placed`): a condition that reads time
/// with none of its own is tried at every timer instant. The replay that
/// checks everyone, the reference the shortcuts are tested against,
/// always wants both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wanted {
    Rise,
    Fall,
    Both,
}

impl Wanted {
    fn turned(self) -> Wanted {
        match self {
            Wanted::Rise => Wanted::Fall,
            Wanted::Fall => Wanted::Rise,
            Wanted::Both => Wanted::Both,
        }
    }

    /// What a number compared by `op` with a constant on its right must
    /// do for the comparison to change the wanted way.
    fn of_number(self, op: CmpOp) -> Wanted {
        match op {
            CmpOp::Ge | CmpOp::Gt => self,
            CmpOp::Le | CmpOp::Lt => self.turned(),
            CmpOp::Eq | CmpOp::Ne => Wanted::Both,
        }
    }

    /// Three ways per condition, in the tables of colleagues' answers.
    const WAYS: usize = 3;

    fn index(self) -> usize {
        match self {
            Wanted::Rise => 0,
            Wanted::Fall => 1,
            Wanted::Both => 2,
        }
    }
}

/// The soonest instant in (`after`, `until`] offered to it.
pub struct Soonest {
    after: Instant,
    until: Instant,
    best: Option<Instant>,
}

/// Within one timer search (one `after` and `until`), the soonest
/// instant of a condition about one member or the account, by (which
/// condition, as in `collect_for`, and which way it is wanted; whose): every member whose conditions
/// read the buying group asks for the same colleagues' role conditions,
/// and working each out once keeps a search linear in the account's size.
/// A table indexed by (whose, which), made on the first answer: hashing
/// the keys of a map cost more than the few answers it held.
struct Shared {
    /// Conditions per subject: every role, `engaged`, `qualified`.
    per_whose: usize,
    /// Subjects: every member, then the account.
    whose: usize,
    table: Vec<Option<Option<Instant>>>,
}

impl Shared {
    /// An empty table, in the room `table` had (the last search's, kept
    /// on the run so that each search does not allocate its own).
    fn new(model: &Ir, members: usize, mut table: Vec<Option<Option<Instant>>>) -> Shared {
        table.clear();
        Shared {
            per_whose: (model.roles.len() + 2) * Wanted::WAYS,
            whose: members + 1,
            table,
        }
    }

    /// The place of (`slot`, `who`): the account is after every member;
    /// `slot` counts the ways (`keyed`).
    fn index(&self, slot: usize, who: Who) -> usize {
        let whose = match who {
            Who::Contact(m) => m,
            Who::Account => self.whose - 1,
        };
        whose * self.per_whose + slot
    }

    fn get(&self, slot: usize, who: Who) -> Option<Option<Instant>> {
        self.table.get(self.index(slot, who)).copied().flatten()
    }

    fn insert(&mut self, slot: usize, who: Who, best: Option<Instant>) {
        if self.table.is_empty() {
            self.table.resize(self.whose * self.per_whose, None);
        }
        let i = self.index(slot, who);
        if let Some(x) = self.table.get_mut(i) {
            *x = Some(best);
        }
    }
}

impl Soonest {
    fn new(after: Instant, until: Instant) -> Soonest {
        Soonest {
            after,
            until,
            best: None,
        }
    }

    fn push(&mut self, t: Instant) {
        if t > self.after && t <= self.until && self.best.is_none_or(|b| t < b) {
            self.best = Some(t);
        }
    }
}

impl Run<'_> {
    /// The earliest timer after `now`, no later than `horizon` (the next
    /// event's time, or the as-of time: a score crossing a threshold later
    /// than that is searched for only once it matters).
    ///
    /// A member's timers are worked out again only when it was checked
    /// since (its state or what it watches may have changed) or when an
    /// earlier search found nothing up to a shorter horizon; otherwise
    /// nothing it depends on has changed and the answer stands.
    pub fn next_timer(&mut self, now: Instant, horizon: Instant) -> Option<Instant> {
        let room = std::mem::take(&mut self.scratch.shared);
        let mut shared = Shared::new(self.policy.ir(), self.members.len(), room);
        for m in 0..self.members.len() {
            if self
                .members
                .get(m)
                .is_none_or(|x| !x.exists || x.stopped.is_some())
            {
                continue;
            }
            let known = self.timers.get(m).copied().unwrap_or_default();
            let still = !known.stale
                && known.due.is_none_or(|d| d > now)
                && (known.due.is_some() || known.searched_to >= horizon);
            if !still {
                let mut out = Soonest::new(now, horizon);
                self.stage_timers(Who::Contact(m), self.lifecycle, &mut out, &mut shared);
                if let Some(t) = self.timers.get_mut(m) {
                    *t = Timer {
                        due: out.best,
                        searched_to: horizon,
                        stale: false,
                    };
                }
            }
        }
        let mut out = Soonest::new(now, horizon);
        for (m, member) in self.members.iter().enumerate() {
            if member.exists
                && member.stopped.is_none()
                && let Some(due) = self.timers.get(m).and_then(|t| t.due)
            {
                out.push(due);
            }
        }
        if self.account_life.is_some() {
            self.stage_timers(Who::Account, Entity::Account, &mut out, &mut shared);
        }
        self.scratch.shared = shared.table;
        out.best
    }

    /// Is member `m` due a check at `now`, when it is not the event's own
    /// contact? See `compile::watch`.
    pub fn must_check(&self, m: usize, now: Instant, account_update: bool) -> bool {
        if self.check_everyone {
            return true;
        }
        let Some(life) = self.members.get(m).and_then(|x| x.life.as_ref()) else {
            return false;
        };
        if self
            .timers
            .get(m)
            .is_none_or(|t| t.stale || t.due.is_some_and(|d| d <= now))
        {
            return true;
        }
        let watch = self.policy.watch(life.stage);
        watch.always || (account_update && watch.account_fields)
    }

    fn stage_timers(&self, who: Who, entity: Entity, out: &mut Soonest, shared: &mut Shared) {
        let life = match who {
            Who::Contact(m) => self.members.get(m).and_then(|x| x.life.as_ref()),
            Who::Account => self.account_life.as_ref(),
        };
        let (Some(life), Some(machine)) = (life, self.policy.machine(entity)) else {
            return;
        };
        let view = View::new(self, who, out.after);
        // A policy with a condition that reads time with no timer of its
        // own is tried at every timer instant, as the design says.
        let rise = if self.check_everyone || !self.policy.every_change_placed() {
            Wanted::Both
        } else {
            Wanted::Rise
        };
        for t in machine.exits(life.stage) {
            let tr = &self.policy.ir().transitions[*t];
            match &tr.trigger {
                TriggerRule::After { duration, unless } => {
                    if !life.after_checked.contains(t) {
                        out.push(self.add_time(life.since, *duration));
                    }
                    // `unless` is read once, at the deadline (a timer of
                    // its own): where it changes before or after cannot
                    // make this move, only a condition with no timer of
                    // its own could want those instants.
                    if let Some(u) = unless
                        && rise == Wanted::Both
                    {
                        collect(&view, *u, out, shared, Wanted::Both);
                    }
                }
                TriggerRule::When(c) => collect(&view, *c, out, shared, rise),
                TriggerRule::On(_) => {}
            }
        }
    }
}

/// Instants after `view.now` at which `e` may change with time alone,
/// the `wanted` way.
fn collect(view: &View<'_, '_>, e: NodeId, out: &mut Soonest, shared: &mut Shared, wanted: Wanted) {
    let ir = view.run.policy.ir();
    let steady = view.run.policy.steady();
    match &ir.nodes[e] {
        // A value that reads only fields cannot change with time: its
        // conditions (a role off the job title, `fit`'s rules) are not
        // walked at every search.
        Node::Score(s) if steady.score(*s) => {}
        Node::Criteria(c) if steady.criteria(*c) => {}
        Node::GroupHas(r) | Node::GroupCount(r) if steady.role(*r) => {}
        Node::GroupEngaged if steady.engaged => {}
        Node::Timed(t) => {
            timed(view, e, t, out, wanted);
            // What a decaying score's rules and the bound read change at
            // instants of their own.
            if let TimeSide::Decay(s) = t.time {
                score_rules(view, s, out, shared);
            }
            collect(view, t.bound, out, shared, Wanted::Both);
        }
        Node::Compare(op, l, r) => {
            // A count of colleagues or of recent events compared with a
            // constant changes the way the count does (turned round for
            // `<=`); anything else is wanted both ways.
            let (l_way, r_way) = match (&ir.nodes[*l], &ir.nodes[*r]) {
                (_, Node::Const(_)) => (wanted.of_number(*op), Wanted::Both),
                (Node::Const(_), _) => (Wanted::Both, wanted.turned().of_number(*op)),
                _ => (Wanted::Both, Wanted::Both),
            };
            collect(view, *l, out, shared, counted(&ir.nodes[*l], l_way));
            collect(view, *r, out, shared, counted(&ir.nodes[*r], r_way));
        }
        // A window closing only takes events out: `seen` stops holding,
        // a count falls.
        Node::Seen {
            within: Some(_), ..
        }
        | Node::Count {
            within: Some(_), ..
        } if wanted == Wanted::Rise => {}
        Node::Seen {
            pattern,
            within: Some(d),
        }
        | Node::Count {
            pattern,
            within: Some(d),
        } => windows(view, *pattern, *d, out),
        Node::Score(s) => score_rules(view, *s, out, shared),
        // Met or not is monotone in each clause (all, any, n of).
        Node::Criteria(c) => {
            for cl in &ir.criteria[*c].clauses {
                collect(view, cl.condition, out, shared, wanted);
            }
        }
        Node::Breached(s) => {
            if let Who::Contact(m) = view.who
                && let Some(inst) = view
                    .run
                    .members
                    .get(m)
                    .and_then(|x| x.slas.iter().rev().find(|i| i.sla == *s))
                && inst.met_at.is_none()
                && inst.cancelled_at.is_none()
            {
                out.push(inst.due.saturating_add(1));
            }
        }
        Node::GroupHas(r) | Node::GroupCount(r) => {
            let condition = ir.roles[*r].condition;
            for m in view.members() {
                let who = Who::Contact(m);
                collect_for(view, who, r.index(), condition, out, shared, wanted);
            }
        }
        Node::GroupEngaged => {
            if let Some(eng) = ir.buying_group.as_ref().and_then(|g| g.engaged) {
                let slot = ir.roles.len();
                for m in view.members() {
                    collect_for(view, Who::Contact(m), slot, eng, out, shared, wanted);
                }
            }
        }
        Node::GroupQualified => {
            if let Some(q) = ir.buying_group.as_ref().and_then(|g| g.qualified) {
                let slot = ir.roles.len() + 1;
                collect_for(view, Who::Account, slot, q, out, shared, wanted);
            }
        }
        Node::Not(x) => collect(view, *x, out, shared, wanted.turned()),
        Node::And(l, r) | Node::Or(l, r) => {
            collect(view, *l, out, shared, wanted);
            collect(view, *r, out, shared, wanted);
        }
        // Written out rather than through `Node::operands`, which builds
        // a list: this walk runs at every timer search.
        Node::Neg(x) | Node::Missing { of: x, .. } | Node::Matches(x, _) => {
            collect(view, *x, out, shared, Wanted::Both)
        }
        Node::Arith(_, l, r)
        | Node::Text(_, l, r)
        | Node::In {
            item: l, list: r, ..
        } => {
            collect(view, *l, out, shared, Wanted::Both);
            collect(view, *r, out, shared, Wanted::Both);
        }
        Node::List(xs) | Node::Min(xs) | Node::Max(xs) => {
            for x in xs {
                collect(view, *x, out, shared, Wanted::Both);
            }
        }
        _ => {}
    }
}

/// Where a timed comparison flips. Its bound stays put until the next
/// event or timer, after which the search is made again: its value now
/// says when.
fn timed(view: &View<'_, '_>, e: NodeId, t: &Timed, out: &mut Soonest, wanted: Wanted) {
    use super::value::V;
    match (t.time, view.time_side(t.time), view.eval(t.bound)) {
        (TimeSide::TimeInStage, V::Elapsed(since), V::Dur(d)) => {
            let at = view.run.add_time(since, d);
            out.push(at);
            out.push(at.saturating_add(1));
        }
        (TimeSide::DaysSince(_), V::Num(days), V::Num(n)) => {
            let last = view.now - (days * DAY_MS as f64) as i64;
            let at = last.saturating_add((n * DAY_MS as f64) as i64);
            out.push(at);
            out.push(at.saturating_add(1));
        }
        (TimeSide::Decay(_), ..) => {
            if let Some(at) = crossing(view, e, t, out.until, wanted) {
                out.push(at);
            }
        }
        _ => {}
    }
}

/// The instants a score's `when` rules may change at (unless the score
/// is steady).
fn score_rules(view: &View<'_, '_>, s: ScoreId, out: &mut Soonest, shared: &mut Shared) {
    let policy = view.run.policy;
    if policy.steady().score(s) {
        return;
    }
    for rule in &policy.ir().scores[s].rules {
        if let ScoreRule::When { condition, .. } = rule {
            collect(view, *condition, out, shared, Wanted::Both);
        }
    }
}

/// Where the `within d` windows of the matching events close. Only
/// events whose window is still open make a timer; older ones are
/// skipped before the (costly) calendar arithmetic.
fn windows(view: &View<'_, '_>, pattern: PatternId, d: Duration, out: &mut Soonest) {
    let (_, reach) = super::value::window_bounds(d);
    // Newest first: once one window has closed, every older one has.
    for &i in view.history().iter().rev() {
        let Some(item) = view.run.timeline.get(i) else {
            continue;
        };
        if reach.is_some_and(|r| item.at.saturating_add(r) <= view.now) {
            break;
        }
        if view.matches(i, pattern) {
            out.push(view.run.add_time(item.at, d));
        }
    }
}

/// The way `e`, one side of a comparison with a constant, is wanted: as
/// the comparison passes it on for what counts up (colleagues in a role,
/// engaged ones, events in a window), both ways for anything else.
fn counted(e: &Node, way: Wanted) -> Wanted {
    match e {
        Node::GroupCount(_) | Node::GroupEngaged | Node::Count { .. } => way,
        _ => Wanted::Both,
    }
}

/// [`collect`] for a condition about `who` (a colleague or the account)
/// rather than the view's own contact: a buying-group role (`slot` is its
/// index), `engaged` (the number of roles) or `qualified` (one more).
/// Worked out once per search, and a member's condition that reads only
/// the member is kept until the member changes.
#[allow(clippy::too_many_arguments, reason = "one search's state, passed down")]
fn collect_for(
    view: &View<'_, '_>,
    who: Who,
    slot: usize,
    e: NodeId,
    out: &mut Soonest,
    shared: &mut Shared,
    wanted: Wanted,
) {
    let run = view.run;
    // Answers are kept per condition and per way it is wanted.
    let keyed = slot * Wanted::WAYS + wanted.index();
    let best = match who {
        // The replay that checks everyone is the reference the shortcuts
        // are tested against: it keeps nothing between searches.
        Who::Contact(m) if !run.check_everyone && run.policy.reads_only_own_member(slot) => {
            kept_soonest(view, m, keyed, e, out, shared, wanted)
        }
        _ => match shared.get(keyed, who) {
            Some(best) => best,
            None => {
                let best = soonest(view, who, e, out.after, out.until, shared, wanted);
                shared.insert(keyed, who, best);
                best
            }
        },
    };
    if let Some(t) = best {
        out.push(t);
    }
}

/// Member `m`'s condition `slot` (one that reads only the member), from
/// its kept [`ConditionTimer`] when that answers, else searched up to the
/// end of the replay and kept: searches up to the next event only would
/// rarely be reused, the next event being later every time.
fn kept_soonest(
    view: &View<'_, '_>,
    m: usize,
    slot: usize,
    e: NodeId,
    out: &Soonest,
    shared: &mut Shared,
    wanted: Wanted,
) -> Option<Instant> {
    let known = view
        .run
        .condition_timers
        .borrow()
        .get(m)
        .and_then(|timers| {
            timers
                .iter()
                .find(|c| c.key == slot)
                .and_then(|c| c.answer(out.after, out.until))
        });
    if let Some(best) = known {
        return best;
    }
    let until = view.run.end.max(out.until);
    let best = soonest(view, Who::Contact(m), e, out.after, until, shared, wanted);
    if let Some(timers) = view.run.condition_timers.borrow_mut().get_mut(m) {
        let fresh = ConditionTimer {
            key: slot,
            best,
            after: out.after,
            until,
        };
        match timers.iter_mut().find(|c| c.key == slot) {
            Some(c) => *c = fresh,
            None => timers.push(fresh),
        }
    }
    best.filter(|t| *t <= out.until)
}

/// The soonest instant in (`after`, `until`] at which `who`'s condition
/// `e` may change with time alone.
fn soonest(
    view: &View<'_, '_>,
    who: Who,
    e: NodeId,
    after: Instant,
    until: Instant,
    shared: &mut Shared,
    wanted: Wanted,
) -> Option<Instant> {
    let mut sub = Soonest::new(after, until);
    collect(&View { who, ..*view }, e, &mut sub, shared, wanted);
    sub.best
}

/// The first instant in (now, as_of] at which a comparison of a decaying
/// score changes its truth. Between events decay is monotone, so the
/// truth flips at most once and a binary search finds the exact
/// millisecond.
fn crossing(
    view: &View<'_, '_>,
    cmp: NodeId,
    t: &Timed,
    as_of: Instant,
    wanted: Wanted,
) -> Option<Instant> {
    let at = |t: Instant| View { now: t, ..*view }.truth(cmp);
    // `score op n` where decay alone only brings the score down: then
    // the comparison may not be able to change (the wanted way, or at
    // all). The reference replay (checking everyone) searches the whole
    // span.
    let falling = score_against_number(view, t)
        .filter(|(s, ..)| !view.run.check_everyone && only_adds(view, *s))
        .map(|(_, op, _)| op);
    if falling.is_some_and(|op| decay_cannot(op, wanted)) {
        return None;
    }
    let start = at(view.now);
    if falling.is_some_and(|op| decay_keeps(op, start)) {
        return None;
    }
    let (mut lo, mut hi) = (view.now, as_of);
    // Most searches end within a millisecond of where pure decay crosses:
    // try there first. The flip being unique in the span, a change
    // between two neighbouring milliseconds is the answer (and means
    // there is one before `as_of`).
    let guess = decay_guess(view, t);
    if let Some(g) = guess.filter(|g| *g > lo && *g < hi) {
        let answer = if at(g) == start {
            // Not flipped by `g` (so not before): flipped at `g + 1`?
            (at(g + 1) != start).then_some(g + 1)
        } else {
            // Flipped by `g`: not yet at `g - 1`?
            (at(g - 1) == start).then_some(g)
        };
        if answer.is_some() {
            return answer;
        }
    }
    if at(as_of) == start {
        return None;
    }
    // Else a narrow bracket around the guess, then the whole span.
    if let Some(guess) = guess {
        for width in [2, 2_000, 120_000] {
            let a = guess.saturating_sub(width).max(lo);
            let b = guess.saturating_add(width).min(hi);
            if a < b && at(a) == start && at(b) != start {
                (lo, hi) = (a, b);
                break;
            }
        }
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if at(mid) == start {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(hi)
}

/// Whether decay alone cannot change the truth `start` of `score op n`
/// for a score that only falls between events (see `only_adds`):
/// `score >= n` that is false, or `score <= n` that is true, stays so
/// until the next event. Changes its `when` rules bring have timers of
/// their own. Most comparisons of a decaying score are in this state most
/// of the time, and this spares working the score out at the end of the
/// span.
fn decay_keeps(op: CmpOp, start: super::value::Truth) -> bool {
    match op {
        CmpOp::Ge | CmpOp::Gt => start == Some(false),
        CmpOp::Le | CmpOp::Lt => start == Some(true),
        CmpOp::Eq | CmpOp::Ne => false,
    }
}

/// Whether every `each` rule of score `s` adds points, so that decay
/// alone only brings it down (caps and the range keep that).
fn only_adds(view: &View<'_, '_>, s: ScoreId) -> bool {
    view.run.policy.ir().scores[s]
        .rules
        .iter()
        .all(|rule| match rule {
            ScoreRule::Each { points, .. } => *points >= 0.0,
            ScoreRule::When { .. } => true,
        })
}

/// Whether decay alone cannot change `score op n` the `wanted` way,
/// whatever its truth now, for a score that only falls between events:
/// it cannot make `score >= n` start to hold, or `score <= n` stop
/// holding.
fn decay_cannot(op: CmpOp, wanted: Wanted) -> bool {
    matches!(
        (wanted, op),
        (Wanted::Rise, CmpOp::Ge | CmpOp::Gt) | (Wanted::Fall, CmpOp::Le | CmpOp::Lt)
    )
}

/// `t` read as `score op n`, the operator turned round when the number
/// is written first (`40 <= engagement` is `engagement >= 40`).
fn score_against_number(view: &View<'_, '_>, t: &Timed) -> Option<(ScoreId, CmpOp, f64)> {
    let TimeSide::Decay(s) = t.time else {
        return None;
    };
    let Node::Const(Value::Number(n)) = view.run.policy.ir().nodes[t.bound] else {
        return None;
    };
    let op = if t.time_left {
        t.op
    } else {
        match t.op {
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
            other => other,
        }
    };
    Some((s, op, n))
}

/// Where a decaying score compared with a number would cross it if the
/// score were one decaying sum (caps, ranges and `when` rules make it
/// only a guess): `now + half_life × log2(score / threshold)`.
fn decay_guess(view: &View<'_, '_>, t: &Timed) -> Option<Instant> {
    let (s, _, threshold) = score_against_number(view, t)?;
    let half_life = view.run.policy.ir().scores[s].half_life?;
    let h = half_life.approx_days() * DAY_MS as f64;
    let ratio = view.score(s) / threshold;
    if !(h > 0.0 && ratio.is_finite() && ratio > 1.0) {
        return None;
    }
    let after = h * ratio.log2();
    (after < 1e15).then(|| view.now.saturating_add(after as i64))
}
