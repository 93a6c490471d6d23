//! Printing data problems, shared by the commands that load data.

use std::path::Path;

use detente::data::{Histories, Severity};

/// The first `limit` problems, one per line, then the notes.
pub fn problems(h: &Histories, limit: usize) -> String {
    let mut out = String::new();
    for p in h.problems.iter().take(limit) {
        let level = match p.severity {
            Severity::Warning => "warning",
            _ => "rejected",
        };
        let column = p
            .column
            .as_ref()
            .map(|c| format!(" column `{c}`:"))
            .unwrap_or_default();
        out.push_str(&format!(
            "{}:{}: {level}[{}]:{column} {}\n",
            p.file, p.line, p.code, p.reason
        ));
    }
    if h.problems.len() > limit {
        out.push_str(&format!(
            "... and {} more (--rejects FILE writes them all)\n",
            h.problems.len() - limit
        ));
    }
    for n in &h.notes {
        out.push_str(&format!("note: {n}\n"));
    }
    for k in &h.skipped {
        out.push_str(&format!("note: {}\n", skipped_line(k)));
    }
    out
}

/// `, skipped N` for a summary line, when rows were skipped.
pub fn skipped_suffix(t: &detente::data::Counts) -> String {
    if t.skipped > 0 {
        format!(", skipped {}", t.skipped)
    } else {
        String::new()
    }
}

/// One file's rows skipped for one reason, as the terminal says it.
pub fn skipped_line(k: &detente::data::Skipped) -> String {
    let rows = if k.rows == 1 {
        "1 row".to_string()
    } else {
        format!("{} rows", k.rows)
    };
    let why = match &k.reason {
        detente::data::SkipReason::Filtered { when } => {
            format!("not read, as the manifest's `when = '{when}'` says")
        }
        detente::data::SkipReason::NoTime { column } => {
            format!("skipped: `{column}` is empty, so there is no event yet")
        }
        _ => "skipped".to_string(),
    };
    format!(
        "{}: {rows} {why} (the first at line {})",
        k.file, k.first_line
    )
}

/// Every problem row, as CSV: file, line, column, severity, code, reason,
/// row.
pub fn write_rejects(path: &Path, h: &Histories) -> Result<(), String> {
    let mut w = csv::Writer::from_writer(super::atomic::AtomicFile::create(path)?);
    w.write_record([
        "file", "line", "column", "severity", "code", "reason", "row",
    ])
    .map_err(|e| e.to_string())?;
    for p in &h.problems {
        let severity = match p.severity {
            Severity::Warning => "warning",
            _ => "error",
        };
        w.write_record([
            p.file.as_str(),
            &p.line.to_string(),
            p.column.as_deref().unwrap_or(""),
            severity,
            p.code.as_str(),
            &p.reason,
            &p.raw,
        ])
        .map_err(|e| e.to_string())?;
    }
    w.into_inner().map_err(|e| e.to_string())?.commit()
}

/// A line saying that rejected rows are left out of `what`; empty when
/// none were rejected.
pub fn rejected_note(rejected: u64, what: &str) -> String {
    match rejected {
        0 => String::new(),
        n => format!(
            "note: {n} rows were rejected (`detente validate` lists them); {what} leaves them out\n"
        ),
    }
}
