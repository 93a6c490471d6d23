//! `detente merge`: partial reports of parts of the data made into the
//! report or diff of the whole, the same byte for byte as one run, or a
//! reason why the parts do not make a whole (they were made with other
//! policies, another as-of time or span, a shard is missing or given
//! twice, two parts replayed the same contact).

use super::build::{Report, build_from};
use super::diff::{self, PolicyDiff, Side};
use super::partial::{Head, Kind, Partial};

/// What differs between two partials that must agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Differs {
    /// One is a report's, the other a diff's.
    Kind,
    /// Another policy (or, for a diff, another pair of policies).
    Policy,
    /// Another as-of time.
    AsOf,
    /// Another `--from`, `--to`, `--period` or `--window`.
    Span,
    /// Other gates (a diff's `--fail-if-*` or the manifest's `[ci]`).
    Gates,
    /// Shards that read different files: their rejected rows differ.
    Rows,
}

/// Why partials do not merge.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MergeError {
    /// M004: the partial at `index` (from 0) does not go with the first.
    #[error("partial {index} does not go with the first: {what:?} differs")]
    Mismatch { index: usize, what: Differs },
    /// M005: the shards of N do not make a whole: some missing, some
    /// given twice, or shards mixed with parts that are not shards.
    #[error("the shards do not make a whole")]
    Shards {
        /// N, when every partial is a shard of the same N.
        n: Option<u32>,
        missing: Vec<u32>,
        repeated: Vec<u32>,
    },
    /// M006: two partials replayed the same contact, deal or account.
    #[error("two partials replayed {what:?} `{id}`")]
    Overlap { what: Subject, id: String },
    /// M005: nothing to merge.
    #[error("no partial to merge")]
    Empty,
}

/// What two partials both replayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Subject {
    Contact,
    Deal,
    Account,
}

impl MergeError {
    /// The stable code (docs/diagnostics.md).
    pub fn code(&self) -> &'static str {
        match self {
            MergeError::Mismatch { .. } => "M004",
            MergeError::Shards { .. } | MergeError::Empty => "M005",
            MergeError::Overlap { .. } => "M006",
        }
    }
}

/// The partials made into one, in the order of one run; its head is the
/// first's, with every part's rows counted once.
pub fn merge(parts: Vec<Partial>) -> Result<Partial, MergeError> {
    let mut parts = parts.into_iter();
    let mut merger = Merger::new(parts.next().ok_or(MergeError::Empty)?);
    for part in parts {
        merger.add(part)?;
    }
    merger.finish()
}

/// Partials merged one at a time, so that a caller reading them from
/// files holds one part besides what is merged so far, never every part
/// at once.
pub struct Merger {
    whole: Partial,
    shards: Vec<Option<(u32, u32)>>,
    rejected: Vec<u64>,
}

impl Merger {
    /// Starts from the first part, whose head the others must agree with.
    pub fn new(first: Partial) -> Merger {
        Merger {
            shards: vec![first.head.shard],
            rejected: first.head.sides.iter().map(|s| s.rejected).collect(),
            whole: first,
        }
    }

    /// Adds the next part (the second is index 1 in errors).
    pub fn add(&mut self, part: Partial) -> Result<(), MergeError> {
        if let Some(what) = differs(&self.whole.head, &part.head) {
            let index = self.shards.len();
            return Err(MergeError::Mismatch { index, what });
        }
        self.shards.push(part.head.shard);
        for (sum, side) in self.rejected.iter_mut().zip(&part.head.sides) {
            *sum = sum.saturating_add(side.rejected);
        }
        for (into, replayed) in self.whole.replays.iter_mut().zip(part.replays) {
            into.absorb(replayed);
        }
        Ok(())
    }

    /// The parts as one run, or why they do not make a whole.
    pub fn finish(self) -> Result<Partial, MergeError> {
        let Merger {
            mut whole,
            shards,
            rejected,
        } = self;
        if !whole_shards(&shards)? {
            // Parts that read only their own rows: their rejected rows
            // add up. (Shards each read every row and counted the same
            // rejected rows, which `differs` saw to.)
            for (side, sum) in whole.head.sides.iter_mut().zip(rejected) {
                side.rejected = sum;
            }
        }
        whole.head.shard = None;
        for r in &mut whole.replays {
            r.finish();
            overlap(r)?;
        }
        Ok(whole)
    }
}

