//! Rows → validated contacts, accounts and events. Every row is accounted
//! for: accepted, rejected with a reason, or a duplicate event, so that
//! `read = accepted + rejected + duplicates` always holds.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::PathBuf;

use foldhash::{HashMap, HashSet};

use super::codes::{DataError, RowCode};
use super::reader::{Columns, Fixed, Placement, RowReader, Schema};
use super::source::{self, BadRow, Cell, FileFormat, Row};
use super::time::{DateOnly, Instant, Precision};
use super::values::read_value;
use crate::compile::Policy;
use crate::ir::Entity;
use crate::ir::{EventTypeId, FieldId, Ir, StageId, Value};

/// What the rows of a file are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum RecordKind {
    /// One row per contact: `id`, `account`, `created_at`, optionally a
    /// `stage` snapshot, and the contact schema's fields.
    Contacts,
    /// One row per account: `id` and the account schema's fields.
    Accounts,
    /// One row per deal: `id`, `account`, `created_at`, and the deal
    /// schema's fields.
    Deals,
    /// One row per contact of a deal: `deal`, `contact`, `role`.
    DealContacts,
    /// One row per event: `contact` or `deal` (or both), `at`, `type`,
    /// optionally `id`, `account`, and the event type's fields.
    Events,
}

impl RecordKind {
    /// As the manifest and messages name it: `contacts`, `accounts`,
    /// `events`.
    pub fn name(self) -> &'static str {
        match self {
            RecordKind::Contacts => "contacts",
            RecordKind::Accounts => "accounts",
            RecordKind::Deals => "deals",
            RecordKind::DealContacts => "deal_contacts",
            RecordKind::Events => "events",
        }
    }
}

/// One input file and how to read it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Source {
    /// What its rows are.
    pub kind: RecordKind,
    /// The file (or, for rows given in memory, the name used in messages).
    pub path: PathBuf,
    /// Its format; `None` tells it from the file name.
    pub format: Option<FileFormat>,
    /// Our column name → the export's column name.
    pub columns: BTreeMap<String, String>,
    /// Our column name → (export's value → our value).
    pub values: BTreeMap<String, BTreeMap<String, String>>,
    /// Our column name → a value for every row (e.g. `type = "deal_won"`
    /// for a file of won deals).
    pub constants: BTreeMap<String, String>,
    /// What a date-only timestamp means in this file...
    pub date_only: DateOnly,
    /// ...or, for events, per event type.
    pub date_only_by_type: BTreeMap<String, DateOnly>,
    /// Rows given in memory (policy test cases, API requests) instead of
    /// read from `path`, which then only names them in messages.
    pub inline: Option<Vec<Row>>,
    /// A whole CSV file given in memory (the Python package's data
    /// frames, written as CSV), read as the file at `path` would be.
    pub text: Option<std::sync::Arc<[u8]>>,
    /// Which rows are read (`when = '...'`, as written, and parsed): the
    /// others are counted as skipped.
    pub when: Option<(String, super::row_filter::RowFilter)>,
    /// Files joined to each row by key, in order.
    pub lookups: Vec<super::lookup::Lookup>,
    /// The export's column name → how it writes dates or numbers.
    pub formats: BTreeMap<String, super::formats::ColumnFormat>,
}

impl Source {
    /// A file read as it is: format from its name, no mappings, date-only
    /// times at the start of their day.
    pub fn new(kind: RecordKind, path: impl Into<PathBuf>) -> Source {
        Source {
            kind,
            path: path.into(),
            format: None,
            columns: BTreeMap::new(),
            values: BTreeMap::new(),
            constants: BTreeMap::new(),
            date_only: DateOnly::Start,
            date_only_by_type: BTreeMap::new(),
            inline: None,
            text: None,
            when: None,
            lookups: Vec::new(),
            formats: BTreeMap::new(),
        }
    }

    /// Rows from memory: each a JSON object, as a JSON Lines file would
    /// give them; `name` stands for the file in messages.
    pub fn inline(
        kind: RecordKind,
        name: &str,
        rows: Vec<serde_json::Map<String, serde_json::Value>>,
    ) -> Source {
        Source::of_cells(
            kind,
            name,
            rows.into_iter().map(|o| o.into_iter().collect()),
        )
    }

    /// A CSV file's text given in memory, read exactly as the file
    /// would be (the same header rules, value readers and problems);
    /// `name` stands for the file in messages.
    pub fn csv_text(kind: RecordKind, name: &str, text: std::sync::Arc<[u8]>) -> Source {
        Source {
            text: Some(text),
            format: Some(FileFormat::Csv),
            ..Source::new(kind, name)
        }
    }

