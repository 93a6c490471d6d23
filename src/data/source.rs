//! Rows from one input file: CSV with a header row, or JSON Lines; either
//! may be gzip-compressed. A row that cannot be read is returned as a
//! [`BadRow`] with its line and the reason, and reading goes on; a file
//! that cannot be read further (a truncated or corrupt archive, a disk
//! error) ends with [`RowError::Stopped`], and the load fails: a partial
//! file is never taken for the whole.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use super::codes::{DataError, RowCode};
use super::values::Raw;

/// Rows longer than this are rejected unread: no CRM record is a megabyte,
/// and a corrupt export must not exhaust memory.
pub const MAX_ROW_BYTES: usize = 1 << 20;
/// How much of an over-long row is kept for the rejects file.
const KEPT_OF_LONG_ROW: usize = 1024;

/// How a data file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileFormat {
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON object per line.
    JsonLines,
    /// Apache Parquet: a file, or a folder of them (Hive-style
    /// partitions become columns).
    Parquet,
}

impl FileFormat {
    /// From the file name: `.csv`, `.jsonl` or `.ndjson`, optionally `.gz`.
    pub fn from_path(path: &Path) -> Option<(FileFormat, bool)> {
        let name = path.file_name()?.to_string_lossy().to_lowercase();
        let (stem, gz) = match name.strip_suffix(".gz") {
            Some(s) => (s.to_string(), true),
            None => (name, false),
        };
        if stem.ends_with(".parquet") {
            return Some((FileFormat::Parquet, false));
        }
        let format = if stem.ends_with(".csv") {
            FileFormat::Csv
        } else if stem.ends_with(".jsonl") || stem.ends_with(".ndjson") {
            FileFormat::JsonLines
        } else {
            return None;
        };
        Some((format, gz))
    }
}

/// One cell as read: CSV cells are text; JSON keeps its types.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Cell {
    /// A CSV cell, as written.
    Text(String),
    /// A JSON Lines value, with its JSON type.
    Json(serde_json::Value),
}

impl Cell {
    /// Empty text and JSON `null` mean "no value".
    pub fn is_empty(&self) -> bool {
        Raw::of(self).is_empty()
    }

    /// The cell as text, for fields read from text: trimmed, and written
    /// out only for a JSON value that is not a string.
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        match self {
            // A list or an object has no text of its own: written as JSON.
            Cell::Json(v @ (serde_json::Value::Array(_) | serde_json::Value::Object(_))) => {
                v.to_string().into()
            }
            _ => Raw::of(self).text().unwrap_or_default(),
        }
    }
}

use super::row::written;
pub use super::row::{ColumnName, Row};

/// A row that could not be read at all (ragged, not UTF-8, not JSON).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct BadRow {
    /// What is wrong, by code.
    pub code: RowCode,
    /// 1-based line where the row starts.
    pub line: u64,
    /// The column at fault, if it is one column.
    pub column: Option<String>,
    /// What is wrong and how to fix it.
    pub reason: String,
    /// The row as written (cut short when it is over-long).
    pub raw: String,
}

/// Why a row could not be read.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum RowError {
    /// This row is bad; reading goes on with the next.
    Bad(BadRow),
    /// The file cannot be read past this line (an I/O error, a truncated
    /// or corrupt compressed file): reading ends here.
    Stopped {
        /// The line reading stopped at (1-based).
        line: u64,
        /// What went wrong, as the system says it.
        reason: String,
    },
}

/// A row, or why it could not be read.
pub type RowResult = Result<Row, RowError>;

