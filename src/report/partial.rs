//! Partial reports: the replay of one part of the data (a shard, a Spark
//! task's accounts) kept in a file, so that parts replayed on several
//! machines merge into the report or diff one run gives
//! (`report --partial`, `diff --partial`, `detente merge`;
//! docs/data.md, "Shards and merge").
//!
//! A partial holds what the reports read of each journey and event (a
//! [`Replayed`]: paths, touches, SLA instances, marks, and of each event
//! its instant, type, deal and the fields a figure reads), not finished
//! figures. Medians and percentiles are exact, so they need every value
//! anyway, and the report's default start (the first stage entry of all
//! the data) is known only once every part is in. Merging replays is
//! associative by construction: journeys are put in id order at the end,
//! so any split of the accounts, merged in any order, gives the report of
//! one run byte for byte (`tests/it/partials.rs`).
//!
//! The file is [`MAGIC`], then one gzip stream (whose CRC catches a file
//! damaged or cut short) of postcard values: the format number and the
//! release that wrote it, the [`Head`], then for each side its journeys
//! and its events. Ids are read back bounded by the policy the partial
//! carries (`ir::id::with_limits`), so a damaged file is an error, never an
//! id past a table.

use std::io::{Read, Write};

use serde::{Deserialize, Serialize};

use crate::compile::Policy;
use crate::data::shard::Shard;
use crate::data::time::Instant;
use crate::eval::Evaluation;
use crate::ir::id::with_limits;

use super::context::Options;
use super::diff::Gates;
use super::events::{Events, StoredEvent};
use super::replayed::Replayed;

/// The first bytes of every partial report.
pub const MAGIC: &[u8] = b"detente partial report\n";

/// The layout of what follows [`MAGIC`]; a change of layout changes it.
const FORMAT: u32 = 1;

/// The release writing partials: only partials of the same release are
/// merged, as another release may compute a figure differently.
const RELEASE: &str = env!("CARGO_PKG_VERSION");

/// A report's or a diff's partial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Kind {
    Report,
    Diff,
}

/// One policy of a partial: as the user named it, its text, and how many
/// rows of the data its schema rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SideHead {
    pub label: String,
    pub source: String,
    pub rejected: u64,
}

/// Everything a partial says besides its journeys: what must agree for
/// partials to merge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Head {
    pub kind: Kind,
    /// The instant replayed to.
    pub as_of: Instant,
    /// The span and periods of the report, as the user set them.
    pub options: Options,
    /// A diff's gates.
    pub gates: Gates,
    /// `(K, N)` for shard K of N, which read every row of the files and
    /// replayed its own accounts; none for a part given only its own
    /// rows.
    pub shard: Option<(u32, u32)>,
    /// The old policy then the new for a diff, the one policy of a report.
    pub sides: Vec<SideHead>,
}

/// A partial report read back (or about to be written): its head, and for
/// each side its policy, compiled, and its replay.
#[derive(Debug, Clone)]
pub struct Partial {
    pub head: Head,
    pub policies: Vec<Policy>,
    pub replays: Vec<Replayed>,
}

/// Why a file is not a partial report this release can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PartialError {
    /// M001: the file does not start as a partial report does.
    #[error("not a partial report")]
    NotPartial,
    /// M002: written by another release, or in another layout.
    #[error("written by Détente {release} (layout {format}); this is {RELEASE}")]
    OtherRelease { release: String, format: u32 },
    /// M003: damaged or cut short; what broke.
    #[error("damaged or cut short: {reason}")]
    Damaged { reason: String },
}

impl PartialError {
    /// The stable code (docs/diagnostics.md).
    pub fn code(&self) -> &'static str {
        match self {
            PartialError::NotPartial => "M001",
            PartialError::OtherRelease { .. } => "M002",
            PartialError::Damaged { .. } => "M003",
        }
    }
}

fn damaged(reason: impl std::fmt::Display) -> PartialError {
    PartialError::Damaged {
        reason: reason.to_string(),
    }
}

impl Partial {
    /// The partial as the bytes of its file. Its replays give up the
    /// events no journey points at (a shard reads every account's).
    pub fn into_bytes(self) -> Result<Vec<u8>, PartialError> {
        let mut gz = flate2::write::GzEncoder::new(MAGIC.to_vec(), flate2::Compression::fast());
        let mut put = |bytes: Result<Vec<u8>, postcard::Error>| {
            gz.write_all(&bytes.map_err(damaged)?).map_err(damaged)
        };
        put(postcard::to_stdvec(&(FORMAT, RELEASE)))?;
        put(postcard::to_stdvec(&self.head))?;
        for replayed in self.replays {
            let (eval, events) = replayed.into_stored();
            put(postcard::to_stdvec(&eval))?;
            put(postcard::to_stdvec(&events))?;
        }
        gz.finish().map_err(damaged)
    }

    /// Reads a partial written by this release.
    pub fn from_bytes(bytes: &[u8]) -> Result<Partial, PartialError> {
        let body = bytes.strip_prefix(MAGIC).ok_or(PartialError::NotPartial)?;
        let mut all = Vec::new();
        flate2::read::GzDecoder::new(body)
            .read_to_end(&mut all)
            .map_err(damaged)?;
        let ((format, release), rest) =
            postcard::take_from_bytes::<(u32, String)>(&all).map_err(damaged)?;
        if format != FORMAT || release != RELEASE {
            return Err(PartialError::OtherRelease { release, format });
        }
        let (head, mut rest) = postcard::take_from_bytes::<Head>(rest).map_err(damaged)?;
        if let Some((k, n)) = head.shard {
            Shard::new(k.into(), n.into()).map_err(damaged)?;
        }
        let mut policies = Vec::new();
        let mut replays = Vec::new();
        for side in &head.sides {
            let policy = Policy::compile_named(&side.label, &side.source)
                .map_err(|_| damaged("its policy does not compile"))?;
            let (replayed, after) = with_limits(policy.ir().limits(), || side_of(&policy, rest))?;
            rest = after;
            policies.push(policy);
            replays.push(replayed);
        }
        if !rest.is_empty() {
            return Err(damaged("bytes after the last replay"));
        }
        Ok(Partial {
            head,
            policies,
            replays,
        })
    }
}

/// One side's replay, read under its policy's limits.
fn side_of<'a>(policy: &Policy, bytes: &'a [u8]) -> Result<(Replayed, &'a [u8]), PartialError> {
    let (eval, rest) = postcard::take_from_bytes::<Evaluation>(bytes).map_err(damaged)?;
    let (stored, rest) = postcard::take_from_bytes::<Vec<StoredEvent>>(rest).map_err(damaged)?;
    let events = Events::from_stored(policy.ir(), stored).map_err(|i| {
        damaged(format_args!(
            "event {i} is of a type the policy does not have"
        ))
    })?;
    let replayed = Replayed::from_stored(eval, events)
        .ok_or_else(|| damaged("a journey points at an event the partial does not hold"))?;
    Ok((replayed, rest))
}
