//! A single linear pass over the source before pest sees it.
//!
//! pest is a recursive-descent parser: ten thousand nested parentheses would
//! overflow the stack. This pass finds such input (and unclosed strings,
//! which pest would report far from where they start) without recursion, and
//! collects the comments the formatter must keep.

use super::ast::Comment;
use super::error::SyntaxError;
use crate::span::Span;

/// Deeper nesting than any readable policy needs; far below what overflows
/// the parser's stack.
pub const MAX_NESTING: usize = 64;

pub struct Scan {
    pub comments: Vec<Comment>,
    pub errors: Vec<SyntaxError>,
}

pub fn scan(source: &str) -> Scan {
    let mut comments = Vec::new();
    let mut errors = Vec::new();
    let bytes = source.as_bytes();
    let mut depth = 0usize;
    let mut reported_depth = false;
    let mut i = 0usize;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'#' => {
                let end = memchr_newline(bytes, i);
                let text = source.get(i + 1..end).unwrap_or("").trim_end().to_string();
                comments.push(Comment {
                    text,
                    span: Span::new(i, end),
                });
                i = end;
            }
            b'"' => {
                let start = i;
                i += 1;
                let mut closed = false;
                while let Some(&c) = bytes.get(i) {
                    match c {
                        // As in the grammar, an escape never takes a line
                        // break: a backslash at the end of a line leaves the
                        // string unclosed there (else the brackets on the
                        // next lines would escape the nesting cap).
                        b'\\' if bytes.get(i + 1).is_none_or(|n| *n == b'\n') => break,
                        b'\\' => i += 2,
                        b'"' => {
                            closed = true;
                            i += 1;
                            break;
                        }
                        b'\n' => break,
                        _ => i += 1,
                    }
                }
                if !closed {
                    errors.push(SyntaxError::UnterminatedString {
                        span: Span::new(start, start + 1),
                    });
                    i = memchr_newline(bytes, start);
                }
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING && !reported_depth {
                    reported_depth = true;
                    errors.push(SyntaxError::TooDeep {
                        span: Span::new(i, i + 1),
                        limit: MAX_NESTING,
                    });
                }
                i += 1;
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            _ => i += 1,
        }
    }
    Scan { comments, errors }
}

fn memchr_newline(bytes: &[u8], from: usize) -> usize {
    bytes
        .get(from..)
        .and_then(|rest| rest.iter().position(|&c| c == b'\n'))
        .map_or(bytes.len(), |p| from + p)
}

/// Decodes policy bytes, pointing at the first invalid byte if they are not
/// UTF-8.
pub fn decode(bytes: &[u8]) -> Result<&str, SyntaxError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let offset = e.valid_up_to();
        SyntaxError::NotUtf8 {
            span: Span::new(offset, offset + 1),
            offset,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A string ending in a backslash at the end of a line does not carry
    /// on to the next line, so what follows is still counted: 20,000
    /// brackets there are "too deep", not a stack overflow in pest.
    #[test]
    fn a_backslash_before_a_line_break_does_not_hide_what_follows() {
        let source = format!("metric m = \"a\\\n{}", "(".repeat(20_000));
        let scan = scan(&source);
        assert!(
            scan.errors
                .iter()
                .any(|e| matches!(e, SyntaxError::UnterminatedString { .. }))
        );
        assert!(
            scan.errors
                .iter()
                .any(|e| matches!(e, SyntaxError::TooDeep { .. }))
        );
    }
}
