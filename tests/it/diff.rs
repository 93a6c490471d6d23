//! `detente diff` of the acme policy against the same policy with the MQL
//! fit threshold raised from 30 to 40, on tests/fixtures/diff, where every
//! figure was worked out by hand:
//!
//! - fit (policies/acme.detente): c-1 "VP Sales" 20 + director 5 + 500
//!   employees 15 = 40; c-2 "Director of Operations" 20 + software 10 = 30;
//!   c-3 "Analyst" + 500 employees = 15; c-4 "Head of Growth" 20 +
//!   software 10 = 30.
//! - Each makes a newsletter sign-up (→ lead) and attends four webinars at
//!   Mon 2 Mar 2026 10:00 (engagement 48 ≥ 40, consent given), so under
//!   the old policy c-1, c-2 and c-4 become MQLs then; sales accepts c-4
//!   on 3 Mar (→ sal). c-3 (fit 15) stays a lead.
//! - Under the new policy only c-1 (fit 40) qualifies: c-2 moves mql →
//!   lead, c-4 sal → lead (a lead has no way out on sales feedback).
//!   2 of 4 contacts change stage: 50%.
//! - mqls 3 → 1; mql_acceptance (mql → sal) 1/3 → 0/1.

use serde_json::Value as Json;

use crate::{detente, root, stdout};

const RAISED: &str = "  fit:     fit >= 40";
const AS_OF: &str = "2026-03-20T12:00:00Z";

/// The acme policy with the threshold raised, written to a temporary file.
fn raised() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("policies/acme.detente")).unwrap();
    assert!(text.contains("  fit:     fit >= 30"));
    let path = dir.path().join("acme.detente");
    std::fs::write(&path, text.replace("  fit:     fit >= 30", RAISED)).unwrap();
    let path = path.to_string_lossy().into_owned();
    (dir, path)
}

fn diff(new: &str, extra: &[&str]) -> std::process::Output {
    let d = "tests/fixtures/diff";
    detente()
        .args(["diff", "policies/acme.detente", new])
        .args(["--contacts", &format!("{d}/contacts.csv")])
        .args(["--accounts", &format!("{d}/accounts.csv")])
        .args(["--events", &format!("{d}/events.jsonl")])
        .args(["--as-of", AS_OF])
        .args(extra)
        .output()
        .unwrap()
}

fn metric<'a>(json: &'a Json, name: &str) -> &'a Json {
    json["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == name)
        .unwrap()
}

