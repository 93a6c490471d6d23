//! Reading timestamps from CRM exports, in the policy's timezone.
//!
//! Accepted: RFC 3339 with any offset (`2026-03-02T09:15:00Z`), naive
//! date-times (`2026-03-02 09:15:00`, `2026-03-02T09:15`, fractional
//! seconds allowed) read in the policy timezone, and dates (`2026-03-02`)
//! read as the start (or, where the manifest says so, the end) of that day.
//! A naive time in a DST gap moves forward by the gap; one in a DST fold
//! takes the earlier offset.

use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Tz;

use super::codes::TimeError;

/// Milliseconds since 1970-01-01T00:00:00Z.
pub type Instant = i64;

/// How precisely a timestamp was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum Precision {
    /// Written with a time of day.
    Exact,
    /// Written as a date only: steps it triggers are marked date-precision.
    Date,
}

/// Whether a date-only value means the start or the end of its day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum DateOnly {
    /// 00:00 local time: the day has begun (the default).
    #[default]
    Start,
    /// The last millisecond of the day (an `--as-of` date means "up to
    /// the end of that day").
    End,
}

/// Years outside this range are rejected: they are typing mistakes, and
/// keeping them out keeps every instant far from `i64` overflow.
const MIN_YEAR: i32 = 1900;
const MAX_YEAR: i32 = 2200;

/// Reads a timestamp; the error is a reason a person can act on.
pub fn parse_instant(
    text: &str,
    tz: Tz,
    date_only: DateOnly,
) -> Result<(Instant, Precision), TimeError> {
    let s = text.trim();
    if s.is_empty() {
        return Err(TimeError::Empty);
    }
    if let Some(t) = plain_utc(s) {
        check_year(t.date())?;
        return Ok((t.and_utc().timestamp_millis(), Precision::Exact));
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        check_year(dt.naive_utc().date())?;
        return Ok((dt.timestamp_millis(), Precision::Exact));
    }
    if let Some(date) = parse_date(s) {
        check_year(date)?;
        return match date_only {
            DateOnly::Start => {
                local(date.and_time(NaiveTime::MIN), tz).map(|i| (i, Precision::Date))
            }
            DateOnly::End => {
                let next = date.succ_opt().ok_or(TimeError::EndOfCalendar)?;
                local(next.and_time(NaiveTime::MIN), tz).map(|i| (i - 1, Precision::Date))
            }
        };
    }
    for format in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(s, format) {
            check_year(naive.date())?;
            return local(naive, tz).map(|i| (i, Precision::Exact));
        }
    }
    Err(TimeError::Unreadable(shorten(s)))
}

/// The number written in `b[r]`, all ASCII digits.
fn digits(b: &[u8], r: std::ops::Range<usize>) -> Option<u32> {
    b.get(r)?.iter().try_fold(0u32, |n, d| {
        d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
    })
}

/// `YYYY-MM-DD` at the start of `b`, when it is ten digits and dashes
/// making a real date.
fn plain_date(b: &[u8]) -> Option<NaiveDate> {
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let y = i32::try_from(digits(b, 0..4)?).ok()?;
    NaiveDate::from_ymd_opt(y, digits(b, 5..7)?, digits(b, 8..10)?)
}

/// Reads a `YYYY-MM-DD` date as chrono's `%Y-%m-%d` does. The usual
/// shape, ten digits and dashes, is read without chrono's format
/// interpreter: every date field and date-only timestamp of a request
/// goes through here.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let digits_and_dashes = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    if digits_and_dashes {
        return plain_date(b);
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// `YYYY-MM-DDTHH:MM:SSZ`, the way nearly every event's time is written,
/// read without chrono's RFC 3339 parser; any other shape (an offset,
/// fractions, a leap second) is left to it. The answer is the same.
fn plain_utc(s: &str) -> Option<NaiveDateTime> {
    let b = s.as_bytes();
    if b.len() != 20
        || b.get(10) != Some(&b'T')
        || b.get(13) != Some(&b':')
        || b.get(16) != Some(&b':')
        || b.get(19) != Some(&b'Z')
    {
        return None;
    }
    let time = NaiveTime::from_hms_opt(digits(b, 11..13)?, digits(b, 14..16)?, digits(b, 17..19)?)?;
    Some(plain_date(b)?.and_time(time))
}

