//! `detente.toml`: where the policy and the data are, and how a CRM
//! export's columns and values map onto ours.
//!
//! ```toml
//! [policy]
//! path = "policies/acme.detente"
//!
//! [data]
//! contacts = "data/contacts.csv"
//! events   = ["data/events.jsonl", "data/calls.csv"]
//!
//! [data.columns.events]         # our column = the export's column
//! contact = "Contact ID"
//!
//! [data.values.events.type]     # the export's value = our event type
//! "Web Visit" = "page_view"
//!
//! [data.date_only]              # date-only times: start (default) or end of day
//! deal_won = "end"              # by event type, or by kind (`events`)
//!
//! [[data.events]]               # a file with its own mapping
//! path = "exports/won.csv"
//! columns = { contact = "Lead", at = "Close Date" }
//! set = { type = "deal_won" }   # the same value for every row
//! ```
//!
//! Paths are relative to the manifest's folder. Section-wide `columns`,
//! `values` and `date_only` apply to every file of that kind; a file's own
//! table adds to them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::codes::DataError;
use super::formats::ColumnFormat;
use super::load::{RecordKind, Source};
use super::lookup::Lookup;
use super::row_filter::RowFilter;
use super::source::FileFormat;
use super::time::DateOnly;

/// The manifest's file name, looked for in the working folder.
pub const FILE_NAME: &str = "detente.toml";

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Raw {
    policy: Option<RawPolicy>,
    #[serde(default)]
    data: RawData,
    /// Read by `detente diff` (gates); kept as a table here.
    ci: Option<toml::Table>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    path: String,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawData {
    contacts: Option<Files>,
    accounts: Option<Files>,
    deals: Option<Files>,
    deal_contacts: Option<Files>,
    events: Option<Files>,
    #[serde(default)]
    columns: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(default)]
    values: BTreeMap<String, BTreeMap<String, BTreeMap<String, String>>>,
    #[serde(default)]
    date_only: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Files {
    One(String),
    Many(Vec<FileEntry>),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum FileEntry {
    Path(String),
    Table(FileTable),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileTable {
    path: String,
    format: Option<String>,
    #[serde(default)]
    columns: BTreeMap<String, String>,
    #[serde(default)]
    values: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(default)]
    set: BTreeMap<String, String>,
    date_only: Option<String>,
    /// Which rows to read (docs/data.md, Row filters).
    when: Option<String>,
    #[serde(default)]
    lookup: Vec<RawLookup>,
    /// The export's column → its date or number format.
    #[serde(default)]
    formats: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLookup {
    path: String,
    key: String,
    on: Option<String>,
}

/// A read manifest, with paths resolved against its folder.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Manifest {
    /// Where the manifest was read from.
    pub path: PathBuf,
    /// The policy file it names (`[policy] path`), if any.
    pub policy: Option<PathBuf>,
    /// Its data files, in the order written.
    pub sources: Vec<Source>,
    /// The `[ci]` table (gates for `detente diff`), unread here.
    pub ci: Option<toml::Table>,
}

fn date_only(word: &str, place: &str) -> Result<DateOnly, DataError> {
    match word {
        "start" => Ok(DateOnly::Start),
        "end" => Ok(DateOnly::End),
        other => Err(DataError::Manifest {
            place: place.to_string(),
            reason: format!("`{other}` should be \"start\" or \"end\""),
        }),
    }
}

fn format_named(word: &str, place: &str) -> Result<FileFormat, DataError> {
    match word {
        "csv" => Ok(FileFormat::Csv),
        "jsonl" | "ndjson" => Ok(FileFormat::JsonLines),
        "parquet" => Ok(FileFormat::Parquet),
        other => Err(DataError::Manifest {
            place: place.to_string(),
            reason: format!("format `{other}` should be \"csv\", \"jsonl\" or \"parquet\""),
        }),
    }
}

impl Manifest {
    /// Reads a manifest; errors name the file and, for TOML errors, the
    /// line and column.
    pub fn read(path: &Path) -> Result<Manifest, DataError> {
        let text = std::fs::read_to_string(path).map_err(|e| DataError::Unreadable {
            file: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let raw: Raw = toml::from_str(&text).map_err(|e| DataError::Manifest {
            place: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let resolve = |p: &str| dir.join(p);
        let where_ = path.display().to_string();
        let mut sources = Vec::new();
        for (kind, files) in [
            (RecordKind::Contacts, &raw.data.contacts),
            (RecordKind::Accounts, &raw.data.accounts),
            (RecordKind::Deals, &raw.data.deals),
            (RecordKind::DealContacts, &raw.data.deal_contacts),
            (RecordKind::Events, &raw.data.events),
        ] {
            let entries: Vec<FileEntry> = match files {
                None => continue,
                Some(Files::One(p)) => vec![FileEntry::Path(p.clone())],
                Some(Files::Many(v)) => v.clone(),
            };
            for entry in entries {
                let mut s = Source::new(kind, PathBuf::new());
                s.columns = raw
                    .data
                    .columns
                    .get(kind.name())
                    .cloned()
                    .unwrap_or_default();
                s.values = raw
                    .data
                    .values
                    .get(kind.name())
                    .cloned()
                    .unwrap_or_default();
                if let Some(w) = raw.data.date_only.get(kind.name()) {
                    s.date_only =
                        date_only(w, &format!("{where_} [data.date_only] {}", kind.name()))?;
                }
                if kind == RecordKind::Events {
                    for (ty, w) in &raw.data.date_only {
                        if !["contacts", "accounts", "deals", "deal_contacts", "events"]
                            .contains(&ty.as_str())
                        {
                            s.date_only_by_type.insert(
                                ty.clone(),
                                date_only(w, &format!("{where_} [data.date_only] {ty}"))?,
                            );
                        }
                    }
                }
                match entry {
                    FileEntry::Path(p) => s.path = resolve(&p),
                    FileEntry::Table(t) => {
                        s.path = resolve(&t.path);
                        s.format = t
                            .format
                            .as_deref()
                            .map(|f| format_named(f, &where_))
                            .transpose()?;
                        s.columns.extend(t.columns);
                        for (col, map) in t.values {
                            s.values.entry(col).or_default().extend(map);
                        }
                        s.constants = t.set;
                        if let Some(w) = t.date_only {
                            s.date_only = date_only(&w, &format!("{where_} {}", t.path))?;
                        }
                        let place = format!("{where_} [[data.{}]] {}", kind.name(), t.path);
                        if let Some(w) = t.when {
                            let f = RowFilter::parse(&w).map_err(|e| DataError::Manifest {
                                place: format!("{place} when"),
                                reason: e.to_string(),
                            })?;
                            s.when = Some((w, f));
                        }
                        for l in t.lookup {
                            let mut lookup = Lookup::new(resolve(&l.path), &l.key);
                            if let Some(on) = l.on {
                                lookup.on = on;
                            }
                            s.lookups.push(lookup);
                        }
                        for (col, f) in t.formats {
                            let format =
                                ColumnFormat::parse(&f).map_err(|e| DataError::Manifest {
                                    place: format!("{place} formats.{col}"),
                                    reason: e.to_string(),
                                })?;
                            s.formats.insert(col, format);
                        }
                    }
                }
                sources.push(s);
            }
        }
        Ok(Manifest {
            path: path.to_path_buf(),
            policy: raw.policy.map(|p| resolve(&p.path)),
            sources,
            ci: raw.ci,
        })
    }

    /// `detente.toml` in the current folder, if there is one.
    pub fn find() -> Result<Option<Manifest>, DataError> {
        let p = Path::new(FILE_NAME);
        if p.exists() {
            Manifest::read(p).map(Some)
        } else {
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(text: &str) -> Result<Manifest, DataError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, text).unwrap();
        Manifest::read(&path)
    }

    #[test]
    fn the_design_example_reads() {
        let m = manifest(
            r#"
[policy]
path = "policies/acme.detente"

[data]
contacts = "data/contacts.csv"
accounts = "data/accounts.csv"
events   = "data/events.jsonl"

[data.columns.events]
contact = "Contact ID"
at      = "Activity Date"
type    = "Activity Type"

[data.values.events.type]
"Web Visit" = "page_view"

[ci]
fail_if_changed = "5%"
fail_if_metric_drops = { win_rate = "2%" }
"#,
        )
        .unwrap();
        assert!(m.policy.unwrap().ends_with("policies/acme.detente"));
        assert_eq!(m.sources.len(), 3);
        let events = &m.sources[2];
        assert_eq!(events.columns["contact"], "Contact ID");
        assert_eq!(events.values["type"]["Web Visit"], "page_view");
        assert!(m.ci.is_some());
    }

    #[test]
    fn per_file_tables_and_date_only() {
        let m = manifest(
            r#"
[data.date_only]
deal_won = "end"

[[data.events]]
path = "won.csv"
columns = { contact = "mql_id", at = "won_date" }
set = { type = "deal_won" }
"#,
        )
        .unwrap();
        let s = &m.sources[0];
        assert_eq!(s.constants["type"], "deal_won");
        assert_eq!(s.date_only_by_type["deal_won"], DateOnly::End);
    }

    #[test]
    fn row_filters_lookups_and_formats_read() {
        let m = manifest(
            r#"
[[data.deals]]
path = "pipeline.csv"
when = 'deal_stage in ["Won", "Lost"]'
lookup = [{ path = "teams.csv", key = "agent", on = "sales_agent" }]
formats = { close_date = "%m/%d/%Y", close_value = "1,234.00" }
"#,
        )
        .unwrap();
        let s = &m.sources[0];
        assert_eq!(s.kind, RecordKind::Deals);
        assert_eq!(
            s.when.as_ref().map(|w| w.0.as_str()),
            Some(r#"deal_stage in ["Won", "Lost"]"#)
        );
        assert_eq!(
            (s.lookups[0].key.as_str(), s.lookups[0].on.as_str()),
            ("agent", "sales_agent")
        );
        assert!(s.lookups[0].path.ends_with("teams.csv"));
        assert_eq!(s.formats.len(), 2);
        let e = manifest("[[data.events]]\npath = \"e.csv\"\nwhen = 'stage in Won'\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("when") && e.contains("character 10"), "{e}");
        let e = manifest("[[data.events]]\npath = \"e.csv\"\nformats = { at = \"%Q\" }\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("formats.at") && e.contains("not a date format"),
            "{e}"
        );
    }

    #[test]
    fn mistakes_name_the_place() {
        let e = manifest("[data]\nevents = 3\n").unwrap_err().to_string();
        assert!(e.contains("detente.toml"), "{e}");
        let e = manifest("[dta]\n").unwrap_err().to_string();
        assert!(e.contains("unknown field `dta`"), "{e}");
        let e = manifest("[data.date_only]\nevents = \"later\"\n[data]\nevents = \"e.csv\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("\"start\" or \"end\""), "{e}");
    }
}
