//! Resolving and typing expressions.

use rust_decimal::Decimal;
use std::str::FromStr;

use super::error::CheckError;
use super::model::*;
use super::types::{Ty, describe_unit};
use super::{Checker, DefNode, ValueRef};
use crate::span::Span;
use crate::syntax::ast::{self, Arg, BinOp, ExprKind, Literal, UnaryOp};

/// Where an expression stands, which decides what it may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// About one contact as of now: criteria, scores, roles, contact
    /// transitions, touchpoint filters, SLA triggers.
    Contact,
    /// About one account as of now: the account lifecycle and
    /// `qualified` of the buying group.
    Account,
    /// Over all journeys of a period: metrics and incentives.
    Metric,
    /// The `where` of an event a metric counts: the event's fields, and
    /// `contact.FIELD` and `account.FIELD` as they were when it happened.
    EventFilter,
    /// A criteria's `require`: only its clause labels.
    Require,
    /// About one deal as of now: the deal lifecycle and deal SLAs. Reads
    /// `deal.FIELD`, `account.FIELD` and the deal's own events.
    Deal,
    /// The `where` of a deal's stage entry or SLA instance a metric
    /// counts: `deal.FIELD` and `account.FIELD` as they were then.
    DealFilter,
}

impl Place {
    pub(super) fn phrase(self) -> &'static str {
        match self {
            Place::Contact => "in a condition about one contact",
            Place::Account => "in the account lifecycle",
            Place::Metric => "in a metric or incentive",
            Place::EventFilter => "in the `where` of what a metric counts",
            Place::Require => "in `require`",
            Place::Deal => "in the deal lifecycle",
            Place::DealFilter => "in the `where` of what a metric counts of deals",
        }
    }

    /// The `where` of what a metric counts: read at the counted fact's
    /// instant, so nothing about a subject "as of now" may stand there.
    fn is_filter(self) -> bool {
        matches!(self, Place::EventFilter | Place::DealFilter)
    }

    /// What the `where` of what a metric counts may read, when this is one.
    fn filter_help(self) -> &'static str {
        if self == Place::DealFilter {
            DEAL_FILTER_HELP
        } else {
            FILTER_HELP
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    pub place: Place,
    /// Inside an event pattern, bare names may be that event's fields.
    pub event: Option<EventTypeId>,
    pub clauses: Option<&'a [String]>,
}

impl<'a> Ctx<'a> {
    pub fn new(place: Place) -> Ctx<'a> {
        Ctx {
            place,
            event: None,
            clauses: None,
        }
    }
}

/// What a metric's `where` may read, for the help of everything else.
const DEAL_FILTER_HELP: &str = "the `where` of a deal's stage entry reads `deal.FIELD`, `account.FIELD`, `deal.has(ROLE)` and `deal.contacts.in/entered(STAGE)` as they were at the entry; to count deals by their history, move them into a stage and count its entries";

const FILTER_HELP: &str = "a metric's `where` reads the counted event's own fields, and `contact.FIELD` and `account.FIELD` as they were when the event (or stage entry, or SLA start) happened; to count contacts by their stage or score, count stage entries instead, e.g. `count(entered mql)`";

/// The functions a condition about one subject may call (docs/language.md,
/// "Functions", has an entry for each: a test checks it).
pub const CONTACT_FUNCS: &[&str] = &[
    "seen",
    "count",
    "last",
    "days_since",
    "stage_entered",
    "breached",
    "min",
    "max",
];
/// The functions a metric or incentive may call.
pub const METRIC_FUNCS: &[&str] = &[
    "count",
    "conversion",
    "avg",
    "median",
    "p90",
    "sum",
    "attainment",
    "share",
    "min",
    "max",
    "days",
];

pub(super) fn err_expr() -> (Expr, Ty) {
    (Expr::Const(Value::Bool(false)), Ty::Unknown)
}

/// A number as written, if it is one within the range of values
/// (`crate::range`).
pub fn parse_number(raw: &str) -> Option<f64> {
    raw.replace('_', "")
        .parse::<f64>()
        .ok()
        .filter(|n| crate::range::number_ok(*n))
}

