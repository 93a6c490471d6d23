//! Conditions and values about one contact (or the account) at one
//! instant: an arena of nodes with typed ids, built bottom-up by
//! `compile::lower`, so a node's operands always come before it and each
//! node's [`Facts`] are worked out once, from its operands' and from the
//! definitions it reads.
//!
//! Aggregates over a period (metrics, incentives) are not nodes: they are
//! [`Figure`](super::figure::Figure)s in an arena of their own, so the
//! replay cannot meet one and the reports cannot meet a per-contact read.

use super::id::*;
use super::value::*;

/// A node of the condition arena. Only the arena that made it hands it
/// out, so it always names a node of that arena.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct NodeId(u32);

/// Read back from a partial report, bounded by the policy's arena like
/// every typed id (`id::with_limits`).
impl<'de> serde::Deserialize<'de> for NodeId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        super::id::read_id(d, |l| l.node, "node").map(NodeId)
    }
}

impl std::fmt::Debug for NodeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "n{}", self.0)
    }
}

/// An event pattern of the policy (`EVENT [where COND]`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PatternId(u32);

impl std::fmt::Debug for PatternId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "p{}", self.0)
    }
}

/// `EVENT [where COND]`: an event type or a touchpoint, and a condition
/// read with the event's fields in scope.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    pub event: EventRef,
    pub condition: Option<NodeId>,
}

/// What a pattern matches: an event type or a touchpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventRef {
    Event(EventTypeId),
    Touchpoint(TouchpointId),
}

/// One node: a value or a condition about one subject at one instant.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Const(Value),
    ContactField(FieldId),
    AccountField(FieldId),
    /// A field of the deal whose replay this is (a deal lifecycle's
    /// condition, a deal stage entry's filter).
    DealField(FieldId),
    /// The deal names a contact in this role (by its place in
    /// `Ir::deal_roles`).
    DealHas(usize),
    /// How many of the deal's contacts (in a contact's replay: of the
    /// contact's deals) are in the stage now, or (`ever`) have entered it
    /// by now.
    Linked {
        stage: StageId,
        ever: bool,
    },
    /// A field of the event a pattern is matching.
    EventField(FieldId),
    Score(ScoreId),
    Criteria(CriteriaId),
    /// A clause of the criteria whose `require` this is.
    Clause(usize),
    Not(NodeId),
    Neg(NodeId),
    And(NodeId, NodeId),
    Or(NodeId, NodeId),
    Compare(CmpOp, NodeId, NodeId),
    /// A comparison that time alone changes at an instant the replay can
    /// place a timer at (see [`Timed`]).
    Timed(Timed),
    Arith(ArithOp, NodeId, NodeId),
    In {
        negated: bool,
        item: NodeId,
        list: NodeId,
    },
    Text(TextOp, NodeId, NodeId),
    Matches(NodeId, RegexPattern),
    Missing {
        of: NodeId,
        missing: bool,
    },
    List(Vec<NodeId>),
    Min(Vec<NodeId>),
    Max(Vec<NodeId>),
    // The subject's history, as of the instant.
    Seen {
        pattern: PatternId,
        within: Option<Duration>,
    },
    Count {
        pattern: PatternId,
        within: Option<Duration>,
    },
    Last {
        pattern: PatternId,
        field: FieldId,
    },
    /// `days_since(..)` read outside a timed comparison. The checker
    /// refuses it in a condition (E026); it stands in the values the
    /// journeys show.
    DaysSince(PatternId),
    /// `time_in_stage` outside a timed comparison (as `DaysSince`).
    TimeInStage,
    StageEntered(StageId),
    AccountStage,
    Breached(SlaId),
    // The buying group of the contact's account.
    GroupHas(RoleId),
    GroupCount(RoleId),
    GroupEngaged,
    GroupSize,
    GroupIn(StageId),
    GroupQualified,
}

/// A comparison of what time alone changes with a bound time does not
/// change between two events: `time_in_stage >= 21d`,
/// `days_since(demo) > 14`, `engagement < 10` for a decaying score. The
/// instant it flips is known (worked out, or searched for a decaying
/// score), so the replay places a timer there.
#[derive(Debug, Clone, PartialEq)]
pub struct Timed {
    pub op: CmpOp,
    pub time: TimeSide,
    pub bound: NodeId,
    /// Whether the time side was written on the left (`op` reads in the
    /// order written).
    pub time_left: bool,
}

/// The side of a [`Timed`] comparison that time alone changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeSide {
    TimeInStage,
    DaysSince(PatternId),
    Decay(ScoreId),
}

/// What a node reads, worked out once when the policy is compiled
/// (`compile::lower`); the replay's scheduling, the timer search and
/// explain read only these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Facts {
    /// Reads nothing but fields and constants: its value changes only
    /// with an `update` or `account_update`.
    pub steady: bool,
    /// Time alone can change it: a timed comparison, a `within` window,
    /// an SLA deadline, or a read of time no timer follows.
    pub time: bool,
    /// Time alone can change it at an instant no timer is placed at.
    pub unplaced: bool,
    /// Reads the buying group or the account's stage, which other
    /// members' changes move.
    pub group: bool,
    /// Reads `account.stage`.
    pub account_stage: bool,
    /// Reads the account's fields.
    pub account_fields: bool,
}

impl Facts {
    /// A constant or a field: steady, reads nothing else.
    pub const STEADY: Facts = Facts {
        steady: true,
        time: false,
        unplaced: false,
        group: false,
        account_stage: false,
        account_fields: false,
    };

