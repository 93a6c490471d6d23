//! What can be wrong with data, by stable code (D0xx, listed with their
//! fixes in docs/diagnostics.md): [`DataError`] stops a whole load (a file
//! that cannot be read), a [`RowCode`] marks each row set aside or warned
//! about, which the load reports and goes on.

/// Why a whole load stopped. Nothing is half-loaded: the caller gets this
/// instead of any rows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// D001: the file's format cannot be told from its name.
    #[error(
        "cannot tell the format of `{file}`: name it .csv, .jsonl or .ndjson (optionally .gz) or .parquet, or pass --format"
    )]
    UnknownFormat {
        /// The file, as given.
        file: String,
    },
    /// D002: the file cannot be opened or read.
    #[error("cannot read `{file}`: {reason}")]
    Unreadable {
        /// The file, as given.
        file: String,
        /// What the system says.
        reason: String,
    },
    /// D003: reading stopped part way (an I/O error, a truncated or
    /// corrupt compressed file).
    #[error(
        "cannot read `{file}` past line {line}: {reason} (is the file cut short or corrupt? export it again; a partial file is never used)"
    )]
    CutShort {
        /// The file, as given.
        file: String,
        /// The line reading stopped at.
        line: u64,
        /// What the system says.
        reason: String,
    },
    /// D004: the data manifest cannot be read or says something invalid.
    #[error("{place}: {reason}")]
    Manifest {
        /// The manifest and the key at fault.
        place: String,
        /// What is wrong and what to write instead.
        reason: String,
    },
    /// D005: the program reading the data in batches stopped it (a full
    /// disk, an interrupt).
    #[error("{0}")]
    Stopped(String),
    /// D006: `--stream` met an event of an account whose events had
    /// stopped earlier (the events are not grouped by account), or deal
    /// rows, which it does not replay (`deals`; `report` and `diff`
    /// replay them after a first pass over the events).
    #[error("{reason}")]
    NotGrouped {
        /// What was met, and how to sort the events.
        reason: String,
        /// Deal rows, or an event of a deal with no contact, stopped it.
        deals: bool,
    },
}

impl DataError {
    /// The stable code, as docs/diagnostics.md lists it.
    pub fn code(&self) -> &'static str {
        match self {
            DataError::UnknownFormat { .. } => "D001",
            DataError::Unreadable { .. } => "D002",
            DataError::CutShort { .. } => "D003",
            DataError::Manifest { .. } => "D004",
            DataError::Stopped(_) => "D005",
            DataError::NotGrouped { .. } => "D006",
        }
    }
}

/// What is wrong with one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[non_exhaustive]
pub enum RowCode {
    /// D010: a CSV file's header cannot be read (an empty file, a header
    /// that is not UTF-8).
    #[serde(rename = "D010")]
    Header,
    /// D011: the row cannot be read as a row: ragged, over-long, not JSON,
    /// not one JSON object.
    #[serde(rename = "D011")]
    Shape,
    /// D012: a value is not UTF-8 text.
    #[serde(rename = "D012")]
    Encoding,
    /// D013: a value does not fit its field's type (a number, an amount,
    /// a date, a time, yes/no, one of the listed values).
    #[serde(rename = "D013")]
    Value,
    /// D014: a value the row needs is missing.
    #[serde(rename = "D014")]
    Missing,
    /// D015: a stage that the lifecycle does not have.
    #[serde(rename = "D015")]
    Stage,
    /// D016: an event of a type the policy does not declare (set aside,
    /// with a warning).
    #[serde(rename = "D016")]
    EventType,
    /// D017: an `update` or `account_update` that changes no field.
    #[serde(rename = "D017")]
    EmptyUpdate,
    /// D018: a second, different row for a contact or account id (the
    /// first is kept).
    #[serde(rename = "D018")]
    Repeated,
    /// D019: an event before its contact's `created_at` (kept; the contact
    /// exists from it).
    #[serde(rename = "D019")]
    BeforeCreation,
    /// D020: what `--stream` cannot follow across accounts: an account
    /// named after a contact's first event, a merge into another account.
    #[serde(rename = "D020")]
    Unfollowed,
    /// D021: a row names a deal the deal files do not have, or a deal
    /// names an account the account files do not have.
    #[serde(rename = "D021")]
    UnknownDeal,
    /// D022: a deal's contact row names a role the deal schema does not
    /// declare, or a contact the data does not have.
    #[serde(rename = "D022")]
    DealContact,
}

