//! `detente fmt [--check] [PATH...]`

use std::path::PathBuf;

use detente::diagnostic::{Diagnostics, Problem, render_graphical};
use detente::syntax;

use super::{Exit, files};

#[derive(clap::Args)]
pub struct Args {
    /// Policy files or folders to format.
    #[arg(default_value = "policies")]
    paths: Vec<PathBuf>,
    /// Write nothing; exit 1 if any file is not in the canonical layout.
    #[arg(long)]
    check: bool,
}

pub fn run(args: Args) -> Exit {
    let paths = match files::policy_files(&args.paths) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Usage;
        }
    };
    let mut unformatted = Vec::new();
    let mut broken = 0usize;
    for path in &paths {
        let name = files::display(path);
        let source = match files::read_policy(path) {
            Ok(Ok(s)) => s,
            Ok(Err(d)) => {
                out!("{}", render_graphical(&d, super::use_color()));
                broken += 1;
                continue;
            }
            Err(e) => {
                eprintln!("error: {e}");
                return Exit::Usage;
            }
        };
        let file = match syntax::parse(&source) {
            Ok(f) => f,
            Err(errs) => {
                let d = Diagnostics::new(
                    &name,
                    &source,
                    errs.into_iter().map(Problem::from).collect(),
                );
                out!("{}", render_graphical(&d, super::use_color()));
                broken += 1;
                continue;
            }
        };
        let formatted = syntax::print::print(&file, &source);
        // Never write a layout that means something else.
        if syntax::parse(&formatted).ok().map(|f| f.items) != Some(file.items) {
            eprintln!(
                "error: could not format `{name}` safely; it was left unchanged (please report this)"
            );
            broken += 1;
            continue;
        }
        if formatted == source {
            continue;
        }
        if args.check {
            outln!("would reformat {name}");
        } else if let Err(e) = super::atomic::write(path, formatted.as_bytes()) {
            eprintln!("error: {e}; `{name}` was left unchanged");
            return Exit::Usage;
        } else {
            outln!("formatted {name}");
        }
        unformatted.push(name);
    }
    if broken > 0 {
        return Exit::Problems;
    }
    if args.check && !unformatted.is_empty() {
        outln!(
            "{} of {} need formatting: run `detente fmt`",
            unformatted.len(),
            detente::report::plural(paths.len() as u64, "policy file", "policy files")
        );
        return Exit::Problems;
    }
    if unformatted.is_empty() {
        outln!(
            "{} already formatted",
            detente::report::plural(paths.len() as u64, "policy file", "policy files")
        );
    }
    Exit::Ok
}
