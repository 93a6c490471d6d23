//! The policy's own words: expressions, events, numbers and durations
//! written back as a policy author reads them, for the explanations and
//! the reports.

use crate::data::time::format_instant;
use crate::eval::explain::Shown;
use crate::ir::*;

/// A number as people write it: two decimals at most, none when whole.
pub fn num(x: f64) -> String {
    let r = (x * 100.0).round() / 100.0;
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r}")
    }
}

/// A value as it stood, as the explanations write it.
pub fn shown_text(v: &Shown) -> String {
    match v {
        Shown::Missing => "missing".into(),
        Shown::Value(v) => const_text(v),
        Shown::Days(d) => format!("{} days", num(*d)),
        Shown::List(l) => format!(
            "[{}]",
            l.iter().map(shown_text).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// A duration in words, as the explanations write it: `3 days`, `4 hours`.
pub fn duration_text(d: Duration) -> String {
    match d {
        Duration::Minutes(m) if m % 60 == 0 => format!("{} hours", m / 60),
        Duration::Minutes(m) => format!("{m} minutes"),
        Duration::Days(n) => format!("{n} days"),
        Duration::BusinessHours(h) => format!("{h} business hours"),
        Duration::BusinessDays(n) => format!("{n} business days"),
    }
}

/// The event or touchpoint a pattern names.
fn pattern_name(model: &Ir, p: PatternId) -> String {
    match model.nodes[p].event {
        EventRef::Event(e) => model.events[e].name.clone(),
        EventRef::Touchpoint(t) => model.touchpoints[t].name.clone(),
    }
}

pub fn pattern_text(model: &Ir, id: PatternId) -> String {
    let name = pattern_name(model, id);
    let p = &model.nodes[id];
    match p.condition {
        Some(c) => format!("`{name}` where {}", expr_text_in(model, c, Some(p.event))),
        None => format!("`{name}`"),
    }
}

/// An expression in the policy's own words.
pub fn expr_text(model: &Ir, e: NodeId) -> String {
    expr_text_in(model, e, None)
}

/// What time changes in a timed comparison, as written.
pub fn time_text(model: &Ir, t: TimeSide) -> String {
    match t {
        TimeSide::TimeInStage => "time_in_stage".into(),
        TimeSide::DaysSince(p) => format!("days_since({})", pattern_short(model, p)),
        TimeSide::Decay(s) => model.scores[s].name.clone(),
    }
}

pub fn op_text(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Eq => "==",
        CmpOp::Ne => "!=",
        CmpOp::Lt => "<",
        CmpOp::Le => "<=",
        CmpOp::Gt => ">",
        CmpOp::Ge => ">=",
    }
}

fn expr_text_in(model: &Ir, e: NodeId, ev: Option<EventRef>) -> String {
    let t = |x: &NodeId| expr_text_in(model, *x, ev);
    let name = |v: Option<&String>| v.cloned().unwrap_or_else(|| "?".into());
    match &model.nodes[e] {
        Node::Const(v) => const_text(v),
        Node::ContactField(f) => format!("contact.{}", model.contact_fields[*f].name.clone()),
        Node::AccountField(f) => format!("account.{}", model.account_fields[*f].name.clone()),
        Node::DealField(f) => format!("deal.{}", model.deal_fields[*f].name.clone()),
        Node::DealHas(r) => format!(
            "deal.has({})",
            model.deal_roles.get(*r).map_or("?", String::as_str)
        ),
        Node::Linked { stage, ever } => {
            let deal_stage = model.stages[*stage].lifecycle == crate::ir::Entity::Deal;
            format!(
                "{}.{}({})",
                if deal_stage {
                    "contact.deals"
                } else {
                    "deal.contacts"
                },
                if *ever { "entered" } else { "in" },
                model.stage_name(*stage)
            )
        }
        Node::EventField(f) => {
            let ty = match ev {
                Some(EventRef::Event(e)) => Some(&model.events[e]),
                Some(EventRef::Touchpoint(tp)) => Some(&model.events[model.touchpoints[tp].event]),
                None => None,
            };
            // Outside an event's pattern a field has no event type to
            // name it (the checker never lets one stand there).
            name(ty.map(|e| &e.fields[*f].name))
        }
        Node::Score(s) => model.scores[*s].name.clone(),
        Node::Criteria(c) => model.criteria[*c].name.clone(),
        Node::Clause(i) => format!("clause {i}"),
        Node::Not(x) => format!("not {}", t(x)),
        Node::Neg(x) => format!("-{}", t(x)),
        Node::And(a, b) => format!("({} and {})", t(a), t(b)),
        Node::Or(a, b) => format!("({} or {})", t(a), t(b)),
        Node::Compare(op, a, b) => format!("{} {} {}", t(a), op_text(*op), t(b)),
        Node::Timed(x) => {
            let (time, bound) = (time_text(model, x.time), t(&x.bound));
            if x.time_left {
                format!("{time} {} {bound}", op_text(x.op))
            } else {
                format!("{bound} {} {time}", op_text(x.op))
            }
        }
        Node::Arith(op, a, b) => {
            let o = match op {
                ArithOp::Add => "+",
                ArithOp::Sub => "-",
                ArithOp::Mul => "*",
                ArithOp::Div => "/",
            };
            format!("{} {o} {}", t(a), t(b))
        }
        Node::In {
            negated,
            item,
            list,
        } => format!(
            "{} {}in {}",
            t(item),
            if *negated { "not " } else { "" },
            t(list)
        ),
        Node::Text(op, a, b) => {
            let o = match op {
                TextOp::Contains => "contains",
                TextOp::StartsWith => "starts_with",
                TextOp::EndsWith => "ends_with",
            };
            format!("{} {o} {}", t(a), t(b))
        }
        Node::Matches(a, r) => format!("{} matches \"{}\"", t(a), r.as_str()),
        Node::Missing { of, missing } => format!(
            "{} is {}",
            t(of),
            if *missing { "missing" } else { "present" }
        ),
        Node::List(xs) => format!("[{}]", xs.iter().map(t).collect::<Vec<_>>().join(", ")),
        Node::Seen { pattern, within } | Node::Count { pattern, within } => format!(
            "{}({}{})",
            if matches!(&model.nodes[e], Node::Seen { .. }) {
                "seen"
            } else {
                "count"
            },
            pattern_short(model, *pattern),
            within
                .map(|d| format!(" within {}", duration_text(d)))
                .unwrap_or_default()
        ),
        Node::Last { pattern, .. } => format!("last({})", pattern_short(model, *pattern)),
        Node::DaysSince(p) => format!("days_since({})", pattern_short(model, *p)),
        Node::TimeInStage => "time_in_stage".into(),
        Node::StageEntered(s) => format!("stage_entered({})", model.stages[*s].name.clone()),
        Node::AccountStage => "account.stage".into(),
        Node::Breached(s) => format!("breached({})", model.slas[*s].name.clone()),
        Node::GroupHas(r) => format!("group.has({})", model.roles[*r].name.clone()),
        Node::GroupCount(r) => format!("group.count({})", model.roles[*r].name.clone()),
        Node::GroupEngaged => "group.engaged".into(),
        Node::GroupSize => "group.size".into(),
        Node::GroupIn(s) => format!("group.in({})", model.stages[*s].name.clone()),
        Node::GroupQualified => "group.qualified".into(),
        Node::Min(xs) | Node::Max(xs) => {
            let f = if matches!(&model.nodes[e], Node::Min(_)) {
                "min"
            } else {
                "max"
            };
            format!("{f}({})", xs.iter().map(t).collect::<Vec<_>>().join(", "))
        }
    }
}

fn pattern_short(model: &Ir, id: PatternId) -> String {
    let name = pattern_name(model, id);
    let p = &model.nodes[id];
    match p.condition {
        Some(c) => format!("{name} where {}", expr_text_in(model, c, Some(p.event))),
        None => name,
    }
}

pub fn const_text(v: &Value) -> String {
    match v {
        Value::Number(n) => num(*n),
        Value::Money(m) => m.to_string(),
        Value::Duration(d) => duration_text(*d),
        Value::Text(t) => format!("\"{t}\""),
        Value::Bool(b) => b.to_string(),
        Value::Date(d) => d.to_string(),
        Value::Timestamp(t) => format_instant(*t),
        Value::List(l) => format!(
            "[{}]",
            l.iter().map(const_text).collect::<Vec<_>>().join(", ")
        ),
    }
}
