//! The engine on random histories: whatever the events (reserved rows,
//! merges, moves by hand, date-only times, DST days, colleagues), replay
//! never panics, every journey is consistent with itself, explain and
//! coverage work for every contact, and a second replay is identical.

#![allow(
    clippy::indexing_slicing,
    reason = "the random rows index small constant tables by construction"
)]

use proptest::prelude::*;
use serde_json::{Map, Value as Json, json};

use detente::Policy;
use detente::data::{RecordKind, Source};
use detente::report::journey::{AccountJourneyView, JourneyView};

fn policy(name: &str) -> Policy {
    let text = std::fs::read_to_string(crate::root().join("policies").join(name)).unwrap();
    Policy::compile(&text).unwrap()
}

/// One random event row for the acme policy: `(contact, account, hour,
/// kind, variant, date_only)`.
type RawEvent = (usize, usize, u32, usize, usize, bool);

const CONTACTS: [&str; 5] = ["c-1", "c-2", "c-3", "c-4", "c-5"];
const ACCOUNTS: [&str; 3] = ["a-1", "a-2", "a-3"];

/// 2026-01-15T00:00Z; 250 days of hours reach past both DST changes.
pub(crate) const START: i64 = 1_768_435_200;

fn acme_row(e: &RawEvent, index: usize) -> Map<String, Json> {
    let (c, a, hour, kind, v, date_only) = *e;
    let secs = START + i64::from(hour) * 3600 + (index as i64 % 60) * 60;
    let at = chrono::DateTime::from_timestamp(secs, 0).unwrap();
    let at = if date_only {
        at.format("%Y-%m-%d").to_string()
    } else {
        at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    };
    let mut o = Map::new();
    o.insert("contact".into(), json!(CONTACTS[c % CONTACTS.len()]));
    if a < ACCOUNTS.len() {
        o.insert("account".into(), json!(ACCOUNTS[a]));
    }
    o.insert("at".into(), json!(at));
    // A few rows share an id so that dedupe runs too.
    if index % 7 == 3 {
        o.insert("id".into(), json!(format!("e-{}", index % 5)));
    }
    let pick = |xs: &[&str]| json!(xs[v % xs.len()]);
    let (ty, fields): (&str, Vec<(&str, Json)>) = match kind {
        0 => (
            "page_view",
            vec![(
                "url",
                pick(&["/pricing", "/customers/x", "/blog", "/pricing/team"]),
            )],
        ),
        1 => (
            "form_submit",
            vec![("form", pick(&["demo", "whitepaper", "ebook", "contact"]))],
        ),
        2 => (
            "email_click",
            vec![("campaign", pick(&["nurture-1", "launch", "NURTURE-x"]))],
        ),
        3 => ("webinar", vec![("name", pick(&["a", "b", "c"]))]),
        4 => (
            "sales_call",
            vec![("outcome", pick(&["connected", "voicemail", "no_answer"]))],
        ),
        5 => ("meeting", vec![("outcome", pick(&["held", "no_show"]))]),
        6 => (
            "sales_feedback",
            vec![("verdict", pick(&["accept", "reject", "accept"]))],
        ),
        7 => (
            "opportunity_created",
            vec![("amount", pick(&["12000", "50000", "0"]))],
        ),
        // Some deals are one opportunity won by two contacts: counted once.
        8 => (
            "deal_won",
            vec![
                ("amount", pick(&["12000", "99000"])),
                ("opportunity", pick(&["o-1", "", "o-2", ""])),
            ],
        ),
        9 => ("deal_lost", vec![("reason", pick(&["price", "timing"]))]),
        10 => ("churned", vec![]),
        11 => (
            "update",
            match v % 4 {
                0 => vec![("budget_confirmed", json!(true))],
                1 => vec![("title", pick(&["CFO", "VP Marketing", "Analyst"]))],
                2 => vec![("seniority", pick(&["executive", "ic"]))],
                _ => vec![("budget", json!("25000"))],
            },
        ),
        12 => (
            "account_update",
            vec![("employees", pick(&["10", "500", "5000"]))],
        ),
        13 => ("merge", vec![("into", pick(&CONTACTS))]),
        14 => (
            "set_stage",
            vec![(
                "stage",
                pick(&["mql", "sal", "recycled", "customer", "nope"]),
            )],
        ),
        // A type the policy does not know: rejected, never a panic.
        _ => ("mystery", vec![("x", json!(1))]),
    };
    o.insert("type".into(), json!(ty));
    for (k, val) in fields {
        o.insert(k.into(), val);
    }
    o
}

