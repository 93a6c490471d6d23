//! A cell read as a value of a declared field type.

use std::str::FromStr;

use chrono_tz::Tz;
use rust_decimal::Decimal;

use super::codes::ValueError;
use super::source::Cell;
use super::time::{DateOnly, parse_instant};
use crate::ir::{Duration, Type, Value};
use crate::range;

/// Reads a non-empty cell as `ty`; the error says what was wrong and how it
/// should be written.
pub fn read_value(cell: &Cell, ty: &Type, tz: Tz) -> Result<Value, ValueError> {
    read_raw(Raw::of(cell), ty, tz)
}

/// A cell's content, borrowed: from a [`Cell`], or straight from a
/// request's JSON (`request_direct`), which reads the same values without
/// building a `serde_json::Value` for each.
#[derive(Debug, Clone, Copy)]
pub(super) enum Raw<'a> {
    /// A CSV cell.
    Text(&'a str),
    Null,
    Bool(bool),
    Number(&'a serde_json::Number),
    Str(&'a str),
    /// A JSON list or object.
    Compound,
}

impl<'a> Raw<'a> {
    pub(super) fn of(cell: &'a Cell) -> Raw<'a> {
        match cell {
            Cell::Text(t) => Raw::Text(t),
            Cell::Json(serde_json::Value::Null) => Raw::Null,
            Cell::Json(serde_json::Value::Bool(b)) => Raw::Bool(*b),
            Cell::Json(serde_json::Value::Number(n)) => Raw::Number(n),
            Cell::Json(serde_json::Value::String(s)) => Raw::Str(s),
            Cell::Json(_) => Raw::Compound,
        }
    }

    /// Empty text and `null` are no value.
    pub(super) fn is_empty(self) -> bool {
        match self {
            Raw::Text(t) | Raw::Str(t) => t.trim().is_empty(),
            Raw::Null => true,
            Raw::Bool(_) | Raw::Number(_) | Raw::Compound => false,
        }
    }

    /// The text of a value read from text: trimmed, and written out for
    /// a JSON value that is not a string (`None` for a list or an object,
    /// which no field reads as text; `Cell::text` writes them as JSON).
    pub(super) fn text(self) -> Option<std::borrow::Cow<'a, str>> {
        match self {
            Raw::Text(t) | Raw::Str(t) => Some(t.trim().into()),
            Raw::Null => Some("null".into()),
            Raw::Bool(b) => Some(b.to_string().into()),
            Raw::Number(n) => Some(n.to_string().into()),
            Raw::Compound => None,
        }
    }
}

pub(super) fn read_raw(raw: Raw<'_>, ty: &Type, tz: Tz) -> Result<Value, ValueError> {
    match (ty, raw) {
        (Type::Number, Raw::Number(n)) => n
            .as_f64()
            .filter(|f| range::number_ok(*f))
            .map(Value::Number)
            .ok_or_else(|| ValueError::OutOfRange {
                text: n.to_string(),
                what: "numbers",
                range: range::NUMBER_RANGE,
            }),
        (Type::Bool, Raw::Bool(b)) => Ok(Value::Bool(b)),
        (_, Raw::Compound) => Err(ValueError::Compound {
            expected: describe(ty),
        }),
        _ => read_text(&raw.text().unwrap_or_default(), ty, tz),
    }
}

fn describe(ty: &Type) -> String {
    match ty {
        Type::Text => "text".into(),
        Type::Number => "a number".into(),
        Type::Money => "an amount of money".into(),
        Type::Bool => "true or false".into(),
        Type::Date => "a date".into(),
        Type::Timestamp => "a timestamp".into(),
        Type::Duration => "a duration".into(),
        Type::Enum(v) => format!(
            "one of {}",
            v.iter()
                .map(|x| format!("\"{x}\""))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn read_text(s: &str, ty: &Type, tz: Tz) -> Result<Value, ValueError> {
    match ty {
        Type::Text => Ok(Value::Text(s.to_string())),
        Type::Number => match s.parse::<f64>() {
            Ok(f) if range::number_ok(f) => Ok(Value::Number(f)),
            Ok(_) => Err(ValueError::OutOfRange {
                text: short(s),
                what: "numbers",
                range: range::NUMBER_RANGE,
            }),
            Err(_) => Err(ValueError::NotNumber(short(s))),
        },
        Type::Money => {
            let cleaned = s.trim_start_matches(['$', '£', '€']);
            match Decimal::from_str(cleaned).or_else(|_| Decimal::from_scientific(cleaned)) {
                Ok(m) if range::money_ok(m) => Ok(Value::Money(m)),
                Ok(_) => Err(ValueError::OutOfRange {
                    text: short(s),
                    what: "amounts",
                    range: range::NUMBER_RANGE,
                }),
                Err(_) if cleaned.contains(',') => Err(ValueError::Separators(short(s))),
                Err(_) => Err(ValueError::NotMoney(short(s))),
            }
        }
        Type::Bool => match s.to_lowercase().as_str() {
            "true" | "yes" | "y" | "1" => Ok(Value::Bool(true)),
            "false" | "no" | "n" | "0" => Ok(Value::Bool(false)),
            _ => Err(ValueError::NotBool(short(s))),
        },
        Type::Date => crate::data::time::parse_date(s)
            .map(Value::Date)
            .ok_or_else(|| ValueError::NotDate(short(s))),
        Type::Timestamp => {
            Ok(parse_instant(s, tz, DateOnly::Start).map(|(i, _)| Value::Timestamp(i))?)
        }
        Type::Duration => match read_duration(s) {
            Some(d) if range::duration_ok(d) => Ok(Value::Duration(d)),
            Some(_) => Err(ValueError::OutOfRange {
                text: short(s),
                what: "durations",
                range: range::DURATION_RANGE,
            }),
            None => Err(ValueError::NotDuration(short(s))),
        },
        Type::Enum(values) => {
            if values.iter().any(|v| v == s) {
                return Ok(Value::Text(s.to_string()));
            }
            Err(ValueError::NotListed {
                text: short(s),
                expected: describe(ty),
                case_of: values.iter().find(|v| v.eq_ignore_ascii_case(s)).cloned(),
            })
        }
    }
}

fn read_duration(s: &str) -> Option<Duration> {
    let split = s.find(|c: char| c.is_ascii_alphabetic())?;
    let (n, unit) = s.split_at(split);
    let n: i64 = n.trim().parse().ok().filter(|n: &i64| *n >= 0)?;
    match unit.trim() {
        "m" => Some(Duration::Minutes(n)),
        "h" => n.checked_mul(60).map(Duration::Minutes),
        "d" => Some(Duration::Days(n)),
        "w" => n.checked_mul(7).map(Duration::Days),
        _ => None,
    }
}

fn short(s: &str) -> String {
    if s.chars().count() > 40 {
        format!("{}...", s.chars().take(40).collect::<String>())
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::UTC;

    fn text(s: &str, ty: Type) -> Result<Value, String> {
        read_value(&Cell::Text(s.into()), &ty, UTC).map_err(|e| e.to_string())
    }

    #[test]
    fn reads_each_type_and_explains_failures() {
        assert_eq!(text("100.0", Type::Number), Ok(Value::Number(100.0)));
        assert_eq!(
            text("1234.50", Type::Money),
            Ok(Value::Money(Decimal::new(123450, 2)))
        );
        assert!(
            text("1,234.50", Type::Money)
                .unwrap_err()
                .contains("thousands")
        );
        assert_eq!(text("Yes", Type::Bool), Ok(Value::Bool(true)));
        assert!(text("maybe", Type::Bool).is_err());
        assert_eq!(
            text("48h", Type::Duration),
            Ok(Value::Duration(Duration::Minutes(2880)))
        );
        let held = Type::Enum(vec!["held".into(), "no_show".into()]);
        assert_eq!(text("held", held.clone()), Ok(Value::Text("held".into())));
        assert!(
            text("Held", held)
                .unwrap_err()
                .contains("did you mean \"held\"")
        );
        assert!(text("2026-02-30", Type::Date).is_err());
        assert!(matches!(
            text("2026-02-03", Type::Timestamp),
            Ok(Value::Timestamp(_))
        ));
    }

    #[test]
    fn json_keeps_its_types() {
        let n = Cell::Json(serde_json::json!(12.5));
        assert_eq!(read_value(&n, &Type::Number, UTC), Ok(Value::Number(12.5)));
        let m = Cell::Json(serde_json::json!(19.99));
        assert_eq!(
            read_value(&m, &Type::Money, UTC),
            Ok(Value::Money(Decimal::new(1999, 2)))
        );
        let list = Cell::Json(serde_json::json!([1, 2]));
        assert!(read_value(&list, &Type::Text, UTC).is_err());
    }
}
