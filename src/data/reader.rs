//! A row seen through its source's column and value mappings, read by
//! position.
//!
//! Every column something reads gets a number ([`Col`]) once per file.
//! Each row's cells are then placed under those numbers, and only when
//! its column names differ from the row before: every row of a CSV file
//! shares the header's, and JSON rows of one event type mostly share
//! theirs. Reading a field is then an index, not a search by name — an
//! API request reads a few hundred cells, and looking each up by name was
//! a tenth of its time.

use std::borrow::Cow;

use super::codes::RowCode;
use super::load::{RecordKind, RowError, Source, err};
use super::source::{Cell, ColumnName, Row};
use super::time::{DateOnly, Instant, Precision, parse_instant};
use crate::ir::{Field, Ir};

/// One column something reads, by its number in [`Columns`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Col(usize);

/// Whose schema fields: the contact's, the account's, or an event type's
/// (by index in the model).
#[derive(Debug, Clone, Copy)]
pub(super) enum Schema {
    Contact,
    Account,
    Deal,
    Event(usize),
}

impl Schema {
    /// Its fields in `model`.
    pub(super) fn of(self, model: &Ir) -> &[Field] {
        match self {
            Schema::Contact => model.contact_fields.as_slice(),
            Schema::Account => model.account_fields.as_slice(),
            Schema::Deal => model.deal_fields.as_slice(),
            Schema::Event(e) => model
                .events
                .as_slice()
                .get(e)
                .map_or(&[], |x| x.fields.as_slice()),
        }
    }
}

/// Every column one file's rows are read for, numbered.
pub(super) struct Columns<'a> {
    /// (ours, the export's name for it), by [`Col`].
    list: Vec<(&'a str, &'a str)>,
    /// The columns that are not schema fields (`id`, `at`, `into`...),
    /// by [`Fixed`]: an index, as they are read several times a row.
    fixed: [Option<Col>; Fixed::COUNT],
    /// Where each schema's fields start in `list` (`None`: this kind of
    /// record does not read them).
    contact: Option<usize>,
    account: Option<usize>,
    deal: Option<usize>,
    events: Vec<usize>,
    /// (the export's column name, a column it fills), sorted by name: one
    /// export column may be several of ours (an event field and a contact
    /// field of the same name). A sorted list, not a map: it is built for
    /// every API request, and a map of lists cost more to build than all
    /// the lookups it served.
    by_theirs: Vec<(&'a str, Col)>,
    /// How each column's cells are read, by [`Col`]: looked up in the
    /// manifest once per file, not once per cell (two map lookups by
    /// name for every cell were a tenth of reading a CSV file).
    mapped: Vec<Mapping<'a>>,
}

/// What the manifest says about reading one column's cells.
#[derive(Default, Clone, Copy)]
struct Mapping<'a> {
    /// The export's format for the column (`formats`).
    format: Option<&'a super::formats::ColumnFormat>,
    /// Its values mapped to ours (`values`), by our name or the export's.
    values: Option<&'a std::collections::BTreeMap<String, String>>,
    /// What a missing or empty cell reads as (`constants`).
    constant: Option<&'a str>,
}

/// A column that is not a schema field, by our name for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fixed {
    Id,
    Account,
    CreatedAt,
    Stage,
    StageSince,
    Deal,
    Contact,
    Role,
    At,
    Type,
    Opportunity,
    Into,
}

impl Fixed {
    const COUNT: usize = 12;

    /// Our name for the column, as the manifest maps it.
    pub(super) fn name(self) -> &'static str {
        match self {
            Fixed::Id => "id",
            Fixed::Account => "account",
            Fixed::CreatedAt => "created_at",
            Fixed::Stage => "stage",
            Fixed::StageSince => "stage_since",
            Fixed::Deal => "deal",
            Fixed::Contact => "contact",
            Fixed::Role => "role",
            Fixed::At => "at",
            Fixed::Type => "type",
            Fixed::Opportunity => "opportunity",
            Fixed::Into => "into",
        }
    }
}

