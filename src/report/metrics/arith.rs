//! Arithmetic and aggregates on a period's figures: money exact and
//! checked, no data carried with its reason.

use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};

use crate::ir::{Aggregate, ArithOp};
use crate::range;

use super::super::stats;
use super::M;

/// Arithmetic on a period's figures. Money stays exact and checked: a
/// result past what an exact decimal holds is no data, with the reason,
/// never a panic or a wrapped number.
pub(super) fn arith(op: ArithOp, x: M, y: M) -> M {
    use M::*;
    let div0 = || NoData("division by zero".into());
    let big = || NoData("the amount is too large to compute".into());
    let exact = |d: Option<Decimal>| d.map_or_else(big, Money);
    let ratio = |d: Option<Decimal>| d.and_then(|d| d.to_f64()).map_or_else(big, Num);
    match (x, y) {
        (NoData(r), _) | (_, NoData(r)) => NoData(r),
        (Money(a), Money(b)) => match op {
            ArithOp::Add => exact(range::add(a, b)),
            ArithOp::Sub => exact(range::sub(a, b)),
            ArithOp::Mul => ratio(range::mul(a, b)),
            ArithOp::Div if b.is_zero() => div0(),
            ArithOp::Div => ratio(range::div(a, b)),
        },
        (Money(a), Num(n)) | (Num(n), Money(a)) if matches!(op, ArithOp::Mul) => {
            Decimal::from_f64(n).map_or_else(
                || NoData("not a number".into()),
                |d| exact(range::mul(a, d)),
            )
        }
        (Money(a), Num(n)) if matches!(op, ArithOp::Div) => match Decimal::from_f64(n) {
            Some(d) if !d.is_zero() => exact(range::div(a, d)),
            _ => div0(),
        },
        (x, y) => match (x.num(), y.num()) {
            (Ok(a), Ok(b)) => match op {
                ArithOp::Add => Num(a + b),
                ArithOp::Sub => Num(a - b),
                ArithOp::Mul => Num(a * b),
                ArithOp::Div if b == 0.0 => div0(),
                ArithOp::Div => Num(a / b),
            },
            (Err(r), _) | (_, Err(r)) => NoData(r.to_string()),
        },
    }
}

/// `sum` of nothing is 0; `avg`, `median` and `p90` of nothing are no data.
pub(super) fn aggregate(agg: Aggregate, values: Vec<M>, none: impl Fn() -> String) -> M {
    let money = values.iter().any(|v| matches!(v, M::Money(_)));
    if money {
        let ds: Vec<Decimal> = values
            .iter()
            .filter_map(|v| match v {
                M::Money(d) => Some(*d),
                M::Num(n) => Decimal::from_f64(*n),
                _ => None,
            })
            .collect();
        let Some(total) = range::sum(&ds) else {
            return M::NoData("the amounts add up to more than can be computed".into());
        };
        return match agg {
            Aggregate::Sum => M::Money(total),
            Aggregate::Avg => range::div(total, Decimal::from(ds.len()))
                .map_or_else(|| M::NoData(none()), M::Money),
            Aggregate::Median | Aggregate::P90 => {
                let f: Vec<f64> = ds.iter().filter_map(|d| d.to_f64()).collect();
                let v = if agg == Aggregate::Median {
                    stats::median(&f)
                } else {
                    stats::p90(&f)
                };
                v.and_then(Decimal::from_f64)
                    .map_or_else(|| M::NoData(none()), M::Money)
            }
        };
    }
    let f: Vec<f64> = values.iter().filter_map(|v| v.num().ok()).collect();
    let v = match agg {
        Aggregate::Sum => Some(stats::sum(&f)),
        Aggregate::Avg => stats::mean(&f),
        Aggregate::Median => stats::median(&f),
        Aggregate::P90 => stats::p90(&f),
    };
    v.map_or_else(|| M::NoData(none()), M::Num)
}
