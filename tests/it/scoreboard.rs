//! `examples/scoreboard/`: the shared scoreboard over the example data,
//! checked against `check.py`, which works every figure out with plain
//! Python from the same files.

use std::process::Command;

use crate::{detente, root};

#[test]
fn the_example_scoreboard_matches_an_independent_computation() {
    if Command::new("python3").arg("--version").output().is_err() {
        // CI has python3: a missing one there is a failure, not a skip.
        assert!(std::env::var_os("CI").is_none(), "python3 is missing on CI");
        eprintln!("skipped: no python3 on this machine");
        return;
    }
    let dir = root().join("examples/scoreboard");
    let out = detente()
        .current_dir(&dir)
        .args(["report", "--as-of", "2026-10-31T23:59:59Z", "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(report.path(), &out.stdout).unwrap();
    let check = Command::new("python3")
        .arg(dir.join("check.py"))
        .arg(report.path())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&check.stdout);
    assert!(
        check.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(
        said.starts_with("every figure matches: 5 quarters"),
        "{said}"
    );
}

#[test]
fn the_example_scoreboard_checks_clean() {
    let out = detente()
        .args(["check", "examples/scoreboard/scoreboard.detente"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
}

#[test]
fn the_example_scoreboards_policy_tests_pass() {
    let out = detente()
        .current_dir(root().join("examples/scoreboard"))
        .arg("test")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", crate::stdout(&out));
    assert!(
        crate::stdout(&out).contains("3 cases: 3 passed, 0 failed"),
        "{}",
        crate::stdout(&out)
    );
}
