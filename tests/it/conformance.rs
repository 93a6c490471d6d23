//! Checks clean ⇒ evaluates correctly, for the forms this project's check
//! newly accepts or newly refuses: each cell is a condition or a metric in
//! the position it stands, either refused by `check` with its code, or
//! replayed on a small history and compared with a reference worked out
//! here from the inputs alone (a closed form, or a count by hand), never
//! from the engine's code.
//!
//! Positions covered: a transition's `when` (timed comparisons whose bound
//! is a field or a score that does not decay), a metric's `where` (event,
//! contact and account fields as they were at the event), and loops of
//! `when` moves (exclusive or not). The matrix of every form in every
//! position is `matrix.rs`.

use serde_json::{Value as Json, json};

use crate::{at, rows};

use detente::Policy;
use detente::data::{RecordKind, Source};
use detente::report::{Options, build};

const DAY: i64 = 86_400_000;
/// 2026-01-05T00:00:00Z, when every cell's first event happens.
const T0: i64 = 1_767_571_200_000;

/// The policy every cell fills in: `{WHEN}` is the condition of
/// `active -> off`, `{EXTRA}` more transitions or metrics.
const BASE: &str = r#"policy "Cell" {
  timezone "UTC"
  currency "USD"
  teams marketing, sales
  fiscal_year_starts january
}

contact {
  cycle: duration?
  wait: number?
  owner: text?
  level: number?
}

account {
  region: text?
}

event touch { }
event deal_won { amount: money }

score engagement {
  owner marketing
  decay half_life 10d
  range 0..100
  each touch => +40
}

score standing {
  owner marketing
  range 0..100
  contact.level >= 0 => +10
}

lifecycle contact {
  stage lead initial owner marketing
  stage active owner marketing
  stage off final owner marketing

  lead -> active on touch
  active -> off when {WHEN}
{EXTRA}}
{METRICS}
"#;

fn policy(when: &str, extra: &str, metrics: &str) -> Result<Policy, String> {
    let text = BASE
        .replace("{WHEN}", when)
        .replace("{EXTRA}", extra)
        .replace("{METRICS}", metrics);
    Policy::compile(&text).map_err(|d| d.to_string())
}

fn load(p: &Policy, contacts: Json, events: Json) -> detente::data::Histories {
    let accounts = json!([{"id": "a1", "region": "amer"}]);
    let sources = [
        Source::inline(RecordKind::Contacts, "contacts", rows(contacts)),
        Source::inline(RecordKind::Accounts, "accounts", rows(accounts)),
        Source::inline(RecordKind::Events, "events", rows(events)),
    ];
    let h = detente::data::load(p, &sources).unwrap();
    assert_eq!(h.total().rejected, 0, "{:?}", h.problems);
    h
}

/// When the one contact entered `off` (milliseconds), if it did.
fn entered_off(p: &Policy, level: f64, cycle: &str, wait: f64) -> Option<i64> {
    let contacts = json!([{"id": "c1", "account": "a1", "created_at": at(T0 - DAY),
        "cycle": cycle, "wait": wait, "level": level}]);
    let events = json!([{"contact": "c1", "at": at(T0), "type": "touch"}]);
    let h = load(p, contacts, events);
    let ev = detente::eval::evaluate(p, &h, Some(T0 + 200 * DAY));
    let off = p.ir().stage_id(detente::Lifecycle::Contact, "off")?;
    let j = ev.journeys.first()?;
    j.facts
        .steps
        .iter()
        .find(|s| s.stage == off)
        .map(|s| s.entered)
}

/// A timed comparison whose bound is a field or a score that does not
/// decay: the move happens at the instant the comparison flips.
#[test]
fn timed_comparisons_with_a_steady_bound_move_at_the_instant() {
    // (condition, level, cycle, wait, reference instant)
    let half_life = 10.0 * DAY as f64;
    let cells: [(&str, f64, &str, f64, i64); 5] = [
        // Stage `active` entered at T0: cycle 10 days later.
        (
            "time_in_stage >= contact.cycle",
            1.0,
            "10d",
            0.0,
            T0 + 10 * DAY,
        ),
        // The touch at T0: 7 days later.
        (
            "days_since(touch) >= contact.wait",
            1.0,
            "1d",
            7.0,
            T0 + 7 * DAY,
        ),
        // 40 points halving every 10 days reach 10 (standing) when
        // 40 × 2^(-t/10d) = 10: t = 10d × log2(4) = 20 days.
        (
            "engagement <= standing",
            1.0,
            "1d",
            0.0,
            T0 + (half_life * (40.0f64 / 10.0).log2()) as i64,
        ),
        // ... and reach contact.level = 20 at 10d × log2(2) = 10 days.
        (
            "engagement <= contact.level",
            20.0,
            "1d",
            0.0,
            T0 + (half_life * (40.0f64 / 20.0).log2()) as i64,
        ),
        // A bound computed from fields: 40 × 2^(-t/10d) = 5 at 30 days.
        (
            "engagement <= contact.level - 15",
            20.0,
            "1d",
            0.0,
            T0 + (half_life * 8.0f64.log2()) as i64,
        ),
    ];
    for (when, level, cycle, wait, reference) in cells {
        let p = policy(when, "", "").unwrap_or_else(|e| panic!("{when} should check: {e}"));
        let got =
            entered_off(&p, level, cycle, wait).unwrap_or_else(|| panic!("{when}: never moved"));
        // A decay crossing is found to the millisecond by search; the
        // closed form is a float. One second either way.
        assert!(
            (got - reference).abs() <= 1000,
            "{when}: moved at {}, reference {}",
            at(got),
            at(reference)
        );
    }
}

