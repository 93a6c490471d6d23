//! Byte offsets and editor positions. Editors count columns in UTF-16
//! code units unless they agree to UTF-8 at start-up; a policy with
//! "Détente" in a comment must not shift every position after it.

use lsp_types::{Position, Range};

/// How the client counts columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

/// Where each line starts, to turn offsets into positions and back.
#[derive(Debug, Clone)]
pub struct Lines {
    starts: Vec<usize>,
    encoding: Encoding,
}

impl Lines {
    pub fn new(text: &str, encoding: Encoding) -> Lines {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines { starts, encoding }
    }

    /// The position of byte `offset` (clamped to the text, and to a
    /// character boundary).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = offset.min(text.len());
        let line = self
            .starts
            .partition_point(|s| *s <= offset)
            .saturating_sub(1);
        let start = self.starts.get(line).copied().unwrap_or(0);
        let mut end = offset;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let prefix = text.get(start..end).unwrap_or("");
        let column = match self.encoding {
            Encoding::Utf8 => prefix.len(),
            Encoding::Utf16 => prefix.encode_utf16().count(),
        };
        Position::new(
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(column).unwrap_or(u32::MAX),
        )
    }

    pub fn range(&self, text: &str, start: usize, end: usize) -> Range {
        Range::new(
            self.position(text, start),
            self.position(text, end.max(start)),
        )
    }

    /// The byte offset of `position` (clamped to its line and the text).
    pub fn offset(&self, text: &str, position: Position) -> usize {
        let Some(&start) = self.starts.get(position.line as usize) else {
            return text.len();
        };
        let end = self
            .starts
            .get(position.line as usize + 1)
            .map_or(text.len(), |e| e.saturating_sub(1));
        let line = text.get(start..end.max(start)).unwrap_or("");
        let want = position.character as usize;
        let mut counted = 0usize;
        for (i, c) in line.char_indices() {
            if counted >= want {
                return start + i;
            }
            counted += match self.encoding {
                Encoding::Utf8 => c.len_utf8(),
                Encoding::Utf16 => c.len_utf16(),
            };
        }
        start + line.len()
    }
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The name at (or just before) `offset`: its bytes.
pub fn word_at(text: &str, offset: usize) -> Option<(usize, usize)> {
    let offset = offset.min(text.len());
    let before = text.get(..offset)?;
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word(*c))
        .last()
        .map_or(offset, |(i, _)| i);
    let after = text.get(offset..)?;
    let end = offset + after.find(|c: char| !is_word(c)).unwrap_or(after.len());
    (end > start).then_some((start, end))
}

/// Every name in the text outside strings and comments: (start, end).
pub fn words(text: &str) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (i, c) in detente::syntax::construct::code_chars(text) {
        if !is_word(c) {
            continue;
        }
        match out.last_mut() {
            // The same name goes on only if nothing was skipped between.
            Some((_, end)) if *end == i => *end = i + c.len_utf8(),
            _ => out.push((i, i + c.len_utf8())),
        }
    }
    // A name never starts with a digit: `30d` is a duration.
    out.retain(|(s, _)| {
        text.get(*s..)
            .and_then(|t| t.chars().next())
            .is_some_and(|c| !c.is_ascii_digit())
    });
    out
}
