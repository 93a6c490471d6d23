//! The `detente` Python package's native part, `detente._detente`: a
//! compiled policy, and classify, report and diff over inputs given as
//! files or as CSV text (the package writes data frames and Arrow tables
//! as CSV before they cross; `detente/_frames.py`).
//!
//! This is an edge, like the command line: it turns the library's
//! errors into one exception, `Failure`, carrying a kind, a code, the
//! message for people and the details as JSON, which the package's
//! Python code raises again as its own documented exceptions
//! (`detente/_errors.py`). Results cross as text (CSV, JSON), which the
//! package reads into data frames and Python objects.

use pyo3::prelude::*;

mod diffed;
mod failure;
mod inputs;
mod partial;
mod policy;
mod run;

/// The native module.
#[pymodule(name = "_detente")]
mod native {
    #[pymodule_export]
    use super::failure::Failure;
    #[pymodule_export]
    use super::policy::Policy;
    #[pymodule_export]
    use super::run::shard_of;

    /// The partials (each the bytes of one), merged: the report's or the
    /// diff's JSON, as one run gives it.
    #[pyo3::pyfunction]
    fn merge_raw(
        py: pyo3::Python<'_>,
        parts: Vec<pyo3::pybacked::PyBackedBytes>,
    ) -> pyo3::PyResult<String> {
        py.detach(|| super::partial::merge(&parts))
    }

    #[pymodule_init]
    fn init(m: &pyo3::Bound<'_, pyo3::types::PyModule>) -> pyo3::PyResult<()> {
        use pyo3::types::PyModuleMethods;
        m.add("__version__", env!("CARGO_PKG_VERSION"))
    }
}