pub(crate) fn acme_sources(events: &[RawEvent], with_records: bool) -> Vec<Source> {
    let mut contacts = Vec::new();
    let mut accounts = Vec::new();
    if with_records {
        for (i, c) in CONTACTS.iter().enumerate().take(3) {
            let mut o = Map::new();
            o.insert("id".into(), json!(c));
            o.insert("account".into(), json!(ACCOUNTS[i % 2]));
            o.insert("created_at".into(), json!("2026-01-15T08:00:00Z"));
            o.insert("email".into(), json!(format!("p{i}@buyer.example")));
            o.insert("title".into(), json!(["Head of IT", "CFO", "Analyst"][i]));
            contacts.push(o);
        }
        for (i, a) in ACCOUNTS.iter().enumerate().take(2) {
            let mut o = Map::new();
            o.insert("id".into(), json!(a));
            o.insert("domain".into(), json!("buyer.example"));
            o.insert("employees".into(), json!(100 * (i + 1)));
            accounts.push(o);
        }
    }
    let rows = events
        .iter()
        .enumerate()
        .map(|(i, e)| acme_row(e, i))
        .collect();
    vec![
        Source::inline(RecordKind::Contacts, "contacts", contacts),
        Source::inline(RecordKind::Accounts, "accounts", accounts),
        Source::inline(RecordKind::Events, "events", rows),
    ]
}

pub(crate) fn raw_event() -> impl Strategy<Value = RawEvent> {
    (
        0usize..5,
        0usize..4,
        0u32..6000,
        0usize..16,
        0usize..12,
        prop::bool::weighted(0.1),
    )
}

