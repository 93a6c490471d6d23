//! Partial reports from Python: `report_partial` and `diff_partial`
//! replay one part of the data (a shard of the whole, or the rows of one
//! Spark task) into the bytes `detente report --partial` writes, and
//! `merge` makes the parts into the report or diff of one run, as
//! `detente merge` does.

use detente::data::Source;
use detente::data::time::DateOnly;
use detente::eval::evaluate_shard;
use detente::report::Replayed;
use detente::report::merge::{MergeError, Merger};
use detente::report::partial::{Head, Kind as PartKind, Partial, SideHead};
use pyo3::PyResult;

use crate::failure::{Kind, failure};
use crate::run::{self, Policy, Span};

/// `report_partial`: the partial of `policy`'s report on `sources`, and
/// the meta of its load and replay.
pub fn report(
    policy: &Policy,
    sources: &[Source],
    span: &Span,
    shard: Option<detente::data::shard::Shard>,
) -> PyResult<(Vec<u8>, String)> {
    let p = policy.policy;
    let as_of = run::instant(p, "as_of", span.as_of.as_deref(), DateOnly::End)?;
    let options = run::options(p, span, span.window_ms)?;
    let h = run::histories(p, sources)?;
    let e = evaluate_shard(p, &h, as_of, shard);
    let meta = run::meta(p, &h, &e);
    let head = Head {
        kind: PartKind::Report,
        as_of: e.as_of,
        options,
        gates: Vec::new(),
        shard: shard.map(|s| (s.k(), s.n())),
        sides: vec![side(policy, h.total().rejected)],
    };
    let replays = vec![Replayed::whole(p, &h, e)];
    Ok((bytes(head, vec![p.clone()], replays)?, meta))
}

/// `diff_partial`: the partial of the diff of `old` against `new`.
pub fn diff(
    old: &Policy,
    new: &Policy,
    sources: &[Source],
    span: &Span,
    shard: Option<detente::data::shard::Shard>,
) -> PyResult<(Vec<u8>, String, String)> {
    let r = run::diff_replays(old, new, sources, span, shard)?;
    let [(old_r, old_rejected), (new_r, new_rejected)] = r.sides;
    let head = Head {
        kind: PartKind::Diff,
        as_of: r.as_of,
        options: r.options,
        gates: Vec::new(),
        shard: shard.map(|s| (s.k(), s.n())),
        sides: vec![side(old, old_rejected), side(new, new_rejected)],
    };
    let policies = vec![old.policy.clone(), new.policy.clone()];
    let bytes = bytes(head, policies, vec![old_r, new_r])?;
    Ok((bytes, r.metas.0, r.metas.1))
}

fn side(p: &Policy, rejected: u64) -> SideHead {
    SideHead {
        label: p.label.to_string(),
        source: p.source.to_string(),
        rejected,
    }
}

fn bytes(head: Head, policies: Vec<detente::Policy>, replays: Vec<Replayed>) -> PyResult<Vec<u8>> {
    let partial = Partial {
        head,
        policies,
        replays,
    };
    partial
        .into_bytes()
        .map_err(|e| failure(Kind::Data, e.code(), e.to_string(), serde_json::Value::Null))
}

/// `merge`: the partials, each as its bytes, made into the report or the
/// diff of one run, as JSON.
pub fn merge(parts: &[pyo3::pybacked::PyBackedBytes]) -> PyResult<String> {
    let read = |i: usize, bytes: &[u8]| {
        Partial::from_bytes(bytes).map_err(|e| {
            failure(
                Kind::Data,
                e.code(),
                format!("partial {i}: {e}; make it again with report_partial or diff_partial of this release"),
                serde_json::json!({ "partial": i }),
            )
        })
    };
    let mut parts = parts.iter().enumerate();
    let Some((_, first)) = parts.next() else {
        return Err(merge_failure(&MergeError::Empty));
    };
    // One part decoded at a time, besides what is merged so far.
    let mut merger = Merger::new(read(0, first)?);
    for (i, bytes) in parts {
        merger.add(read(i, bytes)?).map_err(|e| merge_failure(&e))?;
    }
    let whole = merger.finish().map_err(|e| merge_failure(&e))?;
    let json = match (whole.report(), whole.diff()) {
        (Some(r), _) => serde_json::to_string(&r),
        (None, Some(d)) => serde_json::to_string(&d),
        (None, None) => Ok(String::new()),
    };
    Ok(json.unwrap_or_default())
}

fn merge_failure(e: &MergeError) -> pyo3::PyErr {
    let message = match e {
        MergeError::Mismatch { index, what } => format!(
            "partial {index} does not go with partial 0: their {} differ; make every part with the same policies, as_of, span and gates",
            format!("{what:?}").to_lowercase()
        ),
        MergeError::Shards {
            n,
            missing,
            repeated,
        } => format!(
            "the shards do not make a whole (of {}: missing {missing:?}, given twice {repeated:?}); give one partial of each shard 1/N to N/N",
            n.map_or("mixed counts".to_string(), |n| n.to_string())
        ),
        MergeError::Overlap { what, id } => format!(
            "two partials both replayed the {} `{id}`: give each account's rows to one part only",
            format!("{what:?}").to_lowercase()
        ),
        _ => "no partial to merge: give at least one".to_string(),
    };
    failure(Kind::Data, e.code(), message, serde_json::Value::Null)
}
