//! `detente classify --stream`: replays data larger than memory, a batch
//! of accounts at a time (`data::load_grouped`), writing each batch's
//! journeys as soon as they are known.
//!
//! Journeys come out in the order their accounts appear in the events
//! file (not sorted by contact id as without `--stream`, which would need
//! them all at once), an account's in contact id order, whatever the
//! batch size; each journey is byte for byte what `classify` gives.
//! Without `--as-of` the journeys go to a temporary file until the rows
//! accepted prove the default as-of time (the latest in the data) right:
//! see `Stream::at_latest`.

use std::collections::HashMap;
use std::io::{Seek, SeekFrom, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use signal_hook::consts::{SIGINT, SIGTERM};

use detente::data::{Batch, DataError, Group, Order, load_grouped_ahead};
use detente::eval::Evaluation;
use detente::eval::{default_as_of, evaluate_shard};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::Exit;
use super::classify::{Args, Format, entity, problem_line, render, summary};
use super::inputs::resolve;
use detente::report::journey::flat;

/// Journeys by account in the order of the events file, a contact's
/// place being its group's (`evaluate` gives them in id order, which the
/// stable sort keeps within a group), and account journeys likewise. The
/// output is then the same however the file was cut into batches.
fn in_file_order(evaluation: &mut Evaluation, groups: &[Group]) {
    let mut contact_place = HashMap::new();
    let mut account_place = HashMap::new();
    for (g, group) in groups.iter().enumerate() {
        if let Some(a) = &group.account {
            account_place.insert(a.as_str(), g);
        }
        for id in &group.contacts {
            contact_place.insert(id.as_str(), g);
        }
    }
    let place = |map: &HashMap<&str, usize>, id: &str| map.get(id).copied().unwrap_or(usize::MAX);
    evaluation
        .journeys
        .sort_by_key(|j| place(&contact_place, &j.contact));
    evaluation
        .accounts
        .sort_by_key(|a| place(&account_place, &a.account));
}

pub fn run(args: &Args) -> Exit {
    if !matches!(args.output, Format::Jsonl | Format::Csv) {
        eprintln!(
            "error: --stream writes journeys as they are known, so it needs -o jsonl or -o csv"
        );
        return Exit::Usage;
    }
    let inputs = match resolve(&args.data) {
        Ok(i) => i,
        Err(e) => return e,
    };
    let given = match inputs.as_of(args.as_of.as_deref()) {
        Ok(a) => a,
        Err(e) => return e,
    };
    let pool = match super::thread_pool(args.threads) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let stream = Stream {
        args,
        inputs: &inputs,
        pool: pool.as_ref(),
        stop: stop_on_signal(),
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
    let streamed = match given {
        Some(as_of) => stream.replay(&mut out, None, as_of, None),
        None => stream.at_latest(&mut out),
    };
    let streamed = match streamed {
        Ok(s) => s,
        Err(Stopped::Interrupted { written, spooled }) => {
            let _ = out.flush();
            let why = if spooled {
                " (without --as-of the journeys are written when the replay ends; give --as-of to have them written as they come)"
            } else {
                ""
            };
            eprintln!(
                "interrupted: {} written, each line whole; the rest was not replayed{why}",
                detente::report::plural(written as u64, "journey", "journeys")
            );
            return Exit::Interrupted;
        }
        Err(Stopped::Failed(e)) => {
            let _ = out.flush();
            eprintln!("{e}");
            return Exit::Usage;
        }
    };
    if let Err(e) = out.flush() {
        super::stop_if_reader_gone(&e);
        eprintln!("error: cannot write the output: {e}");
        return Exit::Usage;
    }
    finish(args, &streamed.rest)
}

/// The row problems, the rejects file, the summary and the exit code,
/// once the journeys are written.
fn finish(args: &Args, rest: &detente::data::Histories) -> Exit {
    eprint!("{}", super::reports::problems(rest, 20));
    if let Some(path) = &args.rejects
        && let Err(e) = super::reports::write_rejects(path, rest)
    {
        eprintln!("error: cannot write `{}`: {e}", path.display());
        return Exit::Usage;
    }
    summary(rest);
    if let Some(peak) = peak_memory_mib() {
        eprintln!("peak memory {peak} MiB");
    }
    if args.strict && rest.total().rejected > 0 {
        eprintln!(
            "error: {} rows rejected (with --stream the journeys were already written)",
            rest.total().rejected
        );
        return Exit::Usage;
    }
    Exit::Ok
}

/// One `classify --stream` run: what every replay of it shares.
struct Stream<'a> {
    args: &'a Args,
    inputs: &'a super::inputs::Inputs,
    pool: Option<&'a rayon::ThreadPool>,
    stop: Arc<AtomicBool>,
}

/// A replay written whole.
struct Streamed {
    /// The rows' counts, problems and notes.
    rest: detente::data::Histories,
    /// The latest time of the rows accepted (0 when none has one): the
    /// default as-of time.
    latest: i64,
    /// Events replayed.
    events: u64,
}

/// Why a replay stopped before the end.
enum Stopped {
    /// Ctrl-C or SIGTERM, after this many journeys were written
    /// (none, when they were going to a temporary file).
    Interrupted { written: usize, spooled: bool },
    /// An error, as printed.
    Failed(String),
}

impl Stream<'_> {
    /// Without `--as-of`: replayed up to the latest time a quick read of
    /// the time columns finds (`data::latest_time`), into a temporary
    /// file, which is written out once the rows accepted prove that time
    /// right. In the rare case they end earlier (the latest time was on
    /// a row rejected for another column, or on a repeated event), the
    /// replay runs again up to their latest time, straight to the
    /// output. The events are read once in the usual case instead of
    /// twice; the journeys come out at the end instead of as they come.
    fn at_latest(&self, out: &mut dyn Write) -> Result<Streamed, Stopped> {
        let policy = &self.inputs.policy;
        let guess = detente::data::latest_time(policy, &self.inputs.sources)
            .map_err(|e| Stopped::Failed(format!("error[{}]: {e}", e.code())))?
            .unwrap_or(0);
        let spool = || tempfile::tempfile().map_err(|e| spool_failed(&e));
        let (mut journeys, mut lines) = (spool()?, spool()?);
        let first = {
            let mut spooled = std::io::BufWriter::with_capacity(1 << 20, &mut journeys);
            let first = self.replay(&mut spooled, Some(&mut lines), guess, None);
            spooled.flush().map_err(|e| spool_failed(&e))?;
            first
        };
        let first = match first {
            Err(Stopped::Interrupted { .. }) => {
                return Err(Stopped::Interrupted {
                    written: 0,
                    spooled: true,
                });
            }
            other => other?,
        };
        if first.latest != guess {
            drop((journeys, lines));
            return self.replay(out, None, first.latest, Some(first.events));
        }
        for (file, to) in [
            (&mut lines, &mut std::io::stderr() as &mut dyn Write),
            (&mut journeys, out),
        ] {
            file.seek(SeekFrom::Start(0))
                .map_err(|e| spool_failed(&e))?;
            std::io::copy(file, to).map_err(|e| {
                super::stop_if_reader_gone(&e);
                Stopped::Failed(format!("error: cannot write the output: {e}"))
            })?;
        }
        Ok(first)
    }

    /// Replays every batch up to `as_of`, writing its journeys to `out`
    /// and its replay problems to `lines` (else standard error) as each
    /// batch is done.
    fn replay(
        &self,
        out: &mut dyn Write,
        mut lines: Option<&mut std::fs::File>,
        as_of: i64,
        total_events: Option<u64>,
    ) -> Result<Streamed, Stopped> {
        let (args, policy) = (self.args, &self.inputs.policy);
        let mut header = args.output == Format::Csv;
        let bar = progress(total_events, "replaying");
        let (mut written, mut latest, mut events) = (0usize, i64::MIN, 0u64);
        let mut batch = |b: Batch| -> Result<(), DataError> {
            // Only whole batches are written: stopping between two leaves
            // the output with whole lines, and says so.
            if self.stop.load(Ordering::Relaxed) {
                return Err(DataError::Stopped(INTERRUPTED.into()));
            }
            let h = &b.histories;
            if !h.events.is_empty() || h.contacts.iter().any(|c| c.created_at.is_some()) {
                latest = latest.max(default_as_of(h));
            }
            let replay = || evaluate_shard(policy, h, Some(as_of), args.shard);
            let mut evaluation = match self.pool {
                Some(pool) => pool.install(replay),
                None => replay(),
            };
            in_file_order(&mut evaluation, &b.groups);
            for p in &evaluation.problems {
                let line = problem_line(policy, p);
                match lines.as_deref_mut() {
                    Some(file) => writeln!(file, "{line}").map_err(|e| stopped(&e))?,
                    None => bar.suspend(|| eprintln!("{line}")),
                }
            }
            let text = journeys_text(args, policy, &evaluation, std::mem::take(&mut header))?;
            out.write_all(&text).map_err(|e| {
                super::stop_if_reader_gone(&e);
                DataError::Stopped(format!("cannot write the output: {e}"))
            })?;
            written += match args.lifecycle {
                super::classify::Lifecycle::Account => evaluation.accounts.len(),
                _ => evaluation.journeys.len(),
            };
            events += h.events.len() as u64;
            bar.inc(h.events.len() as u64);
            Ok(())
        };
        let loaded = load_grouped_ahead(
            policy,
            &self.inputs.sources,
            args.batch_events.max(1),
            // `--stream` writes each batch as it goes: events that are not
            // grouped are refused (D006), with how to sort them.
            Order::AsRead,
            &mut batch,
        );
        bar.finish_and_clear();
        match loaded {
            Ok((mut rest, id_in_two)) => {
                if id_in_two {
                    rest.notes.push(ID_IN_TWO.into());
                }
                Ok(Streamed {
                    rest,
                    latest: if latest == i64::MIN { 0 } else { latest },
                    events,
                })
            }
            Err(DataError::Stopped(e)) if e == INTERRUPTED => Err(Stopped::Interrupted {
                written,
                spooled: lines.is_some(),
            }),
            Err(e) => Err(Stopped::Failed(format!("error[{}]: {e}", e.code()))),
        }
    }
}

