//! Pass 1: every declared name, so definitions can be used before they
//! are written; settings and schema, which everything else reads.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveTime};

use super::error::CheckError;
use super::model::*;
use super::{Checker, MetricState, ValueRef};
use crate::span::Span;
use crate::syntax::ast::{self, Entity, Item, LifecycleStmt, SettingKind, StageAttrKind};

pub const RESERVED_EVENTS: &[&str] = &[
    "update",
    "account_update",
    "deal_update",
    "merge",
    "set_stage",
];
const RESERVED_CONTACT_FIELDS: &[&str] = &["id", "account", "created_at", "stage", "stage_since"];
const RESERVED_ACCOUNT_FIELDS: &[&str] = &["id"];
const RESERVED_EVENT_FIELDS: &[&str] = &[
    "contact",
    "at",
    "type",
    "id",
    "account",
    "opportunity",
    "deal",
];
/// The columns a deal row has besides its schema's fields.
const RESERVED_DEAL_FIELDS: &[&str] = &["id", "account", "created_at", "stage", "stage_since"];
const TYPES: &[&str] = &[
    "text",
    "number",
    "money",
    "bool",
    "date",
    "timestamp",
    "duration",
];
const WEEKDAYS: &[&str] = &["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const MONTHS: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .filter(|_| s.len() == 10)
}

impl<'a> Checker<'a> {
    pub(super) fn collect(&mut self) {
        let file = self.file;
        let mut settings_seen: Option<Span> = None;
        let mut schema_seen: HashMap<Entity, Span> = HashMap::new();
        for item in &file.items {
            match item {
                Item::Settings(s) => {
                    if let Some(first) = settings_seen {
                        self.diag(CheckError::Repeated {
                            what: "the `policy` block".into(),
                            span: s.name.span,
                            first,
                        });
                        continue;
                    }
                    settings_seen = Some(s.name.span);
                    self.settings(s);
                }
                Item::Schema(s) => {
                    if let Some(first) = schema_seen.get(&s.entity) {
                        self.diag(CheckError::Repeated {
                            what: format!("the `{}` schema", s.entity.keyword()),
                            span: Span::new(
                                s.span.start as usize,
                                s.span.start as usize + s.entity.keyword().len(),
                            ),
                            first: *first,
                        });
                        continue;
                    }
                    schema_seen.insert(
                        s.entity,
                        Span::new(
                            s.span.start as usize,
                            s.span.start as usize + s.entity.keyword().len(),
                        ),
                    );
                    let reserved = match s.entity {
                        Entity::Contact => RESERVED_CONTACT_FIELDS,
                        Entity::Account => RESERVED_ACCOUNT_FIELDS,
                        Entity::Deal => RESERVED_DEAL_FIELDS,
                    };
                    let fields = self.fields(&s.fields, reserved, s.entity.keyword());
                    match s.entity {
                        Entity::Contact => self.contact_fields = fields,
                        Entity::Account => self.account_fields = fields,
                        Entity::Deal => self.deal_fields = fields,
                    }
                    self.declare_roles(s);
                }
                _ => {}
            }
        }
        if settings_seen.is_none() {
            self.diag(CheckError::Missing {
                item: "the policy".into(),
                what: "a `policy` block".into(),
                span: Span::new(0, 0),
                help: Some("start the file with `policy \"Our revenue policy\" { timezone \"Europe/London\" teams marketing, sales }`".into()),
            });
        }
        // Teams are known now; the rest may refer to them.
        for item in &file.items {
            match item {
                Item::Event(e) => self.declare_event(e),
                Item::Touchpoint(t) => {
                    let Some(id) = TouchpointId::from_index(self.touchpoint_asts.len()) else {
                        continue;
                    };
                    if self.declare_event_name(&t.name, EventRef::Touchpoint(id)) {
                        self.touchpoint_asts.push(t);
                        self.touchpoints.push(None);
                    }
                }
                Item::Score(s) => {
                    let Some(id) = ScoreId::from_index(self.score_asts.len()) else {
                        continue;
                    };
                    if self.declare_value(&s.name, ValueRef::Score(id)) {
                        self.score_asts.push(s);
                        self.scores.push(None);
                    }
                }
                Item::Criteria(c) => {
                    let Some(id) = CriteriaId::from_index(self.criteria_asts.len()) else {
                        continue;
                    };
                    if self.declare_value(&c.name, ValueRef::Criteria(id)) {
                        self.criteria_asts.push(c);
                        self.criteria.push(None);
                    }
                }
                Item::Metric(m) => {
                    let Some(id) = MetricId::from_index(self.metric_asts.len()) else {
                        continue;
                    };
                    if self.declare_value(&m.name, ValueRef::Metric(id)) {
                        self.metric_asts.push(m);
                        self.metrics.push(None);
                        self.metric_state.push(MetricState::Pending);
                    }
                }
                Item::BuyingGroup(g) => self.declare_group(g),
                Item::Lifecycle(l) => self.declare_lifecycle(l),
                Item::Sla(s) => {
                    if let Some((_, first)) = self.sla_names.get(&s.name.name) {
                        let first = *first;
                        self.duplicate("SLA", &s.name, first);
                        continue;
                    }
                    let Some(id) = SlaId::from_index(self.sla_asts.len()) else {
                        continue;
                    };
                    self.sla_names
                        .insert(s.name.name.clone(), (id, s.name.span));
                    self.sla_asts.push(s);
                    self.slas.push(None);
                }
                Item::Incentive(i) => {
                    if let Some(first) = self.incentive_names.get(&i.name.name) {
                        let first = *first;
                        self.duplicate("incentive", &i.name, first);
                        continue;
                    }
                    self.incentive_names
                        .insert(i.name.name.clone(), i.name.span);
                }
                Item::Settings(_) | Item::Schema(_) => {}
            }
        }
        let any_lifecycle = file.items.iter().any(|i| matches!(i, Item::Lifecycle(_)));
        if !any_lifecycle && !file.items.is_empty() {
            let span = file.items.first().map(|i| i.span()).unwrap_or_default();
            self.diag(CheckError::NoLifecycle {
                span: Span::new(span.start as usize, span.start as usize),
            });
        }
    }