impl Checker<'_> {
    /// A condition: must be true/false.
    pub fn condition(&mut self, e: &ast::Expr, ctx: Ctx<'_>) -> Expr {
        let (x, ty) = self.expr(e, ctx);
        if !ty.is_bool() {
            let help = match ty {
                Ty::Num(_) | Ty::Literal => {
                    Some("compare it with a threshold, e.g. `fit >= 30`".to_string())
                }
                Ty::Text | Ty::Enum(_) => {
                    Some("compare it with a value, e.g. `contact.department == \"IT\"`".to_string())
                }
                _ => None,
            };
            self.diag(CheckError::WrongType {
                expected: "a condition (true or false)".into(),
                found: ty.describe(),
                span: e.span,
                help,
            });
        }
        x
    }

    /// A number (of any unit): scores' points, payouts.
    /// An operand of arithmetic, `-`, `min`/`max` or a payout.
    pub fn numeric(&mut self, e: &ast::Expr, ctx: Ctx<'_>) -> (Expr, Ty) {
        let (x, ty) = self.expr(e, ctx);
        if matches!(x, Expr::TimeInStage) {
            // Time in a stage is measured in calendar terms (a day is a
            // calendar day, DST included) only against a written duration,
            // and its timer is placed only there: as a number it has no
            // value, and a condition built on it could never hold.
            self.diag(CheckError::NotAllowedHere {
                what: "`time_in_stage`".into(),
                place: "in a calculation",
                span: e.span,
                help: Some(
                    "compare it with a duration directly: `time_in_stage >= 90d`, not `time_in_stage * 2 >= 180d`".into(),
                ),
            });
            return (x, Ty::Unknown);
        }
        if !matches!(ctx.place, Place::Metric) {
            self.note_untimed_operand(&x, e.span);
        }
        if !ty.is_numeric() {
            self.diag(CheckError::WrongType {
                expected: "a number".into(),
                found: ty.describe(),
                span: e.span,
                help: None,
            });
            return (x, Ty::Unknown);
        }
        (x, ty)
    }

    /// A duration (written, a field, `time_in_stage`) added, scaled or
    /// negated in a condition: conditions compare durations in calendar
    /// terms only as they are, so the result would have no value and the
    /// condition could never hold. Says so; `true` when it did. Metrics
    /// count in days and may calculate with them.
    fn duration_in_calculation(&mut self, ty: &Ty, span: Span, ctx: Ctx<'_>) -> bool {
        if matches!(ctx.place, Place::Metric) || ty.unit().is_none_or(|u| u.days == 0) {
            return false;
        }
        self.diag(CheckError::NotAllowedHere {
            what: "a duration".into(),
            place: "in a calculation in a condition",
            span,
            help: Some(
                "a condition compares a duration only as written: write the one you mean (`91d` rather than `90d + 1d`), or compare a duration field with a duration directly".into(),
            ),
        });
        true
    }

    pub fn expr(&mut self, e: &ast::Expr, ctx: Ctx<'_>) -> (Expr, Ty) {
        match &e.kind {
            ExprKind::Literal(lit) => self.literal(lit, e.span),
            ExprKind::Paren(inner) => self.expr(inner, ctx),
            ExprKind::Name(id) => self.name(id, ctx),
            ExprKind::List(items) => {
                let mut out = Vec::new();
                let mut elem = Ty::Unknown;
                for item in items {
                    let (x, t) = self.expr(item, ctx);
                    if elem.is_unknown() || elem == Ty::Literal {
                        elem = t;
                    } else if !compatible(&elem, &t) && !t.is_unknown() {
                        self.diag(CheckError::WrongType {
                            expected: elem.describe(),
                            found: t.describe(),
                            span: item.span,
                            help: Some("every item of a list must be of the same kind".into()),
                        });
                    }
                    out.push(x);
                }
                (Expr::List(out), Ty::List(Box::new(elem)))
            }
            ExprKind::Unary { op, expr } => match op {
                UnaryOp::Not => {
                    let x = self.condition(expr, ctx);
                    (Expr::Not(Box::new(x)), Ty::Bool)
                }
                UnaryOp::Neg => {
                    let (x, t) = self.numeric(expr, ctx);
                    if self.duration_in_calculation(&t, e.span, ctx) {
                        return (Expr::Neg(Box::new(x)), Ty::Unknown);
                    }
                    if let Expr::Const(Value::Number(n)) = x {
                        return (Expr::Const(Value::Number(-n)), t);
                    }
                    (Expr::Neg(Box::new(x)), t)
                }
            },
            ExprKind::Is { expr, missing } => {
                let (x, _) = self.expr(expr, ctx);
                (
                    Expr::Missing {
                        expr: Box::new(x),
                        missing: *missing,
                    },
                    Ty::Bool,
                )
            }
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, e.span, ctx),
            ExprKind::Call { func, args } => self.call(func, args, e.span, ctx),
            ExprKind::Member { base, name, args } => {
                self.member(base, name, args.as_deref(), e.span, ctx)
            }
        }
    }

    pub fn literal(&mut self, lit: &Literal, span: Span) -> (Expr, Ty) {
        match lit {
            Literal::Bool(b) => (Expr::Const(Value::Bool(*b)), Ty::Bool),
            Literal::String(s) => (Expr::Const(Value::Text(s.clone())), Ty::Text),
            Literal::Number(raw) => match parse_number(raw) {
                Some(n) => (Expr::Const(Value::Number(n)), Ty::Literal),
                None => self.bad_number(raw, span),
            },
            Literal::Percent(raw) => match parse_number(raw) {
                Some(n) => (Expr::Const(Value::Number(n / 100.0)), Ty::Num(Unit::NONE)),
                None => self.bad_number(raw, span),
            },
            Literal::Money(raw) => match parse_money(raw) {
                Ok(d) => {
                    self.currency_symbol(raw, span);
                    (Expr::Const(Value::Money(d)), Ty::Num(Unit::MONEY))
                }
                Err(reason) => {
                    self.diag(CheckError::InvalidValue {
                        what: "amount of money",
                        value: raw.clone(),
                        span,
                        reason: reason.to_string(),
                        help: Some(
                            "write money as `$500`, `$50k` (thousands) or `$1.2m` (millions)"
                                .into(),
                        ),
                    });
                    err_expr()
                }
            },
            Literal::Quantity { .. } | Literal::BusinessDuration { .. } => {
                match self.duration_of(lit, span) {
                    Some(d) => (Expr::Const(Value::Duration(d)), Ty::Num(Unit::DAYS)),
                    None => err_expr(),
                }
            }
        }
    }

    fn bad_number(&mut self, raw: &str, span: Span) -> (Expr, Ty) {
        self.diag(CheckError::InvalidValue {
            what: "number",
            value: raw.to_string(),
            span,
            reason: format!("numbers must be {}", crate::range::NUMBER_RANGE),
            help: None,
        });
        err_expr()
    }

    /// A duration literal: `30d`, `90m`, `16 business hours`.
    pub fn duration_of(&mut self, lit: &Literal, span: Span) -> Option<Duration> {
        let (number, unit, text) = match lit {
            Literal::Quantity { number, unit } => {
                (number, unit.as_str(), format!("{number}{unit}"))
            }
            Literal::BusinessDuration {
                number, unit_word, ..
            } => (
                number,
                if unit_word.starts_with("hour") {
                    "business hours"
                } else {
                    "business days"
                },
                format!("{number} business {unit_word}"),
            ),
            Literal::Number(n) => {
                self.diag(CheckError::InvalidDuration {
                    text: n.clone(),
                    span,
                    reason: "a number without a unit".into(),
                    help: Some(format!(
                        "add a unit: `{n}m` (minutes), `{n}h` (hours), `{n}d` (days), `{n}w` (weeks) or `{n} business hours`"
                    )),
                });
                return None;
            }
            _ => {
                self.diag(CheckError::WrongType {
                    expected: "a duration such as `30d`".into(),
                    found: "something else".into(),
                    span,
                    help: None,
                });
                return None;
            }
        };
        let bad = |this: &mut Self, reason: &str, help: Option<String>| {
            this.diag(CheckError::InvalidDuration {
                text: text.clone(),
                span,
                reason: reason.to_string(),
                help,
            });
            None
        };
        let Some(n) = parse_number(number) else {
            return bad(self, "too large", None);
        };
        if n <= 0.0 {
            return bad(self, "must be longer than zero", None);
        }
        let whole = |x: f64| (x.fract() == 0.0 && x < 1e12).then_some(x as i64);
        match unit {
            "m" => whole(n).map(Duration::Minutes),
            "h" => whole(n * 60.0).map(Duration::Minutes),
            "d" => whole(n).map(Duration::Days),
            "w" => whole(n * 7.0).map(Duration::Days),
            "business hours" => whole(n).map(Duration::BusinessHours),
            "business days" => whole(n).map(Duration::BusinessDays),
            "k" => {
                return bad(
                    self,
                    "`k` is a money multiplier",
                    Some(format!("write money with a `$`, e.g. `${number}k`")),
                );
            }
            other => {
                let help = match other {
                    "min" | "mins" | "minute" | "minutes" => Some(format!("write `{number}m`")),
                    "hr" | "hrs" | "hour" | "hours" => Some(format!("write `{number}h`")),
                    "day" | "days" => Some(format!("write `{number}d`")),
                    "wk" | "week" | "weeks" => Some(format!("write `{number}w`")),
                    _ => Some("use m (minutes), h (hours), d (days), w (weeks), or `N business hours` / `N business days`".into()),
                };
                return bad(self, &format!("unknown unit `{other}`"), help);
            }
        }
        .or_else(|| {
            bad(
                self,
                "not a whole number of minutes, days or business hours",
                Some("use a smaller unit, e.g. `36h` instead of `1.5d`".into()),
            )
        })
        .and_then(|d| {
            if crate::range::duration_ok(d) {
                Some(d)
            } else {
                bad(
                    self,
                    &format!("durations must be {}", crate::range::DURATION_RANGE),
                    None,
                )
            }
        })
    }

    /// A duration where only a literal makes sense (`within`, `after`,
    /// `half_life`).
    pub fn duration_expr(&mut self, e: &ast::Expr, allow_business: bool) -> Option<Duration> {
        let lit = match &e.kind {
            ExprKind::Literal(l) => l,
            _ => {
                self.diag(CheckError::WrongType {
                    expected: "a duration such as `30d`".into(),
                    found: "an expression".into(),
                    span: e.span,
                    help: None,
                });
                return None;
            }
        };
        let d = self.duration_of(lit, e.span)?;
        if !allow_business && matches!(d, Duration::BusinessDays(_) | Duration::BusinessHours(_)) {
            self.diag(CheckError::InvalidDuration {
                text: "business time".into(),
                span: e.span,
                reason: "business hours are not allowed here".into(),
                help: Some("business hours and days can be used in `within` and `after`; here write calendar time such as `30d`".into()),
            });
            return None;
        }
        Some(d)
    }

    fn name(&mut self, id: &ast::Ident, ctx: Ctx<'_>) -> (Expr, Ty) {
        let name = id.name.as_str();
        if ctx.place == Place::Require {
            let clauses = ctx.clauses.unwrap_or(&[]);
            if let Some(i) = clauses.iter().position(|c| c == name) {
                return (Expr::Clause(i), Ty::Bool);
            }
            let help = crate::names::closest(name, clauses.iter().map(String::as_str))
                .map(|c| format!("did you mean `{c}`?"))
                .or_else(|| {
                    Some(format!(
                        "`require` combines this criteria's clause labels: {}",
                        list(clauses.iter().map(String::as_str))
                    ))
                });
            self.diag(CheckError::Unknown {
                kind: "clause",
                name: name.to_string(),
                span: id.span,
                help,
            });
            return err_expr();
        }
        if let Some(ev) = ctx.event
            && let Some((field, ty)) = self.event_field(ev, name)
        {
            return (Expr::EventField(field), ty);
        }
        if let Some(v) = self.values.get(name).map(|(v, _)| *v) {
            return self.value_ref(v, id, ctx);
        }
        if name == "time_in_stage" {
            if ctx.place.is_filter() {
                return self.not_here(
                    "`time_in_stage`",
                    id.span,
                    ctx,
                    Some(ctx.place.filter_help()),
                );
            }
            if ctx.place == Place::Metric {
                return self.not_here("`time_in_stage`", id.span, ctx, Some("`time_in_stage` is about one contact; in a metric use `median(days(a -> b))`"));
            }
            return (Expr::TimeInStage, Ty::Num(Unit::DAYS));
        }
        if matches!(name, "contact" | "account" | "group") {
            self.diag(CheckError::BadArguments {
                func: name.to_string(),
                problem: "needs a field".into(),
                span: id.span,
                label: "which field?".into(),
                help: Some(format!("write `{name}.FIELD`, e.g. `contact.title`")),
            });
            return err_expr();
        }
        let mut candidates: Vec<&str> = self.values.keys().map(String::as_str).collect();
        candidates.push("time_in_stage");
        let event_fields: Vec<String> = ctx
            .event
            .and_then(|ev| self.events.get(ev.index()))
            .map(|e| e.fields.iter().map(|f| f.name.clone()).collect())
            .unwrap_or_default();
        candidates.extend(event_fields.iter().map(String::as_str));
        let mut help = crate::names::closest(name, candidates.iter().copied())
            .map(|c| format!("did you mean `{c}`?"));
        if help.is_none() {
            help = if self.contact_field(name).is_some() {
                Some(format!(
                    "to read the contact's field, write `contact.{name}`"
                ))
            } else if self.account_field(name).is_some() {
                Some(format!(
                    "to read the account's field, write `account.{name}`"
                ))
            } else if self.event_ns.contains_key(name) {
                Some(format!(
                    "`{name}` is an event or touchpoint: write `seen({name})` or `count({name})`"
                ))
            } else {
                None
            };
        }
        self.diag(CheckError::Unknown {
            kind: "name",
            name: name.to_string(),
            span: id.span,
            help,
        });
        err_expr()
    }

    fn value_ref(&mut self, v: ValueRef, id: &ast::Ident, ctx: Ctx<'_>) -> (Expr, Ty) {
        let account_score =
            |c: &Self, s: ScoreId| c.score_asts.get(s.index()).is_some_and(|x| x.for_account);
        let deal_criteria =
            |c: &Self, x: CriteriaId| c.criteria_asts.get(x.index()).is_some_and(|d| d.for_deal);
        match (v, ctx.place) {
            (ValueRef::Score(s), Place::Contact) if account_score(self, s) => self.not_here(
                &format!("`{}`, an account's score,", id.name),
                id.span,
                ctx,
                Some("an account score sums all the account's contacts' events: read it in the account lifecycle or the buying group's `qualified`"),
            ),
            (ValueRef::Score(s), Place::Account) if account_score(self, s) => {
                self.depend(DefNode::Score(s));
                (Expr::Score(s), Ty::Num(Unit::NONE))
            }
            (ValueRef::Score(s), Place::Contact) => {
                self.depend(DefNode::Score(s));
                (Expr::Score(s), Ty::Num(Unit::NONE))
            }
            (ValueRef::Criteria(c), Place::Contact | Place::Deal)
                if deal_criteria(self, c) != (ctx.place == Place::Deal) =>
            {
                let (whose, help) = if ctx.place == Place::Deal {
                    ("a contact's", "a deal reads criteria declared `criteria NAME for deal { ... }`")
                } else {
                    ("a deal's", "criteria `for deal` are read in the deal lifecycle")
                };
                self.not_here(&format!("`{}`, {whose} criteria,", id.name), id.span, ctx, Some(help))
            }
            (ValueRef::Criteria(c), Place::Contact | Place::Deal) => {
                self.depend(DefNode::Criteria(c));
                (Expr::Criteria(c), Ty::Bool)
            }
            (ValueRef::Metric(m), Place::Metric) => {
                self.depend(DefNode::Metric(m));
                let ty = self.metric_type(m);
                (Expr::Metric(m), ty)
            }
            (ValueRef::Metric(_), _) => self.not_here(
                &format!("metric `{}`", id.name),
                id.span,
                ctx,
                Some("metrics are computed over all contacts of a period; use them in other metrics and incentives"),
            ),
            (ValueRef::Score(_) | ValueRef::Criteria(_), Place::EventFilter) => self.not_here(
                &format!("`{}`, which is about one contact as of now,", id.name),
                id.span,
                ctx,
                Some(FILTER_HELP),
            ),
            (ValueRef::Score(_) | ValueRef::Criteria(_), Place::Deal | Place::DealFilter) => self.not_here(
                &format!("`{}`, which is about one contact or account,", id.name),
                id.span,
                ctx,
                Some("a deal's moves read the deal's fields (`deal.FIELD`), its account's (`account.FIELD`) and its own events (`seen(EVENT)`, `days_since(EVENT)`)"),
            ),
            (ValueRef::Score(_) | ValueRef::Criteria(_), Place::Account) => self.not_here(
                &format!("`{}`, which is about one contact,", id.name),
                id.span,
                ctx,
                Some("the account lifecycle reads the buying group (`group.has(ROLE)`, `group.engaged`, `group.qualified`) and account scores (`score NAME for account { ... }`)"),
            ),
            (ValueRef::Score(_) | ValueRef::Criteria(_), _) => self.not_here(
                &format!("`{}`, which is about one contact,", id.name),
                id.span,
                ctx,
                Some("in a metric, count or convert stages instead, e.g. `conversion(mql -> sql)`"),
            ),
        }
    }

    pub(super) fn not_here(
        &mut self,
        what: &str,
        span: Span,
        ctx: Ctx<'_>,
        help: Option<&str>,
    ) -> (Expr, Ty) {
        self.diag(CheckError::NotAllowedHere {
            what: what.to_string(),
            place: ctx.place.phrase(),
            span,
            help: help.map(str::to_string),
        });
        err_expr()
    }

    fn binary(
        &mut self,
        op: BinOp,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        span: Span,
        ctx: Ctx<'_>,
    ) -> (Expr, Ty) {
        match op {
            BinOp::And | BinOp::Or => {
                let l = self.condition(lhs, ctx);
                let r = self.condition(rhs, ctx);
                let x = if op == BinOp::And {
                    Expr::And(Box::new(l), Box::new(r))
                } else {
                    Expr::Or(Box::new(l), Box::new(r))
                };
                (x, Ty::Bool)
            }
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => {
                self.arithmetic(op, lhs, rhs, span, ctx)
            }
            BinOp::In | BinOp::NotIn => self.membership(op, lhs, rhs, ctx),
            BinOp::Contains | BinOp::StartsWith | BinOp::EndsWith => {
                self.text_test(op, lhs, rhs, ctx)
            }
            BinOp::Matches => self.regex_match(op, lhs, rhs, ctx),
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                self.comparison(op, lhs, rhs, span, ctx)
            }
        }
    }

    /// An arithmetic operation, its unit worked out from its operands'.
    fn arithmetic(
        &mut self,
        op: BinOp,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        span: Span,
        ctx: Ctx<'_>,
    ) -> (Expr, Ty) {
        let (l, lt) = self.numeric(lhs, ctx);
        let (r, rt) = self.numeric(rhs, ctx);
        // The whole calculation is marked: it is what has no value.
        if self.duration_in_calculation(&lt, span, ctx)
            || self.duration_in_calculation(&rt, span, ctx)
        {
            return (
                Expr::Arith(ArithOp::Add, Box::new(l), Box::new(r)),
                Ty::Unknown,
            );
        }
        let aop = match op {
            BinOp::Add => ArithOp::Add,
            BinOp::Sub => ArithOp::Sub,
            BinOp::Mul => ArithOp::Mul,
            _ => ArithOp::Div,
        };
        let ty = match (&lt, &rt) {
            (Ty::Unknown, _) | (_, Ty::Unknown) => Ty::Unknown,
            (Ty::Literal, Ty::Literal) => Ty::Literal,
            _ => {
                let lu = lt.unit().unwrap_or_default();
                let ru = rt.unit().unwrap_or_default();
                match aop {
                    ArithOp::Add | ArithOp::Sub => {
                        if lt == Ty::Literal {
                            rt.clone()
                        } else if rt == Ty::Literal || lu == ru {
                            lt.clone()
                        } else {
                            self.diag(CheckError::UnitMismatch {
                                verb: if aop == ArithOp::Add {
                                    "add"
                                } else {
                                    "subtract"
                                },
                                left: describe_unit(lu),
                                right: describe_unit(ru),
                                left_span: lhs.span,
                                right_span: rhs.span,
                            });
                            Ty::Unknown
                        }
                    }
                    ArithOp::Mul => Ty::Num(Unit {
                        money: lu.money.saturating_add(ru.money),
                        days: lu.days.saturating_add(ru.days),
                    }),
                    ArithOp::Div => Ty::Num(Unit {
                        money: lu.money.saturating_sub(ru.money),
                        days: lu.days.saturating_sub(ru.days),
                    }),
                }
            }
        };
        (Expr::Arith(aop, Box::new(l), Box::new(r)), ty)
    }

    /// `x in [...]` and `x not in [...]`.
    fn membership(
        &mut self,
        op: BinOp,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        ctx: Ctx<'_>,
    ) -> (Expr, Ty) {
        let (l, lt) = self.expr(lhs, ctx);
        let (r, rt) = self.expr(rhs, ctx);
        match &rt {
            Ty::List(elem) => {
                if !compatible(&lt, elem) {
                    self.mismatch(op, &lt, &rt, lhs.span, rhs.span, None);
                } else {
                    self.check_enum_list(&lt, lhs, rhs);
                }
            }
            Ty::Unknown => {}
            _ => self.mismatch(
                op,
                &lt,
                &rt,
                lhs.span,
                rhs.span,
                Some("`in` checks membership of a list, e.g. `account.industry in [\"software\", \"fintech\"]`".into()),
            ),
        }
        (
            Expr::In {
                negated: op == BinOp::NotIn,
                item: Box::new(l),
                list: Box::new(r),
            },
            Ty::Bool,
        )
    }

    /// `contains`, `starts_with`, `ends_with` (on text, or `contains` on a list).
    fn text_test(
        &mut self,
        op: BinOp,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        ctx: Ctx<'_>,
    ) -> (Expr, Ty) {
        let (l, lt) = self.expr(lhs, ctx);
        let (r, rt) = self.expr(rhs, ctx);
        let list_contains =
            matches!(&lt, Ty::List(e) if compatible(e, &rt)) && op == BinOp::Contains;
        if !(list_contains || lt.is_textual() && rt.is_textual()) {
            self.mismatch(
                op,
                &lt,
                &rt,
                lhs.span,
                rhs.span,
                Some(format!("`{}` works on text", op.symbol())),
            );
        }
        if list_contains {
            return (
                Expr::In {
                    negated: false,
                    item: Box::new(r),
                    list: Box::new(l),
                },
                Ty::Bool,
            );
        }
        let top = match op {
            BinOp::Contains => TextOp::Contains,
            BinOp::StartsWith => TextOp::StartsWith,
            _ => TextOp::EndsWith,
        };
        (Expr::Text(top, Box::new(l), Box::new(r)), Ty::Bool)
    }

    /// `x matches "..."`: the pattern is compiled now, so one past the size limit is refused.
    fn regex_match(
        &mut self,
        op: BinOp,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        ctx: Ctx<'_>,
    ) -> (Expr, Ty) {
        let (l, lt) = self.expr(lhs, ctx);
        if !lt.is_textual() {
            self.mismatch(
                op,
                &lt,
                &Ty::Text,
                lhs.span,
                rhs.span,
                Some("`matches` tests text against a regular expression".into()),
            );
        }
        let ExprKind::Literal(Literal::String(pattern)) = &rhs.kind else {
            self.diag(CheckError::WrongType {
                expected: "a regular expression written as a string".into(),
                found: "an expression".into(),
                span: rhs.span,
                help: Some(
                    "write the pattern in quotes, e.g. `matches \"(?i)\\\\bvp\\\\b\"`".into(),
                ),
            });
            return err_expr();
        };
        // The automaton is built now, once: a pattern the engine
        // could not build (past the size limit) would otherwise
        // check clean and silently match nothing.
        match regex_syntax::ParserBuilder::new().build().parse(pattern) {
            Ok(_) => {
                let re = RegexPattern::new(pattern);
                if re.regex().is_none() {
                    self.diag(CheckError::InvalidRegex {
                        reason: format!(
                            "the pattern compiles to more than {} MiB; write a shorter one (fewer repetitions such as `{{1000}}`, smaller character classes)",
                            REGEX_SIZE_LIMIT >> 20
                        ),
                        span: rhs.span,
                    });
                    return err_expr();
                }
                (Expr::Matches(Box::new(l), re), Ty::Bool)
            }
            Err(e) => {
                let reason = regex_reason(&e.to_string());
                self.diag(CheckError::InvalidRegex {
                    reason,
                    span: rhs.span,
                });
                err_expr()
            }
        }
    }

    /// A comparison; notes what range analysis and the timed-leaf rule need.
    fn comparison(
        &mut self,
        op: BinOp,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        span: Span,
        ctx: Ctx<'_>,
    ) -> (Expr, Ty) {
        let (l, lt) = self.expr(lhs, ctx);
        let (r, rt) = self.expr(rhs, ctx);
        let cop = match op {
            BinOp::Eq => CmpOp::Eq,
            BinOp::Ne => CmpOp::Ne,
            BinOp::Lt => CmpOp::Lt,
            BinOp::Le => CmpOp::Le,
            BinOp::Gt => CmpOp::Gt,
            _ => CmpOp::Ge,
        };
        let ordered = !matches!(cop, CmpOp::Eq | CmpOp::Ne);
        let ok = if lt.is_unknown() || rt.is_unknown() {
            true
        } else if ordered {
            orderable(&lt, &rt)
        } else {
            compatible(&lt, &rt)
        };
        if !ok {
            let help = if (lt == Ty::Literal && rt == Ty::Num(Unit::DAYS))
                || (rt == Ty::Literal && lt == Ty::Num(Unit::DAYS))
            {
                Some("a duration needs a unit: write e.g. `14d` or `48h`".to_string())
            } else if let Some(h) = days_as_a_number(&lt, &rt, lhs, rhs) {
                Some(h)
            } else if ordered && (lt.is_textual() || rt.is_textual()) {
                Some("text can be compared with `==`, `!=`, `contains`, `starts_with`, `ends_with` or `matches`".to_string())
            } else {
                None
            };
            self.mismatch(op, &lt, &rt, lhs.span, rhs.span, help);
        } else {
            self.check_enum_literal(&lt, lhs, rhs);
            self.check_enum_literal(&rt, rhs, lhs);
        }
        // Remember score thresholds for the range analysis.
        self.note_threshold(&l, cop, &r, span);
        self.note_scale(&l, rhs);
        self.note_scale(&r, lhs);
        if !matches!(ctx.place, Place::Metric) {
            self.note_untimed_comparison(cop, &l, &r, span);
        }
        (Expr::Compare(cop, Box::new(l), Box::new(r)), Ty::Bool)
    }

    fn mismatch(&mut self, op: BinOp, lt: &Ty, rt: &Ty, ls: Span, rs: Span, help: Option<String>) {
        if lt.is_unknown() || rt.is_unknown() {
            return;
        }
        self.diag(CheckError::TypeMismatch {
            op: op.symbol().to_string(),
            left: lt.describe(),
            right: rt.describe(),
            left_span: ls,
            right_span: rs,
            help,
        });
    }

    /// `outcome == "hold"` where outcome is `"held" | "no_show"`, and
    /// `account.stage == "qualifed"`.
    fn check_enum_literal(&mut self, ty: &Ty, this: &ast::Expr, other: &ast::Expr) {
        let ExprKind::Literal(Literal::String(value)) = &other.kind else {
            return;
        };
        let (values, field): (Vec<String>, String) = match ty {
            Ty::Enum(v) => (v.clone(), format!("`{}`", crate::syntax::print::expr(this))),
            Ty::AccountStage => (
                self.account_stage_names(),
                "the account lifecycle's stages".into(),
            ),
            _ => return,
        };
        if values.iter().any(|v| v == value) {
            return;
        }
        let help = crate::names::closest(value, values.iter().map(String::as_str))
            .map(|c| format!("did you mean \"{c}\"?"))
            .or_else(|| {
                Some(format!(
                    "possible values: {}",
                    list(values.iter().map(String::as_str))
                ))
            });
        self.diag(CheckError::NotAnEnumValue {
            value: value.clone(),
            field,
            span: other.span,
            help,
        });
    }

    fn check_enum_list(&mut self, ty: &Ty, this: &ast::Expr, list_expr: &ast::Expr) {
        if let ExprKind::List(items) = &list_expr.kind {
            for item in items {
                self.check_enum_literal(ty, this, item);
            }
        }
    }

    /// `account.FIELD` or `account.stage`.
    fn account_member(&mut self, name: &ast::Ident, span: Span, ctx: Ctx<'_>) -> (Expr, Ty) {
        if ctx.place == Place::Metric {
            return self.not_here(&format!("`account.{}`", name.name), span, ctx, None);
        }
        if name.name == "stage" && ctx.place.is_filter() {
            return self.not_here("`account.stage`", span, ctx, Some(ctx.place.filter_help()));
        }
        if name.name == "stage" && ctx.place == Place::Deal {
            return self.not_here("`account.stage`", span, ctx, Some("a deal's moves read the deal and its account's fields; the account's stage is for contact and account conditions"));
        }
        if name.name == "stage" && self.has_lifecycle(ast::Entity::Account) {
            return (Expr::AccountStage, Ty::AccountStage);
        }
        match self.account_field(&name.name) {
            Some((field, ty)) => (Expr::AccountField(field), ty),
            None => {
                let mut known: Vec<String> =
                    self.account_fields.iter().map(|f| f.name.clone()).collect();
                if self.has_lifecycle(ast::Entity::Account) {
                    known.push("stage".into());
                }
                self.unknown_field("account", name, known)
            }
        }
    }

    fn member(
        &mut self,
        base: &ast::Expr,
        name: &ast::Ident,
        args: Option<&[Arg]>,
        span: Span,
        ctx: Ctx<'_>,
    ) -> (Expr, Ty) {
        if let Some(x) = self.deal_member(base, name, args, span, ctx) {
            return x;
        }
        match &base.kind {
            ExprKind::Name(b) if b.name == "contact" && args.is_none() => {
                if matches!(ctx.place, Place::Deal | Place::DealFilter) {
                    return self.not_here(&format!("`contact.{}`", name.name), span, ctx, Some("a deal has several contacts: read the deal's fields (`deal.FIELD`) and its account's (`account.FIELD`)"));
                }
                if ctx.place == Place::Metric || ctx.place == Place::Account {
                    return self.not_here(&format!("`contact.{}`", name.name), span, ctx, Some("contact fields describe one contact; use them in criteria, scores and contact transitions"));
                }
                match self.contact_field(&name.name) {
                    Some((field, ty)) => (Expr::ContactField(field), ty),
                    None => self.unknown_field(
                        "contact",
                        name,
                        self.contact_fields.iter().map(|f| f.name.clone()).collect(),
                    ),
                }
            }
            ExprKind::Name(b) if b.name == "account" && args.is_none() => {
                self.account_member(name, span, ctx)
            }
            ExprKind::Name(b)
                if b.name == "group" && matches!(ctx.place, Place::Deal | Place::DealFilter) =>
            {
                self.not_here(
                    &format!("`group.{}`", name.name),
                    span,
                    ctx,
                    Some("the buying group is read in contact and account conditions"),
                )
            }
            ExprKind::Name(b) if b.name == "group" => self.group(name, args, span, ctx),
            ExprKind::Call {
                func,
                args: call_args,
            } if func.name == "last" && args.is_none() => {
                if matches!(ctx.place, Place::Metric | Place::Require) || ctx.place.is_filter() {
                    return self.not_here("`last(...)`", span, ctx, None);
                }
                let Some(pattern) = self.single_pattern("last", call_args, base.span, ctx, false)
                else {
                    return err_expr();
                };
                let Some(ev) = self.pattern_event(&pattern) else {
                    return err_expr();
                };
                match self.event_field(ev, &name.name) {
                    Some((field, ty)) => (
                        Expr::Last {
                            pattern: Box::new(pattern),
                            field,
                        },
                        ty,
                    ),
                    None => {
                        let owner = self
                            .events
                            .get(ev.index())
                            .map(|e| format!("event `{}`", e.name))
                            .unwrap_or_default();
                        let known = self
                            .events
                            .get(ev.index())
                            .map(|e| e.fields.iter().map(|f| f.name.clone()).collect())
                            .unwrap_or_default();
                        self.unknown_field(&owner, name, known)
                    }
                }
            }
            ExprKind::Name(b) if self.event_ns.contains_key(&b.name) => {
                let help = if ctx.place == Place::Metric {
                    Some(format!(
                        "event fields are aggregated: write e.g. `sum({}.{})` or `avg({}.{})`",
                        b.name, name.name, b.name, name.name
                    ))
                } else {
                    Some(format!(
                        "to read the latest event's field, write `last({}).{}`",
                        b.name, name.name
                    ))
                };
                self.diag(CheckError::NotAllowedHere {
                    what: format!("`{}.{}`", b.name, name.name),
                    place: ctx.place.phrase(),
                    span,
                    help,
                });
                err_expr()
            }
            ExprKind::Name(b) => {
                let help = crate::names::closest(&b.name, ["contact", "account", "group"])
                    .map(|c| format!("did you mean `{c}.{}`?", name.name))
                    .or_else(|| {
                        Some(
                            "fields are read from `contact`, `account`, `group` or `last(EVENT)`"
                                .into(),
                        )
                    });
                self.diag(CheckError::Unknown {
                    kind: "name",
                    name: b.name.clone(),
                    span: b.span,
                    help,
                });
                err_expr()
            }
            _ => {
                self.diag(CheckError::NotAllowedHere {
                    what: format!("`.{}`", name.name),
                    place: "after this expression",
                    span: name.span,
                    help: Some(
                        "fields are read from `contact`, `account`, `group` or `last(EVENT)`"
                            .into(),
                    ),
                });
                err_expr()
            }
        }
    }

    pub(super) fn unknown_field(
        &mut self,
        owner: &str,
        name: &ast::Ident,
        known: Vec<String>,
    ) -> (Expr, Ty) {
        let help = crate::names::closest(&name.name, known.iter().map(String::as_str))
            .map(|c| format!("did you mean `{c}`?"))
            .or_else(|| {
                if known.is_empty() {
                    Some(format!("declare it in the `{owner} {{ ... }}` schema"))
                } else {
                    Some(format!(
                        "known fields: {}; or declare it in the schema",
                        list(known.iter().map(String::as_str))
                    ))
                }
            });
        self.diag(CheckError::UnknownField {
            owner: owner.to_string(),
            name: name.name.clone(),
            span: name.span,
            help,
        });
        err_expr()
    }

    fn group(
        &mut self,
        fact: &ast::Ident,
        args: Option<&[Arg]>,
        span: Span,
        ctx: Ctx<'_>,
    ) -> (Expr, Ty) {
        if self.buying_group_span.is_none() {
            self.diag(CheckError::NoBuyingGroup {
                fact: fact.name.clone(),
                span,
            });
            return err_expr();
        }
        if ctx.place == Place::Metric {
            return self.not_here(&format!("`group.{}`", fact.name), span, ctx, None);
        }
        if ctx.place == Place::EventFilter {
            return self.not_here(
                &format!("`group.{}`", fact.name),
                span,
                ctx,
                Some(FILTER_HELP),
            );
        }
        let facts = ["has", "count", "engaged", "size", "in", "qualified"];
        match (fact.name.as_str(), args) {
            ("has" | "count", Some(args)) => {
                let Some(role) = self
                    .single_name(&fact.name, args, span)
                    .and_then(|r| self.role(r))
                else {
                    return err_expr();
                };
                self.depend(DefNode::Role(role));
                if fact.name == "has" {
                    (Expr::GroupHas(role), Ty::Bool)
                } else {
                    (Expr::GroupCount(role), Ty::Num(Unit::NONE))
                }
            }
            ("in", Some(args)) => {
                match self.single_stage("group.in", args, span, ast::Entity::Contact) {
                    Some(id) => (Expr::GroupIn(id), Ty::Num(Unit::NONE)),
                    None => err_expr(),
                }
            }
            ("engaged", None) => {
                if self.group_engaged_span.is_none() {
                    return self.group_undefined("engaged", fact.span);
                }
                self.depend(DefNode::GroupEngaged);
                (Expr::GroupEngaged, Ty::Num(Unit::NONE))
            }
            ("qualified", None) => {
                if self.group_qualified_span.is_none() {
                    return self.group_undefined("qualified", fact.span);
                }
                self.depend(DefNode::GroupQualified);
                (Expr::GroupQualified, Ty::Bool)
            }
            ("size", None) => (Expr::GroupSize, Ty::Num(Unit::NONE)),
            ("has" | "count" | "in", None) => {
                self.diag(CheckError::BadArguments {
                    func: format!("group.{}", fact.name),
                    problem: "needs a role in parentheses".into(),
                    span,
                    label: "which role?".into(),
                    help: Some(format!("write e.g. `group.{}(economic_buyer)`", fact.name)),
                });
                err_expr()
            }
            ("engaged" | "qualified" | "size", Some(_)) => {
                self.diag(CheckError::BadArguments {
                    func: format!("group.{}", fact.name),
                    problem: "takes no arguments".into(),
                    span,
                    label: "remove the parentheses".into(),
                    help: None,
                });
                err_expr()
            }
            (other, _) => {
                let help = crate::names::closest(other, facts).map(|c| format!("did you mean `group.{c}`?")).or_else(|| Some("buying-group facts: group.has(ROLE), group.count(ROLE), group.engaged, group.size, group.in(STAGE), group.qualified".into()));
                self.diag(CheckError::Unknown {
                    kind: "buying-group fact",
                    name: other.to_string(),
                    span: fact.span,
                    help,
                });
                err_expr()
            }
        }
    }

    fn group_undefined(&mut self, what: &str, span: Span) -> (Expr, Ty) {
        self.diag(CheckError::Missing {
            item: "the buying group".into(),
            what: format!("`{what} = ...`"),
            span: self.buying_group_span.unwrap_or(span),
            help: Some(format!("`group.{what}` is used here but the `buying_group` does not say what `{what}` means")),
        });
        err_expr()
    }

    /// The one bare name a function takes: a role, stage or SLA.
    pub(super) fn single_name<'a>(
        &mut self,
        func: &str,
        args: &'a [Arg],
        span: Span,
    ) -> Option<&'a ast::Ident> {
        match args {
            [a] => match a.as_name() {
                Some(n) => Some(n),
                None => {
                    self.bad_args(func, "takes a name", a.span(), None);
                    None
                }
            },
            _ => {
                self.bad_args(func, "takes exactly one name", span, None);
                None
            }
        }
    }

    /// Warns when money is written with another currency's sign than the
    /// policy's `currency`: `€500` in a USD policy is read as $500.
    fn currency_symbol(&mut self, raw: &str, span: Span) {
        let (Some(symbol), amount) = money_symbol(raw) else {
            return;
        };
        let Some(currency) = self.currency.clone() else {
            return;
        };
        if symbol_fits(symbol, &currency) {
            return;
        }
        let sign = match currency.as_str() {
            "EUR" => '€',
            "GBP" => '£',
            _ => '$',
        };
        self.diag(CheckError::CurrencySymbol {
            written: raw.to_string(),
            symbol,
            currency,
            fixed: format!("{sign}{amount}"),
            span,
        });
    }

    /// The one stage a function takes, of the lifecycle it reads:
    /// `stage_entered(mql)`, `group.in(account:engaged)` is refused.
    fn single_stage(
        &mut self,
        func: &str,
        args: &[Arg],
        span: Span,
        entity: ast::Entity,
    ) -> Option<StageId> {
        if let [Arg::Stage(r)] = args {
            let place = format!("`{func}(...)` here");
            return self.stage_ref(r, Some((entity, &place)));
        }
        let name = self.single_name(func, args, span)?;
        self.stage(entity, name)
    }

    fn bad_args(&mut self, func: &str, problem: &str, span: Span, help: Option<String>) {
        self.diag(CheckError::BadArguments {
            func: func.to_string(),
            problem: problem.to_string(),
            span,
            label: "here".into(),
            help,
        });
    }

    /// The one pattern a history function takes, `T [where C] [within D]`.
    fn single_pattern(
        &mut self,
        func: &str,
        args: &[Arg],
        span: Span,
        ctx: Ctx<'_>,
        allow_within: bool,
    ) -> Option<Pattern> {
        self.pattern_and_window(func, args, span, ctx, allow_within)
            .map(|(p, _)| p)
    }

    fn pattern_and_window(
        &mut self,
        func: &str,
        args: &[Arg],
        span: Span,
        ctx: Ctx<'_>,
        allow_within: bool,
    ) -> Option<(Pattern, Option<Duration>)> {
        let [arg] = args else {
            self.bad_args(
                func,
                "takes one event or touchpoint",
                span,
                Some(format!("write e.g. `{func}(demo_request)`")),
            );
            return None;
        };
        let Arg::Pattern {
            name,
            condition,
            within,
            ..
        } = arg
        else {
            self.bad_args(
                func,
                "takes an event or touchpoint",
                arg.span(),
                Some(format!("write e.g. `{func}(demo_request)`")),
            );
            return None;
        };
        let pattern = self.pattern(name, condition.as_ref(), ctx)?;
        let window = match within {
            Some(w) if allow_within => Some(self.duration_expr(w, false)?),
            Some(w) => {
                self.bad_args(func, "takes no `within`", w.span, None);
                return None;
            }
            None => None,
        };
        Some((pattern, window))
    }

    fn call(&mut self, func: &ast::Ident, args: &[Arg], span: Span, ctx: Ctx<'_>) -> (Expr, Ty) {
        let f = func.name.as_str();
        if ctx.place.is_filter() && !matches!(f, "min" | "max") {
            return self.not_here(
                &format!("`{f}(...)`"),
                func.span,
                ctx,
                Some(ctx.place.filter_help()),
            );
        }
        let in_metric = ctx.place == Place::Metric;
        let known = if in_metric {
            METRIC_FUNCS
        } else {
            CONTACT_FUNCS
        };
        if !known.contains(&f) {
            let other = if in_metric {
                CONTACT_FUNCS
            } else {
                METRIC_FUNCS
            };
            if other.contains(&f) && f != "days" || (f == "days" && !in_metric) {
                let help = if in_metric {
                    format!(
                        "`{f}` looks at one contact's history; metrics aggregate over all contacts of a period"
                    )
                } else {
                    format!(
                        "`{f}` aggregates over all contacts of a period: use it in a `metric` or `incentive`"
                    )
                };
                return self.not_here(&format!("`{f}(...)`"), func.span, ctx, Some(&help));
            }
            let help = crate::names::closest(f, known.iter().copied())
                .map(|c| format!("did you mean `{c}`?"))
                .or_else(|| Some(format!("functions here: {}", list(known.iter().copied()))));
            self.diag(CheckError::Unknown {
                kind: "function",
                name: f.to_string(),
                span: func.span,
                help,
            });
            return err_expr();
        }
        if in_metric {
            self.metric_call(f, args, span, ctx)
        } else {
            self.subject_call(f, args, span, ctx)
        }
    }

    /// A function about one subject's history (or `min`/`max`).
    fn subject_call(&mut self, f: &str, args: &[Arg], span: Span, ctx: Ctx<'_>) -> (Expr, Ty) {
        match f {
            "seen" => match self.pattern_and_window(f, args, span, ctx, true) {
                Some((p, within)) => (
                    Expr::Seen {
                        pattern: Box::new(p),
                        within,
                    },
                    Ty::Bool,
                ),
                None => err_expr(),
            },
            "count" => match self.pattern_and_window(f, args, span, ctx, true) {
                Some((p, within)) => (
                    Expr::Count {
                        pattern: Box::new(p),
                        within,
                    },
                    Ty::Num(Unit::NONE),
                ),
                None => err_expr(),
            },
            "days_since" => match self.single_pattern(f, args, span, ctx, false) {
                Some(p) => (Expr::DaysSince(Box::new(p)), Ty::Num(Unit::NONE)),
                None => err_expr(),
            },
            "last" => {
                self.bad_args(
                    "last",
                    "needs a field after it",
                    span,
                    Some("write e.g. `last(sales_feedback).verdict`".into()),
                );
                err_expr()
            }
            "stage_entered" => {
                let entity = match ctx.place {
                    Place::Account => ast::Entity::Account,
                    Place::Deal => ast::Entity::Deal,
                    _ => ast::Entity::Contact,
                };
                match self.single_stage(f, args, span, entity) {
                    Some(id) => (Expr::StageEntered(id), Ty::Bool),
                    None => err_expr(),
                }
            }
            // An SLA runs for one contact: about the account, whose
            // breach would it be?
            "breached" if ctx.place == Place::Account => self.not_here(
                "`breached(...)`",
                span,
                ctx,
                Some("SLAs run per contact: read `breached` in a contact transition, criteria or score"),
            ),
            "breached" => match self.single_name(f, args, span).and_then(|s| self.sla(s)) {
                Some(id) if (ctx.place == Place::Deal) != self.sla_on_deals(id) => self.not_here(
                    "`breached(...)` of an SLA of another lifecycle",
                    span,
                    ctx,
                    Some("read a deal SLA's `breached` in the deal lifecycle, and a contact SLA's in contact conditions"),
                ),
                Some(id) if self.sla_on_accounts(id) => self.not_here(
                    "`breached(...)` of an SLA on account stages",
                    span,
                    ctx,
                    Some("an account's SLA has one instance per account, not per contact: read it in a metric, `attainment(sla)`"),
                ),
                Some(id) => (Expr::Breached(id), Ty::Bool),
                None => err_expr(),
            },
            "min" | "max" => {
                if args.len() < 2 {
                    self.bad_args(
                        f,
                        "takes two or more values",
                        span,
                        Some(format!("write e.g. `{f}(win_rate, 0.5)`")),
                    );
                    return err_expr();
                }
                let mut xs = Vec::new();
                let mut ty = Ty::Literal;
                let mut first_span = span;
                for a in args {
                    let (x, t) = match a {
                        Arg::Expr(e) => self.numeric(e, ctx),
                        Arg::Pattern {
                            name,
                            condition: None,
                            within: None,
                            span,
                        } => self.numeric(
                            &ast::Expr {
                                kind: ExprKind::Name(name.clone()),
                                span: *span,
                            },
                            ctx,
                        ),
                        other => {
                            self.bad_args(f, "takes values", other.span(), None);
                            return err_expr();
                        }
                    };
                    if ty == Ty::Literal {
                        ty = t;
                        first_span = a.span();
                    } else if t != Ty::Literal && !t.is_unknown() && !ty.is_unknown() && t != ty {
                        self.diag(CheckError::UnitMismatch {
                            verb: if f == "min" {
                                "take the minimum of"
                            } else {
                                "take the maximum of"
                            },
                            left: ty.describe(),
                            right: t.describe(),
                            left_span: first_span,
                            right_span: a.span(),
                        });
                        ty = Ty::Unknown;
                    }
                    xs.push(x);
                }
                (
                    if f == "min" {
                        Expr::Min(xs)
                    } else {
                        Expr::Max(xs)
                    },
                    ty,
                )
            }
            _ => err_expr(),
        }
    }

    /// `count(entered S [where C])` or `count(EVENT [where C])`.
    fn count_call(&mut self, args: &[Arg], span: Span) -> (Expr, Ty) {
        match args {
            [
                Arg::Entered {
                    field: Some(field), ..
                },
            ] => {
                self.bad_args(
                "count",
                "counts entries, not a field",
                field.span,
                Some("to add up a field of each one entering, write `sum(entered deal:won .amount)`".into()),
            );
                err_expr()
            }
            [
                Arg::Entered {
                    stage, condition, ..
                },
            ] => match self.count_entered(stage, condition.as_ref()) {
                Some(x) => (x, Ty::Num(Unit::NONE)),
                None => err_expr(),
            },
            _ => {
                match self.single_pattern("count", args, span, Ctx::new(Place::EventFilter), false)
                {
                    Some(p) => {
                        let filter = self.event_filter(&p);
                        (Expr::CountEvents(Box::new(p), filter), Ty::Num(Unit::NONE))
                    }
                    None => err_expr(),
                }
            }
        }
    }

    /// An aggregate over a period (or `min`/`max` of figures).
    fn metric_call(&mut self, f: &str, args: &[Arg], span: Span, ctx: Ctx<'_>) -> (Expr, Ty) {
        match f {
            "min" | "max" => self.subject_call(f, args, span, ctx),
            "count" => self.count_call(args, span),
            "conversion" => match self.stage_pair(f, args, span) {
                Some((a, b, w)) => (Expr::Conversion(a, b, w), Ty::Num(Unit::NONE)),
                None => err_expr(),
            },
            "days" => {
                self.bad_args(
                    "days",
                    "is a list of durations: aggregate it",
                    span,
                    Some("write e.g. `median(days(opportunity -> customer))`".into()),
                );
                err_expr()
            }
            "avg" | "median" | "p90" | "sum" => {
                let agg = match f {
                    "avg" => Aggregate::Avg,
                    "median" => Aggregate::Median,
                    "p90" => Aggregate::P90,
                    _ => Aggregate::Sum,
                };
                let help = Some(format!(
                    "write e.g. `{f}(deal_won.amount)` or `{f}(days(opportunity -> customer))`"
                ));
                let [arg] = args else {
                    self.bad_args(f, "takes one argument", span, help);
                    return err_expr();
                };
                match arg {
                    Arg::Expr(ast::Expr {
                        kind:
                            ExprKind::Call {
                                func: inner,
                                args: inner_args,
                            },
                        span: ispan,
                    }) if inner.name == "days" => {
                        if agg == Aggregate::Sum {
                            self.bad_args(
                                "sum",
                                "cannot add up stage durations",
                                *ispan,
                                Some("use `avg`, `median` or `p90` of `days(a -> b)`".into()),
                            );
                            return err_expr();
                        }
                        match self.stage_pair("days", inner_args, *ispan) {
                            Some((a, b, w)) => (Expr::StageDays(agg, a, b, w), Ty::Num(Unit::DAYS)),
                            None => err_expr(),
                        }
                    }
                    Arg::Expr(ast::Expr {
                        kind:
                            ExprKind::Member {
                                base,
                                name,
                                args: None,
                            },
                        ..
                    }) => {
                        let ExprKind::Name(ev_name) = &base.kind else {
                            self.bad_args(f, "takes an event field", arg.span(), help);
                            return err_expr();
                        };
                        let Some(ev) = self.event_type(ev_name) else {
                            return err_expr();
                        };
                        self.field_aggregate(f, agg, (ev, None), ev_name, name, arg.span())
                    }
                    Arg::Entered {
                        stage,
                        field: Some(field),
                        condition,
                        span,
                    } => self
                        .entered_field(f, agg, stage, field, condition.as_ref(), *span)
                        .unwrap_or_else(err_expr),
                    Arg::Field {
                        event,
                        field,
                        condition,
                        span,
                    } => match self.field_where(event, condition) {
                        Some(w) => self.field_aggregate(f, agg, w, event, field, *span),
                        None => err_expr(),
                    },
                    _ => {
                        self.bad_args(
                            f,
                            "takes an event field or `days(a -> b)`",
                            arg.span(),
                            help,
                        );
                        err_expr()
                    }
                }
            }
            "attainment" => self.attainment(args, span),
            "share" => match args {
                [Arg::By { name, team, .. }] => {
                    let ev = self.event_or_touchpoint(name);
                    let t = self.team(team);
                    match (ev, t) {
                        (Some(ev), Some(t)) => (Expr::Share(ev, t), Ty::Num(Unit::NONE)),
                        _ => err_expr(),
                    }
                }
                _ => {
                    self.bad_args(
                        f,
                        "takes `TOUCHPOINT by TEAM`",
                        span,
                        Some("write e.g. `share(demo_request by marketing)`".into()),
                    );
                    err_expr()
                }
            },
            _ => err_expr(),
        }
    }

    /// An aggregate of event `ev`'s field `name`, with its filter.
    fn field_aggregate(
        &mut self,
        f: &str,
        agg: Aggregate,
        (ev, filter): (EventTypeId, Option<FilterId>),
        ev_name: &ast::Ident,
        name: &ast::Ident,
        span: Span,
    ) -> (Expr, Ty) {
        match self.event_field(ev, &name.name) {
            Some((field, fty)) => {
                if !matches!(fty, Ty::Num(_) | Ty::Unknown) {
                    self.diag(CheckError::WrongType {
                        expected: "a number or money field".into(),
                        found: fty.describe(),
                        span,
                        help: Some(format!("`{f}` needs numbers to add up")),
                    });
                    return err_expr();
                }
                (Expr::FieldAggregate(agg, ev, field, filter), fty)
            }
            None => {
                let known = self
                    .events
                    .get(ev.index())
                    .map(|e| e.fields.iter().map(|fd| fd.name.clone()).collect())
                    .unwrap_or_default();
                self.unknown_field(&format!("event `{}`", ev_name.name), name, known)
            }
        }
    }

    /// `sum(entered S .F [where C])`: field F of each one entering S (a
    /// field of S's lifecycle's schema), as it entered.
    fn entered_field(
        &mut self,
        f: &str,
        agg: Aggregate,
        stage: &ast::StageRef,
        field: &ast::Ident,
        condition: Option<&ast::Expr>,
        span: Span,
    ) -> Option<(Expr, Ty)> {
        let s = self.stage_ref(stage, None)?;
        let entity = self.stages.get(s.index())?.lifecycle;
        let Some((id, ty)) = crate::check::field_named(self.fields_of(entity), &field.name) else {
            let known = self
                .fields_of(entity)
                .iter()
                .map(|x| x.name.clone())
                .collect();
            self.unknown_field(entity.keyword(), field, known);
            return None;
        };
        if !matches!(ty, Ty::Num(_) | Ty::Unknown) {
            self.diag(CheckError::WrongType {
                expected: "a number or money field".into(),
                found: ty.describe(),
                span,
                help: Some(format!("`{f}` needs numbers to add up")),
            });
            return None;
        }
        let filter = self.entry_filter(s, condition)?;
        let read = match entity {
            ast::Entity::Contact => DimensionRead::Contact(id),
            ast::Entity::Account => DimensionRead::Account(id),
            ast::Entity::Deal => DimensionRead::Deal(id),
        };
        let noted = self.intern_dimension(format!("{}.{}", entity.keyword(), field.name), read)?;
        Some((Expr::EnteredField(agg, s, noted, filter), ty))
    }

    /// `a -> b [where C]`: two stages of one lifecycle, and the filter on
    /// entries into `a`.
    fn stage_pair(
        &mut self,
        func: &str,
        args: &[Arg],
        span: Span,
    ) -> Option<(StageId, StageId, Option<FilterId>)> {
        let [
            Arg::Arrow {
                from,
                to,
                condition,
                ..
            },
        ] = args
        else {
            self.bad_args(
                func,
                "takes two stages, `from -> to`",
                span,
                Some(format!("write e.g. `{func}(mql -> sql)`")),
            );
            return None;
        };
        let a = self.stage_ref(from, None)?;
        let entity = self
            .stages
            .get(a.index())
            .map(|s| s.lifecycle)
            .unwrap_or(ast::Entity::Contact);
        // Both ends are stages of one lifecycle: `to` is read in `from`'s.
        let b = self.stage_ref(to, Some((entity, "the other end of this arrow")))?;
        let filter = self.entry_filter(a, condition.as_ref())?;
        Some((a, b, filter))
    }

    /// A pattern `T [where C]`: C may name T's fields bare.
    pub fn pattern(
        &mut self,
        name: &ast::Ident,
        condition: Option<&ast::Expr>,
        ctx: Ctx<'_>,
    ) -> Option<Pattern> {
        let event = self.event_or_touchpoint(name)?;
        let ev = self.event_of(event);
        let condition = condition.map(|c| {
            let inner = Ctx { event: ev, ..ctx };
            self.condition(c, inner)
        });
        Some(Pattern { event, condition })
    }

    pub fn pattern_event(&self, p: &Pattern) -> Option<EventTypeId> {
        self.event_of(p.event)
    }
}

