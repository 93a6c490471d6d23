//! Why a contact is where it is, and what is missing for each way out of
//! its stage (docs/engine.md, `detente explain`). Evaluated on the replay's final state; the
//! words are for sales and marketing leaders, not for programmers.

use crate::check::model::*;
use crate::data::time::{Instant, format_instant, format_local};

use super::state::Run;
use super::view::{V, View, Who};

/// One way out of the current stage and how far the contact is from it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
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
        let model = self.policy.model();
        let Some(life) = self.members.get(m).and_then(|x| x.life.as_ref()) else {
            return Vec::new();
        };
        let Some(machine) = self.policy.machine(crate::syntax::ast::Entity::Contact) else {
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
                    pattern_text(model, p)
                )),
                TriggerRule::When(c) => describe(&view, c, 0, &mut reasons),
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
                    if let Some(u) = unless {
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
fn describe(view: &View<'_, '_>, e: &Expr, depth: usize, out: &mut Vec<String>) {
    let model = view.run.policy.model();
    match e {
        Expr::Or(a, b) => {
            let t = view.truth(e);
            out.push(format!(
                "{}any one of these is enough ({}):",
                pad(depth),
                truth_word(t)
            ));
            describe(view, a, depth + 1, out);
            describe(view, b, depth + 1, out);
        }
        Expr::And(a, b) => {
            let t = view.truth(e);
            out.push(format!(
                "{}all of these are needed ({}):",
                pad(depth),
                truth_word(t)
            ));
            describe(view, a, depth + 1, out);
            describe(view, b, depth + 1, out);
        }
        Expr::Criteria(c) => {
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
                    expr_text(model, &clause.condition)
                );
                if let Some(why) = leaf_detail(view, &clause.condition) {
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
fn leaf_detail(view: &View<'_, '_>, e: &Expr) -> Option<String> {
    let model = view.run.policy.model();
    match e {
        Expr::Compare(op, l, r) => {
            let lv = view.eval(l);
            let rv = view.eval(r);
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
            if let (Expr::TimeInStage, V::Elapsed(since), V::Dur(d)) = (&**l, &lv, &rv) {
                let at = view.run.add_time(*since, *d);
                if at > view.now {
                    return Some(format!(
                        "holds from {} if the contact is still there",
                        format_local(at, model.timezone)
                    ));
                }
            }
            Some(format!("{} is {now}{gap}", expr_text(model, l)))
        }
        Expr::GroupHas(r) => model.roles.get(r.index()).map(|role| {
            format!(
                "nobody in the buying group holds the role `{}` ({})",
                role.name,
                expr_text(model, &role.condition)
            )
        }),
        Expr::Missing { expr, .. } => Some(format!(
            "{} is {}",
            expr_text(model, expr),
            value_text(&view.eval(expr), view.now)
        )),
        Expr::Seen { pattern, within } => Some(format!(
            "no {}{} yet",
            pattern_text(model, pattern),
            within
                .map(|d| format!(" in the last {}", duration_text(d)))
                .unwrap_or_default()
        )),
        _ => None,
    }
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
fn pattern_name(model: &Model, p: &Pattern) -> String {
    match p.event {
        EventRef::Event(e) => model.events.get(e.index()).map(|x| x.name.clone()),
        EventRef::Touchpoint(t) => model.touchpoints.get(t.index()).map(|x| x.name.clone()),
    }
    .unwrap_or_default()
}

fn pattern_text(model: &Model, p: &Pattern) -> String {
    let name = pattern_name(model, p);
    match &p.condition {
        Some(c) => format!("`{name}` where {}", expr_text_in(model, c, Some(p.event))),
        None => format!("`{name}`"),
    }
}

/// An expression in the policy's own words.
pub fn expr_text(model: &Model, e: &Expr) -> String {
    expr_text_in(model, e, None)
}

fn expr_text_in(model: &Model, e: &Expr, ev: Option<EventRef>) -> String {
    let t = |x: &Expr| expr_text_in(model, x, ev);
    let name = |v: Option<&String>| v.cloned().unwrap_or_else(|| "?".into());
    match e {
        Expr::Const(v) => const_text(v),
        Expr::ContactField(f) => format!(
            "contact.{}",
            name(model.contact_fields.get(f.index()).map(|x| &x.name))
        ),
        Expr::AccountField(f) => format!(
            "account.{}",
            name(model.account_fields.get(f.index()).map(|x| &x.name))
        ),
        Expr::EventField(f) => {
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
        Expr::Score(s) => name(model.scores.get(s.index()).map(|x| &x.name)),
        Expr::Criteria(c) => name(model.criteria.get(c.index()).map(|x| &x.name)),
        Expr::Metric(m) => name(model.metrics.get(m.index()).map(|x| &x.name)),
        Expr::Clause(i) => format!("clause {i}"),
        Expr::Not(x) => format!("not {}", t(x)),
        Expr::Neg(x) => format!("-{}", t(x)),
        Expr::And(a, b) => format!("({} and {})", t(a), t(b)),
        Expr::Or(a, b) => format!("({} or {})", t(a), t(b)),
        Expr::Compare(op, a, b) => {
            let o = match op {
                CmpOp::Eq => "==",
                CmpOp::Ne => "!=",
                CmpOp::Lt => "<",
                CmpOp::Le => "<=",
                CmpOp::Gt => ">",
                CmpOp::Ge => ">=",
            };
            format!("{} {o} {}", t(a), t(b))
        }
        Expr::Arith(op, a, b) => {
            let o = match op {
                ArithOp::Add => "+",
                ArithOp::Sub => "-",
                ArithOp::Mul => "*",
                ArithOp::Div => "/",
            };
            format!("{} {o} {}", t(a), t(b))
        }
        Expr::In {
            negated,
            item,
            list,
        } => format!(
            "{} {}in {}",
            t(item),
            if *negated { "not " } else { "" },
            t(list)
        ),
        Expr::Text(op, a, b) => {
            let o = match op {
                TextOp::Contains => "contains",
                TextOp::StartsWith => "starts_with",
                TextOp::EndsWith => "ends_with",
            };
            format!("{} {o} {}", t(a), t(b))
        }
        Expr::Matches(a, r) => format!("{} matches \"{}\"", t(a), r.as_str()),
        Expr::Missing { expr, missing } => format!(
            "{} is {}",
            t(expr),
            if *missing { "missing" } else { "present" }
        ),
        Expr::List(xs) => format!("[{}]", xs.iter().map(t).collect::<Vec<_>>().join(", ")),
        Expr::Seen { pattern, within } => format!(
            "seen({}{})",
            pattern_short(model, pattern),
            within
                .map(|d| format!(" within {}", duration_text(d)))
                .unwrap_or_default()
        ),
        Expr::Count { pattern, within } => format!(
            "count({}{})",
            pattern_short(model, pattern),
            within
                .map(|d| format!(" within {}", duration_text(d)))
                .unwrap_or_default()
        ),
        Expr::Last { pattern, .. } => format!("last({})", pattern_short(model, pattern)),
        Expr::DaysSince(p) => format!("days_since({})", pattern_short(model, p)),
        Expr::TimeInStage => "time_in_stage".into(),
        Expr::StageEntered(s) => format!(
            "stage_entered({})",
            name(model.stages.get(s.index()).map(|x| &x.name))
        ),
        Expr::AccountStage => "account.stage".into(),
        Expr::Breached(s) => format!(
            "breached({})",
            name(model.slas.get(s.index()).map(|x| &x.name))
        ),
        Expr::GroupHas(r) => format!(
            "group.has({})",
            name(model.roles.get(r.index()).map(|x| &x.name))
        ),
        Expr::GroupCount(r) => format!(
            "group.count({})",
            name(model.roles.get(r.index()).map(|x| &x.name))
        ),
        Expr::GroupEngaged => "group.engaged".into(),
        Expr::GroupSize => "group.size".into(),
        Expr::GroupIn(s) => format!(
            "group.in({})",
            name(model.stages.get(s.index()).map(|x| &x.name))
        ),
        Expr::GroupQualified => "group.qualified".into(),
        _ => "(a measure over all journeys)".into(),
    }
}

fn pattern_short(model: &Model, p: &Pattern) -> String {
    let name = pattern_name(model, p);
    match &p.condition {
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