/// Opens a file for reading rows. The error is for the user.
pub fn open(
    path: &Path,
    format: Option<FileFormat>,
) -> Result<Box<dyn Iterator<Item = RowResult>>, DataError> {
    let detected = FileFormat::from_path(path);
    let gz = detected.is_some_and(|(_, gz)| gz);
    let file = path.display().to_string();
    let format = format
        .or(detected.map(|(f, _)| f))
        .or_else(|| parquet_folder(path).then_some(FileFormat::Parquet))
        .ok_or_else(|| DataError::UnknownFormat { file: file.clone() })?;
    if format == FileFormat::Parquet {
        return parquet_rows(path);
    }
    if path.is_dir() {
        return Err(DataError::Unreadable {
            file,
            reason: "it is a folder, not a file (name the file inside it)".into(),
        });
    }
    let file = File::open(path).map_err(|e| DataError::Unreadable {
        file,
        reason: e.to_string(),
    })?;
    let reader: Box<dyn BufRead> = if gz {
        Box::new(BufReader::new(super::unzip::Unzipped::new(file)))
    } else {
        Box::new(BufReader::new(file))
    };
    Ok(match format {
        FileFormat::Csv => Box::new(CsvRows::new(reader)),
        FileFormat::JsonLines => Box::new(JsonRows {
            reader,
            line: 0,
            done: false,
        }),
        FileFormat::Parquet => return parquet_rows(path),
    })
}

#[cfg(feature = "parquet")]
fn parquet_folder(path: &Path) -> bool {
    super::parquet::is_parquet_folder(path)
}

#[cfg(feature = "parquet")]
fn parquet_rows(path: &Path) -> Result<Box<dyn Iterator<Item = RowResult>>, DataError> {
    super::parquet::open(path)
}

#[cfg(not(feature = "parquet"))]
fn parquet_folder(_: &Path) -> bool {
    false
}

#[cfg(not(feature = "parquet"))]
fn parquet_rows(path: &Path) -> Result<Box<dyn Iterator<Item = RowResult>>, DataError> {
    Err(DataError::Unreadable {
        file: path.display().to_string(),
        reason: "this build of Détente reads no Parquet (built without the `parquet` feature); export CSV or JSON Lines, or use the `detente` command".into(),
    })
}

/// The rows of CSV text held in memory (a data frame written as CSV),
/// numbered by record, not by line: row `n` is the frame's `n`th row
/// (1-based) even when a cell before it holds a line break.
pub(super) fn csv_in_memory(text: std::sync::Arc<[u8]>) -> impl Iterator<Item = RowResult> {
    let mut rows = CsvRows::new(Box::new(std::io::Cursor::new(text)));
    rows.by_record = true;
    rows
}

struct CsvRows {
    reader: csv::Reader<Box<dyn BufRead>>,
    headers: Option<Result<std::sync::Arc<[ColumnName]>, BadRow>>,
    record: csv::ByteRecord,
    done: bool,
    /// What was read ahead to see whether a row ran to the end of the
    /// file (`unclosed_quote`): handed out by the next call.
    ahead: Option<csv::Result<bool>>,
    spare: csv::ByteRecord,
    /// Number rows by record (the header is 0) instead of by line.
    by_record: bool,
}

impl CsvRows {
    fn new(reader: Box<dyn BufRead>) -> CsvRows {
        let reader = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(false)
            .from_reader(reader);
        CsvRows {
            reader,
            headers: None,
            record: csv::ByteRecord::new(),
            done: false,
            ahead: None,
            spare: csv::ByteRecord::new(),
            by_record: false,
        }
    }
}

impl Iterator for CsvRows {
    type Item = RowResult;