fn shorten(s: &str) -> String {
    if s.chars().count() > 40 {
        format!("{}...", s.chars().take(40).collect::<String>())
    } else {
        s.to_string()
    }
}

fn check_year(date: NaiveDate) -> Result<(), TimeError> {
    use chrono::Datelike;
    if (MIN_YEAR..=MAX_YEAR).contains(&date.year()) {
        Ok(())
    } else {
        Err(TimeError::Year {
            year: date.year(),
            min: MIN_YEAR,
            max: MAX_YEAR,
        })
    }
}

/// A wall-clock time in `tz` as an instant: DST gaps move forward, folds
/// take the earlier offset.
pub fn local(naive: NaiveDateTime, tz: Tz) -> Result<Instant, TimeError> {
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) => Ok(t.timestamp_millis()),
        LocalResult::Ambiguous(earlier, _) => Ok(earlier.timestamp_millis()),
        LocalResult::None => {
            // In a gap: read the wall time with the offset in force just
            // before the gap, which moves it forward by the gap's length
            // (01:30 in a one-hour spring-forward gap becomes 02:30).
            let mut probe = naive;
            for _ in 0..(48 * 60) {
                probe -= chrono::Duration::minutes(1);
                if let LocalResult::Single(t) | LocalResult::Ambiguous(_, t) =
                    tz.from_local_datetime(&probe)
                {
                    use chrono::Offset;
                    let offset = t.offset().fix().local_minus_utc();
                    return Ok((naive.and_utc().timestamp() - i64::from(offset)) * 1000
                        + i64::from(naive.and_utc().timestamp_subsec_millis()));
                }
            }
            Err(TimeError::NoSuchLocalTime {
                local: naive.to_string(),
                zone: tz.name().to_string(),
            })
        }
    }
}

/// An instant as RFC 3339 UTC with seconds, for output.
pub fn format_instant(i: Instant) -> String {
    use chrono::{Datelike, Timelike};
    match DateTime::from_timestamp_millis(i) {
        // Written digit by digit: journeys print several instants per
        // contact, and `format!` with padding cost more than the rest of
        // building a small journey.
        Some(d) if (0..=9999).contains(&d.year()) => {
            let mut out = String::with_capacity(20);
            let mut digits = |n: u32, width: u32, then: char| {
                for p in (0..width).rev() {
                    let digit = n / 10u32.pow(p) % 10;
                    out.push(char::from_digit(digit, 10).unwrap_or('0'));
                }
                out.push(then);
            };
            digits(d.year().unsigned_abs(), 4, '-');
            digits(d.month(), 2, '-');
            digits(d.day(), 2, 'T');
            digits(d.hour(), 2, ':');
            digits(d.minute(), 2, ':');
            digits(d.second(), 2, 'Z');
            out
        }
        Some(d) => d.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        None => i.to_string(),
    }
}