impl RowCode {
    /// The stable code, as docs/diagnostics.md lists it.
    pub fn as_str(self) -> &'static str {
        match self {
            RowCode::Header => "D010",
            RowCode::Shape => "D011",
            RowCode::Encoding => "D012",
            RowCode::Value => "D013",
            RowCode::Missing => "D014",
            RowCode::Stage => "D015",
            RowCode::EventType => "D016",
            RowCode::EmptyUpdate => "D017",
            RowCode::Repeated => "D018",
            RowCode::BeforeCreation => "D019",
            RowCode::Unfollowed => "D020",
            RowCode::UnknownDeal => "D021",
            RowCode::DealContact => "D022",
        }
    }
}

impl std::fmt::Display for RowCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a time cannot be read (a row's `at`, `created_at`, a timestamp
/// field, `--as-of`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimeError {
    /// Nothing written.
    #[error("empty timestamp")]
    Empty,
    /// Not a time in any shape read.
    #[error(
        "`{0}` is not a timestamp: write 2026-03-02T09:15:00Z, 2026-03-02 09:15:00 or 2026-03-02"
    )]
    Unreadable(String),
    /// A year outside what is read.
    #[error("year {year} is out of range ({min}–{max})")]
    Year {
        /// The year written.
        year: i32,
        /// The first year read.
        min: i32,
        /// The last year read.
        max: i32,
    },
    /// A date with no next day (the end of the calendar).
    #[error("date out of range")]
    EndOfCalendar,
    /// A wall-clock time that the timezone skips and that no offset
    /// before it explains.
    #[error("{local} does not exist in {zone}")]
    NoSuchLocalTime {
        /// The wall-clock time.
        local: String,
        /// The timezone.
        zone: String,
    },
}

/// Why a value does not fit its field's type (D013).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValueError {
    /// A number, amount or duration outside what is read.
    #[error("`{text}` is out of range: {what} must be {range}")]
    OutOfRange {
        /// The value as written, cut short.
        text: String,
        /// `numbers`, `amounts`, `durations`.
        what: &'static str,
        /// The range read.
        range: &'static str,
    },
    /// Not a number.
    #[error("`{0}` is not a number")]
    NotNumber(String),
    /// An amount written with thousands separators.
    #[error("`{0}` is not an amount: write it without thousands separators, e.g. 1234.50")]
    Separators(String),
    /// Not an amount of money.
    #[error("`{0}` is not an amount of money")]
    NotMoney(String),
    /// Not yes or no.
    #[error("`{0}` is not true or false (write true/false, yes/no or 1/0)")]
    NotBool(String),
    /// Not a date.
    #[error("`{0}` is not a date (write YYYY-MM-DD)")]
    NotDate(String),
    /// Not a duration.
    #[error("`{0}` is not a duration (write e.g. 30d, 48h or 90m)")]
    NotDuration(String),
    /// Not one of an enumerated field's values.
    #[error("`{text}` is not {expected}{}", .case_of.as_ref().map(|v| format!(" (did you mean \"{v}\"? values are case-sensitive; map them in the manifest's [data.values])")).unwrap_or_default())]
    NotListed {
        /// The value as written, cut short.
        text: String,
        /// `one of "a", "b"`.
        expected: String,
        /// The listed value it matches but for case, if any.
        case_of: Option<String>,
    },
    /// A JSON list or object where one value is expected.
    #[error("expected {expected}, found a JSON list or object")]
    Compound {
        /// What the field takes, in words.
        expected: String,
    },
    /// A time that cannot be read.
    #[error(transparent)]
    Time(#[from] TimeError),
}