#[test]
fn a_raised_mql_threshold_says_exactly_who_moves_and_what_it_does() {
    let (_dir, new) = raised();
    let out = diff(&new, &["-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let json: Json = serde_json::from_str(&stdout(&out)).unwrap();
    let c = &json["contacts"];
    assert_eq!(c["total"], 4);
    assert_eq!(c["changed"], 2);
    assert_eq!(c["changed_share"], 0.5);
    assert_eq!(c["rerouted"], 0);
    let cells: Vec<(String, String, u64, Vec<String>)> = c["matrix"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["old"].as_str().unwrap().to_string(),
                m["new"].as_str().unwrap().to_string(),
                m["count"].as_u64().unwrap(),
                m["examples"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e["id"].as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect();
    let cell = |o: &str, n: &str, count: u64, ex: &[&str]| {
        (
            o.to_string(),
            n.to_string(),
            count,
            ex.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        )
    };
    assert_eq!(
        cells,
        vec![
            cell("lead", "lead", 1, &[]),
            cell("mql", "lead", 1, &["c-2"]),
            cell("mql", "mql", 1, &[]),
            cell("sal", "lead", 1, &["c-4"]),
        ]
    );
    // The paths part at step 3: the old mql entry, which the new policy
    // never makes.
    let c2 = &c["matrix"][1]["examples"][0];
    assert_eq!(c2["step"], 3);
    assert_eq!(c2["old"]["step"]["stage"], "mql");
    assert_eq!(c2["old"]["step"]["entered"], "2026-03-02T10:00:00Z");
    assert!(c2["new"].is_null());

    let mqls = metric(&json, "mqls");
    assert_eq!(
        (&mqls["old"], &mqls["new"], &mqls["change"]),
        (&Json::from(3), &Json::from(1), &Json::from(-2))
    );
    let acc = metric(&json, "mql_acceptance");
    assert_eq!(acc["kind"], "rate");
    assert_eq!(
        (&acc["old"], &acc["new"]),
        (&Json::from(0.3333), &Json::from(0))
    );

    let defs = json["definitions"].as_array().unwrap();
    assert_eq!(defs.len(), 1, "{defs:?}");
    assert_eq!(
        (&defs[0]["kind"], &defs[0]["name"], &defs[0]["change"]),
        (
            &Json::from("criteria"),
            &Json::from("mql"),
            &Json::from("changed")
        )
    );
    let lines: Vec<&str> = defs[0]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert!(lines.contains(&"-   fit:     fit >= 30"), "{lines:?}");
    assert!(lines.contains(&"+   fit:     fit >= 40"), "{lines:?}");
    assert_eq!(json["gates"], Json::Array(vec![]));
    assert_eq!(json["passed"], true);
}

#[test]
fn the_markdown_is_ready_for_a_pull_request() {
    let (_dir, new) = raised();
    let out = diff(&new, &["-o", "markdown", "--fail-if-changed", "25%"]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let text = stdout(&out).replace(&new, "NEW.detente");
    insta::assert_snapshot!(text);
}

#[test]
fn gates_pass_at_their_limit_and_fail_beyond_it_with_exit_3() {
    let (_dir, new) = raised();
    let code = |gates: &[&str]| diff(&new, gates).status.code();
    // 50% of contacts change stage.
    assert_eq!(code(&["--fail-if-changed", "50%"]), Some(0));
    assert_eq!(code(&["--fail-if-changed", "49.9%"]), Some(3));
    assert_eq!(code(&["--fail-if-changed", "2"]), Some(0));
    assert_eq!(code(&["--fail-if-changed", "1"]), Some(3));
    // mqls drops by 2 (66.7%); mql_acceptance by 33.3 percentage points.
    assert_eq!(code(&["--fail-if-metric-drops", "mqls=2"]), Some(0));
    assert_eq!(code(&["--fail-if-metric-drops", "mqls=1"]), Some(3));
    assert_eq!(code(&["--fail-if-metric-drops", "mqls=70%"]), Some(0));
    assert_eq!(code(&["--fail-if-metric-drops", "mqls=60%"]), Some(3));
    assert_eq!(
        code(&["--fail-if-metric-drops", "mql_acceptance=34%"]),
        Some(0)
    );
    assert_eq!(
        code(&["--fail-if-metric-drops", "mql_acceptance=30pp"]),
        Some(3)
    );
    assert_eq!(code(&["--fail-if-metric-rises", "mqls=0"]), Some(0));

    let out = diff(&new, &["--fail-if-metric-drops", "mql_accept=1%"]);
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Did you mean `mql_acceptance`?"), "{err}");

    let out = diff(&new, &["--fail-if-changed", "lots"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--fail-if-changed: `lots` is not a number"),
        "{err}"
    );
}

#[test]
fn the_same_policy_changes_nothing() {
    let out = diff("policies/acme.detente", &["-o", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let json: Json = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["contacts"]["changed"], 0);
    assert_eq!(json["contacts"]["rerouted"], 0);
    assert_eq!(json["definitions"], Json::Array(vec![]));
    assert!(
        json["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["change"] == 0 || m["change"] == "0.00" || m["change"].is_null())
    );
}

#[test]
fn a_broken_old_policy_is_named_and_nothing_is_compared() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("old.detente");
    std::fs::write(
        &bad,
        "policy \"x\" { version 1 }\nmetric m = count(entered nowhere)\n",
    )
    .unwrap();
    let out = diff("policies/acme.detente", &[]);
    assert_eq!(out.status.code(), Some(0));
    let out = detente()
        .args(["diff", &bad.to_string_lossy(), "policies/acme.detente"])
        .args(["--events", "tests/fixtures/diff/events.jsonl"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("the old policy"), "{err}");
    assert!(err.contains("has errors"), "{err}");
}

#[test]
fn diff_json_is_the_same_on_one_thread_and_four() {
    let (_dir, new) = raised();
    let run = |t: &str| stdout(&diff(&new, &["-o", "json", "--threads", t]));
    assert_eq!(run("1"), run("4"));
}
