//! Timers: the next instant at which time alone can change something a
//! current stage's transitions depend on (LANGUAGE.md §8, check instants).
//! Each is placed exactly where the change happens, so results never
//! depend on when the replay happens to look.

use crate::check::model::*;
use crate::data::time::Instant;
use crate::syntax::ast::Entity;

use super::state::Run;
use super::view::{View, Who};

const DAY_MS: i64 = 86_400_000;

impl Run<'_> {
    /// The earliest timer after `now`, no later than `as_of` (the replay
    /// passes the next event's time when it is sooner: a score crossing a
    /// threshold later than that is searched for only once it matters).
    pub fn next_timer(&self, now: Instant, as_of: Instant) -> Option<Instant> {
        let mut out = Vec::new();
        for m in 0..self.members.len() {
            let Some(member) = self.members.get(m) else {
                continue;
            };
            if !member.exists || member.stopped.is_some() {
                continue;
            }
            self.stage_timers(Who::Contact(m), Entity::Contact, now, as_of, &mut out);
        }
        if self.account_life.is_some() {
            self.stage_timers(Who::Account, Entity::Account, now, as_of, &mut out);
        }
        out.into_iter().filter(|t| *t > now && *t <= as_of).min()
    }

    fn stage_timers(
        &self,
        who: Who,
        entity: Entity,
        now: Instant,
        as_of: Instant,
        out: &mut Vec<Instant>,
    ) {
        let life = match who {
            Who::Contact(m) => self.members.get(m).and_then(|x| x.life.as_ref()),
            Who::Account => self.account_life.as_ref(),
        };
        let (Some(life), Some(machine)) = (life, self.policy.machine(entity)) else {
            return;
        };
        let view = View::new(self, who, now);
        for t in machine.exits(life.stage) {
            let Some(tr) = self.policy.model().transitions.get(t.index()) else {
                continue;
            };
            match &tr.trigger {
                TriggerRule::After { duration, unless } => {
                    if !life.after_checked.contains(t) {
                        out.push(self.calendar.add(life.since, *duration));
                    }
                    if let Some(u) = unless {
                        collect(&view, u, as_of, out);
                    }
                }
                TriggerRule::When(c) => collect(&view, c, as_of, out),
                TriggerRule::On(_) => {}
            }
        }
    }
}

/// Instants after `view.now` at which `e` may change with time alone.
fn collect(view: &View<'_, '_>, e: &Expr, as_of: Instant, out: &mut Vec<Instant>) {
    let model = view.run.policy.model();
    match e {
        Expr::Compare(_, l, r) => {
            match (&**l, &**r) {
                (Expr::TimeInStage, Expr::Const(Value::Duration(d)))
                | (Expr::Const(Value::Duration(d)), Expr::TimeInStage) => {
                    if let super::view::V::Elapsed(since) = view.eval(&Expr::TimeInStage) {
                        let t = view.run.calendar.add(since, *d);
                        out.extend([t, t.saturating_add(1)]);
                    }
                }
                (Expr::DaysSince(p), Expr::Const(Value::Number(n)))
                | (Expr::Const(Value::Number(n)), Expr::DaysSince(p)) => {
                    if let super::view::V::Num(days) = view.eval(&Expr::DaysSince(p.clone())) {
                        let last = view.now - (days * DAY_MS as f64) as i64;
                        let t = last + (n * DAY_MS as f64) as i64;
                        out.extend([t, t.saturating_add(1)]);
                    }
                }
                (Expr::Score(s), Expr::Const(_)) | (Expr::Const(_), Expr::Score(s)) => {
                    if model
                        .scores
                        .get(s.index())
                        .is_some_and(|x| x.half_life.is_some())
                        && let Some(t) = crossing(view, e, as_of)
                    {
                        out.push(t);
                    }
                }
                _ => {}
            }
            collect(view, l, as_of, out);
            collect(view, r, as_of, out);
        }
        Expr::Seen {
            pattern,
            within: Some(d),
        }
        | Expr::Count {
            pattern,
            within: Some(d),
        } => {
            // Only events whose window is still open make a timer; older
            // ones are skipped before the (costly) calendar arithmetic.
            let reach = match d {
                Duration::Minutes(m) => Some(m.saturating_mul(60_000)),
                // A calendar day is at most 25 hours long (a DST change);
                // 26 leaves a margin.
                Duration::Days(n) => Some(n.saturating_mul(26 * 3_600_000)),
                Duration::BusinessHours(_) | Duration::BusinessDays(_) => None,
            };
            for i in view.history() {
                let Some(item) = view.run.timeline.get(i) else {
                    continue;
                };
                if reach.is_some_and(|r| item.at.saturating_add(r) <= view.now) {
                    continue;
                }
                if view.matches(i, pattern) {
                    out.push(view.run.calendar.add(item.at, *d));
                }
            }
        }
        Expr::Score(s) => {
            if let Some(score) = model.scores.get(s.index()) {
                for rule in &score.rules {
                    if let ScoreRule::When { condition, .. } = rule {
                        collect(view, condition, as_of, out);
                    }
                }
            }
        }
        Expr::Criteria(c) => {
            if let Some(crit) = model.criteria.get(c.index()) {
                for cl in &crit.clauses {
                    collect(view, &cl.condition, as_of, out);
                }
            }
        }
        Expr::Breached(s) => {
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
        Expr::GroupHas(r) | Expr::GroupCount(r) => {
            if let Some(role) = model.roles.get(r.index()) {
                for m in view.members() {
                    collect(
                        &View {
                            who: Who::Contact(m),
                            ..*view
                        },
                        &role.condition,
                        as_of,
                        out,
                    );
                }
            }
        }
        Expr::GroupEngaged => {
            if let Some(eng) = model.buying_group.as_ref().and_then(|g| g.engaged.as_ref()) {
                for m in view.members() {
                    collect(
                        &View {
                            who: Who::Contact(m),
                            ..*view
                        },
                        eng,
                        as_of,
                        out,
                    );
                }
            }
        }
        Expr::GroupQualified => {
            if let Some(q) = model
                .buying_group
                .as_ref()
                .and_then(|g| g.qualified.as_ref())
            {
                collect(
                    &View {
                        who: Who::Account,
                        ..*view
                    },
                    q,
                    as_of,
                    out,
                );
            }
        }
        Expr::Not(x) | Expr::Neg(x) | Expr::Missing { expr: x, .. } | Expr::Matches(x, _) => {
            collect(view, x, as_of, out)
        }
        Expr::And(l, r) | Expr::Or(l, r) | Expr::Arith(_, l, r) | Expr::Text(_, l, r) => {
            collect(view, l, as_of, out);
            collect(view, r, as_of, out);
        }
        Expr::In { item, list, .. } => {
            collect(view, item, as_of, out);
            collect(view, list, as_of, out);
        }
        Expr::List(xs) | Expr::Min(xs) | Expr::Max(xs) => {
            for x in xs {
                collect(view, x, as_of, out);
            }
        }
        _ => {}
    }
}

/// The first instant in (now, as_of] at which a comparison of a decaying
/// score changes its truth. Between events decay is monotone, so the
/// truth flips at most once and a binary search finds the exact
/// millisecond.
fn crossing(view: &View<'_, '_>, cmp: &Expr, as_of: Instant) -> Option<Instant> {
    let at = |t: Instant| View { now: t, ..*view }.truth(cmp);
    let start = at(view.now);
    if at(as_of) == start {
        return None;
    }
    let (mut lo, mut hi) = (view.now, as_of);
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
