//! `detente classify`: replays the data through the policy and prints each
//! contact's (or account's) journey.

use std::path::PathBuf;

use detente::data::{Histories, Severity};
use detente::eval::{Evaluation, evaluate_shard};
use detente::report::journey::{
    AccountJourneyView, AccountJourneysJson, DealJourneyView, DealJourneysJson, JourneyView,
    JourneysJson, flat,
};
use detente::report::plural;
use detente::report::problems::runtime_message;

use super::inputs::{DataArgs, resolve};
use super::{Exit, reports};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON document with every journey.
    Json,
    /// One journey per line.
    Jsonl,
    /// One row per contact: stage, scores, criteria.
    Csv,
    /// An aligned table for the terminal.
    Table,
    /// One Parquet file of typed columns in --out-dir (contacts.parquet,
    /// accounts.parquet or deals.parquet).
    Parquet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lifecycle {
    Contact,
    Account,
    Deal,
}

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub(super) data: DataArgs,
    /// Replay up to this time (default: the latest time in the data).
    #[arg(long)]
    pub(super) as_of: Option<String>,
    /// Output format.
    #[arg(long = "output", short = 'o', value_enum, default_value = "table")]
    pub(super) output: Format,
    /// Which lifecycle's journeys to print.
    #[arg(long, value_enum, default_value = "contact")]
    pub(super) lifecycle: Lifecycle,
    /// With -o parquet: the folder to write the file into (made if
    /// missing); the file appears whole or not at all.
    #[arg(long, value_name = "DIR")]
    pub(super) out_dir: Option<PathBuf>,
    /// Write every rejected row, verbatim, with its reason to this CSV file.
    #[arg(long)]
    pub(super) rejects: Option<PathBuf>,
    /// Exit 2 if any row was rejected (after reporting all of them).
    #[arg(long)]
    pub(super) strict: bool,
    /// Threads to replay accounts on (default: one per core). The output is
    /// the same whatever the number.
    #[arg(long)]
    pub(super) threads: Option<usize>,
    /// For data larger than memory: read the events a batch of accounts
    /// at a time and write journeys as they are known (-o jsonl or csv).
    /// The events must be grouped by account; journeys come out in the
    /// order of their accounts in the file. Without --as-of they are
    /// kept in a temporary file until the replay ends (the default as-of
    /// time, the latest in the data, is proven only then).
    #[arg(long, conflicts_with = "stdin")]
    stream: bool,
    /// With --stream: about how many events a batch holds (a contact
    /// counts as 25). Fewer take less memory and cores are kept less busy;
    /// the output is the same whatever the size.
    #[arg(
        long,
        default_value_t = super::report::BATCH_EVENTS,
        value_name = "EVENTS",
        requires = "stream"
    )]
    pub(super) batch_events: usize,
    /// Replay only shard K of N (e.g. 2/8): the accounts whose id falls
    /// in it by a stable hash (docs/data.md, "Shards and merge"), each with all its
    /// contacts and deals. Every shard reads the same files; the shards'
    /// journeys together are one run's. Default as-of: the whole data's.
    #[arg(long, value_name = "K/N", value_parser = shard, conflicts_with = "stdin")]
    pub(super) shard: Option<detente::data::shard::Shard>,
    /// Read JSON Lines from standard input — each line one contact with
    /// its events, or {"contacts": [...], "accounts": [...]} — and write
    /// one JSON line per input line as it goes (docs/api.md).
    #[arg(long)]
    stdin: bool,
    /// With --stdin: the longest line accepted; a longer one is answered
    /// with an error and skipped.
    #[arg(long, default_value_t = 16 * 1024 * 1024, value_name = "BYTES")]
    max_line_bytes: usize,
}

/// `--shard K/N`, or why not.
pub(super) fn shard(text: &str) -> Result<detente::data::shard::Shard, String> {
    detente::data::shard::Shard::parse(text).map_err(|e| e.to_string())
}

