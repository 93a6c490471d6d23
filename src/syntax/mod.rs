//! Text → syntax tree. The only module that knows about pest.

mod advice;
pub mod ast;
pub mod construct;
mod error;
mod expected;
pub mod outline;
mod parser;
mod prescan;
pub mod print;

pub use error::SyntaxError;
pub use parser::{ITEM_KEYWORDS, MAX_EXPR_DEPTH};
pub use prescan::MAX_NESTING;

use ast::PolicyFile;

/// Parses policy text. Every syntax error in the file is returned, not just
/// the first.
pub fn parse(source: &str) -> Result<PolicyFile, Vec<SyntaxError>> {
    let scan = prescan::scan(source);
    if !scan.errors.is_empty() {
        // The parser would fail on the same input with a less helpful
        // message (or, for deep nesting, not return at all).
        return Err(scan.errors);
    }
    let items = parser::parse_items(source)?;
    Ok(PolicyFile {
        items,
        comments: scan.comments,
    })
}

/// Text being edited, parsed.
pub struct Edited {
    /// The definitions that parse, every span into the source: the whole
    /// file when `errors` is empty; else the others, so a half-typed file
    /// in an editor still has an outline (none when nothing can be read:
    /// a string never closed, brackets nested too deep).
    pub file: PolicyFile,
    /// The syntax errors, as [`parse`] gives them.
    pub errors: Vec<SyntaxError>,
}

/// Parses text being edited, one definition at a time: whole or
/// half-typed, the text is parsed once.
pub fn parse_edited(source: &str) -> Edited {
    let scan = prescan::scan(source);
    if !scan.errors.is_empty() {
        return Edited {
            file: PolicyFile {
                items: Vec::new(),
                comments: scan.comments,
            },
            errors: scan.errors,
        };
    }
    let each = parser::parse_each(source);
    Edited {
        file: PolicyFile {
            items: each.items,
            comments: scan.comments,
        },
        errors: each.errors,
    }
}

/// Parses policy bytes as read from a file; bytes that are not UTF-8 are a
/// diagnostic, not a failure to read.
pub fn parse_bytes(bytes: &[u8]) -> Result<PolicyFile, Vec<SyntaxError>> {
    let source = prescan::decode(bytes).map_err(|e| vec![e])?;
    parse(source)
}

/// Decodes policy bytes as UTF-8, or returns the diagnostic for the first
/// invalid byte.
pub fn decode(bytes: &[u8]) -> Result<&str, SyntaxError> {
    prescan::decode(bytes)
}