    /// Rows from memory given as their (column, value) pairs; the `i`th
    /// is line `i + 1` in messages.
    pub(super) fn of_cells(
        kind: RecordKind,
        name: &str,
        rows: impl Iterator<Item = Vec<(String, serde_json::Value)>>,
    ) -> Source {
        let rows = rows
            .enumerate()
            .map(|(i, cells)| {
                let cells = cells
                    .into_iter()
                    .map(|(k, v)| (k.into(), Cell::Json(v)))
                    .collect();
                // Written only when a problem quotes the row
                // (`Row::raw_text`): most in-memory rows are fine, and an
                // API request should not pay for printing every row it
                // sends.
                Row::named(i as u64 + 1, cells, String::new())
            })
            .collect();
        Source {
            inline: Some(rows),
            ..Source::new(kind, name)
        }
    }
}

/// Where a record came from: file (index into [`Histories::files`]) and line.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[non_exhaustive]
pub struct Origin {
    /// Index into [`Histories::files`].
    pub file: u32,
    /// 1-based line where the row starts.
    pub line: u64,
}

/// A contact record, validated against the policy's contact schema.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Contact {
    /// Its id, as the events name it.
    pub id: String,
    /// Its account's id, if any.
    pub account: Option<String>,
    /// When it entered the CRM; without it, its first event.
    pub created_at: Option<Instant>,
    /// Start from a CRM snapshot instead of the initial stage.
    pub stage: Option<StageId>,
    /// Since when it has been in that snapshot stage.
    pub stage_since: Option<Instant>,
    /// By `FieldId` of the contact schema; `None` = missing.
    pub fields: Vec<Option<Value>>,
    /// Where the row was read.
    pub origin: Origin,
}

/// An account record, validated against the policy's account schema.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Account {
    /// Its id, as contacts and events name it.
    pub id: String,
    /// By `FieldId` of the account schema; `None` = missing.
    pub fields: Vec<Option<Value>>,
    /// Where the row was read.
    pub origin: Origin,
}

/// A deal record, validated against the policy's deal schema.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Deal {
    /// Its id, as events name it.
    pub id: String,
    /// Its account's id, if any.
    pub account: Option<String>,
    /// When it was created; without it, its first event.
    pub created_at: Option<Instant>,
    /// By `FieldId` of the deal schema; `None` = missing.
    pub fields: Vec<Option<Value>>,
    /// Where the row was read.
    pub origin: Origin,
}

/// A contact a deal names, in a role (Salesforce's
/// OpportunityContactRole).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DealContact {
    /// The deal's id.
    pub deal: String,
    /// The contact's id.
    pub contact: String,
    /// The role, by its place in the deal schema's `roles`; none when the
    /// row gives none.
    pub role: Option<usize>,
    /// Where the row was read.
    pub origin: Origin,
}

/// What an event row is.
// Serialized only to spill events to temporary files while grouping them
// by account (src/data/regroup.rs), and read back by the same run.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum EventKind {
    /// An event of a type the policy declares.
    Event {
        /// Which event type.
        ty: EventTypeId,
        /// By `FieldId` of the event type.
        fields: Vec<Option<Value>>,
    },
    /// Sets contact fields from its time on.
    Update(Vec<(FieldId, Value)>),
    /// Sets the contact's account's fields from its time on.
    AccountUpdate(Vec<(FieldId, Value)>),
    /// Sets the deal's fields from its time on (`deal_update`, or a row
    /// of a deal-history table).
    DealUpdate(Vec<(FieldId, Value)>),
    /// Folds this contact into `into`.
    Merge {
        /// The surviving contact's id.
        into: String,
    },
    /// A manual move made in the CRM.
    SetStage(StageId),
}

/// One event of a contact's history, validated.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Event {
    /// The CRM's event id, if given: a repeated id is a duplicate.
    pub id: Option<String>,
    /// Whose event: a contact's, unless it is only its deal's (a close
    /// date on a deal row is nobody's activity).
    pub contact: Option<String>,
    /// The account it was recorded under, if given.
    pub account: Option<String>,
    /// The deal it belongs to, if given (the `deal` column, or the older
    /// `opportunity`): a deal's money counts once, whatever the number of
    /// its contacts' events, and the deal's lifecycle sees the event.
    pub deal: Option<String>,
    /// When (milliseconds since the Unix epoch, UTC).
    pub at: Instant,
    /// Whether `at` was written with a time of day or as a date only.
    pub precision: Precision,
    /// What it is.
    pub kind: EventKind,
    /// Where the row was read.
    pub origin: Origin,
}

/// How bad a row problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Severity {
    /// The row was rejected.
    Error,
    /// The row was set aside but is not a data error under the design
    /// (an event of a type the policy does not know); an error under
    /// `--strict`.
    Warning,
}

