//! What a stage's ways out can see beyond the contact itself, read off
//! the nodes' facts when the policy is compiled, so the replay need not
//! re-check every member of an account at every instant.
//!
//! Every event of an account is a check instant for all its members
//! (docs/engine.md, Replay). A member whose stage's conditions read only
//! its own fields, history, stage and SLAs, and whose time dependence is
//! all exact timers (check instants), cannot move at a colleague's event:
//! nothing it reads has changed since its own last check, and any change
//! that time alone brings has a timer of its own, which makes a check
//! instant for it. Such a member is checked only at its own events, its
//! own timers and the as-of time; skipping the other checks changes
//! nothing but the time taken. A member whose stage reads the buying
//! group, the account's stage or a time-dependent value no timer is
//! placed for (say `time_in_stage >= contact.expected_cycle` inside a
//! pattern) is checked at every instant.

use crate::ir::*;

use super::StateMachine;

/// What one stage's ways out watch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
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
pub fn watches(ir: &Ir, machines: &[StateMachine]) -> Vec<Watch> {
    ir.stages
        .enumerate()
        .map(|(id, stage)| {
            let mut read = Facts::STEADY;
            if let Some(machine) = machines.iter().find(|m| m.entity == stage.lifecycle) {
                for t in machine.exits(id) {
                    let tr = &ir.transitions[*t];
                    match &tr.trigger {
                        TriggerRule::When(c)
                        | TriggerRule::After {
                            unless: Some(c), ..
                        } => read = read.and(ir.nodes.facts(*c)),
                        // `on` fires only at the contact's own events;
                        // `after` is a timer.
                        TriggerRule::After { unless: None, .. } | TriggerRule::On(_) => {}
                    }
                }
            }
            Watch {
                always: read.group || read.unplaced || stage.lifecycle == Entity::Account,
                account_fields: read.account_fields,
                account_stage: read.account_stage,
            }
        })
        .collect()
}

/// For each buying-group role, then `engaged`: whether the condition
/// reads only its own member (and the account's fields), not the group
/// or the account's stage. The timer search keeps such a condition's
/// timers until the member changes (see `eval::timers::collect_for`).
pub fn own_conditions(ir: &Ir) -> Vec<bool> {
    let own = |c: &NodeId| !ir.nodes.facts(*c).group;
    let engaged = ir
        .buying_group
        .as_ref()
        .and_then(|g| g.engaged.as_ref())
        .is_none_or(own);
    ir.roles
        .iter()
        .map(|r| own(&r.condition))
        .chain([engaged])
        .collect()
}
