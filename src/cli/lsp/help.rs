//! What the editor says about a name or a function (hover), in the words
//! of docs/language.md.

use detente::syntax::outline::{Symbol, SymbolKind};

/// A function: its signature, what it returns, and where it may stand.
pub struct Function {
    pub name: &'static str,
    pub signature: &'static str,
    pub doc: &'static str,
    /// Usable in a metric or incentive (else in a condition about one
    /// subject; `min` and `max` both).
    pub metric: bool,
    pub condition: bool,
}

const fn f(
    name: &'static str,
    signature: &'static str,
    doc: &'static str,
    condition: bool,
    metric: bool,
) -> Function {
    Function {
        name,
        signature,
        doc,
        metric,
        condition,
    }
}

pub const FUNCTIONS: &[Function] = &[
    f(
        "seen",
        "seen(PATTERN [within DURATION])",
        "True when the subject's history has a matching event (within the duration before now).",
        true,
        false,
    ),
    f(
        "count",
        "count(PATTERN [within DURATION])  ·  count(PATTERN [where C])  ·  count(entered STAGE [where C])",
        "In a condition: how many matching events the subject has. In a metric: the period's events, or the subjects that entered the stage in the period, each once.",
        true,
        true,
    ),
    f(
        "last",
        "last(PATTERN).FIELD",
        "The field of the most recent matching event; missing when there is none.",
        true,
        false,
    ),
    f(
        "days_since",
        "days_since(PATTERN)",
        "Days (a plain number, with fractions) since the most recent matching event; missing when there is none. Compare it with a number: `days_since(webinar) <= 30`.",
        true,
        false,
    ),
    f(
        "stage_entered",
        "stage_entered(STAGE)",
        "True once the subject has entered the stage.",
        true,
        false,
    ),
    f(
        "breached",
        "breached(SLA)",
        "True when the subject's latest instance of the SLA is overdue or was met late; false when met in time or cancelled.",
        true,
        false,
    ),
    f(
        "min",
        "min(A, B, ...)",
        "The smallest value; missing when any is. Values of one unit.",
        true,
        true,
    ),
    f(
        "max",
        "max(A, B, ...)",
        "The largest value; missing when any is. Values of one unit.",
        true,
        true,
    ),
    f(
        "sum",
        "sum(EVENT.FIELD [where C])  ·  sum(entered STAGE .FIELD [where C])",
        "The field added up over the period's events, or over each subject entering the stage (as it was at its entry). A sum of nothing is 0.",
        false,
        true,
    ),
    f(
        "avg",
        "avg(EVENT.FIELD [where C])  ·  avg(entered STAGE .FIELD)  ·  avg(days(A -> B))",
        "The average over the period; no data when there is nothing to average.",
        false,
        true,
    ),
    f(
        "median",
        "median(EVENT.FIELD [where C])  ·  median(entered STAGE .FIELD)  ·  median(days(A -> B))",
        "The median over the period; no data when there is nothing.",
        false,
        true,
    ),
    f(
        "p90",
        "p90(EVENT.FIELD [where C])  ·  p90(entered STAGE .FIELD)  ·  p90(days(A -> B))",
        "The 90th percentile over the period; no data when there is nothing.",
        false,
        true,
    ),
    f(
        "conversion",
        "conversion(A -> B [where C])",
        "Of the subjects that first entered A in the period, the share that reached B.",
        false,
        true,
    ),
    f(
        "days",
        "days(A -> B [where C])",
        "The days each subject took from A to B, counted in the period B was reached; only inside avg, median or p90.",
        false,
        true,
    ),
    f(
        "attainment",
        "attainment(SLA [where C])",
        "Of the SLA's instances due in the period, the share met in time.",
        false,
        true,
    ),
    f(
        "share",
        "share(T by TEAM)",
        "T's share of all the team's touches in the period.",
        false,
        true,
    ),
];

/// The hover text of a definition.
pub fn describe(s: &Symbol) -> String {
    let what = match s.kind {
        SymbolKind::Policy => "policy".to_string(),
        SymbolKind::Schema(e) => format!("{} schema", e.keyword()),
        SymbolKind::Field(e) => format!("{} field", e.keyword()),
        SymbolKind::Event => "event".into(),
        SymbolKind::EventField => "event field".into(),
        SymbolKind::Touchpoint => "touchpoint".into(),
        SymbolKind::Score => "score".into(),
        SymbolKind::Criteria => "criteria".into(),
        SymbolKind::Clause => "criteria clause".into(),
        SymbolKind::Role => "buying-group role".into(),
        SymbolKind::DealRole => "deal role".into(),
        SymbolKind::BuyingGroup => "buying group".into(),
        SymbolKind::Lifecycle(e) => format!("{} lifecycle", e.keyword()),
        SymbolKind::Stage(e) => format!("stage of the {} lifecycle", e.keyword()),
        SymbolKind::Sla => "SLA".into(),
        SymbolKind::Metric => "metric".into(),
        SymbolKind::Incentive => "incentive".into(),
    };
    let mut out = format!("**{what}** `{}`", s.name);
    if let Some(d) = &s.description {
        out.push_str(&format!("\n\n{d}"));
    }
    if let Some(o) = &s.owner {
        let who = if s.kind == SymbolKind::Incentive {
            "teams"
        } else {
            "owner"
        };
        out.push_str(&format!("\n\n{who}: {o}"));
    }
    if let Some(d) = &s.detail {
        out.push_str(&format!("\n\n```detente\n{d}\n```"));
    }
    out
}

pub fn describe_function(f: &Function) -> String {
    format!("```detente\n{}\n```\n\n{}", f.signature, f.doc)
}

#[cfg(test)]
mod tests {
    use super::FUNCTIONS;
    use detente::check::expr::{CONTACT_FUNCS, METRIC_FUNCS};

    /// Every function the checker knows has its hover text and is
    /// offered where the checker accepts it.
    #[test]
    fn every_function_of_the_checker_has_its_help() {
        for f in CONTACT_FUNCS {
            assert!(FUNCTIONS.iter().any(|h| h.name == *f && h.condition), "{f}");
        }
        for f in METRIC_FUNCS {
            assert!(FUNCTIONS.iter().any(|h| h.name == *f && h.metric), "{f}");
        }
        assert_eq!(FUNCTIONS.len(), 16);
    }
}
