//! The stage-change matrix: every contact's (and account's) stage under
//! the old policy against the new, with example contacts per changed cell
//! and the first step at which their paths part.

use std::collections::BTreeMap;

use chrono_tz::Tz;
use serde::Serialize;

use crate::compile::Policy;
use crate::eval::StepFact;
use crate::ir::Entity;
use crate::report::explain::story_of;
use crate::report::journey::{PathStep, path_step};

use super::Side;

/// Shown for a contact one policy replayed and the other did not (its
/// rows were rejected by that policy's schema).
pub const NOT_REPLAYED: &str = "(not replayed)";
/// Example contacts shown per cell.
const EXAMPLES: usize = 3;

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

/// One replayed contact or account, borrowed from its journey: id,
/// account, stage, steps. The steps are written out as a path only for
/// the contact being compared: the paths of every journey of both sides
/// at once were the largest part of a diff's memory.
type Row<'a> = (&'a str, Option<&'a str>, &'a str, &'a [StepFact]);

fn contact_rows<'a>(s: &Side<'a>) -> Vec<Row<'a>> {
    journey_rows(s, &s.replayed.eval.journeys)
}

/// Contacts' or deals' journeys as rows (a deal's has a contact's shape).
fn journey_rows<'a>(s: &Side<'a>, journeys: &'a [crate::eval::Journey]) -> Vec<Row<'a>> {
    let ir = s.policy.ir();
    journeys
        .iter()
        .map(|j| {
            (
                j.contact.as_str(),
                j.account.as_deref(),
                ir.stage_name(j.stage),
                j.facts.steps.as_slice(),
            )
        })
        .collect()
}

fn account_rows<'a>(s: &Side<'a>) -> Vec<Row<'a>> {
    let ir = s.policy.ir();
    s.replayed
        .eval
        .accounts
        .iter()
        .map(|a| {
            (
                a.account.as_str(),
                None,
                ir.stage_name(a.stage),
                a.steps.as_slice(),
            )
        })
        .collect()
}

pub fn contacts(old: &Side, new: &Side, tz: Tz) -> StageChanges {
    compare(
        (old.policy, &contact_rows(old)),
        (new.policy, &contact_rows(new)),
        &order(old.policy, new.policy, Entity::Contact),
        new.replayed.eval.as_of,
        tz,
        true,
    )
}

pub fn accounts(old: &Side, new: &Side, tz: Tz) -> Option<StageChanges> {
    if old.replayed.eval.accounts.is_empty() && new.replayed.eval.accounts.is_empty() {
        return None;
    }
    Some(compare(
        (old.policy, &account_rows(old)),
        (new.policy, &account_rows(new)),
        &order(old.policy, new.policy, Entity::Account),
        new.replayed.eval.as_of,
        tz,
        false,
    ))
}

/// Deals, when either policy has replayed any.
pub fn deals(old: &Side, new: &Side, tz: Tz) -> Option<StageChanges> {
    if old.replayed.eval.deals.is_empty() && new.replayed.eval.deals.is_empty() {
        return None;
    }
    Some(compare(
        (old.policy, &journey_rows(old, &old.replayed.eval.deals)),
        (new.policy, &journey_rows(new, &new.replayed.eval.deals)),
        &order(old.policy, new.policy, Entity::Deal),
        new.replayed.eval.as_of,
        tz,
        false,
    ))
}