/// A row that was not accepted, or something worth saying about the data.
#[derive(Debug, Clone, serde::Serialize, PartialEq)]
#[non_exhaustive]
pub struct RowProblem {
    /// What is wrong, by code.
    pub code: RowCode,
    /// The file, as given.
    pub file: String,
    /// 1-based line where the row starts.
    pub line: u64,
    /// The column at fault, under the export's name, if it is one column.
    pub column: Option<String>,
    /// What is wrong and how to fix it, in plain English.
    pub reason: String,
    /// Rejected, or set aside with a warning.
    pub severity: Severity,
    /// The row as written (empty for notes that are not about one row).
    pub raw: String,
}

/// What became of the rows read: `read = accepted + rejected +
/// duplicates + skipped`, always.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Counts {
    /// Rows read.
    pub read: u64,
    /// Rows kept.
    pub accepted: u64,
    /// Rows set aside, each with a [`RowProblem`].
    pub rejected: u64,
    /// Events whose id was seen before.
    pub duplicates: u64,
    /// Rows that are not records by the manifest's own rules: turned away
    /// by the source's `when`, or event rows with no time (an open deal's
    /// empty close date); each reason counted in [`Histories::skipped`].
    pub skipped: u64,
}

/// Why rows were skipped rather than read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "why")]
#[non_exhaustive]
pub enum SkipReason {
    /// The source's `when` turned them away.
    Filtered {
        /// The filter as written.
        when: String,
    },
    /// An event row's time is empty: nothing has happened yet.
    NoTime {
        /// The export's name for the `at` column.
        column: String,
    },
}

/// Rows of one file skipped for one reason.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Skipped {
    /// The file, as given.
    pub file: String,
    /// Why.
    #[serde(flatten)]
    pub reason: SkipReason,
    /// How many rows.
    pub rows: u64,
    /// The first such row's line.
    pub first_line: u64,
}

/// Everything read from the data files: the records the replay works on,
/// and an account of every row that was not kept.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Histories {
    /// The files read, in order ([`Origin::file`] indexes this).
    pub files: Vec<String>,
    /// Contact records, in file order.
    pub contacts: Vec<Contact>,
    /// Account records, in file order.
    pub accounts: Vec<Account>,
    /// Deal records, in file order.
    pub deals: Vec<Deal>,
    /// The contacts each deal names, in file order.
    pub deal_contacts: Vec<DealContact>,
    /// Events, in file order (the replay orders them by time).
    pub events: Vec<Event>,
    /// Rejected rows and warnings, in file and line order.
    pub problems: Vec<RowProblem>,
    /// Things worth knowing that are not about one row (an unmapped column,
    /// contacts known only from their events).
    pub notes: Vec<String>,
    /// Row counts per kind of record.
    pub counts: BTreeMap<RecordKind, Counts>,
    /// Rows skipped, by file and reason, in file order.
    pub skipped: Vec<Skipped>,
    /// Each reading of a file and the columns it did not read, until the
    /// load ends and says which columns no reading of a file used.
    #[doc(hidden)]
    pub unread: Vec<Unread>,
}

/// The columns one reading of a file did not read.
#[doc(hidden)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unread {
    pub file: String,
    pub kind: RecordKind,
    pub columns: std::collections::BTreeSet<String>,
}

/// A note per file for the columns none of its readings used (one file
/// may be listed as deals and again as events: a column the events read
/// is not "not read").
pub(super) fn unread_notes(h: &mut Histories) {
    let mut files: Vec<&str> = Vec::new();
    for u in &h.unread {
        if !files.contains(&u.file.as_str()) {
            files.push(&u.file);
        }
    }
    let mut notes = Vec::new();
    for file in files {
        let readings: Vec<&Unread> = h.unread.iter().filter(|u| u.file == file).collect();
        let Some(first) = readings.first() else {
            continue;
        };
        let unused: Vec<String> = first
            .columns
            .iter()
            .filter(|c| readings.iter().all(|u| u.columns.contains(*c)))
            .map(|c| format!("`{c}`"))
            .collect();
        if unused.is_empty() {
            continue;
        }
        let how = match readings.as_slice() {
            [one] => format!("{file} ({})", one.kind.name()),
            _ => format!("{file} (read {} times)", readings.len()),
        };
        notes.push(format!(
            "{how}: not in the policy's schema, so not read: {} (map a column in the manifest's [data.columns] if it is one of ours)",
            unused.join(", ")
        ));
    }
    h.unread.clear();
    // Before the notes of the whole load, as when each file said its own.
    notes.append(&mut h.notes);
    h.notes = notes;
}

impl Histories {
    /// Nothing read yet from `sources`, whose paths are its `files`.
    pub(super) fn of_files(sources: &[Source]) -> Histories {
        Histories {
            files: sources
                .iter()
                .map(|s| s.path.display().to_string())
                .collect(),
            ..Histories::default()
        }
    }