/// What must hold of any journey, whatever the history.
fn check_journey(policy: &Policy, j: &detente::eval::Journey) -> Result<(), TestCaseError> {
    let view = JourneyView::new(policy, j);
    let path = view.path();
    let last = path
        .last()
        .ok_or_else(|| TestCaseError::fail("empty path"))?;
    prop_assert_eq!(last.stage.as_str(), view.stage());
    prop_assert_eq!(&last.entered, &view.since());
    let entered: Vec<&str> = path.iter().map(|s| s.entered.as_str()).collect();
    prop_assert_eq!(entered.len(), path.len());
    prop_assert!(
        entered.windows(2).all(|w| w[0] <= w[1]),
        "path goes back in time: {:?}",
        entered
    );
    for (name, v) in view.scores() {
        prop_assert!(v.value().is_finite(), "score {name} is {v}");
    }
    for s in &j.slas {
        prop_assert!(s.instance.started <= s.instance.due);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn replay_of_any_history_is_consistent_and_explainable(
        events in prop::collection::vec(raw_event(), 0..60),
        with_records in any::<bool>(),
        as_of_hour in prop::option::of(0i64..6000),
    ) {
        let policy = policy("acme.detente");
        let h = detente::data::load(&policy, &acme_sources(&events, with_records)).unwrap();
        for c in h.counts.values() {
            prop_assert_eq!(c.read, c.accepted + c.rejected + c.duplicates + c.skipped);
        }
        let as_of = as_of_hour.map(|x| (START + x * 3600) * 1000);
        let ev = detente::eval::evaluate(&policy, &h, as_of);
        for j in &ev.journeys {
            check_journey(&policy, j)?;
            prop_assert!(detente::eval::explain(&policy, &h, as_of, &j.contact).is_some(), "explain {} as_of {:?}", j.contact, as_of);
        }
        // An account has a journey only once one of its contacts has.
        for a in &ev.accounts {
            prop_assert!(
                ev.journeys.iter().any(|j| j.account.as_deref() == Some(a.account.as_str())),
                "account {} has a journey but none of its contacts has",
                a.account
            );
        }
        let again = detente::eval::evaluate(&policy, &h, as_of);
        prop_assert_eq!(
            crate::journeys_json(&policy, &ev),
            crate::journeys_json(&policy, &again)
        );
        let mut cov = detente::testing::coverage::Coverage::new(&policy);
        cov.add(&policy, &ev);
        prop_assert!(cov.transitions(&policy).covered <= cov.transitions(&policy).total);
    }
}

/// Acme, and acme with ways out that the shortcut must not skip: timed
/// leaves whose bound is a field or a score that does not decay (the
/// timer works the instant out from the bound's value), one that reads
/// the buying group, and one that reads `account.stage` (tried again when
/// the account moves). Contacts in those stages must be tried at
/// every colleague's event. A third makes the account move when its last
/// champion's engagement decays below 60: the timer search must find that
/// instant afresh whenever a member's engagement changes.
fn shortcut_policies() -> Vec<Policy> {
    let acme = std::fs::read_to_string(crate::root().join("policies/acme.detente")).unwrap();
    let untimed = acme
        .replace(
            "lead -> mql             when mql or (hand_raiser and fit >= 20)",
            "lead -> mql             when mql or (hand_raiser and fit >= 20) or days_since(pricing_visit) >= contact.timeline_days or engagement >= fit + 25",
        )
        .replace(
            "subscriber -> lead      on form_submit",
            "subscriber -> lead      on form_submit\n  subscriber -> lead      when group.size >= 3 as \"group\"",
        );
    assert_eq!(
        untimed
            .matches("contact.timeline_days or engagement")
            .count(),
        1
    );
    assert_eq!(untimed.matches("group.size >= 3").count(), 1);
    let cooling = acme.replace(
        "  engaged -> dormant    after 120d",
        "  engaged -> dormant    when group.count(champion) == 0 and group.engaged >= 1 and time_in_stage >= 14d as \"cooled\"\n  engaged -> dormant    after 120d",
    );
    assert_eq!(cooling.matches("\"cooled\"").count(), 1);
    // Conditions that start to hold as time passes the other way: a
    // decaying score falling to `<=`, colleagues' roles lapsing under
    // `<=`, a window closing under `not seen`.
    let fading = acme
        .replace(
            "  mql -> recycled         after 30d as \"no sales action in 30 days\"",
            "  mql -> recycled         when engagement <= 30 and time_in_stage >= 3d as \"faded\"\n  mql -> recycled         after 30d as \"no sales action in 30 days\"",
        )
        .replace(
            "  engaged -> dormant    after 120d",
            "  engaged -> dormant    when group.count(champion) <= 0 and group.engaged <= 1 and not seen(pricing_visit within 10d) and time_in_stage >= 20d as \"faded\"\n  engaged -> dormant    after 120d",
        );
    assert_eq!(fading.matches("\"faded\"").count(), 2);
    let account_stage = acme.replace(
        "  mql -> recycled         after 30d",
        "  mql -> sal              when account.stage == \"qualified\" as \"account qualified\"\n  mql -> recycled         after 30d",
    );
    assert_eq!(account_stage.matches("account qualified").count(), 1);
    vec![
        Policy::compile(&acme).unwrap(),
        Policy::compile(&untimed).unwrap(),
        Policy::compile(&cooling).unwrap(),
        Policy::compile(&fading).unwrap(),
        Policy::compile(&account_stage).unwrap(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// The replay tries only the members who can move at an instant; the
    /// design tries every member at every event of the account. Both give
    /// the same journeys, byte for byte.
    #[test]
    fn trying_only_members_who_can_move_changes_nothing(
        events in prop::collection::vec(raw_event(), 0..80),
        with_records in any::<bool>(),
        as_of_hour in prop::option::of(0i64..6000),
    ) {
        for policy in shortcut_policies() {
            let h = detente::data::load(&policy, &acme_sources(&events, with_records)).unwrap();
            let as_of = as_of_hour.map(|x| (START + x * 3600) * 1000);
            let fast = detente::eval::evaluate(&policy, &h, as_of);
            let all = detente::eval::evaluate_checking_everyone(&policy, &h, as_of);
            prop_assert_eq!(
                (crate::journeys_json(&policy, &fast), fast.problems.len()),
                (crate::journeys_json(&policy, &all), all.problems.len())
            );
        }
    }
}

/// `detente generate`'s data for `accounts` accounts, loaded.
fn generated(policy: &Policy, seed: u64, accounts: usize) -> detente::data::Histories {
    let options = detente::generate::Options {
        seed,
        accounts,
        ..Default::default()
    };
    let (mut c, mut a, mut e) = (Vec::new(), Vec::new(), Vec::new());
    detente::generate::generate(policy, &options, &mut c, &mut a, &mut e).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [("c.csv", &c), ("a.csv", &a), ("e.jsonl", &e)] {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    let sources = [
        Source::new(RecordKind::Contacts, dir.path().join("c.csv")),
        Source::new(RecordKind::Accounts, dir.path().join("a.csv")),
        Source::new(RecordKind::Events, dir.path().join("e.jsonl")),
    ];
    detente::data::load(policy, &sources).unwrap()
}

/// The same on generated data (buying groups of many members, a year of
/// activity): the example data's shape.
#[test]
fn the_shortcut_agrees_on_generated_accounts() {
    for policy in shortcut_policies() {
        let h = generated(&policy, 5, 60);
        let fast = detente::eval::evaluate(&policy, &h, None);
        let all = detente::eval::evaluate_checking_everyone(&policy, &h, None);
        assert!(fast.journeys.len() > 200);
        assert_eq!(
            crate::journeys_json(&policy, &fast),
            crate::journeys_json(&policy, &all)
        );
    }
}

/// Every generated contact's explanation names what moved it: no blanks,
/// no placeholders, one story line per step, local times throughout.
#[test]
fn every_generated_contact_has_a_complete_story() {
    let policy = policy("acme.detente");
    let h = generated(&policy, 11, 40);
    let ev = detente::eval::evaluate(&policy, &h, None);
    assert!(ev.journeys.len() > 100);
    for j in &ev.journeys {
        let (journey, exits, as_of) =
            detente::eval::explain(&policy, &h, None, &j.contact).unwrap();
        assert_eq!(&journey, j, "explain replays the same journey as classify");
        let text = detente::report::explain::render(&policy, &journey, &exits, as_of);
        let view = JourneyView::new(&policy, &journey);
        let story = detente::report::explain::story(&view, as_of);
        assert_eq!(story.len(), journey.facts.steps.len());
        for bad in ["  event", "`?`", "a  ", "Z ", "unknown event"] {
            assert!(
                !text.contains(bad),
                "{bad:?} in the story of {}:\n{text}",
                j.contact
            );
        }
        let final_stage = policy
            .ir()
            .stages
            .iter()
            .any(|s| s.name == view.stage() && s.is_final);
        assert!(
            final_stage || !exits.is_empty(),
            "{} has no exits",
            j.contact
        );
    }
}

/// A colleague's `account_update` is a check instant for a contact whose
/// way out reads account fields: c-1 asked for a demo but did not fit;
/// when c-2's row makes the account big and in software, c-1 becomes an
/// MQL at that instant, not at its own next event.
#[test]
fn a_colleagues_account_update_moves_a_contact_at_once() {
    let policy = policy("acme.detente");
    let row = |v: Json| -> Map<String, Json> { v.as_object().cloned().unwrap() };
    let contacts = vec![
        row(json!({"id": "c-1", "account": "a-1", "email": "a@buyer.example", "title": "Analyst"})),
        row(json!({"id": "c-2", "account": "a-1", "email": "b@buyer.example", "title": "Analyst"})),
    ];
    let accounts = vec![row(
        json!({"id": "a-1", "domain": "buyer.example", "employees": 10}),
    )];
    let events = vec![
        row(
            json!({"contact": "c-1", "at": "2026-03-02T10:00:00Z", "type": "form_submit", "form": "demo"}),
        ),
        row(
            json!({"contact": "c-2", "at": "2026-03-03T10:00:00Z", "type": "account_update", "employees": 5000, "industry": "software"}),
        ),
        row(
            json!({"contact": "c-1", "at": "2026-03-20T10:00:00Z", "type": "page_view", "url": "/blog"}),
        ),
    ];
    let sources = vec![
        Source::inline(RecordKind::Contacts, "contacts", contacts),
        Source::inline(RecordKind::Accounts, "accounts", accounts),
        Source::inline(RecordKind::Events, "events", events),
    ];
    let h = detente::data::load(&policy, &sources).unwrap();
    assert!(h.problems.is_empty(), "{:?}", h.problems);
    for ev in [
        detente::eval::evaluate(&policy, &h, None),
        detente::eval::evaluate_checking_everyone(&policy, &h, None),
    ] {
        let c1 = ev.journeys.iter().find(|j| j.contact == "c-1").unwrap();
        let path = JourneyView::new(&policy, c1).path();
        let mql = path.iter().find(|s| s.stage == "mql").unwrap();
        assert_eq!(mql.entered, "2026-03-03T10:00:00Z", "{path:?}");
    }
}

/// `acme_sources` of the rows grouped by account, as `--stream` needs
/// them: a contact's account is its record's, else its first event's,
/// else it is its own group. Stable, so each group keeps the rows' order.
/// Rows the policy rejects are left out: they place no contact.
fn grouped_sources(policy: &Policy, events: &[RawEvent], with_records: bool) -> Vec<Source> {
    let accepted = |e: &RawEvent| {
        let h = detente::data::load(policy, &acme_sources(&[*e], false)).unwrap();
        h.total().accepted == 1
    };
    let mut key_of: std::collections::HashMap<usize, (bool, usize)> = Default::default();
    let mut keyed: Vec<((bool, usize), RawEvent)> = Vec::new();
    for e in events.iter().filter(|e| accepted(e)) {
        let contact = e.0 % CONTACTS.len();
        let key = *key_of.entry(contact).or_insert_with(|| {
            if with_records && contact < 3 {
                (false, contact % 2)
            } else if e.1 < ACCOUNTS.len() {
                (false, e.1)
            } else {
                (true, contact)
            }
        });
        keyed.push((key, *e));
    }
    keyed.sort_by_key(|k| k.0);
    let rows: Vec<RawEvent> = keyed.into_iter().map(|(_, e)| e).collect();
    acme_sources(&rows, with_records)
}

/// What `classify --stream` would give, cut into batches of about
/// `batch_events`: the groups in order, every journey, every problem.
fn streamed(policy: &Policy, sources: &[Source], batch_events: usize, as_of: i64) -> String {
    let mut groups = Vec::new();
    let mut journeys = std::collections::BTreeMap::new();
    let mut problems = Vec::new();
    let rest = detente::data::load_grouped(policy, sources, batch_events, &mut |b| {
        let ev = detente::eval::evaluate(policy, &b.histories, Some(as_of));
        groups.extend(b.groups);
        for j in &ev.journeys {
            let view = JourneyView::new(policy, j);
            journeys.insert(j.contact.clone(), serde_json::to_string(&view).unwrap());
        }
        for a in &ev.accounts {
            journeys.insert(
                format!("account {}", a.account),
                serde_json::to_string(&AccountJourneyView::new(policy, a)).unwrap(),
            );
        }
        problems.extend(ev.problems.iter().map(|p| format!("{p:?}")));
        Ok(())
    })
    .unwrap();
    problems.sort();
    format!(
        "{groups:?}\n{journeys:?}\n{problems:?}\n{:?}\n{:?}",
        rest.problems,
        rest.total()
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// `--batch-events` changes memory use, never the output: merges
    /// across accounts, contacts whose later events name an account,
    /// repeated ids and moves by hand included.
    #[test]
    fn stream_batches_never_change_the_output(
        events in prop::collection::vec(raw_event(), 0..60),
        with_records in any::<bool>(),
        as_of_hour in 0i64..6000,
    ) {
        let policy = policy("acme.detente");
        let sources = grouped_sources(&policy, &events, with_records);
        let as_of = (START + as_of_hour * 3600) * 1000;
        let whole = streamed(&policy, &sources, 1 << 20, as_of);
        for n in [1, 30] {
            prop_assert_eq!(&streamed(&policy, &sources, n, as_of), &whole, "--batch-events {}", n);
        }
    }
}
