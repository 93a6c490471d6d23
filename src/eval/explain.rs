//! Why a contact is where it is, and what is missing for each way out of
//! its stage (docs/engine.md, `detente explain`). Evaluated on the
//! replay's final state, as typed reasons: the report layer writes the
//! sentences (report/explain.rs), so a tool can show them its own way.

use crate::data::time::Instant;
use crate::ir::*;

use super::state::Run;
use super::value::{DAY_MS, Truth, V};
use super::view::{View, Who};

/// One way out of the current stage and how far the contact is from it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Exit {
    /// The transition.
    pub transition: TransitionId,
    /// What holds, what is missing, the smallest change that would do it,
    /// in the order they are told.
    pub reasons: Vec<Reason>,
}

/// One thing said about a way out; `depth` nests it under the reason
/// before it at a lower depth (the parts of an `and`, a criteria's clauses).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Reason {
    /// How deep it is nested, 0 for the way out itself.
    pub depth: usize,
    /// What is said.
    pub says: Says,
}

/// What a [`Reason`] says.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Says {
    /// An `on` move: only its event (or touchpoint) moves the contact.
    WaitsFor(PatternId),
    /// An `after` move whose time is up; its `unless` held then, so it is
    /// closed for this stay.
    AfterClosed {
        /// The move's duration.
        duration: Duration,
        /// When the time was up.
        due: Instant,
    },
    /// An `after` move still to come.
    AfterDue {
        /// The move's duration.
        duration: Duration,
        /// When it happens if nothing moves the contact first.
        due: Instant,
        /// The stage the duration counts from.
        stage: StageId,
    },
    /// The `unless` of an `after` move and whether it holds now.
    Unless {
        /// The exception as written.
        condition: NodeId,
        /// Whether it holds now.
        held: Truth,
    },
    /// An `or`: any one of the reasons nested under it is enough.
    AnyOf(Truth),
    /// An `and`: all the reasons nested under it are needed.
    AllOf(Truth),
    /// A criteria and each of its clauses' truth.
    Criteria {
        /// The criteria.
        criteria: CriteriaId,
        /// Whether it is met.
        met: Truth,
        /// Each clause's truth, in the order written.
        clauses: Vec<Truth>,
    },
    /// A clause of a criteria that does not hold.
    Clause {
        /// The criteria.
        criteria: CriteriaId,
        /// The clause's position in it.
        clause: usize,
        /// Its truth.
        truth: Truth,
        /// The value behind it.
        detail: Option<Detail>,
    },
    /// The fewest clauses of a criteria to make true.
    Smallest {
        /// The criteria.
        criteria: CriteriaId,
        /// How many of `open` must come to hold.
        needed: Needed,
        /// The clauses that do not hold, by position.
        open: Vec<usize>,
    },
    /// Any other condition and its truth.
    Leaf {
        /// The condition.
        condition: NodeId,
        /// Its truth.
        truth: Truth,
        /// When it does not hold: the value behind it.
        detail: Option<Detail>,
    },
}

/// How many open clauses a criteria still needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Needed {
    /// This many more (`require N of M`).
    More(usize),
    /// Any one of them (`require any`).
    Any,
    /// All of them.
    All,
}

/// The value behind a condition that does not hold.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Detail {
    /// A comparison: the left side's value and how far it is from holding.
    Compare {
        /// The left side as written.
        left: Side,
        /// Its value now.
        value: Shown,
        /// How far it is from holding, when that can be said.
        gap: Option<Gap>,
    },
    /// A `time_in_stage` comparison that will hold from this instant if
    /// the contact stays.
    HoldsFrom(Instant),
    /// `group.has(ROLE)` with nobody holding the role.
    NobodyHolds(RoleId),
    /// `X is missing` / `X is present`: X's value now.
    Is {
        /// The expression tested.
        of: NodeId,
        /// Its value now.
        value: Shown,
    },
    /// `seen(...)` with no such event yet.
    NotSeen {
        /// The event or touchpoint.
        pattern: PatternId,
        /// The window, if any.
        within: Option<Duration>,
    },
}

