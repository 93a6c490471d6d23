//! Whether two `when` conditions can never hold at the same instant, so a
//! loop of moves through them cannot repeat at one instant (E033 is then
//! not raised).
//!
//! The rule, which docs/language.md states for users: two conditions
//! exclude each other when each requires (as a conjunct of its top-level
//! `and`) a comparison of the same contact field, account field or
//! `account.stage`, and the two cannot both hold: equal to different
//! literals, equal to a literal the other excludes (`!=`, `not in`) or
//! lists without it (`in`), or number ranges that do not meet
//! (`contact.employees >= 200` against `contact.employees < 50`). Fields
//! and the account's stage do not change while a contact moves at one
//! instant, which is why only they count: a score or `time_in_stage` may
//! change with the move itself.

use super::model::{CmpOp, Expr, FieldId, Value};

/// What a required comparison is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Subject {
    Contact(FieldId),
    Account(FieldId),
    AccountStage,
}

/// A comparison a condition requires.
#[derive(Debug, Clone)]
enum Atom {
    /// Equal to one of these values (`==` is a list of one).
    OneOf(Vec<Value>),
    /// Equal to none of these (`!=`, `not in`).
    NoneOf(Vec<Value>),
    /// A number within `lo..hi`, each end open or closed.
    Range(Bound, Bound),
}

#[derive(Debug, Clone, Copy)]
struct Bound {
    at: f64,
    closed: bool,
}

/// Whether conditions `a` and `b` can never both hold.
pub fn exclude(a: &Expr, b: &Expr) -> bool {
    let (xs, ys) = (required(a), required(b));
    xs.iter()
        .any(|(s, x)| ys.iter().any(|(t, y)| s == t && conflict(x, y)))
}

/// The comparisons `e` requires: its top-level conjuncts that compare a
/// subject with literals.
fn required(e: &Expr) -> Vec<(Subject, Atom)> {
    let mut out = Vec::new();
    let mut todo = vec![e];
    while let Some(e) = todo.pop() {
        match e {
            Expr::And(l, r) => todo.extend([&**l, &**r]),
            _ => out.extend(atom(e)),
        }
    }
    out
}

fn subject(e: &Expr) -> Option<Subject> {
    match e {
        Expr::ContactField(f) => Some(Subject::Contact(*f)),
        Expr::AccountField(f) => Some(Subject::Account(*f)),
        Expr::AccountStage => Some(Subject::AccountStage),
        _ => None,
    }
}

fn atom(e: &Expr) -> Option<(Subject, Atom)> {
    match e {
        Expr::Compare(op, l, r) => {
            let (s, v, op) = match (subject(l), &**r, subject(r), &**l) {
                (Some(s), Expr::Const(v), _, _) => (s, v, *op),
                (_, _, Some(s), Expr::Const(v)) => (s, v, turned(*op)),
                _ => return None,
            };
            Some((s, compared(op, v)?))
        }
        Expr::In {
            negated,
            item,
            list,
        } => {
            let s = subject(item)?;
            let Expr::List(xs) = &**list else {
                return None;
            };
            let values: Option<Vec<Value>> = xs
                .iter()
                .map(|x| match x {
                    Expr::Const(v) => Some(v.clone()),
                    _ => None,
                })
                .collect();
            let values = values?;
            Some((
                s,
                if *negated {
                    Atom::NoneOf(values)
                } else {
                    Atom::OneOf(values)
                },
            ))
        }
        _ => None,
    }
}

/// `5 < x` is `x > 5`.
fn turned(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
        other => other,
    }
}

fn compared(op: CmpOp, v: &Value) -> Option<Atom> {
    let open = |at: f64| Bound { at, closed: false };
    let closed = |at: f64| Bound { at, closed: true };
    let inf = f64::INFINITY;
    Some(match (op, v) {
        (CmpOp::Eq, v) => Atom::OneOf(vec![v.clone()]),
        (CmpOp::Ne, v) => Atom::NoneOf(vec![v.clone()]),
        (CmpOp::Lt, Value::Number(n)) => Atom::Range(open(-inf), open(*n)),
        (CmpOp::Le, Value::Number(n)) => Atom::Range(open(-inf), closed(*n)),
        (CmpOp::Gt, Value::Number(n)) => Atom::Range(open(*n), open(inf)),
        (CmpOp::Ge, Value::Number(n)) => Atom::Range(closed(*n), open(inf)),
        _ => return None,
    })
}

