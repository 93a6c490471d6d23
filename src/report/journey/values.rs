//! The small shapes journeys are written with: names in declared order,
//! three-valued truths, rounded numbers, the policy a journey comes from.

use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::compile::Policy;

/// `{name: value, ...}` in the policy's declared order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Named<'a, T>(pub Vec<(&'a str, T)>);

impl<T> Named<'_, T> {
    /// The value named `name`.
    pub fn get(&self, name: &str) -> Option<&T> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// (name, value) in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &T)> {
        self.0.iter().map(|(n, v)| (*n, v))
    }
}

impl<T: Serialize> Serialize for Named<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// A three-valued truth as journeys write it: `true`, `false` or
/// `"unknown"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tri(pub Option<bool>);

impl Tri {
    /// As written: `true`, `false` or `unknown`.
    pub fn as_str(self) -> &'static str {
        match self.0 {
            Some(true) => "true",
            Some(false) => "false",
            None => "unknown",
        }
    }
}

impl Serialize for Tri {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Some(b) => s.serialize_bool(b),
            None => s.serialize_str("unknown"),
        }
    }
}

/// A number rounded to two decimals, as journeys show scores and hours;
/// a whole number is written without a fraction (`35`, not `35.0`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rounded(f64);

impl Rounded {
    /// `x` rounded to two decimals.
    pub fn of(x: f64) -> Rounded {
        Rounded((x * 100.0).round() / 100.0)
    }

    /// The rounded value.
    pub fn value(self) -> f64 {
        self.0
    }
}

impl Serialize for Rounded {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        if !r.is_finite() {
            s.serialize_unit()
        } else if r.fract() == 0.0 && r.abs() < 1e15 {
            s.serialize_i64(r as i64)
        } else {
            s.serialize_f64(r)
        }
    }
}

impl std::fmt::Display for Rounded {
    /// As the JSON writes it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match serde_json::to_string(self) {
            Ok(text) => f.write_str(&text),
            Err(_) => f.write_str("null"),
        }
    }
}

/// The policy a journey was worked out with, so that every decision can
/// be traced to the exact rules.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct PolicyRef {
    /// The policy's name, from `policy "..." { }`.
    pub name: String,
    /// Its `version`, if it has one.
    pub version: Option<u64>,
    /// `sha256:` and the hex digest of the policy's source text.
    pub hash: String,
}

impl PolicyRef {
    /// The policy's name, version and hash.
    pub fn of(policy: &Policy) -> PolicyRef {
        PolicyRef {
            name: policy.name().to_string(),
            version: policy.version(),
            hash: policy.hash().to_string(),
        }
    }
}
