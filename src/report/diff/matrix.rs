//! The stage-change matrix counted one contact (or account, or deal) at
//! a time, in any order: each subject's stage under the old policy
//! against the new lands in one cell, and each cell keeps as examples the
//! subjects with the smallest ids whose paths part, so that the matrix is
//! the same however the subjects come (a whole replay in id order, or a
//! replay read a batch of accounts at a time).

use std::collections::BTreeMap;

use chrono_tz::Tz;

use crate::compile::Policy;
use crate::data::time::Instant;
use crate::eval::journey::Tipped;
use crate::eval::state::Cause;
use crate::eval::{EventOf, Marks, StepFact};
use crate::ir::{Entity, StageId};
use crate::report::explain::story_of;
use crate::report::journey::{PathStep, path_step};

use super::stages::{Example, MatrixCell, NOT_REPLAYED, StageChanges, StepSide};

/// Example subjects shown per cell.
const EXAMPLES: usize = 3;

/// One step of a path, as the matrix reads it: its stage and instant to
/// compare, the whole step to tell an example's story.
pub(super) trait Step {
    fn stage(&self) -> StageId;
    fn entered(&self) -> Instant;
    fn fact(&self) -> StepFact;
}

impl Step for StepFact {
    fn stage(&self) -> StageId {
        self.stage
    }
    fn entered(&self) -> Instant {
        self.entered
    }
    fn fact(&self) -> StepFact {
        self.clone()
    }
}

/// A step as a diff keeps it of the old policy's replay while the new
/// one's is read: what its story tells, without what metrics read at the
/// entry (a third of a `StepFact`'s size, the largest part of a diff's
/// memory).
#[derive(Debug, Clone)]
pub(super) struct KeptStep {
    stage: StageId,
    entered: Instant,
    cause: Cause,
    event: Option<EventOf>,
    date_precision: bool,
    /// Boxed: most steps have nothing here.
    tipped: Option<Box<Tipped>>,
}

impl KeptStep {
    pub(super) fn of(s: &StepFact) -> KeptStep {
        KeptStep {
            stage: s.stage,
            entered: s.entered,
            cause: s.cause.clone(),
            event: s.event,
            date_precision: s.date_precision,
            tipped: (s.tipped != Tipped::default()).then(|| Box::new(s.tipped.clone())),
        }
    }
}

impl Step for KeptStep {
    fn stage(&self) -> StageId {
        self.stage
    }
    fn entered(&self) -> Instant {
        self.entered
    }
    fn fact(&self) -> StepFact {
        StepFact {
            stage: self.stage,
            entered: self.entered,
            cause: self.cause.clone(),
            date_precision: self.date_precision,
            tipped: self.tipped.as_deref().cloned().unwrap_or_default(),
            event: self.event,
            marks: Marks::default(),
        }
    }
}

/// One subject under one policy: its account, stage and path.
pub(super) struct Subject<'s, S> {
    pub account: Option<&'s str>,
    pub stage: StageId,
    pub steps: &'s [S],
}

impl<'s> Subject<'s, StepFact> {
    /// A contact's or deal's journey (a deal's has a contact's shape).
    pub(super) fn journey(j: &'s crate::eval::Journey) -> Self {
        Subject {
            account: j.account.as_deref(),
            stage: j.stage,
            steps: j.facts.steps.as_slice(),
        }
    }

    /// An account's journey.
    pub(super) fn account(a: &'s crate::eval::AccountJourney) -> Self {
        Subject {
            account: None,
            stage: a.stage,
            steps: a.steps.as_slice(),
        }
    }
}

struct Cell {
    count: usize,
    rerouted: usize,
    /// The smallest ids among those whose paths part, by id.
    examples: BTreeMap<String, Example>,
}

/// The matrix of one kind of subject, counted so far.
pub(super) struct Matrix<'p> {
    old: &'p Policy,
    new: &'p Policy,
    /// Stage names in the new policy's declared order, then the old
    /// policy's stages it dropped, then "not replayed".
    order: Vec<String>,
    as_of: Instant,
    tz: Tz,
    /// Contacts' stories name the contact; accounts' and deals' do not.
    people: bool,
    cells: BTreeMap<(usize, usize, String, String), Cell>,
    total: usize,
    changed: usize,
    rerouted: usize,
}

