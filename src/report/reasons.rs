//! The sentences of `detente explain`'s "what it takes to move on": one
//! line per typed reason the engine gives (eval/explain.rs), in the
//! policy's own words and its timezone.

use crate::data::time::format_local;
use crate::eval::explain::{Detail, Exit, Gap, Needed, Reason, Says, Side};
use crate::ir::*;

use super::words::{duration_text, expr_text, num, pattern_text, shown_text, time_text};

/// `true`, `false` or `unknown`.
pub fn truth_word(t: Option<bool>) -> &'static str {
    match t {
        Some(true) => "true",
        Some(false) => "false",
        None => "unknown",
    }
}

/// Every reason of `exit`, one line each, indented by depth.
pub fn reason_lines(ir: &Ir, exit: &Exit) -> Vec<String> {
    exit.reasons.iter().map(|r| reason_line(ir, r)).collect()
}

/// One reason as a line, indented two spaces per level.
pub fn reason_line(ir: &Ir, r: &Reason) -> String {
    let pad = "  ".repeat(r.depth);
    let tz = ir.timezone;
    let text = match &r.says {
        Says::WaitsFor(p) => format!(
            "waits for the event {} — nothing else moves it",
            pattern_text(ir, *p)
        ),
        Says::AfterClosed { duration, due } => format!(
            "the {} were up on {}; the exception held then, so this way out is closed for this stay",
            duration_text(*duration),
            format_local(*due, tz)
        ),
        Says::AfterDue {
            duration,
            due,
            stage,
        } => format!(
            "happens on {} ({} after entering {}) if nothing moves the contact first",
            format_local(*due, tz),
            duration_text(*duration),
            ir.stage_name(*stage)
        ),
        Says::Unless { condition, held } => format!(
            "unless {} — {} now",
            expr_text(ir, *condition),
            truth_word(*held)
        ),
        Says::AnyOf(t) => format!("any one of these is enough ({}):", truth_word(*t)),
        Says::AllOf(t) => format!("all of these are needed ({}):", truth_word(*t)),
        Says::Criteria {
            criteria,
            met,
            clauses,
        } => criteria_line(ir, *criteria, *met, clauses),
        Says::Clause {
            criteria,
            clause,
            truth,
            detail,
        } => {
            // A clause's position comes from its criteria's own list.
            let c = ir.criteria[*criteria].clauses.get(*clause);
            let (label, condition) = match c {
                Some(c) => (c.label.as_str(), expr_text(ir, c.condition)),
                None => ("?", String::new()),
            };
            format!(
                "{label} is {}: {condition}{}",
                truth_word(*truth),
                detail_text(ir, detail.as_ref())
            )
        }
        Says::Smallest {
            criteria,
            needed,
            open,
        } => format!(
            "smallest change: {}",
            smallest(ir, *criteria, *needed, open)
        ),
        Says::Leaf {
            condition,
            truth,
            detail,
        } => format!(
            "{} is {}{}",
            expr_text(ir, *condition),
            truth_word(*truth),
            detail_text(ir, detail.as_ref())
        ),
    };
    format!("{pad}{text}")
}

fn criteria_line(ir: &Ir, c: CriteriaId, met: Option<bool>, truths: &[Option<bool>]) -> String {
    let crit = &ir.criteria[c];
    let n = crit.clauses.len();
    let held: Vec<&str> = crit
        .clauses
        .iter()
        .zip(truths)
        .filter(|(_, t)| **t == Some(true))
        .map(|(c, _)| c.label.as_str())
        .collect();
    let need = match &crit.require {
        Requirement::All if n == 1 => "its one clause".to_string(),
        Requirement::All => format!("all {n} clauses"),
        Requirement::Any => "any one clause".to_string(),
        Requirement::AtLeast(k) => format!("{k} of the {n} clauses"),
        Requirement::Expr(_) => "its own rule".to_string(),
    };
    let which = if held.is_empty() {
        String::new()
    } else {
        format!(" ({})", held.join(", "))
    };
    format!(
        "criteria `{}` is {}: it needs {need}; {} of {n} hold{which}",
        crit.name,
        truth_word(met),
        held.len()
    )
}

fn smallest(ir: &Ir, c: CriteriaId, needed: Needed, open: &[usize]) -> String {
    let labels: Vec<String> = open
        .iter()
        .filter_map(|i| ir.criteria[c].clauses.get(*i))
        .map(|clause| format!("`{}`", clause.label))
        .collect();
    match needed {
        Needed::More(k) => format!("make {k} more of {} true", labels.join(", ")),
        Needed::Any => format!("make any one of {} true", labels.join(", ")),
        Needed::All => format!("make {} true", labels.join(" and ")),
    }
}

/// ` — ` and the value behind a condition, or nothing.
fn detail_text(ir: &Ir, d: Option<&Detail>) -> String {
    let Some(d) = d else {
        return String::new();
    };
    let text = match d {
        Detail::Compare { left, value, gap } => {
            let left = match left {
                Side::Node(n) => expr_text(ir, *n),
                Side::Time(t) => time_text(ir, *t),
            };
            let gap = match gap {
                Some(Gap::More(x)) => format!("; {} more needed", num(*x)),
                Some(Gap::MoreThan(x)) => format!("; more than {} more needed", num(*x)),
                Some(Gap::TooMany(x)) => format!("; {} too many", num(*x)),
                Some(Gap::Missing) => {
                    "; the value is missing, so this is unknown until the CRM has it".to_string()
                }
                None => String::new(),
            };
            format!("{left} is {}{gap}", shown_text(value))
        }
        Detail::HoldsFrom(at) => format!(
            "holds from {} if the contact is still there",
            format_local(*at, ir.timezone)
        ),
        Detail::NobodyHolds(r) => format!(
            "nobody in the buying group holds the role `{}` ({})",
            ir.roles[*r].name,
            expr_text(ir, ir.roles[*r].condition)
        ),
        Detail::Is { of, value } => format!("{} is {}", expr_text(ir, *of), shown_text(value)),
        Detail::NotSeen { pattern, within } => format!(
            "no {}{} yet",
            pattern_text(ir, *pattern),
            within
                .map(|d| format!(" in the last {}", duration_text(d)))
                .unwrap_or_default()
        ),
    };
    if text.is_empty() {
        text
    } else {
        format!(" — {text}")
    }
}
