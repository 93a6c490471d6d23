//! classify, report and diff over loaded inputs, as the command line
//! runs them (the same as-of, span and option rules, so the package's
//! results equal the CLI's on the same data), returned as text.

use detente::data::shard::Shard;
use detente::data::time::{DateOnly, Instant, format_instant, parse_instant};
use detente::data::{Histories, Source, latest_time, load};
use detente::eval::{Evaluation, default_as_of, evaluate_shard};
use detente::ir::{Entity, Period};
use detente::json::RuntimeProblemJson;
use detente::report::batched::Plan;
use detente::report::diff::{self, Gates, Side};
use detente::report::journey::{AccountJourneysJson, DealJourneysJson, JourneysJson, flat};
use detente::report::replay_data::{DataReplay, replay_data};
use detente::report::{Options, Replayed, build_from};
use pyo3::PyResult;

use crate::failure::{Kind, failure, usage};

/// The span a report or diff covers, as given (a dict of the package's;
/// times as text).
#[derive(pyo3::FromPyObject)]
pub struct Span {
    #[pyo3(item)]
    pub as_of: Option<String>,
    #[pyo3(item)]
    pub from: Option<String>,
    #[pyo3(item)]
    pub to: Option<String>,
    #[pyo3(item)]
    pub period: String,
    #[pyo3(item)]
    pub window_ms: Option<i64>,
}

/// The histories `sources` hold, read for `policy`.
pub fn histories(policy: &detente::Policy, sources: &[Source]) -> PyResult<Histories> {
    load(policy, sources)
        .map_err(|e| failure(Kind::Data, e.code(), e.to_string(), serde_json::Value::Null))
}

/// A time argument read in the policy's timezone.
pub fn instant(
    policy: &detente::Policy,
    what: &str,
    text: Option<&str>,
    date_only: DateOnly,
) -> PyResult<Option<Instant>> {
    let Some(t) = text else { return Ok(None) };
    parse_instant(t, policy.ir().timezone, date_only)
        .map(|(i, _)| Some(i))
        .map_err(|e| usage("U001", format!("{what}: {e}")))
}

/// What is worth knowing about a load and a replay beside the results:
/// the as-of time, every row problem, skipped rows, notes, counts, and
/// the replay's problems.
pub fn meta(policy: &detente::Policy, h: &Histories, e: &Evaluation) -> String {
    let runtime: Vec<RuntimeProblemJson> = e
        .problems
        .iter()
        .map(|p| RuntimeProblemJson::new(policy.ir(), p))
        .collect();
    let counts: serde_json::Map<String, serde_json::Value> = h
        .counts
        .iter()
        .map(|(k, c)| (k.name().to_string(), serde_json::json!(c)))
        .collect();
    serde_json::json!({
        "as_of": format_instant(e.as_of),
        "counts": counts,
        "problems": h.problems,
        "skipped": h.skipped,
        "notes": h.notes,
        "runtime_problems": runtime,
    })
    .to_string()
}

/// What to classify: up to when, which lifecycle's rows, whether the
/// nested journeys too, and which shard.
pub struct Classify {
    pub as_of: Option<String>,
    pub lifecycle: String,
    pub nested: bool,
    pub shard: Option<Shard>,
}

/// The lifecycle named, or the usage error.
pub fn entity(lifecycle: &str) -> PyResult<Entity> {
    match lifecycle {
        "contact" => Ok(Entity::Contact),
        "account" => Ok(Entity::Account),
        "deal" => Ok(Entity::Deal),
        other => Err(usage(
            "U002",
            format!("lifecycle `{other}` should be \"contact\", \"account\" or \"deal\""),
        )),
    }
}

/// `K/N`, or the usage error.
pub fn shard(text: &str) -> PyResult<Shard> {
    Shard::parse(text).map_err(|e| usage("U007", e.to_string()))
}

