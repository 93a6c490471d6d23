//! Syntax tree → resolved, typed policy, or diagnostics.
//!
//! Three passes: collect every declared name (so definitions may be used
//! before they are written), resolve every body against those names, then
//! lint the whole (lifecycle graphs, loops, unused names, score ranges).

mod aggregates;
mod decls;
mod error;
mod exclusive;
pub mod expr;
mod items;
pub mod lifecycle;
mod links;
pub mod lints;
pub mod model;
mod segments;
pub mod types;

use std::collections::{BTreeSet, HashMap};

pub use error::CheckError;
pub use lifecycle::stage_graph;
pub use lints::score_bounds;
use model::*;
use types::Ty;

use crate::span::Span;
use crate::syntax::ast::{self, Entity, PolicyFile};

/// The outcome of checking one policy file.
#[derive(Debug)]
pub struct Checked {
    /// Present when there are no errors (warnings allowed).
    pub model: Option<Model>,
    /// Errors and warnings, in source order.
    pub diagnostics: Vec<CheckError>,
}

impl Checked {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| !d.is_warning())
    }
}

pub fn check(file: &PolicyFile, source: &str) -> Checked {
    let mut c = Checker::new(file, source);
    c.collect();
    c.resolve();
    c.lint();
    let mut diagnostics = std::mem::take(&mut c.diagnostics);
    // While there are errors, warnings are mostly their echoes (a stage
    // "unreachable" because the transition into it had a typo): show the
    // errors alone, and the warnings once the policy compiles.
    if diagnostics.iter().any(|d| !d.is_warning()) {
        diagnostics.retain(|d| !d.is_warning());
    }
    // Source order reads best; errors before warnings at the same place.
    diagnostics.sort_by_key(|d| (d.span().start, d.is_warning(), d.span().end));
    let model = if diagnostics.iter().any(|d| !d.is_warning()) {
        None
    } else {
        Some(c.into_model())
    };
    Checked { model, diagnostics }
}

/// A named definition that others can depend on; the nodes of the
/// "uses" graph behind circular-definition and unused-name checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DefNode {
    Score(ScoreId),
    Criteria(CriteriaId),
    Metric(MetricId),
    Role(RoleId),
    GroupEngaged,
    GroupQualified,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueRef {
    Score(ScoreId),
    Criteria(CriteriaId),
    Metric(MetricId),
}

#[derive(Debug, Clone)]
enum MetricState {
    Pending,
    InProgress,
    Done(Ty),
}

/// What a range-checked comparison is about.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Subject {
    Score(ScoreId),
    /// Counts, group sizes and elapsed times: never below zero.
    NonNegative(&'static str),
}

/// A comparison of a score or a count with a constant, kept for the range
/// analysis.
#[derive(Debug, Clone)]
pub struct Threshold {
    pub subject: Subject,
    pub op: CmpOp,
    pub value: f64,
    pub span: Span,
}

/// Something in a condition that time alone may change, read in a
/// calculation or a comparison: kept for the E026 lint, which knows by
/// then which scores decay, and so whether it is a timed leaf.
#[derive(Debug, Clone)]
pub struct Untimed {
    /// The comparison, or the operand of a calculation.
    pub expr: Expr,
    pub compared: bool,
    pub span: Span,
}

/// A number compared with something on another scale, kept for the
/// W008/W009 lints, which know by then each score's range and which
/// metrics are rates.
#[derive(Debug, Clone)]
pub enum Scale {
    /// `fit >= 50%`: a percentage (0.5) against a score.
    PercentOfScore {
        score: ScoreId,
        written: String,
        span: Span,
    },
    /// `mql_to_sql >= 35`: a whole number above 1 against what may be a
    /// rate.
    WholeAgainstRate {
        rate: Expr,
        written: String,
        span: Span,
    },
}