/// The last line of regex-syntax's message is the reason, e.g.
/// "unclosed group".
fn regex_reason(message: &str) -> String {
    message
        .lines()
        .last()
        .unwrap_or("")
        .trim()
        .trim_start_matches("error: ")
        .to_string()
}

pub fn list<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let v: Vec<String> = names.into_iter().map(|n| format!("`{n}`")).collect();
    if v.len() > 8 {
        format!("{}, ...", v.get(..8).unwrap_or(&[]).join(", "))
    } else {
        v.join(", ")
    }
}

/// Can values of these types be compared with `==`?
pub fn compatible(a: &Ty, b: &Ty) -> bool {
    match (a, b) {
        (Ty::Unknown, _) | (_, Ty::Unknown) => true,
        (Ty::Literal, Ty::Num(u)) | (Ty::Num(u), Ty::Literal) => *u != Unit::DAYS,
        (Ty::Literal, Ty::Literal) => true,
        (Ty::Num(x), Ty::Num(y)) => x == y,
        (Ty::Text | Ty::Enum(_), Ty::Text | Ty::Enum(_)) => true,
        (Ty::AccountStage, Ty::Text) | (Ty::Text, Ty::AccountStage) => true,
        (Ty::Date, Ty::Text) | (Ty::Text, Ty::Date) => true,
        (Ty::List(x), Ty::List(y)) => compatible(x, y),
        (x, y) => x == y,
    }
}