use Fixed as F;
const CONTACT_COLUMNS: &[Fixed] = &[F::Id, F::Account, F::CreatedAt, F::Stage, F::StageSince];
const ACCOUNT_COLUMNS: &[Fixed] = &[F::Id];
const DEAL_COLUMNS: &[Fixed] = &[F::Id, F::Account, F::CreatedAt];
const DEAL_CONTACT_COLUMNS: &[Fixed] = &[F::Deal, F::Contact, F::Role];
const EVENT_COLUMNS: &[Fixed] = &[
    F::Contact,
    F::At,
    F::Type,
    F::Id,
    F::Account,
    F::Deal,
    F::Opportunity,
];
/// Read from `merge` and `set_stage` event rows.
const EVENT_TAIL: &[Fixed] = &[F::Into, F::Stage];

impl<'a> Columns<'a> {
    /// The columns `source`'s rows are read for, under the export's names
    /// where the manifest maps them.
    pub(super) fn new(source: &'a Source, model: &'a Ir) -> Columns<'a> {
        let mut list: Vec<&'a str> = Vec::new();
        let mut fixed = [None; Fixed::COUNT];
        let mut take_fixed = |list: &mut Vec<&'a str>, names: &[Fixed]| {
            for &n in names {
                if let Some(slot) = fixed.get_mut(n as usize) {
                    *slot = Some(Col(list.len()));
                }
                list.push(n.name());
            }
        };
        let group = |list: &mut Vec<&'a str>, fields: &'a [Field]| {
            let start = list.len();
            list.extend(fields.iter().map(|f| f.name.as_str()));
            start
        };
        let (mut contact, mut account, mut deal, mut events) = (None, None, None, Vec::new());
        match source.kind {
            RecordKind::Contacts => {
                take_fixed(&mut list, CONTACT_COLUMNS);
                contact = Some(group(&mut list, model.contact_fields.as_slice()));
            }
            RecordKind::Accounts => {
                take_fixed(&mut list, ACCOUNT_COLUMNS);
                account = Some(group(&mut list, model.account_fields.as_slice()));
            }
            RecordKind::DealContacts => take_fixed(&mut list, DEAL_CONTACT_COLUMNS),
            RecordKind::Deals => {
                take_fixed(&mut list, DEAL_COLUMNS);
                deal = Some(group(&mut list, model.deal_fields.as_slice()));
            }
            // Any event's fields, the contact's (read by `update`), the
            // account's (`account_update`), `into` and `stage`.
            RecordKind::Events => {
                take_fixed(&mut list, EVENT_COLUMNS);
                events = model
                    .events
                    .iter()
                    .map(|e| group(&mut list, e.fields.as_slice()))
                    .collect();
                contact = Some(group(&mut list, model.contact_fields.as_slice()));
                account = Some(group(&mut list, model.account_fields.as_slice()));
                deal = Some(group(&mut list, model.deal_fields.as_slice()));
                take_fixed(&mut list, EVENT_TAIL);
            }
        }
        let list: Vec<(&'a str, &'a str)> = list
            .into_iter()
            .map(|ours| (ours, source.columns.get(ours).map_or(ours, String::as_str)))
            .collect();
        let mut by_theirs: Vec<(&'a str, Col)> = list
            .iter()
            .enumerate()
            .map(|(i, (_, theirs))| (*theirs, Col(i)))
            .collect();
        by_theirs.sort_unstable_by_key(|(theirs, _)| *theirs);
        let mapped = list
            .iter()
            .map(|&(ours, theirs)| Mapping {
                format: source.formats.get(theirs),
                values: source
                    .values
                    .get(ours)
                    .or_else(|| source.values.get(theirs)),
                constant: source.constants.get(ours).map(String::as_str),
            })
            .collect();
        Columns {
            list,
            fixed,
            contact,
            account,
            deal,
            events,
            by_theirs,
            mapped,
        }
    }

    /// A column that is not a schema field (`id`, `at`, `stage`...). Only
    /// those this kind of record reads are asked for; another would read
    /// as missing.
    pub(super) fn named(&self, which: Fixed) -> Col {
        self.fixed
            .get(which as usize)
            .copied()
            .flatten()
            .unwrap_or(Col(usize::MAX))
    }

    /// The `i`th field of `schema`.
    pub(super) fn field(&self, schema: Schema, i: usize) -> Col {
        let start = match schema {
            Schema::Contact => self.contact,
            Schema::Account => self.account,
            Schema::Deal => self.deal,
            Schema::Event(e) => self.events.get(e).copied(),
        };
        start.map_or(Col(usize::MAX), |s| Col(s + i))
    }

    /// Every column the export's column `theirs` fills.
    fn filled_by(&self, theirs: &str) -> &[(&'a str, Col)] {
        let start = self.by_theirs.partition_point(|(n, _)| *n < theirs);
        let len = self.by_theirs.get(start..).map_or(0, |rest| {
            rest.iter().take_while(|(n, _)| *n == theirs).count()
        });
        self.by_theirs.get(start..start + len).unwrap_or(&[])
    }

    fn ours(&self, c: Col) -> &'a str {
        self.list.get(c.0).map_or("", |(ours, _)| ours)
    }

    /// The export's name for column `c`.
    pub(super) fn their_name(&self, c: Col) -> &'a str {
        self.list.get(c.0).map_or("", |(_, theirs)| theirs)
    }
}

