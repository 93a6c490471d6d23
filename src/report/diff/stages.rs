//! The stage-change matrix: every contact's (and account's) stage under
//! the old policy against the new, with example contacts per changed cell
//! and the first step at which their paths part.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::eval::{AccountJourney, Journey, StepFact};
use crate::ir::Entity;
use crate::report::journey::PathStep;

use super::Side;
use super::matrix::{Matrix, Subject};

/// Shown for a contact one policy replayed and the other did not (its
/// rows were rejected by that policy's schema).
pub const NOT_REPLAYED: &str = "(not replayed)";

#[derive(Debug, Clone, Serialize)]
pub struct StageChanges {
    pub total: usize,
    /// Whose stage differs between the policies.
    pub changed: usize,
    /// `changed ÷ total`.
    pub changed_share: Option<f64>,
    /// Whose stage is the same but reached by another path or at another
    /// time.
    pub rerouted: usize,
    /// Every non-empty cell, in the stages' declared order (old stage,
    /// then new).
    pub matrix: Vec<MatrixCell>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MatrixCell {
    pub old: String,
    pub new: String,
    pub count: usize,
    /// On the diagonal: how many of `count` took another path.
    pub rerouted: usize,
    /// A few of the contacts that moved (or were rerouted), by id.
    pub examples: Vec<Example>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Example {
    pub id: String,
    pub account: Option<String>,
    /// The first step (1-based) at which the two paths differ.
    pub step: usize,
    /// That step under each policy; `None` when the path ended before it.
    pub old: Option<StepSide>,
    pub new: Option<StepSide>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepSide {
    /// The step in plain English, local time, as `detente explain` tells it.
    pub story: String,
    /// The step as in the journey's `path`.
    pub step: PathStep,
}

/// Every contact replayed by either side, compared.
pub fn contacts(old: &Side, new: &Side) -> StageChanges {
    let (o, n) = (&old.replayed.eval.journeys, &new.replayed.eval.journeys);
    compare(old, new, Entity::Contact, journeys(o), journeys(n))
}

/// Every account, when either side has an account lifecycle.
pub fn accounts(old: &Side, new: &Side) -> Option<StageChanges> {
    let (o, n) = (&old.replayed.eval.accounts, &new.replayed.eval.accounts);
    if o.is_empty() && n.is_empty() {
        return None;
    }
    Some(compare(
        old,
        new,
        Entity::Account,
        accounts_by_id(o),
        accounts_by_id(n),
    ))
}

/// Deals, when either policy has replayed any.
pub fn deals(old: &Side, new: &Side) -> Option<StageChanges> {
    let (o, n) = (&old.replayed.eval.deals, &new.replayed.eval.deals);
    if o.is_empty() && n.is_empty() {
        return None;
    }
    Some(compare(old, new, Entity::Deal, journeys(o), journeys(n)))
}

/// Accounts' journeys by id.
fn accounts_by_id(a: &[AccountJourney]) -> BTreeMap<&str, Subject<'_, StepFact>> {
    a.iter()
        .map(|a| (a.account.as_str(), Subject::account(a)))
        .collect()
}

/// Contacts' or deals' journeys by id (a deal's has a contact's shape).
fn journeys(js: &[Journey]) -> BTreeMap<&str, Subject<'_, StepFact>> {
    js.iter()
        .map(|j| (j.contact.as_str(), Subject::journey(j)))
        .collect()
}

/// Every id of either side, in order, into one matrix.
fn compare<'s>(
    old: &Side,
    new: &Side,
    entity: Entity,
    mut o: BTreeMap<&'s str, Subject<'s, StepFact>>,
    mut n: BTreeMap<&'s str, Subject<'s, StepFact>>,
) -> StageChanges {
    let mut ids: Vec<&str> = o.keys().chain(n.keys()).copied().collect();
    ids.sort_unstable();
    ids.dedup();
    let mut matrix = Matrix::new(old.policy, new.policy, entity, new.replayed.eval.as_of);
    for id in ids {
        matrix.add(id, o.remove(id), n.remove(id));
    }
    matrix.finish()
}
