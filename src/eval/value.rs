//! Values and truth at run time: what a condition node evaluates to,
//! three-valued logic, comparisons and arithmetic on values, and the
//! decay of points. A leaf: nothing else of the engine is imported here.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};

use crate::data::time::Instant;
use crate::ir::*;

/// A truth value: `None` is unknown.
pub type Truth = Option<bool>;

pub const DAY_MS: f64 = 86_400_000.0;

/// A value at run time. Text is borrowed from the policy or the data:
/// evaluating never copies a string.
#[derive(Debug, Clone, PartialEq)]
pub enum V<'x> {
    Missing,
    Bool(bool),
    Num(f64),
    Money(Decimal),
    Dur(Duration),
    /// Time elapsed since this instant, up to now.
    Elapsed(Instant),
    Text(&'x str),
    Date(NaiveDate),
    Ts(Instant),
    List(Vec<V<'x>>),
}

impl<'x> V<'x> {
    pub fn from_value(v: Option<&'x Value>) -> V<'x> {
        match v {
            None => V::Missing,
            Some(Value::Number(n)) => V::Num(*n),
            Some(Value::Money(m)) => V::Money(*m),
            Some(Value::Duration(d)) => V::Dur(*d),
            Some(Value::Text(t)) => V::Text(t),
            Some(Value::Bool(b)) => V::Bool(*b),
            Some(Value::Date(d)) => V::Date(*d),
            Some(Value::Timestamp(t)) => V::Ts(*t),
            Some(Value::List(l)) => V::List(l.iter().map(|x| V::from_value(Some(x))).collect()),
        }
    }

    pub fn truth(&self) -> Truth {
        match self {
            V::Bool(b) => Some(*b),
            _ => None,
        }
    }
}

pub fn b<'x>(t: Truth) -> V<'x> {
    t.map_or(V::Missing, V::Bool)
}

/// The factor a score's points keep after `elapsed` milliseconds.
pub fn decay(half_life: Option<Duration>, elapsed: i64) -> f64 {
    match half_life.map(|d| d.approx_days() * 86_400_000.0) {
        Some(h) if h > 0.0 => 0.5f64.powf(elapsed.max(0) as f64 / h),
        _ => 1.0,
    }
}

/// Bounds on the length of a `within D` window, in milliseconds, that need
/// no calendar: a calendar day is 23 to 25 hours long (a DST change; 26
/// leaves a margin); business time has no cheap bound.
pub fn window_bounds(d: Duration) -> (Option<i64>, Option<i64>) {
    match d {
        Duration::Minutes(m) => {
            let ms = m.saturating_mul(60_000);
            (Some(ms), Some(ms))
        }
        Duration::Days(n) => (
            Some(n.saturating_mul(23 * 3_600_000)),
            Some(n.saturating_mul(26 * 3_600_000)),
        ),
        Duration::BusinessHours(_) | Duration::BusinessDays(_) => (None, None),
    }
}

pub fn order(l: &V<'_>, r: &V<'_>) -> Option<std::cmp::Ordering> {
    match (l, r) {
        (V::Num(a), V::Num(b)) => a.partial_cmp(b),
        (V::Money(a), V::Money(b)) => Some(a.cmp(b)),
        (V::Money(a), V::Num(b)) => Decimal::from_f64(*b).map(|b| a.cmp(&b)),
        (V::Num(a), V::Money(b)) => Decimal::from_f64(*a).map(|a| a.cmp(b)),
        (V::Text(a), V::Text(b)) => Some(a.cmp(b)),
        (V::Bool(a), V::Bool(b)) => Some(a.cmp(b)),
        (V::Date(a), V::Date(b)) => Some(a.cmp(b)),
        (V::Ts(a), V::Ts(b)) => Some(a.cmp(b)),
        (V::Dur(a), V::Dur(b)) => a.approx_days().partial_cmp(&b.approx_days()),
        _ => None,
    }
}

pub fn arith<'x>(op: ArithOp, l: V<'x>, r: V<'x>) -> V<'x> {
    let apply_f = |a: f64, b: f64| match op {
        ArithOp::Add => Some(a + b),
        ArithOp::Sub => Some(a - b),
        ArithOp::Mul => Some(a * b),
        ArithOp::Div => (b != 0.0).then(|| a / b),
    };
    let apply_d = |a: Decimal, b: Decimal| match op {
        ArithOp::Add => a.checked_add(b),
        ArithOp::Sub => a.checked_sub(b),
        ArithOp::Mul => a.checked_mul(b),
        ArithOp::Div => a.checked_div(b),
    };
    match (l, r) {
        (V::Num(a), V::Num(b)) => apply_f(a, b)
            .filter(|x| x.is_finite())
            .map_or(V::Missing, V::Num),
        (V::Money(a), V::Money(b)) => match op {
            ArithOp::Div => a
                .checked_div(b)
                .and_then(|x| x.to_f64())
                .map_or(V::Missing, V::Num),
            _ => apply_d(a, b).map_or(V::Missing, V::Money),
        },
        (V::Money(a), V::Num(b)) => Decimal::from_f64(b)
            .and_then(|b| apply_d(a, b))
            .map_or(V::Missing, V::Money),
        (V::Num(a), V::Money(b)) => Decimal::from_f64(a)
            .and_then(|a| apply_d(a, b))
            .map_or(V::Missing, V::Money),
        _ => V::Missing,
    }
}

/// Kleene conjunction of many: false if any is false, else unknown if any
/// is unknown. (Not a `try_fold`: an unknown must not hide a later false.)
pub fn all(ts: &[Truth]) -> Truth {
    if ts.contains(&Some(false)) {
        Some(false)
    } else if ts.contains(&None) {
        None
    } else {
        Some(true)
    }
}

/// Kleene disjunction of many: true if any is true, else unknown if any is
/// unknown.
pub fn any(ts: &[Truth]) -> Truth {
    if ts.contains(&Some(true)) {
        Some(true)
    } else if ts.contains(&None) {
        None
    } else {
        Some(false)
    }
}

pub fn and(a: Truth, b: Truth) -> Truth {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

pub fn or(a: Truth, b: Truth) -> Truth {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kleene_tables() {
        assert_eq!(all(&[None, Some(false)]), Some(false));
        assert_eq!(any(&[None, Some(true)]), Some(true));
        assert_eq!(all(&[]), Some(true));
        assert_eq!(and(Some(true), None), None);
        assert_eq!(and(Some(false), None), Some(false));
        assert_eq!(or(Some(true), None), Some(true));
        assert_eq!(or(Some(false), None), None);
    }

    #[test]
    fn money_and_numbers_compare_exactly() {
        assert_eq!(
            order(&V::Money(Decimal::new(2000000, 2)), &V::Num(20000.0)),
            Some(std::cmp::Ordering::Equal)
        );
        assert_eq!(arith(ArithOp::Div, V::Num(1.0), V::Num(0.0)), V::Missing);
    }
}
