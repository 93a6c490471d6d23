//! `detente report`: the funnel, velocity, touchpoints, attribution,
//! balance and flow, drop-outs, SLAs, metrics, incentives and score
//! calibration of the replayed data (docs/reports.md).

use detente::data::Order;
use detente::data::shard::Shard;
use detente::ir::Period;
use detente::report::batched::{Batched, Plan, Whole};
use detente::report::partial;
use detente::report::replay_data::replay_data;
use detente::report::text::{Style, render};
use detente::report::{Options, Replayed, build_from};

use super::Exit;
use detente::data::time::{DateOnly, Instant};

use super::inputs::{DataArgs, Inputs, resolve};
use super::reports;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned tables for an 80-column terminal.
    Table,
    /// Markdown for a pull-request comment.
    Markdown,
    /// One JSON document (schema in docs/reports.md).
    Json,
    /// One self-contained HTML page with charts; opens offline.
    Html,
    /// One Parquet file per section in --out-dir (funnel.parquet,
    /// metrics.parquet, ...), beside report.json.
    Parquet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PeriodArg {
    Month,
    Quarter,
    Year,
}

/// The replay time and the span a report or diff covers.
#[derive(clap::Args)]
pub struct SpanArgs {
    /// Replay up to this time (default: the latest time in the data).
    #[arg(long)]
    as_of: Option<String>,
    /// Start of the figures: a date or time in the policy's timezone
    /// (default: the first stage entry in the data).
    #[arg(long)]
    from: Option<String>,
    /// End of the figures, exclusive (default: the as-of time).
    #[arg(long)]
    to: Option<String>,
    /// The periods of balance, flow and metrics: the policy's fiscal
    /// months, quarters or years.
    #[arg(long, value_enum, default_value = "quarter")]
    period: PeriodArg,
}

/// What `SpanArgs` say, read in the policy's timezone.
pub struct Span {
    pub as_of: Option<Instant>,
    pub from: Option<Instant>,
    pub to: Option<Instant>,
    pub period: Period,
}

impl SpanArgs {
    pub fn read(&self, inputs: &Inputs) -> Result<Span, Exit> {
        let as_of = inputs.as_of(self.as_of.as_deref())?;
        let from = inputs.instant("--from", self.from.as_deref(), DateOnly::Start)?;
        let to = inputs.instant("--to", self.to.as_deref(), DateOnly::Start)?;
        if let (Some(f), Some(t)) = (from, to)
            && f >= t
        {
            eprintln!("error: --from must be before --to");
            return Err(Exit::Usage);
        }
        Ok(Span {
            as_of,
            from,
            to,
            period: match self.period {
                PeriodArg::Month => Period::Month,
                PeriodArg::Quarter => Period::Quarter,
                PeriodArg::Year => Period::Year,
            },
        })
    }
}

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    span: SpanArgs,
    /// Count a conversion only within this long of the first entry, e.g.
    /// `90d`, `12w` (default: ever).
    #[arg(long)]
    window: Option<String>,
    // A partial is not printed: `detente merge` takes the format.
    #[arg(
        long = "output",
        short = 'o',
        value_enum,
        default_value = "table",
        conflicts_with = "partial"
    )]
    output: Format,
    /// With -o parquet: the folder to write the sections into (made if
    /// missing); each file appears whole or not at all.
    #[arg(long, value_name = "DIR")]
    out_dir: Option<std::path::PathBuf>,
    /// Threads to replay accounts on (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
    /// Events replayed at a time when the events come grouped by account:
    /// more uses more memory, fewer more time; the report is the same.
    #[arg(long, default_value_t = REPORT_BATCH_EVENTS, value_name = "EVENTS")]
    batch_events: usize,
    #[command(flatten)]
    parts: PartArgs,
}

/// Replaying one part of the data for `detente merge`.
#[derive(clap::Args)]
pub struct PartArgs {
    /// Replay only shard K of N (e.g. 2/8): the accounts whose id falls
    /// in it (docs/data.md, "Shards and merge"). Needs --partial: a
    /// shard's figures are merged, not read on their own.
    #[arg(long, value_name = "K/N", value_parser = super::classify::shard, requires = "partial")]
    pub shard: Option<detente::data::shard::Shard>,
    /// Write the partial state to FILE instead of printing: what
    /// `detente merge` combines, with the other parts, into the output of
    /// one run.
    #[arg(long, value_name = "FILE")]
    pub partial: Option<std::path::PathBuf>,
}

/// The default batch of `classify --stream`, in events.
pub const BATCH_EVENTS: usize = 100_000;

/// The default batch of `report` and `diff`, in events: smaller than
/// `classify --stream`'s, because they keep what the reports read of
/// every batch while the next is read ahead. Measured at 100k contacts
/// (BENCHMARKS.md): 25,000 read ahead gave the report 22-24 s and
/// 480-496 MiB, where 100,000 read in turn gave 25-27 s and 491-511 MiB.
pub const REPORT_BATCH_EVENTS: usize = 25_000;