/// One batch's journeys as the output writes them: JSON Lines, or CSV
/// with the header before the first batch only.
fn journeys_text(
    args: &Args,
    policy: &detente::Policy,
    evaluation: &Evaluation,
    header: bool,
) -> Result<Vec<u8>, DataError> {
    if args.output != Format::Csv {
        return Ok(render(evaluation, policy, Format::Jsonl, args.lifecycle).into_bytes());
    }
    let failed = |e: csv::Error| DataError::Stopped(e.to_string());
    let mut w = csv::Writer::from_writer(Vec::new());
    if header {
        w.write_record(flat::columns(policy, entity(args.lifecycle)))
            .map_err(failed)?;
    }
    for r in flat::rows(evaluation, policy, entity(args.lifecycle)) {
        w.write_record(r).map_err(failed)?;
    }
    w.into_inner()
        .map_err(|e| DataError::Stopped(e.to_string()))
}

/// A temporary file that could not be made, written or read back.
fn spool_failed(e: &std::io::Error) -> Stopped {
    Stopped::Failed(format!("error: {}", spool_message(e)))
}

/// The same, as the replay of a batch stops on it.
fn stopped(e: &std::io::Error) -> DataError {
    DataError::Stopped(spool_message(e))
}

/// What went wrong with a temporary file, and the ways round it.
fn spool_message(e: &std::io::Error) -> String {
    format!(
        "cannot write the journeys to a temporary file in {} ({e}); free some space there, set TMPDIR to a folder with room, or give --as-of to write them as they come",
        std::env::temp_dir().display()
    )
}

