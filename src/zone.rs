//! The policy timezone's UTC offsets, looked up in a table.
//!
//! Business hours, calendar days and `within` windows turn instants into
//! the policy's wall-clock time and back many times per contact. chrono-tz
//! answers each conversion with a search through the zone's whole history
//! (and, from wall-clock time, a search for the span that holds it); here
//! the offsets of each year are found once, on first use, and a
//! conversion is a short search through that year's few changes.
//!
//! chrono-tz stays the source of truth: a year's table is read from it,
//! by sampling the offset at every UTC midnight and bisecting to the
//! second wherever two samples differ. (Two changes within one UTC day that
//! undo each other would be missed; the tz database has none.) Wall-clock
//! times in a DST gap, and years outside 1900–2200, go to chrono-tz
//! directly, with the same rules as [`crate::data::time::local`].

use std::sync::OnceLock;

use chrono::{DateTime, NaiveDateTime, Offset, TimeZone};
use chrono_tz::Tz;

const FIRST_YEAR: i32 = 1900;
const LAST_YEAR: i32 = 2200;
const DAY_MS: i64 = 86_400_000;
/// Further than any UTC offset the tz database has ever had (±15 hours
/// of local mean time): every instant a wall-clock time can be is within
/// this of it read as UTC.
const REACH_MS: i64 = 30 * 3_600_000;

/// One timezone's offsets, filled a year at a time.
#[derive(Debug)]
pub struct Zone {
    tz: Tz,
    /// The first instant of each UTC year from 1900 to 2201.
    starts: Box<[i64]>,
    years: Box<[OnceLock<Year>]>,
}

/// The offsets in force during one UTC year.
#[derive(Debug)]
struct Year {
    /// The offset (milliseconds) at the year's first instant.
    first: i64,
    /// Each change: the first instant (UTC milliseconds) of a new offset.
    changes: Vec<(i64, i64)>,
}

impl Year {
    /// The offset at `at`, an instant of this year.
    fn offset(&self, at: i64) -> i64 {
        let i = self.changes.partition_point(|(t, _)| *t <= at);
        match i.checked_sub(1).and_then(|i| self.changes.get(i)) {
            Some((_, o)) => *o,
            None => self.first,
        }
    }
}

/// The first instant of UTC year `y`.
fn year_start(y: i32) -> i64 {
    chrono::NaiveDate::from_ymd_opt(y, 1, 1).map_or(0, |d| {
        d.and_time(chrono::NaiveTime::MIN)
            .and_utc()
            .timestamp_millis()
    })
}

impl Zone {
    /// The table for `tz`, empty until conversions need it.
    pub fn new(tz: Tz) -> Zone {
        let starts = (FIRST_YEAR..=LAST_YEAR + 1).map(year_start).collect();
        let years = (FIRST_YEAR..=LAST_YEAR).map(|_| OnceLock::new()).collect();
        Zone { tz, starts, years }
    }

    /// The timezone.
    pub fn tz(&self) -> Tz {
        self.tz
    }

    /// The offset in force at `at` (UTC milliseconds), in milliseconds.
    pub fn offset(&self, at: i64) -> i64 {
        match self.year(at) {
            Some((_, y)) => y.offset(at),
            None => chrono_offset(self.tz, at),
        }
    }

    /// `at` as wall-clock time in the zone.
    pub fn local(&self, at: i64) -> Option<NaiveDateTime> {
        DateTime::from_timestamp_millis(at.checked_add(self.offset(at))?).map(|d| d.naive_utc())
    }

    /// A wall-clock time as an instant, by the rules of
    /// [`crate::data::time::local`]: a time that happens twice takes the
    /// earlier instant; one in a DST gap is read with the offset in force
    /// before the gap.
    pub fn instant(&self, t: NaiveDateTime) -> Result<i64, crate::data::codes::TimeError> {
        let wall = t.and_utc().timestamp_millis();
        // Every instant the wall time can be is within REACH of it (two
        // years at most); the offsets that could apply are those in force
        // somewhere there.
        let (lo, hi) = (wall - REACH_MS, wall + REACH_MS);
        let (Some((_, from)), Some((split, to))) = (self.year(lo), self.year(hi)) else {
            return crate::data::time::local(t, self.tz);
        };
        let offset = |u: i64| {
            if u < split {
                from.offset(u)
            } else {
                to.offset(u)
            }
        };
        let mut earliest: Option<i64> = None;
        let mut try_offset = |o: i64| {
            let u = wall - o;
            if offset(u) == o && earliest.is_none_or(|e| u < e) {
                earliest = Some(u);
            }
        };
        try_offset(from.offset(lo));
        let changes = from.changes.iter().chain(if std::ptr::eq(from, to) {
            &[][..]
        } else {
            &to.changes[..]
        });
        for (at, o) in changes {
            if *at > lo && *at <= hi {
                try_offset(*o);
            }
        }
        match earliest {
            Some(u) => Ok(u),
            // In a gap: rare, and chrono-tz's rule is the reference.
            None => crate::data::time::local(t, self.tz),
        }
    }

