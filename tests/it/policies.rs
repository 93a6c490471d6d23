//! The shipped policies: they check with no warnings and are formatted.

use detente::Policy;

use crate::{detente_files, relative};

#[test]
fn shipped_policies_check_clean_with_no_warnings() {
    let files = detente_files("policies");
    assert!(files.len() >= 2);
    for f in files {
        let source = std::fs::read_to_string(&f).unwrap();
        let policy =
            Policy::compile_named(&relative(&f), &source).unwrap_or_else(|d| panic!("{}", d));
        assert_eq!(policy.warnings().problems.len(), 0, "{}", policy.warnings());
    }
}

#[test]
fn shipped_policies_are_formatted() {
    for f in detente_files("policies") {
        let source = std::fs::read_to_string(&f).unwrap();
        let file = detente::syntax::parse(&source).unwrap();
        assert_eq!(
            detente::syntax::print::print(&file, &source),
            source,
            "{} is not formatted: run `detente fmt`",
            relative(&f)
        );
    }
}

#[test]
fn acme_state_machine_keeps_transition_order() {
    let source = std::fs::read_to_string(crate::root().join("policies/acme.detente")).unwrap();
    let policy = Policy::compile(&source).unwrap();
    let m = policy.ir();
    let machine = policy.machine(detente::Lifecycle::Contact).unwrap();
    let mql = m.stage_id(detente::Lifecycle::Contact, "mql").unwrap();
    let exits: Vec<String> = machine
        .exits(mql)
        .iter()
        .map(|t| m.transitions[*t].text.clone())
        .collect();
    // `any -> disqualified` comes first because it is written first.
    assert_eq!(
        exits,
        [
            "when competitor",
            "on sales_feedback where verdict == \"accept\"",
            "on sales_feedback where verdict == \"reject\"",
            "after 30d",
        ]
    );
    assert!(policy.hash().starts_with("sha256:"));
    // Range analysis: fit is at most 20+5+15+10+10 = 60, at least -50.
    let fit = m.score_id("fit").unwrap();
    assert_eq!(policy.score_bounds(fit), Some((-50.0, 60.0)));
}