/// The left side of a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Side {
    /// An expression.
    Node(NodeId),
    /// The time that changes in a timed comparison.
    Time(TimeSide),
}

/// How far a number is from a threshold.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Gap {
    /// This much more is needed (`>=`).
    More(f64),
    /// More than this much more is needed (`>`).
    MoreThan(f64),
    /// This much too many (`<=`).
    TooMany(f64),
    /// The value is missing, so the comparison is unknown.
    Missing,
}

/// A value as it stood when explained.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Shown {
    /// No value.
    Missing,
    /// A value.
    Value(Value),
    /// Days elapsed (`time_in_stage`, `days_since`).
    Days(f64),
    /// A list.
    List(Vec<Shown>),
}

impl Shown {
    fn of(v: &V<'_>, now: Instant) -> Shown {
        match v {
            V::Missing => Shown::Missing,
            V::Bool(b) => Shown::Value(Value::Bool(*b)),
            V::Num(n) => Shown::Value(Value::Number(*n)),
            V::Money(m) => Shown::Value(Value::Money(*m)),
            V::Dur(d) => Shown::Value(Value::Duration(*d)),
            V::Elapsed(since) => Shown::Days(now.saturating_sub(*since) as f64 / DAY_MS),
            V::Text(t) => Shown::Value(Value::Text((*t).to_string())),
            V::Date(d) => Shown::Value(Value::Date(*d)),
            V::Ts(t) => Shown::Value(Value::Timestamp(*t)),
            V::List(l) => Shown::List(l.iter().map(|x| Shown::of(x, now)).collect()),
        }
    }
}

impl Run<'_> {
    /// What is missing for every transition out of the stage of `who`
    /// (a member, or the account).
    pub fn exits(&self, who: Who, now: Instant) -> Vec<Exit> {
        let ir = self.policy.ir();
        let (life, entity) = match who {
            Who::Contact(m) => (
                self.members.get(m).and_then(|x| x.life.as_ref()),
                self.lifecycle,
            ),
            Who::Account => (self.account_life.as_ref(), Entity::Account),
        };
        let (Some(life), Some(machine)) = (life, self.policy.machine(entity)) else {
            return Vec::new();
        };
        let view = View::new(self, who, now);
        let mut out = Vec::new();
        for t in machine.exits(life.stage) {
            let tr = &ir.transitions[*t];
            let mut reasons = Reasons(Vec::new());
            match &tr.trigger {
                TriggerRule::On(p) => reasons.say(0, Says::WaitsFor(*p)),
                TriggerRule::When(c) => describe(&view, *c, 0, &mut reasons),
                TriggerRule::After { duration, unless } => {
                    let due = self.add_time(life.since, *duration);
                    if life.after_checked.contains(t) || due <= now {
                        let duration = *duration;
                        reasons.say(0, Says::AfterClosed { duration, due });
                    } else {
                        let (duration, stage) = (*duration, life.stage);
                        reasons.say(
                            0,
                            Says::AfterDue {
                                duration,
                                due,
                                stage,
                            },
                        );
                    }
                    if let Some(u) = *unless {
                        let held = view.truth(u);
                        reasons.say(0, Says::Unless { condition: u, held });
                        if held == Some(true) {
                            describe(&view, u, 1, &mut reasons);
                        }
                    }
                }
            }
            out.push(Exit {
                transition: *t,
                reasons: reasons.0,
            });
        }
        out
    }
}

struct Reasons(Vec<Reason>);

impl Reasons {
    fn say(&mut self, depth: usize, says: Says) {
        self.0.push(Reason { depth, says });
    }
}

