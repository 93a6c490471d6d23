//! `Policy`: compiled once from text or a file, then used for any number
//! of replays (it is immutable, so threads may share it).

use std::path::PathBuf;
use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::PyBytes;

use detente::diagnostic::{Diagnostics, render_graphical, render_json_lines};

use crate::failure::{Kind, failure};
use crate::inputs::Data;
use crate::{partial, run};

/// A compiled policy.
#[pyclass(module = "detente._detente", frozen)]
pub struct Policy {
    pub(crate) policy: Arc<detente::Policy>,
    pub(crate) source: String,
    pub(crate) label: String,
}

#[pymethods]
impl Policy {
    /// Compiles policy text; `name` names it in messages.
    #[staticmethod]
    #[pyo3(signature = (text, name = "policy.detente"))]
    fn compile(py: Python<'_>, text: String, name: &str) -> PyResult<Policy> {
        let label = name.to_string();
        py.detach(|| compiled(label, text))
    }

    /// Reads and compiles a policy file.
    #[staticmethod]
    fn from_file(py: Python<'_>, path: PathBuf) -> PyResult<Policy> {
        let label = path.display().to_string();
        let bytes = std::fs::read(&path).map_err(|e| {
            failure(
                Kind::Data,
                "D002",
                format!("cannot read the policy file `{label}`: {e}"),
                serde_json::json!({ "file": label }),
            )
        })?;
        let text = String::from_utf8(bytes).map_err(|_| {
            failure(
                Kind::Data,
                "D012",
                format!("the policy file `{label}` is not UTF-8 text; save it as UTF-8"),
                serde_json::json!({ "file": label }),
            )
        })?;
        py.detach(|| compiled(label, text))
    }

    /// The policy's declared name.
    #[getter]
    fn name(&self) -> String {
        self.policy.name().to_string()
    }

    /// The policy's declared version, if any.
    #[getter]
    fn version(&self) -> Option<u64> {
        self.policy.version()
    }

    /// `sha256:` of the source text.
    #[getter]
    fn hash(&self) -> String {
        self.policy.hash().to_string()
    }

    /// The source text.
    #[getter]
    fn source(&self) -> String {
        self.source.clone()
    }

    /// What names the policy in messages (its path, or the name given).
    #[getter]
    fn label(&self) -> String {
        self.label.clone()
    }

    /// The columns of `lifecycle`'s rows with what each holds, as JSON:
    /// `[[name, kind], ...]` (kinds: id, stage, time, number, verdict).
    #[pyo3(signature = (lifecycle = "contact"))]
    fn columns_json(&self, lifecycle: &str) -> PyResult<String> {
        let entity = run::entity(lifecycle)?;
        let columns = run::column_kinds(&self.policy, entity);
        Ok(serde_json::to_string(&columns).unwrap_or_default())
    }

    /// The warnings found while checking, as JSON Lines diagnostics.
    fn warnings_json(&self) -> String {
        render_json_lines(self.policy.warnings())
    }

    // The replays, each with its inputs (`Data`, a dict the package
    // builds) and its options; the GIL is released while they run.

    /// `(csv, journeys_json or None, meta_json)`.
    #[pyo3(signature = (data, as_of = None, lifecycle = "contact", nested = false, shard = None))]
    fn classify_raw(
        &self,
        py: Python<'_>,
        data: Data,
        as_of: Option<String>,
        lifecycle: &str,
        nested: bool,
        shard: Option<String>,
    ) -> PyResult<(String, Option<String>, String)> {
        let sources = data.sources()?;
        let policy = &*self.policy;
        let run = run::Classify {
            as_of,
            lifecycle: lifecycle.to_string(),
            nested,
            shard: shard.as_deref().map(run::shard).transpose()?,
        };
        py.detach(|| run::classify(policy, &sources, &run))
    }

    /// `(report_json, meta_json)`.
    fn report_raw(
        &self,
        py: Python<'_>,
        data: Data,
        span: run::Span,
    ) -> PyResult<(String, String)> {
        let sources = data.sources()?;
        let policy = &*self.policy;
        py.detach(|| run::report(policy, &sources, &span))
    }

    /// `(diff_json, old_meta_json, new_meta_json)`: `self` is the
    /// policy before the change, `new` the one after.
    fn diff_raw(
        &self,
        py: Python<'_>,
        new: PyRef<'_, Policy>,
        data: Data,
        span: run::Span,
    ) -> PyResult<(String, String, String)> {
        let sources = data.sources()?;
        let old = run::Policy {
            policy: &self.policy,
            source: &self.source,
            label: &self.label,
        };
        let new_side = run::Policy {
            policy: &new.policy,
            source: &new.source,
            label: &new.label,
        };
        py.detach(|| run::diff(&old, &new_side, &sources, &span))
    }

    /// `(partial_bytes, meta_json)`: this part's partial report.
    #[pyo3(signature = (data, span, shard = None))]
    fn report_partial_raw(
        &self,
        py: Python<'_>,
        data: Data,
        span: run::Span,
        shard: Option<String>,
    ) -> PyResult<(Py<PyBytes>, String)> {
        let sources = data.sources()?;
        let shard = shard.as_deref().map(run::shard).transpose()?;
        let side = self.side();
        let (bytes, meta) = py.detach(|| partial::report(&side, &sources, &span, shard))?;
        Ok((PyBytes::new(py, &bytes).unbind(), meta))
    }

    /// `(partial_bytes, old_meta_json, new_meta_json)`: this part's
    /// partial diff of `self` (before) against `new` (after).
    #[pyo3(signature = (new, data, span, shard = None))]
    fn diff_partial_raw(
        &self,
        py: Python<'_>,
        new: PyRef<'_, Policy>,
        data: Data,
        span: run::Span,
        shard: Option<String>,
    ) -> PyResult<(Py<PyBytes>, String, String)> {
        let sources = data.sources()?;
        let shard = shard.as_deref().map(run::shard).transpose()?;
        let (old, new_side) = (self.side(), new.side());
        let (bytes, old_meta, new_meta) =
            py.detach(|| partial::diff(&old, &new_side, &sources, &span, shard))?;
        Ok((PyBytes::new(py, &bytes).unbind(), old_meta, new_meta))
    }
}

impl Policy {
    /// The policy as one side of a replay: compiled, its text and label.
    fn side(&self) -> run::Policy<'_> {
        run::Policy {
            policy: &self.policy,
            source: &self.source,
            label: &self.label,
        }
    }
}

/// The policy compiled from `text`, or the `Failure` that carries its
/// diagnostics.
fn compiled(label: String, text: String) -> PyResult<Policy> {
    match detente::Policy::compile_named(&label, &text) {
        Ok(policy) => Ok(Policy {
            policy: Arc::new(policy),
            source: text,
            label,
        }),
        Err(d) => Err(policy_failure(&d)),
    }
}

fn policy_failure(d: &Diagnostics) -> PyErr {
    let lines: Vec<serde_json::Value> = render_json_lines(d)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let code = lines
        .first()
        .and_then(|l| l.get("code"))
        .and_then(|c| c.as_str())
        .unwrap_or("E000")
        .to_string();
    failure(
        Kind::Policy,
        &code,
        render_graphical(d, false),
        serde_json::Value::Array(lines),
    )
}