pub fn run(args: Args) -> Exit {
    if args.parts.partial.is_some() && args.out_dir.is_some() {
        eprintln!(
            "error: --partial writes the partial state, not the report: leave out --out-dir, and give it to `detente merge`"
        );
        return Exit::Usage;
    }
    let parquet = args.output == Format::Parquet;
    if args.parts.partial.is_none()
        && let Err(e) = super::files::parquet_out_dir(parquet, args.out_dir.as_deref(), "files")
    {
        return e;
    }
    let inputs = match resolve(&args.data) {
        Ok(i) => i,
        Err(e) => return e,
    };
    let span = match args.span.read(&inputs) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let window = match args.window.as_deref().map(window_ms).transpose() {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: --window: {e}");
            return Exit::Usage;
        }
    };
    let options = Options {
        from: span.from,
        to: span.to,
        period: span.period,
        window,
    };
    // A partial keeps the journeys for the merge, not the report's
    // running sections.
    let counted = args.parts.partial.is_none().then_some(options);
    let replay = match replay_sides(
        &[&inputs],
        span.as_of,
        args.batch_events,
        args.threads,
        args.parts.shard,
        counted,
    ) {
        Ok(mut r) => match r.pop() {
            Some(r) => r,
            None => return Exit::Usage,
        },
        Err(e) => return e,
    };
    eprint!(
        "{}",
        whole_note(std::slice::from_ref(&replay), "the report")
    );
    eprint!("{}", reports::rejected_note(replay.rejected, "the report"));
    if let Some(path) = &args.parts.partial {
        let head = partial::Head {
            kind: partial::Kind::Report,
            as_of: replay.replayed.eval.as_of,
            options,
            gates: Vec::new(),
            shard: args.parts.shard.map(|s| (s.k(), s.n())),
            sides: vec![partial::SideHead {
                label: inputs.label.clone(),
                source: inputs.source.clone(),
                rejected: replay.rejected,
            }],
        };
        return super::merge::write_partial(path, head, vec![inputs.policy], vec![replay.replayed]);
    }
    match build_from(&inputs.policy, &replay.replayed, &options) {
        Ok(report) => print(&report, args.output, args.out_dir.as_deref()),
        // The replay was counted under these very options.
        Err(e) => {
            eprintln!("error[{}]: {e}", e.code());
            Exit::Usage
        }
    }
}

/// The report in `output`'s format: printed, or its sections written in
/// `out_dir`.
pub fn print(
    report: &detente::report::build::Report,
    output: Format,
    out_dir: Option<&std::path::Path>,
) -> Exit {
    eprint!("{}", many_segments(report));
    match output {
        Format::Table => out!("{}", render(report, Style::Table)),
        Format::Markdown => out!("{}", render(report, Style::Markdown)),
        Format::Html => out!("{}", detente::report::html::render(report)),
        Format::Json => outln!(
            "{}",
            serde_json::to_string_pretty(report).unwrap_or_default()
        ),
        Format::Parquet => {
            if let Some(dir) = out_dir {
                return write_sections(report, dir);
            }
        }
    }
    Exit::Ok
}

/// Each section as `DIR/SECTION.parquet`, and the whole report as
/// `DIR/report.json`.
fn write_sections(report: &detente::report::build::Report, dir: &std::path::Path) -> Exit {
    let sections = match detente::report::parquet::report_sections(report) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot make the report's Parquet files: {e}");
            return Exit::Usage;
        }
    };
    let json = serde_json::to_string_pretty(report).unwrap_or_default() + "\n";
    let files = sections
        .into_iter()
        .map(|(name, bytes)| (format!("{name}.parquet"), bytes))
        .chain([("report.json".to_string(), json.into_bytes())]);
    for (name, bytes) in files {
        let path = dir.join(&name);
        if let Err(e) = super::files::write_in_dir(&path, &bytes) {
            eprintln!("error: {e}");
            return Exit::Usage;
        }
    }
    eprintln!("wrote the report's sections to {}", dir.display());
    Exit::Ok
}

/// Segments past which a cut is more likely a mistake (`by contact.id`)
/// than a scoreboard.
const MANY_SEGMENTS: usize = 1_000;

/// A warning for each metric or incentive cut into thousands of
/// segments: the report is valid, but nobody reads it.
fn many_segments(report: &detente::report::build::Report) -> String {
    let mut out = String::new();
    for m in &report.metrics {
        let n = m.values.first().map_or(0, |c| c.segments.len());
        if n > MANY_SEGMENTS {
            out.push_str(&format!(
                "warning: metric `{}` is cut by {} into {n} segments; the table, Markdown and HTML reports show the first {}, the JSON all of them. Cut by a field with fewer values (an office, a source), not one per contact.\n",
                m.metric,
                m.by.as_deref().unwrap_or("a field"),
                detente::report::scoreboard::SHOWN,
            ));
        }
    }
    let mut seen = std::collections::BTreeMap::new();
    for i in &report.incentives {
        let n = seen.entry(i.incentive.as_str()).or_insert(0usize);
        *n = (*n).max(i.payees.len());
    }
    for (name, n) in seen {
        if n > MANY_SEGMENTS {
            out.push_str(&format!(
                "warning: incentive `{name}` has {n} payees in one period; check that `per` names a person or a team, not one value per contact.\n"
            ));
        }
    }
    out
}