    pub(super) fn duplicate(&mut self, kind: &'static str, name: &ast::Ident, first: Span) {
        self.diag(CheckError::Duplicate {
            kind,
            name: name.name.clone(),
            span: name.span,
            first,
        });
    }

    fn settings(&mut self, s: &ast::Settings) {
        self.name = s.name.value.clone();
        let mut seen: HashMap<&'static str, Span> = HashMap::new();
        for setting in &s.settings {
            let key = match &setting.kind {
                SettingKind::Version(_) => "version",
                SettingKind::Effective(_) => "effective",
                SettingKind::Timezone(_) => "timezone",
                SettingKind::Currency(_) => "currency",
                SettingKind::Teams(_) => "teams",
                SettingKind::BusinessHours(_) => "business_hours",
                SettingKind::Holidays(_) => "holidays",
                SettingKind::FiscalYearStarts(_) => "fiscal_year_starts",
            };
            if let Some(first) = seen.get(key) {
                self.diag(CheckError::Repeated {
                    what: format!("`{key}`"),
                    span: setting.span,
                    first: *first,
                });
                continue;
            }
            seen.insert(key, setting.span);
            match &setting.kind {
                SettingKind::Version(n) => match n.raw.replace('_', "").parse::<u64>() {
                    Ok(v) => self.version = Some(v),
                    Err(_) => self.diag(CheckError::InvalidValue {
                        what: "version",
                        value: n.raw.clone(),
                        span: n.span,
                        reason: "not a whole number".into(),
                        help: Some("versions are whole numbers: `version 3`".into()),
                    }),
                },
                SettingKind::Effective(d) => match parse_date(&d.value) {
                    Some(date) => self.effective = Some(date),
                    None => self.diag(CheckError::InvalidDate {
                        value: d.value.clone(),
                        span: d.span,
                    }),
                },
                SettingKind::Timezone(tz) => match tz.value.parse::<chrono_tz::Tz>() {
                    Ok(t) => self.timezone = t,
                    Err(_) => {
                        let help = crate::names::closest(
                            &tz.value,
                            chrono_tz::TZ_VARIANTS.iter().map(|t| t.name()),
                        )
                        .map(|c| format!("did you mean \"{c}\"?"))
                        .or_else(|| Some("use an IANA name such as \"Europe/London\" or \"America/New_York\"".into()));
                        self.diag(CheckError::InvalidTimezone {
                            name: tz.value.clone(),
                            span: tz.span,
                            help,
                        });
                    }
                },
                SettingKind::Currency(c) => {
                    if c.value.len() == 3 && c.value.chars().all(|ch| ch.is_ascii_uppercase()) {
                        self.currency = Some(c.value.clone());
                    } else {
                        self.diag(CheckError::InvalidValue {
                            what: "currency",
                            value: c.value.clone(),
                            span: c.span,
                            reason: "not a three-letter currency code".into(),
                            help: Some(
                                "use an ISO 4217 code such as \"GBP\", \"USD\" or \"EUR\"".into(),
                            ),
                        });
                    }
                }
                SettingKind::Teams(teams) => {
                    for t in teams {
                        if let Some(first) = self.teams.iter().find(|x| x.name == t.name) {
                            if t.name == "shared" {
                                self.diag(CheckError::Reserved {
                                    kind: "team",
                                    name: t.name.clone(),
                                    span: t.span,
                                    help: Some("`shared` is built in and means co-owned by every team; remove it from `teams`".into()),
                                });
                            } else {
                                let first = first.span;
                                self.duplicate("team", t, first);
                            }
                            continue;
                        }
                        self.teams.push(Named {
                            name: t.name.clone(),
                            span: t.span,
                        });
                    }
                }
                SettingKind::BusinessHours(spans) => self.business_hours(spans),
                SettingKind::Holidays(days) => {
                    for d in days {
                        match parse_date(&d.value) {
                            Some(date) => self.holidays.push(date),
                            None => self.diag(CheckError::InvalidDate {
                                value: d.value.clone(),
                                span: d.span,
                            }),
                        }
                    }
                    self.holidays.sort();
                    self.holidays.dedup();
                }
                SettingKind::FiscalYearStarts(m) => {
                    let lower = m.name.to_lowercase();
                    match MONTHS
                        .iter()
                        .position(|x| *x == lower || x.get(..3) == Some(lower.as_str()))
                    {
                        Some(i) => self.fiscal_year_start_month = i as u32 + 1,
                        None => {
                            let help = crate::names::closest(&lower, MONTHS.iter().copied())
                                .map(|c| format!("did you mean `{c}`?"))
                                .or_else(|| {
                                    Some(
                                        "write a month name, e.g. `fiscal_year_starts april`"
                                            .into(),
                                    )
                                });
                            self.diag(CheckError::InvalidValue {
                                what: "month",
                                value: m.name.clone(),
                                span: m.span,
                                reason: "not a month".into(),
                                help,
                            });
                        }
                    }
                }
            }
        }
    }

