//! The values a policy is made of and computes with: durations, money,
//! numbers with units, the operators, and the business calendar. Shared
//! vocabulary: the checker's model builds them, the IR carries them, the
//! engine and the reports compute with them.
#![allow(
    missing_docs,
    reason = "the variants are named in the users' words and documented in docs/language.md"
)]

use chrono::{NaiveDate, NaiveTime, Weekday};
use rust_decimal::Decimal;

#[derive(Debug, Clone)]
pub struct BusinessHours {
    /// Opening hours per weekday, Monday first; `None` = closed.
    pub days: [Option<(NaiveTime, NaiveTime)>; 7],
}

impl BusinessHours {
    pub fn on(&self, day: Weekday) -> Option<(NaiveTime, NaiveTime)> {
        self.days
            .get(day.num_days_from_monday() as usize)
            .copied()
            .flatten()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Type {
    Text,
    Number,
    Money,
    Bool,
    Date,
    Timestamp,
    Duration,
    Enum(Vec<String>),
}

impl Type {
    /// The type as written in a policy: `text`, `"a" | "b"`.
    pub fn as_written(&self) -> String {
        match self {
            Type::Text => "text".into(),
            Type::Number => "number".into(),
            Type::Money => "money".into(),
            Type::Bool => "bool".into(),
            Type::Date => "date".into(),
            Type::Timestamp => "timestamp".into(),
            Type::Duration => "duration".into(),
            Type::Enum(v) => v
                .iter()
                .map(|x| format!("\"{x}\""))
                .collect::<Vec<_>>()
                .join(" | "),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Period {
    Month,
    Quarter,
    Year,
}

/// Units of a number: money and days as exponents, so that
/// `money / days` is "money per day" and `days + money` is an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Unit {
    pub money: i8,
    pub days: i8,
}

impl Unit {
    pub const NONE: Unit = Unit { money: 0, days: 0 };
    pub const MONEY: Unit = Unit { money: 1, days: 0 };
    pub const DAYS: Unit = Unit { money: 0, days: 1 };
}

/// A length of time as written; calendar days follow the policy's
/// timezone, business durations its business hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Duration {
    Minutes(i64),
    Days(i64),
    BusinessHours(i64),
    BusinessDays(i64),
}

impl Duration {
    /// Length in days for comparisons and ranges (business durations are
    /// never compared, only waited for).
    pub fn approx_days(self) -> f64 {
        match self {
            Duration::Minutes(m) => m as f64 / 1440.0,
            Duration::Days(d) | Duration::BusinessDays(d) => d as f64,
            Duration::BusinessHours(h) => h as f64 / 24.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Value {
    Number(f64),
    Money(#[serde(with = "money_bytes")] Decimal),
    Duration(Duration),
    Text(String),
    Bool(bool),
    Date(NaiveDate),
    /// Milliseconds since the Unix epoch, UTC.
    Timestamp(i64),
    List(Vec<Value>),
}

/// An amount stored (in a partial report) as rust_decimal's own 16
/// bytes: its default serde form asks the format what comes next, which a
/// compact format such as postcard cannot say.
mod money_bytes {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(&d.serialize(), s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        <[u8; 16]>::deserialize(d).map(Decimal::deserialize)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextOp {
    Contains,
    StartsWith,
    EndsWith,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate {
    Sum,
    Avg,
    Median,
    P90,
}

/// A regular expression from a policy: its syntax is checked when the
/// policy is checked; the automaton is built once, the first time it is
/// used, so compiling a policy stays fast however many patterns it has.
#[derive(Debug, Clone)]
pub struct RegexPattern {
    // Two patterns are equal when written the same (see PartialEq).
    source: String,
    compiled: std::sync::Arc<std::sync::OnceLock<Option<regex::Regex>>>,
}

impl RegexPattern {
    pub fn new(source: &str) -> RegexPattern {
        RegexPattern {
            source: source.to_string(),
            compiled: std::sync::Arc::default(),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The compiled expression; `None` only if it exceeds the size limit
    /// (1 MiB of automaton), which evaluation reports per contact.
    pub fn regex(&self) -> Option<&regex::Regex> {
        self.compiled
            .get_or_init(|| {
                regex::RegexBuilder::new(&self.source)
                    .size_limit(REGEX_SIZE_LIMIT)
                    .build()
                    .ok()
            })
            .as_ref()
    }
}

pub const REGEX_SIZE_LIMIT: usize = 1 << 20;

impl PartialEq for RegexPattern {
    fn eq(&self, other: &RegexPattern) -> bool {
        self.source == other.source
    }
}
