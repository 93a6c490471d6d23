//! The engine on one contact and on one account, with `policies/acme.detente`
//! (issue #5's micro-benchmarks):
//! - classify one contact with 50 events (rows read and checked, replayed,
//!   journey built), and the replay alone;
//! - evaluate one account of 20 contacts with 10 events each;
//! - one API request as `bench/serve-load.sh` sends it (a contact with 20
//!   events and its account nested): body bytes parsed, classified and
//!   the answer written, everything `POST /v1/classify` does but HTTP.
//!
//! Measured with mimalloc, the `detente` binary's allocator.
//!
//! Run: `cargo bench --bench engine`
#![expect(clippy::expect_used, reason = "a benchmark of valid inputs")]
#![allow(
    clippy::indexing_slicing,
    reason = "indexes are taken modulo the constant tables they index"
)]

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use serde_json::{Value as Json, json};

use detente::Policy;
use detente::data::request::Request;
use detente::eval::classify::classify;

/// Marketing's touches: visits, clicks, downloads, webinars.
fn kinds() -> [Json; 6] {
    [
        json!({"type": "page_view", "url": "/pricing"}),
        json!({"type": "page_view", "url": "/docs/api"}),
        json!({"type": "page_view", "url": "/customers/northwind"}),
        json!({"type": "email_click", "campaign": "nurture-q1"}),
        json!({"type": "form_submit", "form": "whitepaper"}),
        json!({"type": "webinar", "name": "roi"}),
    ]
}

/// `n` events over two months: visits, content, clicks, webinars, then a
/// demo request, a call, sales acceptance and a meeting (acme's types).
fn events(n: usize, seed: usize) -> Vec<Json> {
    let kinds = kinds();
    let tail = [
        json!({"type": "form_submit", "form": "demo"}),
        json!({"type": "sales_call", "outcome": "connected"}),
        json!({"type": "sales_feedback", "verdict": "accept"}),
        json!({"type": "meeting", "outcome": "held"}),
    ];
    (0..n)
        .map(|i| {
            let mut e = if i + tail.len() >= n {
                tail[i + tail.len() - n].clone()
            } else {
                kinds[(i + seed) % kinds.len()].clone()
            };
            // One event a day or so, from 2 March 2026.
            let day = 2 + i * 60 / n.max(1);
            let at = format!(
                "2026-{:02}-{:02}T{:02}:{:02}:00Z",
                3 + day / 31,
                1 + day % 28,
                9 + i % 8,
                (i * 7) % 60
            );
            e["at"] = json!(at);
            e
        })
        .collect()
}

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The body `bench/serve-load.sh` sends (`bench/api_body.json`): 16
/// visits, clicks, downloads and webinars, then a demo request, a call,
/// sales acceptance and a meeting.
const API_BODY: &[u8] = include_bytes!("../bench/api_body.json");

fn contact(id: &str, title: &str, n: usize, seed: usize) -> Json {
    json!({"id": id, "email": format!("{id}@northwind.example"), "title": title,
           "seniority": "director", "consent_given_on": "2026-03-01", "account": "a-1",
           "events": events(n, seed)})
}

fn bench(c: &mut Criterion) {
    let text = std::fs::read_to_string("policies/acme.detente").expect("policies/acme.detente");
    let policy = Policy::compile(&text).expect("the shipped policy compiles");
    let account = json!({"id": "a-1", "domain": "northwind.example", "employees": 800, "industry": "software"});

    let one = Request::from_json(
        json!({"accounts": [account], "contacts": [contact("c-1", "VP Engineering", 50, 0)]}),
    )
    .expect("request");
    let (one_h, _) = one.histories(&policy).expect("rows");
    assert_eq!(one_h.events.len(), 50);
    c.bench_function(
        "classify one contact, 50 events (read + replay + journey)",
        |b| {
            b.iter_batched(
                || one.clone(),
                |r| classify(&policy, r, None).expect("classified"),
                BatchSize::SmallInput,
            )
        },
    );
    c.bench_function("replay one contact, 50 events", |b| {
        b.iter(|| policy.evaluate(&one_h, None))
    });

    let titles = ["VP Engineering", "CFO", "Analyst", "Head of IT", "Engineer"];
    let group: Vec<Json> = (0..20)
        .map(|i| contact(&format!("c-{i:02}"), titles[i % titles.len()], 10, i))
        .collect();
    let twenty =
        Request::from_json(json!({"accounts": [account], "contacts": group})).expect("request");
    let (twenty_h, _) = twenty.histories(&policy).expect("rows");
    assert_eq!(twenty_h.contacts.len(), 20);
    c.bench_function("replay one account, 20 contacts x 10 events", |b| {
        b.iter(|| policy.evaluate(&twenty_h, None))
    });

    let body = API_BODY;
    c.bench_function(
        "API request: 1 contact, 20 events (parse + classify + write)",
        |b| {
            b.iter(|| {
                let request = Request::from_slice_for(&policy, body).expect("request");
                let answer = classify(&policy, request, None).expect("classified");
                serde_json::to_vec(&detente::report::journey::ClassifiedJson(&policy, &answer))
                    .expect("written")
            })
        },
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
