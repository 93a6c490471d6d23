//! What checks, computes: policies that `check` called clean used to give
//! wrong figures. Each case is a regression test on
//! `tests/fixtures/computes/`, whose README works every figure out by hand.

#![allow(
    clippy::indexing_slicing,
    reason = "JSON is read by key; a missing key reads as null and fails the assertion"
)]

use serde_json::{Value as Json, json};

use crate::{detente, stdout};

const DIR: &str = "tests/fixtures/computes";

fn run(args: &[&str]) -> String {
    let out = detente().args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    stdout(&out)
}

fn inputs(extra: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = [
        "--policy",
        "policy.detente",
        "--contacts",
        "contacts.csv",
        "--accounts",
        "accounts.csv",
        "--events",
        "events.csv",
    ]
    .iter()
    .enumerate()
    .map(|(i, a)| {
        if i % 2 == 1 {
            format!("{DIR}/{a}")
        } else {
            (*a).to_string()
        }
    })
    .collect();
    v.extend(["--as-of", "2017-06-30"].map(String::from));
    v.extend(extra.iter().map(|s| (*s).to_string()));
    v
}

/// Each journey's (stage, entered) steps, by id.
fn paths(lifecycle: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut args = vec!["classify".to_string()];
    args.extend(inputs(&["-o", "jsonl", "--lifecycle", lifecycle]));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run(&args)
        .lines()
        .map(|l| {
            let j: Json = serde_json::from_str(l).unwrap();
            let id = j[lifecycle].as_str().unwrap().to_string();
            let steps = j["path"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| {
                    (
                        p["stage"].as_str().unwrap().to_string(),
                        p["entered"].as_str().unwrap().to_string(),
                    )
                })
                .collect();
            (id, steps)
        })
        .collect()
}

