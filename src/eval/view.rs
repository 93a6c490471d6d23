//! Evaluating expressions for one contact (or the account) at one instant.
//!
//! Logic is three-valued: a comparison involving a missing value is
//! *unknown*; `not unknown` is unknown; `and`/`or` follow Kleene's tables;
//! a condition holds only when it is true.

use crate::data::EventKind;
use crate::data::time::Instant;
use crate::ir::*;

use super::memo::{Memo, Pick};
use super::state::Run;
use super::value::{DAY_MS, Truth, V, all, and, any, arith, b, decay, or, order, window_bounds};

/// Who a view is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    Contact(usize),
    Account,
}

/// An expression's world: one run, one subject, one instant; inside an
/// event pattern, the event being matched.
#[derive(Clone, Copy)]
pub struct View<'r, 'a> {
    pub run: &'r Run<'a>,
    pub who: Who,
    pub now: Instant,
    /// Index into `Histories::events` of the event a pattern is matching.
    pub event: Option<usize>,
    pub clauses: Option<&'r [Truth]>,
}

impl<'r, 'a> View<'r, 'a> {
    pub fn new(run: &'r Run<'a>, who: Who, now: Instant) -> View<'r, 'a> {
        View {
            run,
            who,
            now,
            event: None,
            clauses: None,
        }
    }

