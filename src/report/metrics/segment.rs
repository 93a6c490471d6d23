//! A segment: one value of a dimension (`contact.office == "West"`), or
//! no value at all, `(none)`. Segments are ordered as people read them:
//! numbers by size, text alphabetically, `(none)` last.

use std::cmp::Ordering;

use crate::ir::{DimensionId, Value};

use super::super::words;

/// One value of a dimension, or none.
#[derive(Debug, Clone)]
pub struct Segment(pub Option<Value>);

/// The label of the segment with no value.
pub const NONE_LABEL: &str = "(none)";

impl Segment {
    /// As people read it: the text, the number, the date; `(none)`.
    pub fn label(&self) -> String {
        match &self.0 {
            None => NONE_LABEL.to_string(),
            Some(Value::Text(t)) => t.clone(),
            Some(v) => words::const_text(v),
        }
    }

    /// The segment's value in JSON: the value as loaded (money as an exact
    /// string), or null.
    pub fn json(&self) -> serde_json::Value {
        match &self.0 {
            None => serde_json::Value::Null,
            Some(Value::Text(t)) => serde_json::Value::String(t.clone()),
            Some(Value::Number(n)) => serde_json::json!(n),
            Some(Value::Bool(b)) => serde_json::Value::Bool(*b),
            Some(Value::Money(m)) => serde_json::Value::String(m.to_string()),
            Some(v) => serde_json::Value::String(words::const_text(v)),
        }
    }

    fn rank(&self) -> u8 {
        match &self.0 {
            Some(Value::Number(_)) => 0,
            Some(Value::Money(_)) => 1,
            Some(Value::Duration(_)) => 2,
            Some(Value::Date(_)) => 3,
            Some(Value::Timestamp(_)) => 4,
            Some(Value::Bool(_)) => 5,
            Some(Value::Text(_)) => 6,
            Some(Value::List(_)) => 7,
            None => 8,
        }
    }
}

impl Ord for Segment {
    fn cmp(&self, other: &Self) -> Ordering {
        let by_kind = self.rank().cmp(&other.rank());
        if by_kind != Ordering::Equal {
            return by_kind;
        }
        match (&self.0, &other.0) {
            (Some(Value::Number(a)), Some(Value::Number(b))) => a.total_cmp(b),
            (Some(Value::Money(a)), Some(Value::Money(b))) => a.cmp(b),
            (Some(Value::Date(a)), Some(Value::Date(b))) => a.cmp(b),
            (Some(Value::Timestamp(a)), Some(Value::Timestamp(b))) => a.cmp(b),
            (Some(Value::Bool(a)), Some(Value::Bool(b))) => a.cmp(b),
            (Some(Value::Text(a)), Some(Value::Text(b))) => a.cmp(b),
            (None, None) => Ordering::Equal,
            (a, b) => {
                let text = |v: &Option<Value>| v.as_ref().map(words::const_text);
                text(a).cmp(&text(b))
            }
        }
    }
}

impl PartialOrd for Segment {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Segment {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Segment {}

/// How a period's figures are cut.
#[derive(Debug, Clone, Default)]
pub enum Cut {
    /// Every fact counts.
    #[default]
    Total,
    /// Every fact counts; the segments of `DimensionId` met on the way
    /// are noted.
    Noting(DimensionId),
    /// Only the facts of this segment count.
    Only(DimensionId, Segment),
}

impl Cut {
    pub fn dimension(&self) -> Option<DimensionId> {
        match self {
            Cut::Total => None,
            Cut::Noting(d) | Cut::Only(d, _) => Some(*d),
        }
    }
}
