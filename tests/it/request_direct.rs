//! `Request::from_slice_for` reads the usual request in one pass and
//! leaves every other to the general reader: whatever the JSON, the
//! histories (or the error) are the general reader's. Random requests
//! mix good and bad values, repeated keys, `null`s, numbers for text,
//! nested and listed accounts, unknown keys and event types, in any key
//! order, so both ways of reading are tried on the same text.

#![allow(
    clippy::indexing_slicing,
    reason = "the random requests index small constant tables by construction"
)]

use proptest::prelude::*;
use serde_json::{Value as Json, json};

use detente::Policy;
use detente::data::request::Request;

fn acme() -> Policy {
    let text = std::fs::read_to_string(crate::root().join("policies/acme.detente")).unwrap();
    Policy::compile(&text).unwrap()
}

/// Both readings of `text`: the rows, or the error, must be the same
/// (notes about unread columns aside: the API never shows them).
fn same_either_way(policy: &Policy, text: &[u8]) -> Result<(), TestCaseError> {
    let general = Request::from_slice(text).map(|r| {
        (
            r.as_of.clone(),
            r.is_single_contact(),
            r.first_contact_id().map(str::to_string),
            r.into_histories(policy),
        )
    });
    let direct = Request::from_slice_for(policy, text).map(|r| {
        (
            r.as_of.clone(),
            r.is_single_contact(),
            r.first_contact_id().map(str::to_string),
            r.into_histories(policy),
        )
    });
    let clean = |x: Result<_, detente::data::request::Unreadable>| {
        x.map(
            |(as_of, single, first, h): (_, _, _, Result<(detente::data::Histories, _), _>)| {
                (
                    as_of,
                    single,
                    first,
                    h.map(|(mut h, w)| {
                        h.notes.clear();
                        (h, w)
                    }),
                )
            },
        )
        .map_err(|e| e.to_string())
    };
    let (g, d) = (clean(general), clean(direct));
    prop_assert_eq!(g, d, "{}", String::from_utf8_lossy(text));
    Ok(())
}

/// Values for a key: mostly good for the acme schema, some not.
fn value() -> impl Strategy<Value = Json> {
    prop_oneof![
        6 => prop::sample::select(vec![
            json!("VP Sales"), json!("  padded  "), json!(""), json!("   "),
            json!("executive"), json!("Executive"), json!("demo"), json!("/pricing"),
            json!("accept"), json!("held"), json!("2026-03-02"), json!("2026-03-02T10:00:00Z"),
            json!("2026-03-04T10:00:00+01:00"), json!("soon"), json!("$25000"), json!("20k"),
            json!("true"), json!("yes"), json!("48h"), json!("a-1"), json!("c-1"),
            json!("vp@big.example"), json!("x@gmail.com"), json!("esc\"aped\u{e9}"),
        ]),
        2 => prop::sample::select(vec![
            json!(null), json!(true), json!(false), json!(0), json!(7), json!(-3),
            json!(900), json!(12.5), json!(1e3), json!([1, 2]), json!({"a": 1}),
        ]),
    ]
}

fn key(pool: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::sample::select(pool).prop_map(str::to_string)
}

const CONTACT_KEYS: &[&str] = &[
    "id",
    "id",
    "email",
    "title",
    "seniority",
    "department",
    "budget_confirmed",
    "budget",
    "timeline_days",
    "consent_given_on",
    "last_enriched_at",
    "expected_cycle",
    "owner",
    "created_at",
    "stage",
    "stage_since",
    "account",
    "unknown",
];
const ACCOUNT_KEYS: &[&str] = &[
    "id",
    "id",
    "domain",
    "employees",
    "industry",
    "region",
    "annual_revenue",
    "other",
];
const EVENT_KEYS: &[&str] = &[
    "url",
    "form",
    "campaign",
    "name",
    "outcome",
    "verdict",
    "reason",
    "amount",
    "id",
    "account",
    "opportunity",
    "extra",
];
const TYPES: &[&str] = &[
    "page_view",
    "form_submit",
    "email_click",
    "webinar",
    "sales_call",
    "meeting",
    "sales_feedback",
    "opportunity_created",
    "deal_won",
    "churned",
    "nope",
    "update",
    " page_view ",
];

