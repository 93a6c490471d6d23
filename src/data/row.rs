//! One row as read, before it is checked against the policy's schema:
//! a CSV record as the reader left it, or (column, cell) pairs.
//!
//! A CSV row keeps its record's bytes and its file's header, shared by
//! every row of the file, and makes a [`Cell`] only of what is read. An
//! export has dozens of columns, most of them empty or read by nothing,
//! and building a named cell for each was the largest cost of reading a
//! CSV file (a third of its instructions under callgrind).

use std::borrow::Cow;
use std::sync::Arc;

use super::source::Cell;

/// A column's name as a row holds it: shared by every row of its file.
pub type ColumnName = Arc<str>;

/// One row as read.
#[derive(Debug, Clone)]
pub struct Row {
    /// 1-based line where the row starts.
    pub line: u64,
    /// A CSV row's file header (an empty name: a column nothing reads),
    /// its cells being `record`'s. `None`: the cells are `named`.
    header: Option<Arc<[ColumnName]>>,
    /// A CSV row's record as read, every cell under a named column
    /// checked as UTF-8; kept as written when a lookup makes the row
    /// `named`, and written out again only when a problem quotes it.
    record: Option<csv::ByteRecord>,
    /// (column name, cell) pairs: JSON rows, rows from memory, and CSV
    /// rows a lookup added cells to.
    named: Vec<(ColumnName, Cell)>,
    /// The line as written, for a JSON Lines row.
    raw: String,
}

impl Row {
    /// A row of (column, cell) pairs, given as `raw` when a problem
    /// quotes it (empty: written out as a JSON object).
    pub fn named(line: u64, cells: Vec<(ColumnName, Cell)>, raw: String) -> Row {
        Row {
            line,
            header: None,
            record: None,
            named: cells,
            raw,
        }
    }

    /// A CSV record under `header`; every cell under a named column
    /// must be UTF-8 (the reader checks it before).
    pub(super) fn csv(line: u64, header: Arc<[ColumnName]>, record: csv::ByteRecord) -> Row {
        Row {
            line,
            header: Some(header),
            record: Some(record),
            named: Vec::new(),
            raw: String::new(),
        }
    }

    /// The names of the row's columns, in order, by position (an empty
    /// name is a CSV column without a header, which nothing reads).
    pub fn names(&self) -> impl Iterator<Item = &ColumnName> {
        let header = self.header.iter().flat_map(|h| h.iter());
        header.chain(self.named.iter().map(|(n, _)| n))
    }

    /// The CSV header the row was read under, if it is a CSV row: every
    /// row of a file shares it, so rows of one shape are known by it.
    pub(super) fn header(&self) -> Option<&Arc<[ColumnName]>> {
        self.header.as_ref()
    }

    /// The record the cells are read from: a CSV row's, until a lookup
    /// makes the row `named`.
    fn csv_cells(&self) -> Option<&csv::ByteRecord> {
        self.header.as_ref().and(self.record.as_ref())
    }

    /// The cell at position `i`, as [`Row::names`] counts.
    pub fn cell(&self, i: usize) -> Option<Cow<'_, Cell>> {
        match self.csv_cells() {
            Some(record) => {
                let text = std::str::from_utf8(record.get(i)?).ok()?;
                Some(Cow::Owned(Cell::Text(text.to_string())))
            }
            None => self.named.get(i).map(|(_, c)| Cow::Borrowed(c)),
        }
    }

    /// Whether the cell at position `i` is missing or empty, without
    /// making a cell of it.
    pub fn is_empty_at(&self, i: usize) -> bool {
        match self.csv_cells() {
            Some(record) => record.get(i).is_none_or(blank),
            None => self.named.get(i).is_none_or(|(_, c)| c.is_empty()),
        }
    }

    /// The last cell of column `name` (a repeated name reads as its
    /// last, as a repeated CSV header does).
    pub fn last_named(&self, name: &str) -> Option<Cow<'_, Cell>> {
        let (i, _) = self
            .names()
            .enumerate()
            .filter(|(_, n)| &***n == name)
            .last()?;
        self.cell(i)
    }

    /// The cells, to add to (a lookup's): a CSV row becomes pairs, and
    /// keeps its record as written for a problem that quotes it.
    pub fn cells_mut(&mut self) -> &mut Vec<(ColumnName, Cell)> {
        if self.header.is_some() {
            self.named = self.pairs();
            self.header = None;
        }
        &mut self.named
    }

    /// The (column, cell) pairs under named columns, in order.
    pub fn into_cells(self) -> Vec<(ColumnName, Cell)> {
        match self.header {
            Some(_) => self.pairs(),
            None => self.named,
        }
    }

    fn pairs(&self) -> Vec<(ColumnName, Cell)> {
        self.names()
            .enumerate()
            .filter(|(_, n)| !n.is_empty())
            .filter_map(|(i, n)| Some((n.clone(), self.cell(i)?.into_owned())))
            .collect()
    }

    /// The row as written, for a problem that quotes it: a CSV record
    /// quoted as the CSV reader would have; a JSON line as it was; a row
    /// from memory as the JSON object it was given as.
    pub fn raw_text(&self) -> String {
        if !self.raw.is_empty() {
            return self.raw.clone();
        }
        if let Some(record) = &self.record {
            return written(record);
        }
        let object: serde_json::Map<String, serde_json::Value> = self
            .named
            .iter()
            .map(|(k, c)| {
                let v = match c {
                    Cell::Json(v) => v.clone(),
                    Cell::Text(t) => serde_json::Value::String(t.clone()),
                };
                (k.to_string(), v)
            })
            .collect();
        serde_json::Value::Object(object).to_string()
    }
}

/// Whether a CSV cell is empty or only whitespace, as `str::trim` sees
/// it; a cell that starts and ends with a printable ASCII character is
/// answered without reading it as text.
fn blank(b: &[u8]) -> bool {
    match (b.first(), b.last()) {
        (Some(f), Some(l)) if f.is_ascii_graphic() && l.is_ascii_graphic() => false,
        (None, _) | (_, None) => true,
        _ => std::str::from_utf8(b).is_ok_and(|t| t.trim().is_empty()),
    }
}

/// A CSV record written as the CSV writer quotes it, without its line
/// break.
pub(super) fn written(record: &csv::ByteRecord) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_byte_record(record);
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8_lossy(&bytes)
        .trim_end_matches(['\r', '\n'])
        .to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    /// A lookup's cells are added to a CSV row as pairs; the row is still
    /// quoted in problems as its record was written, without them.
    #[test]
    fn a_row_a_lookup_adds_to_is_quoted_as_written() {
        let header: Arc<[ColumnName]> = ["id", "", "owner"].map(ColumnName::from).into();
        let record = csv::ByteRecord::from(vec!["c1", "x", "Ann, B"]);
        let mut row = Row::csv(2, header, record);
        row.cells_mut()
            .push(("team".into(), Cell::Text("East".into())));
        let names: Vec<&str> = row.names().map(|n| &**n).collect();
        assert_eq!(names, ["id", "owner", "team"]);
        assert_eq!(
            row.last_named("owner").unwrap().into_owned(),
            Cell::Text("Ann, B".into())
        );
        assert_eq!(row.raw_text(), "c1,x,\"Ann, B\"");
    }
}
