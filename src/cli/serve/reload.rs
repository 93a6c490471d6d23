//! Loading the served policy: one way for startup and for every reload,
//! so a policy the server would refuse to start with is never swapped in
//! later. A load reads the file (at most [`MAX_POLICY_BYTES`]), decodes it
//! strictly as UTF-8, checks and compiles it, and runs the policy's own
//! tests (`tests/NAME.toml` beside `NAME.detente`) when it has them. The
//! watcher runs on a thread of its own, so compiling a large policy never
//! stalls a serving thread.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use detente::Policy;
use detente::diagnostic::render_graphical;
use detente::testing;

use super::{Loaded, State, describe};

/// The largest policy file served: far past any agreement people write
/// (the shipped policies are about 10 KB), small enough to compile in
/// well under a second.
pub const MAX_POLICY_BYTES: u64 = 2 << 20;

/// Why a policy file was not loaded, in words for the log.
pub struct Refused(pub String);

/// Reads, checks, compiles and tests the policy at `path`.
pub fn load(path: &Path) -> Result<Loaded, Refused> {
    let shown = path.display().to_string();
    let size = std::fs::metadata(path)
        .map_err(|e| Refused(format!("cannot read `{shown}`: {e}")))?
        .len();
    if size > MAX_POLICY_BYTES {
        return Err(Refused(format!(
            "`{shown}` is {size} bytes, more than the {} MiB a served policy may be",
            MAX_POLICY_BYTES >> 20
        )));
    }
    let source = match crate::cli::files::read_policy(path) {
        Ok(Ok(s)) => s,
        Ok(Err(d)) => return Err(Refused(render_graphical(&d, false))),
        Err(e) => return Err(Refused(e)),
    };
    let policy =
        Policy::compile_named(&shown, &source).map_err(|d| Refused(render_graphical(&d, false)))?;
    run_tests(path, &policy)?;
    smoke(&policy)?;
    Ok(Loaded { policy, source })
}

/// One made-up contact with one event of every type the policy declares,
/// every field filled, replayed before the policy is served: a policy the
/// engine cannot replay (a bug in Détente, since `check` accepted it) is
/// refused here, with the running one kept, instead of answering 500 to
/// every request. It runs for policies without tests too.
fn smoke(policy: &Policy) -> Result<(), Refused> {
    let body = sample_request(policy);
    let replayed = std::panic::catch_unwind(|| {
        let request = detente::data::request::Request::from_json(body)?;
        detente::eval::classify::classify(policy, request, None).map(|_| ())
    });
    match replayed {
        // A row the made-up values do not fit is the data's problem, not
        // the policy's: only a failure of the engine refuses it.
        Ok(_) => Ok(()),
        Err(_) => Err(Refused(
            "replaying a sample contact through it failed inside Détente (a bug: please report it with the policy); the running policy is kept".into(),
        )),
    }
}

/// The request [`smoke`] replays.
fn sample_request(policy: &Policy) -> serde_json::Value {
    use serde_json::{Map, Value as Json, json};
    let ir = policy.ir();
    let fill = |fields: &[detente::ir::Field], row: &mut Map<String, Json>| {
        for f in fields {
            row.insert(f.name.clone(), sample(&f.ty));
        }
    };
    let mut contact = Map::new();
    contact.insert("id".into(), json!("smoke-1"));
    contact.insert("created_at".into(), json!("2026-01-05T09:00:00Z"));
    fill(ir.contact_fields.as_slice(), &mut contact);
    let events: Vec<Json> = ir
        .events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let mut row = Map::new();
            row.insert("type".into(), json!(e.name));
            row.insert(
                "at".into(),
                json!(format!("2026-01-05T10:{:02}:00Z", i % 60)),
            );
            fill(e.fields.as_slice(), &mut row);
            Json::Object(row)
        })
        .collect();
    contact.insert("events".into(), Json::Array(events));
    let mut account = Map::new();
    account.insert("id".into(), json!("smoke-a"));
    fill(ir.account_fields.as_slice(), &mut account);
    contact.insert("account".into(), Json::Object(account));
    json!({"contacts": [Json::Object(contact)], "as_of": "2026-03-01T00:00:00Z"})
}

/// A value of type `ty`, as a CRM would send it.
fn sample(ty: &detente::ir::Type) -> serde_json::Value {
    use detente::ir::Type;
    use serde_json::json;
    match ty {
        Type::Text => json!("sample"),
        Type::Number => json!(3),
        Type::Money => json!("1200.50"),
        Type::Bool => json!(true),
        Type::Date => json!("2026-01-04"),
        Type::Timestamp => json!("2026-01-04T12:00:00Z"),
        Type::Duration => json!("30d"),
        Type::Enum(values) => json!(values.first().cloned().unwrap_or_default()),
    }
}

