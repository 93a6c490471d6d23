//! Types as the checker sees them, with names a sales VP can read.

use super::model::{Type, Unit};

#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    Bool,
    Text,
    Date,
    Timestamp,
    /// A number with a unit (plain number, money, days, money per day...).
    Num(Unit),
    /// A bare number literal: it takes the unit of what it meets.
    Literal,
    Enum(Vec<String>),
    List(Box<Ty>),
    /// The account lifecycle's current stage; compared with stage names
    /// written as strings.
    AccountStage,
    /// An error was already reported for this expression: accept anything,
    /// so one mistake gives one diagnostic.
    Unknown,
}

impl Ty {
    pub fn from_field(t: &Type) -> Ty {
        match t {
            Type::Text => Ty::Text,
            Type::Number => Ty::Num(Unit::NONE),
            Type::Money => Ty::Num(Unit::MONEY),
            Type::Bool => Ty::Bool,
            Type::Date => Ty::Date,
            Type::Timestamp => Ty::Timestamp,
            Type::Duration => Ty::Num(Unit::DAYS),
            Type::Enum(v) => Ty::Enum(v.clone()),
        }
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Ty::Unknown)
    }

    pub fn is_bool(&self) -> bool {
        matches!(self, Ty::Bool | Ty::Unknown)
    }

    pub fn is_numeric(&self) -> bool {
        matches!(self, Ty::Num(_) | Ty::Literal | Ty::Unknown)
    }

    pub fn is_textual(&self) -> bool {
        matches!(self, Ty::Text | Ty::Enum(_) | Ty::Unknown)
    }

    pub fn unit(&self) -> Option<Unit> {
        match self {
            Ty::Num(u) => Some(*u),
            Ty::Literal => Some(Unit::NONE),
            _ => None,
        }
    }

    /// "a number", "money", "text"... as it reads in a message.
    pub fn describe(&self) -> String {
        match self {
            Ty::Bool => "true/false".into(),
            Ty::Text => "text".into(),
            Ty::Date => "a date".into(),
            Ty::Timestamp => "a timestamp".into(),
            Ty::Literal => "a number".into(),
            Ty::Num(u) => describe_unit(*u),
            Ty::Enum(values) => {
                let shown: Vec<String> =
                    values.iter().take(4).map(|v| format!("\"{v}\"")).collect();
                let more = if values.len() > 4 { ", ..." } else { "" };
                format!("one of {}{more}", shown.join(", "))
            }
            Ty::List(inner) => format!("a list of {}", plural(&inner.describe())),
            Ty::AccountStage => "an account stage".into(),
            Ty::Unknown => "a value".into(),
        }
    }
}

fn plural(s: &str) -> String {
    match s {
        "text" | "money" => s.to_string(),
        "true/false" => "true/false values".to_string(),
        _ => s
            .strip_prefix("a ")
            .or_else(|| s.strip_prefix("an "))
            .map_or_else(|| s.to_string(), |x| format!("{x}s")),
    }
}

pub fn describe_unit(u: Unit) -> String {
    match (u.money, u.days) {
        (0, 0) => "a number".into(),
        (1, 0) => "money".into(),
        (0, 1) => "a duration".into(),
        (1, -1) => "money per day".into(),
        (0, -1) => "a number per day".into(),
        (m, d) => format!("a number in money^{m} x days^{d}"),
    }
}