    /// Row counts over every kind of record.
    pub fn total(&self) -> Counts {
        let mut t = Counts::default();
        for c in self.counts.values() {
            t.read += c.read;
            t.accepted += c.accepted;
            t.rejected += c.rejected;
            t.duplicates += c.duplicates;
            t.skipped += c.skipped;
        }
        t
    }
}

/// Reads every source in order. A file that cannot be opened is an error
/// for the whole load (nothing is half-loaded); bad rows are not: each is
/// counted and reported with its file, line and reason.
///
/// ```
/// use detente::Policy;
/// use detente::data::{RecordKind, Source, load};
///
/// let policy = Policy::compile(r#"
/// policy "Tiny" { teams marketing }
/// contact { title: text }
/// event form_submit { form: text }
/// lifecycle contact {
///   stage lead initial owner marketing
///   stage mql final owner marketing
///   lead -> mql on form_submit where form == "demo"
/// }
/// "#).expect("a valid policy");
///
/// let dir = tempfile::tempdir()?;
/// let events = dir.path().join("events.csv");
/// std::fs::write(&events, "contact,at,type,form\n\
///     c-1,2026-03-02T09:00:00Z,form_submit,demo\n\
///     c-2,yesterday,form_submit,demo\n")?;
///
/// let history = load(&policy, &[Source::new(RecordKind::Events, &events)])?;
/// assert_eq!(history.total().accepted, 1);
/// // The bad row is not dropped silently: it says where and why.
/// let problem = &history.problems[0];
/// assert_eq!((problem.line, problem.column.as_deref()), (3, Some("at")));
///
/// let journeys = policy.evaluate(&history, None);
/// let c1 = detente::json::JourneyView::new(&policy, &journeys.journeys[0]);
/// assert_eq!(c1.stage(), "mql");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load(policy: &Policy, sources: &[Source]) -> Result<Histories, DataError> {
    let mut h = Histories::of_files(sources);
    let mut seen_event_ids: HashSet<String> = HashSet::default();
    let mut events = Vec::new();
    for (file, source) in sources.iter().enumerate() {
        read_source(policy, source, file, &mut h, &mut |e: Event| {
            if let Some(id) = &e.id
                && !seen_event_ids.insert(id.clone())
            {
                return Ok(false);
            }
            events.push(e);
            Ok(true)
        })?;
    }
    h.events = events;
    finish(&mut h);
    Ok(h)
}

/// Notes and warnings about the whole of `h`, and its problems in file
/// and line order.
pub(super) fn finish(h: &mut Histories) {
    unread_notes(h);
    super::deals::reject_unknown_deals(h);
    note_contacts_only_in_events(h);
    warn_events_before_creation(h);
    sort_problems(h);
}

pub(super) fn sort_problems(h: &mut Histories) {
    let order: HashMap<String, usize> = h
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.clone(), i))
        .collect();
    h.problems
        .sort_by_key(|p| (order.get(&p.file).copied().unwrap_or(usize::MAX), p.line));
}

/// What becomes of an accepted event row: `Ok(true)` kept, `Ok(false)` a
/// duplicate, `Err` stops the whole load with that message.
pub(super) type EventSink<'s> = dyn FnMut(Event) -> Result<bool, DataError> + 's;

