//! Reporting periods: the policy's fiscal months, quarters and years, in
//! the policy's timezone (a quarter ends at local midnight, not UTC's).

use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;

use crate::data::time::{Instant, local};
use crate::ir::Period;

/// One period: `[start, end)`, with a label people read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub label: String,
    pub start: Instant,
    pub end: Instant,
}

/// Every period of `kind` that overlaps `[from, to)`, in order.
pub fn periods(kind: Period, from: Instant, to: Instant, tz: Tz, fy_start: u32) -> Vec<Span> {
    let mut out = Vec::new();
    let Some(first) = local_date(from, tz) else {
        return out;
    };
    let mut start = period_start(kind, first, fy_start);
    // A year of months is 12 periods; no report spans a thousand years.
    for _ in 0..12_000 {
        let next = add_months(start, months(kind));
        let (Ok(s), Ok(e)) = (midnight(start, tz), midnight(next, tz)) else {
            break;
        };
        if s >= to {
            break;
        }
        if e > from {
            out.push(Span {
                label: label(kind, start, fy_start),
                start: s,
                end: e,
            });
        }
        start = next;
    }
    out
}

/// Every period of `kind` that overlaps `[from, to)`, cut to the bounds the
/// user set (`--from`, `--to`): a period they cut is computed on the part
/// inside and labelled with it, e.g. `2017 Q2 (15 Apr – 15 May)` (the end
/// is exclusive, as `--to` is).
pub fn periods_cut(
    kind: Period,
    from: Instant,
    to: Instant,
    cut: Cut,
    tz: Tz,
    fy_start: u32,
) -> Vec<Span> {
    let mut out = periods(kind, from, to, tz, fy_start);
    for p in &mut out {
        let start = cut.from.filter(|f| *f > p.start).unwrap_or(p.start);
        let end = cut.to.filter(|t| *t < p.end).unwrap_or(p.end);
        if (start, end) != (p.start, p.end) {
            let day = |i: Instant| {
                chrono::DateTime::from_timestamp_millis(i)
                    .map(|d| d.with_timezone(&tz).format("%-d %b").to_string())
                    .unwrap_or_default()
            };
            p.label = format!("{} ({} – {})", p.label, day(start), day(end));
            p.start = start;
            p.end = end;
        }
    }
    out
}

/// The bounds a user set on a report, which cut its periods.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cut {
    pub from: Option<Instant>,
    pub to: Option<Instant>,
}

/// What a `lagged` incentive measures for the period `s` of `kind`: the
/// same span `months` later, in the policy's timezone, labelled as its
/// own period (`2017 Q3` for a Q2 lagged one quarter).
pub fn lagged(s: &Span, kind: Period, months: u32, tz: Tz, fy_start: u32) -> Span {
    if months == 0 {
        return s.clone();
    }
    let shift = |i: Instant| {
        local_date(i, tz)
            .map(|d| add_months(d, months))
            .and_then(|d| midnight(d, tz).ok())
    };
    match (shift(s.start), shift(s.end), local_date(s.start, tz)) {
        (Some(start), Some(end), Some(d)) => {
            let first = add_months(period_start(kind, d, fy_start), months);
            Span {
                label: label(kind, first, fy_start),
                start,
                end,
            }
        }
        _ => s.clone(),
    }
}

/// The period of `kind` that contains `at`.
pub fn containing(kind: Period, at: Instant, tz: Tz, fy_start: u32) -> Option<Span> {
    periods(kind, at, at + 1, tz, fy_start).into_iter().next()
}

fn months(kind: Period) -> u32 {
    match kind {
        Period::Month => 1,
        Period::Quarter => 3,
        Period::Year => 12,
    }
}

fn local_date(i: Instant, tz: Tz) -> Option<NaiveDate> {
    chrono::DateTime::from_timestamp_millis(i).map(|d| d.with_timezone(&tz).date_naive())
}

fn midnight(d: NaiveDate, tz: Tz) -> Result<Instant, crate::data::codes::TimeError> {
    local(d.and_hms_opt(0, 0, 0).unwrap_or_default(), tz)
}

