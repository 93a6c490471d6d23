//! Every example of the design's LANGUAGE.md, assembled into one policy in
//! `tests/fixtures/design/language.detente`, parses, checks (no errors) and
//! means what the design says.

use detente::Policy;
use detente::diagnostic::render_graphical;
use detente::ir::{Duration, TriggerRule};

fn design() -> Policy {
    let source =
        std::fs::read_to_string(crate::root().join("tests/fixtures/design/language.detente"))
            .unwrap();
    Policy::compile_named("tests/fixtures/design/language.detente", &source)
        .unwrap_or_else(|d| panic!("{d}"))
}

#[test]
fn design_examples_check_without_errors() {
    let p = design();
    // The design's own example leaves some stages without owners and one
    // role unused; those are warnings, reported as such.
    insta::assert_snapshot!(render_graphical(p.warnings(), false));
}

#[test]
fn design_examples_mean_what_they_say() {
    let p = design();
    let m = p.ir();
    assert_eq!(m.name, "Acme B2B revenue policy");
    assert_eq!(m.version, Some(3));
    assert_eq!(m.timezone, chrono_tz::Europe::London);
    assert_eq!(m.fiscal_year_start_month, 4);
    assert_eq!(m.holidays.len(), 3);
    // fit is at most 45: the design's own range-analysis example.
    let fit = m.score_id("fit").unwrap();
    assert_eq!(p.score_bounds(fit), Some((-50.0, 45.0)));
    // SLA durations as written.
    let within: Vec<Duration> = m.slas.iter().map(|s| s.within).collect();
    assert_eq!(
        within,
        [
            Duration::BusinessHours(16),
            Duration::Minutes(48 * 60),
            Duration::Days(7)
        ]
    );
    // `mql -> recycled after 30d` keeps its label for reports.
    let after = m
        .transitions
        .iter()
        .find(|t| {
            matches!(t.trigger, TriggerRule::After { .. })
                && t.label.as_deref() == Some("no sales action in 30 days")
        })
        .unwrap();
    assert!(matches!(
        after.trigger,
        TriggerRule::After {
            duration: Duration::Days(30),
            unless: None
        }
    ));
    // Detours and finals.
    let stage = |n: &str| m.stages.iter().find(|s| s.name == n).unwrap();
    assert!(stage("recycled").detour && !stage("recycled").is_final);
    assert!(stage("churned").detour && stage("churned").is_final);
    assert!(stage("subscriber").initial);
}
