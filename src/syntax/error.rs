//! Diagnostics of the syntax phase (codes E001–E009).

use miette::Diagnostic;
use thiserror::Error;

use crate::span::Span;

#[derive(Debug, Clone, Error, Diagnostic, PartialEq)]
pub enum SyntaxError {
    #[error("expected {expected}, found {found}")]
    #[diagnostic(code(detente::E001))]
    Unexpected {
        expected: String,
        found: String,
        #[label("{label}")]
        span: Span,
        label: String,
        #[help]
        help: Option<String>,
    },

    /// A known slip (`after 10 days`, `decay 21d`, `$3,000`), said as
    /// what to write instead.
    #[error("{message}")]
    #[diagnostic(code(detente::E001))]
    Advice {
        message: String,
        #[label("{label}")]
        span: Span,
        label: String,
        #[help]
        help: String,
    },

    #[error("unknown escape `{escape}` in a string")]
    #[diagnostic(
        code(detente::E002),
        help(
            "strings understand `\\\"` (a quote) and `\\\\` (a backslash); to put a backslash in a regular expression, write it twice, as in `\"\\\\b\"`"
        )
    )]
    InvalidEscape {
        escape: String,
        #[label("not a known escape")]
        span: Span,
    },

    #[error("the policy file is not valid UTF-8 text")]
    #[diagnostic(
        code(detente::E003),
        help("save the file as UTF-8 (most editors offer this under \"Save with encoding\")")
    )]
    NotUtf8 {
        #[label("the first invalid byte is here (byte {offset})")]
        span: Span,
        offset: usize,
    },

    #[error("parentheses and brackets are nested more than {limit} deep")]
    #[diagnostic(
        code(detente::E004),
        help("split the condition into named criteria or scores so each piece stays readable")
    )]
    TooDeep {
        #[label("this level is too deep")]
        span: Span,
        limit: usize,
    },

    #[error("this string is never closed")]
    #[diagnostic(
        code(detente::E005),
        help("add a closing `\"` before the end of the line; strings cannot span lines")
    )]
    UnterminatedString {
        #[label("string starts here")]
        span: Span,
    },

    #[error("this expression is too long to read ({depth} operators; at most 200)")]
    #[diagnostic(
        code(detente::E006),
        help("break it into named criteria, scores or metrics and combine those by name")
    )]
    ExpressionTooLong {
        #[label("split this up")]
        span: Span,
        depth: usize,
    },
}

impl SyntaxError {
    pub fn span(&self) -> Span {
        match self {
            SyntaxError::Unexpected { span, .. }
            | SyntaxError::Advice { span, .. }
            | SyntaxError::InvalidEscape { span, .. }
            | SyntaxError::NotUtf8 { span, .. }
            | SyntaxError::TooDeep { span, .. }
            | SyntaxError::UnterminatedString { span }
            | SyntaxError::ExpressionTooLong { span, .. } => *span,
        }
    }
}
