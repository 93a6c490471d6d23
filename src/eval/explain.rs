//! Why a contact is where it is, and what is missing for each way out of
//! its stage (docs/engine.md, `detente explain`). Evaluated on the replay's final state; the
//! words are for sales and marketing leaders, not for programmers.

use crate::data::time::{Instant, format_instant, format_local};
use crate::ir::*;

use super::state::Run;
use super::value::V;
use super::view::{View, Who};

/// One way out of the current stage and how far the contact is from it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct Exit {
    /// The stage it leads to.
    pub to: String,
    /// The trigger as written, e.g. `when sql`.
    pub trigger: String,
    /// The policy line the transition is written on.
    pub line: usize,
    /// The transition's `as "..."` label, if it has one.
    pub label: Option<String>,
    /// Plain-English lines: what holds, what is missing, the smallest
    /// change that would do it.
    pub reasons: Vec<String>,
}

impl Run<'_> {
    /// What is missing for every transition out of member `m`'s stage.
    pub fn exits(&self, m: usize, now: Instant) -> Vec<Exit> {
        let model = self.policy.ir();
        let Some(life) = self.members.get(m).and_then(|x| x.life.as_ref()) else {
            return Vec::new();
        };
        let Some(machine) = self.policy.machine(crate::ir::Entity::Contact) else {
            return Vec::new();
        };
        let view = View::new(self, Who::Contact(m), now);
        let mut out = Vec::new();
        for t in machine.exits(life.stage) {
            let Some(tr) = model.transitions.get(t.index()) else {
                continue;
            };
            let to = model
                .stages
                .get(tr.to.index())
                .map_or(String::new(), |s| s.name.clone());
            let mut reasons = Vec::new();
            match &tr.trigger {
                TriggerRule::On(p) => reasons.push(format!(
                    "waits for the event {} — nothing else moves it",
                    pattern_text(model, *p)
                )),
                TriggerRule::When(c) => describe(&view, *c, 0, &mut reasons),
                TriggerRule::After { duration, unless } => {
                    let due = self.add_time(life.since, *duration);
                    if life.after_checked.contains(t) || due <= now {
                        reasons.push(format!(
                            "the {} were up on {}; the exception held then, so this way out is closed for this stay",
                            duration_text(*duration),
                            format_local(due, model.timezone)
                        ));
                    } else {
                        reasons.push(format!(
                            "happens on {} ({} after entering {}) if nothing moves the contact first",
                            format_local(due, model.timezone),
                            duration_text(*duration),
                            model.stages.get(life.stage.index()).map_or("", |s| s.name.as_str())
                        ));
                    }
                    if let Some(u) = *unless {
                        let held = view.truth(u);
                        reasons.push(format!(
                            "unless {} — {} now",
                            expr_text(model, u),
                            truth_word(held)
                        ));
                        if held == Some(true) {
                            describe(&view, u, 1, &mut reasons);
                        }
                    }
                }
            }
            out.push(Exit {
                to,
                trigger: tr.text.clone(),
                line: tr.line,
                label: tr.label.clone(),
                reasons,
            });
        }
        out
    }
}

fn truth_word(t: Option<bool>) -> &'static str {
    match t {
        Some(true) => "true",
        Some(false) => "false",
        None => "unknown",
    }
}

fn pad(depth: usize) -> String {
    "  ".repeat(depth)
}