/// `90d`, `12w`, `48h` as milliseconds.
fn window_ms(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let (n, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: i64 = n
        .parse()
        .map_err(|_| format!("`{text}` is not a length such as 90d, 12w or 48h"))?;
    let hour = 3_600_000;
    match unit {
        "h" => Ok(n * hour),
        "d" => Ok(n * 24 * hour),
        "w" => Ok(n * 7 * 24 * hour),
        _ => Err(format!("`{text}` is not a length such as 90d, 12w or 48h")),
    }
}

/// A replay a report or diff reads, with the latest time in the rows it
/// accepted (the default as-of time), how many rows it rejected, and why
/// it read the whole data at once, if it did.
pub struct Replay {
    pub replayed: Replayed,
    pub latest: Instant,
    pub rejected: u64,
    pub whole: Option<Whole>,
    /// How the events were read: `Regroup` when they were not grouped by
    /// account and went through temporary files first.
    pub order: Order,
}

impl Replay {
    /// A replay read in batches; none when the whole file must be read.
    pub fn of(batched: Batched) -> Option<Replay> {
        match batched {
            Batched::Done {
                replayed,
                rest,
                latest,
                order,
            } => Some(Replay {
                replayed: *replayed,
                latest,
                rejected: rest.total().rejected,
                whole: None,
                order,
            }),
            Batched::Whole(_) => None,
        }
    }
}

/// Replays the data of each of `sides` (one policy each) up to `as_of`,
/// or else up to the latest time any of them accepted: guessed first by a
/// quick read of the time columns through the first side's policy, and
/// replayed again in the rare case the rows accepted end elsewhere (the
/// latest time was on a rejected row).
pub fn replay_sides(
    sides: &[&Inputs],
    as_of: Option<Instant>,
    batch_events: usize,
    threads: Option<usize>,
    shard: Option<Shard>,
    options: Option<Options>,
) -> Result<Vec<Replay>, Exit> {
    let guess = as_of_guess(sides, as_of)?;
    // In turn: each side after the first keeps only the events that
    // differ from the first side's (a diff's two sides read one file).
    let run = |at| {
        super::with_threads(threads, || {
            let mut replays: Vec<Replay> = Vec::with_capacity(sides.len());
            for s in sides {
                let follow = replays.first().map(|r| &r.replayed.events);
                // The first side found out whether the file is grouped.
                let plan = Plan {
                    follow,
                    shard,
                    order: replays.first().map_or(Order::AsRead, |r| r.order),
                    options,
                    ..Plan::new(at, batch_events.max(1))
                };
                let replay = replay_at(s, plan)?;
                replays.push(replay);
            }
            Ok::<_, Exit>(replays)
        })?
    };
    let replays = run(guess)?;
    let latest = replays.iter().map(|r| r.latest).max().unwrap_or(guess);
    if as_of.is_some() || latest == guess {
        return Ok(replays);
    }
    drop(replays);
    run(latest)
}

/// The as-of time to replay `sides` up to: `as_of`, else the latest time
/// in the data as a quick read of the time columns through the first
/// side's policy finds it (the rows accepted may end earlier: the caller
/// replays again then).
pub fn as_of_guess(sides: &[&Inputs], as_of: Option<Instant>) -> Result<Instant, Exit> {
    Ok(match (as_of, sides.first()) {
        (Some(t), _) => t,
        (None, Some(first)) => detente::data::latest_time(&first.policy, &first.sources)
            .map(|t| t.unwrap_or(0))
            .map_err(usage)?,
        (None, None) => 0,
    })
}

/// The note saying the data was read whole and why (the first side's
/// reason), or that the events were grouped by account first, once;
/// empty when every side was replayed in batches as the file has them.
pub fn whole_note(replays: &[Replay], what: &str) -> String {
    if let Some(why) = replays.iter().find_map(|r| r.whole.as_ref()) {
        return format!(
            "note: {what} reads the whole data into memory: {} (docs/data.md, \"Large data\")\n",
            why.reason()
        );
    }
    if replays.iter().any(|r| r.order == Order::Regroup) {
        return format!(
            "note: {what} grouped the events by account in temporary files before replaying them (reading them twice): they are not grouped by account, or the data has deals, whose contact rows are checked against every event first (docs/data.md, \"Large data\")\n"
        );
    }
    String::new()
}

/// A data error, printed, as the exit it makes.
pub fn usage(e: detente::data::DataError) -> Exit {
    eprintln!("error[{}]: {e}", e.code());
    Exit::Usage
}

/// The replay up to `as_of`: a batch of accounts at a time when the
/// events come grouped by account (memory holds a batch of rows), else
/// the whole data at once.
fn replay_at(inputs: &Inputs, plan: Plan) -> Result<Replay, Exit> {
    let r = replay_data(&inputs.policy, &inputs.sources, plan).map_err(usage)?;
    Ok(Replay {
        replayed: r.replayed,
        latest: r.latest,
        rejected: r.rest.total().rejected,
        whole: r.whole,
        order: r.order,
    })
}