    fn business_hours(&mut self, spans: &[ast::HoursSpan]) {
        let mut days: [Option<(NaiveTime, NaiveTime)>; 7] = [None; 7];
        for h in spans {
            let Some(first) = self.weekday(&h.first_day) else {
                continue;
            };
            let last = match &h.last_day {
                Some(d) => match self.weekday(d) {
                    Some(l) => l,
                    None => continue,
                },
                None => first,
            };
            let opens = self.clock(&h.opens);
            let closes = self.clock(&h.closes);
            let (Some(opens), Some(closes)) = (opens, closes) else {
                continue;
            };
            if opens >= closes {
                self.diag(CheckError::InvalidValue {
                    what: "opening hours",
                    value: format!("{}-{}", h.opens.name, h.closes.name),
                    span: h.opens.span.to(h.closes.span),
                    reason: "closes before it opens".into(),
                    help: Some("write the opening time first, e.g. `09:00-17:30`; hours past midnight are not supported".into()),
                });
                continue;
            }
            if first > last {
                self.diag(CheckError::InvalidValue {
                    what: "range of days",
                    value: format!(
                        "{}-{}",
                        h.first_day.name,
                        h.last_day.as_ref().map_or("", |d| d.name.as_str())
                    ),
                    span: h.span,
                    reason: "the range runs backwards".into(),
                    help: Some("write days from Monday to Sunday, e.g. `mon-fri`".into()),
                });
                continue;
            }
            for slot in days.iter_mut().take(last + 1).skip(first) {
                *slot = Some((opens, closes));
            }
        }
        self.business_hours = BusinessHours { days };
    }