/// Where each column's cell is in the current row, for each distinct
/// list of column names seen so far in this file.
#[derive(Default)]
pub(super) struct Placement {
    layouts: Vec<Layout>,
    /// The layout of the row placed last.
    current: usize,
}

/// Where each column's cell is in rows with these column names.
struct Layout {
    names: std::sync::Arc<[ColumnName]>,
    at: Vec<Option<usize>>,
}

/// How many layouts a file keeps: JSON rows of a request alternate
/// between a few event types, each with its own columns; a file whose
/// rows keep changing shape beyond this reuses the oldest slot.
const LAYOUTS: usize = 16;

impl Layout {
    fn fits(&self, row: &Row) -> bool {
        // Every row of a CSV file shares its header: one comparison.
        if let Some(header) = row.header() {
            return std::sync::Arc::ptr_eq(&self.names, header) || self.names == *header;
        }
        let mut names = row.names();
        self.names.iter().all(|a| names.next() == Some(a)) && names.next().is_none()
    }
}

impl Placement {
    /// Places `row`'s cells under `columns`, unless rows with the same
    /// column names were placed before. Returns the row's columns that
    /// nothing reads when it placed them anew.
    pub(super) fn place<'r>(&mut self, columns: &Columns<'_>, row: &'r Row) -> Vec<&'r str> {
        if self.layouts.get(self.current).is_some_and(|l| l.fits(row)) {
            return Vec::new();
        }
        if let Some(i) = self.layouts.iter().position(|l| l.fits(row)) {
            self.current = i;
            return Vec::new();
        }
        let mut layout = Layout {
            names: match row.header() {
                Some(header) => header.clone(),
                None => row.names().cloned().collect(),
            },
            at: vec![None; columns.list.len()],
        };
        let mut unread = Vec::new();
        // The last cell of a repeated name wins, as a repeated CSV header
        // reads.
        for (i, name) in row.names().enumerate() {
            // A CSV column without a header is not read.
            if name.is_empty() {
                continue;
            }
            let filled = columns.filled_by(name);
            if filled.is_empty() {
                unread.push(&**name);
            }
            for (_, c) in filled {
                if let Some(slot) = layout.at.get_mut(c.0) {
                    *slot = Some(i);
                }
            }
        }
        if self.layouts.len() < LAYOUTS {
            self.current = self.layouts.len();
            self.layouts.push(layout);
        } else {
            // Round robin over the slots past the first.
            self.current = (self.current % (LAYOUTS - 1)) + 1;
            if let Some(slot) = self.layouts.get_mut(self.current) {
                *slot = layout;
            }
        }
        unread
    }