fn run_stdin(args: &Args) -> Exit {
    let f = &args.data.files;
    if !(f.contacts.is_empty() && f.accounts.is_empty() && f.events.is_empty()) {
        eprintln!(
            "error: --stdin reads the histories from standard input; leave out --contacts, --accounts and --events"
        );
        return Exit::Usage;
    }
    let policy = match super::inputs::policy(&args.data) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let date_only = detente::data::time::DateOnly::End;
    match super::inputs::instant(&policy, "--as-of", args.as_of.as_deref(), date_only) {
        Ok(as_of) => super::stream::run(&policy, as_of, args.max_line_bytes),
        Err(e) => e,
    }
}

pub fn run(args: Args) -> Exit {
    if args.stdin {
        return run_stdin(&args);
    }
    let parquet = args.output == Format::Parquet;
    if let Err(e) = super::files::parquet_out_dir(parquet, args.out_dir.as_deref(), "a file") {
        return e;
    }
    if args.stream {
        return super::grouped::run(&args);
    }
    let inputs = match resolve(&args.data) {
        Ok(i) => i,
        Err(e) => return e,
    };
    let as_of = match inputs.as_of(args.as_of.as_deref()) {
        Ok(a) => a,
        Err(e) => return e,
    };
    let histories = match inputs.load() {
        Ok(h) => h,
        Err(e) => return e,
    };
    eprint!("{}", reports::problems(&histories, 20));
    if let Some(path) = &args.rejects
        && let Err(e) = reports::write_rejects(path, &histories)
    {
        eprintln!("error: cannot write `{}`: {e}", path.display());
        return Exit::Usage;
    }
    let total = histories.total();
    if args.strict && total.rejected > 0 {
        eprintln!(
            "error: {} rows rejected; --strict stops before replaying",
            total.rejected
        );
        return Exit::Usage;
    }
    let evaluation = match super::with_threads(args.threads, || {
        evaluate_shard(&inputs.policy, &histories, as_of, args.shard)
    }) {
        Ok(e) => e,
        Err(e) => return e,
    };
    for p in &evaluation.problems {
        eprintln!("{}", problem_line(&inputs.policy, p));
    }
    summary(&histories);
    if let Some(dir) = &args.out_dir {
        return write_parquet(&evaluation, &inputs.policy, args.lifecycle, dir);
    }
    out!(
        "{}",
        render(&evaluation, &inputs.policy, args.output, args.lifecycle)
    );
    Exit::Ok
}

/// The journeys as `DIR/contacts.parquet` (or accounts, deals).
fn write_parquet(
    e: &Evaluation,
    policy: &detente::Policy,
    lifecycle: Lifecycle,
    dir: &std::path::Path,
) -> Exit {
    let name = match lifecycle {
        Lifecycle::Contact => "contacts.parquet",
        Lifecycle::Account => "accounts.parquet",
        Lifecycle::Deal => "deals.parquet",
    };
    let path = dir.join(name);
    let written = detente::report::parquet::journeys(e, policy, entity(lifecycle))
        .map_err(|e| format!("cannot make `{}`: {e}", path.display()))
        .and_then(|bytes| super::files::write_in_dir(&path, &bytes));
    match written {
        Ok(()) => {
            eprintln!("wrote {}", path.display());
            Exit::Ok
        }
        Err(e) => {
            eprintln!("error: {e}");
            Exit::Usage
        }
    }
}

/// A replay problem as printed: `problem[R001]: contact `c-1`: ...`.
pub(super) fn problem_line(policy: &detente::Policy, p: &detente::eval::RuntimeProblem) -> String {
    let who = p
        .contact
        .as_ref()
        .map(|c| format!("contact `{c}`: "))
        .unwrap_or_default();
    format!(
        "problem[{}]: {who}{}",
        p.problem.code(),
        runtime_message(policy.ir(), &p.problem)
    )
}

pub(super) fn summary(h: &Histories) {
    let t = h.total();
    let warnings = h
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Warning)
        .count();
    eprintln!(
        "rows read {}, accepted {}, rejected {}, duplicates {}{}{}",
        t.read,
        t.accepted,
        t.rejected,
        t.duplicates,
        super::reports::skipped_suffix(&t),
        if warnings > 0 {
            format!(" ({})", plural(warnings as u64, "warning", "warnings"))
        } else {
            String::new()
        }
    );
}

