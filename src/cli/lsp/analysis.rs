//! One open policy: its text, the diagnostics `check` gives it, and the
//! outline of what it defines (kept from the definitions that parse while
//! another is half-typed).

use lsp_types::{
    Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Uri,
};
use miette::Diagnostic as _;

use detente::Policy;
use detente::diagnostic::Problem;
use detente::syntax::outline::{self, Symbol};

use super::text::{Encoding, Lines};

pub struct Document {
    pub uri: Uri,
    pub text: String,
    pub lines: Lines,
    /// What the text defines: the outline of its definitions that parse.
    pub symbols: Vec<Symbol>,
    /// While the text does not parse whole: what the definitions being
    /// edited held when it last did (their names, for completion; their
    /// places are stale, so navigation does not use them).
    pub remembered: Vec<Symbol>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Document {
    /// Checks `text` as `detente check` would; `before`: the document as
    /// it was, if it was open.
    pub fn new(uri: Uri, text: String, encoding: Encoding, before: Option<&Document>) -> Document {
        let lines = Lines::new(&text, encoding);
        let name = uri
            .path()
            .as_str()
            .rsplit('/')
            .next()
            .unwrap_or("policy")
            .to_string();
        // One parse serves the outline and the check.
        let (file, problems) = Policy::check_edited(&name, &text);
        let symbols = outline::outline(&file, &text);
        let parsed_whole = !problems.iter().any(|p| matches!(p, Problem::Syntax(_)));
        let remembered = match (parsed_whole, before) {
            (false, Some(b)) => {
                let now = outline::all(&symbols);
                let mut kept: Vec<Symbol> = Vec::new();
                for s in outline::all(&b.symbols)
                    .into_iter()
                    .chain(outline::all(&b.remembered))
                {
                    let known = now
                        .iter()
                        .chain(outline::all(&kept).iter())
                        .any(|n| n.kind == s.kind && n.name == s.name);
                    if !known {
                        kept.push(Symbol {
                            children: Vec::new(),
                            ..s.clone()
                        });
                    }
                }
                kept
            }
            _ => Vec::new(),
        };
        let mut doc = Document {
            uri,
            text,
            lines,
            symbols,
            remembered,
            diagnostics: Vec::new(),
        };
        doc.diagnostics = problems.iter().map(|p| doc.diagnostic(p)).collect();
        doc
    }

    /// A problem as the editor shows it: the code, the message and its
    /// help, and the other places it points at.
    fn diagnostic(&self, p: &Problem) -> Diagnostic {
        let span = p.span();
        let range = self
            .lines
            .range(&self.text, span.start as usize, span.end as usize);
        let mut message = p.to_string();
        if let Some(help) = p.help() {
            message.push_str("\nhelp: ");
            message.push_str(&help.to_string());
        }
        let related: Vec<DiagnosticRelatedInformation> = p
            .labels()
            .into_iter()
            .flatten()
            .filter(|l| l.offset() != span.start as usize || l.len() != span.len())
            .map(|l| DiagnosticRelatedInformation {
                location: Location::new(
                    self.uri.clone(),
                    self.lines
                        .range(&self.text, l.offset(), l.offset() + l.len()),
                ),
                message: l.label().unwrap_or("here").to_string(),
            })
            .collect();
        Diagnostic {
            range,
            severity: Some(if p.is_warning() {
                DiagnosticSeverity::WARNING
            } else {
                DiagnosticSeverity::ERROR
            }),
            code: Some(NumberOrString::String(p.code_str())),
            source: Some("detente".into()),
            message,
            related_information: (!related.is_empty()).then_some(related),
            ..Diagnostic::default()
        }
    }
}
