//! `detente diff OLD NEW`: both policies replayed on the same data and
//! compared (docs/diff.md); exit 3 when a gate fails, for CI.

use std::path::Path;

use detente::data::manifest::Manifest;
use detente::report::Options;
use detente::report::diff::{self, Gates, Side, gates};
use detente::report::partial;
use detente::report::text::Style;

use super::Exit;
use super::inputs::{self, DataFiles};
use super::{report, reports};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned tables for a terminal.
    Table,
    /// Markdown, ready to post on a pull request.
    Markdown,
    /// One JSON document (schema in docs/reports.md).
    Json,
}

#[derive(clap::Args)]
pub struct Args {
    /// The policy before the change: a file, or `git:REV:PATH` to read it
    /// from git (e.g. git:origin/main:policies/acme.detente).
    old: String,
    /// The policy after the change: a file or `git:REV:PATH` (default: the
    /// manifest's [policy] path).
    new: Option<String>,
    /// The manifest to read (default: ./detente.toml when it exists).
    #[arg(long)]
    manifest: Option<std::path::PathBuf>,
    #[command(flatten)]
    files: DataFiles,
    #[command(flatten)]
    span: super::report::SpanArgs,
    /// Fail (exit 3) when more than this share of contacts change stage,
    /// e.g. `5%`, or more than this many, e.g. `120`.
    #[arg(long, value_name = "LIMIT")]
    fail_if_changed: Option<String>,
    /// Fail when a metric drops by more than a limit, in the unit it is
    /// shown in: `win_rate=2%` (a rate: 2 percentage points),
    /// `bookings=5%` (5% of the old value), `bookings=5000` (an amount).
    /// Repeat for more metrics.
    #[arg(long, value_name = "METRIC=LIMIT")]
    fail_if_metric_drops: Vec<String>,
    /// Fail when a metric rises by more than a limit, e.g. `cycle_days=10%`.
    #[arg(long, value_name = "METRIC=LIMIT")]
    fail_if_metric_rises: Vec<String>,
    // A partial is not printed: `detente merge` takes the format.
    #[arg(
        long = "output",
        short = 'o',
        value_enum,
        default_value = "table",
        conflicts_with = "partial"
    )]
    output: Format,
    /// Threads to replay accounts on (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
    /// Events replayed at a time when the events come grouped by account:
    /// more uses more memory, fewer more time; the diff is the same.
    #[arg(long, default_value_t = report::REPORT_BATCH_EVENTS, value_name = "EVENTS")]
    batch_events: usize,
    #[command(flatten)]
    parts: report::PartArgs,
}

/// A policy's text from a file or from git.
fn read(spec: &str) -> Result<String, Exit> {
    let Some(rest) = spec.strip_prefix("git:") else {
        return inputs::read_policy(Path::new(spec));
    };
    let Some((rev, path)) = rest
        .rsplit_once(':')
        .filter(|(rev, path)| !rev.is_empty() && !path.is_empty())
    else {
        eprintln!(
            "error: `{spec}` should be git:REV:PATH, e.g. git:origin/main:policies/acme.detente"
        );
        return Err(Exit::Usage);
    };
    // A revision is never an option: `git:--output=x:y` must not reach
    // `git show` as one (it would write a file).
    if rev.starts_with('-') {
        eprintln!(
            "error: `{rev}` in `{spec}` is not a git revision (it starts with `-`): write a branch, tag or commit, e.g. git:origin/main:{path}"
        );
        return Err(Exit::Usage);
    }
    // `./` makes git read PATH from the current folder, like a file path.
    let object = if path.starts_with("./") || path.starts_with("../") || path.starts_with('/') {
        format!("{rev}:{path}")
    } else {
        format!("{rev}:./{path}")
    };
    let out = std::process::Command::new("git")
        .args(["show", &object])
        .output()
        .map_err(|e| {
            eprintln!("error: cannot run git to read `{spec}`: {e}");
            Exit::Usage
        })?;
    if !out.status.success() {
        eprintln!(
            "error: git cannot read `{path}` at `{rev}`: {}\n  help: check the revision exists here (in CI, fetch it first, e.g. `git fetch origin main`) and that the path is relative to the current folder",
            String::from_utf8_lossy(&out.stderr).trim()
        );
        return Err(Exit::Usage);
    }
    String::from_utf8(out.stdout).map_err(|_| {
        eprintln!("error: `{spec}` is not UTF-8 text");
        Exit::Problems
    })
}

fn compile(which: &str, label: &str, source: &str) -> Result<detente::Policy, Exit> {
    inputs::compile(label, source).inspect_err(|_| {
        eprintln!("error: the {which} policy `{label}` has errors (above); diff needs both policies to compile");
    })
}