/// Reads one source (the `file`th) into `h`: contacts and accounts are
/// kept there, events handed to `on_event`; counts, problems and notes go
/// to `h`.
pub(super) fn read_source(
    policy: &Policy,
    source: &Source,
    file: usize,
    h: &mut Histories,
    on_event: &mut EventSink<'_>,
) -> Result<(), DataError> {
    let model = policy.ir();
    let file_index = u32::try_from(file).unwrap_or(u32::MAX);
    let name = source.path.display().to_string();
    let (rows, mut tables) = open_rows(source)?;
    let mut unknown_columns: BTreeMap<String, ()> = BTreeMap::new();
    let mut kept = KeptIds::of(h, source.kind);
    let columns = Columns::new(source, model);
    let mut placement = Placement::default();
    let mut counts = Counts::default();
    let mut skips: BTreeMap<SkipReason, (u64, u64)> = BTreeMap::new();
    let mut skip = |reason: SkipReason, line: u64| {
        let e = skips.entry(reason).or_insert((0, line));
        e.0 += 1;
    };
    for row in rows {
        counts.read += 1;
        let mut row = match row {
            Ok(r) => r,
            Err(source::RowError::Bad(bad)) => {
                counts.rejected += 1;
                h.problems.push(problem(&name, bad, Severity::Error));
                continue;
            }
            Err(source::RowError::Stopped { line, reason }) => {
                return Err(DataError::CutShort {
                    file: name,
                    line,
                    reason,
                });
            }
        };
        if !tables.is_empty() {
            let owned = row.to_mut();
            tables.iter_mut().for_each(|t| t.join(owned));
        }
        if let Some((text, filter)) = &source.when
            && !filter.passes(&row)
        {
            counts.skipped += 1;
            skip(SkipReason::Filtered { when: text.clone() }, row.line);
            continue;
        }
        for col in placement.place(&columns, &row) {
            unknown_columns.insert(col.to_string(), ());
        }
        let reader = RowReader {
            source,
            columns: &columns,
            row: &row,
            placement: &placement,
        };
        let origin = Origin {
            file: file_index,
            line: row.line,
        };
        let result = match source.kind {
            RecordKind::Contacts => contact(model, &reader, origin)
                .map(|c| kept.keep(&mut h.contacts, c, origin, &h.files)),
            RecordKind::Accounts => account(model, &reader, origin)
                .map(|a| kept.keep(&mut h.accounts, a, origin, &h.files)),
            RecordKind::Deals => super::deals::deal(model, &reader, origin)
                .map(|d| kept.keep(&mut h.deals, d, origin, &h.files)),
            RecordKind::DealContacts => {
                super::deals::deal_contact(model, &reader, origin).map(|d| {
                    h.deal_contacts.push(d);
                    Ok(())
                })
            }
            // A repeated event is only counted; one with no time yet is
            // skipped.
            RecordKind::Events => match event(model, source, &reader, origin) {
                Ok(Some(e)) => Ok(if on_event(e)? { Ok(()) } else { Err(None) }),
                Ok(None) => {
                    counts.skipped += 1;
                    let column = reader.their_name(columns.named(Fixed::At)).to_string();
                    skip(SkipReason::NoTime { column }, row.line);
                    continue;
                }
                Err(x) => Err(x),
            },
        };
        match result {
            Ok(Ok(())) => counts.accepted += 1,
            Ok(Err(repeat)) => {
                counts.duplicates += 1;
                if let Some(r) = repeat {
                    h.problems.push(duplicate(&name, &row, &r));
                }
            }
            Err((code, column, reason, severity)) => {
                counts.rejected += 1;
                h.problems.push(RowProblem {
                    code,
                    file: name.clone(),
                    line: row.line,
                    column,
                    reason,
                    severity,
                    raw: row.raw_text(),
                });
            }
        }
    }
    h.unread.push(Unread {
        file: name.clone(),
        kind: source.kind,
        columns: unknown_columns.into_keys().collect(),
    });
    let entry = h.counts.entry(source.kind).or_default();
    entry.read += counts.read;
    entry.accepted += counts.accepted;
    entry.rejected += counts.rejected;
    entry.duplicates += counts.duplicates;
    entry.skipped += counts.skipped;
    for (reason, (rows, first_line)) in skips {
        h.skipped.push(Skipped {
            file: name.clone(),
            reason,
            rows,
            first_line,
        });
    }
    for t in tables {
        if let Some(note) = missed_note(&name, &t) {
            h.notes.push(note);
        }
    }
    Ok(())
}

/// A source's rows, each a row or why it could not be read.
pub(super) type Rows<'s> = Box<dyn Iterator<Item = Result<Cow<'s, Row>, source::RowError>> + 's>;

/// A source's rows (in-memory rows are read where they are, not copied)
/// and its lookup tables, to join to each row before anything reads it.
pub(super) fn open_rows(
    source: &Source,
) -> Result<(Rows<'_>, Vec<super::lookup::Table>), DataError> {
    let rows: Rows<'_> = match (&source.inline, &source.text) {
        (Some(rows), _) => Box::new(rows.iter().map(|r| Ok(Cow::Borrowed(r)))),
        (None, Some(text)) => {
            Box::new(source::csv_in_memory(text.clone()).map(|r| r.map(Cow::Owned)))
        }
        (None, None) => {
            Box::new(source::open(&source.path, source.format)?.map(|r| r.map(Cow::Owned)))
        }
    };
    let tables = source
        .lookups
        .iter()
        .map(super::lookup::Table::read)
        .collect::<Result<Vec<_>, _>>()?;
    Ok((rows, tables))
}

/// A contact or an account record, which a later row with the same id
/// repeats.
trait Record {
    /// "contact" or "account", for messages.
    const WHAT: &'static str;
    fn id(&self) -> &str;
    /// Where it was read.
    fn origin(&self) -> Origin;
    /// Whether `other` says the same as this record (its place aside).
    fn same(&self, other: &Self) -> bool;
}

impl Record for Contact {
    const WHAT: &'static str = "contact";
    fn id(&self) -> &str {
        &self.id
    }
    fn origin(&self) -> Origin {
        self.origin
    }
    fn same(&self, other: &Contact) -> bool {
        self.id == other.id
            && self.account == other.account
            && self.created_at == other.created_at
            && self.stage == other.stage
            && self.stage_since == other.stage_since
            && self.fields == other.fields
    }
}

