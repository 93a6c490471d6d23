//! Time arithmetic in the policy's terms: exact minutes and hours,
//! calendar days in the policy timezone (10:00 stays 10:00 across a DST
//! change), and business hours and days that skip closed days and holidays.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime};
use chrono_tz::Tz;

use crate::data::time::Instant;
use crate::ir::{BusinessHours, Duration};

const MINUTE: i64 = 60_000;
/// No business calendar searches further than this for an opening.
const MAX_DAYS_SEARCHED: i64 = 3_660;

/// The policy's view of time.
#[derive(Debug, Clone)]
pub struct Calendar {
    /// The policy's `timezone`.
    pub tz: Tz,
    /// Its offsets, for the conversions below (`crate::zone`).
    pub zone: std::sync::Arc<crate::zone::Zone>,
    /// The policy's `business_hours`.
    pub hours: BusinessHours,
    /// Sorted.
    pub holidays: Vec<NaiveDate>,
}

impl Calendar {
    /// A calendar with a table of `tz`'s offsets of its own.
    pub fn new(tz: Tz, hours: BusinessHours, holidays: Vec<NaiveDate>) -> Calendar {
        Calendar {
            tz,
            zone: std::sync::Arc::new(crate::zone::Zone::new(tz)),
            hours,
            holidays,
        }
    }

    fn local(&self, at: Instant) -> Option<NaiveDateTime> {
        self.zone.local(at)
    }

    fn instant(&self, t: NaiveDateTime) -> Instant {
        self.zone.instant(t).unwrap_or(i64::MAX)
    }

    /// Opening hours on a date, or `None` when closed (weekend, holiday).
    fn open_on(&self, date: NaiveDate) -> Option<(NaiveTime, NaiveTime)> {
        if self.holidays.binary_search(&date).is_ok() {
            return None;
        }
        self.hours.on(date.weekday())
    }

    /// `at` plus `d`. Saturates far in the future rather than overflowing.
    pub fn add(&self, at: Instant, d: Duration) -> Instant {
        match d {
            Duration::Minutes(m) => at.saturating_add(m.saturating_mul(MINUTE)),
            Duration::Days(n) => self.add_calendar_days(at, n),
            Duration::BusinessHours(h) => self.add_business_minutes(at, h.saturating_mul(60)),
            Duration::BusinessDays(n) => self.add_business_days(at, n),
        }
    }

    fn add_calendar_days(&self, at: Instant, n: i64) -> Instant {
        let Some(t) = self.local(at) else {
            return i64::MAX;
        };
        match chrono::Duration::try_days(n).and_then(|d| t.checked_add_signed(d)) {
            Some(later) => self.instant(later),
            None => i64::MAX,
        }
    }

    /// The first business instant at or after `at`.
    pub fn next_opening(&self, at: Instant) -> Instant {
        let Some(t) = self.local(at) else {
            return i64::MAX;
        };
        let date = t.date();
        if let Some((open, close)) = self.open_on(date) {
            if t.time() < open {
                return self.instant(date.and_time(open));
            }
            if t.time() < close {
                return at;
            }
        }
        self.next_open_day(date)
            .map_or(i64::MAX, |(day, open)| self.instant(day.and_time(open)))
    }

    /// The first open day after `date`, with its opening time, no further
    /// than a business calendar searches.
    fn next_open_day(&self, date: NaiveDate) -> Option<(NaiveDate, NaiveTime)> {
        let mut day = date;
        for _ in 1..MAX_DAYS_SEARCHED {
            day = day.succ_opt()?;
            if let Some((open, _)) = self.open_on(day) {
                return Some((day, open));
            }
        }
        None
    }

    fn add_business_minutes(&self, at: Instant, minutes: i64) -> Instant {
        let mut remaining = minutes.saturating_mul(MINUTE);
        let mut now = self.next_opening(at);
        for _ in 0..MAX_DAYS_SEARCHED {
            let Some(t) = self.local(now) else {
                return i64::MAX;
            };
            let Some((_, close)) = self.open_on(t.date()) else {
                return i64::MAX;
            };
            let close_at = self.instant(t.date().and_time(close));
            let available = close_at.saturating_sub(now);
            if remaining <= available {
                return now + remaining;
            }
            remaining -= available;
            now = self.next_opening(close_at);
        }
        i64::MAX
    }

    /// The same local time `n` business days later; a start outside
    /// business hours first moves to the next opening.
    fn add_business_days(&self, at: Instant, n: i64) -> Instant {
        let start = self.next_opening(at);
        let Some(t) = self.local(start) else {
            return i64::MAX;
        };
        let mut date = t.date();
        let mut left = n;
        let mut guard = 0;
        while left > 0 {
            guard += 1;
            if guard > MAX_DAYS_SEARCHED {
                return i64::MAX;
            }
            let Some(next) = date.succ_opt() else {
                return i64::MAX;
            };
            date = next;
            if self.open_on(date).is_some() {
                left -= 1;
            }
        }
        self.instant(date.and_time(t.time()))
    }