    /// The table of the UTC year holding `at`, made on first use, with
    /// the year's first instant.
    fn year(&self, at: i64) -> Option<(i64, &Year)> {
        let next = self.starts.partition_point(|s| *s <= at);
        let i = next.checked_sub(1)?;
        let (start, cell) = (*self.starts.get(i)?, self.years.get(i)?);
        let year = FIRST_YEAR + i32::try_from(i).ok()?;
        Some((start, cell.get_or_init(|| Year::of(self.tz, year))))
    }
}

/// chrono-tz's offset at `at`, in milliseconds.
fn chrono_offset(tz: Tz, at: i64) -> i64 {
    DateTime::from_timestamp_millis(at).map_or(0, |d| {
        i64::from(
            tz.offset_from_utc_datetime(&d.naive_utc())
                .fix()
                .local_minus_utc(),
        ) * 1000
    })
}

impl Year {
    fn of(tz: Tz, year: i32) -> Year {
        let (begin, end) = (year_start(year), year_start(year + 1));
        let first = chrono_offset(tz, begin);
        let mut changes = Vec::new();
        let mut day = begin;
        let mut offset = first;
        while day < end {
            let next = (day + DAY_MS).min(end - 1);
            let later = chrono_offset(tz, next);
            // Every change in (day, next], one after another.
            let mut lo = day;
            while offset != later {
                let at = first_change(tz, lo, next, offset);
                offset = chrono_offset(tz, at);
                changes.push((at, offset));
                lo = at;
            }
            day += DAY_MS;
        }
        Year { first, changes }
    }
}

/// The first instant in (`lo`, `hi`] whose offset is not `offset`, given
/// that `hi`'s is not. Changes fall on whole seconds.
fn first_change(tz: Tz, lo: i64, hi: i64, offset: i64) -> i64 {
    let (mut lo, mut hi) = (lo.div_euclid(1000), hi.div_euclid(1000));
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if chrono_offset(tz, mid * 1000) == offset {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    hi * 1000
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ZONES: [Tz; 8] = [
        chrono_tz::Europe::London,
        chrono_tz::America::New_York,
        chrono_tz::Australia::Lord_Howe,
        chrono_tz::Asia::Kathmandu,
        chrono_tz::America::Sao_Paulo,
        chrono_tz::Africa::Casablanca,
        chrono_tz::Pacific::Apia,
        chrono_tz::UTC,
    ];

    proptest! {
        /// The table gives chrono-tz's answer both ways, at any instant
        /// from 1890 to 2210: gaps, folds, half-hour DST (Lord Howe),
        /// Casablanca's Ramadan changes, the day Samoa skipped (2011).
        #[test]
        fn the_table_agrees_with_chrono_tz(z in 0..ZONES.len(), at in -2_524_608_000_000i64..7_595_000_000_000) {
            let tz = ZONES[z];
            let zone = Zone::new(tz);
            let expected = DateTime::from_timestamp_millis(at)
                .map(|d| tz.from_utc_datetime(&d.naive_utc()).naive_local());
            prop_assert_eq!(zone.local(at), expected);
            let wall = DateTime::from_timestamp_millis(at).map(|d| d.naive_utc()).unwrap();
            prop_assert_eq!(zone.instant(wall), crate::data::time::local(wall, tz));
        }

        /// Around each change of a year, to the second.
        #[test]
        fn changes_agree_to_the_second(z in 0..ZONES.len(), year in 1970i32..2040, second in -7200i64..7200) {
            let tz = ZONES[z];
            let zone = Zone::new(tz);
            let start = chrono::NaiveDate::from_ymd_opt(year, 6, 1).unwrap().and_time(chrono::NaiveTime::MIN).and_utc().timestamp_millis();
            let (_, y) = zone.year(start).unwrap();
            for (at, _) in y.changes.clone() {
                let t = at + second * 1000;
                prop_assert_eq!(zone.offset(t), chrono_offset(tz, t));
                let wall = DateTime::from_timestamp_millis(t).map(|d| d.naive_utc()).unwrap();
                prop_assert_eq!(zone.instant(wall), crate::data::time::local(wall, tz));
            }
        }
    }

    #[test]
    fn london_changes_twice_a_year() {
        let zone = Zone::new(chrono_tz::Europe::London);
        let at = chrono::NaiveDate::from_ymd_opt(2026, 6, 1)
            .unwrap()
            .and_time(chrono::NaiveTime::MIN)
            .and_utc()
            .timestamp_millis();
        let changes: Vec<String> = zone
            .year(at)
            .unwrap()
            .1
            .changes
            .iter()
            .map(|(t, o)| format!("{} {}", crate::data::time::format_instant(*t), o / 60_000))
            .collect();
        assert_eq!(
            changes,
            ["2026-03-29T01:00:00Z 60", "2026-10-25T01:00:00Z 0"]
        );
    }
}
