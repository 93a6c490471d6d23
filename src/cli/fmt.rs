//! `detente fmt [--check] [--diff] [PATH...|-]`

use std::path::{Path, PathBuf};

use detente::diagnostic::{Diagnostics, Problem, render_graphical};
use detente::syntax;
use detente::syntax::print::Layout;

use super::{Exit, files};

#[derive(clap::Args)]
pub struct Args {
    /// Policy files or folders to format; `-` reads standard input and
    /// writes the formatted policy to standard output (for editors).
    #[arg(default_value = "policies")]
    paths: Vec<PathBuf>,
    /// Write nothing; exit 1 if any file is not in the canonical layout.
    #[arg(long)]
    check: bool,
    /// Write nothing; show each change as a unified diff (implies
    /// `--check`).
    #[arg(long)]
    diff: bool,
}

/// What formatting one file came to.
enum Outcome {
    /// Already in the canonical layout.
    Same,
    /// Not in it: the canonical text.
    Changed(String),
    /// It does not parse, or could not be formatted safely: said already.
    Broken,
}

pub fn run(args: Args) -> Exit {
    let paths = match files::policy_files(&args.paths) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Usage;
        }
    };
    let check = args.check || args.diff;
    let mut unformatted = 0usize;
    let mut broken = 0usize;
    for path in &paths {
        let name = files::display(path);
        let source = match files::read_policy(path) {
            Ok(Ok(s)) => s,
            Ok(Err(d)) => {
                say_broken(path, &d);
                broken += 1;
                continue;
            }
            Err(e) => {
                eprintln!("error: {e}");
                return Exit::Usage;
            }
        };
        let formatted = match format(path, &name, &source) {
            Outcome::Broken => {
                broken += 1;
                continue;
            }
            Outcome::Same => {
                // An editor piping the policy through gets it back whole.
                if files::is_stdin(path) && !check {
                    out!("{source}");
                }
                continue;
            }
            Outcome::Changed(f) => f,
        };
        unformatted += 1;
        if let Err(e) = apply(path, &name, &source, &formatted, check, args.diff) {
            eprintln!("error: {e}; `{name}` was left unchanged");
            return Exit::Usage;
        }
    }
    if broken > 0 {
        return Exit::Problems;
    }
    if check && unformatted > 0 {
        outln!(
            "{unformatted} of {} need formatting: run `detente fmt`",
            detente::report::plural(paths.len() as u64, "policy file", "policy files")
        );
        return Exit::Problems;
    }
    if unformatted == 0 && !paths.iter().any(|p| files::is_stdin(p)) {
        outln!(
            "{} already formatted",
            detente::report::plural(paths.len() as u64, "policy file", "policy files")
        );
    }
    Exit::Ok
}

/// The canonical layout of one policy, or why there is none (said).
fn format(path: &Path, name: &str, source: &str) -> Outcome {
    let file = match syntax::parse(source) {
        Ok(f) => f,
        Err(errs) => {
            let d = Diagnostics::new(name, source, errs.into_iter().map(Problem::from).collect());
            say_broken(path, &d);
            return Outcome::Broken;
        }
    };
    match syntax::print::layout(&file, source) {
        Layout::Same => Outcome::Same,
        Layout::Changed(formatted) => Outcome::Changed(formatted),
        // Never write a layout that means something else.
        Layout::Unsafe => {
            eprintln!(
                "error: could not format `{name}` safely; it was left unchanged (please report this)"
            );
            Outcome::Broken
        }
    }
}

/// Writes (or, checking, reports) the canonical layout of one file.
fn apply(
    path: &Path,
    name: &str,
    source: &str,
    formatted: &str,
    check: bool,
    diff: bool,
) -> Result<(), String> {
    if diff {
        let text = similar::TextDiff::from_lines(source, formatted);
        out!(
            "{}",
            text.unified_diff()
                .context_radius(3)
                .header(name, &format!("{name} (formatted)"))
        );
    } else if check {
        outln!("would reformat {name}");
    } else if files::is_stdin(path) {
        out!("{formatted}");
    } else {
        super::atomic::write(path, formatted.as_bytes()).map_err(|e| e.to_string())?;
        outln!("formatted {name}");
    }
    Ok(())
}

/// The diagnostics of a policy that cannot be formatted: on standard
/// error when standard output carries the policy itself.
fn say_broken(path: &Path, d: &Diagnostics) {
    let text = render_graphical(d, super::use_color());
    if files::is_stdin(path) {
        eprint!("{text}");
    } else {
        out!("{text}");
    }
}