    fn weekday(&mut self, d: &ast::Ident) -> Option<usize> {
        let lower = d.name.to_lowercase();
        let short = lower.get(..3).unwrap_or(&lower);
        let full = [
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
        ];
        if let Some(i) = WEEKDAYS
            .iter()
            .position(|w| *w == lower || (*w == short && full.contains(&lower.as_str())))
        {
            return Some(i);
        }
        self.diag(CheckError::InvalidValue {
            what: "day of the week",
            value: d.name.clone(),
            span: d.span,
            reason: "not a day".into(),
            help: Some("days are written mon, tue, wed, thu, fri, sat, sun".into()),
        });
        None
    }

    fn clock(&mut self, t: &ast::Ident) -> Option<NaiveTime> {
        let ok = NaiveTime::parse_from_str(&t.name, "%H:%M").ok();
        if ok.is_none() {
            self.diag(CheckError::InvalidValue {
                what: "time of day",
                value: t.name.clone(),
                span: t.span,
                reason: "not a time".into(),
                help: Some("write 24-hour times such as `09:00` or `17:30`".into()),
            });
        }
        ok
    }

    fn fields(&mut self, decls: &[ast::FieldDecl], reserved: &[&str], owner: &str) -> Vec<Field> {
        let mut out: Vec<Field> = Vec::new();
        for f in decls {
            if let Some(first) = out.iter().find(|x| x.name == f.name.name) {
                let first = first.span;
                self.duplicate("field", &f.name, first);
                continue;
            }
            if reserved.contains(&f.name.name.as_str()) {
                self.diag(CheckError::Reserved {
                    kind: "field",
                    name: f.name.name.clone(),
                    span: f.name.span,
                    help: Some(format!(
                        "every {owner} record already has `{}` (reserved: {}); choose another name",
                        f.name.name,
                        super::expr::list(reserved.iter().copied())
                    )),
                });
                continue;
            }
            let ty = match &f.ty {
                ast::TypeExpr::Named(t) => match t.name.as_str() {
                    "text" => Type::Text,
                    "number" => Type::Number,
                    "money" => Type::Money,
                    "bool" => Type::Bool,
                    "date" => Type::Date,
                    "timestamp" => Type::Timestamp,
                    "duration" => Type::Duration,
                    other => {
                        // Names other tools use for the same types.
                        let synonym = match other.to_lowercase().as_str() {
                            "string" | "str" | "varchar" | "char" => Some("text"),
                            "int" | "integer" | "float" | "decimal" | "double" => Some("number"),
                            "boolean" => Some("bool"),
                            "datetime" | "instant" => Some("timestamp"),
                            "currency" | "amount" => Some("money"),
                            _ => None,
                        };
                        let help = synonym
                            .or_else(|| crate::names::closest(other, TYPES.iter().copied()))
                            .map(|c| format!("did you mean `{c}`?"))
                            .or_else(|| Some(format!("types: {}, or a list of values such as `\"held\" | \"no_show\"`", super::expr::list(TYPES.iter().copied()))));
                        self.diag(CheckError::UnknownType {
                            name: other.to_string(),
                            span: t.span,
                            help,
                        });
                        continue;
                    }
                },
                ast::TypeExpr::Enum(values, _) => {
                    let mut vs: Vec<String> = Vec::new();
                    let mut spans: Vec<Span> = Vec::new();
                    for v in values {
                        if let Some(i) = vs.iter().position(|x| *x == v.value) {
                            self.diag(CheckError::Duplicate {
                                kind: "value",
                                name: v.value.clone(),
                                span: v.span,
                                first: spans.get(i).copied().unwrap_or_default(),
                            });
                            continue;
                        }
                        vs.push(v.value.clone());
                        spans.push(v.span);
                    }
                    Type::Enum(vs)
                }
            };
            let default = f.default.as_ref().and_then(|d| self.default_value(d, &ty));
            out.push(Field {
                name: f.name.name.clone(),
                ty,
                optional: f.optional,
                default,
                span: f.name.span,
            });
        }
        out
    }

    fn default_value(&mut self, d: &ast::Expr, ty: &Type) -> Option<Value> {
        let (x, t) = match &d.kind {
            ast::ExprKind::Literal(l) => self.literal(l, d.span),
            _ => return None,
        };
        let Expr::Const(v) = x else { return None };
        let expected = super::types::Ty::from_field(ty);
        let fits = match (&expected, &v) {
            (_, _) if t.is_unknown() => return None,
            (super::types::Ty::Enum(values), Value::Text(s)) => values.contains(s),
            (super::types::Ty::Date, Value::Text(s)) => parse_date(s).is_some(),
            _ => super::expr::compatible(&expected, &t),
        };
        if !fits {
            self.diag(CheckError::WrongType {
                expected: expected.describe(),
                found: t.describe(),
                span: d.span,
                help: Some("a default must be a value of the field's type".into()),
            });
            return None;
        }
        Some(match (ty, v) {
            (Type::Date, Value::Text(s)) => Value::Date(parse_date(&s)?),
            (Type::Money, Value::Number(n)) => {
                Value::Money(rust_decimal::Decimal::try_from(n).ok()?)
            }
            (_, v) => v,
        })
    }

