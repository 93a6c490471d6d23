//! Expressions about one subject → nodes, with their facts.

use super::{Lower, R, Unlowered};
use crate::check::model::{self as m, Expr};
use crate::ir::*;

impl Lower<'_> {
    /// Lowers a condition or value about one contact (or the account).
    pub(super) fn node(&mut self, e: &Expr) -> R<NodeId> {
        if let Expr::Compare(op, l, _) = e
            && let Some(leaf) = self.model.timed_leaf(e)
        {
            return self.timed(*op, std::ptr::eq(leaf.side, &**l), leaf);
        }
        let (node, facts) = match e {
            Expr::Const(v) => (Node::Const(v.clone()), Facts::STEADY),
            Expr::ContactField(f) => (Node::ContactField(*f), Facts::STEADY),
            Expr::AccountField(f) => (
                Node::AccountField(*f),
                Facts {
                    account_fields: true,
                    ..Facts::STEADY
                },
            ),
            Expr::DealField(f) => (Node::DealField(*f), Facts::STEADY),
            // Roles come from the deal's contact rows, fixed during the
            // replay.
            Expr::DealHas(r) => (Node::DealHas(*r), Facts::STEADY),
            Expr::Linked { stage, ever } => linked(*stage, *ever),
            Expr::EventField(f) => (Node::EventField(*f), Facts::STEADY),
            Expr::Clause(i) => (Node::Clause(*i), Facts::STEADY),
            Expr::Score(s) => {
                let facts = self.score(*s)?;
                let facts = if self.model.decays(*s) {
                    Facts {
                        steady: false,
                        time: true,
                        unplaced: true,
                        ..facts
                    }
                } else {
                    facts
                };
                (Node::Score(*s), facts)
            }
            Expr::Criteria(c) => (Node::Criteria(*c), self.criteria(*c)?),
            Expr::Not(a) => self.unary(a, Node::Not)?,
            Expr::Neg(a) => self.unary(a, Node::Neg)?,
            Expr::And(a, b) => self.binary(a, b, Node::And)?,
            Expr::Or(a, b) => self.binary(a, b, Node::Or)?,
            Expr::Compare(op, a, b) => self.binary(a, b, |x, y| Node::Compare(*op, x, y))?,
            Expr::Arith(op, a, b) => self.binary(a, b, |x, y| Node::Arith(*op, x, y))?,
            Expr::Text(op, a, b) => self.binary(a, b, |x, y| Node::Text(*op, x, y))?,
            Expr::In {
                negated,
                item,
                list,
            } => self.binary(item, list, |item, list| Node::In {
                negated: *negated,
                item,
                list,
            })?,
            Expr::Matches(a, re) => self.unary(a, |x| Node::Matches(x, re.clone()))?,
            Expr::Missing { expr, missing } => self.unary(expr, |of| Node::Missing {
                of,
                missing: *missing,
            })?,
            Expr::List(xs) => self.many(xs, Node::List)?,
            Expr::Min(xs) => self.many(xs, Node::Min)?,
            Expr::Max(xs) => self.many(xs, Node::Max)?,
            Expr::Seen { pattern, within } => {
                let (pattern, facts) = self.read_pattern(pattern, within.is_some())?;
                (
                    Node::Seen {
                        pattern,
                        within: *within,
                    },
                    facts,
                )
            }
            Expr::Count { pattern, within } => {
                let (pattern, facts) = self.read_pattern(pattern, within.is_some())?;
                (
                    Node::Count {
                        pattern,
                        within: *within,
                    },
                    facts,
                )
            }
            Expr::Last { pattern, field } => {
                let (pattern, facts) = self.read_pattern(pattern, false)?;
                (
                    Node::Last {
                        pattern,
                        field: *field,
                    },
                    facts,
                )
            }
            // Time read outside a timed comparison: nothing places a timer
            // where it changes.
            Expr::DaysSince(p) => {
                let (pattern, facts) = self.read_pattern(p, true)?;
                let facts = Facts {
                    unplaced: true,
                    ..facts
                };
                (Node::DaysSince(pattern), facts)
            }
            Expr::TimeInStage => (Node::TimeInStage, Facts::UNPLACED_TIME),
            Expr::StageEntered(s) => (Node::StageEntered(*s), Facts::default()),
            Expr::AccountStage => (
                Node::AccountStage,
                Facts {
                    group: true,
                    account_stage: true,
                    ..Facts::default()
                },
            ),
            Expr::Breached(s) => (
                Node::Breached(*s),
                Facts {
                    time: true,
                    ..Facts::default()
                },
            ),
            Expr::GroupHas(r) => (Node::GroupHas(*r), group(self.role(*r)?)),
            Expr::GroupCount(r) => (Node::GroupCount(*r), group(self.role(*r)?)),
            Expr::GroupEngaged => (Node::GroupEngaged, group(self.group_condition(true)?.1)),
            Expr::GroupQualified => (Node::GroupQualified, group(self.group_condition(false)?.1)),
            Expr::GroupSize => (Node::GroupSize, group(Facts::default())),
            Expr::GroupIn(s) => (Node::GroupIn(*s), group(Facts::default())),
            Expr::Metric(_)
            | Expr::CountEntered(..)
            | Expr::CountEvents(..)
            | Expr::Conversion(..)
            | Expr::StageDays(..)
            | Expr::FieldAggregate(..)
            | Expr::EnteredField(..)
            | Expr::Attainment(..)
            | Expr::Share(..) => {
                return Err(Unlowered {
                    what: "a metric or an aggregate over a period".into(),
                    place: "in a condition about one contact or account",
                    span: self.span,
                });
            }
        };
        self.push(node, facts)
    }

    fn unary(&mut self, a: &Expr, make: impl FnOnce(NodeId) -> Node) -> R<(Node, Facts)> {
        let a = self.node(a)?;
        Ok((make(a), self.nodes.facts(a)))
    }

    fn binary(
        &mut self,
        a: &Expr,
        b: &Expr,
        make: impl FnOnce(NodeId, NodeId) -> Node,
    ) -> R<(Node, Facts)> {
        let (a, b) = (self.node(a)?, self.node(b)?);
        let facts = self.nodes.facts(a).and(self.nodes.facts(b));
        Ok((make(a, b), facts))
    }

    fn many(&mut self, xs: &[Expr], make: impl FnOnce(Vec<NodeId>) -> Node) -> R<(Node, Facts)> {
        let ids = xs.iter().map(|x| self.node(x)).collect::<R<Vec<_>>>()?;
        let facts = ids
            .iter()
            .fold(Facts::STEADY, |f, x| f.and(self.nodes.facts(*x)));
        Ok((make(ids), facts))
    }

    /// A read of the history through a pattern; `timed`: its value
    /// changes with time at an instant a timer is placed at (a window's
    /// close).
    pub(super) fn read_pattern(&mut self, p: &m::Pattern, timed: bool) -> R<(PatternId, Facts)> {
        let id = self.pattern(p)?;
        let facts = self.nodes.pattern_facts(id);
        Ok((
            id,
            Facts {
                steady: false,
                time: facts.time || timed,
                ..facts
            },
        ))
    }

    /// A timed comparison: what time changes is placed; what its bound
    /// and a decaying score's rules read are read as usual.
    fn timed(&mut self, op: CmpOp, time_left: bool, leaf: m::TimedLeaf<'_>) -> R<NodeId> {
        let (time, side) = match leaf.time {
            m::TimeSide::TimeInStage => (TimeSide::TimeInStage, Facts::default()),
            m::TimeSide::DaysSince(p) => {
                let (p, facts) = self.read_pattern(p, true)?;
                (TimeSide::DaysSince(p), facts)
            }
            m::TimeSide::Decay(s) => (TimeSide::Decay(s), self.score(s)?),
        };
        let bound = self.node(leaf.bound)?;
        let facts = Facts {
            steady: false,
            time: true,
            ..side.and(self.nodes.facts(bound))
        };
        let node = Node::Timed(Timed {
            op,
            time,
            bound,
            time_left,
        });
        self.push(node, facts)
    }
}

/// What a read of the buying group reads: the group, and what the role's
/// (or `engaged`'s) condition reads about time.
fn group(of: Facts) -> Facts {
    Facts {
        steady: false,
        group: true,
        ..of
    }
}

/// How many of a deal's contacts (a contact's deals) are in a stage. It
/// changes when a linked subject moves: an instant on the timeline of its
/// own (`eval::links`), not a field change.
fn linked(stage: StageId, ever: bool) -> (Node, Facts) {
    (
        Node::Linked { stage, ever },
        Facts {
            steady: false,
            ..Facts::STEADY
        },
    )
}
