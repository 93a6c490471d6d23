//! Replays with expectations computed by hand (each test says how).

use detente::Policy;
use detente::data::{RecordKind, Source, load};
use detente::eval::{Evaluation, evaluate};
use detente::report::journey::{AccountJourneyView, JourneyView};

use crate::root;

fn policy(path: &str) -> Policy {
    let src = std::fs::read_to_string(root().join(path)).unwrap();
    Policy::compile_named(path, &src).unwrap()
}

fn replay(policy: &Policy, dir: &str, as_of: &str) -> Evaluation {
    let mut sources = Vec::new();
    for (kind, file) in [
        (RecordKind::Contacts, "contacts.csv"),
        (RecordKind::Accounts, "accounts.csv"),
        (RecordKind::Events, "events.csv"),
    ] {
        let p = root().join("tests/fixtures/eval").join(dir).join(file);
        if p.exists() {
            sources.push(Source::new(kind, p));
        }
    }
    let h = load(policy, &sources).unwrap();
    assert!(h.problems.is_empty(), "{:?}", h.problems);
    let tz = policy.ir().timezone;
    let as_of = detente::data::time::parse_instant(as_of, tz, Default::default())
        .unwrap()
        .0;
    evaluate(policy, &h, Some(as_of))
}

/// The design's own policy, one contact, Europe/London, business hours
/// mon-fri 09:00-17:30.
#[test]
fn the_design_policy_replays_a_journey_as_written() {
    let p = policy("tests/fixtures/design/language.detente");
    let e = replay(&p, "design-journey", "2026-06-01");
    let j = &e.journeys[0];
    let view = JourneyView::new(&p, j);
    let steps = view.path();
    let path: Vec<(&str, &str)> = steps
        .iter()
        .map(|s| (s.stage.as_str(), s.entered.as_str()))
        .collect();
    // Fri 6 Mar 16:30 the demo request: form_submit moves subscriber ->
    // lead, and at the same instant mql holds (fit 20+15+10 = 45 >= 30;
    // engagement 30 + the pricing visit's 10+1 decayed over 30 minutes =
    // 40.99 >= 40), so lead -> mql. Mon 9 Mar 11:00 sales accepts: sal.
    // sal -> sql never holds (budget false, no economic buyer, timeline
    // unknown: at most 2 of 4). sal -> recycled after 60 calendar days:
    // Fri 8 May 11:00 London, which is BST, so 10:00Z.
    assert_eq!(
        path,
        [
            ("subscriber", "2026-03-02T08:00:00Z"),
            ("lead", "2026-03-06T16:30:00Z"),
            ("mql", "2026-03-06T16:30:00Z"),
            ("sal", "2026-03-09T11:00:00Z"),
            ("recycled", "2026-05-08T10:00:00Z"),
        ]
    );
    // As the JSON writes it.
    let written = crate::journey_json(&p, j);
    let path = &written["path"];
    assert_eq!(path[2]["trigger"]["kind"], "when");
    assert_eq!(path[2]["trigger"]["criteria"], "mql");
    assert_eq!(path[2]["trigger"]["touchpoint"], "demo_request");
    assert_eq!(path[4]["label"], "stalled after acceptance");
    assert_eq!(view.stage(), "recycled");
    // A detour does not erase the furthest success-path stage.
    assert_eq!(view.highest(), Some("sal"));
    assert_eq!(written["criteria"]["sql"]["clauses"]["timeline"], "unknown");
    assert_eq!(written["criteria"]["sql"]["clauses"]["need"], true);
    let slas = written["slas"].as_array().unwrap();
    let sla = |name: &str| slas.iter().find(|s| s["sla"] == name).unwrap();
    // 16 business hours from Fri 16:30: 1h on Friday, 8.5h Monday, 6.5h
    // Tuesday -> Tue 10 Mar 15:30 (GMT). Met by Monday's connected call
    // after 1h Friday + 1h Monday of business time.
    let follow_up = sla("mql_follow_up");
    assert_eq!(follow_up["due"], "2026-03-10T15:30:00Z");
    assert_eq!(follow_up["status"], "met");
    assert_eq!(follow_up["elapsed_business_hours"], 2);
    // 48h from Fri 16:30 is Sun 16:30; feedback came Mon 11:00: 18.5h late.
    let feedback = sla("lead_feedback");
    assert_eq!(feedback["due"], "2026-03-08T16:30:00Z");
    assert_eq!(feedback["status"], "breached");
    assert_eq!(feedback["late_by_hours"], 18.5);
    // Entering recycled opens the nurture SLA: 7 days, unmet by June.
    let nurture = sla("recycled_nurture");
    assert_eq!(nurture["due"], "2026-05-15T10:00:00Z");
    assert_eq!(nurture["status"], "overdue");
    // The account became engaged when the demo request made its one
    // member engaged (engagement >= 20).
    let a = AccountJourneyView::new(&p, &e.accounts[0]);
    assert_eq!(a.stage(), "engaged");
    assert_eq!(a.since(), "2026-03-06T16:30:00Z");
    insta::assert_json_snapshot!(written);
}

