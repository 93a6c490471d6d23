//! Byte ranges into one policy's source text.

use std::fmt;

/// A byte range `start..end` into the source of one policy file.
///
/// Spans compare by position. Syntax trees ignore their spans when
/// compared (each span field is marked so in `syntax::ast`), so two trees
/// that differ only in layout compare equal: what the formatter's
/// round-trip check relies on.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
        }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn len(self) -> usize {
        (self.end.saturating_sub(self.start)) as usize
    }

    pub fn is_empty(self) -> bool {
        self.end <= self.start
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    pub fn shifted(self, by: usize) -> Span {
        Span::new(self.start as usize + by, self.end as usize + by)
    }
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(span: Span) -> miette::SourceSpan {
        miette::SourceSpan::new((span.start as usize).into(), span.len())
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(source.len());
    let before = source.get(..offset).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, col)
}

/// Line starts of a source, built once, for many offset → line lookups.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(source: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(source.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// 1-based line of a byte offset.
    pub fn line(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Spans compare by position; syntax trees ignore them, so the same
    /// policy laid out two ways parses to equal trees whose spans differ.
    #[test]
    fn spans_compare_honestly_and_trees_ignore_them() {
        assert_ne!(Span::new(0, 1), Span::new(0, 2));
        assert_eq!(Span::new(3, 5), Span::new(3, 5));
        let tight = "policy \"x\" { teams sales }\n";
        let loose = "\n\npolicy   \"x\"   {\n  teams   sales\n}\n";
        let (Ok(a), Ok(b)) = (crate::syntax::parse(tight), crate::syntax::parse(loose)) else {
            unreachable!("both parse");
        };
        assert_eq!(a.items, b.items);
        let spans = |f: &crate::syntax::ast::PolicyFile| {
            f.items.iter().map(|i| i.span()).collect::<Vec<_>>()
        };
        assert_ne!(spans(&a), spans(&b));
    }
}