fn orderable(a: &Ty, b: &Ty) -> bool {
    match (a, b) {
        (Ty::Num(_) | Ty::Literal, Ty::Num(_) | Ty::Literal) => compatible(a, b),
        (Ty::Date, Ty::Date) | (Ty::Timestamp, Ty::Timestamp) => true,
        (Ty::Date, Ty::Text) | (Ty::Text, Ty::Date) => true,
        _ => false,
    }
}

/// Why a money literal is not an amount.
#[derive(Debug, thiserror::Error)]
enum BadMoney {
    #[error("not a number")]
    NotANumber,
    #[error("unknown multiplier `{0}`")]
    Multiplier(String),
    #[error("amounts must be {}", crate::range::NUMBER_RANGE)]
    OutOfRange,
}

/// The symbol money is written with, and the amount after it.
fn money_symbol(raw: &str) -> (Option<char>, &str) {
    let mut chars = raw.chars();
    match chars.next() {
        Some(c @ ('$' | '€' | '£')) => (Some(c), chars.as_str()),
        _ => (None, raw),
    }
}

/// Does `symbol` write `currency`? `$` is many currencies' sign (USD,
/// CAD, AUD, MXN...), so it is only refused for those with their own
/// sign among the three the language reads.
fn symbol_fits(symbol: char, currency: &str) -> bool {
    match symbol {
        '€' => currency == "EUR",
        '£' => currency == "GBP",
        _ => currency != "EUR" && currency != "GBP",
    }
}

