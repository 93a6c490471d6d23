//! The CI example (examples/ci/detente-ci.sh, which examples/ci/detente.yml
//! runs) on a pull request that raises the MQL fit threshold from 30 to 40:
//! a temporary git repository holds the acme policy, its tests and the
//! four-contact history of tests/fixtures/diff (tests/it/diff.rs works out
//! who moves); the change is made in the working tree and compared with
//! the commit, as the workflow compares a branch with its base.

use std::path::Path;
use std::process::Command;

use crate::root;

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.email=ci@example.com", "-c", "user.name=CI"])
        .args(args)
        .status()
        .unwrap()
        .success();
    assert!(ok, "git {args:?}");
}

#[test]
fn the_ci_script_checks_tests_and_diffs_a_raised_mql_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (from, to) in [
        ("policies/acme.detente", "policies/acme.detente"),
        ("policies/tests/acme.toml", "policies/tests/acme.toml"),
        ("tests/fixtures/diff/contacts.csv", "data/contacts.csv"),
        ("tests/fixtures/diff/accounts.csv", "data/accounts.csv"),
        ("tests/fixtures/diff/events.jsonl", "data/events.jsonl"),
    ] {
        std::fs::create_dir_all(d.join(to).parent().unwrap()).unwrap();
        std::fs::copy(root().join(from), d.join(to)).unwrap();
    }
    std::fs::write(
        d.join("detente.toml"),
        "[policy]\npath = \"policies/acme.detente\"\n\n[data]\ncontacts = \"data/contacts.csv\"\naccounts = \"data/accounts.csv\"\nevents = \"data/events.jsonl\"\n\n[ci]\nfail_if_changed = \"25%\"\nfail_if_metric_drops = { win_rate = \"2%\" }\n",
    )
    .unwrap();
    git(d, &["init", "-q", "-b", "main"]);
    git(d, &["add", "-A"]);
    git(d, &["commit", "-q", "-m", "the agreement as merged"]);

    let policy = d.join("policies/acme.detente");
    let text = std::fs::read_to_string(&policy).unwrap();
    std::fs::write(
        &policy,
        text.replace("  fit:     fit >= 30", "  fit:     fit >= 40"),
    )
    .unwrap();

    let bin = Path::new(env!("CARGO_BIN_EXE_detente")).parent().unwrap();
    let path = std::env::join_paths(std::iter::once(bin.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let out = Command::new("bash")
        .arg(root().join("examples/ci/detente-ci.sh"))
        .args(["main", "policies/acme.detente"])
        .current_dir(d)
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    // The check and the tests pass; the gate of 25% fails: half the
    // contacts change stage.
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("check: exit 0; tests: exit 0; diff: exit 3"),
        "{err}"
    );

    let read = |f: &str| std::fs::read_to_string(d.join("detente-out").join(f)).unwrap();
    let sarif: serde_json::Value = serde_json::from_str(&read("check.sarif")).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let junit = read("junit.xml");
    assert!(
        junit.contains("<testsuite name=\"policies/tests/acme.toml\" tests=\"30\" failures=\"0\">"),
        "{junit}"
    );
    let md = read("diff.md");
    for expected in [
        "### Policy change: git:main:policies/acme.detente v3 → policies/acme.detente v3",
        "2 of 4 contacts change stage (50.0%).",
        "| --fail-if-changed 25% | FAILED | 2 of 4 contacts change stage (50%); the limit is 25% |",
        "| --fail-if-metric-drops win_rate=2% | passed |",
        "| mql | lead | 1 |",
        "| sal | lead | 1 |",
        "- **mql → lead: c-2 of a-2, step 3**",
        "| mqls | 3 | 1 | −2 (−66.7%) |",
        "-   fit:     fit >= 30",
        "+   fit:     fit >= 40",
    ] {
        assert!(md.contains(expected), "missing {expected:?} in:\n{md}");
    }
}
