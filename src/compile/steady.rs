//! Which scores, criteria and buying-group conditions are *steady*: they
//! read nothing but the contact's and its account's fields and constants,
//! so their value changes only when a field does (an `update` or
//! `account_update` event). `fit`, `competitor`, a role read off the job
//! title are steady; anything that reads events, time, stages, SLAs or the
//! buying group is not.
//!
//! The replay works a steady value out once per member and keeps it until
//! a field changes, instead of once per check instant: a role's regular
//! expression on the job title was run again after every event of the
//! account.

use crate::check::model::*;

/// Which values are steady, by index.
#[derive(Debug, Clone, Default)]
pub struct Steady {
    pub scores: Vec<bool>,
    pub criteria: Vec<bool>,
    pub roles: Vec<bool>,
    pub engaged: bool,
}

impl Steady {
    /// Whether score `s` is steady.
    pub fn score(&self, s: ScoreId) -> bool {
        self.scores.get(s.index()) == Some(&true)
    }

    /// Whether criteria `c` is steady.
    pub fn criteria(&self, c: CriteriaId) -> bool {
        self.criteria.get(c.index()) == Some(&true)
    }

    /// Whether buying-group role `r` is steady.
    pub fn role(&self, r: RoleId) -> bool {
        self.roles.get(r.index()) == Some(&true)
    }
}

/// Works out which of `model`'s values are steady.
pub fn steady(model: &Model) -> Steady {
    let mut walk = Walk {
        model,
        scores: vec![State::Unknown; model.scores.len()],
        criteria: vec![State::Unknown; model.criteria.len()],
    };
    let scores = (0..model.scores.len()).map(|s| walk.score(s)).collect();
    let criteria = (0..model.criteria.len())
        .map(|c| walk.criteria(c))
        .collect();
    let roles = model
        .roles
        .iter()
        .map(|r| walk.expr(&r.condition))
        .collect();
    let engaged = model
        .buying_group
        .as_ref()
        .and_then(|g| g.engaged.as_ref())
        .is_some_and(|e| walk.expr(e));
    Steady {
        scores,
        criteria,
        roles,
        engaged,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Unknown,
    /// Being worked out: a criteria that reaches itself again is not
    /// treated as steady (the checker rejects such cycles anyway).
    Visiting,
    Known(bool),
}

struct Walk<'m> {
    model: &'m Model,
    scores: Vec<State>,
    criteria: Vec<State>,
}

impl Walk<'_> {
    /// `work` for item `i` of the table `pick` chooses, worked out once.
    fn once(
        &mut self,
        pick: fn(&mut Self) -> &mut Vec<State>,
        i: usize,
        work: fn(&mut Self, usize) -> bool,
    ) -> bool {
        match pick(self).get(i).copied() {
            Some(State::Known(b)) => return b,
            Some(State::Unknown) => {}
            Some(State::Visiting) | None => return false,
        }
        if let Some(x) = pick(self).get_mut(i) {
            *x = State::Visiting;
        }
        let steady = work(self, i);
        if let Some(x) = pick(self).get_mut(i) {
            *x = State::Known(steady);
        }
        steady
    }

    fn score(&mut self, s: usize) -> bool {
        self.once(
            |w| &mut w.scores,
            s,
            |w, s| {
                let model = w.model;
                // `each` points are earned from events: such a score is not
                // steady.
                model.scores.get(s).is_some_and(|score| {
                    score.rules.iter().all(|rule| match rule {
                        ScoreRule::Each { .. } => false,
                        ScoreRule::When { condition, .. } => w.expr(condition),
                    })
                })
            },
        )
    }

    fn criteria(&mut self, c: usize) -> bool {
        self.once(
            |w| &mut w.criteria,
            c,
            |w, c| {
                let model = w.model;
                model.criteria.get(c).is_some_and(|crit| {
                    crit.clauses.iter().all(|cl| w.expr(&cl.condition))
                        && match &crit.require {
                            Requirement::Expr(x) => w.expr(x),
                            _ => true,
                        }
                })
            },
        )
    }

    fn expr(&mut self, e: &Expr) -> bool {
        match e {
            Expr::Const(_) | Expr::ContactField(_) | Expr::AccountField(_) => true,
            // A clause of the criteria being read: steady when its
            // clauses are, which `criteria` checks.
            Expr::Clause(_) => true,
            Expr::Score(s) => self.score(s.index()),
            Expr::Criteria(c) => self.criteria(c.index()),
            Expr::Not(_)
            | Expr::Neg(_)
            | Expr::And(..)
            | Expr::Or(..)
            | Expr::Compare(..)
            | Expr::Arith(..)
            | Expr::In { .. }
            | Expr::Text(..)
            | Expr::Matches(..)
            | Expr::Missing { .. }
            | Expr::List(_)
            | Expr::Min(_)
            | Expr::Max(_) => e.children().into_iter().all(|c| self.expr(c)),
            // Events, time, stages, SLAs, the buying group, aggregates.
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_only_values_are_steady_and_the_rest_are_not() {
        let text = std::fs::read_to_string("policies/acme.detente").unwrap_or_default();
        let policy = crate::Policy::compile(&text).ok();
        let Some(policy) = policy else {
            unreachable!("policies/acme.detente compiles");
        };
        let model = policy.model();
        let s = steady(model);
        // Whether the value named `name` in `names` is steady.
        fn of<'n>(names: impl Iterator<Item = &'n str>, marks: &[bool], name: &str) -> bool {
            names.zip(marks).any(|(n, steady)| n == name && *steady)
        }
        let score = |n| of(model.scores.iter().map(|x| x.name.as_str()), &s.scores, n);
        let criteria = |n| {
            of(
                model.criteria.iter().map(|x| x.name.as_str()),
                &s.criteria,
                n,
            )
        };
        let role = |n| of(model.roles.iter().map(|x| x.name.as_str()), &s.roles, n);
        // Read off the contact's and account's fields only.
        assert!(score("fit"));
        assert!(criteria("competitor"));
        assert!(role("economic_buyer"));
        assert!(role("technical_evaluator"));
        // Earned from events, read off time, or off the group.
        assert!(!score("engagement"));
        assert!(!role("champion"));
        assert!(!criteria("mql"));
        assert!(!criteria("sql"));
        assert!(!s.engaged);
    }
}