fn parse_money(raw: &str) -> Result<Decimal, BadMoney> {
    let (_, raw) = money_symbol(raw);
    let split = raw
        .find(|c: char| c.is_ascii_alphabetic())
        .unwrap_or(raw.len());
    let (number, suffix) = raw.split_at(split);
    let base = Decimal::from_str(&number.replace('_', "")).map_err(|_| BadMoney::NotANumber)?;
    let factor = match suffix {
        "" => Decimal::ONE,
        "k" => Decimal::from(1_000),
        "m" => Decimal::from(1_000_000),
        other => return Err(BadMoney::Multiplier(other.to_string())),
    };
    base.checked_mul(factor)
        .filter(|m| crate::range::money_ok(*m))
        .ok_or(BadMoney::OutOfRange)
}

/// `days_since(visit) <= 30d`: a count of days (`days_since`, `days(...)`)
/// is a plain number, so the duration's unit goes; say it with the
/// number the writer meant.
fn days_as_a_number(lt: &Ty, rt: &Ty, lhs: &ast::Expr, rhs: &ast::Expr) -> Option<String> {
    let plain = |t: &Ty| matches!(t, Ty::Num(u) if *u == Unit::NONE);
    let (number, duration) = if plain(lt) && *rt == Ty::Num(Unit::DAYS) {
        (lhs, rhs)
    } else if plain(rt) && *lt == Ty::Num(Unit::DAYS) {
        (rhs, lhs)
    } else {
        return None;
    };
    let ast::ExprKind::Literal(ast::Literal::Quantity { number: n, unit }) = &duration.kind else {
        return None;
    };
    let days = match unit.as_str() {
        "d" => n.clone(),
        "w" => n.parse::<f64>().ok().map(|w| (w * 7.0).to_string())?,
        _ => return None,
    };
    let what = match &number.kind {
        ast::ExprKind::Call { func, .. } => format!("`{}(...)`", func.name),
        _ => "this side".to_string(),
    };
    Some(format!(
        "{what} counts days as a plain number: compare it with `{days}`, not `{n}{unit}`"
    ))
}
