//! Every diagnostic of every phase, as one type, and its renderings
//! (terminal, JSON, SARIF). Rendering returns strings: the library never
//! prints.

pub mod codes;
mod render;

pub use render::{render_graphical, render_json_lines, render_sarif};

use miette::Diagnostic;
use thiserror::Error;

use crate::check::CheckError;
use crate::span::Span;
use crate::syntax::SyntaxError;

/// One problem found in a policy, from whichever phase found it.
#[derive(Debug, Clone, Error, Diagnostic)]
#[non_exhaustive]
pub enum Problem {
    /// The text is not the language: found while parsing.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Syntax(#[from] SyntaxError),
    /// The text parses but does not make sense: an unknown name, a type
    /// mismatch, an unreachable stage (or a warning).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Check(#[from] CheckError),
}

impl Problem {
    /// A warning: reported, but the policy still compiles.
    pub fn is_warning(&self) -> bool {
        matches!(self.severity(), Some(miette::Severity::Warning))
    }

    /// Where in the source it points (byte offsets).
    pub fn span(&self) -> Span {
        match self {
            Problem::Syntax(e) => e.span(),
            Problem::Check(e) => e.span(),
        }
    }

    /// The stable code, e.g. `E011`.
    pub fn code_str(&self) -> String {
        self.code()
            .map(|c| c.to_string().trim_start_matches("detente::").to_string())
            .unwrap_or_default()
    }
}

/// The problems found in one policy source, with the source they point
/// into.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Diagnostics {
    /// The name shown for the source, usually its path.
    pub name: String,
    /// The policy text the problems point into.
    pub source: String,
    /// Every problem, in source order.
    pub problems: Vec<Problem>,
}

impl Diagnostics {
    /// The problems found in `source`, read from the file called `name`.
    pub fn new(name: &str, source: &str, problems: Vec<Problem>) -> Diagnostics {
        Diagnostics {
            name: name.to_string(),
            source: source.to_string(),
            problems,
        }
    }

    /// How many are errors.
    pub fn errors(&self) -> usize {
        self.problems.iter().filter(|p| !p.is_warning()).count()
    }

    /// How many are warnings.
    pub fn warnings(&self) -> usize {
        self.problems.iter().filter(|p| p.is_warning()).count()
    }

    /// Whether any is an error (then the policy does not compile).
    pub fn has_errors(&self) -> bool {
        self.errors() > 0
    }
}

impl std::fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&render_graphical(self, false))
    }
}

impl std::error::Error for Diagnostics {}
