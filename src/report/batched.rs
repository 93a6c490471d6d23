//! A replay for the reports read a batch of accounts at a time: memory
//! holds one batch of rows plus what the reports keep of each journey and
//! event ([`Replayed`]), never the whole file's rows.
//!
//! The answer must be the one loading the whole file gives. Reading by
//! batches gives it when nothing crosses two accounts; otherwise this
//! says why ([`Whole`]) and the caller loads the whole file instead, so
//! the difference costs memory, never a figure. Events that are not
//! grouped by account are grouped first, in temporary files
//! (`data::Order::Regroup`).

use crate::compile::Policy;
use crate::data::codes::RowCode;
use crate::data::shard::Shard;
use crate::data::time::Instant;
use crate::data::{DataError, Histories, Order, RecordKind, Source, load_grouped_ahead};
use crate::eval::{default_as_of, evaluate_shard};

use std::sync::Arc;

use super::context::Batch;
use super::context::Options;
use super::events::Events;
use super::replayed::Replayed;
use super::running::{Counting, Running};

/// Why a replay must load the whole file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Whole {
    /// An event names a deal and no contact, and there are no deal
    /// files to say whose account the deal is.
    Deals,
    /// A merge, a contact's account or a contact's event naming a deal
    /// crosses two accounts, which only the whole file follows.
    Crosses,
    /// An event id may be used in two accounts: the whole file drops the
    /// second as a repeat.
    RepeatedId,
}

/// What a batched replay gave.
#[derive(Debug, Clone)]
pub enum Batched {
    /// The replay, and what is left of the loading: every row problem,
    /// note and count (not the rows).
    Done {
        replayed: Box<Replayed>,
        rest: Box<Histories>,
        /// The latest time in the data: the default as-of time.
        latest: Instant,
        /// How the events were read: [`Order::Regroup`] when they were
        /// not grouped by account (and were grouped first).
        order: Order,
    },
    /// The whole file must be loaded instead.
    Whole(Whole),
}

/// How to replay in batches.
#[derive(Debug, Clone, Copy)]
pub struct Plan<'a> {
    /// Replay up to this time.
    pub as_of: Instant,
    /// About how many events a batch holds.
    pub batch_events: usize,
    /// The events of a replay of the same data under another policy,
    /// whose rows this one's share where they are the same (a diff's two
    /// sides).
    pub follow: Option<&'a Arc<Events>>,
    /// Replay only the accounts of one shard (every row is still read,
    /// for the latest time and the rows' counts).
    pub shard: Option<Shard>,
    /// [`Order::AsRead`] reads the events as the file has them and, when
    /// they are not grouped by account, starts again grouping them
    /// first; [`Order::Regroup`] groups them first from the start (a
    /// diff's second side, once the first found the file not grouped).
    pub order: Order,
    /// The options of the report to be built: each batch is counted
    /// into the running sections as it is replayed ([`Running`]), and
    /// its journeys then dropped (unless `shard` is set: a partial keeps
    /// them).
    pub options: Option<Options>,
    /// Where the report starts without a `from` in `options`, when known
    /// before the replay; by default each batch's report starts at the
    /// batch's earliest instant. A start that turns out not to be the
    /// whole report's costs a second pass from the right one, never a
    /// figure.
    pub start: Option<Instant>,
    /// Count every section of a report, or only what a diff reads.
    pub counting: Counting,
}

impl Plan<'_> {
    /// Up to `as_of`, about `batch_events` events a batch, every
    /// account, events read as the file has them, nothing counted as it
    /// goes.
    pub fn new(as_of: Instant, batch_events: usize) -> Plan<'static> {
        Plan {
            as_of,
            batch_events,
            follow: None,
            shard: None,
            order: Order::AsRead,
            options: None,
            start: None,
            counting: Counting::Report,
        }
    }
}

/// What a caller reads of each batch's journeys as the replay goes,
/// before a report's replay drops them (a diff's stage-change matrix).
pub trait Visit {
    /// The batch just replayed and counted: `batch` of `replayed`.
    fn batch(&mut self, replayed: &Replayed, batch: &Batch);
    /// The replay starts again from the first batch: forget every batch
    /// visited.
    fn restart(&mut self);
}

/// Reads nothing.
impl Visit for () {
    fn batch(&mut self, _: &Replayed, _: &Batch) {}
    fn restart(&mut self) {}
}

/// Replays `sources` a batch of accounts at a time, as `plan` says.
pub fn replay_batched(
    policy: &Policy,
    sources: &[Source],
    plan: Plan,
) -> Result<Batched, DataError> {
    replay_visited(policy, sources, plan, &mut ())
}