pub(super) fn render(
    e: &Evaluation,
    policy: &detente::Policy,
    format: Format,
    lifecycle: Lifecycle,
) -> String {
    let as_of = detente::data::time::format_instant(e.as_of);
    // Journeys are serialized straight to text: going through
    // `serde_json::Value` first cost a fifth of a streamed run.
    match format {
        Format::Json => {
            let doc = match lifecycle {
                Lifecycle::Contact => serde_json::to_string_pretty(&ContactsDoc {
                    as_of: &as_of,
                    journeys: JourneysJson(policy, &e.journeys),
                }),
                Lifecycle::Account => serde_json::to_string_pretty(&AccountsDoc {
                    as_of: &as_of,
                    accounts: AccountJourneysJson(policy, &e.accounts),
                }),
                Lifecycle::Deal => serde_json::to_string_pretty(&DealsDoc {
                    as_of: &as_of,
                    deals: DealJourneysJson(policy, &e.deals),
                }),
            };
            doc.unwrap_or_default() + "\n"
        }
        Format::Jsonl => match lifecycle {
            Lifecycle::Contact => {
                json_lines(e.journeys.iter().map(|j| JourneyView::new(policy, j)))
            }
            Lifecycle::Account => json_lines(
                e.accounts
                    .iter()
                    .map(|a| AccountJourneyView::new(policy, a)),
            ),
            Lifecycle::Deal => json_lines(
                e.deals
                    .iter()
                    .map(|d| DealJourneyView(JourneyView::new(policy, d))),
            ),
        },
        Format::Csv => flat::csv(e, policy, entity(lifecycle)),
        Format::Table | Format::Parquet => table(e, policy, lifecycle),
    }
}

#[derive(serde::Serialize)]
struct ContactsDoc<'a> {
    as_of: &'a str,
    journeys: JourneysJson<'a>,
}

#[derive(serde::Serialize)]
struct DealsDoc<'a> {
    as_of: &'a str,
    deals: DealJourneysJson<'a>,
}

#[derive(serde::Serialize)]
struct AccountsDoc<'a> {
    as_of: &'a str,
    accounts: AccountJourneysJson<'a>,
}

/// One JSON object per line.
fn json_lines<T: serde::Serialize>(items: impl ExactSizeIterator<Item = T>) -> String {
    let mut out = Vec::with_capacity(items.len() * 1024);
    for item in items {
        let start = out.len();
        match serde_json::to_writer(&mut out, &item) {
            Ok(()) => out.push(b'\n'),
            // Cannot happen for journeys (string keys only); never write
            // half an object if it did.
            Err(_) => out.truncate(start),
        }
    }
    String::from_utf8(out).unwrap_or_default()
}

/// The engine's entity whose journeys `lifecycle` prints.
pub(super) fn entity(lifecycle: Lifecycle) -> detente::ir::Entity {
    match lifecycle {
        Lifecycle::Contact => detente::ir::Entity::Contact,
        Lifecycle::Account => detente::ir::Entity::Account,
        Lifecycle::Deal => detente::ir::Entity::Deal,
    }
}

fn table(e: &Evaluation, policy: &detente::Policy, lifecycle: Lifecycle) -> String {
    let cols = flat::columns(policy, entity(lifecycle));
    let body = flat::rows(e, policy, entity(lifecycle));
    let widths: Vec<usize> = (0..cols.len())
        .map(|i| {
            body.iter()
                .filter_map(|r| r.get(i))
                .chain(cols.get(i))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |r: &[String]| {
        let cells: Vec<String> = r
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}", w = *w))
            .collect();
        cells.join("  ").trim_end().to_string() + "\n"
    };
    let mut out = line(&cols);
    for r in &body {
        out.push_str(&line(r));
    }
    let (one, many) = match lifecycle {
        Lifecycle::Contact => ("contact", "contacts"),
        Lifecycle::Account => ("account", "accounts"),
        Lifecycle::Deal => ("deal", "deals"),
    };
    out.push_str(&format!(
        "{} as of {}\n",
        plural(body.len() as u64, one, many),
        detente::data::time::format_instant(e.as_of)
    ));
    out
}
