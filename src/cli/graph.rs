//! `detente graph [--format dot|mermaid] PATH`

use std::path::PathBuf;

use detente::Policy;
use detente::diagnostic::render_graphical;
use detente::ir::Entity;

use super::{Exit, files};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Graphviz DOT (`dot -Tsvg` draws it).
    Dot,
    /// A Mermaid state diagram (GitHub renders it in markdown).
    Mermaid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Which {
    Contact,
    Account,
}

#[derive(clap::Args)]
pub struct Args {
    /// The policy file.
    path: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "dot")]
    format: Format,
    /// Only this lifecycle (default: all of them).
    #[arg(long, value_enum)]
    lifecycle: Option<Which>,
}

pub fn run(args: Args) -> Exit {
    let source = match files::read_policy(&args.path) {
        Ok(Ok(s)) => s,
        Ok(Err(d)) => {
            out!("{}", render_graphical(&d, super::use_color()));
            return Exit::Problems;
        }
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Usage;
        }
    };
    let policy = match Policy::compile_named(&files::display(&args.path), &source) {
        Ok(p) => p,
        Err(d) => {
            eprint!("{}", render_graphical(&d, false));
            return Exit::Problems;
        }
    };
    let only = args.lifecycle.map(|w| match w {
        Which::Contact => Entity::Contact,
        Which::Account => Entity::Account,
    });
    let out = match args.format {
        Format::Dot => detente::report::graph::dot(&policy, only),
        Format::Mermaid => detente::report::graph::mermaid(&policy, only),
    };
    out!("{out}");
    Exit::Ok
}
