//! The resolved policy: every name replaced by a typed ID, every expression
//! typed and ready to evaluate. Produced by the checker, frozen by the
//! compiler.

use chrono::NaiveDate;

use crate::span::Span;

pub use crate::ir::id::*;
pub use crate::ir::value::*;

#[derive(Debug, Clone)]
pub struct Model {
    pub name: String,
    pub version: Option<u64>,
    pub effective: Option<NaiveDate>,
    pub timezone: chrono_tz::Tz,
    pub currency: Option<String>,
    /// `teams[0]` is the built-in `shared`.
    pub teams: Vec<Named>,
    pub business_hours: BusinessHours,
    pub holidays: Vec<NaiveDate>,
    /// 1 = January.
    pub fiscal_year_start_month: u32,
    pub contact_fields: Vec<Field>,
    pub account_fields: Vec<Field>,
    pub deal_fields: Vec<Field>,
    /// The deal schema's `roles`.
    pub deal_roles: Vec<String>,
    pub events: Vec<EventType>,
    pub touchpoints: Vec<Touchpoint>,
    pub scores: Vec<Score>,
    pub criteria: Vec<Criteria>,
    pub roles: Vec<Role>,
    pub buying_group: Option<BuyingGroup>,
    pub stages: Vec<Stage>,
    pub lifecycles: Vec<Lifecycle>,
    pub transitions: Vec<Transition>,
    pub slas: Vec<Sla>,
    pub metrics: Vec<Metric>,
    pub incentives: Vec<Incentive>,
    /// The `where` of everything metrics count, by [`FilterId`]: the
    /// replay records which facts each holds of, as the fact happens, so
    /// a filter reads the contact's and account's fields as they were
    /// then.
    pub filters: Vec<Filter>,
    /// What metrics are cut by and incentives paid per.
    pub dimensions: Vec<Dimension>,
}

impl Model {
    /// Whether score `s` decays (changes as time passes).
    pub fn decays(&self, s: ScoreId) -> bool {
        self.scores
            .get(s.index())
            .is_some_and(|x| x.half_life.is_some())
    }

    /// `e` as a timed leaf of this policy, if it is one.
    pub fn timed_leaf<'e>(&self, e: &'e Expr) -> Option<TimedLeaf<'e>> {
        e.timed_leaf(|s| self.decays(s))
    }
}

