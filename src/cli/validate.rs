//! `detente validate`: reads the data against the policy's schema and
//! reports every bad row, without replaying anything.

use std::path::PathBuf;

use detente::data::{Counts, Histories, RecordKind, Severity};

use super::inputs::{DataArgs, resolve};
use super::{Exit, reports};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    data: DataArgs,
    /// Write every rejected row, verbatim, with its reason to this CSV file.
    #[arg(long)]
    rejects: Option<PathBuf>,
    /// Exit 2 if any row was rejected (after reporting all of them).
    #[arg(long)]
    strict: bool,
}

pub fn run(args: Args) -> Exit {
    let inputs = match resolve(&args.data) {
        Ok(i) => i,
        Err(e) => return e,
    };
    let histories = match inputs.load() {
        Ok(h) => h,
        Err(e) => return e,
    };
    out!("{}", reports::problems(&histories, 50));
    out!("{}", summary_table(&histories));
    if let Some(path) = &args.rejects {
        if let Err(e) = reports::write_rejects(path, &histories) {
            eprintln!("error: cannot write `{}`: {e}", path.display());
            return Exit::Usage;
        }
    }
    let errors = histories
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .count();
    let rejected = histories.total().rejected;
    if args.strict && rejected > 0 {
        eprintln!("error: {rejected} rows rejected ({errors} errors); --strict fails the run");
        return Exit::Usage;
    }
    Exit::Ok
}

fn summary_table(h: &Histories) -> String {
    let mut out =
        String::from("\nrows               read   accepted   rejected  duplicates    skipped\n");
    let line = |name: &str, c: &Counts| {
        format!(
            "{name:<13} {:>9} {:>10} {:>10} {:>11} {:>10}\n",
            c.read, c.accepted, c.rejected, c.duplicates, c.skipped
        )
    };
    for kind in [
        RecordKind::Contacts,
        RecordKind::Accounts,
        RecordKind::Deals,
        RecordKind::DealContacts,
        RecordKind::Events,
    ] {
        if let Some(c) = h.counts.get(&kind) {
            out.push_str(&line(kind.name(), c));
        }
    }
    out.push_str(&line("total", &h.total()));
    out
}