/// The subject of a comparison the range analysis understands.
fn subject_of(e: &Expr) -> Option<Subject> {
    Some(match e {
        Expr::Score(s) => Subject::Score(*s),
        Expr::Count { .. } => Subject::NonNegative("a count"),
        Expr::GroupCount(_) => Subject::NonNegative("`group.count`"),
        Expr::GroupEngaged => Subject::NonNegative("`group.engaged`"),
        Expr::GroupSize => Subject::NonNegative("`group.size`"),
        Expr::GroupIn(_) => Subject::NonNegative("`group.in`"),
        Expr::DaysSince(_) => Subject::NonNegative("`days_since`"),
        Expr::TimeInStage => Subject::NonNegative("`time_in_stage`"),
        _ => return None,
    })
}

fn constant_of(e: &Expr) -> Option<f64> {
    match e {
        Expr::Const(Value::Number(n)) => Some(*n),
        Expr::Const(Value::Duration(d)) => Some(d.approx_days()),
        _ => None,
    }
}

pub struct Checker<'a> {
    file: &'a PolicyFile,
    lines: crate::span::LineIndex,
    diagnostics: Vec<CheckError>,

    name: String,
    version: Option<u64>,
    effective: Option<chrono::NaiveDate>,
    timezone: chrono_tz::Tz,
    currency: Option<String>,
    teams: Vec<Named>,
    business_hours: BusinessHours,
    holidays: Vec<chrono::NaiveDate>,
    fiscal_year_start_month: u32,

    contact_fields: Vec<Field>,
    account_fields: Vec<Field>,
    deal_fields: Vec<Field>,
    /// The deal schema's `roles`, as written.
    deal_roles: Vec<ast::Ident>,
    /// Where a deal first reads its contacts' stages, and a contact its
    /// deals' (E043 when both do).
    links: (Option<Span>, Option<Span>),
    events: Vec<EventType>,
    /// Events and touchpoints share one namespace (`on X` takes either).
    event_ns: HashMap<String, (EventRef, Span)>,
    touchpoint_asts: Vec<&'a ast::TouchpointDecl>,
    touchpoints: Vec<Option<Touchpoint>>,
    /// Scores, criteria and metrics share one namespace (expressions name
    /// them bare).
    values: HashMap<String, (ValueRef, Span)>,
    score_asts: Vec<&'a ast::ScoreDecl>,
    scores: Vec<Option<Score>>,
    criteria_asts: Vec<&'a ast::CriteriaDecl>,
    criteria: Vec<Option<Criteria>>,
    metric_asts: Vec<&'a ast::MetricDecl>,
    metrics: Vec<Option<Metric>>,
    metric_state: Vec<MetricState>,
    roles: Vec<Named>,
    role_asts: Vec<&'a ast::Expr>,
    role_conditions: Vec<Option<Expr>>,
    buying_group_span: Option<Span>,
    group_engaged_span: Option<Span>,
    group_qualified_span: Option<Span>,
    group_engaged: Option<Expr>,
    group_qualified: Option<Expr>,
    stages: Vec<Stage>,
    stage_names: HashMap<(Entity, String), StageId>,
    lifecycle_asts: Vec<(Entity, &'a ast::LifecycleDecl)>,
    lifecycles: Vec<Lifecycle>,
    transitions: Vec<Transition>,
    /// Per transition: does its `when` wait on `time_in_stage >= D > 0`?
    transition_waits: Vec<bool>,
    sla_names: HashMap<String, (SlaId, Span)>,
    sla_asts: Vec<&'a ast::SlaDecl>,
    slas: Vec<Option<Sla>>,
    incentive_names: HashMap<String, Span>,
    incentives: Vec<Incentive>,

    current: Option<DefNode>,
    uses: BTreeSet<(DefNode, DefNode)>,
    used: BTreeSet<DefNode>,
    thresholds: Vec<Threshold>,
    untimed: Vec<Untimed>,
    scales: Vec<Scale>,
    filters: Vec<Filter>,
    dimensions: Vec<Dimension>,
}