    fn ir(&self) -> &'r Ir {
        self.run.policy.ir()
    }

    fn nodes(&self) -> &'r Nodes {
        &self.run.policy.ir().nodes
    }

    fn for_contact(&self, m: usize) -> View<'r, 'a> {
        View {
            who: Who::Contact(m),
            event: None,
            clauses: None,
            ..*self
        }
    }

    /// Does the condition hold (is it true, not false or unknown)?
    pub fn holds(&self, e: NodeId) -> bool {
        self.truth(e) == Some(true)
    }

    pub fn truth(&self, e: NodeId) -> Truth {
        self.eval(e).truth()
    }

    /// History visible to this view: the contact's processed events, or
    /// every processed event of the account. Timeline indexes, oldest
    /// first.
    pub fn history(&self) -> &'r [usize] {
        match self.who {
            Who::Contact(m) => self
                .run
                .members
                .get(m)
                .map_or(&[][..], |x| x.history.as_slice()),
            Who::Account => &self.run.account_history,
        }
    }

    fn event_fields(&self, event: usize) -> Option<(EventTypeId, &'r [Option<Value>])> {
        match self.run.histories.events.get(event).map(|e| &e.kind) {
            Some(EventKind::Event { ty, fields }) => Some((*ty, fields.as_slice())),
            _ => None,
        }
    }

    /// Does timeline item `i` match the pattern?
    pub fn matches(&self, i: usize, p: PatternId) -> bool {
        let p = &self.nodes()[p];
        let Some(event) = self.run.timeline.get(i).and_then(|x| x.what.event()) else {
            return false;
        };
        let Some((ty, _)) = self.event_fields(event) else {
            return false;
        };
        let kind_ok = match p.event {
            EventRef::Event(e) => e == ty,
            EventRef::Touchpoint(t) => self
                .run
                .touchpoints
                .get(i)
                .is_some_and(|tps| tps.contains(&t)),
        };
        kind_ok
            && p.condition.is_none_or(|c| {
                let member = self.run.timeline.get(i).map_or(0, |x| x.member);
                View {
                    who: Who::Contact(member),
                    event: Some(event),
                    ..*self
                }
                .holds(c)
            })
    }

    /// Matching events in this view's history, newest first, optionally
    /// only those still inside a `within` window. History is in time
    /// order and a window's end moves with its start, so the scan stops at
    /// the first event whose window has closed.
    fn matching(
        &self,
        p: PatternId,
        within: Option<Duration>,
    ) -> impl Iterator<Item = usize> + use<'r, 'a> {
        let view = *self;
        let (short, long) = within.map_or((None, None), window_bounds);
        self.history()
            .iter()
            .rev()
            .copied()
            .map_while(move |i| {
                let Some(d) = within else {
                    return Some(i);
                };
                let at = view.run.timeline.get(i).map_or(i64::MIN, |x| x.at);
                let open = if long.is_some_and(|l| at.saturating_add(l) <= view.now) {
                    false
                } else if short.is_some_and(|s| at.saturating_add(s) > view.now) {
                    true
                } else {
                    view.now < view.run.add_time(at, d)
                };
                open.then_some(i)
            })
            .filter(move |i| view.matches(*i, p))
    }

    /// The newest matching event in this view's history.
    fn last_match(&self, p: PatternId) -> Option<usize> {
        self.matching(p, None).next()
    }

    /// The memo this view may use for a value, and its row there: outside
    /// any event pattern, the steady memo for a value that reads only
    /// fields (see `compile::steady`; not in the reference replay, which
    /// keeps nothing), else the memo of the instant being checked or of
    /// the timer search's horizon.
    fn memo(&self, steady: bool) -> Option<(&'r std::cell::RefCell<Memo>, usize)> {
        if self.event.is_some() || self.clauses.is_some() {
            return None;
        }
        let memo = if steady && !self.run.check_everyone {
            &self.run.memo_steady
        } else if self.now == self.run.instant {
            &self.run.memo
        } else if self.now == self.run.horizon {
            &self.run.memo_ahead
        } else if self.now == self.run.end {
            &self.run.memo_end
        } else {
            return None;
        };
        let row = match self.who {
            Who::Contact(m) => m,
            Who::Account => self.run.members.len(),
        };
        Some((memo, row))
    }

    /// `work()` for this view, remembered in `pick`'s table (`width`
    /// columns) at column `col` when the view may use a memo; `steady`:
    /// the value reads only fields.
    fn remembered<T: Copy + Default>(
        &self,
        pick: Pick<T>,
        (col, width): (usize, usize),
        steady: bool,
        work: impl FnOnce() -> T,
    ) -> T {
        let Some((memo, row)) = self.memo(steady) else {
            return work();
        };
        let known = memo.borrow_mut().recall(pick, row, col);
        if let Some(v) = known {
            return v;
        }
        let v = work();
        let shape = (self.run.members.len() + 1, width);
        memo.borrow_mut().keep(pick, shape, row, col, v);
        v
    }

    pub fn score(&self, s: ScoreId) -> f64 {
        let width = self.ir().scores.len();
        let steady = self.run.policy.steady().score(s);
        self.remembered(
            |m| &mut m.scores,
            (s.index(), width),
            steady,
            || self.work_out_score(s),
        )
    }

    fn work_out_score(&self, s: ScoreId) -> f64 {
        let score = &self.ir().scores[s];
        // A contact's running totals, when they are not ahead of `now`,
        // and the one factor that decays them all to `now`.
        let tallies = match self.who {
            Who::Contact(m) => self
                .run
                .members
                .get(m)
                .and_then(|x| x.tallies.get(s.index()))
                .filter(|t| t.at <= self.now)
                .map(|t| (t, decay(score.half_life, self.now - t.at))),
            Who::Account => None,
        };
        let mut total = 0.0;
        for (r, rule) in score.rules.iter().enumerate() {
            match rule {
                ScoreRule::Each {
                    pattern,
                    points,
                    max,
                    ..
                } => {
                    let mut sum = 0.0;
                    if let Some((t, factor)) = tallies {
                        sum = t.sums.get(r).map_or(0.0, |x| x * factor);
                    } else {
                        // Oldest first, as the running totals add up.
                        for &i in self.history() {
                            if !self.matches(i, *pattern) {
                                continue;
                            }
                            let at = self.run.timeline.get(i).map_or(self.now, |x| x.at);
                            sum += points * decay(score.half_life, self.now - at);
                        }
                    }
                    if let Some(m) = max {
                        sum = if *points >= 0.0 {
                            sum.min(*m)
                        } else {
                            sum.max(-m)
                        };
                    }
                    total += sum;
                }
                ScoreRule::When {
                    condition, points, ..
                } => {
                    if self.holds(*condition) {
                        total += points;
                    }
                }
            }
        }
        if let Some((lo, hi)) = score.range {
            total = total.clamp(lo, hi);
        }
        total
    }

    /// Each clause's truth, then the criteria's.
    pub fn criteria_detail(&self, c: CriteriaId) -> (Truth, Vec<Truth>) {
        let crit = &self.ir().criteria[c];
        let clauses: Vec<Truth> = crit
            .clauses
            .iter()
            .map(|cl| self.truth(cl.condition))
            .collect();
        let met = match &crit.require {
            Requirement::All => all(&clauses),
            Requirement::Any => any(&clauses),
            Requirement::AtLeast(n) => {
                let yes = clauses.iter().filter(|t| **t == Some(true)).count();
                let maybe = clauses.iter().filter(|t| t.is_none()).count();
                if yes >= *n {
                    Some(true)
                } else if yes + maybe < *n {
                    Some(false)
                } else {
                    None
                }
            }
            Requirement::Expr(e) => View {
                clauses: Some(&clauses),
                ..*self
            }
            .truth(*e),
        };
        (met, clauses)
    }

    pub fn criteria(&self, c: CriteriaId) -> Truth {
        let width = self.ir().criteria.len();
        let steady = self.run.policy.steady().criteria(c);
        self.remembered(
            |m| &mut m.criteria,
            (c.index(), width),
            steady,
            || self.criteria_met(c),
        )
    }

    /// The criteria's truth alone: what `criteria_detail` gives first, but
    /// clauses are worked out only until the requirement is decided.
    fn criteria_met(&self, c: CriteriaId) -> Truth {
        let crit = &self.ir().criteria[c];
        let clauses = &crit.clauses;
        let (decides, needed) = match crit.require {
            Requirement::All => (Some(false), clauses.len()),
            Requirement::Any => (Some(true), 1),
            Requirement::AtLeast(n) => (None, n),
            Requirement::Expr(_) => return self.criteria_detail(c).0,
        };
        let (mut yes, mut maybe) = (0, 0);
        for (k, cl) in clauses.iter().enumerate() {
            let t = self.truth(cl.condition);
            if decides.is_some() && t == decides {
                return t;
            }
            match t {
                Some(true) => yes += 1,
                None => maybe += 1,
                Some(false) => {}
            }
            if yes >= needed {
                return Some(true);
            }
            // Even if every clause left held, too few could.
            if yes + maybe + (clauses.len() - k - 1) < needed {
                return Some(false);
            }
        }
        if yes >= needed {
            Some(true)
        } else if yes + maybe < needed {
            Some(false)
        } else {
            None
        }
    }

    /// Members of the account that exist now.
    pub fn members(&self) -> impl Iterator<Item = usize> + 'r {
        let now = self.now;
        self.run
            .members
            .iter()
            .enumerate()
            .filter(move |(_, m)| m.exists && m.created <= now)
            .map(|(i, _)| i)
    }

    pub fn has_role(&self, m: usize, r: RoleId) -> bool {
        let roles = &self.ir().roles;
        let view = self.for_contact(m);
        let steady = self.run.policy.steady().role(r);
        view.remembered(
            |m| &mut m.roles,
            (r.index(), roles.len()),
            steady,
            || view.holds(roles[r].condition),
        )
    }

    pub fn is_engaged(&self, m: usize) -> bool {
        self.ir()
            .buying_group
            .as_ref()
            .and_then(|g| g.engaged)
            .is_some_and(|e| {
                let view = self.for_contact(m);
                let steady = self.run.policy.steady().engaged;
                view.remembered(|m| &mut m.engaged, (0, 1), steady, || view.holds(e))
            })
    }

    pub fn group_qualified(&self) -> Truth {
        let q = self.ir().buying_group.as_ref().and_then(|g| g.qualified)?;
        View {
            who: Who::Account,
            event: None,
            clauses: None,
            ..*self
        }
        .truth(q)
    }

    fn life(&self) -> Option<&'r super::state::Life> {
        match self.who {
            Who::Contact(m) => self.run.members.get(m).and_then(|x| x.life.as_ref()),
            Who::Account => self.run.account_life.as_ref(),
        }
    }

    /// Is the contact's latest instance of the SLA overdue or met late?
    pub fn breached(&self, s: SlaId) -> Truth {
        let Who::Contact(m) = self.who else {
            return None;
        };
        let member = self.run.members.get(m)?;
        let latest = member.slas.iter().rev().find(|i| i.sla == s)?;
        if latest.cancelled_at.is_some() {
            return Some(false);
        }
        Some(match latest.met_at {
            Some(met) => met > latest.due,
            None => self.now > latest.due,
        })
    }

    /// `l op r`; a calculation that has no value though both operands
    /// have one (a division by zero, a result out of range) is noted, once
    /// per member and node, for the journey's problems (R004).
    fn calculate(&self, e: NodeId, op: ArithOp, l: V<'r>, r: V<'r>) -> V<'r> {
        let known = !matches!(l, V::Missing) && !matches!(r, V::Missing);
        let by_zero = op == ArithOp::Div
            && match &r {
                V::Num(x) => *x == 0.0,
                V::Money(m) => m.is_zero(),
                _ => false,
            };
        let v = arith(op, l, r);
        if known && matches!(v, V::Missing) {
            let member = match self.who {
                Who::Contact(m) => Some(m),
                Who::Account => None,
            };
            // The earliest instant: a timer search looks ahead of checks
            // still to come.
            let mut noted = self.run.calculations.borrow_mut();
            match noted
                .iter_mut()
                .find(|(w, n, _, _)| *w == member && *n == e)
            {
                Some(seen) if self.now < seen.2 => {
                    seen.2 = self.now;
                    seen.3 = by_zero;
                }
                Some(_) => {}
                None => noted.push((member, e, self.now, by_zero)),
            }
        }
        v
    }

    pub fn eval(&self, e: NodeId) -> V<'r> {
        let nodes = self.nodes();
        match &nodes[e] {
            Node::Const(v) => V::from_value(Some(v)),
            // In a deal's replay the members are the account's deals
            // (`Run::lifecycle`), and a deal's fields are its member's: a
            // contact's field reads as missing there (a deal-only event's
            // filter), and a deal's in a contact's replay.
            Node::ContactField(_) if self.run.lifecycle != Entity::Contact => V::Missing,
            Node::DealField(_) if self.run.lifecycle != Entity::Deal => V::Missing,
            Node::ContactField(f) | Node::DealField(f) => match self.who {
                Who::Contact(m) => V::from_value(
                    self.run
                        .members
                        .get(m)
                        .and_then(|x| x.fields.get(f.index()))
                        .and_then(Option::as_ref),
                ),
                Who::Account => V::Missing,
            },
            Node::AccountField(f) => V::from_value(
                self.run
                    .account_fields
                    .get(f.index())
                    .and_then(Option::as_ref),
            ),
            Node::DealHas(r) => match self.who {
                Who::Contact(m) => b(Some(
                    self.run
                        .member_roles
                        .get(m)
                        .is_some_and(|roles| roles.contains(r)),
                )),
                Who::Account => V::Missing,
            },
            Node::Linked { stage, ever } => match self.who {
                Who::Contact(m) => V::Num(self.linked(m, *stage, *ever) as f64),
                Who::Account => V::Missing,
            },
            Node::EventField(f) => V::from_value(
                self.event
                    .and_then(|ev| self.event_fields(ev))
                    .and_then(|(_, fields)| fields.get(f.index()))
                    .and_then(Option::as_ref),
            ),
            Node::Score(s) => V::Num(self.score(*s)),
            Node::Criteria(c) => b(self.criteria(*c)),
            Node::Clause(i) => b(self.clauses.and_then(|c| c.get(*i).copied()).flatten()),
            Node::Not(x) => b(self.truth(*x).map(|t| !t)),
            Node::Neg(x) => match self.eval(*x) {
                V::Num(n) => V::Num(-n),
                V::Money(m) => V::Money(-m),
                _ => V::Missing,
            },
            // Kleene's tables decide on a false left of `and` (a true left
            // of `or`) whatever the right is: it is not worked out.
            Node::And(l, r) => match self.truth(*l) {
                Some(false) => V::Bool(false),
                left => b(and(left, self.truth(*r))),
            },
            Node::Or(l, r) => match self.truth(*l) {
                Some(true) => V::Bool(true),
                left => b(or(left, self.truth(*r))),
            },
            Node::Compare(op, l, r) => b(self.compare(*op, &self.eval(*l), &self.eval(*r))),
            Node::Timed(t) => {
                let (time, bound) = (self.time_side(t.time), self.eval(t.bound));
                b(if t.time_left {
                    self.compare(t.op, &time, &bound)
                } else {
                    self.compare(t.op, &bound, &time)
                })
            }
            Node::Arith(op, l, r) => self.calculate(e, *op, self.eval(*l), self.eval(*r)),
            Node::In {
                negated,
                item,
                list,
            } => self.is_in(*negated, *item, *list),
            Node::Text(op, l, r) => match (self.eval(*l), self.eval(*r)) {
                (V::Text(a), V::Text(b)) => V::Bool(match op {
                    TextOp::Contains => a.contains(b),
                    TextOp::StartsWith => a.starts_with(b),
                    TextOp::EndsWith => a.ends_with(b),
                }),
                _ => V::Missing,
            },
            Node::Matches(x, pattern) => match (self.eval(*x), pattern.regex()) {
                (V::Text(t), Some(re)) => V::Bool(re.is_match(t)),
                _ => V::Missing,
            },
            Node::Missing { of, missing } => V::Bool((self.eval(*of) == V::Missing) == *missing),
            Node::List(items) => V::List(items.iter().map(|x| self.eval(*x)).collect()),
            Node::Seen { pattern, within } => {
                V::Bool(self.matching(*pattern, *within).next().is_some())
            }
            Node::Count { pattern, within } => {
                V::Num(self.matching(*pattern, *within).count() as f64)
            }
            Node::Last { pattern, field } => {
                let last = self.last_match(*pattern);
                match last
                    .and_then(|i| self.run.timeline.get(i))
                    .and_then(|x| x.what.event())
                {
                    Some(ev) => V::from_value(
                        self.event_fields(ev)
                            .and_then(|(_, f)| f.get(field.index()))
                            .and_then(Option::as_ref),
                    ),
                    _ => V::Missing,
                }
            }
            Node::DaysSince(p) => self.time_side(TimeSide::DaysSince(*p)),
            Node::TimeInStage => self.time_side(TimeSide::TimeInStage),
            Node::StageEntered(s) => V::Bool(self.life().is_some_and(|l| l.entered.contains(s))),
            Node::AccountStage => match &self.run.account_life {
                Some(l) => V::Text(&self.ir().stages[l.stage].name),
                None => V::Missing,
            },
            Node::Breached(s) => b(self.breached(*s)),
            Node::GroupHas(r) => V::Bool(self.members().any(|m| self.has_role(m, *r))),
            Node::GroupCount(r) => {
                V::Num(self.members().filter(|m| self.has_role(*m, *r)).count() as f64)
            }
            Node::GroupEngaged => {
                V::Num(self.members().filter(|m| self.is_engaged(*m)).count() as f64)
            }
            Node::GroupSize => V::Num(self.members().count() as f64),
            Node::GroupIn(s) => V::Num(
                self.members()
                    .filter(|m| {
                        self.run
                            .members
                            .get(*m)
                            .and_then(|x| x.life.as_ref())
                            .is_some_and(|l| l.stage == *s)
                    })
                    .count() as f64,
            ),
            Node::GroupQualified => b(self.group_qualified()),
            Node::Min(xs) => self.extreme(xs, std::cmp::Ordering::Less),
            Node::Max(xs) => self.extreme(xs, std::cmp::Ordering::Greater),
        }
    }

    /// How many of member `m`'s linked subjects are in `stage` now, or
    /// (`ever`) have entered it by now.
    fn linked(&self, m: usize, stage: StageId, ever: bool) -> usize {
        let now = self.now;
        self.run.linked.get(m).map_or(0, |subjects| {
            subjects
                .iter()
                .filter(|entries| {
                    let mut before = entries.iter().filter(|(_, at)| *at <= now);
                    if ever {
                        before.any(|(s, _)| *s == stage)
                    } else {
                        // Entries are in order: the newest before now is
                        // where the subject is.
                        before.next_back().is_some_and(|(s, _)| *s == stage)
                    }
                })
                .count()
        })
    }

    /// The value of what time alone changes, now: time in the stage as
    /// elapsed time, days since the newest matching event, a score.
    pub fn time_side(&self, t: TimeSide) -> V<'r> {
        match t {
            TimeSide::TimeInStage => self.life().map_or(V::Missing, |l| V::Elapsed(l.since)),
            TimeSide::DaysSince(p) => {
                match self.last_match(p).and_then(|i| self.run.timeline.get(i)) {
                    Some(item) => V::Num((self.now - item.at) as f64 / DAY_MS),
                    None => V::Missing,
                }
            }
            TimeSide::Decay(s) => V::Num(self.score(s)),
        }
    }

    /// `item in list`: written lists are walked in place rather than
    /// built.
    fn is_in(&self, negated: bool, item: NodeId, list: NodeId) -> V<'r> {
        let item = self.eval(item);
        if item == V::Missing {
            return V::Missing;
        }
        let equal = |x: &V<'_>| self.compare(CmpOp::Eq, &item, x) == Some(true);
        let found = match &self.nodes()[list] {
            Node::Const(Value::List(xs)) => xs.iter().any(|x| equal(&V::from_value(Some(x)))),
            Node::List(xs) => xs.iter().any(|x| equal(&self.eval(*x))),
            _ => match self.eval(list) {
                V::List(xs) => xs.iter().any(equal),
                _ => return V::Missing,
            },
        };
        V::Bool(found != negated)
    }

    /// The least (`want` = Less) or greatest of values; missing if any is.
    fn extreme(&self, xs: &[NodeId], want: std::cmp::Ordering) -> V<'r> {
        let mut best: Option<V> = None;
        for x in xs {
            let v = self.eval(*x);
            if v == V::Missing {
                return V::Missing;
            }
            best = match best {
                None => Some(v),
                Some(cur) => Some(if order(&v, &cur) == Some(want) {
                    v
                } else {
                    cur
                }),
            };
        }
        best.unwrap_or(V::Missing)
    }

    /// Compares two values; unknown when either is missing or they cannot
    /// be compared.
    pub fn compare(&self, op: CmpOp, l: &V<'_>, r: &V<'_>) -> Truth {
        let ord = match (l, r) {
            (V::Missing, _) | (_, V::Missing) => return None,
            // Elapsed time against a written duration, in calendar terms.
            (V::Elapsed(since), V::Dur(d)) => Some(self.now.cmp(&self.run.add_time(*since, *d))),
            (V::Dur(d), V::Elapsed(since)) => Some(self.run.add_time(*since, *d).cmp(&self.now)),
            (V::Date(d), V::Text(t)) => crate::data::time::parse_date(t).map(|x| d.cmp(&x)),
            (V::Text(t), V::Date(d)) => crate::data::time::parse_date(t).map(|x| x.cmp(d)),
            _ => order(l, r),
        };
        let ord = ord?;
        use std::cmp::Ordering::*;
        Some(match op {
            CmpOp::Eq => ord == Equal,
            CmpOp::Ne => ord != Equal,
            CmpOp::Lt => ord == Less,
            CmpOp::Le => ord != Greater,
            CmpOp::Gt => ord == Greater,
            CmpOp::Ge => ord != Less,
        })
    }
}