/// Stage names in the new policy's declared order, then the old policy's
/// stages it dropped, then "not replayed".
fn order(old: &Policy, new: &Policy, entity: Entity) -> Vec<String> {
    let names = |p: &Policy| -> Vec<String> {
        let m = p.ir();
        m.lifecycles
            .iter()
            .find(|l| l.entity == entity)
            .map(|l| l.stages.iter().map(|s| m.stages[*s].name.clone()).collect())
            .unwrap_or_default()
    };
    let mut out = names(new);
    for s in names(old) {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out.push(NOT_REPLAYED.into());
    out
}

fn compare(
    (old_policy, old): (&Policy, &[Row<'_>]),
    (new_policy, new): (&Policy, &[Row<'_>]),
    order: &[String],
    as_of: i64,
    tz: Tz,
    people: bool,
) -> StageChanges {
    let old: BTreeMap<&str, &Row> = old.iter().map(|r| (r.0, r)).collect();
    let new: BTreeMap<&str, &Row> = new.iter().map(|r| (r.0, r)).collect();
    let mut ids: Vec<&str> = old.keys().chain(new.keys()).copied().collect();
    ids.sort_unstable();
    ids.dedup();
    let rank = |s: &str| order.iter().position(|x| x == s).unwrap_or(order.len());
    let mut cells: BTreeMap<(usize, usize, String, String), MatrixCell> = BTreeMap::new();
    let (mut changed, mut rerouted) = (0, 0);
    for id in &ids {
        let (o, n) = (old.get(id), new.get(id));
        let os = o.map_or(NOT_REPLAYED, |r| r.2);
        let ns = n.map_or(NOT_REPLAYED, |r| r.2);
        let path = |policy: &Policy, r: Option<&&Row>| -> Vec<PathStep> {
            r.map_or(&[][..], |r| r.3)
                .iter()
                .map(|s| path_step(policy.ir(), s))
                .collect()
        };
        let (op, np) = (path(old_policy, o), path(new_policy, n));
        let (op, np) = (op.as_slice(), np.as_slice());
        let parted = first_difference(op, np);
        let cell = cells
            .entry((rank(os), rank(ns), os.to_string(), ns.to_string()))
            .or_insert_with(|| MatrixCell {
                old: os.to_string(),
                new: ns.to_string(),
                count: 0,
                rerouted: 0,
                examples: Vec::new(),
            });
        cell.count += 1;
        let moved = os != ns;
        if moved {
            changed += 1;
        } else if parted.is_some() {
            rerouted += 1;
            cell.rerouted += 1;
        }
        if let Some(k) = parted
            && cell.examples.len() < EXAMPLES
        {
            let who = if people { id } else { "" };
            let side = |path: &[PathStep]| -> Option<StepSide> {
                let step = path.get(k)?.clone();
                let story = story_of(path, who, as_of, tz).get(k).cloned()?;
                Some(StepSide { story, step })
            };
            cell.examples.push(Example {
                id: id.to_string(),
                account: o.or(n).and_then(|r| r.1).map(str::to_string),
                step: k + 1,
                old: side(op),
                new: side(np),
            });
        }
    }
    let total = ids.len();
    StageChanges {
        total,
        changed,
        changed_share: (total > 0).then(|| changed as f64 / total as f64),
        rerouted,
        matrix: cells.into_values().collect(),
    }
}

/// The index of the first step whose stage or entry time differs (what
/// triggered it may be written differently without it being a change:
/// line numbers move when a policy is edited).
fn first_difference(old: &[PathStep], new: &[PathStep]) -> Option<usize> {
    let key = |s: &PathStep| (s.stage.clone(), s.entered.clone());
    let k = old
        .iter()
        .zip(new)
        .position(|(a, b)| key(a) != key(b))
        .unwrap_or(old.len().min(new.len()));
    (k < old.len().max(new.len())).then_some(k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::journey::Trigger;

    fn step(stage: &str, entered: &str, line: Option<usize>) -> PathStep {
        PathStep {
            stage: stage.into(),
            entered: entered.into(),
            trigger: line.map(|line| Trigger::After {
                duration: "30d".into(),
                line,
            }),
            label: None,
            date_precision: false,
        }
    }

    #[test]
    fn paths_part_at_the_first_different_stage_or_time() {
        let a = vec![step("lead", "t1", None), step("mql", "t2", Some(3))];
        let mut b = a.clone();
        assert_eq!(first_difference(&a, &b), None);
        // Only the policy line moved: the same step.
        b[1] = step("mql", "t2", Some(9));
        assert_eq!(first_difference(&a, &b), None);
        b[1] = step("mql", "t3", None);
        assert_eq!(first_difference(&a, &b), Some(1));
        assert_eq!(first_difference(&a, &a[..1]), Some(1));
        assert_eq!(first_difference(&[], &a), Some(0));
    }
}
