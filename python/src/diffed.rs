//! `diff` read a batch of accounts at a time, as `detente diff` reads
//! it: both policies counted as they go and compared batch by batch
//! (`report::diff::batched`), so memory holds the old policy's paths and
//! the counts, not two replays. When the data must be read whole, the
//! caller replays it so (`run::diff`).

use detente::data::Source;
use detente::data::time::Instant;
use detente::report::Options;
use detente::report::batched::{Batched, Plan};
use detente::report::diff::batched::{DiffReplay, replay_diff};
use detente::report::diff::{self, Gates, Side, Stages};
use pyo3::PyResult;

use crate::failure::usage;
use crate::run::{Policy, REPORT_BATCH_EVENTS, data_error, meta};

/// One side replayed in batches.
struct Done {
    replayed: detente::report::Replayed,
    /// What is left of the loading: problems, notes and counts.
    rest: detente::data::Histories,
    /// The latest time of the rows accepted.
    latest: Instant,
}

/// The diff as JSON and each side's meta, read in batches up to `as_of`
/// (else the latest time of the rows either side accepted, guessed and
/// replayed again should it be elsewhere); none when the data must be
/// read whole.
pub fn diff_batched(
    (old, new): (&Policy, &Policy),
    sources: &[Source],
    as_of: Option<Instant>,
    options: Options,
) -> PyResult<Option<(String, String, String)>> {
    let guess = match as_of {
        Some(t) => t,
        None => detente::data::latest_time(old.policy, sources)
            .map_err(data_error)?
            .unwrap_or(0),
    };
    let Some((o, n, stages)) = replay((old, new), sources, options, guess)? else {
        return Ok(None);
    };
    let latest = o.latest.max(n.latest);
    let (o, n, stages) = if as_of.is_none() && latest != guess {
        match replay((old, new), sources, options, latest)? {
            Some(sides) => sides,
            None => return Ok(None),
        }
    } else {
        (o, n, stages)
    };
    let result = diff::diff_counted(
        &side(old, &o),
        &side(new, &n),
        &options,
        &Gates::new(),
        stages,
    )
    .map_err(|e| usage(e.code(), e.to_string()))?;
    let json = serde_json::to_string(&result).unwrap_or_default();
    Ok(Some((
        json,
        meta(old.policy, &o.rest, &o.replayed.eval),
        meta(new.policy, &n.rest, &n.replayed.eval),
    )))
}

/// Both sides replayed up to `at` and compared; none when the data must
/// be read whole.
fn replay(
    (old, new): (&Policy, &Policy),
    sources: &[Source],
    options: Options,
    at: Instant,
) -> PyResult<Option<(Done, Done, Stages)>> {
    let plan = Plan {
        options: Some(options),
        ..Plan::new(at, REPORT_BATCH_EVENTS)
    };
    let replayed =
        replay_diff((old.policy, sources), (new.policy, sources), plan).map_err(data_error)?;
    let DiffReplay::Done { old, new, stages } = replayed else {
        return Ok(None);
    };
    Ok(done(*old).zip(done(*new)).map(|(o, n)| (o, n, *stages)))
}

/// A side read in batches; none when it was not.
fn done(b: Batched) -> Option<Done> {
    match b {
        Batched::Done {
            replayed,
            rest,
            latest,
            ..
        } => Some(Done {
            replayed: *replayed,
            rest: *rest,
            latest,
        }),
        _ => None,
    }
}

/// A side of the diff: its policy's names, and its replay.
fn side<'a>(p: &Policy<'a>, d: &'a Done) -> Side<'a> {
    Side {
        label: p.label,
        source: p.source,
        policy: p.policy,
        replayed: &d.replayed,
        rejected_rows: d.rest.total().rejected,
    }
}