/// The policy's own tests, `tests/NAME.toml` beside `NAME.detente`, when
/// it has them: any failing case refuses the policy.
fn run_tests(path: &Path, policy: &Policy) -> Result<(), Refused> {
    let Some(tests) = tests_of(path).filter(|t| t.is_file()) else {
        return Ok(());
    };
    let shown = tests.display().to_string();
    let text = std::fs::read_to_string(&tests)
        .map_err(|e| Refused(format!("cannot read its tests `{shown}`: {e}")))?;
    let file = testing::parse(&text).map_err(|e| Refused(format!("its tests `{shown}`: {e}")))?;
    let failed: Vec<String> = file
        .cases
        .iter()
        .map(|case| testing::run_case(policy, case))
        .filter(|r| !r.passed())
        .map(|r| format!("  failed: {}", r.name))
        .collect();
    if failed.is_empty() {
        return Ok(());
    }
    Err(Refused(format!(
        "its tests `{shown}` fail (run `detente test {shown}` for details):\n{}",
        failed.join("\n")
    )))
}

/// `policies/acme.detente` → `policies/tests/acme.toml`.
fn tests_of(path: &Path) -> Option<PathBuf> {
    let stem = path.file_stem()?;
    let dir = path.parent().unwrap_or(Path::new(""));
    Some(dir.join("tests").join(stem).with_extension("toml"))
}

/// Watches the policy file on a thread of its own until `stop` is raised:
/// a changed file is loaded as at startup and served if it loads; else
/// the reason is logged, the running policy stays, and `/readyz` fails
/// until a load succeeds.
pub fn watch(state: Arc<State>, path: PathBuf, every: Duration, stop: Arc<AtomicBool>) {
    let mut last_seen: Option<Vec<u8>> = None;
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(every);
        let Ok(bytes) = std::fs::read(&path) else {
            if last_seen.as_deref() != Some(b"") {
                tracing::warn!(
                    path = %path.display(),
                    "cannot read the policy file; still serving the loaded policy"
                );
                last_seen = Some(Vec::new());
            }
            continue;
        };
        if bytes == state.policy().source.as_bytes() {
            // Back to what is served (a refused change undone): ready.
            if last_seen.take().is_some() {
                state.set_refused(None);
            }
            continue;
        }
        if last_seen.as_ref() == Some(&bytes) {
            continue;
        }
        last_seen = Some(bytes);
        match load(&path) {
            Ok(loaded) => {
                let said = describe(&loaded.policy);
                let loaded = Arc::new(loaded);
                match state.current.write() {
                    Ok(mut g) => *g = loaded,
                    Err(p) => *p.into_inner() = loaded,
                }
                state.set_refused(None);
                state.metrics.reloads_ok.fetch_add(1, Ordering::Relaxed);
                // Said once it is served, so "reloaded" is true when read.
                tracing::info!("reloaded {said}");
                last_seen = None;
            }
            Err(Refused(why)) => {
                // Recorded before it is said, so /readyz agrees with the
                // log from the moment the line is read.
                let said =
                    format!("the changed policy is refused; still serving the loaded one\n{why}");
                state.set_refused(Some(why));
                state.metrics.reloads_failed.fetch_add(1, Ordering::Relaxed);
                tracing::warn!("{said}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sample contact fits every shipped policy's schema, so the smoke
    /// replay really replays it (a request it could not read would prove
    /// nothing), and every policy among the test fixtures that compiles
    /// replays it without failing.
    #[test]
    fn the_sample_contact_replays_through_every_policy() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        for name in ["acme", "product-led"] {
            let path = root.join("policies").join(format!("{name}.detente"));
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let policy = Policy::compile(&text).expect("a shipped policy compiles");
            let request = detente::data::request::Request::from_json(sample_request(&policy))
                .expect("the sample is a request");
            let classified = detente::eval::classify::classify(&policy, request, None)
                .expect("the sample fits the schema");
            assert_eq!(classified.journeys.len(), 1, "{name}");
        }
        let mut compiled = 0;
        for dir in [
            "tests/fixtures/check",
            "tests/fixtures/eval",
            "tests/fixtures/design",
        ] {
            for file in walk(&root.join(dir)) {
                let text = std::fs::read_to_string(&file).unwrap_or_default();
                if let Ok(policy) = Policy::compile(&text) {
                    compiled += 1;
                    assert!(smoke(&policy).is_ok(), "{}", file.display());
                }
            }
        }
        assert!(compiled >= 10, "{compiled}");
    }

    fn walk(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else if p.extension().is_some_and(|x| x == "detente") {
                out.push(p);
            }
        }
        out
    }
}