/// What the replay cannot time is refused with its code, never accepted
/// to move late.
#[test]
fn reads_of_time_the_replay_cannot_time_are_refused() {
    for (when, code) in [
        ("days_since(touch) * 2 >= 9", "E026"),
        ("engagement + standing <= 20", "E026"),
        ("days_since(touch) >= days_since(deal_won)", "E026"),
        ("time_in_stage * 2 >= 10d", "E024"),
    ] {
        let e = policy(when, "", "")
            .err()
            .unwrap_or_else(|| panic!("{when} checked clean"));
        assert!(e.contains(code), "{when}: {e}");
    }
}

/// A metric's `where` reads the event's fields and the contact's and
/// account's fields as they were when the event happened.
#[test]
fn metric_filters_read_fields_as_they_were_at_the_event() {
    let metrics = "metric by_owner = count(deal_won where contact.owner == \"ann\")\n\
                   metric by_region = count(deal_won where account.region == \"emea\")\n\
                   metric big_by_owner = count(deal_won where amount >= $150 and contact.owner == \"bob\")\n";
    let p = policy("time_in_stage >= 400d", "", metrics).unwrap();
    let contacts =
        json!([{"id": "c1", "account": "a1", "created_at": at(T0 - DAY), "owner": "ann"}]);
    // Day 1: a $100 win (owner ann, region amer). Day 2: the owner becomes
    // bob and the region emea. Day 3: a $200 win. Day 4: a $100 win.
    let events = json!([
        {"contact": "c1", "at": at(T0 + DAY), "type": "deal_won", "amount": "100"},
        {"contact": "c1", "at": at(T0 + 2 * DAY), "type": "update", "owner": "bob"},
        {"contact": "c1", "account": "a1", "at": at(T0 + 2 * DAY + 1000), "type": "account_update", "region": "emea"},
        {"contact": "c1", "at": at(T0 + 3 * DAY), "type": "deal_won", "amount": "200"},
        {"contact": "c1", "at": at(T0 + 4 * DAY), "type": "deal_won", "amount": "100"},
    ]);
    let h = load(&p, contacts, events);
    let ev = detente::eval::evaluate(&p, &h, Some(T0 + 10 * DAY));
    let r = build(&p, &h, &ev, &Options::default());
    let value = |name: &str| {
        let row = r.metrics.iter().find(|m| m.metric == name).unwrap();
        assert_eq!(row.values.len(), 1);
        row.values[0].value.clone()
    };
    // By hand: ann owned only the day-1 win; the region was emea for the
    // day-3 and day-4 wins; bob's wins of $150 or more: day 3 only.
    assert_eq!(value("by_owner"), json!(1));
    assert_eq!(value("by_region"), json!(2));
    assert_eq!(value("big_by_owner"), json!(1));
}

/// In a metric's `where`, what is about a contact as of now is refused.
#[test]
fn metric_filters_refuse_what_is_about_a_contact_now() {
    for metric in [
        "count(deal_won where engagement >= 1)",
        "count(deal_won where seen(touch))",
        "count(deal_won where time_in_stage >= 1d)",
        "count(deal_won where days_since(touch) >= 1)",
    ] {
        let e = policy(
            "time_in_stage >= 400d",
            "",
            &format!("metric m = {metric}\n"),
        )
        .err()
        .unwrap_or_else(|| panic!("{metric} checked clean"));
        assert!(e.contains("E024"), "{metric}: {e}");
    }
}

/// A loop of `when` moves whose conditions exclude each other checks
/// clean and cannot chain at one instant; one whose conditions can both
/// hold is E033.
#[test]
fn loops_of_exclusive_moves_check_and_do_not_chain() {
    let exclusive = "  active -> lead when contact.owner == \"bob\"\n  lead -> active when contact.owner == \"ann\"\n";
    let p = policy("time_in_stage >= 400d", exclusive, "").unwrap();
    let contacts = json!([{"id": "c1", "account": "a1", "created_at": at(T0), "owner": "ann"}]);
    let events = json!([
        {"contact": "c1", "at": at(T0 + DAY), "type": "update", "owner": "bob"},
        {"contact": "c1", "at": at(T0 + 2 * DAY), "type": "update", "owner": "ann"},
    ]);
    let h = load(&p, contacts, events);
    let ev = detente::eval::evaluate(&p, &h, Some(T0 + 3 * DAY));
    assert!(ev.problems.is_empty(), "{:?}", ev.problems);
    let steps = detente::report::journey::JourneyView::new(&p, &ev.journeys[0]).path();
    let stages: Vec<&str> = steps.iter().map(|s| s.stage.as_str()).collect();
    // By hand: created as ann (lead, then active at once), bob on day 1 (back
    // to lead), ann on day 2 (active again).
    assert_eq!(stages, ["lead", "active", "lead", "active"]);

    let overlapping =
        "  active -> lead when contact.level >= 3\n  lead -> active when contact.level >= 5\n";
    let e = policy("time_in_stage >= 400d", overlapping, "")
        .err()
        .unwrap();
    assert!(e.contains("E033"), "{e}");
}