    /// Where column `c`'s cell is in the row placed last.
    fn at(&self, c: Col) -> Option<usize> {
        self.layouts
            .get(self.current)
            .and_then(|l| l.at.get(c.0).copied().flatten())
    }
}

/// One row read through its source's mappings.
pub(super) struct RowReader<'a> {
    pub(super) source: &'a Source,
    pub(super) columns: &'a Columns<'a>,
    pub(super) row: &'a Row,
    pub(super) placement: &'a Placement,
}

impl<'a> RowReader<'a> {
    /// The export's name for column `c`, for messages.
    pub(super) fn their_name(&self, c: Col) -> &'a str {
        self.columns.their_name(c)
    }

    /// Column `c`'s cell, if present and not empty, with the manifest's
    /// value mapping applied; else the manifest's constant for it.
    pub(super) fn cell(&self, c: Col) -> Option<Cow<'a, Cell>> {
        let mapping = self.columns.mapped.get(c.0).copied().unwrap_or_default();
        let present = self
            .placement
            .at(c)
            .filter(|&i| !self.row.is_empty_at(i))
            .and_then(|i| self.row.cell(i));
        if let Some(cell) = present {
            if let Some(format) = mapping.format {
                return Some(Cow::Owned(formatted(&cell, format)));
            }
            if let Some(mapped) = mapping.values.and_then(|map| map.get(cell.text().as_ref())) {
                return Some(Cow::Owned(Cell::Text(mapped.clone())));
            }
            return Some(cell);
        }
        mapping
            .constant
            .map(|v| Cow::Owned(Cell::Text(v.to_string())))
    }

    /// Whether the row has column `c` at all (perhaps empty).
    pub(super) fn has_column(&self, c: Col) -> bool {
        self.placement.at(c).is_some()
    }

    /// Column `c` as trimmed text, if present.
    pub(super) fn text(&self, c: Col) -> Option<String> {
        self.cell(c).map(|cell| cell.text().into_owned())
    }

    /// Column `c` as text; missing, it is an error that says how to map it.
    pub(super) fn required(&self, c: Col) -> Result<String, RowError> {
        self.text(c).ok_or_else(|| self.missing(c))
    }

    /// The error for column `c` missing, saying how to map it.
    pub(super) fn missing(&self, c: Col) -> RowError {
        let (ours, theirs) = (self.columns.ours(c), self.their_name(c));
        let hint = if theirs == ours {
            format!(
                " (if the export calls it something else, map it in the manifest: [data.columns.{}] {ours} = \"Their Column\")",
                self.source.kind.name()
            )
        } else {
            String::new()
        };
        err(
            RowCode::Missing,
            theirs,
            format!("`{theirs}` is missing{hint}"),
        )
    }

    /// Column `c` as a time in `tz`, if present.
    pub(super) fn instant(
        &self,
        c: Col,
        tz: chrono_tz::Tz,
        date_only: DateOnly,
    ) -> Result<Option<(Instant, Precision)>, RowError> {
        match self.cell(c) {
            None => Ok(None),
            Some(cell) => parse_instant(&cell.text(), tz, date_only)
                .map(Some)
                .map_err(|e| err(RowCode::Value, self.their_name(c), e)),
        }
    }
}

/// `cell` read through its column's format; a cell that does not match
/// is left as written, so the error that follows quotes it as written.
fn formatted(cell: &Cell, format: &super::formats::ColumnFormat) -> Cell {
    match format.apply(&cell.text()) {
        Ok(text) => Cell::Text(text),
        Err(_) => cell.clone(),
    }
}
