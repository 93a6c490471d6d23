//! The syntax tree of a policy file, exactly as written.
//!
//! Every node carries its [`Span`]. Names are still strings here; the checker
//! resolves them into typed IDs. Literals keep their raw text so the
//! formatter reprints `1_000_000` and `$50k` the way the author wrote them.

use educe::Educe;

use crate::span::Span;

#[derive(Debug, Clone, PartialEq)]
pub struct PolicyFile {
    pub items: Vec<Item>,
    pub comments: Vec<Comment>,
}

#[derive(Debug, Clone, Educe)]
#[educe(PartialEq)]
pub struct Comment {
    /// The comment text after `#`, as written.
    pub text: String,
    #[educe(PartialEq(ignore))]
    pub span: Span,
}

#[derive(Debug, Clone, Educe)]
#[educe(PartialEq)]
pub struct Ident {
    pub name: String,
    #[educe(PartialEq(ignore))]
    pub span: Span,
}

/// A stage as written where any lifecycle's stage may stand: `mql`, or
/// `account:qualified` with the lifecycle named.
#[derive(Debug, Clone, Educe)]
#[educe(PartialEq)]
pub struct StageRef {
    pub lifecycle: Option<Ident>,
    pub stage: Ident,
    #[educe(PartialEq(ignore))]
    pub span: Span,
}

impl StageRef {
    /// As written: `mql` or `account:qualified`.
    pub fn text(&self) -> String {
        match &self.lifecycle {
            Some(l) => format!("{}:{}", l.name, self.stage.name),
            None => self.stage.name.clone(),
        }
    }
}

#[derive(Debug, Clone, Educe)]
#[educe(PartialEq)]
pub struct StringLit {
    /// The value with escapes resolved.
    pub value: String,
    #[educe(PartialEq(ignore))]
    pub span: Span,
}

#[derive(Debug, Clone, Educe)]
#[educe(PartialEq)]
pub struct NumberLit {
    /// As written, e.g. `1_000_000`, `+20`, `-50`, `12.5`.
    pub raw: String,
    #[educe(PartialEq(ignore))]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Settings(Settings),
    Schema(Schema),
    Event(EventDecl),
    Touchpoint(TouchpointDecl),
    Score(ScoreDecl),
    Criteria(CriteriaDecl),
    BuyingGroup(BuyingGroupDecl),
    Lifecycle(LifecycleDecl),
    Sla(SlaDecl),
    Metric(MetricDecl),
    Incentive(IncentiveDecl),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Settings(x) => x.span,
            Item::Schema(x) => x.span,
            Item::Event(x) => x.span,
            Item::Touchpoint(x) => x.span,
            Item::Score(x) => x.span,
            Item::Criteria(x) => x.span,
            Item::BuyingGroup(x) => x.span,
            Item::Lifecycle(x) => x.span,
            Item::Sla(x) => x.span,
            Item::Metric(x) => x.span,
            Item::Incentive(x) => x.span,
        }
    }
}

// ------------------------------------------------------------------ settings

#[derive(Debug, Clone, Educe)]
#[educe(PartialEq)]
pub struct Settings {
    pub name: StringLit,
    pub settings: Vec<Setting>,
    #[educe(PartialEq(ignore))]
    pub span: Span,
}

#[derive(Debug, Clone, Educe)]
#[educe(PartialEq)]
pub struct Setting {
    pub kind: SettingKind,
    #[educe(PartialEq(ignore))]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SettingKind {
    Version(NumberLit),
    Effective(StringLit),
    Timezone(StringLit),
    Currency(StringLit),
    Teams(Vec<Ident>),
    BusinessHours(Vec<HoursSpan>),
    Holidays(Vec<StringLit>),
    FiscalYearStarts(Ident),
}

/// `mon-fri 09:00-17:30`
#[derive(Debug, Clone, Educe)]
#[educe(PartialEq)]
pub struct HoursSpan {
    pub first_day: Ident,
    pub last_day: Option<Ident>,
    pub opens: Ident,
    pub closes: Ident,
    #[educe(PartialEq(ignore))]
    pub span: Span,
}

// ------------------------------------------------------------------ schema

pub use crate::ir::Entity;

#[derive(Debug, Clone, Educe)]
#[educe(PartialEq)]
pub struct Schema {
    pub entity: Entity,
    pub fields: Vec<FieldDecl>,
    /// `roles economic_buyer, champion` (a deal's schema only).
    pub roles: Vec<Ident>,
    #[educe(PartialEq(ignore))]
    pub span: Span,
}