/// `classify`: the flat rows as CSV, the journeys as JSON when
/// `nested`, and the meta.
pub fn classify(
    policy: &detente::Policy,
    sources: &[Source],
    run: &Classify,
) -> PyResult<(String, Option<String>, String)> {
    let nested = run.nested;
    let entity = entity(&run.lifecycle)?;
    let as_of = instant(policy, "as_of", run.as_of.as_deref(), DateOnly::End)?;
    let h = histories(policy, sources)?;
    let e = evaluate_shard(policy, &h, as_of, run.shard);
    let journeys = nested.then(|| {
        match entity {
            Entity::Contact => serde_json::to_string(&JourneysJson(policy, &e.journeys)),
            Entity::Account => serde_json::to_string(&AccountJourneysJson(policy, &e.accounts)),
            _ => serde_json::to_string(&DealJourneysJson(policy, &e.deals)),
        }
        .unwrap_or_else(|_| "[]".into())
    });
    let mut meta: serde_json::Value =
        serde_json::from_str(&meta(policy, &h, &e)).unwrap_or(serde_json::Value::Null);
    if let Some(m) = meta.as_object_mut() {
        m.insert(
            "columns".into(),
            serde_json::json!(column_kinds(policy, entity)),
        );
    }
    Ok((flat::csv(&e, policy, entity), journeys, meta.to_string()))
}

/// Each column of the flat rows with what it holds, for the package to
/// type it: `id`, `stage`, `time`, `number` (a score) or `verdict` (a
/// criteria: true, false or unknown).
pub fn column_kinds(policy: &detente::Policy, entity: Entity) -> Vec<(String, &'static str)> {
    flat::kinds(policy, entity)
        .into_iter()
        .map(|(name, kind)| (name, kind.as_str()))
        .collect()
}

fn period(text: &str) -> PyResult<Period> {
    match text {
        "month" => Ok(Period::Month),
        "quarter" => Ok(Period::Quarter),
        "year" => Ok(Period::Year),
        other => Err(usage(
            "U003",
            format!("period `{other}` should be \"month\", \"quarter\" or \"year\""),
        )),
    }
}

/// The report's bounds, read; `from` must come before `to`.
fn bounds(policy: &detente::Policy, span: &Span) -> PyResult<(Option<Instant>, Option<Instant>)> {
    let from = instant(policy, "from", span.from.as_deref(), DateOnly::Start)?;
    let to = instant(policy, "to", span.to.as_deref(), DateOnly::Start)?;
    if let (Some(f), Some(t)) = (from, to)
        && f >= t
    {
        return Err(usage("U004", "`from` must be before `to`".into()));
    }
    Ok((from, to))
}

/// `report`: the report as JSON (docs/reports.md's schema), and the meta.
pub fn report(
    policy: &detente::Policy,
    sources: &[Source],
    span: &Span,
) -> PyResult<(String, String)> {
    let as_of = instant(policy, "as_of", span.as_of.as_deref(), DateOnly::End)?;
    let options = options(policy, span, span.window_ms)?;
    let r = replay_report(policy, sources, as_of, options)?;
    let meta = meta(policy, &r.rest, &r.replayed.eval);
    // The replay was counted under these very options.
    let report =
        build_from(policy, &r.replayed, &options).map_err(|e| usage(e.code(), e.to_string()))?;
    let json = serde_json::to_string(&report).unwrap_or_default();
    Ok((json, meta))
}

/// Events per batch of a report's or diff's replay: the command line's
/// default (`--batch-events`).
pub const REPORT_BATCH_EVENTS: usize = 25_000;

/// A data error as the package raises it.
pub fn data_error(e: detente::data::DataError) -> pyo3::PyErr {
    failure(Kind::Data, e.code(), e.to_string(), serde_json::Value::Null)
}

/// The replay of a report, as `detente report` makes it: a batch of
/// accounts at a time (its journeys dropped once counted) unless only
/// the whole data gives the answer, up to `as_of`, else up to the latest
/// time of the rows accepted. That is guessed first by a quick read of
/// the time columns, and the data replayed again in the rare case the
/// rows accepted end elsewhere.
fn replay_report(
    policy: &detente::Policy,
    sources: &[Source],
    as_of: Option<Instant>,
    options: Options,
) -> PyResult<DataReplay> {
    let guess = match as_of {
        Some(t) => t,
        None => latest_time(policy, sources)
            .map_err(data_error)?
            .unwrap_or(0),
    };
    let replay = |at| {
        let plan = Plan {
            options: Some(options),
            ..Plan::new(at, REPORT_BATCH_EVENTS)
        };
        replay_data(policy, sources, plan).map_err(data_error)
    };
    let r = replay(guess)?;
    if as_of.is_some() || r.latest == guess {
        return Ok(r);
    }
    let latest = r.latest;
    drop(r);
    replay(latest)
}

