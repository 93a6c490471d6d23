//! A second file joined to a source's rows by key, so that a column the
//! export does not have (the agent's manager and office, from a teams
//! file) reads as if it did, with no value map typed by hand:
//!
//! ```toml
//! [[data.deals]]
//! path = "sales_pipeline.csv"
//! lookup = [{ path = "sales_teams.csv", key = "sales_agent" }]
//! columns = { office = "regional_office" }
//! ```
//!
//! The looked-up file's other columns are added to each row whose key
//! they have; a column the row already has keeps the row's value.

use std::collections::HashMap;
use std::path::PathBuf;

use super::codes::DataError;
use super::source::{self, Cell, Row};

/// A join as the manifest writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Lookup {
    /// The file looked in.
    pub path: PathBuf,
    /// Its key column.
    pub key: String,
    /// The column of the source's rows whose value is looked up (the key
    /// column's name unless said otherwise).
    pub on: String,
}

impl Lookup {
    /// A join of `path` on `key`, the same name in both files.
    pub fn new(path: impl Into<PathBuf>, key: &str) -> Lookup {
        Lookup {
            path: path.into(),
            key: key.to_string(),
            on: key.to_string(),
        }
    }
}

/// A lookup file read into memory: the other cells of each key's row.
pub(super) struct Table {
    on: String,
    rows: HashMap<String, Vec<(source::ColumnName, Cell)>>,
    /// Its columns but the key, in file order: a row whose key is not
    /// found gets them empty, so every row of the source has one shape.
    names: Vec<source::ColumnName>,
    /// Key values looked up and not found, with how often, for the note.
    pub(super) missed: std::collections::BTreeMap<String, u64>,
    pub(super) file: String,
}

impl Table {
    /// Reads `lookup`'s file whole: a repeated key, an empty key or a
    /// missing key column makes the join ambiguous, which stops the load.
    pub(super) fn read(lookup: &Lookup) -> Result<Table, DataError> {
        let file = lookup.path.display().to_string();
        let mut rows = HashMap::new();
        let mut names: Vec<source::ColumnName> = Vec::new();
        let mut first_line: HashMap<String, u64> = HashMap::new();
        for row in source::open(&lookup.path, None)? {
            let row = match row {
                Ok(r) => r,
                Err(source::RowError::Bad(bad)) => {
                    return Err(DataError::Manifest {
                        place: format!("{file}:{}", bad.line),
                        reason: format!("the lookup file cannot be read here: {}", bad.reason),
                    });
                }
                Err(source::RowError::Stopped { line, reason }) => {
                    return Err(DataError::CutShort { file, line, reason });
                }
            };
            // The first cell of the key column, as a lookup has always read it.
            let key = row
                .names()
                .position(|n| **n == *lookup.key)
                .and_then(|i| row.cell(i))
                .map(|c| c.text().trim().to_string());
            let Some(key) = key.filter(|k| !k.is_empty()) else {
                return Err(DataError::Manifest {
                    place: format!("{file}:{}", row.line),
                    reason: format!(
                        "the lookup's key column `{}` is missing or empty on this row; every row of a lookup file needs its key",
                        lookup.key
                    ),
                });
            };
            if let Some(before) = first_line.insert(key.clone(), row.line) {
                return Err(DataError::Manifest {
                    place: format!("{file}:{}", row.line),
                    reason: format!(
                        "`{key}` is the key of line {before} too, so a row looking it up would not know which to take; keep one row per `{}`",
                        lookup.key
                    ),
                });
            }
            let cells = row.into_cells();
            let others: Vec<(source::ColumnName, Cell)> = cells
                .into_iter()
                .filter(|(n, _)| **n != *lookup.key)
                .collect();
            for (n, _) in &others {
                if !names.contains(n) {
                    names.push(n.clone());
                }
            }
            rows.insert(key, others);
        }
        Ok(Table {
            on: lookup.on.clone(),
            rows,
            names,
            missed: std::collections::BTreeMap::new(),
            file,
        })
    }

    /// Adds the looked-up cells to `row` (those it does not have).
    pub(super) fn join(&mut self, row: &mut Row) {
        let key = row
            .last_named(&self.on)
            .map(|c| c.text().trim().to_string())
            .unwrap_or_default();
        let found = self.rows.get(&key);
        if found.is_none() && !key.is_empty() {
            *self.missed.entry(key).or_default() += 1;
        }
        let cells = row.cells_mut();
        for name in &self.names {
            if cells.iter().any(|(n, _)| n == name) {
                continue;
            }
            let cell = found
                .and_then(|found| found.iter().find(|(n, _)| n == name))
                .map_or(Cell::Text(String::new()), |(_, c)| c.clone());
            cells.push((name.clone(), cell));
        }
    }

    /// The column of the source's rows it looks up.
    pub(super) fn on(&self) -> &str {
        &self.on
    }
}