fn conflict(x: &Atom, y: &Atom) -> bool {
    match (x, y) {
        (Atom::OneOf(a), Atom::OneOf(b)) => !a.iter().any(|v| b.contains(v)),
        (Atom::OneOf(a), Atom::NoneOf(b)) | (Atom::NoneOf(b), Atom::OneOf(a)) => {
            a.iter().all(|v| b.contains(v))
        }
        (Atom::OneOf(a), Atom::Range(lo, hi)) | (Atom::Range(lo, hi), Atom::OneOf(a)) => {
            a.iter().all(|v| match v {
                Value::Number(n) => !inside(*n, *lo, *hi),
                _ => false,
            })
        }
        (Atom::Range(a_lo, a_hi), Atom::Range(b_lo, b_hi)) => {
            let lo = if a_lo.at > b_lo.at || (a_lo.at == b_lo.at && !a_lo.closed) {
                *a_lo
            } else {
                *b_lo
            };
            let hi = if a_hi.at < b_hi.at || (a_hi.at == b_hi.at && !a_hi.closed) {
                *a_hi
            } else {
                *b_hi
            };
            lo.at > hi.at || (lo.at == hi.at && !(lo.closed && hi.closed))
        }
        (Atom::NoneOf(_), _) | (_, Atom::NoneOf(_)) => false,
    }
}

fn inside(n: f64, lo: Bound, hi: Bound) -> bool {
    let above = n > lo.at || (lo.closed && n == lo.at);
    let below = n < hi.at || (hi.closed && n == hi.at);
    above && below
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(f: usize) -> Box<Expr> {
        let Some(id) = FieldId::from_index(f) else {
            unreachable!("a small index")
        };
        Box::new(Expr::ContactField(id))
    }

    fn num(n: f64) -> Box<Expr> {
        Box::new(Expr::Const(Value::Number(n)))
    }

    fn text(t: &str) -> Box<Expr> {
        Box::new(Expr::Const(Value::Text(t.into())))
    }

    #[test]
    fn different_literals_and_disjoint_ranges_exclude() {
        let stage_is = |s: &str| Expr::Compare(CmpOp::Eq, Box::new(Expr::AccountStage), text(s));
        assert!(exclude(&stage_is("qualified"), &stage_is("engaged")));
        assert!(!exclude(&stage_is("qualified"), &stage_is("qualified")));
        let big = Expr::Compare(CmpOp::Ge, field(0), num(200.0));
        let small = Expr::Compare(CmpOp::Lt, field(0), num(200.0));
        let tiny = Expr::Compare(CmpOp::Le, field(0), num(200.0));
        assert!(exclude(&big, &small));
        assert!(!exclude(&big, &tiny), "both hold at exactly 200");
        assert!(!exclude(
            &big,
            &Expr::Compare(CmpOp::Ge, field(1), num(0.0))
        ));
        // A required conjunct is enough; an `or` requires nothing.
        let both = Expr::And(Box::new(big.clone()), Box::new(stage_is("won")));
        assert!(exclude(&both, &small));
        let either = Expr::Or(Box::new(big), Box::new(stage_is("won")));
        assert!(!exclude(&either, &small));
    }

    #[test]
    fn lists_and_inequalities() {
        let is = |t: &str| Expr::Compare(CmpOp::Eq, field(0), text(t));
        let not = |t: &str| Expr::Compare(CmpOp::Ne, field(0), text(t));
        let one_of = Expr::In {
            negated: false,
            item: field(0),
            list: Box::new(Expr::List(vec![*text("a"), *text("b")])),
        };
        assert!(exclude(&is("a"), &not("a")));
        assert!(!exclude(&not("a"), &not("b")));
        assert!(exclude(&one_of, &is("c")));
        assert!(!exclude(&one_of, &is("b")));
    }
}