    fn declare_event_name(&mut self, name: &ast::Ident, r: EventRef) -> bool {
        if let Some((_, first)) = self.event_ns.get(&name.name) {
            let first = *first;
            self.duplicate("event or touchpoint", name, first);
            return false;
        }
        if RESERVED_EVENTS.contains(&name.name.as_str()) {
            self.diag(CheckError::Reserved {
                kind: "event",
                name: name.name.clone(),
                span: name.span,
                help: Some(format!(
                    "`{}` is built in (reserved: {}); choose another name",
                    name.name,
                    super::expr::list(RESERVED_EVENTS.iter().copied())
                )),
            });
            return false;
        }
        self.event_ns.insert(name.name.clone(), (r, name.span));
        true
    }

    fn declare_event(&mut self, e: &ast::EventDecl) {
        let Some(id) = EventTypeId::from_index(self.events.len()) else {
            return;
        };
        if !self.declare_event_name(&e.name, EventRef::Event(id)) {
            return;
        }
        let fields = self.fields(&e.fields, RESERVED_EVENT_FIELDS, "event");
        self.events.push(EventType {
            name: e.name.name.clone(),
            fields,
            span: e.name.span,
        });
    }

    fn declare_value(&mut self, name: &ast::Ident, v: ValueRef) -> bool {
        if let Some((_, first)) = self.values.get(&name.name) {
            let first = *first;
            self.duplicate("score, criteria or metric", name, first);
            return false;
        }
        if matches!(
            name.name.as_str(),
            "contact" | "account" | "group" | "time_in_stage"
        ) {
            self.diag(CheckError::Reserved {
                kind: "definition",
                name: name.name.clone(),
                span: name.span,
                help: Some("`contact`, `account`, `group` and `time_in_stage` already mean something in conditions; choose another name".into()),
            });
            return false;
        }
        self.values.insert(name.name.clone(), (v, name.span));
        true
    }

    fn declare_group(&mut self, g: &'a ast::BuyingGroupDecl) {
        if let Some(first) = self.buying_group_span {
            self.diag(CheckError::Repeated {
                what: "the `buying_group` block".into(),
                span: Span::new(
                    g.span.start as usize,
                    g.span.start as usize + "buying_group".len(),
                ),
                first,
            });
            return;
        }
        self.buying_group_span = Some(Span::new(
            g.span.start as usize,
            g.span.start as usize + "buying_group".len(),
        ));
        for s in &g.stmts {
            match &s.kind {
                ast::GroupStmtKind::Role { name, condition } => {
                    if let Some(first) = self.roles.iter().find(|r| r.name == name.name) {
                        let first = first.span;
                        self.duplicate("role", name, first);
                        continue;
                    }
                    self.roles.push(Named {
                        name: name.name.clone(),
                        span: name.span,
                    });
                    self.role_asts.push(condition);
                    self.role_conditions.push(None);
                }
                ast::GroupStmtKind::Engaged(_) => {
                    if let Some(first) = self.group_engaged_span {
                        self.diag(CheckError::Repeated {
                            what: "`engaged`".into(),
                            span: s.span,
                            first,
                        });
                    } else {
                        self.group_engaged_span = Some(s.span);
                    }
                }
                ast::GroupStmtKind::Qualified(_) => {
                    if let Some(first) = self.group_qualified_span {
                        self.diag(CheckError::Repeated {
                            what: "`qualified`".into(),
                            span: s.span,
                            first,
                        });
                    } else {
                        self.group_qualified_span = Some(s.span);
                    }
                }
            }
        }
    }

