//! Whether every way time alone can change a transition's condition is a
//! timer placed at the exact instant (LANGUAGE.md §8): `time_in_stage`
//! or `days_since(..)` compared with a constant, a decaying score compared
//! with a constant, a `within` window, an SLA deadline.
//!
//! A condition that reads time some other way (`days_since(x) * 2 >= 9`,
//! `engagement >= fit`) has no timer of its own: it is tried at whatever
//! check instants the others make. In such a policy every timer instant
//! may matter to it, so the replay looks for each timer both ways. When
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
            Expr::Compare(_, l, r) => match (&**l, &**r) {
                (Expr::TimeInStage, Expr::Const(Value::Duration(_)))
                | (Expr::Const(Value::Duration(_)), Expr::TimeInStage)
                | (Expr::DaysSince(_), Expr::Const(Value::Number(_)))
                | (Expr::Const(Value::Number(_)), Expr::DaysSince(_)) => true,
                // The crossing is solved; the score's `when` rules must be
                // placed too.
                (Expr::Score(s), Expr::Const(_)) | (Expr::Const(_), Expr::Score(s)) => {
                    self.score_rules(*s)
                }
                _ => self.expr(l) && self.expr(r),
            },
            // Outside the shapes above, nothing places their changes.
            Expr::TimeInStage | Expr::DaysSince(_) | Expr::Metric(_) => false,
            Expr::Score(s) => {
                let decays = model
                    .scores
                    .get(s.index())
                    .is_some_and(|x| x.half_life.is_some());
                !decays && self.score_rules(*s)
            }
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

    /// Acme's conditions read time only in shapes with timers; a
    /// `days_since` inside arithmetic, or a decaying score compared with
    /// another score, has none.
    #[test]
    fn only_the_shapes_with_timers_count_as_placed() {
        let acme = std::fs::read_to_string("policies/acme.detente").unwrap_or_default();
        assert!(every_change_placed(&model(&acme)));
        let arithmetic = acme.replace(
            "lead -> mql             when mql or (hand_raiser and fit >= 20)",
            "lead -> mql             when mql or days_since(pricing_visit) * 2 >= 9",
        );
        assert!(!every_change_placed(&model(&arithmetic)));
        let two_scores = acme.replace(
            "lead -> mql             when mql or (hand_raiser and fit >= 20)",
            "lead -> mql             when mql or engagement >= fit",
        );
        assert!(!every_change_placed(&model(&two_scores)));
    }
}