    fn next(&mut self) -> Option<RowResult> {
        if self.done {
            return None;
        }
        loop {
            let read = match self.ahead.take() {
                Some(read) => {
                    std::mem::swap(&mut self.record, &mut self.spare);
                    read
                }
                None => self.reader.read_byte_record(&mut self.record),
            };
            let line = self.record.position().map_or(0, |p| match self.by_record {
                true => p.record(),
                false => p.line(),
            });
            match read {
                Ok(false) => {
                    self.done = true;
                    return match &self.headers {
                        None => Some(Err(RowError::Bad(BadRow {
                            code: RowCode::Header,
                            line: 1,
                            column: None,
                            reason: "the file is empty: a CSV file needs a header row".into(),
                            raw: String::new(),
                        }))),
                        _ => None,
                    };
                }
                Err(e) => {
                    // With flexible rows and byte records, the csv reader
                    // fails only when the file cannot be read: stop.
                    self.done = true;
                    let reason = match e.into_kind() {
                        csv::ErrorKind::Io(io) => io.to_string(),
                        other => format!("{other:?}"),
                    };
                    return Some(Err(RowError::Stopped { line, reason }));
                }
                Ok(true) => {}
            }
            let Some(headers) = &self.headers else {
                let names: Result<std::sync::Arc<[ColumnName]>, BadRow> = self
                    .record
                    .iter()
                    .enumerate()
                    .map(|(i, h)| {
                        std::str::from_utf8(h)
                            .map(|s| {
                                let s = if i == 0 {
                                    s.trim_start_matches('\u{feff}')
                                } else {
                                    s
                                };
                                ColumnName::from(s.trim())
                            })
                            .map_err(|_| BadRow {
                                code: RowCode::Header,
                                line,
                                column: None,
                                reason: format!("header {} is not valid UTF-8 text", i + 1),
                                raw: written(&self.record),
                            })
                    })
                    .collect();
                if let Err(e) = &names {
                    self.done = true;
                    return Some(Err(RowError::Bad(e.clone())));
                }
                self.headers = Some(names);
                continue;
            };
            let Ok(headers) = headers else { return None };
            let raw_len = self.record.as_slice().len();
            if raw_len > MAX_ROW_BYTES {
                let raw = written(&self.record);
                return Some(Err(RowError::Bad(BadRow {
                    code: RowCode::Shape,
                    line,
                    column: None,
                    reason: format!(
                        "the row is {raw_len} bytes long, more than the limit of {MAX_ROW_BYTES}"
                    ),
                    raw: raw.chars().take(KEPT_OF_LONG_ROW).collect::<String>() + "...",
                })));
            }
            // A blank line in the middle of a CSV is not a row.
            if self.record.len() == 1 && self.record.get(0).is_some_and(|f| f.is_empty()) {
                continue;
            }
            let ragged = self.record.len() != headers.len();
            let ahead = Ahead {
                reader: &mut self.reader,
                spare: &mut self.spare,
                read: &mut self.ahead,
            };
            if let Some(reason) = unclosed_quote(&self.record, ahead, line, ragged) {
                return Some(Err(RowError::Bad(BadRow {
                    code: RowCode::Shape,
                    line,
                    column: None,
                    reason,
                    raw: written(&self.record),
                })));
            }
            if ragged {
                return Some(Err(RowError::Bad(BadRow {
                    code: RowCode::Shape,
                    line,
                    column: None,
                    reason: format!(
                        "the row has {} columns but the header has {}",
                        self.record.len(),
                        headers.len()
                    ),
                    raw: written(&self.record),
                })));
            }
            // Most exports are ASCII throughout: one check of the whole
            // row; else each cell under a named column is checked.
            if !self.record.as_slice().is_ascii() {
                let bad = headers
                    .iter()
                    .zip(self.record.iter())
                    .find(|(name, bytes)| !name.is_empty() && std::str::from_utf8(bytes).is_err());
                if let Some((name, _)) = bad {
                    return Some(Err(RowError::Bad(BadRow {
                        code: RowCode::Encoding,
                        line,
                        column: Some(name.to_string()),
                        reason: "the value is not valid UTF-8 text (save the export as UTF-8)"
                            .into(),
                        raw: written(&self.record),
                    })));
                }
            }
            return Some(Ok(Row::csv(line, headers.clone(), self.record.clone())));
        }
    }
}

/// Where a CSV reader reads one row ahead.
struct Ahead<'r> {
    reader: &'r mut csv::Reader<Box<dyn BufRead>>,
    spare: &'r mut csv::ByteRecord,
    read: &'r mut Option<csv::Result<bool>>,
}