#[derive(Debug, Clone, Educe)]
#[educe(PartialEq)]
pub struct FieldDecl {
    pub name: Ident,
    pub ty: TypeExpr,
    pub optional: bool,
    pub default: Option<Expr>,
    #[educe(PartialEq(ignore))]
    pub span: Span,
}

#[derive(Debug, Clone, Educe)]
#[educe(PartialEq)]
pub enum TypeExpr {
    Named(Ident),
    Enum(Vec<StringLit>, #[educe(PartialEq(ignore))] Span),
}

impl TypeExpr {
    pub fn span(&self) -> Span {
        match self {
            TypeExpr::Named(i) => i.span,
            TypeExpr::Enum(_, s) => *s,
        }
    }
}

#[derive(Debug, Clone, Educe)]
#[educe(PartialEq)]
pub struct EventDecl {
    pub name: Ident,
    pub fields: Vec<FieldDecl>,
    #[educe(PartialEq(ignore))]
    pub span: Span,
}

// ------------------------------------------------------------------ touchpoints

#[derive(Debug, Clone, Educe)]
#[educe(PartialEq)]
pub struct TouchpointDecl {
    pub name: Ident,
    pub pattern: Pattern,
    pub team: Ident,
    #[educe(PartialEq(ignore))]
    pub span: Span,
}

/// `EVENT [where COND]`: an event type or a touchpoint, optionally filtered.
#[derive(Debug, Clone, Educe)]
#[educe(PartialEq)]
pub struct Pattern {
    pub event: Ident,
    pub condition: Option<Expr>,
    #[educe(PartialEq(ignore))]
    pub span: Span,
}

// ------------------------------------------------------------------ scores

#[derive(Debug, Clone, Educe)]
#[educe(PartialEq)]
pub struct ScoreDecl {
    pub name: Ident,
    pub description: Option<StringLit>,
    /// `for account`: summed over the account's contacts' events.
    pub for_account: bool,
    pub stmts: Vec<ScoreStmt>,
    #[educe(PartialEq(ignore))]
    pub span: Span,
}

#[derive(Debug, Clone, Educe)]
#[educe(PartialEq)]
pub struct ScoreStmt {
    pub kind: ScoreStmtKind,
    #[educe(PartialEq(ignore))]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ScoreStmtKind {
    Owner(Ident),
    Decay(Expr),
    Range(NumberLit, NumberLit),
    Each {
        pattern: Pattern,
        points: NumberLit,
        max: Option<NumberLit>,
    },
    When {
        condition: Expr,
        points: NumberLit,
    },
}

// ------------------------------------------------------------------ criteria

#[derive(Debug, Clone, Educe)]
#[educe(PartialEq)]
pub struct CriteriaDecl {
    pub name: Ident,
    pub description: Option<StringLit>,
    /// `criteria NAME for deal`: about one deal, not one contact.
    pub for_deal: bool,
    pub stmts: Vec<CriteriaStmt>,
    #[educe(PartialEq(ignore))]
    pub span: Span,
}

#[derive(Debug, Clone, Educe)]
#[educe(PartialEq)]
pub struct CriteriaStmt {
    pub kind: CriteriaStmtKind,
    #[educe(PartialEq(ignore))]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CriteriaStmtKind {
    Owner(Ident),
    Clause { label: Ident, condition: Expr },
    Require(Require),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Require {
    All,
    Any,
    NOfM(NumberLit, NumberLit),
    Expr(Expr),
}

// ------------------------------------------------------------------ buying groups

#[derive(Debug, Clone, Educe)]
#[educe(PartialEq)]
pub struct BuyingGroupDecl {
    pub stmts: Vec<GroupStmt>,
    #[educe(PartialEq(ignore))]
    pub span: Span,
}

#[derive(Debug, Clone, Educe)]
#[educe(PartialEq)]
pub struct GroupStmt {
    pub kind: GroupStmtKind,
    #[educe(PartialEq(ignore))]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum GroupStmtKind {
    Role { name: Ident, condition: Expr },
    Engaged(Expr),
    Qualified(Expr),
}

// ------------------------------------------------------------------ lifecycles

#[derive(Debug, Clone, Educe)]
#[educe(PartialEq)]
pub struct LifecycleDecl {
    pub kind: Ident,
    pub stmts: Vec<LifecycleStmt>,
    #[educe(PartialEq(ignore))]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum LifecycleStmt {
    Stage(StageDecl),
    Transition(TransitionDecl),
}

impl LifecycleStmt {
    pub fn span(&self) -> Span {
        match self {
            LifecycleStmt::Stage(s) => s.span,
            LifecycleStmt::Transition(t) => t.span,
        }
    }
}

#[derive(Debug, Clone, Educe)]
#[educe(PartialEq)]
pub struct StageDecl {
    pub name: Ident,
    pub attrs: Vec<StageAttr>,
    #[educe(PartialEq(ignore))]
    pub span: Span,
}

#[derive(Debug, Clone, Educe)]
#[educe(PartialEq)]
pub struct StageAttr {
    pub kind: StageAttrKind,
    #[educe(PartialEq(ignore))]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StageAttrKind {
    Initial,
    Final,
    Detour,
    Owner(Ident),
    Description(StringLit),
}

#[derive(Debug, Clone, Educe)]
#[educe(PartialEq)]
pub struct TransitionDecl {
    /// `None` for `any -> X`.
    pub from: Option<Ident>,
    #[educe(PartialEq(ignore))]
    pub from_span: Span,
    pub to: Ident,
    pub trigger: Trigger,
    pub label: Option<StringLit>,
    #[educe(PartialEq(ignore))]
    pub span: Span,
}

#[derive(Debug, Clone, Educe)]
#[educe(PartialEq)]
pub struct Trigger {
    pub kind: TriggerKind,
    #[educe(PartialEq(ignore))]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TriggerKind {
    On(Pattern),
    When(Expr),
    After {
        duration: Expr,
        unless: Option<Expr>,
    },
}

// ------------------------------------------------------------------ SLAs

#[derive(Debug, Clone, Educe)]
#[educe(PartialEq)]
pub struct SlaDecl {
    pub name: Ident,
    pub description: Option<StringLit>,
    pub stmts: Vec<SlaStmt>,
    #[educe(PartialEq(ignore))]
    pub span: Span,
}

#[derive(Debug, Clone, Educe)]
#[educe(PartialEq)]
pub struct SlaStmt {
    pub kind: SlaStmtKind,
    #[educe(PartialEq(ignore))]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SlaStmtKind {
    Owner(Ident),
    /// Whose instance it is: `assignee contact.sdr`.
    Assignee(Dimension),
    Starts(Vec<SlaTrigger>),
    Met(Vec<SlaTrigger>),
    Cancelled(Vec<SlaTrigger>),
    Within(Expr),
}

#[derive(Debug, Clone, Educe)]
#[educe(PartialEq)]
pub struct SlaTrigger {
    pub kind: SlaTriggerKind,
    #[educe(PartialEq(ignore))]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SlaTriggerKind {
    Entering(StageRef),
    Leaving(StageRef),
    Event(Pattern),
}

// ------------------------------------------------------------------ metrics and incentives

#[derive(Debug, Clone, Educe)]
#[educe(PartialEq)]
pub struct MetricDecl {
    pub name: Ident,
    pub description: Option<StringLit>,
    /// `by contact.office`: the metric once per value, plus the total.
    pub by: Option<Dimension>,
    pub expr: Expr,
    #[educe(PartialEq(ignore))]
    pub span: Span,
}

/// What a metric is cut by, or an incentive paid per: `contact.owner`,
/// `account.region`, `event.source`.
#[derive(Debug, Clone, Educe)]
#[educe(PartialEq)]
pub struct Dimension {
    pub owner: Ident,
    pub field: Ident,
    #[educe(PartialEq(ignore))]
    pub span: Span,
}

impl Dimension {
    /// As written: `contact.owner`.
    pub fn text(&self) -> String {
        format!("{}.{}", self.owner.name, self.field.name)
    }
}

#[derive(Debug, Clone, Educe)]
#[educe(PartialEq)]
pub struct IncentiveDecl {
    pub name: Ident,
    pub description: Option<StringLit>,
    pub stmts: Vec<IncentiveStmt>,
    #[educe(PartialEq(ignore))]
    pub span: Span,
}

#[derive(Debug, Clone, Educe)]
#[educe(PartialEq)]
pub struct IncentiveStmt {
    pub kind: IncentiveStmtKind,
    #[educe(PartialEq(ignore))]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum IncentiveStmtKind {
    Teams(Vec<Ident>),
    Period(Ident),
    Target(Expr),
    Payout(Expr),
    Split,
    /// `per contact.owner`: target and payout once per value, paid to it.
    Per(Dimension),
    /// `lagged 1 quarter`: measured on the period that many later.
    Lagged {
        count: NumberLit,
        unit: Ident,
    },
}

// ------------------------------------------------------------------ expressions

#[derive(Debug, Clone, Educe)]
#[educe(PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    #[educe(PartialEq(ignore))]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Literal(Literal),
    Name(Ident),
    Call {
        func: Ident,
        args: Vec<Arg>,
    },
    /// `base.name` or `base.name(args)`.
    Member {
        base: Box<Expr>,
        name: Ident,
        args: Option<Vec<Arg>>,
    },
    Unary {
        op: UnaryOp,
        expr: Box<Expr>,
    },
    Binary {
        op: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `x is missing` (`missing = true`) or `x is present`.
    Is {
        expr: Box<Expr>,
        missing: bool,
    },
    List(Vec<Expr>),
    Paren(Box<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Not,
    Neg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    NotIn,
    Contains,
    StartsWith,
    EndsWith,
    Matches,
    Add,
    Sub,
    Mul,
    Div,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Or => "or",
            BinOp::And => "and",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::In => "in",
            BinOp::NotIn => "not in",
            BinOp::Contains => "contains",
            BinOp::StartsWith => "starts_with",
            BinOp::EndsWith => "ends_with",
            BinOp::Matches => "matches",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
        }
    }