impl Record for Account {
    const WHAT: &'static str = "account";
    fn id(&self) -> &str {
        &self.id
    }
    fn origin(&self) -> Origin {
        self.origin
    }
    fn same(&self, other: &Account) -> bool {
        self.id == other.id && self.fields == other.fields
    }
}

impl Record for Deal {
    const WHAT: &'static str = "deal";
    fn id(&self) -> &str {
        &self.id
    }
    fn origin(&self) -> Origin {
        self.origin
    }
    fn same(&self, other: &Deal) -> bool {
        self.id == other.id
            && self.account == other.account
            && self.created_at == other.created_at
            && self.fields == other.fields
    }
}

/// A repeated contact or account row that says something else than the
/// kept one.
struct Repeat {
    what: &'static str,
    id: String,
    /// "file:line" of the kept row.
    kept: String,
}

/// The contact or account ids read so far, with where each was first
/// read and its place in the records: a later row with the same id is a
/// duplicate, and the first row is the one kept (as for events).
struct KeptIds(HashMap<String, (Origin, usize)>);

impl KeptIds {
    fn of(h: &Histories, kind: RecordKind) -> KeptIds {
        fn ids<T: Record>(records: &[T]) -> HashMap<String, (Origin, usize)> {
            records
                .iter()
                .enumerate()
                .map(|(i, r)| (r.id().to_string(), (r.origin(), i)))
                .collect()
        }
        KeptIds(match kind {
            RecordKind::Contacts => ids(&h.contacts),
            RecordKind::Accounts => ids(&h.accounts),
            RecordKind::Deals => ids(&h.deals),
            RecordKind::Events | RecordKind::DealContacts => HashMap::default(),
        })
    }

    /// Keeps `record` (read at `origin`) unless a row with its id was
    /// read before: then `Err`, with what to warn about when the two rows
    /// differ (`None` when this one only repeats the kept one).
    fn keep<T: Record>(
        &mut self,
        records: &mut Vec<T>,
        record: T,
        origin: Origin,
        files: &[String],
    ) -> Result<(), Option<Repeat>> {
        if let Some(&(at, i)) = self.0.get(record.id()) {
            if records.get(i).is_some_and(|k| k.same(&record)) {
                return Err(None);
            }
            let file = files.get(at.file as usize).map_or("", String::as_str);
            return Err(Some(Repeat {
                what: T::WHAT,
                id: record.id().to_string(),
                kept: format!("{file}:{}", at.line),
            }));
        }
        self.0
            .insert(record.id().to_string(), (origin, records.len()));
        records.push(record);
        Ok(())
    }
}

/// A second row for a contact or account id that says something else than
/// the first: set aside, with a warning that says which row is kept. (A
/// repeated row that says the same, such as an account nested in each of
/// its contacts in a request, is only counted.)
fn duplicate(file: &str, row: &Row, r: &Repeat) -> RowProblem {
    RowProblem {
        code: RowCode::Repeated,
        file: file.to_string(),
        line: row.line,
        column: Some("id".into()),
        reason: format!(
            "{} `{}` was already read at {}; that first row is kept and this one is not used (remove the repeated row, or merge the two in the CRM)",
            r.what, r.id, r.kept
        ),
        severity: Severity::Warning,
        raw: row.raw_text(),
    }
}

/// An event dated before its contact's `created_at` is kept (rejecting a
/// won deal would silently shrink revenue): the contact is treated as
/// existing from its first event, and each such event is reported.
pub(super) fn warn_events_before_creation(h: &mut Histories) {
    let created: HashMap<&str, Instant> = h
        .contacts
        .iter()
        .filter_map(|c| c.created_at.map(|t| (c.id.as_str(), t)))
        .collect();
    let mut warnings = Vec::new();
    for e in &h.events {
        if let Some(&c) = e.contact.as_deref().and_then(|id| created.get(id))
            && e.at < c
        {
            warnings.push(RowProblem {
                code: RowCode::BeforeCreation,
                file: h.files.get(e.origin.file as usize).cloned().unwrap_or_default(),
                line: e.origin.line,
                column: None,
                reason: format!(
                    "this event ({}) is before contact `{}` was created ({}); it is kept, and the contact is treated as existing from it",
                    super::time::format_instant(e.at),
                    e.contact.as_deref().unwrap_or_default(),
                    super::time::format_instant(c)
                ),
                severity: Severity::Warning,
                raw: String::new(),
            });
        }
    }
    h.problems.extend(warnings);
}

fn problem(file: &str, bad: BadRow, severity: Severity) -> RowProblem {
    RowProblem {
        code: bad.code,
        file: file.to_string(),
        line: bad.line,
        column: bad.column,
        reason: bad.reason,
        severity,
        raw: bad.raw,
    }
}