/// A row that runs from `line` to the end of the file with a line
/// break inside a value, and is ragged or has the file's last line
/// break inside that value: a quote opened there was never closed, and
/// the rest of the file was read as this one row. Says so, with the
/// lines it swallowed. (A quoted value over several lines that is
/// closed ends before the row's own line break, so it is not taken
/// for one.)
fn unclosed_quote(
    record: &csv::ByteRecord,
    ahead: Ahead<'_>,
    line: u64,
    ragged: bool,
) -> Option<String> {
    // One search of the whole row: most rows have no line break at all.
    let multiline = record.as_slice().contains(&b'\n');
    let ends_in_value = record
        .iter()
        .next_back()
        .is_some_and(|f| f.ends_with(b"\n"));
    if !(multiline && (ragged || ends_in_value)) {
        return None;
    }
    // Did this row run to the end of the file? Read one ahead to see.
    let next = ahead.reader.read_byte_record(ahead.spare);
    let at_end = matches!(next, Ok(false));
    *ahead.read = Some(next);
    if !at_end {
        return None;
    }
    let breaks: u64 = record.iter().map(bytecount_newlines).sum();
    let last = line + breaks - u64::from(ends_in_value);
    Some(format!(
        "a quote (\") opened in this row is never closed, so lines {line} to {last}, the rest of the file, were read as one row: close the quote, or write a quote inside a value as two (\"\")"
    ))
}

/// Line breaks in a CSV value.
fn bytecount_newlines(field: &[u8]) -> u64 {
    field.iter().filter(|&&b| b == b'\n').count() as u64
}

struct JsonRows {
    reader: Box<dyn BufRead>,
    line: u64,
    /// Reading stopped on an I/O error: nothing more comes.
    done: bool,
}

impl JsonRows {
    /// Reads one line of at most MAX_ROW_BYTES; longer lines are skipped to
    /// their end and reported by length.
    fn read_line(&mut self) -> std::io::Result<Option<(Vec<u8>, usize)>> {
        let mut buf = Vec::new();
        let n = (&mut self.reader)
            .take(MAX_ROW_BYTES as u64 + 1)
            .read_until(b'\n', &mut buf)?;
        if n == 0 {
            return Ok(None);
        }
        let mut total = n;
        if n > MAX_ROW_BYTES && buf.last() != Some(&b'\n') {
            // Skip the rest of the line without keeping it.
            loop {
                let chunk = self.reader.fill_buf()?;
                if chunk.is_empty() {
                    break;
                }
                match chunk.iter().position(|&b| b == b'\n') {
                    Some(p) => {
                        self.reader.consume(p + 1);
                        total += p + 1;
                        break;
                    }
                    None => {
                        let len = chunk.len();
                        self.reader.consume(len);
                        total += len;
                    }
                }
            }
        }
        Ok(Some((buf, total)))
    }
}

impl Iterator for JsonRows {
    type Item = RowResult;