/// A declared name and where it was declared.
#[derive(Debug, Clone)]
pub struct Named {
    pub name: String,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub ty: Type,
    pub optional: bool,
    pub default: Option<Value>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct EventType {
    pub name: String,
    pub fields: Vec<Field>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventRef {
    Event(EventTypeId),
    Touchpoint(TouchpointId),
}

/// `EVENT [where COND]`, resolved.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub event: EventRef,
    pub condition: Option<Expr>,
}

#[derive(Debug, Clone)]
pub struct Touchpoint {
    pub name: String,
    pub event: EventTypeId,
    pub condition: Option<Expr>,
    pub team: TeamId,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Score {
    pub name: String,
    pub description: Option<String>,
    /// A contact's score, or (`for account`) the account's, over all its
    /// contacts' events.
    pub entity: Entity,
    pub owner: Option<TeamId>,
    pub half_life: Option<Duration>,
    pub range: Option<(f64, f64)>,
    pub rules: Vec<ScoreRule>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum ScoreRule {
    Each {
        pattern: Pattern,
        points: f64,
        max: Option<f64>,
        span: Span,
    },
    When {
        condition: Expr,
        points: f64,
        span: Span,
    },
}

#[derive(Debug, Clone)]
pub struct Criteria {
    pub name: String,
    pub description: Option<String>,
    /// A contact's, or (`for deal`) a deal's.
    pub entity: Entity,
    pub owner: Option<TeamId>,
    pub clauses: Vec<Clause>,
    pub require: Requirement,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Clause {
    pub label: String,
    pub condition: Expr,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum Requirement {
    All,
    Any,
    AtLeast(usize),
    /// Over clause indexes ([`Expr::Clause`]).
    Expr(Expr),
}

#[derive(Debug, Clone)]
pub struct Role {
    pub name: String,
    pub condition: Expr,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct BuyingGroup {
    pub engaged: Option<Expr>,
    pub qualified: Option<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Stage {
    pub name: String,
    pub lifecycle: Entity,
    pub description: Option<String>,
    pub owner: Option<TeamId>,
    pub initial: bool,
    pub is_final: bool,
    pub detour: bool,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Lifecycle {
    pub entity: Entity,
    /// In declared order; the success path is this order minus detours.
    pub stages: Vec<StageId>,
    pub initial: Option<StageId>,
    /// In written order: the order in which they are tried.
    pub transitions: Vec<TransitionId>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Transition {
    /// Where `any -> X` was written this is every non-final stage but X.
    pub from: Vec<StageId>,
    pub from_any: bool,
    pub to: StageId,
    pub trigger: TriggerRule,
    pub label: Option<String>,
    /// The trigger as written in canonical form, e.g. `on form_submit`.
    pub text: String,
    /// 1-based line in the policy source, for journeys.
    pub line: usize,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum TriggerRule {
    On(Pattern),
    When(Expr),
    After {
        duration: Duration,
        unless: Option<Expr>,
    },
}

#[derive(Debug, Clone)]
pub struct Sla {
    pub name: String,
    pub description: Option<String>,
    pub owner: TeamId,
    pub starts: Vec<SlaTrigger>,
    pub met: Vec<SlaTrigger>,
    pub cancelled: Vec<SlaTrigger>,
    pub within: Duration,
    /// Whose each instance is, read at its start.
    pub assignee: Option<DimensionId>,
    /// Whose lifecycle's stages start, meet and cancel it: one instance
    /// per contact, or per account.
    pub entity: Entity,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum SlaTrigger {
    Entering(StageId),
    Leaving(StageId),
    Event(Pattern),
}

#[derive(Debug, Clone)]
pub struct Metric {
    pub name: String,
    pub description: Option<String>,
    pub expr: Expr,
    pub unit: Unit,
    /// Its own `by`, or that of the metrics it uses.
    pub by: Option<DimensionId>,
    pub span: Span,
}

/// A metric's `where` on what it counts (see `ir::Filter`).
#[derive(Debug, Clone)]
pub enum Filter {
    Event(Pattern),
    Entry(StageId, Expr),
    Sla(SlaId, Expr),
}

/// What a metric is cut by (see `ir::Dimension`).
#[derive(Debug, Clone)]
pub struct Dimension {
    pub text: String,
    pub read: DimensionRead,
}

#[derive(Debug, Clone)]
pub enum DimensionRead {
    Contact(FieldId),
    Account(FieldId),
    Deal(FieldId),
    Event(Vec<(EventTypeId, FieldId)>),
}

#[derive(Debug, Clone)]
pub struct Incentive {
    pub name: String,
    pub description: Option<String>,
    pub teams: Vec<TeamId>,
    pub period: Period,
    pub target: Expr,
    pub payout: Expr,
    pub split: bool,
    pub per: Option<DimensionId>,
    pub lag_months: u32,
    pub span: Span,
}

/// A resolved, typed expression.
#[derive(Debug, Clone)]
pub enum Expr {
    Const(Value),
    ContactField(FieldId),
    AccountField(FieldId),
    /// `deal.F`: the deal's field, where a deal is the subject.
    DealField(FieldId),
    /// `deal.has(ROLE)`, by the role's place in the deal schema's `roles`.
    DealHas(usize),
    /// How many of the deal's contacts (of the contact's deals) are in
    /// the stage now, or (`ever`) have entered it by now.
    Linked {
        stage: StageId,
        ever: bool,
    },
    /// A field of the event a pattern is matching.
    EventField(FieldId),
    Score(ScoreId),
    Criteria(CriteriaId),
    Metric(MetricId),
    /// A clause of the criteria whose `require` this is.
    Clause(usize),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Compare(CmpOp, Box<Expr>, Box<Expr>),
    Arith(ArithOp, Box<Expr>, Box<Expr>),
    In {
        negated: bool,
        item: Box<Expr>,
        list: Box<Expr>,
    },
    Text(TextOp, Box<Expr>, Box<Expr>),
    Matches(Box<Expr>, RegexPattern),
    Missing {
        expr: Box<Expr>,
        missing: bool,
    },
    List(Vec<Expr>),
    // History of one contact, as of the current instant.
    Seen {
        pattern: Box<Pattern>,
        within: Option<Duration>,
    },
    Count {
        pattern: Box<Pattern>,
        within: Option<Duration>,
    },
    Last {
        pattern: Box<Pattern>,
        field: FieldId,
    },
    DaysSince(Box<Pattern>),
    TimeInStage,
    StageEntered(StageId),
    AccountStage,
    Breached(SlaId),
    // Buying group of the contact's account.
    GroupHas(RoleId),
    GroupCount(RoleId),
    GroupEngaged,
    GroupSize,
    GroupIn(StageId),
    GroupQualified,
    // Aggregates over all journeys of a period (metrics and incentives).
    // Each `where` is a filter the replay works out (`Model::filters`).
    CountEntered(StageId, Option<FilterId>),
    /// Events matching the pattern in the period.
    CountEvents(Box<Pattern>, Option<FilterId>),
    Conversion(StageId, StageId, Option<FilterId>),
    StageDays(Aggregate, StageId, StageId, Option<FilterId>),
    FieldAggregate(Aggregate, EventTypeId, FieldId, Option<FilterId>),
    /// `sum(entered deal:won .amount)`: a field of each one entering the
    /// stage (a contact's, an account's or a deal's), as it entered: the
    /// replay notes it at each entry as it notes a dimension's value.
    EnteredField(Aggregate, StageId, DimensionId, Option<FilterId>),
    Attainment(SlaId, Option<FilterId>),
    Share(EventRef, TeamId),
    Min(Vec<Expr>),
    Max(Vec<Expr>),
}

impl Expr {
    /// The expressions directly inside this one, patterns' conditions
    /// included: for walks such as "which criteria does this use".
    pub fn children(&self) -> Vec<&Expr> {
        match self {
            Expr::Not(a) | Expr::Neg(a) => vec![a],
            Expr::And(a, b)
            | Expr::Or(a, b)
            | Expr::Compare(_, a, b)
            | Expr::Arith(_, a, b)
            | Expr::Text(_, a, b) => vec![a, b],
            Expr::In { item, list, .. } => vec![item, list],
            Expr::Matches(a, _) => vec![a],
            Expr::Missing { expr, .. } => vec![expr],
            Expr::List(xs) | Expr::Min(xs) | Expr::Max(xs) => xs.iter().collect(),
            Expr::Seen { pattern: p, .. }
            | Expr::Count { pattern: p, .. }
            | Expr::Last { pattern: p, .. }
            | Expr::DaysSince(p)
            | Expr::CountEvents(p, _) => p.condition.iter().collect(),
            Expr::Const(_)
            | Expr::ContactField(_)
            | Expr::AccountField(_)
            | Expr::DealField(_)
            | Expr::DealHas(_)
            | Expr::Linked { .. }
            | Expr::EventField(_)
            | Expr::Score(_)
            | Expr::Criteria(_)
            | Expr::Metric(_)
            | Expr::Clause(_)
            | Expr::TimeInStage
            | Expr::StageEntered(_)
            | Expr::AccountStage
            | Expr::Breached(_)
            | Expr::GroupHas(_)
            | Expr::GroupCount(_)
            | Expr::GroupEngaged
            | Expr::GroupSize
            | Expr::GroupIn(_)
            | Expr::GroupQualified
            | Expr::CountEntered(..)
            | Expr::Conversion(..)
            | Expr::StageDays(..)
            | Expr::FieldAggregate(..)
            | Expr::EnteredField(..)
            | Expr::Attainment(..)
            | Expr::Share(..) => Vec::new(),
        }
    }

    /// The comparison as a timed leaf, if it is one (see [`TimedLeaf`]);
    /// `decays` says which scores decay.
    pub fn timed_leaf(&self, decays: impl Fn(ScoreId) -> bool + Copy) -> Option<TimedLeaf<'_>> {
        let Expr::Compare(_, l, r) = self else {
            return None;
        };
        [(&**l, &**r), (&**r, &**l)].into_iter().find_map(|(t, b)| {
            let time = match t {
                Expr::TimeInStage => TimeSide::TimeInStage,
                Expr::DaysSince(p) => TimeSide::DaysSince(p),
                Expr::Score(s) if decays(*s) => TimeSide::Decay(*s),
                _ => return None,
            };
            steady_bound(b, decays).then_some(TimedLeaf {
                time,
                side: t,
                bound: b,
            })
        })
    }

    /// What in this expression, outside a timed leaf, changes with time
    /// alone (nothing places a timer where it changes), if anything.
    pub fn time_read(&self, decays: impl Fn(ScoreId) -> bool + Copy) -> Option<TimeRead> {
        match self {
            Expr::TimeInStage => Some(TimeRead::TimeInStage),
            Expr::DaysSince(p) => Some(TimeRead::DaysSince(p.event)),
            Expr::Score(s) if decays(*s) => Some(TimeRead::Score(*s)),
            _ => None,
        }
    }

    /// Every criteria this expression refers to, in order of appearance.
    pub fn criteria(&self) -> Vec<CriteriaId> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(e) = stack.pop() {
            if let Expr::Criteria(c) = e
                && !out.contains(c)
            {
                out.push(*c);
            }
            stack.extend(e.children().into_iter().rev());
        }
        out
    }
}

/// A comparison whose change with time alone the replay places a timer
/// at, exactly: `time_in_stage`, `days_since(..)` or a decaying score on
/// one side, and on the other a bound that time alone does not change (a
/// constant, fields, a score that does not decay, and arithmetic on them).
/// Between two events the bound stays put, so the instant the comparison
/// flips is known (worked out, or found by search for a decaying score).
///
/// This is the one definition of "timed" that the checker (which rejects
/// every other read of time in a condition), the compiler's analyses
/// (`placed`, `watch`), the timer search and `explain` all use.
#[derive(Debug, Clone, Copy)]
pub struct TimedLeaf<'e> {
    pub time: TimeSide<'e>,
    /// The side that time changes, as written (to evaluate it as is).
    pub side: &'e Expr,
    pub bound: &'e Expr,
}

/// The side of a [`TimedLeaf`] that time alone changes.
#[derive(Debug, Clone, Copy)]
pub enum TimeSide<'e> {
    TimeInStage,
    DaysSince(&'e Pattern),
    Decay(ScoreId),
}

/// A read of time alone (see [`Expr::time_read`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeRead {
    TimeInStage,
    DaysSince(EventRef),
    Score(ScoreId),
}

/// Whether `e` can stand as the bound of a timed leaf: time alone does
/// not change it between two events.
fn steady_bound(e: &Expr, decays: impl Fn(ScoreId) -> bool + Copy) -> bool {
    match e {
        Expr::Const(_) | Expr::ContactField(_) | Expr::AccountField(_) | Expr::DealField(_) => true,
        Expr::Score(s) => !decays(*s),
        Expr::Neg(a) => steady_bound(a, decays),
        Expr::Arith(_, a, b) => steady_bound(a, decays) && steady_bound(b, decays),
        Expr::Min(xs) | Expr::Max(xs) => xs.iter().all(|x| steady_bound(x, decays)),
        _ => false,
    }
}

/// Whether `e` is a rate between 0 and 1: the value of `conversion`,
/// `attainment` or `share`, a metric defined only from rates (`metric`
/// finds a metric's definition), or the least or greatest of rates and
/// constants between 0 and 1. Its changes are percentage points, and a
/// whole number above 1 compared with it is on the wrong scale.
pub fn is_rate<'m>(e: &Expr, metric: &impl Fn(MetricId) -> Option<&'m Expr>) -> bool {
    is_rate_at(e, metric, 0)
}

fn is_rate_at<'m>(e: &Expr, metric: &impl Fn(MetricId) -> Option<&'m Expr>, depth: usize) -> bool {
    if depth > 64 {
        return false;
    }
    match e {
        Expr::Conversion(..) | Expr::Attainment(..) | Expr::Share(..) => true,
        Expr::Metric(m) => metric(*m).is_some_and(|d| is_rate_at(d, metric, depth + 1)),
        Expr::Min(xs) | Expr::Max(xs) => xs.iter().all(|x| {
            matches!(x, Expr::Const(Value::Number(n)) if (0.0..=1.0).contains(n))
                || is_rate_at(x, metric, depth + 1)
        }),
        // A part over a whole it belongs to: `count(won) / (count(won) +
        // count(lost))`. Counts are never negative, so it is at most 1.
        Expr::Arith(ArithOp::Div, part, whole) => {
            let key = format!("{part:?}");
            counts_only(part)
                && counts_only(whole)
                && summands(whole).iter().any(|s| format!("{s:?}") == key)
        }
        _ => false,
    }
}

/// The terms of a sum (`a + b + c`), or the expression itself.
fn summands(e: &Expr) -> Vec<&Expr> {
    match e {
        Expr::Arith(ArithOp::Add, a, b) => {
            let mut out = summands(a);
            out.extend(summands(b));
            out
        }
        other => vec![other],
    }
}

/// A count, or a sum of counts: never negative.
fn counts_only(e: &Expr) -> bool {
    match e {
        Expr::CountEvents(..) | Expr::CountEntered(..) => true,
        Expr::Arith(ArithOp::Add, a, b) => counts_only(a) && counts_only(b),
        _ => false,
    }
}
