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

use crate::ir::*;

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

/// Which of `ir`'s values are steady, read off the facts `lower` worked
/// out (a score with `each` rules reads events, so it is not).
pub fn steady(ir: &Ir) -> Steady {
    Steady {
        scores: ir.scores.iter().map(|s| s.facts.steady).collect(),
        criteria: ir.criteria.iter().map(|c| c.facts.steady).collect(),
        roles: ir
            .roles
            .iter()
            .map(|r| ir.nodes.facts(r.condition).steady)
            .collect(),
        engaged: ir
            .buying_group
            .as_ref()
            .and_then(|g| g.engaged)
            .is_some_and(|e| ir.nodes.facts(e).steady),
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
        let model = policy.ir();
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