fn note_contacts_only_in_events(h: &mut Histories) {
    let known: HashSet<&str> = h.contacts.iter().map(|c| c.id.as_str()).collect();
    let mut only_in_events: Vec<&str> = h
        .events
        .iter()
        .filter_map(|e| e.contact.as_deref())
        .filter(|c| !known.contains(c))
        .collect();
    only_in_events.sort_unstable();
    only_in_events.dedup();
    if !h.contacts.is_empty()
        && let Some(note) = only_in_events_note(&only_in_events)
    {
        h.notes.push(note);
    }
}

/// The note about contacts known only from events, given their ids in
/// order (none when there are none).
pub(super) fn only_in_events_note(ids: &[&str]) -> Option<String> {
    if ids.is_empty() {
        return None;
    }
    let shown: Vec<&str> = ids.iter().take(5).copied().collect();
    let more = if ids.len() > 5 { ", ..." } else { "" };
    Some(format!(
        "{} contacts appear only in events ({}{more}): they start when first seen, with their contact fields missing",
        ids.len(),
        shown.join(", ")
    ))
}

/// Error of one row: (column, reason, severity).
pub(super) type RowError = (RowCode, Option<String>, String, Severity);

pub(super) fn err(code: RowCode, column: &str, reason: impl std::fmt::Display) -> RowError {
    (
        code,
        Some(column.to_string()),
        reason.to_string(),
        Severity::Error,
    )
}

/// Reads the fields of `whose` schema; missing required fields are
/// errors.
pub(super) fn fields(
    r: &RowReader<'_>,
    model: &Ir,
    whose: Schema,
) -> Result<Vec<Option<Value>>, RowError> {
    let (schema, tz) = (whose.of(model), model.timezone);
    let mut out = Vec::with_capacity(schema.len());
    for (i, f) in schema.iter().enumerate() {
        let col = r.columns.field(whose, i);
        let value = match r.cell(col) {
            Some(cell) => Some(
                read_value(&cell, &f.ty, tz)
                    .map_err(|e| err(RowCode::Value, r.their_name(col), e))?,
            ),
            None => f.default.clone(),
        };
        if value.is_none() && !f.optional {
            let theirs = r.their_name(col);
            return Err(err(
                RowCode::Missing,
                theirs,
                format!(
                    "`{theirs}` is required by the policy's schema (declare it `{}: {}?` if it may be missing)",
                    f.name,
                    f.ty.as_written()
                ),
            ));
        }
        out.push(value);
    }
    Ok(out)
}

/// A stage name the lifecycle does not have (D015).
#[derive(Debug, thiserror::Error)]
#[error("`{name}` is not a stage of the {lifecycle} lifecycle; {hint}")]
struct UnknownStage {
    name: String,
    lifecycle: &'static str,
    hint: String,
}

fn stage_named(model: &Ir, entity: Entity, name: &str) -> Result<StageId, UnknownStage> {
    model.stage_id(entity, name).ok_or_else(|| {
        let stages: Vec<&str> = model.stages_of(entity).collect();
        let hint = crate::names::closest(name, stages.iter().copied())
            .map(|c| format!("did you mean `{c}`?"))
            .unwrap_or_else(|| format!("stages: {}", stages.join(", ")));
        UnknownStage {
            name: name.to_string(),
            lifecycle: entity.keyword(),
            hint,
        }
    })
}

fn contact(model: &Ir, r: &RowReader<'_>, origin: Origin) -> Result<Contact, RowError> {
    let tz = model.timezone;
    let col = |name| r.columns.named(name);
    let id = r.required(col(Fixed::Id))?;
    let stage = match r.text(col(Fixed::Stage)) {
        Some(s) => Some(
            stage_named(model, Entity::Contact, &s)
                .map_err(|e| err(RowCode::Stage, r.their_name(col(Fixed::Stage)), e))?,
        ),
        None => None,
    };
    Ok(Contact {
        id,
        account: r.text(col(Fixed::Account)),
        created_at: r
            .instant(col(Fixed::CreatedAt), tz, r.source.date_only)?
            .map(|(i, _)| i),
        stage,
        stage_since: r
            .instant(col(Fixed::StageSince), tz, r.source.date_only)?
            .map(|(i, _)| i),
        fields: fields(r, model, Schema::Contact)?,
        origin,
    })
}

fn account(model: &Ir, r: &RowReader<'_>, origin: Origin) -> Result<Account, RowError> {
    Ok(Account {
        id: r.required(r.columns.named(Fixed::Id))?,
        fields: fields(r, model, Schema::Account)?,
        origin,
    })
}

