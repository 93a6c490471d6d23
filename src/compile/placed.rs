//! Whether every way time alone can change a transition's condition is a
//! timer placed at the exact instant: a timed comparison
//! ([`Node::Timed`]), a `within` window, an SLA deadline. Read off the
//! nodes' facts (`Facts::unplaced`), worked out once by `lower`.
//!
//! The checker refuses any other read of time in a condition (E026), so a
//! checked policy's conditions are always placed. When every change is
//! placed, a `when` condition needs a check only where it may start to
//! hold (see `eval::timers::Wanted`), and a decaying score's fall or a
//! closing window under `>=`/`seen` needs no search at all; otherwise the
//! replay looks for each timer both ways.

use crate::ir::*;

/// Whether every change with time alone of every transition condition
/// (`when`, `unless`) has a timer placed at its instant.
pub fn every_change_placed(ir: &Ir) -> bool {
    ir.transitions.iter().all(|t| match &t.trigger {
        TriggerRule::When(c)
        | TriggerRule::After {
            unless: Some(c), ..
        } => !ir.nodes.facts(*c).unplaced,
        TriggerRule::After { unless: None, .. } | TriggerRule::On(_) => true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ir(text: &str) -> Ir {
        match crate::Policy::compile(text) {
            Ok(p) => p.ir().clone(),
            Err(d) => unreachable!("{d}"),
        }
    }

    /// Acme's conditions read time only in timed comparisons, and so does
    /// a decaying score compared with one that does not decay (its
    /// bound); the checker refuses `days_since` inside arithmetic (E026),
    /// so no checked policy is left unplaced.
    #[test]
    fn timed_comparisons_count_as_placed() {
        let acme = std::fs::read_to_string("policies/acme.detente").unwrap_or_default();
        assert!(every_change_placed(&ir(&acme)));
        let two_scores = acme.replace(
            "lead -> mql             when mql or (hand_raiser and fit >= 20)",
            "lead -> mql             when mql or engagement >= fit",
        );
        assert!(every_change_placed(&ir(&two_scores)));
        let arithmetic = acme.replace(
            "lead -> mql             when mql or (hand_raiser and fit >= 20)",
            "lead -> mql             when mql or days_since(pricing_visit) * 2 >= 9",
        );
        assert!(crate::Policy::compile(&arithmetic).is_err());
    }
}
