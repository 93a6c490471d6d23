//! Whether every way time alone can change a transition's condition is a
//! timer placed at the exact instant: a timed leaf ([`TimedLeaf`]:
//! `time_in_stage`, `days_since(..)` or a decaying score compared with a
//! bound time does not change), a `within` window, an SLA deadline.
//!
//! The checker refuses any other read of time in a condition (E026), so a
//! checked policy's conditions are always placed; a model built some
//! other way (tests) may not be, and then every timer instant may matter,
//! so the replay looks for each timer both ways. When
//! every change is placed, a `when` condition needs a check only where it
//! may start to hold (see `eval::timers::Wanted`), and a decaying score's
//! fall or a closing window under `>=`/`seen` needs no search at all.

use crate::check::model::*;

/// Whether every change with time alone of every transition condition
/// (`when`, `unless`) of `model` has a timer placed at its instant.
pub fn every_change_placed(model: &Model) -> bool {
    let mut walk = Walk {
        model,
        criteria: vec![None; model.criteria.len()],
        scores: vec![None; model.scores.len()],
    };
    model.transitions.iter().all(|t| match &t.trigger {
        TriggerRule::When(c) => walk.expr(c),
        TriggerRule::After {
            unless: Some(u), ..
        } => walk.expr(u),
        TriggerRule::After { unless: None, .. } | TriggerRule::On(_) => true,
    })
}

struct Walk<'m> {
    model: &'m Model,
    /// Answers so far (`Some(false)` while one is being worked out: a
    /// cycle the checker let through counts as not placed).
    criteria: Vec<Option<bool>>,
    scores: Vec<Option<bool>>,
}

impl Walk<'_> {
    fn expr(&mut self, e: &Expr) -> bool {
        let model = self.model;
        match e {
            Expr::Compare(_, l, r) => {
                match model.timed_leaf(e) {
                    // The flip is placed; what the bound reads (a score's
                    // `when` rules) and a decaying score's own rules must
                    // be placed too.
                    Some(TimedLeaf { time, bound, .. }) => {
                        let rules = match time {
                            TimeSide::Decay(s) => self.score_rules(s),
                            TimeSide::TimeInStage | TimeSide::DaysSince(_) => true,
                        };
                        rules && self.expr(bound)
                    }
                    None => self.expr(l) && self.expr(r),
                }
            }
            // Outside the shapes above, nothing places their changes.
            Expr::TimeInStage | Expr::DaysSince(_) | Expr::Metric(_) => false,
            Expr::Score(s) => !model.decays(*s) && self.score_rules(*s),
            Expr::Criteria(c) => self.criteria(c.index()),
            Expr::GroupHas(r) | Expr::GroupCount(r) => model
                .roles
                .get(r.index())
                .is_none_or(|role| self.expr(&role.condition)),
            Expr::GroupEngaged => {
                let engaged = model.buying_group.as_ref().and_then(|g| g.engaged.as_ref());
                engaged.is_none_or(|c| self.expr(c))
            }
            Expr::GroupQualified => {
                let qualified = model
                    .buying_group
                    .as_ref()
                    .and_then(|g| g.qualified.as_ref());
                qualified.is_none_or(|c| self.expr(c))
            }
            // Windows and deadlines have their timers wherever they stand.
            _ => e.children().into_iter().all(|x| self.expr(x)),
        }
    }

    fn score_rules(&mut self, s: ScoreId) -> bool {
        let i = s.index();
        if let Some(known) = self.scores.get(i).copied().flatten() {
            return known;
        }
        if let Some(slot) = self.scores.get_mut(i) {
            *slot = Some(false);
        }
        let model = self.model;
        let placed = model.scores.get(i).is_none_or(|score| {
            score.rules.iter().all(|rule| match rule {
                ScoreRule::When { condition, .. } => self.expr(condition),
                ScoreRule::Each { .. } => true,
            })
        });
        if let Some(slot) = self.scores.get_mut(i) {
            *slot = Some(placed);
        }
        placed
    }

    fn criteria(&mut self, c: usize) -> bool {
        if let Some(known) = self.criteria.get(c).copied().flatten() {
            return known;
        }
        if let Some(slot) = self.criteria.get_mut(c) {
            *slot = Some(false);
        }
        let model = self.model;
        let placed = model
            .criteria
            .get(c)
            .is_none_or(|crit| crit.clauses.iter().all(|cl| self.expr(&cl.condition)));
        if let Some(slot) = self.criteria.get_mut(c) {
            *slot = Some(placed);
        }
        placed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(text: &str) -> Model {
        match crate::Policy::compile(text) {
            Ok(p) => p.model().clone(),
            Err(d) => unreachable!("{d}"),
        }
    }

    /// Acme's conditions read time only in timed leaves, and so does a
    /// decaying score compared with one that does not decay (its bound);
    /// the checker refuses `days_since` inside arithmetic (E026), so no
    /// checked policy is left unplaced.
    #[test]
    fn timed_leaves_count_as_placed() {
        let acme = std::fs::read_to_string("policies/acme.detente").unwrap_or_default();
        assert!(every_change_placed(&model(&acme)));
        let two_scores = acme.replace(
            "lead -> mql             when mql or (hand_raiser and fit >= 20)",
            "lead -> mql             when mql or engagement >= fit",
        );
        assert!(every_change_placed(&model(&two_scores)));
        let arithmetic = acme.replace(
            "lead -> mql             when mql or (hand_raiser and fit >= 20)",
            "lead -> mql             when mql or days_since(pricing_visit) * 2 >= 9",
        );
        assert!(crate::Policy::compile(&arithmetic).is_err());
    }
}
