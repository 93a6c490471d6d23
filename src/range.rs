//! The one rule for values: every number, amount of money and duration a
//! policy writes or a data file holds lies within a documented range, and
//! arithmetic on amounts of money is checked, so nothing that checked or
//! loaded clean can overflow or panic later.
//!
//! - numbers and money: finite and within ±10^15 (a quadrillion: far past
//!   any deal, revenue or count a CRM holds);
//! - durations: up to 100 years (36,525 days; 876,600 business hours).
//!
//! `check` refuses policy literals outside (E054, E053) and the loaders
//! refuse data values outside (a bad row with its reason). Within these
//! bounds a sum of up to 10^13 amounts cannot exceed what an exact decimal
//! holds; the checked operations below say so (`None`) rather than panic
//! when a product or a longer sum would.

use rust_decimal::Decimal;

use crate::check::model::Duration;

/// The largest magnitude of a number or an amount of money.
pub const MAX_MAGNITUDE: f64 = 1e15;

/// The longest duration, in days (100 years).
pub const MAX_DURATION_DAYS: i64 = 36_525;

/// What the range rule says, for messages: "within ±10^15".
pub const NUMBER_RANGE: &str = "within ±1,000,000,000,000,000 (10^15)";

/// What the duration rule says, for messages.
pub const DURATION_RANGE: &str = "at most 100 years (36525d)";

/// Whether a number is within the range.
pub fn number_ok(n: f64) -> bool {
    n.is_finite() && n.abs() <= MAX_MAGNITUDE
}

/// Whether an amount of money is within the range.
pub fn money_ok(m: Decimal) -> bool {
    m.abs() <= Decimal::from(1_000_000_000_000_000i64)
}

/// Whether a duration is within the range (business time counted as the
/// open time it stands for: 100 years of days, or of hours).
pub fn duration_ok(d: Duration) -> bool {
    let max = MAX_DURATION_DAYS;
    match d {
        Duration::Minutes(m) => (0..=max * 1440).contains(&m),
        Duration::Days(n) | Duration::BusinessDays(n) => (0..=max).contains(&n),
        Duration::BusinessHours(h) => (0..=max * 24).contains(&h),
    }
}

/// `a + b`, or `None` past what an exact decimal holds.
pub fn add(a: Decimal, b: Decimal) -> Option<Decimal> {
    a.checked_add(b)
}

/// `a - b`, or `None` past what an exact decimal holds.
pub fn sub(a: Decimal, b: Decimal) -> Option<Decimal> {
    a.checked_sub(b)
}

/// `a × b`, or `None` past what an exact decimal holds.
pub fn mul(a: Decimal, b: Decimal) -> Option<Decimal> {
    a.checked_mul(b)
}

/// `a ÷ b`, or `None` for a zero divisor or past what a decimal holds.
pub fn div(a: Decimal, b: Decimal) -> Option<Decimal> {
    a.checked_div(b)
}

/// The sum of `xs`, or `None` past what an exact decimal holds.
pub fn sum<'x>(xs: impl IntoIterator<Item = &'x Decimal>) -> Option<Decimal> {
    xs.into_iter()
        .try_fold(Decimal::ZERO, |acc, x| acc.checked_add(*x))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_edges_of_the_ranges() {
        assert!(number_ok(1e15) && number_ok(-1e15) && !number_ok(1.000_001e15));
        assert!(!number_ok(f64::NAN) && !number_ok(f64::INFINITY));
        assert!(money_ok(Decimal::from(1_000_000_000_000_000i64)));
        assert!(!money_ok(Decimal::from(1_000_000_000_000_001i64)));
        assert!(duration_ok(Duration::Days(36_525)) && !duration_ok(Duration::Days(36_526)));
        assert!(!duration_ok(Duration::Days(200_000_000_000)));
        assert!(duration_ok(Duration::Minutes(36_525 * 1440)));
        assert!(!duration_ok(Duration::BusinessHours(36_525 * 24 + 1)));
    }

    #[test]
    fn checked_arithmetic_says_none_instead_of_panicking() {
        assert_eq!(add(Decimal::MAX, Decimal::ONE), None);
        assert_eq!(mul(Decimal::MAX, Decimal::TWO), None);
        assert_eq!(div(Decimal::ONE, Decimal::ZERO), None);
        assert_eq!(sum(&[Decimal::MAX, Decimal::MAX]), None);
        assert_eq!(sum(&[Decimal::ONE, Decimal::TWO]), Some(Decimal::from(3)));
    }
}