/// One visit at 1 Jan 00:00 UTC. `recent` stops holding when its 7-day
/// window ends (8 Jan 00:00): warm -> quiet then, between events. Heat is
/// 100 x 0.5^(t / 10 days): exactly 25 at 20 days, below 25 one
/// millisecond later, so quiet -> cooled at 21 Jan 00:00:00.001.
#[test]
fn timers_fire_exactly_between_events() {
    let p = policy("tests/fixtures/eval/decay/policy.detente");
    let e = replay(&p, "decay", "2026-03-01");
    let j = JourneyView::new(&p, &e.journeys[0]);
    let steps = j.path();
    let entered: Vec<&str> = steps.iter().map(|s| s.entered.as_str()).collect();
    assert_eq!(
        entered,
        [
            "2026-01-01T00:00:00Z",
            "2026-01-08T00:00:00Z",
            "2026-01-21T00:00:00Z"
        ]
    );
    assert_eq!(j.stage(), "cooled");
    // At 1 March, 59 days on: 100 x 0.5^5.9 = 100 / 59.71 = 1.67.
    assert_eq!(j.score("heat").map(|x| x.value()), Some(1.67));
}

#[test]
fn the_result_does_not_depend_on_row_order() {
    let p = policy("tests/fixtures/design/language.detente");
    let dir = tempfile::tempdir().unwrap();
    let src = root().join("tests/fixtures/eval/design-journey");
    for f in ["contacts.csv", "accounts.csv"] {
        std::fs::copy(src.join(f), dir.path().join(f)).unwrap();
    }
    let events = std::fs::read_to_string(src.join("events.csv")).unwrap();
    let mut lines: Vec<&str> = events.lines().collect();
    let header = lines.remove(0);
    lines.reverse();
    std::fs::write(
        dir.path().join("events.csv"),
        format!("{header}\n{}\n", lines.join("\n")),
    )
    .unwrap();
    let load_dir = |d: &std::path::Path| {
        let sources: Vec<Source> = [
            (RecordKind::Contacts, "contacts.csv"),
            (RecordKind::Accounts, "accounts.csv"),
            (RecordKind::Events, "events.csv"),
        ]
        .into_iter()
        .map(|(k, f)| Source::new(k, d.join(f)))
        .collect();
        let h = load(&p, &sources).unwrap();
        crate::journeys_json(&p, &evaluate(&p, &h, None))
    };
    assert_eq!(load_dir(&src), load_dir(dir.path()));
}

/// The API's answer to `contacts` under the policy `text`.
fn answer_of(text: &str, contacts: serde_json::Value) -> serde_json::Value {
    let p = Policy::compile(text).unwrap();
    let request = detente::data::request::Request::from_json(contacts).unwrap();
    let classified = detente::eval::classify::classify(&p, request, None).unwrap();
    serde_json::to_value(detente::json::ClassifiedJson(&p, &classified)).unwrap()
}