/// Fields given on an `update` / `account_update` row: only the non-empty
/// ones change.
fn updates(
    r: &RowReader<'_>,
    model: &Ir,
    whose: Schema,
) -> Result<Vec<(FieldId, Value)>, RowError> {
    let (schema, tz) = (whose.of(model), model.timezone);
    let mut out = Vec::new();
    for (id, f) in FieldId::all(schema.len()).zip(schema) {
        let col = r.columns.field(whose, id.index());
        if let Some(cell) = r.cell(col) {
            let v = read_value(&cell, &f.ty, tz)
                .map_err(|e| err(RowCode::Value, r.their_name(col), e))?;
            out.push((id, v));
        }
    }
    if out.is_empty() {
        return Err((
            RowCode::EmptyUpdate,
            None,
            "an update changes no field: give at least one field of the schema".into(),
            Severity::Error,
        ));
    }
    Ok(out)
}

/// An event row read: `None` when its time is empty (skipped: nothing has
/// happened yet, as an open deal's close date).
fn event(
    model: &Ir,
    source: &Source,
    r: &RowReader<'_>,
    origin: Origin,
) -> Result<Option<Event>, RowError> {
    let tz = model.timezone;
    let col = |name| r.columns.named(name);
    let contact = r.text(col(Fixed::Contact));
    // `opportunity` is the older name of the `deal` column.
    let deal = r
        .text(col(Fixed::Deal))
        .or_else(|| r.text(col(Fixed::Opportunity)));
    if contact.is_none() && deal.is_none() {
        return Err(r.missing(col(Fixed::Contact)));
    }
    let type_name = r.required(col(Fixed::Type))?;
    let date_only = source
        .date_only_by_type
        .get(&type_name)
        .copied()
        .unwrap_or(source.date_only);
    let Some((at, precision)) = r.instant(col(Fixed::At), tz, date_only)? else {
        // A row with no `at` column at all is a mapping mistake, not a
        // row of something yet to happen.
        return if r.has_column(col(Fixed::At)) {
            Ok(None)
        } else {
            Err(r.missing(col(Fixed::At)))
        };
    };
    // What changes a contact needs one; what changes a deal, a deal.
    let needs = |who: Option<&String>, column: Fixed| match who {
        Some(_) => Ok(()),
        None => Err(err(
            RowCode::Missing,
            r.their_name(col(column)),
            format!("a `{type_name}` row needs its `{}`", column.name()),
        )),
    };
    match type_name.as_str() {
        "update" | "account_update" | "merge" | "set_stage" => {
            needs(contact.as_ref(), Fixed::Contact)?
        }
        "deal_update" => needs(deal.as_ref(), Fixed::Deal)?,
        _ => {}
    }
    let kind = match type_name.as_str() {
        "update" => EventKind::Update(updates(r, model, Schema::Contact)?),
        "deal_update" => EventKind::DealUpdate(updates(r, model, Schema::Deal)?),
        "account_update" => EventKind::AccountUpdate(updates(r, model, Schema::Account)?),
        "merge" => EventKind::Merge {
            into: r.required(col(Fixed::Into))?,
        },
        "set_stage" => {
            let s = r.required(col(Fixed::Stage))?;
            EventKind::SetStage(
                stage_named(model, Entity::Contact, &s)
                    .map_err(|e| err(RowCode::Stage, r.their_name(col(Fixed::Stage)), e))?,
            )
        }
        other => match model.event_type(other) {
            Some(ty) => EventKind::Event {
                ty,
                fields: fields(r, model, Schema::Event(ty.index()))?,
            },
            None => {
                let names: Vec<&str> = model.events.iter().map(|e| e.name.as_str()).collect();
                let hint = crate::names::closest(other, names.iter().copied())
                    .map(|c| format!("did you mean `{c}`? "))
                    .unwrap_or_default();
                return Err((
                    RowCode::EventType,
                    Some(r.their_name(col(Fixed::Type)).to_string()),
                    format!(
                        "`{other}` is not an event type of the policy; {hint}the event was set aside (map export values to ours in the manifest's [data.values.events.type])"
                    ),
                    Severity::Warning,
                ));
            }
        },
    };
    Ok(Some(Event {
        id: r.text(col(Fixed::Id)),
        contact,
        account: r.text(col(Fixed::Account)),
        deal,
        at,
        precision,
        kind,
        origin,
    }))
}

/// The note about keys a lookup did not find, if any.
fn missed_note(file: &str, t: &super::lookup::Table) -> Option<String> {
    if t.missed.is_empty() {
        return None;
    }
    let rows: u64 = t.missed.values().sum();
    let shown: Vec<String> = t.missed.keys().take(5).map(|k| format!("`{k}`")).collect();
    let more = if t.missed.len() > 5 { ", ..." } else { "" };
    Some(format!(
        "{file}: {rows} rows have a `{}` that {} does not have ({}{more}); the columns looked up there are empty on those rows (add the missing keys to {})",
        t.on(),
        t.file,
        shown.join(", "),
        t.file
    ))
}
