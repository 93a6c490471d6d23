//! Deals as their own lifecycle: the one-row-per-deal export read in
//! place and checked against an independent computation, money counted
//! once per deal however many contacts it has, and what the checker and
//! the loader refuse about deals.

#![allow(
    clippy::indexing_slicing,
    reason = "JSON is read by key; a missing key reads as null and fails the assertion"
)]

use std::process::Command;
use std::str::FromStr;

use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::{Value as Json, json};

use detente::Policy;
use detente::data::{RecordKind, Source, load};

use crate::{detente, root, rows};

#[test]
fn the_pipeline_example_matches_an_independent_computation() {
    if Command::new("python3").arg("--version").output().is_err() {
        // CI has python3: a missing one there is a failure, not a skip.
        assert!(std::env::var_os("CI").is_none(), "python3 is missing on CI");
        eprintln!("skipped: no python3 on this machine");
        return;
    }
    let dir = root().join("examples/deals/pipeline");
    let run = |args: &[&str]| {
        let out = detente().current_dir(&dir).args(args).output().unwrap();
        assert!(out.status.success(), "{out:?}");
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), &out.stdout).unwrap();
        file
    };
    let as_of = "2025-06-30T23:59:59Z";
    let report = run(&["report", "--as-of", as_of, "-o", "json"]);
    let deals = run(&[
        "classify",
        "--lifecycle",
        "deal",
        "--as-of",
        as_of,
        "-o",
        "csv",
    ]);
    let check = Command::new("python3")
        .arg(dir.join("check.py"))
        .arg(report.path())
        .arg(deals.path())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&check.stdout);
    assert!(
        check.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(
        said.starts_with("every figure matches: 64 figures"),
        "{said}"
    );
}

/// A CSV file's rows.
fn records(path: &std::path::Path) -> Vec<csv::StringRecord> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    reader.records().map(Result::unwrap).collect()
}