/// Lines saying whether `e` holds and, when it does not, what would make it.
fn describe(view: &View<'_, '_>, e: NodeId, depth: usize, out: &mut Vec<String>) {
    let model = view.run.policy.ir();
    match &model.nodes[e] {
        Node::Or(a, b) => {
            let t = view.truth(e);
            out.push(format!(
                "{}any one of these is enough ({}):",
                pad(depth),
                truth_word(t)
            ));
            describe(view, *a, depth + 1, out);
            describe(view, *b, depth + 1, out);
        }
        Node::And(a, b) => {
            let t = view.truth(e);
            out.push(format!(
                "{}all of these are needed ({}):",
                pad(depth),
                truth_word(t)
            ));
            describe(view, *a, depth + 1, out);
            describe(view, *b, depth + 1, out);
        }
        Node::Criteria(c) => {
            let Some(crit) = model.criteria.get(c.index()) else {
                return;
            };
            let (met, clauses) = view.criteria_detail(*c);
            let held: Vec<&str> = crit
                .clauses
                .iter()
                .zip(&clauses)
                .filter(|(_, t)| **t == Some(true))
                .map(|(c, _)| c.label.as_str())
                .collect();
            let open: Vec<&str> = crit
                .clauses
                .iter()
                .zip(&clauses)
                .filter(|(_, t)| **t != Some(true))
                .map(|(c, _)| c.label.as_str())
                .collect();
            let need = match &crit.require {
                Requirement::All if crit.clauses.len() == 1 => "its one clause".to_string(),
                Requirement::All => format!("all {} clauses", crit.clauses.len()),
                Requirement::Any => "any one clause".to_string(),
                Requirement::AtLeast(n) => format!("{n} of the {} clauses", crit.clauses.len()),
                Requirement::Expr(_) => "its own rule".to_string(),
            };
            out.push(format!(
                "{}criteria `{}` is {}: it needs {need}; {} of {} hold{}",
                pad(depth),
                crit.name,
                truth_word(met),
                held.len(),
                crit.clauses.len(),
                if held.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", held.join(", "))
                }
            ));
            for (clause, t) in crit.clauses.iter().zip(&clauses) {
                if *t == Some(true) {
                    continue;
                }
                let mut line = format!(
                    "{}{} is {}: {}",
                    pad(depth + 1),
                    clause.label,
                    truth_word(*t),
                    expr_text(model, clause.condition)
                );
                if let Some(why) = leaf_detail(view, clause.condition) {
                    line.push_str(&format!(" — {why}"));
                }
                out.push(line);
            }
            if met != Some(true) {
                let names = |sep: &str| {
                    open.iter()
                        .map(|s| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join(sep)
                };
                let smallest = match &crit.require {
                    Requirement::AtLeast(n) if *n > held.len() => Some(format!(
                        "make {} more of {} true",
                        n - held.len(),
                        names(", ")
                    )),
                    Requirement::Any => Some(format!("make any one of {} true", names(", "))),
                    Requirement::All => Some(format!("make {} true", names(" and "))),
                    _ => None,
                };
                if let Some(s) = smallest {
                    out.push(format!("{}smallest change: {s}", pad(depth + 1)));
                }
            }
        }
        _ => {
            let t = view.truth(e);
            let mut line = format!("{}{} is {}", pad(depth), expr_text(model, e), truth_word(t));
            if t != Some(true)
                && let Some(why) = leaf_detail(view, e)
            {
                line.push_str(&format!(" — {why}"));
            }
            out.push(line);
        }
    }
}

/// The value behind a comparison, and how far it is from holding.
fn leaf_detail(view: &View<'_, '_>, e: NodeId) -> Option<String> {
    let model = view.run.policy.ir();
    match &model.nodes[e] {
        Node::Compare(op, l, r) => Some(compare_detail(
            view,
            *op,
            (view.eval(*l), view.eval(*r)),
            &expr_text(model, *l),
        )),
        Node::Timed(t) => {
            let (time, bound) = (view.time_side(t.time), view.eval(t.bound));
            if let (TimeSide::TimeInStage, V::Elapsed(since), V::Dur(d)) = (t.time, &time, &bound) {
                let at = view.run.add_time(*since, *d);
                if at > view.now && t.time_left {
                    return Some(format!(
                        "holds from {} if the contact is still there",
                        format_local(at, model.timezone)
                    ));
                }
            }
            let (values, left) = if t.time_left {
                ((time, bound), time_text(model, t.time))
            } else {
                ((bound, time), expr_text(model, t.bound))
            };
            Some(compare_detail(view, t.op, values, &left))
        }
        Node::GroupHas(r) => model.roles.get(r.index()).map(|role| {
            format!(
                "nobody in the buying group holds the role `{}` ({})",
                role.name,
                expr_text(model, role.condition)
            )
        }),
        Node::Missing { of, .. } => Some(format!(
            "{} is {}",
            expr_text(model, *of),
            value_text(&view.eval(*of), view.now)
        )),
        Node::Seen { pattern, within } => Some(format!(
            "no {}{} yet",
            pattern_text(model, *pattern),
            within
                .map(|d| format!(" in the last {}", duration_text(d)))
                .unwrap_or_default()
        )),
        _ => None,
    }
}

/// `left is VALUE` and how far a comparison of two values is from
/// holding.
fn compare_detail(view: &View<'_, '_>, op: CmpOp, (lv, rv): (V<'_>, V<'_>), left: &str) -> String {
    let now = value_text(&lv, view.now);
    let gap = match (&lv, &rv, op) {
        (V::Num(a), V::Num(b), CmpOp::Ge) if a < b => {
            format!("; {} more needed", num(b - a))
        }
        (V::Num(a), V::Num(b), CmpOp::Gt) if a <= b => {
            format!("; more than {} more needed", num(b - a))
        }
        (V::Num(a), V::Num(b), CmpOp::Le) if a > b => format!("; {} too many", num(a - b)),
        (V::Missing, _, _) => {
            "; the value is missing, so this is unknown until the CRM has it".to_string()
        }
        _ => String::new(),
    };
    format!("{left} is {now}{gap}")
}