    fn next(&mut self) -> Option<RowResult> {
        if self.done {
            return None;
        }
        loop {
            let (bytes, total) = match self.read_line() {
                Ok(Some(x)) => x,
                Ok(None) => return None,
                Err(e) => {
                    // Going on would read the same error forever.
                    self.done = true;
                    return Some(Err(RowError::Stopped {
                        line: self.line + 1,
                        reason: e.to_string(),
                    }));
                }
            };
            self.line += 1;
            let line = self.line;
            // A byte-order mark before the first line is not part of it.
            let bytes = match (line, bytes.strip_prefix("\u{feff}".as_bytes())) {
                (1, Some(rest)) => rest.to_vec(),
                _ => bytes,
            };
            if total > MAX_ROW_BYTES {
                return Some(Err(RowError::Bad(BadRow {
                    code: RowCode::Shape,
                    line,
                    column: None,
                    reason: format!(
                        "the line is {total} bytes long, more than the limit of {MAX_ROW_BYTES}"
                    ),
                    raw: String::from_utf8_lossy(bytes.get(..KEPT_OF_LONG_ROW).unwrap_or(&bytes))
                        .into_owned()
                        + "...",
                })));
            }
            let raw = String::from_utf8_lossy(&bytes)
                .trim_end_matches(['\r', '\n'])
                .to_string();
            if raw.trim().is_empty() {
                continue;
            }
            let value: serde_json::Value = match serde_json::from_slice(&bytes) {
                Ok(v) => v,
                Err(e) => {
                    return Some(Err(RowError::Bad(BadRow {
                        code: RowCode::Shape,
                        line,
                        column: None,
                        // serde counts lines within this one line.
                        reason: format!(
                            "not valid JSON ({})",
                            e.to_string().replace(" at line 1 column ", " at column ")
                        ),
                        raw,
                    })));
                }
            };
            let serde_json::Value::Object(map) = value else {
                return Some(Err(RowError::Bad(BadRow {
                    code: RowCode::Shape,
                    line,
                    column: None,
                    reason: "each line must be one JSON object, like {\"contact\": \"c-1\", ...}"
                        .into(),
                    raw,
                })));
            };
            let cells = map
                .into_iter()
                .map(|(k, v)| (ColumnName::from(k), Cell::Json(v)))
                .collect();
            return Some(Ok(Row::named(line, cells, raw)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn rows(name: &str, content: &[u8]) -> Vec<RowResult> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        open(&path, None).unwrap().collect()
    }

    /// The bad row of a row result that is one.
    fn bad(r: &RowResult) -> &BadRow {
        match r {
            Err(RowError::Bad(b)) => b,
            other => panic!("not a bad row: {other:?}"),
        }
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(bytes).unwrap();
        gz.finish().unwrap()
    }

    /// A truncated archive stops reading with the line it got to, for CSV
    /// and JSON Lines alike: never a loop, never a quiet half file.
    #[test]
    fn a_truncated_gzip_file_stops_reading_at_its_line() {
        let mut csv = b"id,n\n".to_vec();
        let mut jsonl = Vec::new();
        for i in 0..20_000 {
            csv.extend(format!("c{i},{i}\n").as_bytes());
            jsonl.extend(format!("{{\"contact\":\"c{i}\",\"n\":{i}}}\n").as_bytes());
        }
        for (name, text) in [("c.csv.gz", csv), ("e.jsonl.gz", jsonl)] {
            let gz = gzip(&text);
            let cut = gz.get(..gz.len() / 2).unwrap();
            let r = rows(name, cut);
            let last = r.last().unwrap();
            assert!(
                matches!(last, Err(RowError::Stopped { line, .. }) if *line > 1000),
                "{name}: {last:?}"
            );
            assert!(r.iter().rev().skip(1).all(Result::is_ok), "{name}");
        }
    }

    #[test]
    fn a_byte_order_mark_before_json_lines_is_not_part_of_the_first_row() {
        let r = rows(
            "e.jsonl",
            b"\xef\xbb\xbf{\"contact\":\"c1\"}\n{\"contact\":\"c2\"}\n",
        );
        assert!(r.iter().all(Result::is_ok), "{r:?}");
    }

    #[test]
    fn a_folder_is_not_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        std::fs::create_dir(&path).unwrap();
        let e = open(&path, None).err().unwrap().to_string();
        assert!(e.contains("is a folder"), "{e}");
    }

    /// An unclosed quote swallows the rest of the file: the reason says
    /// so, from which line to which.
    #[test]
    fn an_unclosed_quote_is_named_with_the_lines_it_swallowed() {
        let r = rows("c.csv", b"id,name\nc1,Ann\nc2,\"Bo\nc3,Cy\nc4,Di\n");
        assert_eq!(r.len(), 2);
        let b = bad(&r[1]);
        assert_eq!(b.line, 3);
        assert!(
            b.reason.contains("never closed") && b.reason.contains("lines 3 to 5"),
            "{}",
            b.reason
        );
        // A quoted value over two lines, closed, is one good row.
        let r = rows("c.csv", b"id,name\nc1,\"Ann\nSmith\"\nc2,Bo\n");
        assert!(r.iter().all(Result::is_ok), "{r:?}");
    }

    #[test]
    fn csv_rows_with_lines_and_reasons() {
        let r = rows(
            "c.csv",
            b"\xef\xbb\xbfid,name\nc1,Ann\nc2\n\nc3,\"B, \"\"Bo\"\"\"\nc4,\xff\n",
        );
        assert_eq!(r.len(), 4);
        let ok = r[0].as_ref().unwrap();
        assert_eq!(ok.line, 2);
        assert_eq!(ok.names().next().map(|n| &**n), Some("id"));
        assert_eq!(ok.cell(0).unwrap().into_owned(), Cell::Text("c1".into()));
        let ragged = bad(&r[1]);
        assert_eq!(ragged.line, 3);
        assert!(ragged.reason.contains("1 columns but the header has 2"));
        let quoted = r[2].as_ref().unwrap();
        assert_eq!(
            quoted.cell(1).unwrap().into_owned(),
            Cell::Text("B, \"Bo\"".into())
        );
        assert_eq!(quoted.raw_text(), "c3,\"B, \"\"Bo\"\"\"");
        let b = bad(&r[3]);
        assert_eq!(b.column.as_deref(), Some("name"));
    }

    /// A column without a header is not read, so a cell in it that is not
    /// UTF-8 does not reject the row; a cell of non-ASCII whitespace
    /// reads as empty, as `str::trim` sees it; a row quoted in a problem
    /// is the record as written, unnamed cell and all.
    #[test]
    fn csv_rows_keep_their_record_and_read_only_named_cells() {
        let r = rows(
            "c.csv",
            "id,,name\nc1,\u{e9}t\u{e9},\u{a0}\nc2,x,Zo\u{eb}\n".as_bytes(),
        );
        let first = r[0].as_ref().unwrap();
        let names: Vec<&str> = first.names().map(|n| &**n).collect();
        assert_eq!(names, ["id", "", "name"]);
        assert!(first.is_empty_at(2) && !first.is_empty_at(0));
        assert_eq!(first.raw_text(), "c1,\u{e9}t\u{e9},\u{a0}");
        assert_eq!(
            r[1].as_ref()
                .unwrap()
                .last_named("name")
                .unwrap()
                .into_owned(),
            Cell::Text("Zo\u{eb}".into())
        );
        let mut bytes = b"id,,name\nc1,".to_vec();
        bytes.extend(b"\xff,Ann\n");
        let r = rows("c.csv", &bytes);
        let row = r[0].as_ref().unwrap();
        assert_eq!(
            row.clone().into_cells().len(),
            2,
            "the unnamed cell is not a cell"
        );
    }

    #[test]
    fn jsonl_rows_and_gzip() {
        let text = b"{\"contact\":\"c1\",\"n\":2}\nnot json\n[1]\n\n{\"contact\":null}\n";
        let r = rows("e.jsonl.gz", &gzip(text));
        assert_eq!(r.len(), 4);
        assert!(r[0].is_ok());
        assert!(bad(&r[1]).reason.starts_with("not valid JSON"));
        assert_eq!(bad(&r[2]).line, 3);
        assert_eq!(r[3].as_ref().unwrap().line, 5);
    }

    #[test]
    fn an_over_long_line_is_one_bad_row_and_reading_goes_on() {
        let mut content = b"{\"a\":\"".to_vec();
        content.extend(std::iter::repeat_n(b'x', 3 * MAX_ROW_BYTES));
        content.extend(b"\"}\n{\"contact\":\"c2\"}\n");
        let r = rows("e.ndjson", &content);
        assert_eq!(r.len(), 2);
        let b = bad(&r[0]);
        assert!(b.reason.contains("more than the limit"));
        assert!(b.raw.len() < 2 * KEPT_OF_LONG_ROW);
        assert_eq!(r[1].as_ref().unwrap().line, 2);
    }

    #[test]
    fn unknown_extension_says_how_to_fix() {
        let e = open(Path::new("data/events.xlsx"), None)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("--format"));
    }
}