/// Merges that cannot be made as written are reported with their codes,
/// in the API's answer and in the report: by hand, `c-1` merges into
/// `c-404`, which no row names (R002), and `c-3` merges back into `c-2`
/// a day after `c-2` merged into it (R003).
#[test]
fn replay_problems_carry_their_codes() {
    let answer = answer_of(
        r#"
policy "Tiny" { teams marketing }
event form_submit { form: text }
lifecycle contact {
  stage lead initial owner marketing
  stage mql final owner marketing
  lead -> mql on form_submit
}
"#,
        serde_json::json!({"contacts": [
            {"id": "c-1", "events": [{"at": "2026-03-02T09:00:00Z", "type": "merge", "into": "c-404"}]},
            {"id": "c-2", "events": [{"at": "2026-03-02T09:00:00Z", "type": "merge", "into": "c-3"}]},
            {"id": "c-3", "events": [{"at": "2026-03-03T09:00:00Z", "type": "merge", "into": "c-2"}]},
        ]}),
    );
    let problems: Vec<(&str, &str)> = answer["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["code"].as_str().unwrap(), x["contact"].as_str().unwrap()))
        .collect();
    assert_eq!(problems, [("R002", "c-1"), ("R003", "c-3")], "{answer}");
    assert!(
        answer["problems"][0]["message"]
            .as_str()
            .unwrap()
            .contains("`c-404`")
    );
}

/// A calculation with no value though its operands have one is reported
/// (R004), not silently read as unknown: by hand, c-1's 5000 / 0 has no
/// value at its creation (9:00), so it stays a lead with the problem on
/// its journey; c-2's 5000 / 5 = 1000 moves it to mql, with no problem.
#[test]
fn a_division_by_zero_in_a_condition_is_reported() {
    let answer = answer_of(
        r#"
policy "Tiny" { teams marketing }
contact { revenue: number  employees: number }
event form_submit { form: text }
lifecycle contact {
  stage lead initial owner marketing
  stage mql final owner marketing
  lead -> mql when contact.revenue / contact.employees >= 1000
}
"#,
        serde_json::json!({"contacts": [
            {"id": "c-1", "created_at": "2026-03-02T09:00:00Z", "revenue": 5000, "employees": 0},
            {"id": "c-2", "created_at": "2026-03-02T09:00:00Z", "revenue": 5000, "employees": 5},
        ]}),
    );
    let journeys = answer["journeys"].as_array().unwrap();
    assert_eq!(journeys[0]["stage"], "lead");
    assert_eq!(journeys[0]["problems"][0]["code"], "R004", "{answer}");
    let message = journeys[0]["problems"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("`contact.revenue / contact.employees`")
            && message.contains("2026-03-02T09:00:00Z")
            && message.contains("divides by zero"),
        "{message}"
    );
    assert_eq!(journeys[1]["stage"], "mql");
    assert!(journeys[1].get("problems").is_none(), "{answer}");
    assert_eq!(answer["problems"][0]["contact"], "c-1");
}

/// A calculation read only when the journey is written (a criteria no
/// move reads) is reported in the answer's problems as on the journey:
/// the two lists are taken once, after every value is worked out.
#[test]
fn a_calculation_read_only_by_the_journey_is_reported_in_both_lists() {
    let answer = answer_of(
        r#"
policy "Tiny" { teams marketing }
contact { revenue: number  employees: number }
event form_submit { form: text }
criteria big { owner marketing  per_head: contact.revenue / contact.employees >= 1000 }
lifecycle contact {
  stage lead initial owner marketing
  stage mql final owner marketing
  lead -> mql on form_submit
}
"#,
        serde_json::json!({"contacts": [
            {"id": "c-1", "created_at": "2026-03-02T09:00:00Z", "revenue": 5000, "employees": 0},
        ]}),
    );
    assert_eq!(
        answer["journeys"][0]["problems"][0]["code"], "R004",
        "{answer}"
    );
    assert_eq!(answer["problems"][0]["code"], "R004", "{answer}");
    assert_eq!(answer["problems"][0]["contact"], "c-1", "{answer}");
}
