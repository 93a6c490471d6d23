//! `detente merge PARTIALS...`: the partial reports of `report --partial`
//! and `diff --partial` (a shard each, or any parts of the data) made
//! into the output one run gives, in any of its formats.

use std::path::{Path, PathBuf};

use detente::Policy;
use detente::report::Replayed;
use detente::report::merge::{Differs, MergeError, Merger, Subject};
use detente::report::partial::{Head, Kind, Partial, PartialError};

use super::Exit;

#[derive(clap::Args)]
pub struct Args {
    /// The partial reports, one per part (`report --partial FILE` or
    /// `diff --partial FILE`), in any order.
    #[arg(required = true, value_name = "PARTIALS")]
    partials: Vec<PathBuf>,
    /// The output's format: a report's (table, markdown, json, html,
    /// parquet) or a diff's (table, markdown, json).
    #[arg(long = "output", short = 'o', value_enum, default_value = "table")]
    output: super::report::Format,
    /// With -o parquet: the folder to write a report's sections into.
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,
}

pub fn run(args: Args) -> Exit {
    // Before reading any partial: whichever they are, the flags are wrong.
    let parquet = args.output == super::report::Format::Parquet;
    if let Err(e) = super::files::parquet_out_dir(parquet, args.out_dir.as_deref(), "files") {
        return e;
    }
    match merged(&args.partials) {
        Ok(whole) => print(&args, &whole),
        Err(e) => e,
    }
}

/// The partials read one at a time and merged as they come, so memory
/// holds one part besides what is merged so far.
fn merged(paths: &[PathBuf]) -> Result<Partial, Exit> {
    let mut paths_read = paths.iter();
    let first = paths_read.next().ok_or(Exit::Usage)?;
    let mut merger = Merger::new(read(first)?);
    let fail = |e: MergeError| {
        eprintln!("error[{}]: {}", e.code(), merge_error(&e, paths));
        Exit::Usage
    };
    for path in paths_read {
        merger.add(read(path)?).map_err(fail)?;
    }
    merger.finish().map_err(fail)
}

/// The merged output in the format asked for.
fn print(args: &Args, whole: &Partial) -> Exit {
    match whole.head.kind {
        Kind::Report => match whole.report() {
            Some(r) => super::report::print(&r, args.output, args.out_dir.as_deref()),
            None => Exit::Usage,
        },
        Kind::Diff => {
            use super::diff::Format as D;
            use super::report::Format as R;
            let format = match args.output {
                R::Table => D::Table,
                R::Markdown => D::Markdown,
                R::Json => D::Json,
                R::Html | R::Parquet => {
                    eprintln!(
                        "error: these partials are a diff's, which prints as table, markdown or json"
                    );
                    return Exit::Usage;
                }
            };
            match whole.diff() {
                Some(d) => super::diff::print(&d, format),
                None => Exit::Usage,
            }
        }
    }
}

/// One partial read from its file; the error printed.
fn read(path: &Path) -> Result<Partial, Exit> {
    let shown = super::files::display(path);
    let bytes = std::fs::read(path).map_err(|e| {
        eprintln!("error[M001]: cannot read `{shown}`: {e}");
        Exit::Usage
    })?;
    Partial::from_bytes(&bytes).map_err(|e| {
        let fix = match &e {
            PartialError::NotPartial => {
                "give the files `report --partial FILE` or `diff --partial FILE` wrote"
            }
            PartialError::OtherRelease { .. } => {
                "make every partial again with the release that merges them"
            }
            _ => "make this partial again (a copy cut short or changed on the way is refused)",
        };
        eprintln!("error[{}]: `{shown}`: {e}\n  help: {fix}", e.code());
        Exit::Usage
    })
}

/// What went wrong merging, naming the files.
fn merge_error(e: &MergeError, paths: &[PathBuf]) -> String {
    let name = |i: usize| {
        paths
            .get(i)
            .map(|p| super::files::display(p))
            .unwrap_or_default()
    };
    let list = |ks: &[u32]| ks.iter().map(u32::to_string).collect::<Vec<_>>().join(", ");
    match e {
        MergeError::Mismatch { index, what } => {
            let (what, fix) = match what {
                Differs::Kind => ("one is a report's and the other a diff's", "merge a report's partials apart from a diff's"),
                Differs::Policy => ("they were made with different policies", "make every part with the same policy file (the same text)"),
                Differs::AsOf => ("they were replayed to different as-of times", "give every part the same --as-of"),
                Differs::Span => ("they cover different spans or periods", "give every part the same --from, --to, --period and --window"),
                Differs::Gates => ("they were made with different gates", "give every part the same --fail-if-* flags or [ci] settings"),
                Differs::Rows => ("these shards read different files (their rejected rows differ)", "run every shard on the same files"),
                _ => ("they differ", "make every part with the same command"),
            };
            format!(
                "`{}` does not go with `{}`: {what}\n  help: {fix}",
                name(*index),
                name(0)
            )
        }
        MergeError::Shards {
            n: Some(n),
            missing,
            repeated,
        } => {
            let mut parts = Vec::new();
            if !missing.is_empty() {
                parts.push(format!("shard {} of {n} missing", list(missing)));
            }
            if !repeated.is_empty() {
                parts.push(format!("shard {} given twice", list(repeated)));
            }
            format!(
                "the shards do not make a whole: {}\n  help: give one partial of each shard 1/{n} to {n}/{n}",
                parts.join("; ")
            )
        }
        MergeError::Shards { n: None, .. } => "the partials mix shards of different counts, or shards with parts that are not shards\n  help: merge the shards 1/N to N/N of one N, made with the same --shard count".to_string(),
        MergeError::Overlap { what, id } => {
            let what = match what {
                Subject::Deal => "deal",
                Subject::Account => "account",
                _ => "contact",
            };
            format!(
                "two partials both replayed {what} `{id}`: the parts overlap, so it would be counted twice\n  help: give each account's rows to one part only (group them by account, as docs/data.md, \"Shards and merge\", shows)"
            )
        }
        _ => "no partial to merge".to_string(),
    }
}

/// Writes a partial report to `path`, whole or not at all.
pub fn write_partial(
    path: &Path,
    head: Head,
    policies: Vec<Policy>,
    replays: Vec<Replayed>,
) -> Exit {
    let partial = Partial {
        head,
        policies,
        replays,
    };
    let bytes = match partial.into_bytes() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: cannot write the partial report: {e}");
            return Exit::Usage;
        }
    };
    match super::files::write_in_dir(path, &bytes) {
        Ok(()) => {
            eprintln!(
                "wrote the partial report to {} (detente merge makes the output)",
                path.display()
            );
            Exit::Ok
        }
        Err(e) => {
            eprintln!("error: {e}");
            Exit::Usage
        }
    }
}