    /// A read of time no timer follows (`time_in_stage` outside a timed
    /// comparison).
    pub const UNPLACED_TIME: Facts = Facts {
        steady: false,
        time: true,
        unplaced: true,
        group: false,
        account_stage: false,
        account_fields: false,
    };

    /// What a node reading both `self` and `other` reads.
    pub fn and(self, other: Facts) -> Facts {
        Facts {
            steady: self.steady && other.steady,
            time: self.time || other.time,
            unplaced: self.unplaced || other.unplaced,
            group: self.group || other.group,
            account_stage: self.account_stage || other.account_stage,
            account_fields: self.account_fields || other.account_fields,
        }
    }
}

/// The arena of nodes and of the event patterns they read.
#[derive(Debug, Clone, Default)]
pub struct Nodes {
    nodes: Vec<Node>,
    facts: Vec<Facts>,
    patterns: Vec<Pattern>,
    pattern_facts: Vec<Facts>,
}

impl Nodes {
    /// Adds a node whose operands are already in the arena; `None` past
    /// `u32::MAX` nodes.
    pub(crate) fn push(&mut self, node: Node, facts: Facts) -> Option<NodeId> {
        let id = NodeId(u32::try_from(self.nodes.len()).ok()?);
        self.nodes.push(node);
        self.facts.push(facts);
        Some(id)
    }

    /// Adds a pattern whose condition is already in the arena.
    pub(crate) fn push_pattern(&mut self, p: Pattern, facts: Facts) -> Option<PatternId> {
        let id = PatternId(u32::try_from(self.patterns.len()).ok()?);
        self.patterns.push(p);
        self.pattern_facts.push(facts);
        Some(id)
    }

    /// What a node reads.
    #[allow(
        clippy::indexing_slicing,
        reason = "ids are minted only by this arena's push, which adds the facts too"
    )]
    pub fn facts(&self, id: NodeId) -> Facts {
        self.facts[id.0 as usize]
    }

    /// What a pattern's condition reads.
    #[allow(
        clippy::indexing_slicing,
        reason = "ids are minted only by this arena's push_pattern, which adds the facts too"
    )]
    pub fn pattern_facts(&self, id: PatternId) -> Facts {
        self.pattern_facts[id.0 as usize]
    }

    /// Every criteria node `id` reads, its patterns' conditions included,
    /// in order of appearance.
    pub fn criteria(&self, id: NodeId) -> Vec<CriteriaId> {
        let mut out = Vec::new();
        let mut stack = vec![id];
        while let Some(e) = stack.pop() {
            let node = &self[e];
            if let Node::Criteria(c) = node
                && !out.contains(c)
            {
                out.push(*c);
            }
            let mut next = node.operands();
            if let Some(c) = node.pattern().and_then(|p| self[p].condition) {
                next.push(c);
            }
            stack.extend(next.into_iter().rev());
        }
        out
    }

    /// Every pattern's id, in order.
    pub fn patterns(&self) -> impl Iterator<Item = PatternId> + use<> {
        (0..self.patterns.len()).map_while(|i| u32::try_from(i).ok().map(PatternId))
    }

    /// How many nodes the arena holds.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the arena holds no node.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Every node with its id, operands first.
    pub fn iter(&self) -> impl Iterator<Item = (NodeId, &Node)> {
        self.nodes.iter().zip(0u32..).map(|(n, i)| (NodeId(i), n))
    }
}

// An id is made only by `push` of the arena it indexes, which never
// shrinks: indexing cannot fail for an id of this arena. (An id of
// another policy's arena is a bug of ours, not of the input; the engine
// never mixes two policies' ids.)
#[allow(
    clippy::indexing_slicing,
    reason = "ids are minted only by this arena's push"
)]
impl std::ops::Index<NodeId> for Nodes {
    type Output = Node;
    fn index(&self, id: NodeId) -> &Node {
        &self.nodes[id.0 as usize]
    }
}

#[allow(
    clippy::indexing_slicing,
    reason = "ids are minted only by this arena's push_pattern"
)]
impl std::ops::Index<PatternId> for Nodes {
    type Output = Pattern;
    fn index(&self, id: PatternId) -> &Pattern {
        &self.patterns[id.0 as usize]
    }
}

impl Node {
    /// The nodes this one reads directly (patterns' conditions not
    /// included: see [`Node::pattern`]).
    pub fn operands(&self) -> Vec<NodeId> {
        match self {
            Node::Not(a) | Node::Neg(a) | Node::Matches(a, _) | Node::Missing { of: a, .. } => {
                vec![*a]
            }
            Node::And(a, b)
            | Node::Or(a, b)
            | Node::Compare(_, a, b)
            | Node::Arith(_, a, b)
            | Node::Text(_, a, b) => vec![*a, *b],
            Node::In { item, list, .. } => vec![*item, *list],
            Node::Timed(t) => vec![t.bound],
            Node::List(xs) | Node::Min(xs) | Node::Max(xs) => xs.clone(),
            _ => Vec::new(),
        }
    }

    /// The pattern this node reads, if any.
    pub fn pattern(&self) -> Option<PatternId> {
        match self {
            Node::Seen { pattern, .. }
            | Node::Count { pattern, .. }
            | Node::Last { pattern, .. }
            | Node::DaysSince(pattern)
            | Node::Timed(Timed {
                time: TimeSide::DaysSince(pattern),
                ..
            }) => Some(*pattern),
            _ => None,
        }
    }
}