/// Whether the parts are shards (then every shard of N, each once), not
/// parts that each read only their own rows.
fn whole_shards(shards: &[Option<(u32, u32)>]) -> Result<bool, MergeError> {
    if shards.iter().all(Option::is_none) {
        return Ok(false);
    }
    let n = shards
        .first()
        .copied()
        .flatten()
        .map(|(_, n)| n)
        .filter(|n| shards.iter().all(|s| s.is_some_and(|(_, m)| m == *n)));
    let Some(n) = n else {
        return Err(MergeError::Shards {
            n: None,
            missing: Vec::new(),
            repeated: Vec::new(),
        });
    };
    let count = |k: u32| {
        shards
            .iter()
            .filter(|s| s.is_some_and(|(j, _)| j == k))
            .count()
    };
    let missing: Vec<u32> = (1..=n).filter(|&k| count(k) == 0).collect();
    let repeated: Vec<u32> = (1..=n).filter(|&k| count(k) > 1).collect();
    if missing.is_empty() && repeated.is_empty() {
        Ok(true)
    } else {
        Err(MergeError::Shards {
            n: Some(n),
            missing,
            repeated,
        })
    }
}

/// What differs between two partials' heads that must agree, if anything.
/// Labels may differ (each machine names the policy by its own path);
/// the policies' texts may not.
fn differs(a: &Head, b: &Head) -> Option<Differs> {
    let sources = |h: &Head| h.sides.iter().map(|s| s.source.clone()).collect::<Vec<_>>();
    let rows = |h: &Head| h.sides.iter().map(|s| s.rejected).collect::<Vec<_>>();
    if a.kind != b.kind {
        Some(Differs::Kind)
    } else if sources(a) != sources(b) {
        Some(Differs::Policy)
    } else if a.as_of != b.as_of {
        Some(Differs::AsOf)
    } else if a.options != b.options {
        Some(Differs::Span)
    } else if a.gates != b.gates {
        Some(Differs::Gates)
    } else if a.shard.is_some() && b.shard.is_some() && rows(a) != rows(b) {
        Some(Differs::Rows)
    } else {
        None
    }
}

/// The first id (in id order) two parts both replayed.
fn overlap(r: &super::replayed::Replayed) -> Result<(), MergeError> {
    let twice = |ids: Vec<&str>| {
        ids.windows(2)
            .find(|w| w.first() == w.get(1))
            .and_then(|w| w.first().map(|s| s.to_string()))
    };
    let eval = &r.eval;
    let lists = [
        (
            Subject::Contact,
            eval.journeys.iter().map(|j| j.contact.as_str()).collect(),
        ),
        (
            Subject::Deal,
            eval.deals.iter().map(|j| j.contact.as_str()).collect(),
        ),
        (
            Subject::Account,
            eval.accounts.iter().map(|a| a.account.as_str()).collect(),
        ),
    ];
    for (what, ids) in lists {
        if let Some(id) = twice(ids) {
            return Err(MergeError::Overlap { what, id });
        }
    }
    Ok(())
}

impl Partial {
    /// The report of a (merged) report partial; none for a diff's.
    pub fn report(&self) -> Option<Report> {
        let (Kind::Report, Some(policy), Some(replayed)) =
            (self.head.kind, self.policies.first(), self.replays.first())
        else {
            return None;
        };
        // Merged partials keep their journeys (no running sections), so
        // they make a report under any options.
        build_from(policy, replayed, &self.head.options).ok()
    }

    /// The diff of a (merged) diff partial; none for a report's.
    pub fn diff(&self) -> Option<PolicyDiff> {
        let (Kind::Diff, [old_policy, new_policy], [old, new], [old_head, new_head]) = (
            self.head.kind,
            self.policies.as_slice(),
            self.replays.as_slice(),
            self.head.sides.as_slice(),
        ) else {
            return None;
        };
        Some(diff::diff(
            &side(old_head, old_policy, old),
            &side(new_head, new_policy, new),
            &self.head.options,
            &self.head.gates,
        ))
    }
}

/// One side of a diff, as a partial has it.
fn side<'a>(
    head: &'a super::partial::SideHead,
    policy: &'a crate::compile::Policy,
    replayed: &'a super::replayed::Replayed,
) -> Side<'a> {
    Side {
        label: &head.label,
        source: &head.source,
        policy,
        replayed,
        rejected_rows: head.rejected,
    }
}