/// The span and periods a report or diff covers, read from `span`.
pub fn options(policy: &detente::Policy, span: &Span, window: Option<i64>) -> PyResult<Options> {
    let (from, to) = bounds(policy, span)?;
    Ok(Options {
        from,
        to,
        period: period(&span.period)?,
        window,
    })
}

/// One side of a diff: its policy, source text and label.
pub struct Policy<'a> {
    pub policy: &'a detente::Policy,
    pub source: &'a str,
    pub label: &'a str,
}

/// Both sides of a diff replayed on the same data up to the same as-of
/// time (the latest either accepted): their replays, rows rejected and
/// metas, and the span as given.
pub struct Replays {
    pub as_of: Instant,
    pub options: Options,
    pub sides: [(Replayed, u64); 2],
    pub metas: (String, String),
}

/// Replays `old` and `new` (only `shard`'s accounts, when given).
pub fn diff_replays(
    old: &Policy,
    new: &Policy,
    sources: &[Source],
    span: &Span,
    shard: Option<Shard>,
) -> PyResult<Replays> {
    let as_of = instant(new.policy, "as_of", span.as_of.as_deref(), DateOnly::End)?;
    let options = options(new.policy, span, None)?;
    let old_h = histories(old.policy, sources)?;
    let new_h = histories(new.policy, sources)?;
    let at = as_of.unwrap_or_else(|| default_as_of(&old_h).max(default_as_of(&new_h)));
    let old_e = evaluate_shard(old.policy, &old_h, Some(at), shard);
    let new_e = evaluate_shard(new.policy, &new_h, Some(at), shard);
    let metas = (
        meta(old.policy, &old_h, &old_e),
        meta(new.policy, &new_h, &new_e),
    );
    Ok(Replays {
        as_of: at,
        options,
        sides: [
            (
                Replayed::whole(old.policy, &old_h, old_e),
                old_h.total().rejected,
            ),
            (
                Replayed::whole(new.policy, &new_h, new_e),
                new_h.total().rejected,
            ),
        ],
        metas,
    })
}

/// `diff`: both policies replayed on the same data, compared over one
/// span; the diff as JSON, and each side's meta.
pub fn diff(
    old: &Policy,
    new: &Policy,
    sources: &[Source],
    span: &Span,
) -> PyResult<(String, String, String)> {
    let as_of = instant(new.policy, "as_of", span.as_of.as_deref(), DateOnly::End)?;
    let options = options(new.policy, span, None)?;
    if let Some(read) = crate::diffed::diff_batched((old, new), sources, as_of, options)? {
        return Ok(read);
    }
    let r = diff_replays(old, new, sources, span, None)?;
    let [(old_r, old_rejected), (new_r, new_rejected)] = &r.sides;
    let result = diff::diff(
        &Side {
            label: old.label,
            source: old.source,
            policy: old.policy,
            replayed: old_r,
            rejected_rows: *old_rejected,
        },
        &Side {
            label: new.label,
            source: new.source,
            policy: new.policy,
            replayed: new_r,
            rejected_rows: *new_rejected,
        },
        &r.options,
        &Gates::new(),
    );
    let json = serde_json::to_string(&result).unwrap_or_default();
    Ok((json, r.metas.0, r.metas.1))
}

/// The shard, from 1 to `n`, that the account `id` falls in (a contact
/// or deal in no account: by its own id), as `--shard` places it.
#[pyo3::pyfunction]
pub fn shard_of(id: &str, n: u32) -> PyResult<u32> {
    if n == 0 {
        return Err(usage(
            "U007",
            "the number of shards must be at least 1".into(),
        ));
    }
    Ok(detente::data::shard::shard_of(id, n))
}