/// A value the acme schema reads well under `key`.
fn good(key: &str) -> Vec<Json> {
    match key {
        "seniority" => vec![json!("director"), json!("executive"), json!(null)],
        "budget_confirmed" => vec![json!(true), json!("no")],
        "budget" | "annual_revenue" | "amount" => vec![json!(25000), json!("$20000"), json!(12.5)],
        "timeline_days" | "employees" => vec![json!(90), json!("120"), json!(null)],
        "consent_given_on" => vec![json!("2026-01-05"), json!(null)],
        "last_enriched_at" | "stage_since" => {
            vec![json!("2026-01-02T08:00:00Z"), json!("2026-01-02")]
        }
        // Mid-March: some events come before it, which the loader warns
        // about.
        "created_at" => vec![json!("2026-01-02T08:00:00Z"), json!("2026-03-15")],
        "expected_cycle" => vec![json!("30d"), json!("48h")],
        "stage" => vec![json!("lead"), json!("mql"), json!(null)],
        "region" => vec![json!("amer"), json!("apac")],
        "outcome" => vec![json!("connected"), json!("held")],
        "verdict" => vec![json!("accept"), json!("reject")],
        "id" => vec![json!("e-1"), json!("e-2"), json!(3)],
        "account" => vec![json!("a-1"), json!(12)],
        _ => vec![json!("some text"), json!("/pricing"), json!("demo")],
    }
}

/// An object of up to `n` keys from `pool`, each value mostly one the
/// schema reads well, sometimes anything.
fn object(pool: &'static [&'static str], n: usize) -> impl Strategy<Value = Vec<(String, Json)>> {
    let entry = (
        key(pool),
        prop::bool::weighted(0.85),
        any::<prop::sample::Index>(),
        value(),
    )
        .prop_map(|(k, well, i, v)| {
            let v = if well { i.get(&good(&k)).clone() } else { v };
            (k, v)
        });
    prop::collection::vec(entry, 0..n)
}

/// An event: usually a known type at a good time, with random extras.
fn event() -> impl Strategy<Value = Vec<(String, Json)>> {
    (
        prop::sample::select(TYPES),
        0u32..40,
        prop::bool::weighted(0.9),
        object(EVENT_KEYS, 4),
        prop::bool::weighted(0.05),
        0usize..4,
    )
        .prop_map(|(ty, day, good_time, mut extra, name_contact, type_at)| {
            let at = if good_time {
                json!(format!("2026-03-{:02}T10:00:00Z", day % 28 + 1))
            } else {
                json!("whenever")
            };
            let mut e = vec![("at".to_string(), at)];
            // The field its type requires, mostly.
            let needs = match ty {
                "page_view" => Some(("url", json!("/pricing"))),
                "form_submit" => Some(("form", json!("demo"))),
                "email_click" => Some(("campaign", json!("nurture-1"))),
                "webinar" => Some(("name", json!("roi"))),
                "sales_call" => Some(("outcome", json!("connected"))),
                "meeting" => Some(("outcome", json!("held"))),
                "sales_feedback" => Some(("verdict", json!("accept"))),
                "opportunity_created" | "deal_won" => Some(("amount", json!(5000))),
                _ => None,
            };
            if let Some((k, v)) = needs.filter(|_| day % 8 != 0) {
                e.push((k.to_string(), v));
            }
            if name_contact {
                e.push(("contact".into(), json!("c-1")));
            }
            // The type anywhere among the fields.
            let at = type_at.min(extra.len());
            extra.insert(at, ("type".into(), json!(ty)));
            e.extend(extra);
            e
        })
}

/// An account: mostly with its id and the fields acme requires.
fn account() -> impl Strategy<Value = Vec<(String, Json)>> {
    (
        object(ACCOUNT_KEYS, 4),
        prop::bool::weighted(0.85),
        prop::bool::weighted(0.85),
    )
        .prop_map(|(extra, id, required)| {
            let mut a = Vec::new();
            if id {
                a.push(("id".to_string(), json!("a-1")));
            }
            if required {
                a.push(("domain".to_string(), json!("big.example")));
                a.push(("employees".to_string(), json!(500)));
            }
            a.extend(extra);
            a
        })
}