fn add_months(d: NaiveDate, n: u32) -> NaiveDate {
    d.checked_add_months(chrono::Months::new(n)).unwrap_or(d)
}

/// The first day of the period containing `d`.
fn period_start(kind: Period, d: NaiveDate, fy_start: u32) -> NaiveDate {
    let month_index = (d.year() * 12 + d.month0() as i32) - (fy_start as i32 - 1);
    let step = months(kind) as i32;
    let start_index = month_index.div_euclid(step) * step + (fy_start as i32 - 1);
    NaiveDate::from_ymd_opt(
        start_index.div_euclid(12),
        start_index.rem_euclid(12) as u32 + 1,
        1,
    )
    .unwrap_or(d)
}

/// `2026-04`, `FY2026/27 Q1` (or `2026 Q1` when the year starts in
/// January), `FY2026/27` (or `2026`).
fn label(kind: Period, start: NaiveDate, fy_start: u32) -> String {
    let fy = fiscal_year(start, fy_start);
    let q = ((start.month() + 12 - fy_start) % 12) / 3 + 1;
    match kind {
        Period::Month => start.format("%Y-%m").to_string(),
        Period::Quarter => format!("{fy} Q{q}"),
        Period::Year => fy,
    }
}

fn fiscal_year(start: NaiveDate, fy_start: u32) -> String {
    if fy_start == 1 {
        return start.year().to_string();
    }
    let y = if start.month() >= fy_start {
        start.year()
    } else {
        start.year() - 1
    };
    format!("FY{y}/{:02}", (y + 1).rem_euclid(100))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::London;

    fn at(s: &str) -> Instant {
        crate::data::time::parse_instant(s, London, crate::data::time::DateOnly::Start)
            .unwrap()
            .0
    }

    #[test]
    fn april_fiscal_quarters_in_london() {
        let ps = periods(
            Period::Quarter,
            at("2026-02-10T12:00:00Z"),
            at("2026-08-01T00:00:00Z"),
            London,
            4,
        );
        let labels: Vec<&str> = ps.iter().map(|p| p.label.as_str()).collect();
        assert_eq!(labels, ["FY2025/26 Q4", "FY2026/27 Q1", "FY2026/27 Q2"]);
        // Q1 starts at London midnight on 1 April, which is 23:00 UTC on
        // 31 March (summer time).
        assert_eq!(ps[1].start, at("2026-03-31T23:00:00Z"));
        assert_eq!(ps[0].start, at("2026-01-01T00:00:00Z"));
    }

    #[test]
    fn periods_cut_by_the_report_bounds_are_labelled_partial() {
        let from = at("2026-04-15T00:00:00Z");
        let to = at("2026-05-15T00:00:00Z");
        let cut = Cut {
            from: Some(from),
            to: Some(to),
        };
        let ps = periods_cut(Period::Quarter, from, to, cut, London, 4);
        assert_eq!(ps.len(), 1);
        assert_eq!(ps[0].label, "FY2026/27 Q1 (15 Apr – 15 May)");
        assert_eq!((ps[0].start, ps[0].end), (from, to));
        // Bounds on the period's own edges cut nothing.
        let q1 = at("2026-03-31T23:00:00Z"); // London midnight, 1 April
        let whole = periods_cut(
            Period::Month,
            q1,
            at("2026-04-30T23:00:00Z"),
            Cut {
                from: Some(q1),
                to: None,
            },
            London,
            4,
        );
        assert_eq!(whole[0].label, "2026-04");
    }

    #[test]
    fn calendar_years_and_months() {
        let ps = periods(
            Period::Year,
            at("2025-12-31T12:00:00Z"),
            at("2026-01-02T00:00:00Z"),
            London,
            1,
        );
        let labels: Vec<&str> = ps.iter().map(|p| p.label.as_str()).collect();
        assert_eq!(labels, ["2025", "2026"]);
        let m = containing(Period::Month, at("2026-03-31T23:30:00Z"), London, 4).unwrap();
        assert_eq!(m.label, "2026-04");
    }
}
