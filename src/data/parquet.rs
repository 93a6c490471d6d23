//! Parquet files, and folders of them partitioned Hive-style
//! (`events/year=2026/part-0.parquet`), read as rows like any other file.
//!
//! Every value is handed over as the text a CSV export would hold (Arrow's
//! display for `42`, `1.5`, `true`, `2026-03-02`; ours for timestamps:
//! `2026-03-02T09:15:00Z`, the UTC instant, for one with a timezone,
//! `2026-03-02T09:15:00`, a wall-clock time, for one without), so a
//! Parquet file and the CSV it came from are read by the same value
//! readers, with the same rules and the same messages. A null is a
//! missing value. A column of a type no cell holds (a list, a struct,
//! bytes) is never read as text: a field that reads it rejects the row
//! (D013, as a JSON list would be), and nothing else reads it.
//!
//! A row's "line" is its number, from 1, in the order the file holds
//! them; a folder's files are read in the order of their paths and their
//! rows numbered on from one file to the next.

use std::fs::File;
use std::path::{Path, PathBuf};

use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use arrow_schema::{DataType, TimeUnit};
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};

use super::codes::DataError;
use super::row::{ColumnName, Row};
use super::source::{Cell, RowError, RowResult};

/// Rows decoded at a time: enough to keep Arrow's loops long, few
/// enough to hold little.
const BATCH_ROWS: usize = 4096;