/// An instant as people in the policy's timezone read it:
/// `Fri 12 Jun 2026 17:54 BST`.
pub fn format_local(i: Instant, tz: Tz) -> String {
    DateTime::from_timestamp_millis(i)
        .map(|d| {
            d.with_timezone(&tz)
                .format("%a %-d %b %Y %H:%M %Z")
                .to_string()
        })
        .unwrap_or_else(|| i.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::London;

    fn at(s: &str) -> String {
        let (i, _) = parse_instant(s, London, DateOnly::Start).unwrap();
        format_instant(i)
    }

    #[test]
    fn reads_every_written_form() {
        assert_eq!(at("2026-03-02T09:15:00Z"), "2026-03-02T09:15:00Z");
        assert_eq!(at("2026-03-02T09:15:00+01:00"), "2026-03-02T08:15:00Z");
        // Naive times are in the policy timezone: BST in July.
        assert_eq!(at("2026-07-02 09:15:00"), "2026-07-02T08:15:00Z");
        assert_eq!(at("2026-07-02T09:15"), "2026-07-02T08:15:00Z");
        assert_eq!(at("2026-01-02 09:15:00.250"), "2026-01-02T09:15:00Z");
        assert_eq!(at("2026-07-02"), "2026-07-01T23:00:00Z");
    }

    #[test]
    fn instants_print_as_the_format_string_would() {
        for i in [
            i64::MIN,
            -62_167_219_200_001, // 0000-12-31T23:59:59.999 BCE side
            -62_167_219_200_000, // 0000-01-01
            -1,
            0,
            1_772_443_500_123,
            253_402_300_799_999, // 9999-12-31T23:59:59.999
            253_402_300_800_000, // 10000-01-01
            i64::MAX,
        ] {
            let slow = DateTime::from_timestamp_millis(i)
                .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                .unwrap_or_else(|| i.to_string());
            assert_eq!(format_instant(i), slow, "{i}");
        }
    }

    #[test]
    fn date_only_can_mean_the_end_of_the_day() {
        let (i, p) = parse_instant("2026-01-10", London, DateOnly::End).unwrap();
        assert_eq!(p, Precision::Date);
        assert_eq!(
            i,
            parse_instant("2026-01-11", London, DateOnly::Start)
                .unwrap()
                .0
                - 1
        );
    }

    #[test]
    fn dst_gap_moves_forward_and_fold_takes_the_earlier_offset() {
        // 2026-03-29 01:30 does not exist in London (clocks go 01:00 GMT ->
        // 02:00 BST): it moves forward by the hour, to 02:30 BST = 01:30Z.
        assert_eq!(at("2026-03-29 01:30:00"), "2026-03-29T01:30:00Z");
        // 2026-10-25 01:30 happens twice; the first is BST (+01:00).
        assert_eq!(at("2026-10-25 01:30:00"), "2026-10-25T00:30:00Z");
    }

    #[test]
    fn bad_timestamps_say_why() {
        assert!(
            parse_instant("yesterday", London, DateOnly::Start)
                .unwrap_err()
                .to_string()
                .contains("not a timestamp")
        );
        assert!(parse_instant("99999-01-01", London, DateOnly::Start).is_err());
        assert!(
            parse_instant("1066-10-14", London, DateOnly::Start)
                .unwrap_err()
                .to_string()
                .contains("out of range")
        );
        assert!(parse_instant("", London, DateOnly::Start).is_err());
    }

    proptest::proptest! {
        /// The quick way reads every date string as chrono's `%Y-%m-%d`
        /// does: ten characters of digits, dashes and others, good dates
        /// and impossible ones (2026-02-30, month 13, year 0000).
        #[test]
        fn dates_read_as_chrono_reads_them(s in "[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9-]{8,12}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2} ?") {
            proptest::prop_assert_eq!(
                parse_date(&s),
                NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok()
            );
        }

        /// The quick way reads UTC timestamps as chrono's RFC 3339
        /// parser does, and leaves to it all it cannot (hour 24, second
        /// 60, 30 February).
        #[test]
        fn utc_timestamps_read_as_chrono_reads_them(
            y in 0..10_000u32, mo in 0..14u32, d in 0..33u32,
            h in 0..26u32, mi in 0..62u32, sec in 0..62u32,
        ) {
            let s = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{sec:02}Z");
            let chrono = DateTime::parse_from_rfc3339(&s).ok().map(|t| t.timestamp_millis());
            match plain_utc(&s) {
                Some(t) => proptest::prop_assert_eq!(Some(t.and_utc().timestamp_millis()), chrono),
                None => proptest::prop_assert!(chrono.is_none() || sec == 60, "{s} left to chrono"),
            }
        }

        #[test]
        fn written_dates_read_as_chrono_reads_them(y in 0..10_000u32, m in 0..14u32, d in 0..33u32) {
            let s = format!("{y:04}-{m:02}-{d:02}");
            proptest::prop_assert_eq!(
                parse_date(&s),
                NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok()
            );
        }
    }
}
