//! `detente check [PATH...]`

use std::path::PathBuf;

use detente::Policy;
use detente::diagnostic::{Diagnostics, render_graphical, render_json_lines, render_sarif};

use super::{Exit, files};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A readable report with the source shown (plain when not a terminal).
    Human,
    /// One JSON object per diagnostic, one per line.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Deny {
    /// Treat warnings as errors.
    Warnings,
}

#[derive(clap::Args)]
pub struct Args {
    /// Policy files or folders to check (folders are searched for *.detente).
    #[arg(default_value = "policies")]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Fail (exit 1) on warnings too.
    #[arg(long, value_enum)]
    deny: Option<Deny>,
}

pub fn run(args: Args) -> Exit {
    let paths = match files::policy_files(&args.paths) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Usage;
        }
    };
    let mut reports: Vec<Diagnostics> = Vec::new();
    for path in &paths {
        let source = match files::read_policy(path) {
            Ok(Ok(s)) => s,
            Ok(Err(d)) => {
                reports.push(d);
                continue;
            }
            Err(e) => {
                eprintln!("error: {e}");
                return Exit::Usage;
            }
        };
        let name = files::display(path);
        match Policy::compile_named(&name, &source) {
            Ok(policy) => reports.push(policy.warnings().clone()),
            Err(d) => reports.push(d),
        }
    }
    let errors: usize = reports.iter().map(Diagnostics::errors).sum();
    let warnings: usize = reports.iter().map(Diagnostics::warnings).sum();
    match args.format {
        Format::Human => {
            let color = super::use_color();
            for r in &reports {
                out!("{}", render_graphical(r, color));
            }
            outln!("{}", summary(paths.len(), errors, warnings));
        }
        Format::Json => {
            for r in &reports {
                out!("{}", render_json_lines(r));
            }
        }
        Format::Sarif => out!("{}", render_sarif(&reports)),
    }
    if errors > 0 || (warnings > 0 && args.deny == Some(Deny::Warnings)) {
        Exit::Problems
    } else {
        Exit::Ok
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    detente::report::plural(n as u64, one, many)
}

fn summary(files: usize, errors: usize, warnings: usize) -> String {
    let checked = plural(files, "policy file", "policy files");
    match (errors, warnings) {
        (0, 0) => format!("checked {checked}: no problems found"),
        _ => format!(
            "checked {checked}: {}, {}",
            plural(errors, "error", "errors"),
            plural(warnings, "warning", "warnings")
        ),
    }
}