/// The Parquet files of `path`: itself, or every `.parquet` file under
/// the folder, in path order.
pub fn files(path: &Path) -> Result<Vec<PathBuf>, DataError> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut found = Vec::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| unreadable(&dir, e.to_string()))?;
        for entry in entries {
            let p = entry.map_err(|e| unreadable(&dir, e.to_string()))?.path();
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
            // Spark's and Hadoop's markers and hidden files are not data.
            if name
                .as_deref()
                .is_none_or(|n| n.starts_with('.') || n.starts_with('_'))
            {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else if name.is_some_and(|n| n.to_lowercase().ends_with(".parquet")) {
                found.push(p);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Whether `path` is a folder holding Parquet files.
pub fn is_parquet_folder(path: &Path) -> bool {
    path.is_dir() && files(path).is_ok_and(|f| !f.is_empty())
}

fn unreadable(path: &Path, reason: String) -> DataError {
    DataError::Unreadable {
        file: path.display().to_string(),
        reason,
    }
}

/// The rows of the Parquet file or folder at `path`.
pub fn open(path: &Path) -> Result<Box<dyn Iterator<Item = RowResult>>, DataError> {
    let files = files(path)?;
    let root = path.to_path_buf();
    let mut pending: std::collections::VecDeque<_> = files
        .into_iter()
        .map(|f| (partitions(&root, &f), f))
        .collect();
    // The first file is opened here, so that a file that is not Parquet
    // is an error before any row; the others one at a time as the rows
    // reach them (a Spark output may hold thousands, more than a process
    // may keep open).
    let Some((parts, first)) = pending.pop_front() else {
        return Err(unreadable(path, "the folder holds no .parquet file".into()));
    };
    let current = reader(&first).map_err(|e| unreadable(&first, e.reason()))?;
    Ok(Box::new(FileRows::new((parts, current), pending)))
}

/// Why a Parquet file cannot be opened.
enum Unopened {
    Io(std::io::Error),
    Parquet(parquet::errors::ParquetError),
    /// What its footer says that cannot be so.
    Damaged(String),
}

impl Unopened {
    fn reason(&self) -> String {
        match self {
            Unopened::Io(e) => e.to_string(),
            Unopened::Parquet(e) => format!("not a Parquet file Détente can read: {e}"),
            Unopened::Damaged(why) => format!("the file is damaged: {why}; write it again"),
        }
    }
}

/// A reader of the Parquet file at `path`, or why not.
fn reader(path: &Path) -> Result<ParquetRecordBatchReader, Unopened> {
    let file = File::open(path).map_err(Unopened::Io)?;
    let size = file.metadata().map_err(Unopened::Io)?.len();
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(Unopened::Parquet)?;
    check_chunks(builder.metadata(), size)?;
    builder
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(Unopened::Parquet)
}

/// Every column chunk the footer lists lies within the file. The parquet
/// crate panics on a chunk at a negative place
/// (`ColumnChunkMetaData::byte_range`), which only a damaged footer
/// says (found by the property test of damaged files in
/// tests/it/parquet.rs): such a file is refused here, before any row.
fn check_chunks(
    meta: &parquet::file::metadata::ParquetMetaData,
    size: u64,
) -> Result<(), Unopened> {
    for (g, group) in meta.row_groups().iter().enumerate() {
        for chunk in group.columns() {
            let start = chunk
                .dictionary_page_offset()
                .unwrap_or(chunk.data_page_offset());
            let len = chunk.compressed_size();
            let end = start.checked_add(len).and_then(|e| u64::try_from(e).ok());
            if start < 0 || len < 0 || end.is_none_or(|e| e > size) {
                return Err(Unopened::Damaged(format!(
                    "row group {} puts column `{}` at bytes {start} to {start} + {len}, outside the file's {size} bytes",
                    g + 1,
                    chunk.column_path()
                )));
            }
        }
    }
    Ok(())
}

/// A file's Hive-style partitions: (column, value) pairs.
type Partitions = Vec<(ColumnName, String)>;

/// The `key=value` folders between `root` and `file` (Hive-style
/// partitions), as columns every row of the file has.
fn partitions(root: &Path, file: &Path) -> Partitions {
    let Ok(rel) = file.strip_prefix(root) else {
        return Vec::new();
    };
    rel.parent()
        .into_iter()
        .flat_map(|p| p.components())
        .filter_map(|c| {
            let part = c.as_os_str().to_string_lossy();
            let (k, v) = part.split_once('=')?;
            Some((ColumnName::from(unescape(k)), unescape(v)))
        })
        .collect()
}

/// Hive's escaping of a partition's key or value (`%2F` for `/`).
fn unescape(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b, hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The files' rows, a batch decoded at a time, numbered on from one
/// file to the next.
struct FileRows {
    /// The file being read, with its partitions.
    current: Option<(Partitions, ParquetRecordBatchReader)>,
    /// The files still to open, each with its partitions, in order.
    pending: std::collections::VecDeque<(Partitions, PathBuf)>,
    partitions: Partitions,
    /// The batch being handed out: each column's name and cells.
    columns: Vec<(ColumnName, Vec<Read>)>,
    rows: usize,
    at: usize,
    line: u64,
    done: bool,
}

impl FileRows {
    fn new(
        current: (Partitions, ParquetRecordBatchReader),
        pending: std::collections::VecDeque<(Partitions, PathBuf)>,
    ) -> FileRows {
        FileRows {
            current: Some(current),
            pending,
            partitions: Vec::new(),
            columns: Vec::new(),
            rows: 0,
            at: 0,
            line: 0,
            done: false,
        }
    }

    /// Every cell of `batch` as the text a CSV export would hold, a
    /// column at a time (one formatter per column, not per cell).
    fn take(&mut self, batch: &RecordBatch) {
        self.columns = batch
            .schema()
            .fields()
            .iter()
            .zip(batch.columns())
            .map(|(field, column)| {
                let name = ColumnName::from(field.name().as_str());
                (name, cells(field.name(), column))
            })
            .collect();
        self.rows = batch.num_rows();
        self.at = 0;
    }

    /// Row `i` of the batch taken, as (column, cell) pairs (nulls left
    /// out), or the first value that cannot be read.
    fn row(&mut self, i: usize) -> Result<Vec<(ColumnName, Cell)>, (ColumnName, Unread)> {
        let mut cells = Vec::with_capacity(self.columns.len() + self.partitions.len());
        for (name, column) in &mut self.columns {
            match column.get_mut(i).and_then(Option::take) {
                Some(Ok(cell)) => cells.push((name.clone(), cell)),
                Some(Err(reason)) => return Err((name.clone(), reason)),
                None => {}
            }
        }
        for (k, v) in &self.partitions {
            if !self.columns.iter().any(|(n, _)| n == k) {
                cells.push((k.clone(), Cell::Text(v.clone())));
            }
        }
        Ok(cells)
    }
}

/// Why a value cannot be read.
#[derive(Debug, Clone)]
enum Unread {
    /// Arrow cannot write the column's type as text.
    Type {
        column: String,
        data_type: String,
        why: String,
    },
    /// One value cannot be written.
    Value(String),
    /// A time before year 0 or past 9999, or a timestamp column that
    /// cannot be cast to numbers.
    Time,
}

impl Unread {
    /// The reason a rejected row gives.
    fn reason(&self) -> String {
        match self {
            Unread::Type {
                column,
                data_type,
                why,
            } => format!(
                "column `{column}` holds {data_type} values, which Détente cannot read ({why}); convert it to text, numbers, true/false, dates or times"
            ),
            Unread::Value(why) => format!("the value cannot be read: {why}"),
            Unread::Time => "a time outside the calendar".into(),
        }
    }
}

/// One value as read (`None`: a null), or why it cannot be.
type Read = Option<Result<Cell, Unread>>;

/// A column's cells: a null is `None`.
fn cells(name: &str, column: &ArrayRef) -> Vec<Read> {
    let n = column.len();
    if let DataType::Timestamp(unit, tz) = column.data_type() {
        return times(column, *unit, tz.is_some());
    }
    let options = FormatOptions::default();
    let f = match ArrayFormatter::try_new(column.as_ref(), &options) {
        Ok(f) => f,
        Err(e) => {
            let unread = Unread::Type {
                column: name.to_string(),
                data_type: column.data_type().to_string(),
                why: e.to_string(),
            };
            return (0..n)
                .map(|i| (!column.is_null(i)).then(|| Err(unread.clone())))
                .collect();
        }
    };
    let nested = compound(column.data_type());
    (0..n)
        .map(|i| {
            (!column.is_null(i)).then(|| {
                let text = f
                    .value(i)
                    .try_to_string()
                    .map_err(|e| Unread::Value(e.to_string()))?;
                Ok(match nested {
                    // A list, a struct, bytes: never read as text. A
                    // field that reads one rejects the row (D013, "a
                    // list or object"), as it does a JSON list.
                    true => Cell::Json(serde_json::Value::Array(vec![serde_json::Value::String(
                        text,
                    )])),
                    false => Cell::Text(text),
                })
            })
        })
        .collect()
}

/// Timestamps as ISO 8601, to the millisecond the engine keeps: in UTC
/// with `Z` when the column has a timezone (Arrow stores those as UTC
/// instants whatever the zone), as a wall-clock time when it has none
/// (read in the policy's timezone, as a CSV's would be).
fn times(column: &ArrayRef, unit: TimeUnit, zoned: bool) -> Vec<Read> {
    let Ok(raw) = arrow_cast::cast(column, &DataType::Int64) else {
        return vec![Some(Err(Unread::Time)); column.len()];
    };
    let Some(raw) = raw.as_any().downcast_ref::<arrow_array::Int64Array>() else {
        return vec![Some(Err(Unread::Time)); column.len()];
    };
    let per_ms: i64 = match unit {
        TimeUnit::Second => {
            return raw
                .iter()
                .map(|v| v.map(|s| time_text(s.checked_mul(1000), zoned)))
                .collect();
        }
        TimeUnit::Millisecond => 1,
        TimeUnit::Microsecond => 1_000,
        TimeUnit::Nanosecond => 1_000_000,
    };
    raw.iter()
        .map(|v| v.map(|v| time_text(Some(v.div_euclid(per_ms)), zoned)))
        .collect()
}

fn time_text(ms: Option<i64>, zoned: bool) -> Result<Cell, Unread> {
    let d = ms
        .and_then(chrono::DateTime::from_timestamp_millis)
        .ok_or(Unread::Time)?;
    let fraction = if d.timestamp_subsec_millis() == 0 {
        ""
    } else {
        "%.3f"
    };
    let format = format!(
        "%Y-%m-%dT%H:%M:%S{fraction}{}",
        if zoned { "Z" } else { "" }
    );
    Ok(Cell::Text(d.format(&format).to_string()))
}

impl Iterator for FileRows {
    type Item = RowResult;

    fn next(&mut self) -> Option<RowResult> {
        loop {
            if self.done {
                return None;
            }
            if self.at < self.rows {
                let row = self.row(self.at);
                self.at += 1;
                self.line += 1;
                return Some(match row {
                    Ok(cells) => Ok(Row::named(self.line, cells, String::new())),
                    Err((column, unread)) => Err(RowError::Bad(super::source::BadRow {
                        code: super::codes::RowCode::Value,
                        line: self.line,
                        column: Some(column.to_string()),
                        reason: unread.reason(),
                        raw: String::new(),
                    })),
                });
            }
            let Some((partitions, reader)) = &mut self.current else {
                let Some((parts, path)) = self.pending.pop_front() else {
                    self.done = true;
                    return None;
                };
                match reader(&path) {
                    Ok(r) => self.current = Some((parts, r)),
                    Err(e) => {
                        self.done = true;
                        return Some(Err(RowError::Stopped {
                            line: self.line + 1,
                            reason: format!("`{}`: {}", path.display(), e.reason()),
                        }));
                    }
                }
                continue;
            };
            // The parquet crate panics on some damaged pages instead of
            // returning an error ("Decoder for dict should have been
            // set", found by the damaged-file property test in
            // tests/it/parquet.rs). Such a panic is caught here and said
            // as the file being damaged, like the errors it does return:
            // a damaged file never stops the program. (The default panic
            // hook still prints the crate's message on standard error.)
            let next = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| reader.next()))
                .unwrap_or_else(|_| {
                    Some(Err(parquet::errors::ParquetError::General(
                        "the file is damaged (the Parquet reader failed on a page); write it again"
                            .into(),
                    )
                    .into()))
                });
            match next {
                Some(Ok(batch)) => {
                    self.partitions = partitions.clone();
                    self.take(&batch);
                }
                Some(Err(e)) => {
                    self.done = true;
                    return Some(Err(RowError::Stopped {
                        line: self.line + 1,
                        reason: format!(
                            "the Parquet file cannot be decoded past row {}: {e}",
                            self.line
                        ),
                    }));
                }
                None => self.current = None,
            }
        }
    }
}

/// Whether values of `t` are not single values a CSV cell would hold.
fn compound(t: &arrow_schema::DataType) -> bool {
    use arrow_schema::DataType as T;
    match t {
        T::Dictionary(_, value) => compound(value),
        T::List(_)
        | T::LargeList(_)
        | T::FixedSizeList(..)
        | T::ListView(_)
        | T::LargeListView(_)
        | T::Struct(_)
        | T::Map(..)
        | T::Union(..)
        | T::Binary
        | T::LargeBinary
        | T::FixedSizeBinary(_)
        | T::BinaryView => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hive_partitions_are_unescaped_columns() {
        let root = Path::new("/data/events");
        let file = Path::new("/data/events/region=emea/day=2026-03-02/part%2F0.parquet");
        let parts = partitions(root, file);
        assert_eq!(
            parts,
            vec![
                (ColumnName::from("region"), "emea".to_string()),
                (ColumnName::from("day"), "2026-03-02".to_string()),
            ]
        );
        assert_eq!(unescape("a%2Fb%3Dc"), "a/b=c");
        assert_eq!(unescape("100%"), "100%");
    }
}