    /// A deal schema's `roles`, each once; only a deal has them.
    fn declare_roles(&mut self, s: &ast::Schema) {
        for role in &s.roles {
            if s.entity != Entity::Deal {
                self.diag(CheckError::NotAllowedHere {
                    what: "`roles`".into(),
                    place: "in a contact or account schema",
                    span: role.span,
                    help: Some("contact roles are named on a deal: write them in the `deal { ... }` schema, and a contact's part in the buying group with `buying_group { role NAME = CONDITION }`".into()),
                });
                return;
            }
            if let Some(first) = self.deal_roles.iter().find(|r| r.name == role.name) {
                let first = first.span;
                self.duplicate("role", role, first);
                continue;
            }
            self.deal_roles.push(role.clone());
        }
    }

    fn declare_lifecycle(&mut self, l: &'a ast::LifecycleDecl) {
        let entity = match Entity::from_keyword(&l.kind.name) {
            Some(e) => e,
            None => {
                let other = l.kind.name.as_str();
                let help = crate::names::closest(other, ["contact", "account", "deal"])
                    .map(|c| format!("did you mean `{c}`?"))
                    .or_else(|| {
                        Some(
                            "write `lifecycle contact { ... }`, `lifecycle account { ... }` or `lifecycle deal { ... }`"
                                .into(),
                        )
                    });
                self.diag(CheckError::LifecycleKind {
                    name: other.to_string(),
                    span: l.kind.span,
                    help,
                });
                return;
            }
        };
        if let Some((_, first)) = self.lifecycle_asts.iter().find(|(e, _)| *e == entity) {
            let first = first.kind.span;
            self.duplicate("lifecycle", &l.kind, first);
            return;
        }
        self.lifecycle_asts.push((entity, l));
        let mut stage_ids = Vec::new();
        let mut initial: Option<(StageId, Span)> = None;
        for stmt in &l.stmts {
            let LifecycleStmt::Stage(s) = stmt else {
                continue;
            };
            if let Some(first) = self.stage_names.get(&(entity, s.name.name.clone())) {
                let first = self
                    .stages
                    .get(first.index())
                    .map(|x| x.span)
                    .unwrap_or_default();
                self.duplicate("stage", &s.name, first);
                continue;
            }
            let Some(id) = StageId::from_index(self.stages.len()) else {
                continue;
            };
            let mut stage = Stage {
                name: s.name.name.clone(),
                lifecycle: entity,
                description: None,
                owner: None,
                initial: false,
                is_final: false,
                detour: false,
                span: s.name.span,
            };
            let mut seen: HashMap<&'static str, Span> = HashMap::new();
            for a in &s.attrs {
                let key = match &a.kind {
                    StageAttrKind::Initial => "`initial`",
                    StageAttrKind::Final => "`final`",
                    StageAttrKind::Detour => "`detour`",
                    StageAttrKind::Owner(_) => "`owner`",
                    StageAttrKind::Description(_) => "the description",
                };
                if let Some(first) = seen.get(key) {
                    self.diag(CheckError::Repeated {
                        what: key.to_string(),
                        span: a.span,
                        first: *first,
                    });
                    continue;
                }
                seen.insert(key, a.span);
                match &a.kind {
                    StageAttrKind::Initial => stage.initial = true,
                    StageAttrKind::Final => stage.is_final = true,
                    StageAttrKind::Detour => stage.detour = true,
                    StageAttrKind::Owner(t) => stage.owner = self.team(t),
                    StageAttrKind::Description(d) => stage.description = Some(d.value.clone()),
                }
            }
            if stage.initial {
                match initial {
                    Some((first_id, first_span)) => {
                        let first_name = self
                            .stages
                            .get(first_id.index())
                            .map(|x| x.name.clone())
                            .unwrap_or_default();
                        self.diag(CheckError::TwoInitialStages {
                            lifecycle: entity.keyword().into(),
                            first_name,
                            second_name: stage.name.clone(),
                            span: s.name.span,
                            first: first_span,
                        });
                    }
                    None => initial = Some((id, s.name.span)),
                }
            }
            self.stage_names.insert((entity, stage.name.clone()), id);
            self.stages.push(stage);
            stage_ids.push(id);
        }
        if initial.is_none() {
            self.diag(CheckError::NoInitialStage {
                lifecycle: entity.keyword().into(),
                span: l.kind.span,
            });
        }
        self.lifecycles.push(Lifecycle {
            entity,
            stages: stage_ids,
            initial: initial.map(|(id, _)| id),
            transitions: Vec::new(),
            span: l.kind.span,
        });
    }
}