    /// Binding strength, loosest first; used by the printer to place
    /// parentheses and mirrored by the grammar's rule nesting.
    pub fn precedence(self) -> u8 {
        match self {
            BinOp::Or => 1,
            BinOp::And => 2,
            BinOp::Eq
            | BinOp::Ne
            | BinOp::Lt
            | BinOp::Le
            | BinOp::Gt
            | BinOp::Ge
            | BinOp::In
            | BinOp::NotIn
            | BinOp::Contains
            | BinOp::StartsWith
            | BinOp::EndsWith
            | BinOp::Matches => 4,
            BinOp::Add | BinOp::Sub => 5,
            BinOp::Mul | BinOp::Div => 6,
        }
    }

    pub fn is_comparison(self) -> bool {
        self.precedence() == 4
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `200`, `1_000_000`, `12.5`.
    Number(String),
    /// A number with a unit written against it: `30d`, `90m`; the unit is
    /// checked by the checker.
    Quantity {
        number: String,
        unit: String,
    },
    /// `20%`, raw without the `%`.
    Percent(String),
    /// `$50k`, raw without the `$`.
    /// As written, symbol included: `$50k`, `€1_200`.
    Money(String),
    /// `16 business hours`.
    BusinessDuration {
        number: String,
        unit: BusinessUnit,
        /// `hours`, `hour`, `days` or `day`, as written.
        unit_word: String,
    },
    String(String),
    Bool(bool),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BusinessUnit {
    Hours,
    Days,
}

/// An argument of a call. History and aggregate functions take more than
/// plain expressions: `seen(T where C within 30d)`, `conversion(a -> b)`,
/// `count(entered s)`, `share(T by marketing)`.
#[derive(Debug, Clone, Educe)]
#[educe(PartialEq)]
pub enum Arg {
    Expr(Expr),
    Pattern {
        name: Ident,
        condition: Option<Expr>,
        within: Option<Expr>,
        #[educe(PartialEq(ignore))]
        span: Span,
    },
    Arrow {
        from: StageRef,
        to: StageRef,
        /// `conversion(mql -> sql where account.employees >= 200)`: read
        /// at the entry into `from`.
        condition: Option<Expr>,
        #[educe(PartialEq(ignore))]
        span: Span,
    },
    Entered {
        stage: StageRef,
        /// `entered deal:won .amount`: the field read at each entry.
        field: Option<Ident>,
        condition: Option<Expr>,
        #[educe(PartialEq(ignore))]
        span: Span,
    },
    /// `sum(deal_won.amount where ...)`: an event's field, filtered.
    Field {
        event: Ident,
        field: Ident,
        condition: Expr,
        #[educe(PartialEq(ignore))]
        span: Span,
    },
    /// `account:qualified` given to `stage_entered(...)` or `.in(...)`.
    Stage(StageRef),
    By {
        name: Ident,
        team: Ident,
        #[educe(PartialEq(ignore))]
        span: Span,
    },
}

impl Arg {
    pub fn span(&self) -> Span {
        match self {
            Arg::Expr(e) => e.span,
            Arg::Pattern { span, .. }
            | Arg::Arrow { span, .. }
            | Arg::Entered { span, .. }
            | Arg::Field { span, .. }
            | Arg::By { span, .. } => *span,
            Arg::Stage(s) => s.span,
        }
    }

    /// The bare name, for an argument that is only a name.
    pub fn as_name(&self) -> Option<&Ident> {
        match self {
            Arg::Pattern {
                name,
                condition: None,
                within: None,
                ..
            } => Some(name),
            Arg::Expr(Expr {
                kind: ExprKind::Name(name),
                ..
            }) => Some(name),
            _ => None,
        }
    }
}