/// Reasons saying whether `e` holds and, when it does not, what would
/// make it.
fn describe(view: &View<'_, '_>, e: NodeId, depth: usize, out: &mut Reasons) {
    let ir = view.run.policy.ir();
    match &ir.nodes[e] {
        Node::Or(a, b) | Node::And(a, b) => {
            let t = view.truth(e);
            let says = match &ir.nodes[e] {
                Node::Or(..) => Says::AnyOf(t),
                _ => Says::AllOf(t),
            };
            out.say(depth, says);
            describe(view, *a, depth + 1, out);
            describe(view, *b, depth + 1, out);
        }
        Node::Criteria(c) => describe_criteria(view, *c, depth, out),
        _ => {
            let truth = view.truth(e);
            let detail = (truth != Some(true))
                .then(|| leaf_detail(view, e))
                .flatten();
            out.say(
                depth,
                Says::Leaf {
                    condition: e,
                    truth,
                    detail,
                },
            );
        }
    }
}

fn describe_criteria(view: &View<'_, '_>, c: CriteriaId, depth: usize, out: &mut Reasons) {
    let ir = view.run.policy.ir();
    let crit = &ir.criteria[c];
    let (met, clauses) = view.criteria_detail(c);
    let open: Vec<usize> = (0..clauses.len())
        .filter(|i| clauses.get(*i) != Some(&Some(true)))
        .collect();
    let held = clauses.len() - open.len();
    let said = Says::Criteria {
        criteria: c,
        met,
        clauses: clauses.clone(),
    };
    out.say(depth, said);
    for (i, (clause, t)) in crit.clauses.iter().zip(&clauses).enumerate() {
        if *t == Some(true) {
            continue;
        }
        let detail = leaf_detail(view, clause.condition);
        let (criteria, clause, truth) = (c, i, *t);
        out.say(
            depth + 1,
            Says::Clause {
                criteria,
                clause,
                truth,
                detail,
            },
        );
    }
    if met == Some(true) {
        return;
    }
    let needed = match &crit.require {
        Requirement::AtLeast(n) if *n > held => Needed::More(n - held),
        Requirement::Any => Needed::Any,
        Requirement::All => Needed::All,
        _ => return,
    };
    out.say(
        depth + 1,
        Says::Smallest {
            criteria: c,
            needed,
            open,
        },
    );
}

/// The value behind a comparison, and how far it is from holding.
fn leaf_detail(view: &View<'_, '_>, e: NodeId) -> Option<Detail> {
    let ir = view.run.policy.ir();
    match &ir.nodes[e] {
        Node::Compare(op, l, r) => Some(compare(
            view,
            *op,
            (view.eval(*l), view.eval(*r)),
            Side::Node(*l),
        )),
        Node::Timed(t) => {
            let (time, bound) = (view.time_side(t.time), view.eval(t.bound));
            if let (TimeSide::TimeInStage, V::Elapsed(since), V::Dur(d)) = (t.time, &time, &bound) {
                let at = view.run.add_time(*since, *d);
                if at > view.now && t.time_left {
                    return Some(Detail::HoldsFrom(at));
                }
            }
            Some(if t.time_left {
                compare(view, t.op, (time, bound), Side::Time(t.time))
            } else {
                compare(view, t.op, (bound, time), Side::Node(t.bound))
            })
        }
        Node::GroupHas(r) => Some(Detail::NobodyHolds(*r)),
        Node::Missing { of, .. } => Some(Detail::Is {
            of: *of,
            value: Shown::of(&view.eval(*of), view.now),
        }),
        Node::Seen { pattern, within } => Some(Detail::NotSeen {
            pattern: *pattern,
            within: *within,
        }),
        _ => None,
    }
}

/// The left value of a comparison and how far it is from holding.
fn compare(view: &View<'_, '_>, op: CmpOp, (lv, rv): (V<'_>, V<'_>), left: Side) -> Detail {
    let gap = match (&lv, &rv, op) {
        (V::Num(a), V::Num(b), CmpOp::Ge) if a < b => Some(Gap::More(b - a)),
        (V::Num(a), V::Num(b), CmpOp::Gt) if a <= b => Some(Gap::MoreThan(b - a)),
        (V::Num(a), V::Num(b), CmpOp::Le) if a > b => Some(Gap::TooMany(a - b)),
        (V::Missing, _, _) => Some(Gap::Missing),
        _ => None,
    };
    Detail::Compare {
        left,
        value: Shown::of(&lv, view.now),
        gap,
    }
}