fn gates(args: &Args, manifest: Option<&Manifest>) -> Result<Gates, Exit> {
    let from_flags = args.fail_if_changed.is_some()
        || !args.fail_if_metric_drops.is_empty()
        || !args.fail_if_metric_rises.is_empty();
    let result = if from_flags {
        let mut g = Vec::new();
        (|| {
            if let Some(t) = &args.fail_if_changed {
                g.push(gates::parse_changed(t, "--fail-if-changed").map_err(|e| e.to_string())?);
            }
            for (list, rises) in [
                (&args.fail_if_metric_drops, false),
                (&args.fail_if_metric_rises, true),
            ] {
                for m in list {
                    g.push(gates::parse_metric(m, rises).map_err(|e| e.to_string())?);
                }
            }
            Ok(())
        })()
        .map(|()| g)
    } else {
        match manifest.and_then(|m| m.ci.as_ref().map(|ci| (m, ci))) {
            Some((m, ci)) => {
                gates::from_manifest(ci).map_err(|e| format!("{}: {e}", m.path.display()))
            }
            None => Ok(Vec::new()),
        }
    };
    result.map_err(|e: String| {
        eprintln!("error: {e}");
        Exit::Usage
    })
}

pub fn run(args: Args) -> Exit {
    match diff_command(&args) {
        Ok(e) | Err(e) => e,
    }
}

fn diff_command(args: &Args) -> Result<Exit, Exit> {
    let manifest = inputs::manifest(args.manifest.as_deref())?;
    let gates = gates(args, manifest.as_ref())?;
    let new_label = match (&args.new, manifest.as_ref().and_then(|m| m.policy.as_ref())) {
        (Some(n), _) => n.clone(),
        (None, Some(p)) => p.display().to_string(),
        (None, None) => {
            eprintln!(
                "error: no NEW policy: name it after OLD, or run where a detente.toml names one in [policy] path"
            );
            return Err(Exit::Usage);
        }
    };
    let old_source = read(&args.old)?;
    let new_source = read(&new_label)?;
    let old = compile("old", &args.old, &old_source)?;
    let new = compile("new", &new_label, &new_source)?;
    let sources = inputs::sources(&args.files, manifest.as_ref())?;
    let new_inputs = inputs::Inputs {
        policy: new,
        sources: sources.clone(),
        label: new_label,
        source: new_source,
    };
    let span = args.span.read(&new_inputs)?;
    let old_inputs = inputs::Inputs {
        policy: old,
        sources,
        label: args.old.clone(),
        source: old_source,
    };
    let options = Options {
        from: span.from,
        to: span.to,
        period: span.period,
        window: None,
    };
    if args.parts.partial.is_none() {
        let run = super::diffed::Run {
            as_of: span.as_of,
            batch_events: args.batch_events,
            threads: args.threads,
            options,
        };
        if let Some(result) = super::diffed::diff_counted(&old_inputs, &new_inputs, &run, &gates)? {
            return Ok(print(&result, args.output));
        }
    }
    // Each side is replayed on its own (the two schemas may read the rows
    // differently), up to the same as-of time: the latest either accepted.
    // A partial keeps the journeys for the merge; data that must be read
    // whole is read so.
    let mut replays = report::replay_sides(
        &[&old_inputs, &new_inputs],
        span.as_of,
        args.batch_events,
        args.threads,
        args.parts.shard,
        // The diff reads no section the report counts as it goes.
        None,
    )?;
    eprint!("{}", report::whole_note(&replays, "the diff"));
    let (Some(new_side), Some(old_side)) = (replays.pop(), replays.pop()) else {
        return Err(Exit::Usage);
    };
    eprint!("{}", reports::rejected_note(new_side.rejected, "the diff"));
    if let Some(path) = &args.parts.partial {
        let side = |i: &inputs::Inputs, rejected| partial::SideHead {
            label: i.label.clone(),
            source: i.source.clone(),
            rejected,
        };
        let head = partial::Head {
            kind: partial::Kind::Diff,
            as_of: new_side.replayed.eval.as_of,
            options,
            gates,
            shard: args.parts.shard.map(|s| (s.k(), s.n())),
            sides: vec![
                side(&old_inputs, old_side.rejected),
                side(&new_inputs, new_side.rejected),
            ],
        };
        return Ok(super::merge::write_partial(
            path,
            head,
            vec![old_inputs.policy, new_inputs.policy],
            vec![old_side.replayed, new_side.replayed],
        ));
    }
    let (old_ev, new_ev) = (&old_side.replayed, &new_side.replayed);
    let result = diff::diff(
        &Side {
            label: &old_inputs.label,
            source: &old_inputs.source,
            policy: &old_inputs.policy,
            replayed: old_ev,
            rejected_rows: old_side.rejected,
        },
        &Side {
            label: &new_inputs.label,
            source: &new_inputs.source,
            policy: &new_inputs.policy,
            replayed: new_ev,
            rejected_rows: new_side.rejected,
        },
        &options,
        &gates,
    );
    Ok(print(&result, args.output))
}

/// The diff in `output`'s format; exit 3 when a gate failed.
pub fn print(result: &diff::PolicyDiff, output: Format) -> Exit {
    match output {
        Format::Table => out!("{}", diff::text::render(result, Style::Table)),
        Format::Markdown => out!("{}", diff::text::render(result, Style::Markdown)),
        Format::Json => outln!(
            "{}",
            serde_json::to_string_pretty(result).unwrap_or_default()
        ),
    }
    if result.passed {
        Exit::Ok
    } else {
        for g in result.gates.iter().filter(|g| !g.passed) {
            eprintln!("gate failed: {} — {}", g.gate, g.message);
        }
        Exit::GateFailed
    }
}