/// A contact: an id (mostly), fields, an account (an id or nested), events.
fn contact() -> impl Strategy<Value = Vec<(String, Json)>> {
    (
        prop::sample::select(vec![
            json!("c-1"),
            json!("c-2"),
            json!(" c-3 "),
            json!(4),
            json!("c-5"),
            json!("c-6"),
            json!("c-7"),
            json!(""),
            json!(null),
        ]),
        prop::bool::weighted(0.95),
        object(CONTACT_KEYS, 5),
        prop_oneof![
            Just(None),
            prop::sample::select(vec![json!("a-1"), json!(12), json!(null), json!("")])
                .prop_map(Some),
            account().prop_map(|a| Some(Json::Object(a.into_iter().collect()))),
        ],
        prop::collection::vec(event(), 0..6),
        prop::bool::weighted(0.5),
    )
        .prop_map(|(id, has_id, extra, account, events, events_first)| {
            let mut c: Vec<(String, Json)> = Vec::new();
            let events = (
                "events".to_string(),
                Json::Array(
                    events
                        .into_iter()
                        .map(|e| Json::Object(e.into_iter().collect()))
                        .collect(),
                ),
            );
            if events_first {
                c.push(events.clone());
            }
            if has_id {
                c.push(("id".into(), id));
            }
            // Good fields the schema requires, then random ones (which may
            // repeat them).
            c.push(("email".into(), json!("vp@big.example")));
            c.push(("title".into(), json!("VP Sales")));
            c.extend(extra);
            if let Some(a) = account {
                c.push(("account".into(), a));
            }
            if !events_first {
                c.push(events);
            }
            c
        })
}

/// An object written with its keys in the given order, repeats kept
/// (a `serde_json::Map` would drop them).
fn write(object: &[(String, Json)]) -> String {
    let parts: Vec<String> = object
        .iter()
        .map(|(k, v)| format!("{}:{}", Json::String(k.clone()), v))
        .collect();
    format!("{{{}}}", parts.join(","))
}

/// A whole request: `{"contacts": [...]}` (with accounts and `as_of`
/// sometimes), or a single contact.
fn request() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(contact(), 0..4),
        prop::collection::vec(account(), 0..3),
        prop::sample::select(vec![
            None,
            None,
            None,
            Some(json!("2026-04-01")),
            Some(json!(null)),
            Some(json!("later")),
            Some(json!(3)),
        ]),
        prop::bool::weighted(0.3),
    )
        .prop_map(|(contacts, accounts, as_of, single)| {
            let contacts: Vec<String> = contacts.iter().map(|c| write(c)).collect();
            if single && let Some(first) = contacts.first() {
                return match &as_of {
                    Some(t) => format!("{{\"as_of\":{t},{}", &first[1..]),
                    None => first.clone(),
                };
            }
            let mut top = vec![format!("\"contacts\":[{}]", contacts.join(","))];
            if !accounts.is_empty() {
                let listed: Vec<String> = accounts.iter().map(|a| write(a)).collect();
                top.push(format!("\"accounts\":[{}]", listed.join(",")));
            }
            if let Some(t) = as_of {
                top.push(format!("\"as_of\":{t}"));
            }
            format!("{{{}}}", top.join(","))
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn direct_reads_as_the_general_way(text in request()) {
        let policy = acme();
        same_either_way(&policy, text.as_bytes())?;
    }
}

/// The shapes fixture (every wrong shape of request the tests know) and
/// the load test's body read the same both ways.
#[test]
fn known_requests_read_the_same_either_way() {
    let policy = acme();
    let shapes =
        std::fs::read_to_string(crate::root().join("tests/fixtures/stdin/shapes.jsonl")).unwrap();
    for line in shapes.lines() {
        same_either_way(&policy, line.as_bytes()).unwrap();
    }
    let body = std::fs::read(crate::root().join("bench/api_body.json")).unwrap();
    same_either_way(&policy, &body).unwrap();
}
