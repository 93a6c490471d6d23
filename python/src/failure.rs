//! The one exception the native module raises: what failed (`kind`), its
//! stable code, the message for people and the details as JSON.

use pyo3::exceptions::PyException;
use pyo3::prelude::*;

pyo3::create_exception!(
    _detente,
    Failure,
    PyException,
    "Raised by the native module as (kind, code, message, details_json); the package raises its own exceptions from it."
);

/// What failed, as the package's exceptions are chosen by it.
#[derive(Clone, Copy)]
pub enum Kind {
    /// The policy does not compile (details: its diagnostics).
    Policy,
    /// An input cannot be read (details: the file).
    Data,
    /// An argument is wrong (a time, a period, a shard).
    Usage,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Policy => "policy",
            Kind::Data => "data",
            Kind::Usage => "usage",
        }
    }
}

/// The exception for `kind`, `code`, `message` and `details`.
pub fn failure(kind: Kind, code: &str, message: String, details: serde_json::Value) -> PyErr {
    let details = serde_json::to_string(&details).unwrap_or_else(|_| "null".into());
    Failure::new_err((kind.name(), code.to_string(), message, details))
}

/// A wrong argument, with no details.
pub fn usage(code: &str, message: String) -> PyErr {
    failure(Kind::Usage, code, message, serde_json::Value::Null)
}