    /// Business time between two instants, in hours. Each open day's
    /// hours are taken whole between the first opening and `to`: two
    /// timezone conversions per open day, where going from opening to
    /// opening through `next_opening` took four (this runs for every SLA
    /// of every journey).
    pub fn business_hours_between(&self, from: Instant, to: Instant) -> f64 {
        if to <= from {
            return 0.0;
        }
        let mut now = self.next_opening(from);
        let Some(mut date) = self.local(now).map(|t| t.date()) else {
            return 0.0;
        };
        let mut total = 0i64;
        for _ in 0..MAX_DAYS_SEARCHED {
            if now >= to {
                break;
            }
            let Some((_, close)) = self.open_on(date) else {
                break;
            };
            let close_at = self.instant(date.and_time(close));
            total += close_at.min(to) - now;
            if close_at >= to {
                break;
            }
            let Some((day, open)) = self.next_open_day(date) else {
                break;
            };
            date = day;
            now = self.instant(day.and_time(open));
        }
        total as f64 / 3_600_000.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::time::{DateOnly, format_instant, parse_instant};

    fn cal(open: &str, close: &str) -> Calendar {
        let t = |s: &str| NaiveTime::parse_from_str(s, "%H:%M").unwrap();
        let day = Some((t(open), t(close)));
        Calendar::new(
            chrono_tz::Europe::London,
            BusinessHours {
                days: [day, day, day, day, day, None, None],
            },
            vec![NaiveDate::from_ymd_opt(2026, 12, 25).unwrap()],
        )
    }

    fn at(s: &str) -> Instant {
        parse_instant(s, chrono_tz::Europe::London, DateOnly::Start)
            .unwrap()
            .0
    }

    fn show(i: Instant) -> String {
        format_instant(i)
    }

    #[test]
    fn friday_afternoon_plus_one_business_hour_is_monday_morning() {
        // The example: an MQL at Friday 16:30, 09:00-17:00 hours.
        let c = cal("09:00", "17:00");
        let due = c.add(at("2026-03-06 16:30:00"), Duration::BusinessHours(1));
        assert_eq!(due, at("2026-03-09 09:30:00"));
    }

    #[test]
    fn sixteen_business_hours_skip_a_holiday_and_the_weekend() {
        let c = cal("09:00", "17:30");
        // Thursday 24 Dec 14:00: 3.5h that day, Friday 25th is a holiday,
        // then Monday 8.5h, Tuesday 4h -> Tuesday 29 Dec 13:00.
        let due = c.add(at("2026-12-24 14:00:00"), Duration::BusinessHours(16));
        assert_eq!(show(due), show(at("2026-12-29 13:00:00")));
    }

    #[test]
    fn a_start_outside_hours_moves_to_the_next_opening() {
        let c = cal("09:00", "17:00");
        let due = c.add(at("2026-03-07 11:00:00"), Duration::BusinessHours(2)); // Saturday
        assert_eq!(due, at("2026-03-09 11:00:00"));
        let due = c.add(at("2026-03-06 18:00:00"), Duration::BusinessDays(2)); // Friday evening
        assert_eq!(due, at("2026-03-11 09:00:00"));
    }

    #[test]
    fn calendar_days_keep_the_local_time_across_dst() {
        let c = cal("09:00", "17:00");
        // London moves to BST on 29 March 2026.
        let later = c.add(at("2026-03-27 10:00:00"), Duration::Days(3));
        assert_eq!(later, at("2026-03-30 10:00:00"));
        assert_eq!(later - at("2026-03-27 10:00:00"), (3 * 24 - 1) * 3_600_000);
        // Exact hours do not.
        let exact = c.add(at("2026-03-27 10:00:00"), Duration::Minutes(72 * 60));
        assert_eq!(exact, at("2026-03-30 11:00:00"));
    }

    /// The way business time was counted before: opening to opening
    /// through `next_opening`.
    fn between_by_openings(c: &Calendar, from: Instant, to: Instant) -> f64 {
        if to <= from {
            return 0.0;
        }
        let mut total = 0i64;
        let mut now = c.next_opening(from);
        for _ in 0..MAX_DAYS_SEARCHED {
            if now >= to {
                break;
            }
            let Some(t) = c.local(now) else { break };
            let Some((_, close)) = c.open_on(t.date()) else {
                break;
            };
            let close_at = c.instant(t.date().and_time(close));
            total += close_at.min(to) - now;
            now = c.next_opening(close_at);
        }
        total as f64 / 3_600_000.0
    }

    proptest::proptest! {
        /// Any two instants over two years (weekends, a holiday, both DST
        /// changes), in hours that open early or late: the same hours as
        /// counting opening to opening.
        #[test]
        fn business_hours_between_counts_as_openings_do(
            a in 0i64..(2 * 365 * 24 * 60),
            span in 0i64..(90 * 24 * 60),
            hours in proptest::sample::select(vec![("09:00", "17:30"), ("00:30", "23:30"), ("06:00", "10:00")]),
        ) {
            let c = cal(hours.0, hours.1);
            let from = at("2026-01-01 00:00:00") + a * 60_000;
            let to = from + span * 60_000;
            proptest::prop_assert_eq!(
                c.business_hours_between(from, to),
                between_by_openings(&c, from, to)
            );
        }
    }

    #[test]
    fn business_hours_between_counts_only_open_time() {
        let c = cal("09:00", "17:00");
        let h = c.business_hours_between(at("2026-03-06 16:00:00"), at("2026-03-09 10:30:00"));
        assert!((h - 2.5).abs() < 1e-9);
    }
}