impl<'p> Matrix<'p> {
    pub(super) fn new(old: &'p Policy, new: &'p Policy, entity: Entity, as_of: Instant) -> Self {
        Matrix {
            old,
            new,
            order: order(old, new, entity),
            as_of,
            tz: new.ir().timezone,
            people: entity == Entity::Contact,
            cells: BTreeMap::new(),
            total: 0,
            changed: 0,
            rerouted: 0,
        }
    }

    /// Counts subject `id` (replayed by one policy or both).
    pub(super) fn add<O: Step, N: Step>(
        &mut self,
        id: &str,
        o: Option<Subject<'_, O>>,
        n: Option<Subject<'_, N>>,
    ) {
        let os = o
            .as_ref()
            .map_or(NOT_REPLAYED, |r| self.old.ir().stage_name(r.stage));
        let ns = n
            .as_ref()
            .map_or(NOT_REPLAYED, |r| self.new.ir().stage_name(r.stage));
        let op = o.as_ref().map_or(&[][..], |r| r.steps);
        let np = n.as_ref().map_or(&[][..], |r| r.steps);
        let parted = self.first_difference(op, np);
        let key = (
            rank_of(&self.order, os),
            rank_of(&self.order, ns),
            os.to_string(),
            ns.to_string(),
        );
        self.total += 1;
        let moved = os != ns;
        let cell = self.cells.entry(key.clone()).or_insert_with(|| Cell {
            count: 0,
            rerouted: 0,
            examples: BTreeMap::new(),
        });
        cell.count += 1;
        if moved {
            self.changed += 1;
        } else if parted.is_some() {
            self.rerouted += 1;
            cell.rerouted += 1;
        }
        let Some(k) = parted else {
            return;
        };
        let full = cell.examples.len() >= EXAMPLES;
        if full
            && cell
                .examples
                .last_key_value()
                .is_none_or(|(last, _)| id >= last.as_str())
        {
            return;
        }
        let account = o.as_ref().and_then(|r| r.account);
        let example = Example {
            id: id.to_string(),
            account: account
                .or(n.as_ref().and_then(|r| r.account))
                .map(str::to_string),
            step: k + 1,
            old: self.side(self.old, op, k, id),
            new: self.side(self.new, np, k, id),
        };
        if let Some(cell) = self.cells.get_mut(&key) {
            cell.examples.insert(id.to_string(), example);
            if cell.examples.len() > EXAMPLES {
                cell.examples.pop_last();
            }
        }
    }

    /// Step `k` of a path as an example shows it, with its story (which
    /// reads step k, when the next began, and whether it is the last:
    /// the path up to step k + 1 tells it as the whole path does).
    fn side<S: Step>(&self, policy: &Policy, steps: &[S], k: usize, id: &str) -> Option<StepSide> {
        let shown: Vec<PathStep> = steps
            .iter()
            .take(k.saturating_add(2))
            .map(|s| path_step(policy.ir(), &s.fact()))
            .collect();
        let step = shown.get(k)?.clone();
        let who = if self.people { id } else { "" };
        let story = story_of(&shown, who, self.as_of, self.tz).get(k).cloned()?;
        Some(StepSide { story, step })
    }

    /// The index of the first step whose stage or entry time (to the
    /// second, as a path shows it) differs; what moved it may be written
    /// differently without it being a change: line numbers move when a
    /// policy is edited.
    fn first_difference<O: Step, N: Step>(&self, old: &[O], new: &[N]) -> Option<usize> {
        let (oi, ni) = (self.old.ir(), self.new.ir());
        let k = old
            .iter()
            .zip(new)
            .position(|(a, b)| {
                oi.stage_name(a.stage()) != ni.stage_name(b.stage())
                    || shown(a.entered()) != shown(b.entered())
            })
            .unwrap_or(old.len().min(new.len()));
        (k < old.len().max(new.len())).then_some(k)
    }

    pub(super) fn finish(self) -> StageChanges {
        let total = self.total;
        let cells = self
            .cells
            .into_iter()
            .map(|((_, _, old, new), c)| MatrixCell {
                old,
                new,
                count: c.count,
                rerouted: c.rerouted,
                examples: c.examples.into_values().collect(),
            });
        StageChanges {
            total,
            changed: self.changed,
            changed_share: (total > 0).then(|| self.changed as f64 / total as f64),
            rerouted: self.rerouted,
            matrix: cells.collect(),
        }
    }
}

