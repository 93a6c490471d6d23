//! `detente report`: the funnel, velocity, touchpoints, attribution,
//! balance and flow, drop-outs, SLAs, metrics, incentives and score
//! calibration of the replayed data (ENGINE.md §3).

use detente::check::model::Period;
use detente::eval::evaluate;
use detente::report::text::{Style, render};
use detente::report::{Options, build};

use super::Exit;
use super::inputs::{DataArgs, resolve};
use super::reports;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned tables for an 80-column terminal.
    Table,
    /// Markdown for a pull-request comment.
    Markdown,
    /// One JSON document (schema in docs/reports.md).
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PeriodArg {
    Month,
    Quarter,
    Year,
}

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    data: DataArgs,
    /// Replay up to this time (default: the latest time in the data).
    #[arg(long)]
    as_of: Option<String>,
    /// Start of the report: a date or time in the policy's timezone
    /// (default: the first stage entry in the data).
    #[arg(long)]
    from: Option<String>,
    /// End of the report, exclusive (default: the as-of time).
    #[arg(long)]
    to: Option<String>,
    /// The periods of balance, flow and metrics: the policy's fiscal
    /// months, quarters or years.
    #[arg(long, value_enum, default_value = "quarter")]
    period: PeriodArg,
    /// Count a conversion only within this long of the first entry, e.g.
    /// `90d`, `12w` (default: ever).
    #[arg(long)]
    window: Option<String>,
    #[arg(long = "output", short = 'o', value_enum, default_value = "table")]
    output: Format,
    /// Threads to replay accounts on (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
}

pub fn run(args: Args) -> Exit {
    let inputs = match resolve(&args.data) {
        Ok(i) => i,
        Err(e) => return e,
    };
    let as_of = match inputs.as_of(args.as_of.as_deref()) {
        Ok(a) => a,
        Err(e) => return e,
    };
    let start = detente::data::time::DateOnly::Start;
    let (from, to) = match (
        inputs.instant("--from", args.from.as_deref(), start),
        inputs.instant("--to", args.to.as_deref(), start),
    ) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    if let (Some(f), Some(t)) = (from, to)
        && f >= t
    {
        eprintln!("error: --from must be before --to");
        return Exit::Usage;
    }
    let window = match args.window.as_deref().map(window_ms).transpose() {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: --window: {e}");
            return Exit::Usage;
        }
    };
    let histories = match inputs.load() {
        Ok(h) => h,
        Err(e) => return e,
    };
    eprint!("{}", reports::rejected_note(&histories, "the report"));
    let options = Options {
        from,
        to,
        period: match args.period {
            PeriodArg::Month => Period::Month,
            PeriodArg::Quarter => Period::Quarter,
            PeriodArg::Year => Period::Year,
        },
        window,
    };
    let report = match super::with_threads(args.threads, || {
        let ev = evaluate(&inputs.policy, &histories, as_of);
        build(&inputs.policy, &histories, &ev, &options)
    }) {
        Ok(r) => r,
        Err(e) => return e,
    };
    match args.output {
        Format::Table => print!("{}", render(&report, Style::Table)),
        Format::Markdown => print!("{}", render(&report, Style::Markdown)),
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        ),
    }
    Exit::Ok
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