/// `detente validate` in `dir`: the total row (read, accepted, rejected,
/// duplicates, skipped) and everything it printed.
fn validate_totals(dir: &std::path::Path) -> (Vec<u64>, String) {
    let out = detente()
        .current_dir(dir)
        .args(["validate"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let total = stdout
        .lines()
        .find(|l| l.starts_with("total"))
        .unwrap()
        .split_whitespace()
        .skip(1)
        .map(|n| n.parse::<u64>().unwrap())
        .collect();
    (total, stdout)
}

/// The manifest reads the export three times (deals, engage dates, close
/// dates): every row is accounted for, and none is rejected. The skipped
/// rows are worked out here from the file itself: the prospects' empty
/// engage dates, and the open deals the `when` turns away.
#[test]
fn the_pipeline_export_reads_in_place_with_nothing_rejected() {
    let dir = root().join("examples/deals/pipeline");
    let rows = records(&dir.join("data/sales_pipeline.csv"));
    let deals = rows.len() as u64;
    let no_engage = rows.iter().filter(|r| r[5].is_empty()).count() as u64;
    let open = rows
        .iter()
        .filter(|r| !matches!(&r[4], "Won" | "Lost"))
        .count() as u64;
    let (total, stdout) = validate_totals(&dir);
    // Each column is read by one of the file's three readings: none is
    // said to be unread.
    assert!(!stdout.contains("not in the policy's schema"), "{stdout}");
    let (read, skipped) = (3 * deals, no_engage + open);
    assert_eq!(total, vec![read, read - skipped, 0, 0, skipped], "{stdout}");
    assert!(
        stdout.contains(&format!("{no_engage} rows skipped: `engage_date` is empty")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("{open} rows not read, as the manifest's `when")),
        "{stdout}"
    );
}

const DEALS: &str = r#"
policy "Deals" { timezone "UTC" teams sales }
contact { title: text? }
deal { amount: money? owner: text? }
event deal_won { amount: money }
lifecycle contact {
  stage lead initial owner sales
  stage customer final owner sales
  lead -> customer on deal_won
}
lifecycle deal {
  stage open initial owner sales
  stage won final
  open -> won on deal_won
}
metric won_events = sum(deal_won.amount)
metric won_deals = sum(entered deal:won .amount)
metric deals_won = count(entered deal:won)
"#;

fn figure(json: &Json, name: &str) -> Decimal {
    let row = json["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == name)
        .unwrap();
    row["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| match &c["value"] {
            Json::String(s) => Decimal::from_str(s).unwrap(),
            Json::Number(n) => Decimal::from_str(&n.to_string()).unwrap(),
            other => panic!("{other}"),
        })
        .sum()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// However many contacts record a deal's win (and whether a deal's
    /// win is recorded by its contacts or only on the deal), its amount
    /// counts once: in the sum of won events and in the sum over deals
    /// entering `won`, both equal to the sum of the deals' amounts.
    #[test]
    fn money_counts_once_per_deal(
        deals in prop::collection::vec((1u32..50_000, 0usize..4, 0u32..60), 1..8),
    ) {
        let policy = Policy::compile(DEALS).unwrap();
        let mut deal_rows = Vec::new();
        let mut events = Vec::new();
        let mut expected = Decimal::ZERO;
        for (i, (amount, contacts, day)) in deals.iter().enumerate() {
            let id = format!("D{i}");
            let at = format!("2026-03-{:02}T10:00:00Z", 1 + day % 28);
            deal_rows.push(json!({"id": id, "account": "A1", "amount": amount.to_string()}));
            expected += Decimal::from(*amount);
            if *contacts == 0 {
                // Nobody's activity: the deal's own close.
                events.push(json!({"deal": id, "at": at, "type": "deal_won", "amount": amount.to_string()}));
            }
            for c in 0..*contacts {
                events.push(json!({
                    "contact": format!("c{i}-{c}"), "account": "A1", "deal": id,
                    "at": at, "type": "deal_won", "amount": amount.to_string(),
                }));
            }
        }
        let h = load(&policy, &[
            Source::inline(RecordKind::Deals, "deals", rows(Json::Array(deal_rows))),
            Source::inline(RecordKind::Events, "events", rows(Json::Array(events))),
        ]).unwrap();
        prop_assert_eq!(h.total().rejected, 0);
        let ev = policy.evaluate(&h, None);
        let report = detente::report::build(&policy, &h, &ev, &detente::report::Options::default());
        let json = serde_json::to_value(&report).unwrap();
        prop_assert_eq!(figure(&json, "won_events"), expected);
        prop_assert_eq!(figure(&json, "won_deals"), expected);
        prop_assert_eq!(figure(&json, "deals_won"), Decimal::from(deals.len()));
    }
}

#[test]
fn an_event_of_an_unknown_deal_is_set_aside_with_its_place() {
    let policy = Policy::compile(DEALS).unwrap();
    let h = load(
        &policy,
        &[
            Source::inline(
                RecordKind::Accounts,
                "accounts",
                rows(json!([{"id": "A1"}])),
            ),
            Source::inline(
                RecordKind::Deals,
                "deals",
                rows(json!([
                    {"id": "D1", "account": "A1"},
                    {"id": "D2", "account": "A9"},
                ])),
            ),
            Source::inline(
                RecordKind::Events,
                "events",
                rows(json!([
                    {"deal": "D1", "at": "2026-03-02T10:00:00Z", "type": "deal_won", "amount": "10"},
                    {"deal": "D7", "at": "2026-03-02T10:00:00Z", "type": "deal_won", "amount": "10"},
                ])),
            ),
        ],
    )
    .unwrap();
    let t = h.total();
    assert_eq!((t.read, t.accepted, t.rejected), (5, 4, 1));
    assert_eq!(t.read, t.accepted + t.rejected + t.duplicates + t.skipped);
    let found: Vec<(String, u64, String)> = h
        .problems
        .iter()
        .map(|p| (p.file.clone(), p.line, p.code.as_str().to_string()))
        .collect();
    assert_eq!(
        found,
        vec![
            ("deals".to_string(), 2, "D021".to_string()),
            ("events".to_string(), 2, "D021".to_string()),
        ]
    );
    assert!(
        h.problems[1]
            .reason
            .contains("deal `D7` is not in the deal files")
    );
}

/// A policy with a contact and a deal lifecycle; `contact_move` and
/// `deal_move` are one transition each, `extra` more definitions.
fn two_lifecycles(contact_move: &str, deal_move: &str, extra: &str) -> String {
    format!(
        r#"
policy "Deals" {{ timezone "UTC" teams sales }}
contact {{ title: text? }}
deal {{ amount: money? }}
event deal_won {{ amount: money }}
lifecycle contact {{
  stage lead initial owner sales
  stage customer final owner sales
  {contact_move}
}}
lifecycle deal {{
  stage open initial owner sales
  stage won final
  {deal_move}
}}
{extra}
"#
    )
}

fn codes(text: &str) -> Vec<String> {
    match Policy::compile(text) {
        Ok(_) => Vec::new(),
        Err(e) => e.problems.iter().map(|p| p.code_str()).collect(),
    }
}

#[test]
fn what_a_deal_condition_cannot_read_is_refused() {
    let fine = two_lifecycles(
        "lead -> customer on deal_won",
        "open -> won on deal_won where deal.amount > $10",
        "",
    );
    assert_eq!(codes(&fine), Vec::<String>::new());
    // A contact's field in the deal lifecycle: a deal has several contacts.
    let text = two_lifecycles(
        "lead -> customer on deal_won",
        "open -> won when contact.title == \"CEO\"",
        "",
    );
    assert_eq!(codes(&text), vec!["E024"]);
    // A deal's field in a contact's condition.
    let text = two_lifecycles(
        "lead -> customer on deal_won where deal.amount > $10",
        "open -> won on deal_won",
        "",
    );
    assert_eq!(codes(&text), vec!["E024"]);
    // A metric of deals cut by a contact's field, or of contacts by a
    // deal's.
    let moves = ("lead -> customer on deal_won", "open -> won on deal_won");
    let text = two_lifecycles(
        moves.0,
        moves.1,
        "metric won_by_title by contact.title = count(entered deal:won)",
    );
    assert_eq!(codes(&text), vec!["E042"]);
    let text = two_lifecycles(
        moves.0,
        moves.1,
        "metric customers_by_amount by deal.amount = count(entered customer)",
    );
    assert_eq!(codes(&text), vec!["E042"]);
    // A deal stage's filter reads the deal, not a contact.
    let text = two_lifecycles(
        moves.0,
        moves.1,
        "metric big_wins = count(entered deal:won where contact.title == \"CEO\")",
    );
    assert_eq!(codes(&text), vec!["E024"]);
}

#[test]
fn stream_says_it_does_not_replay_deals_yet() {
    let dir = root().join("examples/deals/pipeline");
    let out = detente()
        .current_dir(&dir)
        .args(["classify", "--stream", "-o", "jsonl"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("D006") && stderr.contains("does not replay deals yet"),
        "{stderr}"
    );
}

/// Contacts may read their deals' stages: the deals are replayed first,
/// and a contact moves at the instant its deal is won, by an event that
/// is only the deal's.
#[test]
fn a_contact_moves_when_its_deal_is_won() {
    let policy = Policy::compile(
        r#"
policy "Deals" { timezone "UTC" teams sales }
deal { amount: money? roles champion }
event deal_won { }
event visit { }
lifecycle contact {
  stage lead initial owner sales
  stage customer final owner sales
  lead -> customer when contact.deals.in(won) >= 1
}
lifecycle deal {
  stage open initial owner sales
  stage won final
  open -> won on deal_won where deal.has(champion)
}
"#,
    )
    .unwrap();
    let h = load(
        &policy,
        &[
            Source::inline(
                RecordKind::Contacts,
                "contacts",
                rows(json!([
                    {"id": "c-1", "account": "a-1", "created_at": "2026-03-01T09:00:00Z"},
                    {"id": "c-2", "account": "a-1", "created_at": "2026-03-01T09:00:00Z"},
                ])),
            ),
            Source::inline(
                RecordKind::Deals,
                "deals",
                rows(json!([
                    {"id": "D1", "account": "a-1", "created_at": "2026-03-02T09:00:00Z"},
                    {"id": "D2", "account": "a-1", "created_at": "2026-03-02T09:00:00Z"},
                ])),
            ),
            Source::inline(
                RecordKind::DealContacts,
                "deal_contacts",
                rows(json!([
                    {"deal": "D1", "contact": "c-1", "role": "champion"},
                    {"deal": "D2", "contact": "c-2"},
                ])),
            ),
            Source::inline(
                RecordKind::Events,
                "events",
                rows(json!([
                    {"deal": "D1", "at": "2026-03-05T10:00:00Z", "type": "deal_won"},
                    {"deal": "D2", "at": "2026-03-05T10:00:00Z", "type": "deal_won"},
                    {"contact": "c-2", "at": "2026-03-09T10:00:00Z", "type": "visit"},
                ])),
            ),
        ],
    )
    .unwrap();
    assert_eq!(h.total().rejected, 0, "{:?}", h.problems);
    let ev = policy.evaluate(&h, None);
    let stage = |j: &detente::eval::Journey| policy.ir().stage_name(j.stage).to_string();
    // D1 names a champion and is won; D2 names none and stays open.
    let deals: Vec<(String, String)> = ev
        .deals
        .iter()
        .map(|j| (j.contact.clone(), stage(j)))
        .collect();
    assert_eq!(
        deals,
        vec![("D1".into(), "won".into()), ("D2".into(), "open".into())]
    );
    // c-1 became a customer when D1 was won, not at its next event.
    let c1 = &ev.journeys[0];
    assert_eq!(
        (c1.contact.as_str(), stage(c1).as_str()),
        ("c-1", "customer")
    );
    assert_eq!(crate::at(c1.since), "2026-03-05T10:00:00.000Z");
    assert_eq!(stage(&ev.journeys[1]), "lead");
}

#[test]
fn deals_and_contacts_cannot_read_each_other() {
    let text = two_lifecycles(
        "lead -> customer when contact.deals.in(won) >= 1",
        "open -> won when deal.contacts.entered(customer) >= 1",
        "",
    );
    assert_eq!(codes(&text), vec!["E043"]);
}

#[test]
fn a_contact_row_of_an_undeclared_role_or_unknown_contact_is_set_aside() {
    let policy = Policy::compile(&two_lifecycles(
        "lead -> customer on deal_won",
        "open -> won on deal_won",
        "",
    ))
    .unwrap();
    let h = load(
        &policy,
        &[
            Source::inline(
                RecordKind::Contacts,
                "contacts",
                rows(json!([{"id": "c-1", "created_at": "2026-03-01T09:00:00Z"}])),
            ),
            Source::inline(RecordKind::Deals, "deals", rows(json!([{"id": "D1"}]))),
            Source::inline(
                RecordKind::DealContacts,
                "deal_contacts",
                rows(json!([
                    {"deal": "D1", "contact": "c-1", "role": "decision_maker"},
                    {"deal": "D1", "contact": "c-9"},
                    {"deal": "D9", "contact": "c-1"},
                    {"deal": "D1", "contact": "c-1"},
                ])),
            ),
        ],
    )
    .unwrap();
    let t = h.counts[&RecordKind::DealContacts];
    assert_eq!((t.read, t.accepted, t.rejected), (4, 1, 3));
    let found: Vec<(u64, &str)> = h
        .problems
        .iter()
        .map(|p| (p.line, p.code.as_str()))
        .collect();
    // The fourth row is kept, and said: D1 has no account, so it and c-1
    // are replayed apart.
    assert_eq!(
        found,
        vec![(1, "D022"), (2, "D022"), (3, "D021"), (4, "D022")]
    );
    assert_eq!(h.problems[3].severity, detente::data::Severity::Warning);
    assert!(
        h.problems[0]
            .reason
            .contains("`decision_maker` is not a role of the deal schema (it declares none)")
    );
}

#[test]
fn the_salesforce_examples_policy_tests_pass() {
    let out = detente()
        .current_dir(root().join("examples/deals/salesforce"))
        .args(["test"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("4 cases: 4 passed, 0 failed"),
        "{out:?}"
    );
}

/// Salesforce's four objects read in place: every row accounted for,
/// none rejected; the rows skipped are the contacts with no MQL date and
/// the history rows with no amount.
#[test]
fn the_salesforce_export_reads_in_place_with_nothing_rejected() {
    let dir = root().join("examples/deals/salesforce");
    let contacts = records(&dir.join("data/Contact.csv"));
    let no_mql = contacts.iter().filter(|r| r[4].is_empty()).count() as u64;
    let lines = |name: &str| {
        std::fs::read_to_string(dir.join("data").join(name))
            .unwrap()
            .lines()
            .count() as u64
            - 1
    };
    // The history is read twice: as stage changes, and its rows with an
    // amount as a deal-history table.
    let history = records(&dir.join("data/OpportunityHistory.csv"));
    let no_amount = history.iter().filter(|r| r[4].is_empty()).count() as u64;
    let read = 2 * lines("Contact.csv")
        + lines("Opportunity.csv")
        + 2 * lines("OpportunityHistory.csv")
        + lines("OpportunityContactRole.csv");
    let skipped = no_mql + no_amount;
    let (total, stdout) = validate_totals(&dir);
    assert_eq!(total, vec![read, read - skipped, 0, 0, skipped], "{stdout}");
}

/// A change to the deal lifecycle moves deals: stalling after 120 days
/// instead of 180 loses the deals that took longer to close, and every
/// deal still engaging after 120 days. Worked out from the export with the
/// rules of check.py: 36 won deals closed 121-180 days after engaging (to
/// the day), and the deals still engaging at the as-of time that had
/// engaged 120-179 days before it.
#[test]
fn diff_shows_who_moves_among_deals() {
    let dir = root().join("examples/deals/pipeline");
    let text = std::fs::read_to_string(dir.join("pipeline.detente")).unwrap();
    let changed = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(changed.path(), text.replace("after 180d", "after 120d")).unwrap();
    let out = detente()
        .current_dir(&dir)
        .args(["diff", "pipeline.detente"])
        .arg(changed.path())
        .args(["-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let json: Json = serde_json::from_slice(&out.stdout).unwrap();
    let cell = |old: &str, new: &str| {
        json["deals"]["matrix"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["old"] == old && c["new"] == new)
            .map_or(0, |c| c["count"].as_u64().unwrap())
    };
    let (won, engaging) = independent_stalls(&dir, 120, 180);
    assert_eq!(
        (cell("won", "lost"), cell("engaging", "lost")),
        (won, engaging)
    );
    assert_eq!(json["deals"]["changed"], won + engaging);
}

/// From the export alone: won deals whose cycle is over `new` days and at
/// most `old`, and deals open at the end of the data that had engaged at
/// least `new` and under `old` days before it.
fn independent_stalls(dir: &std::path::Path, new: i64, old: i64) -> (u64, u64) {
    let date = |s: &str| chrono::NaiveDate::parse_from_str(s, "%m/%d/%Y").unwrap();
    let rows = records(&dir.join("data/sales_pipeline.csv"));
    let last = rows
        .iter()
        .flat_map(|r| [&r[5], &r[6]])
        .filter(|s| !s.is_empty())
        .map(date)
        .max()
        .unwrap();
    let (mut won, mut engaging) = (0, 0);
    for r in &rows {
        if r[5].is_empty() {
            continue;
        }
        let engaged = date(&r[5]);
        let end = if r[6].is_empty() { last } else { date(&r[6]) };
        let days = (end - engaged).num_days();
        // A win on the day it would stall still counts (events come
        // before timers at one instant); a deal still engaging stalls at
        // the end of the data when its time is up exactly then.
        match &r[4] {
            "Won" if days > new && days <= old => won += 1,
            "Engaging" if days >= new && days < old => engaging += 1,
            _ => {}
        }
    }
    (won, engaging)
}

const LINKED: &str = r#"
policy "Linked" { timezone "Europe/London" teams marketing, sales }
contact { title: text? }
deal { amount: money? roles champion, buyer }
event visit { }
event became_mql { }
event engaged { }
event deal_won { }
event deal_lost { }
lifecycle contact {
  stage lead initial owner marketing
  stage mql owner marketing
  stage dormant final owner marketing
  lead -> mql on became_mql
  lead -> dormant after 30d
}
lifecycle deal {
  stage open initial owner sales
  stage engaging owner sales
  stage won final
  stage lost final detour
  open -> engaging on engaged
  open -> engaging when deal.contacts.in(mql) >= 2
  engaging -> won on deal_won where deal.has(buyer)
  engaging -> lost on deal_lost
  engaging -> lost after 20d
}
sla close_fast { owner sales starts on entering deal:engaging met on entering deal:won within 10d }
metric won = count(entered deal:won)
metric engaged_with_mql = count(entered deal:engaging where deal.contacts.entered(mql) >= 1)
"#;

/// A random deal: its account, the contacts it names (and whether as
/// its buyer), its events as (hour, type).
type RandomDeal = (u8, Vec<(u8, bool)>, Vec<(u16, u8)>);

/// Random deals of one or two accounts, and their contacts with their
/// events as (hour, type).
fn linked_rows(deals: &[RandomDeal], contacts: &[(u8, Vec<(u16, u8)>)]) -> Vec<Source> {
    let at = |h: u16| crate::at(1_772_000_000_000 + i64::from(h) * 3_600_000);
    let mut deal_rows = Vec::new();
    let mut links = Vec::new();
    let mut events = Vec::new();
    for (i, (account, named, evs)) in deals.iter().enumerate() {
        deal_rows.push(json!({"id": format!("D{i}"), "account": format!("a{}", account % 2)}));
        for (c, buyer) in named {
            let role = if *buyer { "buyer" } else { "champion" };
            links.push(
                json!({"deal": format!("D{i}"), "contact": format!("c{}", c % 4), "role": role}),
            );
        }
        for (h, t) in evs {
            let ty = ["engaged", "deal_won", "deal_lost"][usize::from(*t % 3)];
            events.push(json!({"deal": format!("D{i}"), "at": at(*h), "type": ty}));
        }
    }
    let mut contact_rows = Vec::new();
    for (c, (account, evs)) in contacts.iter().enumerate() {
        contact_rows.push(json!({"id": format!("c{c}"), "account": format!("a{}", account % 2), "created_at": at(0)}));
        for (h, t) in evs {
            let ty = ["visit", "became_mql"][usize::from(*t % 2)];
            events.push(json!({"contact": format!("c{c}"), "at": at(*h), "type": ty}));
        }
    }
    vec![
        Source::inline(
            RecordKind::Contacts,
            "contacts",
            rows(Json::Array(contact_rows)),
        ),
        Source::inline(RecordKind::Deals, "deals", rows(Json::Array(deal_rows))),
        Source::inline(
            RecordKind::DealContacts,
            "deal_contacts",
            rows(Json::Array(links)),
        ),
        Source::inline(RecordKind::Events, "events", rows(Json::Array(events))),
    ]
}

fn deal_journeys(policy: &Policy, ev: &detente::eval::Evaluation) -> String {
    let views: Vec<_> = ev
        .deals
        .iter()
        .map(|j| {
            detente::report::journey::DealJourneyView(detente::report::journey::JourneyView::new(
                policy, j,
            ))
        })
        .collect();
    serde_json::to_string(&views).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    /// Deals that read their contacts' stages: skipping the deals that
    /// cannot move gives the journeys trying every deal at every instant
    /// gives, and the order of the rows changes nothing.
    #[test]
    fn deal_replays_agree_and_do_not_depend_on_row_order(
        deals in prop::collection::vec(
            (0u8..2, prop::collection::vec((0u8..4, any::<bool>()), 0..3),
             prop::collection::vec((0u16..2000, 0u8..3), 0..5)),
            1..5),
        contacts in prop::collection::vec(
            (0u8..2, prop::collection::vec((0u16..2000, 0u8..2), 0..4)),
            4..5),
        reverse in any::<bool>(),
    ) {
        let policy = Policy::compile(LINKED).unwrap();
        let mut sources = linked_rows(&deals, &contacts);
        let h = load(&policy, &sources).unwrap();
        prop_assert_eq!(h.total().rejected, 0, "{:?}", h.problems);
        let fast = detente::eval::evaluate(&policy, &h, None);
        let all = detente::eval::evaluate_checking_everyone(&policy, &h, None);
        prop_assert_eq!(deal_journeys(&policy, &fast), deal_journeys(&policy, &all));
        prop_assert_eq!(crate::journeys_json(&policy, &fast), crate::journeys_json(&policy, &all));
        if reverse {
            sources.reverse();
            let h2 = load(&policy, &sources).unwrap();
            let again = detente::eval::evaluate(&policy, &h2, Some(fast.as_of));
            prop_assert_eq!(deal_journeys(&policy, &fast), deal_journeys(&policy, &again));
        }
    }
}

/// A deal's criteria read its fields and roles; a `deal_update` changes
/// a field from its instant on, and the deal moves then.
#[test]
fn a_deal_qualifies_when_an_update_meets_its_criteria() {
    let policy = Policy::compile(
        r#"
policy "Deal criteria" { timezone "UTC" teams sales }
deal { amount: money? roles buyer }
event deal_won { }
criteria qualified "Worth a proposal" for deal {
  owner sales
  buyer: deal.has(buyer)
  sized: deal.amount >= $1_000
}
lifecycle deal {
  stage open initial owner sales
  stage qualified owner sales
  stage won final
  open -> qualified when qualified
  qualified -> won on deal_won
}
"#,
    )
    .unwrap();
    let h = load(
        &policy,
        &[
            Source::inline(
                RecordKind::Contacts,
                "contacts",
                rows(json!([{"id": "c-1", "account": "a-1", "created_at": "2026-03-01T09:00:00Z"}])),
            ),
            Source::inline(
                RecordKind::Deals,
                "deals",
                rows(json!([
                    {"id": "D1", "account": "a-1", "created_at": "2026-03-02T09:00:00Z", "amount": "500"},
                    {"id": "D2", "account": "a-1", "created_at": "2026-03-02T09:00:00Z", "amount": "5000"},
                ])),
            ),
            Source::inline(
                RecordKind::DealContacts,
                "deal_contacts",
                rows(json!([
                    {"deal": "D1", "contact": "c-1", "role": "buyer"},
                ])),
            ),
            Source::inline(
                RecordKind::Events,
                "events",
                rows(json!([
                    {"deal": "D1", "at": "2026-03-04T10:00:00Z", "type": "deal_update", "amount": "1500"},
                    {"deal": "D2", "at": "2026-03-06T10:00:00Z", "type": "deal_won"},
                ])),
            ),
        ],
    )
    .unwrap();
    assert_eq!(h.total().rejected, 0, "{:?}", h.problems);
    let ev = policy.evaluate(&h, None);
    let d1 = &ev.deals[0];
    // D1 names its buyer, and its amount reaches $1,000 on 4 March.
    assert_eq!(policy.ir().stage_name(d1.stage), "qualified");
    assert_eq!(crate::at(d1.since), "2026-03-04T10:00:00.000Z");
    // D2 is big enough but names no buyer: never qualified, so its win
    // is not a move.
    let d2 = &ev.deals[1];
    assert_eq!(policy.ir().stage_name(d2.stage), "open");
    let json = serde_json::to_value(detente::report::journey::DealJourneyView(
        detente::report::journey::JourneyView::new(&policy, d2),
    ))
    .unwrap();
    assert_eq!(json["criteria"]["qualified"]["met"], false);
    assert_eq!(json["criteria"]["qualified"]["clauses"]["buyer"], false);
    assert_eq!(json["criteria"]["qualified"]["clauses"]["sized"], true);
    // A contact reads no deal criteria, and a deal none of a contact's.
    let text = two_lifecycles(
        "lead -> customer when big",
        "open -> won on deal_won",
        "criteria big for deal { large: deal.amount > $10 }",
    );
    assert_eq!(codes(&text), vec!["E024"]);
}

/// A deal and a contact it names in different accounts are replayed
/// apart: the row is kept, and said, not quietly read as nothing.
#[test]
fn a_deal_contact_of_another_account_is_said() {
    let policy = Policy::compile(&two_lifecycles(
        "lead -> customer on deal_won",
        "open -> won on deal_won",
        "",
    ))
    .unwrap();
    let h = load(
        &policy,
        &[
            Source::inline(
                RecordKind::Contacts,
                "contacts",
                rows(json!([
                    {"id": "c-1", "account": "a-1", "created_at": "2026-03-01T09:00:00Z"},
                    {"id": "c-2", "account": "a-2", "created_at": "2026-03-01T09:00:00Z"},
                ])),
            ),
            Source::inline(
                RecordKind::Deals,
                "deals",
                rows(json!([{"id": "D1", "account": "a-1"}, {"id": "D2"}])),
            ),
            Source::inline(
                RecordKind::DealContacts,
                "deal_contacts",
                rows(json!([
                    {"deal": "D1", "contact": "c-1"},
                    {"deal": "D1", "contact": "c-2"},
                    {"deal": "D2", "contact": "c-1"},
                ])),
            ),
        ],
    )
    .unwrap();
    let t = h.counts[&RecordKind::DealContacts];
    assert_eq!((t.accepted, t.rejected), (3, 0));
    let said: Vec<(u64, &str)> = h
        .problems
        .iter()
        .map(|p| (p.line, p.code.as_str()))
        .collect();
    assert_eq!(said, vec![(2, "D022"), (3, "D022")]);
    assert!(
        h.problems[0]
            .reason
            .contains("contact `c-2` belongs to account `a-2`, deal `D1` to account `a-1`")
    );
    assert!(h.problems[1].reason.contains("deal `D2` to no account"));
}

/// The deal exports in `examples/deals/` are what `detente generate
/// --deals` writes, byte for byte.
#[test]
fn generate_reproduces_the_committed_deal_exports() {
    for (shape, folder, files) in [
        (
            "pipeline",
            "examples/deals/pipeline/data",
            &["sales_pipeline.csv", "sales_teams.csv"][..],
        ),
        (
            "salesforce",
            "examples/deals/salesforce/data",
            &[
                "Opportunity.csv",
                "OpportunityHistory.csv",
                "OpportunityContactRole.csv",
                "Contact.csv",
            ][..],
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let out = detente()
            .args([
                "generate",
                "--deals",
                shape,
                "--from",
                "2024-01-01",
                "--to",
                "2025-06-30",
                "--out",
            ])
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        for f in files {
            assert!(
                std::fs::read(dir.path().join(f)).unwrap()
                    == std::fs::read(root().join(folder).join(f)).unwrap(),
                "{f} differs from {folder}: regenerate with `detente generate --deals {shape} --out {folder} --from 2024-01-01 --to 2025-06-30`"
            );
        }
    }
}

/// A deal's own event (a close date on a deal row, naming no contact)
/// happens in its account: the account lifecycle moves on it, an account
/// SLA is met by it, an account score earns points for it and the
/// account's history counts it, at its instant.
/// Before, the account never saw it: `on deal_won` in the account
/// lifecycle checked clean and never fired.
#[test]
fn an_account_moves_on_its_deals_own_events() {
    let policy = Policy::compile(
        r#"
policy "Accounts" { timezone "UTC" teams sales }
deal { amount: money? }
event deal_won { }
event call { }
lifecycle contact {
  stage lead initial owner sales
  stage done final owner sales
  lead -> done on deal_won
}
lifecycle account {
  stage prospect initial owner sales
  stage busy owner sales
  stage customer final owner sales
  prospect -> busy when count(call) >= 2
  busy -> customer on deal_won
}
score calls for account {
  owner sales
  each call => +5
}
sla close_it {
  owner sales
  starts on entering account:busy
  met on deal_won
  within 10d
}
lifecycle deal {
  stage open initial owner sales
  stage won final
  open -> won on deal_won
}
"#,
    )
    .unwrap();
    let h = load(
        &policy,
        &[
            Source::inline(
                RecordKind::Contacts,
                "contacts",
                rows(
                    json!([{"id": "c-1", "account": "a-1", "created_at": "2026-03-01T09:00:00Z"}]),
                ),
            ),
            Source::inline(
                RecordKind::Deals,
                "deals",
                rows(json!([{"id": "D1", "account": "a-1", "created_at": "2026-03-02T09:00:00Z"}])),
            ),
            Source::inline(
                RecordKind::Events,
                "events",
                rows(json!([
                    {"deal": "D1", "at": "2026-03-03T10:00:00Z", "type": "call"},
                    {"deal": "D1", "at": "2026-03-04T10:00:00Z", "type": "call"},
                    {"deal": "D1", "at": "2026-03-06T10:00:00Z", "type": "deal_won"},
                ])),
            ),
        ],
    )
    .unwrap();
    assert_eq!(h.total().rejected, 0, "{:?}", h.problems);
    let ev = policy.evaluate(&h, None);
    let account = &ev.accounts[0];
    let steps: Vec<(String, String)> = account
        .steps
        .iter()
        .map(|s| {
            (
                policy.ir().stage_name(s.stage).to_string(),
                crate::at(s.entered),
            )
        })
        .collect();
    assert_eq!(
        steps,
        vec![
            ("prospect".into(), "2026-03-01T09:00:00.000Z".into()),
            ("busy".into(), "2026-03-04T10:00:00.000Z".into()),
            ("customer".into(), "2026-03-06T10:00:00.000Z".into()),
        ]
    );
    assert_eq!(account.slas.len(), 1);
    assert_eq!(
        account.slas[0].instance.met_at.map(crate::at).as_deref(),
        Some("2026-03-06T10:00:00.000Z")
    );
    assert_eq!(account.scores.len(), 1);
    assert_eq!(account.scores[0].1, 10.0);
    // The deal's own event is nobody's activity: the contact stays a lead.
    assert_eq!(policy.ir().stage_name(ev.journeys[0].stage), "lead");
    assert_eq!(policy.ir().stage_name(ev.deals[0].stage), "won");
}
