//! `detente diff` read a batch of accounts at a time: both policies
//! counted as they go and compared batch by batch
//! (`report::diff::batched`), so memory holds the old policy's paths and
//! the tallies, not two replays. When the file must be read whole, the
//! caller replays it so.

use detente::data::time::Instant;
use detente::report::Options;
use detente::report::batched::Plan;
use detente::report::diff::batched::{DiffReplay, replay_diff};
use detente::report::diff::{self, Gates, PolicyDiff, Side};

use super::Exit;
use super::inputs::Inputs;
use super::report::{Replay, as_of_guess, usage, whole_note};

/// How to replay the two sides.
pub struct Run {
    pub as_of: Option<Instant>,
    pub batch_events: usize,
    pub threads: Option<usize>,
    pub options: Options,
}

/// The diff of `old` and `new`, read in batches and printed notes on
/// standard error; none when the data must be read whole.
pub fn diff_counted(
    old: &Inputs,
    new: &Inputs,
    run: &Run,
    gates: &Gates,
) -> Result<Option<PolicyDiff>, Exit> {
    let guess = as_of_guess(&[old, new], run.as_of)?;
    let Some((old_side, new_side, stages)) = replay(old, new, run, guess)? else {
        return Ok(None);
    };
    let latest = old_side.latest.max(new_side.latest);
    let (old_side, new_side, stages) = if run.as_of.is_none() && latest != guess {
        match replay(old, new, run, latest)? {
            Some(sides) => sides,
            None => return Ok(None),
        }
    } else {
        (old_side, new_side, stages)
    };
    let sides = [old_side, new_side];
    eprint!("{}", whole_note(&sides, "the diff"));
    let [old_side, new_side] = sides;
    eprint!(
        "{}",
        super::reports::rejected_note(new_side.rejected, "the diff")
    );
    let result = diff::diff_counted(
        &Side {
            label: &old.label,
            source: &old.source,
            policy: &old.policy,
            replayed: &old_side.replayed,
            rejected_rows: old_side.rejected,
        },
        &Side {
            label: &new.label,
            source: &new.source,
            policy: &new.policy,
            replayed: &new_side.replayed,
            rejected_rows: new_side.rejected,
        },
        &run.options,
        gates,
        stages,
    );
    result.map(Some).map_err(|e| {
        eprintln!("error[{}]: {e}", e.code());
        Exit::Usage
    })
}

/// Both sides replayed up to `at`; none when the file must be read
/// whole.
fn replay(
    old: &Inputs,
    new: &Inputs,
    run: &Run,
    at: Instant,
) -> Result<Option<(Replay, Replay, diff::Stages)>, Exit> {
    let plan = Plan {
        options: Some(run.options),
        ..Plan::new(at, run.batch_events.max(1))
    };
    let replayed = super::with_threads(run.threads, || {
        replay_diff(
            (&old.policy, &old.sources),
            (&new.policy, &new.sources),
            plan,
        )
    })?
    .map_err(usage)?;
    let DiffReplay::Done { old, new, stages } = replayed else {
        return Ok(None);
    };
    Ok(Replay::of(*old)
        .zip(Replay::of(*new))
        .map(|(o, n)| (o, n, *stages)))
}