/// A number as people write it: two decimals at most, none when whole.
pub fn num(x: f64) -> String {
    let r = (x * 100.0).round() / 100.0;
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r}")
    }
}

fn value_text(v: &V, now: Instant) -> String {
    match v {
        V::Missing => "missing".into(),
        V::Bool(b) => b.to_string(),
        V::Num(n) => num(*n),
        V::Money(m) => m.to_string(),
        V::Dur(d) => duration_text(*d),
        V::Elapsed(since) => format!("{} days", num((now - since) as f64 / 86_400_000.0)),
        V::Text(t) => format!("\"{t}\""),
        V::Date(d) => d.to_string(),
        V::Ts(t) => format_instant(*t),
        V::List(l) => format!(
            "[{}]",
            l.iter()
                .map(|x| value_text(x, now))
                .collect::<Vec<_>>()
                .join(", ")
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
        EventRef::Event(e) => model.events.get(e.index()).map(|x| x.name.clone()),
        EventRef::Touchpoint(t) => model.touchpoints.get(t.index()).map(|x| x.name.clone()),
    }
    .unwrap_or_default()
}

fn pattern_text(model: &Ir, id: PatternId) -> String {
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
fn time_text(model: &Ir, t: TimeSide) -> String {
    match t {
        TimeSide::TimeInStage => "time_in_stage".into(),
        TimeSide::DaysSince(p) => format!("days_since({})", pattern_short(model, p)),
        TimeSide::Decay(s) => model
            .scores
            .get(s.index())
            .map_or_else(|| "?".into(), |x| x.name.clone()),
    }
}

fn op_text(op: CmpOp) -> &'static str {
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
        Node::ContactField(f) => format!(
            "contact.{}",
            name(model.contact_fields.get(f.index()).map(|x| &x.name))
        ),
        Node::AccountField(f) => format!(
            "account.{}",
            name(model.account_fields.get(f.index()).map(|x| &x.name))
        ),
        Node::EventField(f) => {
            let ty = match ev {
                Some(EventRef::Event(e)) => model.events.get(e.index()),
                Some(EventRef::Touchpoint(tp)) => model
                    .touchpoints
                    .get(tp.index())
                    .and_then(|x| model.events.get(x.event.index())),
                None => None,
            };
            name(ty.and_then(|e| e.fields.get(f.index())).map(|x| &x.name))
        }
        Node::Score(s) => name(model.scores.get(s.index()).map(|x| &x.name)),
        Node::Criteria(c) => name(model.criteria.get(c.index()).map(|x| &x.name)),
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
        Node::Seen { pattern, within } => format!(
            "seen({}{})",
            pattern_short(model, *pattern),
            within
                .map(|d| format!(" within {}", duration_text(d)))
                .unwrap_or_default()
        ),
        Node::Count { pattern, within } => format!(
            "count({}{})",
            pattern_short(model, *pattern),
            within
                .map(|d| format!(" within {}", duration_text(d)))
                .unwrap_or_default()
        ),
        Node::Last { pattern, .. } => format!("last({})", pattern_short(model, *pattern)),
        Node::DaysSince(p) => format!("days_since({})", pattern_short(model, *p)),
        Node::TimeInStage => "time_in_stage".into(),
        Node::StageEntered(s) => format!(
            "stage_entered({})",
            name(model.stages.get(s.index()).map(|x| &x.name))
        ),
        Node::AccountStage => "account.stage".into(),
        Node::Breached(s) => format!(
            "breached({})",
            name(model.slas.get(s.index()).map(|x| &x.name))
        ),
        Node::GroupHas(r) => format!(
            "group.has({})",
            name(model.roles.get(r.index()).map(|x| &x.name))
        ),
        Node::GroupCount(r) => format!(
            "group.count({})",
            name(model.roles.get(r.index()).map(|x| &x.name))
        ),
        Node::GroupEngaged => "group.engaged".into(),
        Node::GroupSize => "group.size".into(),
        Node::GroupIn(s) => format!(
            "group.in({})",
            name(model.stages.get(s.index()).map(|x| &x.name))
        ),
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

fn const_text(v: &Value) -> String {
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
