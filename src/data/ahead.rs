//! Reading a batch ahead: the rows of the next batch of accounts are read
//! on a thread of their own while the caller replays the batch before.
//!
//! Read and replay took turns before: `classify --stream` spent over half
//! its time on the thread reading rows (profiled: 56% of the samples at
//! 100k contacts), and the replay's threads waited for it. Run side by
//! side, the slower of the two sets the pace instead of their sum. Memory
//! holds one batch more: the one being read while the last is replayed.

use std::sync::mpsc::sync_channel;

use super::codes::DataError;
use super::grouped::{Batch, Order, load_grouped_in};
use super::load::{Histories, Source};
use crate::compile::Policy;

/// [`load_grouped_in`], with the reading on its own thread a batch
/// ahead of `each`. Batches reach `each` in the same order, so what it
/// writes is the same; an error from `each` stops the reading.
pub fn load_grouped_ahead(
    policy: &Policy,
    sources: &[Source],
    batch_events: usize,
    order: Order,
    each: &mut dyn FnMut(Batch) -> Result<(), DataError>,
) -> Result<(Histories, bool), DataError> {
    // No room in the channel: the reader hands a batch over only when the
    // one before is taken, so at most two are held (one replayed, one
    // read).
    let (give, take) = sync_channel::<Batch>(0);
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            load_grouped_in(policy, sources, batch_events, order, &mut |b| {
                // The caller stopped taking batches: it has said why.
                give.send(b).map_err(|_| DataError::Stopped(String::new()))
            })
        });
        let mut failed = None;
        for batch in take.iter() {
            if let Err(e) = each(batch) {
                failed = Some(e);
                break;
            }
        }
        drop(take);
        let read = reader.join().unwrap_or_else(|_| {
            Err(DataError::Stopped(
                "the thread reading the rows stopped".into(),
            ))
        });
        match failed {
            Some(e) => Err(e),
            None => read,
        }
    })
}
