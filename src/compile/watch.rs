//! What a stage's ways out can see beyond the contact itself, worked out
//! when the policy is compiled so the replay need not re-check every
//! member of an account at every instant.
//!
//! Every event of an account is a check instant for all its members
//! (docs/engine.md, Replay). A member whose stage's conditions read only its own
//! fields, history, stage and SLAs, and whose time dependence is all exact
//! timers (check instants), cannot move at a colleague's event: nothing it
//! reads has changed since its own last check, and any change that time
//! alone brings has a timer of its own, which makes a check instant for
//! it. Such a member is checked only at its own events, its own timers and
//! the as-of time; skipping the other checks changes nothing but the time
//! taken. A member whose stage reads the buying group, the account's stage
//! or a time-dependent value no timer is placed for (say
//! `time_in_stage >= contact.expected_cycle`) is checked at every instant,
//! as written in the design.

use crate::check::model::*;
use crate::syntax::ast::Entity;

use super::StateMachine;

/// What one stage's ways out watch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Watch {
    /// Check at every instant of the account: the conditions read other
    /// members, the account's stage, or time in a way no timer tracks.
    pub always: bool,
    /// Check at every `account_update`: the conditions read account
    /// fields.
    pub account_fields: bool,
    /// Try again when the account moves: the conditions read
    /// `account.stage` (directly or through criteria).
    pub account_stage: bool,
}

/// One `Watch` per stage, by stage index (account stages included; the
/// account itself is checked at every instant anyway).
pub fn watches(model: &Model, machines: &[StateMachine]) -> Vec<Watch> {
    model
        .stages
        .iter()
        .enumerate()
        .map(|(s, stage)| {
            let id = StageId::from_index(s);
            let mut walk = Walk::new(model);
            if let Some(machine) = machines.iter().find(|m| m.entity == stage.lifecycle) {
                for t in machine.exits(id) {
                    let Some(tr) = model.transitions.get(t.index()) else {
                        continue;
                    };
                    match &tr.trigger {
                        TriggerRule::When(c) => walk.expr(c, false),
                        TriggerRule::After {
                            unless: Some(u), ..
                        } => walk.expr(u, false),
                        // `on` fires only at the contact's own events;
                        // `after` is a timer.
                        TriggerRule::After { unless: None, .. } | TriggerRule::On(_) => {}
                    }
                }
            }
            if stage.lifecycle == Entity::Account {
                walk.always = true;
            }
            Watch {
                always: walk.always,
                account_fields: walk.account_fields,
                account_stage: walk.account_stage,
            }
        })
        .collect()
}

struct Walk<'m> {
    model: &'m Model,
    always: bool,
    /// Reads the buying group or the account's stage.
    group: bool,
    account_fields: bool,
    account_stage: bool,
    /// Criteria and scores already walked, as bits: 1 outside a pattern,
    /// 2 inside one (which flags more).
    criteria_seen: Vec<u8>,
    scores_seen: Vec<u8>,
}

/// Marks `bit` in `seen[i]`; true when it was already there.
fn visited(seen: &mut [u8], i: usize, in_pattern: bool) -> bool {
    let bit = if in_pattern { 2 } else { 1 };
    match seen.get_mut(i) {
        Some(b) if *b & bit != 0 => true,
        Some(b) => {
            *b |= bit;
            false
        }
        None => true,
    }
}

impl<'m> Walk<'m> {
    fn new(model: &'m Model) -> Walk<'m> {
        Walk {
            model,
            always: false,
            group: false,
            account_fields: false,
            account_stage: false,
            criteria_seen: vec![0; model.criteria.len()],
            scores_seen: vec![0; model.scores.len()],
        }
    }

    /// `in_pattern`: inside an event pattern's condition, which no timer
    /// looks into, so anything that changes with time there is untracked.
    fn expr(&mut self, e: &Expr, in_pattern: bool) {
        match e {
            Expr::AccountStage => {
                self.always = true;
                self.group = true;
                self.account_stage = true;
            }
            Expr::GroupHas(_)
            | Expr::GroupCount(_)
            | Expr::GroupEngaged
            | Expr::GroupSize
            | Expr::GroupIn(_)
            | Expr::GroupQualified => {
                self.always = true;
                self.group = true;
            }
            Expr::AccountField(_) => self.account_fields = true,
            Expr::Compare(..) if !in_pattern && self.model.timed_leaf(e).is_some() => {
                // The comparisons the timer search solves exactly: only
                // what is inside their operands remains to be seen.
                if let Some(leaf) = self.model.timed_leaf(e) {
                    match leaf.time {
                        TimeSide::DaysSince(p) => self.pattern(p),
                        TimeSide::Decay(s) => self.score_rules(s, in_pattern),
                        TimeSide::TimeInStage => {}
                    }
                    self.expr(leaf.bound, in_pattern);
                }
            }
            Expr::TimeInStage => self.always = true,
            Expr::DaysSince(p) => {
                self.always = true;
                self.pattern(p);
            }
            Expr::Score(s) => {
                if self.model.decays(*s) {
                    self.always = true;
                }
                self.score_rules(*s, in_pattern);
            }
            Expr::Seen { pattern, within } | Expr::Count { pattern, within } => {
                // Window ends are timers, but not inside a pattern.
                if in_pattern && within.is_some() {
                    self.always = true;
                }
                self.pattern(pattern);
            }
            Expr::Breached(_) if in_pattern => self.always = true,
            Expr::Criteria(c) => {
                if visited(&mut self.criteria_seen, c.index(), in_pattern) {
                    return;
                }
                if let Some(crit) = self.model.criteria.get(c.index()) {
                    for cl in &crit.clauses {
                        self.expr(&cl.condition, in_pattern);
                    }
                    if let Requirement::Expr(x) = &crit.require {
                        self.expr(x, in_pattern);
                    }
                }
            }
            other => {
                for child in other.children() {
                    self.expr(child, in_pattern);
                }
            }
        }
    }

    fn pattern(&mut self, p: &Pattern) {
        if let Some(c) = &p.condition {
            self.expr(c, true);
        }
    }

    fn score_rules(&mut self, s: ScoreId, in_pattern: bool) {
        if visited(&mut self.scores_seen, s.index(), in_pattern) {
            return;
        }
        if let Some(score) = self.model.scores.get(s.index()) {
            for rule in &score.rules {
                // `each` points are earned as events happen, not at checks.
                if let ScoreRule::When { condition, .. } = rule {
                    self.expr(condition, in_pattern);
                }
            }
        }
    }
}

/// For each buying-group role, then `engaged`: whether the condition
/// reads only its own member (and the account's fields), not the group
/// or the account's stage. The timer search keeps such a condition's
/// timers until the member changes (see `eval::timers::collect_for`).
pub fn own_conditions(model: &Model) -> Vec<bool> {
    let own = |e: &Expr| {
        let mut walk = Walk::new(model);
        walk.expr(e, false);
        !walk.group
    };
    let engaged = model
        .buying_group
        .as_ref()
        .and_then(|g| g.engaged.as_ref())
        .is_none_or(own);
    model
        .roles
        .iter()
        .map(|r| own(&r.condition))
        .chain([engaged])
        .collect()
}
