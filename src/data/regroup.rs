//! Events that are not grouped by account, grouped first through
//! temporary files, so that a report of any export runs in bounded
//! memory rather than loading the whole file.
//!
//! CRM exports usually come sorted by date, not by account. Loading such
//! a file whole holds every row and every journey at once (a report of
//! 2.5 million events took 1.26 GiB that way, about 500 bytes an event);
//! sorting it by account needs a tool and a step the user has to know
//! about. Instead the events are read once, each
//! accepted event written to one of [`BUCKETS`] temporary files by a hash
//! of its account (or of its contact, without one), and each file is then
//! read back alone, its events put in account order, and handed to the
//! same grouping the grouped file goes through. Memory holds one bucket
//! (about a 128th of the events) and the batches made of it.
//!
//! An account's events keep the order the file has them in: they are
//! written to one bucket in that order, and sorted by account with a
//! stable sort. Which account a contact without one in the contacts file
//! belongs to is decided by its first event, as when reading in order, so
//! every event of a contact is in one bucket. Accounts come out in bucket
//! order rather than file order; the reports put journeys in id order,
//! so no figure changes (tests/it/batches.rs compares with loading the
//! whole file).

use std::fs::File;
use std::hash::{Hash, Hasher};
use std::io::{BufReader, BufWriter, Read, Seek, Write};

use crate::compile::Policy;

use super::codes::DataError;
use super::grouped::NO_DEALS;
use super::grouped::{Grouping, Key};
use super::load::{Event, Histories, RecordKind, Source, read_source};

/// How many temporary files the events are spread over: memory holds
/// one at a time, so 30 million events take about 230,000 events' room
/// (some 100 MB); each file open for writing holds a 64 KiB buffer.
const BUCKETS: usize = 128;

const BUFFER: usize = 64 * 1024;

/// The temporary files being written, one per bucket, made when the
/// first event falls in it. They have no name and are gone when closed.
struct Spill {
    buckets: Vec<Option<BufWriter<File>>>,
    /// One record's bytes, reused.
    scratch: Vec<u8>,
}

impl Spill {
    fn new() -> Spill {
        Spill {
            buckets: (0..BUCKETS).map(|_| None).collect(),
            scratch: Vec::new(),
        }
    }

    /// Writes `event` of group `key` to its bucket: its length (4 bytes,
    /// little-endian), then the pair in postcard.
    fn push(&mut self, key: &Key, event: &Event) -> Result<(), DataError> {
        let bucket = bucket_of(key);
        self.scratch.clear();
        self.scratch.extend_from_slice(&[0; 4]);
        let scratch = std::mem::take(&mut self.scratch);
        self.scratch = postcard::to_io(&(key, event), scratch).map_err(|e| spill_error(&e))?;
        let len = u32::try_from(self.scratch.len() - 4).map_err(|e| spill_error(&e))?;
        if let Some(head) = self.scratch.get_mut(..4) {
            head.copy_from_slice(&len.to_le_bytes());
        }
        let Some(slot) = self.buckets.get_mut(bucket) else {
            return Err(spill_error(&"no such bucket"));
        };
        if slot.is_none() {
            let file = tempfile::tempfile().map_err(|e| spill_error(&e))?;
            *slot = Some(BufWriter::with_capacity(BUFFER, file));
        }
        match slot {
            Some(w) => w.write_all(&self.scratch).map_err(|e| spill_error(&e)),
            None => Ok(()),
        }
    }

    /// The files written, each flushed and ready to read from its start,
    /// in bucket order.
    fn finish(self) -> Result<Vec<File>, DataError> {
        let mut files = Vec::new();
        for w in self.buckets.into_iter().flatten() {
            let mut file = w.into_inner().map_err(|e| spill_error(e.error()))?;
            file.rewind().map_err(|e| spill_error(&e))?;
            files.push(file);
        }
        Ok(files)
    }
}

/// A bucket for `key`, the same in every run: the std hasher with its
/// fixed keys (not the per-process seeded maps of the reading path), so
/// that the accounts come out in the same order each time.
fn bucket_of(key: &Key) -> usize {
    #[expect(
        deprecated,
        reason = "SipHasher's fixed keys make the buckets the same in every run"
    )]
    let mut h = std::hash::SipHasher::new();
    key.hash(&mut h);
    (h.finish() % BUCKETS as u64) as usize
}

/// Every event of one bucket, in the order written.
fn read_bucket(policy: &Policy, file: File) -> Result<Vec<(Key, Event)>, DataError> {
    let mut reader = BufReader::with_capacity(BUFFER, file);
    let mut out = Vec::new();
    let mut record = Vec::new();
    let mut len = [0u8; 4];
    crate::ir::id::with_limits(policy.ir().limits(), || {
        loop {
            match reader.read_exact(&mut len) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(out),
                Err(e) => return Err(spill_error(&e)),
            }
            record.resize(u32::from_le_bytes(len) as usize, 0);
            reader
                .read_exact(&mut record)
                .map_err(|e| spill_error(&e))?;
            let pair: (Key, Event) = postcard::from_bytes(&record).map_err(|e| spill_error(&e))?;
            out.push(pair);
        }
    })
}

/// Reads the events of `events` (the events files, each with its place
/// among the sources), writing each accepted one to its bucket, then
/// hands them to `grouping` a bucket at a time in account order. Counts,
/// row problems and notes go to `base` as when reading in order.
pub(super) fn regroup(
    policy: &Policy,
    events: &[(usize, &Source)],
    base: &mut Histories,
    grouping: &mut Grouping<'_>,
    each: &mut dyn FnMut(super::Batch) -> Result<(), DataError>,
) -> Result<(), DataError> {
    let mut spill = Spill::new();
    let deals = grouping.deal_ids();
    let files = base.files.clone();
    let mut unknown_deals = Vec::new();
    for &(file, source) in events {
        read_source(policy, source, file, base, &mut |e| {
            // Set aside below, as loading the whole file does.
            if !deals.is_empty()
                && let Some(problem) = super::deals::unknown_deal(&deals, &e, &files)
            {
                unknown_deals.push(problem);
                return Ok(true);
            }
            if e.contact.is_none() && grouping.deals.key_of(&e).is_none() {
                return Err(DataError::NotGrouped {
                    reason: format!("line {}: {NO_DEALS}", e.origin.line),
                    deals: true,
                });
            }
            let (key, _) = grouping.key_of(&e);
            grouping.deal_crossing(&e, &key);
            spill.push(&key, &e)?;
            // Whether it repeats an id of its account is known only once
            // the account's events are together: counted below.
            Ok(true)
        })?;
    }
    super::deals::set_aside_events(base, unknown_deals);
    grouping.check_deal_rows(base);
    for file in spill.finish()? {
        let mut bucket = read_bucket(policy, file)?;
        // Stable: an account's events keep the file's order.
        bucket.sort_by(|a, b| a.0.cmp(&b.0));
        for (_, event) in bucket {
            if !grouping.add(event, each)? {
                let counts = base.counts.entry(RecordKind::Events).or_default();
                counts.accepted = counts.accepted.saturating_sub(1);
                counts.duplicates += 1;
            }
        }
    }
    Ok(())
}

/// A temporary file could not be written or read back (a full disk, most
/// often).
fn spill_error(e: &dyn std::fmt::Display) -> DataError {
    DataError::Stopped(format!(
        "cannot group the events by account in temporary files ({e}); free room in {} or set TMPDIR to a folder with room (the files take about as much as the events file), or sort the events by account first (docs/data.md, \"Large data\")",
        std::env::temp_dir().display()
    ))
}
