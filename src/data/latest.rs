//! A quick read of the latest time in the data: the default as-of time,
//! wanted before a replay read a batch at a time can start.
//!
//! Each row is read through its source's mappings, lookups and `when`,
//! but only its time is parsed (an event's `at`, a contact's
//! `created_at`), so a row another column would reject still counts here.
//! The answer is then a guess the loading checks: the replay keeps the
//! true latest time of the rows it accepted, and is run again with it in
//! the rare case they differ (`report::batched`).

use super::codes::DataError;
use super::load::{RecordKind, Source, open_rows};
use super::reader::{Columns, Fixed, Placement, RowReader};
use super::time::Instant;
use crate::compile::Policy;

/// The latest event time or contact creation in `sources`, as far as the
/// time columns say; `None` when there is none.
pub fn latest_time(policy: &Policy, sources: &[Source]) -> Result<Option<Instant>, DataError> {
    let mut latest = None;
    for source in sources {
        let column = match source.kind {
            RecordKind::Events => Fixed::At,
            RecordKind::Contacts => Fixed::CreatedAt,
            _ => continue,
        };
        if let Some(t) = latest_in(policy, source, column)? {
            latest = Some(latest.map_or(t, |l: Instant| l.max(t)));
        }
    }
    Ok(latest)
}

fn latest_in(
    policy: &Policy,
    source: &Source,
    column: Fixed,
) -> Result<Option<Instant>, DataError> {
    let model = policy.ir();
    let (rows, mut tables) = open_rows(source)?;
    let columns = Columns::new(source, model);
    let mut placement = Placement::default();
    let (at, ty) = (columns.named(column), columns.named(Fixed::Type));
    let mut latest = None;
    for row in rows {
        // A bad row is the loading's to report; a file cut short, too.
        let Ok(mut row) = row else { continue };
        if !tables.is_empty() {
            let owned = row.to_mut();
            tables.iter_mut().for_each(|t| t.join(owned));
        }
        if let Some((_, filter)) = &source.when
            && !filter.passes(&row)
        {
            continue;
        }
        placement.place(&columns, &row);
        let r = RowReader {
            source,
            columns: &columns,
            row: &row,
            placement: &placement,
        };
        // The type is read only when a type has its own date rule.
        let date_only = match source.kind {
            RecordKind::Events if !source.date_only_by_type.is_empty() => r
                .text(ty)
                .and_then(|t| source.date_only_by_type.get(&t).copied())
                .unwrap_or(source.date_only),
            _ => source.date_only,
        };
        if let Ok(Some((t, _))) = r.instant(at, model.timezone, date_only) {
            latest = Some(latest.map_or(t, |l: Instant| l.max(t)));
        }
    }
    Ok(latest)
}