fn rank_of(order: &[String], s: &str) -> usize {
    order.iter().position(|x| x == s).unwrap_or(order.len())
}

/// An instant as a path shows it: to the second (`format_instant`), or
/// whole when it has no date.
fn shown(i: Instant) -> (i64, i64) {
    match chrono::DateTime::from_timestamp_millis(i) {
        Some(d) => (d.timestamp(), 0),
        None => (i64::MIN, i),
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Entity;

    /// A step of a hand-made path: its stage and instant.
    #[derive(Clone, Copy)]
    struct At(StageId, Instant);

    impl Step for At {
        fn stage(&self) -> StageId {
            self.0
        }
        fn entered(&self) -> Instant {
            self.1
        }
        fn fact(&self) -> StepFact {
            StepFact {
                stage: self.0,
                entered: self.1,
                cause: Cause::Start,
                date_precision: false,
                tipped: Tipped::default(),
                event: None,
                marks: Marks::default(),
            }
        }
    }

    /// docs/data.md says a diff keeps about 60 bytes a step of the old
    /// policy's paths.
    #[test]
    fn a_kept_step_is_a_third_of_a_step_fact() {
        assert!(std::mem::size_of::<KeptStep>() <= 64);
        assert!(std::mem::size_of::<StepFact>() >= 3 * std::mem::size_of::<KeptStep>());
    }

    fn policy() -> Policy {
        let text = "policy \"p\" {\n  timezone \"UTC\"\n  teams marketing\n}\ncontact {\n  email: text?\n}\nevent form_submit { }\nlifecycle contact {\n  stage lead initial owner marketing\n  stage mql owner marketing\n  stage done final\n  lead -> mql on form_submit\n  mql -> done on form_submit\n}\n";
        Policy::compile(text).unwrap_or_else(|e| panic!("{e:?}"))
    }

    fn stages(p: &Policy) -> Vec<StageId> {
        p.ir().stages.ids().collect()
    }

    #[test]
    fn paths_part_at_the_first_different_stage_or_second() {
        let p = policy();
        let s = stages(&p);
        let m = Matrix::new(&p, &p, Entity::Contact, 0);
        let a = [At(s[0], 0), At(s[1], 5_000)];
        assert_eq!(m.first_difference(&a, &a), None);
        // Within the same second: the same step as a path shows it.
        assert_eq!(
            m.first_difference(&a, &[At(s[0], 999), At(s[1], 5_500)]),
            None
        );
        assert_eq!(
            m.first_difference(&a, &[At(s[0], 0), At(s[1], 6_000)]),
            Some(1)
        );
        assert_eq!(
            m.first_difference(&a, &[At(s[0], 0), At(s[2], 5_000)]),
            Some(1)
        );
        assert_eq!(m.first_difference(&a, &a[..1]), Some(1));
        assert_eq!(m.first_difference::<At, At>(&[], &a), Some(0));
    }

    /// Five contacts whose paths part in one cell: the examples are the
    /// three smallest ids, in whatever order the contacts come.
    #[test]
    fn examples_are_the_smallest_ids_whatever_the_order() {
        let p = policy();
        let s = stages(&p);
        let old = [At(s[0], 0), At(s[1], 60_000)];
        let new = [At(s[0], 0), At(s[1], 120_000)];
        let ids = ["c5", "c2", "c4", "c1", "c3"];
        let run = |order: &[&str]| {
            let mut m = Matrix::new(&p, &p, Entity::Contact, 200_000);
            for id in order {
                let subject = |steps| Subject {
                    account: None,
                    stage: s[1],
                    steps,
                };
                m.add(id, Some(subject(&old[..])), Some(subject(&new[..])));
            }
            m.finish()
        };
        let mut sorted = ids;
        sorted.sort_unstable();
        let (a, b) = (run(&ids), run(&sorted));
        assert_eq!(
            serde_json::to_string(&a).ok(),
            serde_json::to_string(&b).ok()
        );
        let cell = &a.matrix[0];
        assert_eq!(
            (cell.count, cell.rerouted, a.rerouted, a.changed),
            (5, 5, 5, 0)
        );
        let shown: Vec<&str> = cell.examples.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(shown, ["c1", "c2", "c3"]);
        assert_eq!(cell.examples[0].step, 2);
    }
}