impl<'a> Checker<'a> {
    fn new(file: &'a PolicyFile, source: &'a str) -> Checker<'a> {
        let weekday =
            chrono::NaiveTime::from_hms_opt(9, 0, 0).zip(chrono::NaiveTime::from_hms_opt(17, 0, 0));
        Checker {
            file,
            lines: crate::span::LineIndex::new(source),
            diagnostics: Vec::new(),
            name: String::new(),
            version: None,
            effective: None,
            timezone: chrono_tz::UTC,
            currency: None,
            teams: vec![Named {
                name: "shared".into(),
                span: Span::default(),
            }],
            business_hours: BusinessHours {
                days: [weekday, weekday, weekday, weekday, weekday, None, None],
            },
            holidays: Vec::new(),
            fiscal_year_start_month: 1,
            contact_fields: Vec::new(),
            account_fields: Vec::new(),
            deal_fields: Vec::new(),
            deal_roles: Vec::new(),
            links: (None, None),
            events: Vec::new(),
            event_ns: HashMap::new(),
            touchpoint_asts: Vec::new(),
            touchpoints: Vec::new(),
            values: HashMap::new(),
            score_asts: Vec::new(),
            scores: Vec::new(),
            criteria_asts: Vec::new(),
            criteria: Vec::new(),
            metric_asts: Vec::new(),
            metrics: Vec::new(),
            metric_state: Vec::new(),
            roles: Vec::new(),
            role_asts: Vec::new(),
            role_conditions: Vec::new(),
            buying_group_span: None,
            group_engaged_span: None,
            group_qualified_span: None,
            group_engaged: None,
            group_qualified: None,
            stages: Vec::new(),
            stage_names: HashMap::new(),
            lifecycle_asts: Vec::new(),
            lifecycles: Vec::new(),
            transitions: Vec::new(),
            transition_waits: Vec::new(),
            sla_names: HashMap::new(),
            sla_asts: Vec::new(),
            slas: Vec::new(),
            incentive_names: HashMap::new(),
            incentives: Vec::new(),
            current: None,
            uses: BTreeSet::new(),
            used: BTreeSet::new(),
            thresholds: Vec::new(),
            untimed: Vec::new(),
            scales: Vec::new(),
            filters: Vec::new(),
            dimensions: Vec::new(),
        }
    }

    pub fn diag(&mut self, d: CheckError) {
        self.diagnostics.push(d);
    }

    /// Records that the definition being resolved uses `node`.
    pub fn depend(&mut self, node: DefNode) {
        match self.current {
            Some(cur) => {
                self.uses.insert((cur, node));
                if cur != node {
                    self.used.insert(node);
                }
            }
            None => {
                self.used.insert(node);
            }
        }
    }

    /// Runs `f` as the body of definition `node`.
    fn within<T>(&mut self, node: Option<DefNode>, f: impl FnOnce(&mut Self) -> T) -> T {
        let saved = self.current;
        self.current = node;
        let out = f(self);
        self.current = saved;
        out
    }

    /// A comparison in a condition with a side that time alone may
    /// change: the lint decides whether the replay can time it.
    pub fn note_untimed_comparison(&mut self, op: CmpOp, l: &Expr, r: &Expr, span: Span) {
        let maybe_time =
            |e: &Expr| matches!(e, Expr::TimeInStage | Expr::DaysSince(_) | Expr::Score(_));
        if maybe_time(l) || maybe_time(r) {
            self.untimed.push(Untimed {
                expr: Expr::Compare(op, Box::new(l.clone()), Box::new(r.clone())),
                compared: true,
                span,
            });
        }
    }

    /// `side` compared with a literal written as
    /// `other_ast`: remembered when the literal may be on another scale.
    pub fn note_scale(&mut self, side: &Expr, other_ast: &ast::Expr) {
        let ast::ExprKind::Literal(lit) = &other_ast.kind else {
            return;
        };
        match (side, lit) {
            (Expr::Score(s), ast::Literal::Percent(raw)) => {
                self.scales.push(Scale::PercentOfScore {
                    score: *s,
                    written: format!("{raw}%"),
                    span: other_ast.span,
                })
            }
            (
                Expr::Conversion(..) | Expr::Attainment(..) | Expr::Share(..) | Expr::Metric(_),
                ast::Literal::Number(raw),
            ) if expr::parse_number(raw).is_some_and(|n| n > 1.0 && n.fract() == 0.0) => {
                self.scales.push(Scale::WholeAgainstRate {
                    rate: side.clone(),
                    written: raw.clone(),
                    span: other_ast.span,
                });
            }
            _ => {}
        }
    }

    /// A metric's counted pattern with a `where`: registered so the replay
    /// works it out at each event's instant.
    pub fn event_filter(&mut self, p: &Pattern) -> Option<FilterId> {
        p.condition.as_ref()?;
        self.filter(Filter::Event(p.clone()))
    }

    /// Registers a metric's `where` for the replay to work out.
    pub fn filter(&mut self, f: Filter) -> Option<FilterId> {
        let id = FilterId::from_index(self.filters.len())?;
        self.filters.push(f);
        Some(id)
    }

    /// An operand of a calculation in a condition that time alone may
    /// change.
    pub fn note_untimed_operand(&mut self, e: &Expr, span: Span) {
        if matches!(e, Expr::DaysSince(_) | Expr::Score(_)) {
            self.untimed.push(Untimed {
                expr: e.clone(),
                compared: false,
                span,
            });
        }
    }

    pub fn note_threshold(&mut self, l: &Expr, op: CmpOp, r: &Expr, span: Span) {
        let flipped = |op| match op {
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
            other => other,
        };
        if let (Some(subject), Some(value)) = (subject_of(l), constant_of(r)) {
            self.thresholds.push(Threshold {
                subject,
                op,
                value,
                span,
            });
        } else if let (Some(value), Some(subject)) = (constant_of(l), subject_of(r)) {
            self.thresholds.push(Threshold {
                subject,
                op: flipped(op),
                value,
                span,
            });
        }
    }

    // ---------------------------------------------------------------- lookups

    pub fn event_field(&self, ev: EventTypeId, name: &str) -> Option<(FieldId, Ty)> {
        field_named(&self.events.get(ev.index())?.fields, name)
    }

    pub fn contact_field(&self, name: &str) -> Option<(FieldId, Ty)> {
        field_named(&self.contact_fields, name)
    }

    pub fn account_field(&self, name: &str) -> Option<(FieldId, Ty)> {
        field_named(&self.account_fields, name)
    }

    pub fn deal_field(&self, name: &str) -> Option<(FieldId, Ty)> {
        field_named(&self.deal_fields, name)
    }

    /// The fields of `entity`'s schema.
    pub fn fields_of(&self, entity: Entity) -> &[Field] {
        match entity {
            Entity::Contact => &self.contact_fields,
            Entity::Account => &self.account_fields,
            Entity::Deal => &self.deal_fields,
        }
    }

    pub fn has_lifecycle(&self, entity: Entity) -> bool {
        self.lifecycle_asts.iter().any(|(e, _)| *e == entity)
    }

    pub fn account_stage_names(&self) -> Vec<String> {
        self.stages
            .iter()
            .filter(|s| s.lifecycle == Entity::Account)
            .map(|s| s.name.clone())
            .collect()
    }

    pub fn event_of(&self, r: EventRef) -> Option<EventTypeId> {
        match r {
            EventRef::Event(e) => Some(e),
            EventRef::Touchpoint(t) => self
                .touchpoint_asts
                .get(t.index())
                .and_then(|tp| self.event_ns.get(&tp.pattern.event.name))
                .and_then(|(r, _)| match r {
                    EventRef::Event(e) => Some(*e),
                    EventRef::Touchpoint(_) => None,
                }),
        }
    }

    pub fn event_or_touchpoint(&mut self, name: &ast::Ident) -> Option<EventRef> {
        if let Some((r, _)) = self.event_ns.get(&name.name) {
            return Some(*r);
        }
        let help = crate::names::closest(&name.name, self.event_ns.keys().map(String::as_str))
            .map(|c| format!("did you mean `{c}`?"))
            .or_else(|| {
                Some(format!(
                    "declare it with `event {} {{ ... }}` or `touchpoint {} = ...`",
                    name.name, name.name
                ))
            });
        self.diag(CheckError::Unknown {
            kind: "event or touchpoint",
            name: name.name.clone(),
            span: name.span,
            help,
        });
        None
    }

    pub fn event_type(&mut self, name: &ast::Ident) -> Option<EventTypeId> {
        match self.event_ns.get(&name.name) {
            Some((EventRef::Event(e), _)) => Some(*e),
            Some((EventRef::Touchpoint(_), _)) => {
                self.diag(CheckError::WrongType {
                    expected: "an event type".into(),
                    found: format!("touchpoint `{}`", name.name),
                    span: name.span,
                    help: Some("name the event type the touchpoint is defined on".into()),
                });
                None
            }
            None => {
                let names: Vec<&str> = self.events.iter().map(|e| e.name.as_str()).collect();
                let help = crate::names::closest(&name.name, names)
                    .map(|c| format!("did you mean `{c}`?"));
                self.diag(CheckError::Unknown {
                    kind: "event",
                    name: name.name.clone(),
                    span: name.span,
                    help,
                });
                None
            }
        }
    }

    pub fn team(&mut self, name: &ast::Ident) -> Option<TeamId> {
        if let Some(i) = self.teams.iter().position(|t| t.name == name.name) {
            return TeamId::from_index(i);
        }
        let declared: Vec<&str> = self.teams.iter().map(|t| t.name.as_str()).collect();
        let help = crate::names::closest(&name.name, declared.iter().copied())
            .map(|c| format!("did you mean `{c}`?"))
            .or_else(|| {
                Some(format!(
                    "teams are declared in the policy block, e.g. `teams marketing, sales`; `shared` means co-owned (declared: {})",
                    expr::list(declared.iter().copied())
                ))
            });
        self.diag(CheckError::UnknownTeam {
            name: name.name.clone(),
            span: name.span,
            help,
        });
        None
    }

    pub fn role(&mut self, name: &ast::Ident) -> Option<RoleId> {
        if let Some(i) = self.roles.iter().position(|r| r.name == name.name) {
            return RoleId::from_index(i);
        }
        let help = crate::names::closest(&name.name, self.roles.iter().map(|r| r.name.as_str()))
            .map(|c| format!("did you mean `{c}`?"))
            .or_else(|| {
                Some(format!(
                    "declare it in the buying group: `role {} = ...`",
                    name.name
                ))
            });
        self.diag(CheckError::Unknown {
            kind: "role",
            name: name.name.clone(),
            span: name.span,
            help,
        });
        None
    }

    pub fn sla(&mut self, name: &ast::Ident) -> Option<SlaId> {
        if let Some((id, _)) = self.sla_names.get(&name.name) {
            return Some(*id);
        }
        let help = crate::names::closest(&name.name, self.sla_names.keys().map(String::as_str))
            .map(|c| format!("did you mean `{c}`?"));
        self.diag(CheckError::Unknown {
            kind: "SLA",
            name: name.name.clone(),
            span: name.span,
            help,
        });
        None
    }

    pub fn stage(&mut self, entity: Entity, name: &ast::Ident) -> Option<StageId> {
        if let Some(id) = self.stage_names.get(&(entity, name.name.clone())) {
            return Some(*id);
        }
        let in_lifecycle: Vec<&str> = self
            .stages
            .iter()
            .filter(|s| s.lifecycle == entity)
            .map(|s| s.name.as_str())
            .collect();
        let other = [Entity::Contact, Entity::Account, Entity::Deal]
            .into_iter()
            .find(|o| *o != entity && self.stage_names.contains_key(&(*o, name.name.clone())));
        let help = crate::names::closest(&name.name, in_lifecycle.iter().copied())
            .map(|c| format!("did you mean `{c}`?"))
            .or_else(|| {
                other.map(|other| {
                    format!(
                        "`{}` is a stage of the {} lifecycle, not the {} lifecycle",
                        name.name,
                        other.keyword(),
                        entity.keyword()
                    )
                })
            })
            .or_else(|| {
                (!in_lifecycle.is_empty()).then(|| {
                    format!(
                        "stages of the {} lifecycle: {}",
                        entity.keyword(),
                        expr::list(in_lifecycle.iter().copied())
                    )
                })
            });
        let kind = match entity {
            Entity::Contact => "stage",
            Entity::Account => "account stage",
            Entity::Deal => "deal stage",
        };
        self.diag(CheckError::Unknown {
            kind,
            name: name.name.clone(),
            span: name.span,
            help,
        });
        None
    }

    /// A stage as written (`mql`, `account:qualified`). `want` is the
    /// lifecycle the place reads, if only one makes sense there; with none,
    /// a bare name must belong to exactly one lifecycle, so that a name two
    /// lifecycles share never quietly means one of them.
    pub fn stage_ref(
        &mut self,
        r: &ast::StageRef,
        want: Option<(Entity, &str)>,
    ) -> Option<StageId> {
        let Some(lifecycle) = &r.lifecycle else {
            return match want {
                Some((entity, _)) => self.stage(entity, &r.stage),
                None => self.bare_stage(&r.stage),
            };
        };
        let entity = match Entity::from_keyword(&lifecycle.name) {
            Some(e) => e,
            None => {
                let other = lifecycle.name.as_str();
                let help = crate::names::closest(other, ["contact", "account", "deal"])
                    .map(|c| format!("did you mean `{c}:{}`?", r.stage.name))
                    .or_else(|| {
                        Some(format!(
                            "write `contact:{0}`, `account:{0}` or `deal:{0}`",
                            r.stage.name
                        ))
                    });
                self.diag(CheckError::LifecycleKind {
                    name: other.to_string(),
                    span: lifecycle.span,
                    help,
                });
                return None;
            }
        };
        if let Some((wanted, place)) = want
            && wanted != entity
        {
            self.diag(CheckError::WrongLifecycle {
                written: format!("`{}`", r.text()),
                lifecycle: entity.keyword(),
                wanted: wanted.keyword(),
                place: place.to_string(),
                span: r.span,
                help: Some(format!(
                    "name a stage of the {} lifecycle here",
                    wanted.keyword()
                )),
            });
            return None;
        }
        self.stage(entity, &r.stage)
    }

    /// A bare stage name where either lifecycle's stage may stand.
    fn bare_stage(&mut self, name: &ast::Ident) -> Option<StageId> {
        let found: Vec<(Entity, StageId)> = [Entity::Contact, Entity::Account, Entity::Deal]
            .into_iter()
            .filter_map(|e| {
                self.stage_names
                    .get(&(e, name.name.clone()))
                    .map(|id| (e, *id))
            })
            .collect();
        match found.as_slice() {
            [(first, _), (second, _), ..] => {
                let (first, second) = (first.keyword(), second.keyword());
                self.diag(CheckError::AmbiguousStage {
                    name: name.name.clone(),
                    first,
                    second,
                    span: name.span,
                    help: Some(format!("write `{first}:{0}` or `{second}:{0}`", name.name)),
                });
                None
            }
            [(_, id)] => Some(*id),
            [] => self.stage(Entity::Contact, name),
        }
    }

    /// The type of a metric, resolving it first if needed. A metric met
    /// again while being resolved is part of a loop, reported separately.
    pub fn metric_type(&mut self, m: MetricId) -> Ty {
        match self.metric_state.get(m.index()) {
            Some(MetricState::Done(t)) => t.clone(),
            Some(MetricState::InProgress) | None => Ty::Unknown,
            Some(MetricState::Pending) => {
                self.resolve_metric(m);
                match self.metric_state.get(m.index()) {
                    Some(MetricState::Done(t)) => t.clone(),
                    _ => Ty::Unknown,
                }
            }
        }
    }

    fn resolve_metric(&mut self, m: MetricId) {
        let Some(decl) = self.metric_asts.get(m.index()).copied() else {
            return;
        };
        if let Some(s) = self.metric_state.get_mut(m.index()) {
            *s = MetricState::InProgress;
        }
        let (x, ty) = self.within(Some(DefNode::Metric(m)), |c| {
            c.expr(&decl.expr, expr::Ctx::new(expr::Place::Metric))
        });
        let unit = match &ty {
            Ty::Num(u) => *u,
            Ty::Literal | Ty::Unknown => Unit::NONE,
            other => {
                self.diag(CheckError::WrongType {
                    expected: "a number".into(),
                    found: other.describe(),
                    span: decl.expr.span,
                    help: Some("a metric is a number, e.g. `conversion(mql -> sql)` or `avg(deal_won.amount)`".into()),
                });
                Unit::NONE
            }
        };
        if let Some(slot) = self.metrics.get_mut(m.index()) {
            *slot = Some(Metric {
                name: decl.name.name.clone(),
                description: decl.description.as_ref().map(|d| d.value.clone()),
                expr: x,
                unit,
                // Worked out once every metric is resolved (segments.rs).
                by: None,
                span: decl.name.span,
            });
        }
        if let Some(s) = self.metric_state.get_mut(m.index()) {
            *s = MetricState::Done(if ty == Ty::Literal {
                Ty::Num(Unit::NONE)
            } else {
                ty
            });
        }
    }

    fn into_model(self) -> Model {
        Model {
            name: self.name,
            version: self.version,
            effective: self.effective,
            timezone: self.timezone,
            currency: self.currency,
            teams: self.teams,
            business_hours: self.business_hours,
            holidays: self.holidays,
            fiscal_year_start_month: self.fiscal_year_start_month,
            contact_fields: self.contact_fields,
            account_fields: self.account_fields,
            deal_fields: self.deal_fields,
            deal_roles: self.deal_roles.into_iter().map(|r| r.name).collect(),
            events: self.events,
            touchpoints: self.touchpoints.into_iter().flatten().collect(),
            scores: self.scores.into_iter().flatten().collect(),
            criteria: self.criteria.into_iter().flatten().collect(),
            roles: self
                .roles
                .into_iter()
                .zip(self.role_conditions)
                .filter_map(|(n, c)| {
                    c.map(|condition| Role {
                        name: n.name,
                        condition,
                        span: n.span,
                    })
                })
                .collect(),
            buying_group: self.buying_group_span.map(|span| BuyingGroup {
                engaged: self.group_engaged,
                qualified: self.group_qualified,
                span,
            }),
            stages: self.stages,
            lifecycles: self.lifecycles,
            transitions: self.transitions,
            slas: self.slas.into_iter().flatten().collect(),
            metrics: self.metrics.into_iter().flatten().collect(),
            incentives: self.incentives,
            filters: self.filters,
            dimensions: self.dimensions,
        }
    }
}

/// The field called `name` among `fields`, and its type.
pub(super) fn field_named(fields: &[Field], name: &str) -> Option<(FieldId, Ty)> {
    let (i, f) = fields.iter().enumerate().find(|(_, f)| f.name == name)?;
    Some((FieldId::from_index(i)?, Ty::from_field(&f.ty)))
}
