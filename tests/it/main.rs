//! All integration tests, compiled into one binary.
#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers fail loudly; the lints guard library code"
)]

mod batches;
mod ci;
mod cli;
mod computes;
mod conformance;
mod deals;
mod design;
mod diff;
mod diff_batches;
mod engine_cli;
mod engine_props;
mod eval;
mod fixtures;
mod html;
mod layers;
mod lsp;
mod matrix;
mod parquet;
mod partials;
mod policies;
mod props;
mod reference;
mod reliability;
mod report;
mod request_direct;
mod scoreboard;
mod segments;
mod serve;
mod shards;
mod stages;
mod stream;

use std::path::{Path, PathBuf};

/// The project's root folder.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Rows given as a JSON array of objects, as `Source::inline` takes them.
pub fn rows(v: serde_json::Value) -> Vec<serde_json::Map<String, serde_json::Value>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_object().unwrap().clone())
        .collect()
}

/// An instant (milliseconds since the epoch, UTC) as an ISO timestamp.
pub fn at(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// The real binary, run from the project root without colour.
pub fn detente() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("detente").unwrap();
    c.current_dir(root()).env("NO_COLOR", "1");
    c
}

/// An example program under `examples/`, built by `cargo test`, run
/// from the project root.
pub fn example(name: &str) -> assert_cmd::Command {
    let exe = std::env::current_exe().unwrap();
    // The test binary is target/<profile>/deps/it-…; examples are in
    // target/<profile>/examples.
    let Some(profile) = exe.parent().and_then(|deps| deps.parent()) else {
        panic!("no target directory above {}", exe.display());
    };
    let path = profile
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is missing: `cargo test` builds the examples",
        path.display()
    );
    let mut c = assert_cmd::Command::new(path);
    c.current_dir(root());
    c
}

pub fn stdout(out: &std::process::Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// A path relative to the root, with `/` separators, for stable snapshots.
pub fn relative(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Every `*.detente` file under `dir`, sorted.
pub fn detente_files(dir: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root().join(dir)];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "detente") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Every journey and account journey of `ev`, as `classify` writes them.
pub fn journeys_json(policy: &detente::Policy, ev: &detente::eval::Evaluation) -> String {
    use detente::report::journey::{AccountJourneysJson, JourneysJson};
    serde_json::to_string(&(
        JourneysJson(policy, &ev.journeys),
        AccountJourneysJson(policy, &ev.accounts),
    ))
    .unwrap()
}

/// One journey as `classify` writes it.
pub fn journey_json(policy: &detente::Policy, j: &detente::eval::Journey) -> serde_json::Value {
    serde_json::to_value(detente::report::journey::JourneyView::new(policy, j)).unwrap()
}

/// A policy's text in the canonical layout, as `detente fmt` writes it.
pub fn fmt_text(text: &str) -> String {
    let file = detente::syntax::parse(text).unwrap();
    detente::syntax::print::print(&file, text)
}
