//! A replay of the data for a report or diff: a batch of accounts at a
//! time when it can be ([`replay_batched`]), else of the whole data
//! loaded at once, with the reason. The command line's `report` and
//! `diff` and the Python package's `report` all replay through here, so
//! they make the same choice.

use crate::compile::Policy;
use crate::data::time::Instant;
use crate::data::{DataError, Histories, Order, Source, load};
use crate::eval::{default_as_of, evaluate_shard};

use super::batched::{Batched, Plan, Whole, replay_batched};
use super::replayed::Replayed;

/// A replay, and what is left of the loading.
#[derive(Debug)]
#[non_exhaustive]
pub struct DataReplay {
    pub replayed: Replayed,
    /// Every row problem, skipped row, note and count of the loading (and
    /// the rows themselves when the whole data was loaded).
    pub rest: Histories,
    /// The latest time of the rows accepted: the default as-of time.
    pub latest: Instant,
    /// Why the whole data was loaded at once, if it was.
    pub whole: Option<Whole>,
    /// How the events were read: `Regroup` when they were not grouped by
    /// account and went through temporary files first.
    pub order: Order,
}

/// Replays `sources` for `policy` as `plan` says: in batches, or the
/// whole data at once when a batch cannot give the whole data's answer.
pub fn replay_data(
    policy: &Policy,
    sources: &[Source],
    plan: Plan,
) -> Result<DataReplay, DataError> {
    let (as_of, shard, order) = (plan.as_of, plan.shard, plan.order);
    match replay_batched(policy, sources, plan)? {
        Batched::Done {
            replayed,
            rest,
            latest,
            order,
        } => Ok(DataReplay {
            replayed: *replayed,
            rest: *rest,
            latest,
            whole: None,
            order,
        }),
        Batched::Whole(why) => {
            let histories = load(policy, sources)?;
            let eval = evaluate_shard(policy, &histories, Some(as_of), shard);
            Ok(DataReplay {
                replayed: Replayed::whole(policy, &histories, eval),
                latest: default_as_of(&histories),
                rest: histories,
                whole: Some(why),
                order,
            })
        }
    }
}