/// The note when an event id may be used under two accounts: a batch
/// at a time each account keeps its event, where reading the whole file
/// keeps the first only.
const ID_IN_TWO: &str = "an event id may be used under two accounts (ids are compared by a 64-bit hash): with --stream each account kept its event, while without --stream the second is dropped as a repeat; if your CRM's ids are unique only within an account, this is what you want, else run without --stream to compare";

/// Why a stream stopped early on a signal.
const INTERRUPTED: &str = "interrupted";

/// A flag raised by the first Ctrl-C or SIGTERM, so the stream stops after
/// the batch it is writing; a second one ends the process at once.
fn stop_on_signal() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    for signal in [SIGINT, SIGTERM] {
        // Registering fails only for a forbidden signal; then the default
        // (end at once) stays, as before.
        let _ = signal_hook::flag::register_conditional_shutdown(signal, 130, Arc::clone(&flag));
        let _ = signal_hook::flag::register(signal, Arc::clone(&flag));
    }
    flag
}

/// A progress bar on standard error, drawn only when that is a terminal.
fn progress(total: Option<u64>, what: &str) -> ProgressBar {
    let target = if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = match total {
        Some(n) => ProgressBar::with_draw_target(Some(n), target).with_style(
            ProgressStyle::with_template(
                "{msg}: {bar:30} {human_pos}/{human_len} events, {per_sec}, {eta} left",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        ),
        None => ProgressBar::with_draw_target(None, target).with_style(
            ProgressStyle::with_template("{spinner} {msg}: {human_pos} events, {per_sec}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        ),
    };
    bar.set_message(what.to_string());
    bar
}

/// The process's peak resident memory, where the system says (Linux).
fn peak_memory_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}