/// [`replay_batched`], showing `visit` each batch's journeys.
pub fn replay_visited(
    policy: &Policy,
    sources: &[Source],
    plan: Plan,
    visit: &mut dyn Visit,
) -> Result<Batched, DataError> {
    let mut replay = |order, start| {
        replay_in(
            policy,
            sources,
            Plan {
                order,
                start,
                ..plan
            },
            visit,
        )
    };
    // Deals need every event read before the first batch: with deal
    // files, reading as the file has them would stop after reading the
    // contact, account and deal files, only to read them again.
    let order = match sources.iter().any(|s| s.kind == RecordKind::Deals) {
        true => Order::Regroup,
        false => plan.order,
    };
    // Read as the file has them, the events may turn out not grouped.
    let replayed = match replay(order, plan.start) {
        Err(DataError::NotGrouped { .. }) if order == Order::AsRead => {
            replay(Order::Regroup, plan.start)
        }
        other => other,
    };
    match replayed {
        // An event of a deal with no contact, and no deal files.
        Err(DataError::NotGrouped { deals: true, .. }) => Ok(Batched::Whole(Whole::Deals)),
        Ok(Batched::Done {
            replayed, order, ..
        }) if !counted_whole(&replayed) => {
            // A batch counted something before the whole report's start,
            // which only the last batch made known: counted again from
            // that start, on the order the first pass found.
            let start = replayed
                .running
                .as_ref()
                .map(|r| r.report_start(plan.as_of));
            drop(replayed);
            replay(order, start)
        }
        other => other,
    }
}

/// Whether a replay that dropped its journeys counted all its report
/// needs: every batch's report started at or after the whole report's.
fn counted_whole(replayed: &Replayed) -> bool {
    match &replayed.running {
        Some(r) if r.forgot() => r.usable(replayed.eval.as_of),
        _ => true,
    }
}

/// [`replay_batched`] with the events read in `plan.order`, whatever it
/// finds.
///
/// A report's replay (`plan.options`, every account) drops each batch's
/// journeys once counted ([`Replayed::forget`]).
fn replay_in(
    policy: &Policy,
    sources: &[Source],
    plan: Plan,
    visit: &mut dyn Visit,
) -> Result<Batched, DataError> {
    visit.restart();
    let (as_of, shard) = (plan.as_of, plan.shard);
    let mut replayed = Replayed::empty(policy, as_of, plan.follow);
    replayed.running = plan
        .options
        .map(|o| Running::new(o, plan.start).counting_for(plan.counting));
    let forget = replayed.running.is_some() && shard.is_none();
    let mut latest: Option<Instant> = None;
    // The next batch is read while this one is replayed: one batch more
    // in memory, which the CLI's smaller default batch for reports pays
    // for (cli::report::REPORT_BATCH_EVENTS).
    let loaded = load_grouped_ahead(policy, sources, plan.batch_events, plan.order, &mut |b| {
        let h = &b.histories;
        if !h.events.is_empty() || h.contacts.iter().any(|c| c.created_at.is_some()) {
            let t = default_as_of(h);
            latest = Some(latest.map_or(t, |l| l.max(t)));
        }
        if !forget {
            replayed.reserve(b.contacts_in_file, b.accounts_in_file);
        }
        let eval = evaluate_shard(policy, h, Some(as_of), shard);
        let start = Batch::after(&replayed.eval);
        match shard {
            Some(_) => replayed.append_pointed_at(h, eval),
            None => replayed.append(h, eval),
        }
        replayed.count_running(policy, start.clone());
        visit.batch(&replayed, &start.to_end(&replayed.eval));
        if forget {
            replayed.forget();
        }
        Ok(())
    });
    let (mut rest, repeated) = loaded?;
    // The rows themselves were replayed: what is left is the loading's
    // problems, notes and counts. The contacts and accounts read whole
    // are most of a large run's memory, and a diff holds the first
    // side's rest while it replays the second.
    rest.contacts = Vec::new();
    rest.accounts = Vec::new();
    rest.deals = Vec::new();
    rest.deal_contacts = Vec::new();
    rest.events = Vec::new();
    if rest.problems.iter().any(|p| p.code == RowCode::Unfollowed) {
        return Ok(Batched::Whole(Whole::Crosses));
    }
    if repeated {
        return Ok(Batched::Whole(Whole::RepeatedId));
    }
    replayed.finish();
    Ok(Batched::Done {
        replayed: Box::new(replayed),
        rest: Box::new(rest),
        latest: latest.unwrap_or(0),
        order: plan.order,
    })
}

/// The words for why the replay loads the whole file, for the CLI.
impl Whole {
    /// Why, as a reason a note can give.
    pub fn reason(&self) -> String {
        match self {
            Whole::Deals => {
                "an event names a deal and no contact, and no deal files say whose account the deal is".into()
            }
            Whole::Crosses => {
                "a merge, a contact's account or a contact's event naming a deal crosses two accounts of the events file".into()
            }
            Whole::RepeatedId => "an event id may be used under two accounts".into(),
        }
    }
}