fn report(extra: &[&str]) -> Json {
    let mut args = vec!["report".to_string()];
    args.extend(inputs(&["-o", "json"]));
    args.extend(extra.iter().map(|s| (*s).to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    serde_json::from_str(&run(&args)).unwrap()
}

/// The report's row of metric `name`.
fn metric_row<'r>(r: &'r Json, name: &str) -> &'r Json {
    r["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == name)
        .unwrap()
}

/// `metric` in the report's only period: its value and the period label.
fn metric(r: &Json, name: &str) -> (Json, String) {
    let row = metric_row(r, name);
    let values = row["values"].as_array().unwrap();
    assert_eq!(values.len(), 1, "{name}: {values:?}");
    (
        values[0]["value"].clone(),
        values[0]["period"].as_str().unwrap().to_string(),
    )
}

fn payout(r: &Json, incentive: &str) -> (String, String) {
    let rows: Vec<&Json> = r["incentives"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["incentive"] == incentive)
        .collect();
    assert_eq!(rows.len(), 1, "{rows:?}");
    (
        rows[0]["payout"].as_str().unwrap().to_string(),
        rows[0]["period"].as_str().unwrap().to_string(),
    )
}

#[test]
fn the_policy_checks_clean_and_a_loop_of_exclusive_moves_is_no_e033() {
    let out = detente()
        .args([
            "check",
            "--deny",
            "warnings",
            &format!("{DIR}/policy.detente"),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}

#[test]
fn a_contact_reading_account_stage_moves_when_its_account_moves() {
    let at = |steps: &[(String, String)], stage: &str| {
        steps
            .iter()
            .find(|(s, _)| s == stage)
            .map(|(_, t)| t.clone())
            .unwrap()
    };
    let accounts = paths("account");
    for (_, steps) in &accounts {
        assert_eq!(at(steps, "qualified"), "2017-04-10T00:00:00Z");
    }
    let contacts = paths("contact");
    assert_eq!(contacts.len(), 3);
    for (id, steps) in &contacts {
        assert_eq!(at(steps, "sales_ready"), "2017-04-10T00:00:00Z", "{id}");
    }
}

#[test]
fn metric_filters_read_contact_fields_as_they_were_at_the_event() {
    let r = report(&[]);
    assert_eq!(metric(&r, "moses_wins").0, json!(2));
    assert_eq!(metric(&r, "central_wins").0, json!(3));
    assert_eq!(metric(&r, "central_share").0, json!(0.75));
}

#[test]
fn metrics_over_account_stages_count_accounts() {
    let r = report(&[]);
    assert_eq!(metric(&r, "qualified_accounts").0, json!(2));
    assert_eq!(metric(&r, "contact_wins").0, json!(3));
    assert_eq!(metric(&r, "account_wins").0, json!(2));
    assert_eq!(metric(&r, "account_win_rate").0, json!(1));
    assert_eq!(metric(&r, "account_cycle_days").0, json!(12.9167));
    assert_eq!(
        payout(&r, "central_bonus"),
        ("300.00".into(), "2017 Q2".into())
    );
}

#[test]
fn from_and_to_bound_metrics_and_incentives_and_label_the_cut_period() {
    let r = report(&["--from", "2017-04-15", "--to", "2017-05-15"]);
    let label = "2017 Q2 (15 Apr – 15 May)".to_string();
    assert_eq!(metric(&r, "moses_wins"), (json!(0), label.clone()));
    assert_eq!(metric(&r, "central_wins").0, json!(1));
    assert_eq!(metric(&r, "central_share").0, json!(0.5));
    assert_eq!(metric(&r, "qualified_accounts").0, json!(0));
    assert_eq!(metric(&r, "account_win_rate").0, Json::Null);
    assert_eq!(metric(&r, "account_cycle_days").0, json!(12.9167));
    assert_eq!(payout(&r, "central_bonus"), ("100.00".into(), label));
}

#[test]
fn a_time_comparison_with_a_field_moves_at_the_instant_it_flips() {
    let out = run(&[
        "classify",
        "--policy",
        &format!("{DIR}/timed.detente"),
        "--contacts",
        &format!("{DIR}/timed-contacts.csv"),
        "--events",
        &format!("{DIR}/timed-events.csv"),
        "--as-of",
        "2017-06-30",
        "-o",
        "jsonl",
    ]);
    let j: Json = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    let steps: Vec<(&str, &str)> = j["path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["stage"].as_str().unwrap(), p["entered"].as_str().unwrap()))
        .collect();
    assert_eq!(
        steps,
        [
            ("lead", "2017-04-01T00:00:00Z"),
            ("engaged", "2017-04-02T00:00:00Z"),
            ("stale", "2017-04-12T00:00:00Z"),
            ("old", "2017-04-22T00:00:00Z"),
        ]
    );
}

/// A segmented metric's `segments` in the report's only period, as
/// (segment, value) pairs, and its total.
fn segments(r: &Json, name: &str) -> (Json, Vec<(Json, Json)>) {
    let cell = &metric_row(r, name)["values"][0];
    let segs = cell["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["segment"].clone(), s["value"].clone()))
        .collect();
    (cell["value"].clone(), segs)
}

#[test]
fn segments_read_the_field_at_each_counted_fact_and_add_up() {
    let r = report(&[]);
    assert_eq!(
        segments(&r, "wins_by_office"),
        (
            json!(4),
            vec![(json!("Central"), json!(3)), (json!("West"), json!(1))]
        )
    );
    // c3's April deal was Ann Lee's: the owner changed on 1 May.
    assert_eq!(
        segments(&r, "bookings_by_owner"),
        (
            json!("1000.00"),
            vec![
                (json!("Ann Lee"), json!("300.00")),
                (json!("Moses Frase"), json!("700.00"))
            ]
        )
    );
    // The form_submit with no form is the `(none)` segment, last.
    assert_eq!(
        segments(&r, "forms_by_form"),
        (
            json!(4),
            vec![(json!("demo"), json!(3)), (json!(null), json!(1))]
        )
    );
    let none = &metric_row(&r, "forms_by_form")["values"][0]["segments"][1];
    assert_eq!(none["label"], "(none)");
    assert_eq!(
        segments(&r, "qualified_by_domain"),
        (
            json!(2),
            vec![
                (json!("one.example"), json!(1)),
                (json!("two.example"), json!(1))
            ]
        )
    );
    // Owners at each instance's start (10 April): c1 Moses, c2 and c3 Ann.
    assert_eq!(
        segments(&r, "follow_up_by_owner"),
        (
            json!(0.3333),
            vec![
                (json!("Ann Lee"), json!(0.5)),
                (json!("Moses Frase"), json!(0))
            ]
        )
    );
}

#[test]
fn every_aggregate_takes_a_where() {
    let r = report(&[]);
    assert_eq!(metric(&r, "west_bookings").0, json!("200.00"));
    assert_eq!(metric(&r, "central_engaged").0, json!(2));
    assert_eq!(metric(&r, "west_conversion").0, json!(1));
    assert_eq!(metric(&r, "west_follow_up").0, json!(0));
}

#[test]
fn an_incentive_per_rep_pays_each_rep_and_a_lagged_one_measures_the_next_period() {
    let r = report(&["--from", "2017-01-01"]);
    let rows: Vec<&Json> = r["incentives"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["incentive"] == "rep_bonus" && i["period"] == "2017 Q2")
        .collect();
    assert_eq!(rows[0]["payout"], "50.00");
    assert_eq!(rows[0]["per"], "contact.owner");
    assert_eq!(
        rows[0]["payees"],
        json!([
            {"payee": "Ann Lee", "target_value": "300.00", "target_met": true, "payout": "5.00"},
            {"payee": "Moses Frase", "target_value": "700.00", "target_met": true, "payout": "45.00"}
        ])
    );
    let lagged: Vec<&Json> = r["incentives"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["incentive"] == "pipeline_next")
        .collect();
    assert_eq!(
        (
            &lagged[0]["period"],
            &lagged[0]["measured"],
            &lagged[0]["payout"]
        ),
        (&json!("2017 Q1"), &json!("2017 Q2"), &json!("10.00"))
    );
    assert_eq!(lagged[1]["measured"], "2017 Q3");
    assert_eq!(lagged[1]["target_met"], Json::Null);
}

/// The scoreboard sections as a VP reads them: segments indented under
/// their metric, payees under their incentive (reviewed against the
/// figures in README.md).
#[test]
fn the_scoreboard_reads_well_in_every_format() {
    let text = |format: &str| {
        let mut args = vec!["report".to_string()];
        args.extend(inputs(&["-o", format, "--from", "2017-01-01"]));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&args)
    };
    let section = |out: &str, from: &str, to: &str| -> String {
        let start = out.find(from).unwrap();
        let end = out[start..].find(to).map_or(out.len(), |e| start + e);
        out[start..end]
            .trim_end_matches(['#', '\n', ' '])
            .to_string()
    };
    insta::assert_snapshot!(
        "scoreboard_table",
        section(&text("table"), "Metrics", "Score calibration")
    );
    insta::assert_snapshot!(
        "scoreboard_markdown",
        section(&text("markdown"), "## Metrics", "## Score calibration")
    );
    let html = text("html");
    insta::assert_snapshot!(
        "scoreboard_html_tiles",
        section(&html, "<section class=\"kpis\"", "<h2>At a glance</h2>")
    );
    assert!(
        html.contains("Wins by office (wins_by_office), by contact.office"),
        "{html}"
    );
    assert!(html.contains("Moses Frase"), "{html}");
    let r = report(&["--from", "2017-01-01"]);
    insta::assert_json_snapshot!(
        "scoreboard_json",
        json!({"metrics": r["metrics"], "incentives": r["incentives"]})
    );
}

/// An SLA's report rows as (total, assignee, met, breached).
fn sla_rows(r: &Json, sla: &str) -> Vec<(Json, Json, Json, Json)> {
    r["slas"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["sla"] == sla)
        .map(|s| {
            (
                s["total"].clone(),
                s["assignee"].clone(),
                s["met"].clone(),
                s["breached"].clone(),
            )
        })
        .collect()
}

#[test]
fn sla_rows_are_charged_to_the_assignee_and_add_up_to_the_total() {
    let r = report(&[]);
    assert_eq!(
        sla_rows(&r, "handoff"),
        vec![
            (json!(true), json!(null), json!(1), json!(2)),
            (json!(null), json!("Ivy Chen"), json!(0), json!(1)),
            (json!(null), json!(null), json!(1), json!(1)),
        ]
    );
    let none = r["slas"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["sla"] == "handoff" && s["label"] == "(none)");
    assert!(none.is_some());
}

#[test]
fn an_sla_on_account_stages_has_one_instance_per_account() {
    let r = report(&[]);
    assert_eq!(
        sla_rows(&r, "account_handoff"),
        vec![
            (json!(true), json!(null), json!(1), json!(1)),
            (json!(null), json!("Ivy Chen"), json!(1), json!(0)),
            (json!(null), json!(null), json!(0), json!(1)),
        ]
    );
    assert_eq!(
        segments(&r, "account_handoff_by_sdr"),
        (
            json!(0.5),
            vec![(json!("Ivy Chen"), json!(1)), (json!(null), json!(0))]
        )
    );
    let mut args = vec!["classify".to_string()];
    args.extend(inputs(&["-o", "jsonl", "--lifecycle", "account"]));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let a2: Json = run(&args)
        .lines()
        .map(|l| serde_json::from_str::<Json>(l).unwrap())
        .find(|j| j["account"] == "a2")
        .unwrap();
    assert_eq!(a2["slas"][0]["status"], "breached");
    assert_eq!(a2["slas"][0]["late_by_hours"], 34);
}

#[test]
fn breached_of_an_account_sla_is_refused_in_a_contact_condition() {
    let text = std::fs::read_to_string(crate::root().join(DIR).join("policy.detente")).unwrap()
        + "\ncriteria late { late: breached(account_handoff) }\n";
    let err = detente::Policy::compile(&text).unwrap_err();
    let codes: Vec<String> = err.problems.iter().map(|p| p.code_str()).collect();
    assert_eq!(codes, vec!["E024"]);
}

#[test]
fn explain_finds_an_account_by_its_id_and_tells_its_story() {
    let mut args = vec!["explain".to_string(), "a2".to_string()];
    args.extend(inputs(&[]));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let text = run(&args);
    for part in [
        "account a2 — What checks, computes",
        "Now in `won`",
        "target: came into existence here",
        "Contacts, furthest along first\n  c2 (won)",
        "account_handoff (started Mon 10 Apr 2017 00:00 UTC): met on Tue 25 Apr 2017 10:00 UTC, 34 hours late",
        "`won` has no way out: it is final.",
    ] {
        assert!(text.contains(part), "missing {part:?} in\n{text}");
    }
    let mut args = vec!["explain".to_string(), "a1".to_string()];
    args.extend(inputs(&["-o", "json"]));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let j: Json = serde_json::from_str(&run(&args)).unwrap();
    assert_eq!(j["account"], "a1");
    assert_eq!(j["journey"]["stage"], "won");
    assert_eq!(
        j["contacts"],
        json!([
            {"contact": "c1", "stage": "won"},
            {"contact": "c3", "stage": "won"}
        ])
    );
}

#[test]
fn an_id_that_is_both_a_contact_and_an_account_asks_which() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write(
        "contacts.csv",
        "id,account,created_at,email\nx1,x1,2017-04-01,x@one.example\n",
    );
    write("accounts.csv", "id,domain\nx1,one.example\n");
    write(
        "events.csv",
        "contact,at,type,form,amount\nx1,2017-04-02T10:00:00Z,form_submit,demo,\n",
    );
    let path = |name: &str| dir.path().join(name).display().to_string();
    let policy = crate::root()
        .join(DIR)
        .join("policy.detente")
        .display()
        .to_string();
    let common = [
        "--policy".to_string(),
        policy,
        "--contacts".into(),
        path("contacts.csv"),
        "--accounts".into(),
        path("accounts.csv"),
        "--events".into(),
        path("events.csv"),
        "--as-of".into(),
        "2017-06-30".into(),
    ];
    let out = detente()
        .arg("explain")
        .arg("x1")
        .args(&common)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("both a contact and an account"), "{err}");
    for (flag, first_line) in [
        ("--account", "account x1 —"),
        ("--contact", "x1 of account x1 —"),
    ] {
        let out = detente()
            .arg("explain")
            .arg("x1")
            .arg(flag)
            .args(&common)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        assert!(stdout(&out).starts_with(first_line), "{}", stdout(&out));
    }
}

/// `score NAME for account` sums over every contact of the account, and
/// the account lifecycle moves on it at the instant it crosses.
#[test]
fn an_account_score_sums_its_contacts_events_and_moves_the_account() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("intent.detente");
    std::fs::write(
        &policy,
        r#"policy "Account intent" {
  timezone "UTC"
  teams marketing, sales
}
contact { email: text, owner: text?, office: text?, sdr: text? }
account { domain: text, sdr: text? }
event form_submit { form: text? }
event deal_won    { amount: money }
lifecycle contact {
  stage lead initial owner marketing
}
lifecycle account {
  stage target initial owner marketing
  stage hot    final owner sales
  target -> hot when account_intent >= 20
}
score account_intent "Demo requests across the account" for account {
  each form_submit where form == "demo" => +10
  each deal_won => +5
}
"#,
    )
    .unwrap();
    let policy = policy.display().to_string();
    let data = |f: &str| crate::root().join(DIR).join(f).display().to_string();
    let out = detente()
        .args([
            "classify",
            "-o",
            "jsonl",
            "--lifecycle",
            "account",
            "--as-of",
            "2017-06-30",
        ])
        .args(["--policy", &policy, "--contacts", &data("contacts.csv")])
        .args([
            "--accounts",
            &data("accounts.csv"),
            "--events",
            &data("events.csv"),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let accounts: Vec<Json> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // a1: c1's and c3's demos (+20) and three deals (+15); a2: c2's demo
    // (+10; its second form has no form) and one deal (+5).
    assert_eq!(accounts[0]["scores"], json!({"account_intent": 35}));
    assert_eq!(accounts[1]["scores"], json!({"account_intent": 15}));
    // a1 crosses 20 at c3's demo on 3 April 10:00; a2 never does.
    assert_eq!(accounts[0]["stage"], "hot");
    assert_eq!(accounts[0]["since"], "2017-04-03T10:00:00Z");
    assert_eq!(accounts[1]["stage"], "target");
    // Read about one contact, an account's score is refused (E024).
    let text =
        std::fs::read_to_string(&policy).unwrap() + "criteria warm { hot: account_intent >= 10 }\n";
    let err = detente::Policy::compile(&text).unwrap_err();
    let codes: Vec<String> = err.problems.iter().map(|p| p.code_str()).collect();
    assert_eq!(codes, vec!["E024"]);
}
