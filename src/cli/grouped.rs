//! `detente classify --stream`: replays data larger than memory, a batch
//! of accounts at a time (`data::load_grouped`), writing each batch's
//! journeys as soon as they are known.
//!
//! Journeys come out in the order their accounts appear in the events
//! file (not sorted by contact id as without `--stream`, which would need
//! them all at once), an account's in contact id order, whatever the
//! batch size; each journey is byte for byte what `classify` gives.
//! Without `--as-of` the events are read twice: once for the latest time
//! in them (the default as-of time), once to replay.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use signal_hook::consts::{SIGINT, SIGTERM};

use detente::data::{Batch, DataError, Group, load_grouped, load_grouped_ahead};
use detente::eval::Evaluation;
use detente::eval::{default_as_of, evaluate};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::Exit;
use super::classify::{Args, Format, columns, problem_line, render, rows, summary};
use super::inputs::resolve;

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
    let policy = &inputs.policy;
    let batch_events = args.batch_events.max(1);
    let mut total_events = None;
    let as_of = match given {
        Some(t) => t,
        None => {
            // The default as-of time is the latest in the data: one pass
            // to find it.
            let mut latest = i64::MIN;
            let mut events = 0u64;
            let bar = progress(None, "finding the latest time");
            let pass = load_grouped(policy, &inputs.sources, batch_events, &mut |b| {
                let h = &b.histories;
                if !h.events.is_empty() || h.contacts.iter().any(|c| c.created_at.is_some()) {
                    latest = latest.max(default_as_of(h));
                }
                events += h.events.len() as u64;
                bar.inc(h.events.len() as u64);
                Ok(())
            });
            bar.finish_and_clear();
            if let Err(e) = pass {
                eprintln!("error[{}]: {e}", e.code());
                return Exit::Usage;
            }
            total_events = Some(events);
            if latest == i64::MIN { 0 } else { latest }
        }
    };

    let pool = match super::thread_pool(args.threads) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
    let mut header = args.output == Format::Csv;
    let bar = progress(total_events, "replaying");
    let stop = stop_on_signal();
    let mut written = 0usize;
    let mut batch = |b: Batch| -> Result<(), DataError> {
        // Only whole batches are written: stopping between two leaves the
        // output with whole lines, and says so.
        if stop.load(Ordering::Relaxed) {
            return Err(DataError::Stopped(INTERRUPTED.into()));
        }
        let h = &b.histories;
        let replay = || evaluate(policy, h, Some(as_of));
        let mut evaluation = match &pool {
            Some(pool) => pool.install(replay),
            None => replay(),
        };
        in_file_order(&mut evaluation, &b.groups);
        for p in &evaluation.problems {
            bar.suspend(|| eprintln!("{}", problem_line(policy, p)));
        }
        let text = match args.output {
            // One header for the whole output, not one per batch.
            Format::Csv => {
                let mut w = csv::Writer::from_writer(Vec::new());
                if std::mem::take(&mut header) {
                    w.write_record(columns(policy, args.lifecycle))
                        .map_err(|e| DataError::Stopped(e.to_string()))?;
                }
                for r in rows(&evaluation, policy, args.lifecycle) {
                    w.write_record(r)
                        .map_err(|e| DataError::Stopped(e.to_string()))?;
                }
                w.into_inner()
                    .map_err(|e| DataError::Stopped(e.to_string()))?
            }
            _ => render(&evaluation, policy, Format::Jsonl, args.lifecycle).into_bytes(),
        };
        out.write_all(&text).map_err(|e| {
            super::stop_if_reader_gone(&e);
            DataError::Stopped(format!("cannot write the output: {e}"))
        })?;
        written += match args.lifecycle {
            super::classify::Lifecycle::Account => evaluation.accounts.len(),
            _ => evaluation.journeys.len(),
        };
        bar.inc(h.events.len() as u64);
        Ok(())
    };
    let loaded = load_grouped_ahead(policy, &inputs.sources, batch_events, &mut batch).map(
        |(mut h, id_in_two)| {
            if id_in_two {
                h.notes.push(ID_IN_TWO.into());
            }
            h
        },
    );
    bar.finish_and_clear();
    let rest = match loaded {
        Ok(rest) => rest,
        Err(DataError::Stopped(e)) if e == INTERRUPTED => {
            let _ = out.flush();
            eprintln!(
                "interrupted: {} written, each line whole; the rest was not replayed",
                detente::report::plural(written as u64, "journey", "journeys")
            );
            return Exit::Interrupted;
        }
        Err(e) => {
            let _ = out.flush();
            eprintln!("error[{}]: {e}", e.code());
            return Exit::Usage;
        }
    };
    if let Err(e) = out.flush() {
        super::stop_if_reader_gone(&e);
        eprintln!("error: cannot write the output: {e}");
        return Exit::Usage;
    }
    eprint!("{}", super::reports::problems(&rest, 20));
    if let Some(path) = &args.rejects
        && let Err(e) = super::reports::write_rejects(path, &rest)
    {
        eprintln!("error: cannot write `{}`: {e}", path.display());
        return Exit::Usage;
    }
    summary(&rest);
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
