//! `detente classify --stdin`: one JSON line in, one JSON line out; errors
//! carry their line number and never end the stream; the journeys are
//! the same as from files.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json, json};

use crate::{detente, stdout};

fn stream(input: &str, extra: &[&str]) -> (String, String, Option<i32>) {
    let out = detente()
        .args(["classify", "--stdin", "--policy", "policies/acme.detente"])
        .args(extra)
        .write_stdin(input)
        .output()
        .unwrap();
    (
        stdout(&out),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code(),
    )
}

#[test]
fn bad_lines_are_answered_in_place_and_the_stream_goes_on() {
    let good = json!({"id": "c-1", "email": "vp@big.example", "title": "VP Sales", "seniority": "director",
        "consent_given_on": "2026-03-01",
        "account": {"id": "a-1", "domain": "big.example", "employees": 500},
        "events": [{"at": "2026-03-02T09:00:00Z", "type": "form_submit", "form": "demo"}]});
    let input = [
        good.to_string(),
        "{\"id\": \"c-2\", ".to_string(),
        json!({"id": "c-3", "email": "x@y.example", "title": "Analyst",
            "events": [{"at": "last Tuesday", "type": "form_submit", "form": "demo"},
                       {"at": "2026-03-02T09:00:00Z", "type": "meeting", "outcome": "maybe"}]})
        .to_string(),
        String::new(),
        json!([1, 2]).to_string(),
        json!({"contacts": [{"id": "c-4", "email": "c@z.example", "title": "CFO"}], "as_of": "2026-03-05"})
            .to_string(),
        good.to_string(),
    ]
    .join("\n");
    let (out, err, code) = stream(&input, &[]);
    assert_eq!(code, Some(0), "{err}");
    let lines: Vec<Json> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Six records (the blank line is not one), six answers, in order.
    assert_eq!(lines.len(), 6, "{out}");
    assert_eq!(lines[0]["contact"], "c-1");
    // Demo request from a fit of 40 (20 + 5 + 15): lead and mql at once.
    assert_eq!(lines[0]["stage"], "mql");
    assert_eq!(lines[1]["line"], 2);
    assert_eq!(lines[2]["line"], 3);
    assert_eq!(lines[2]["problems"].as_array().unwrap().len(), 2);
    assert_eq!(lines[3]["line"], 5);
    assert_eq!(lines[4]["journeys"][0]["contact"], "c-4");
    assert_eq!(lines[4]["as_of"], "2026-03-05T23:59:59Z");
    assert_eq!(lines[5], lines[0]);
    assert!(err.contains("lines 6, classified 3, errors 3"), "{err}");
    insta::assert_snapshot!(
        lines[1..4]
            .iter()
            .map(|l| serde_json::to_string_pretty(l).unwrap())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn a_line_over_the_limit_is_refused_without_reading_it_whole() {
    let long = format!("{{\"id\": \"c-1\", \"title\": \"{}\"}}", "x".repeat(5_000));
    let ok = json!({"id": "c-2", "email": "a@b.example", "title": "CFO", "as_of": "2026-03-05"})
        .to_string();
    let (out, _, code) = stream(&format!("{long}\n{ok}\n"), &["--max-line-bytes", "1000"]);
    assert_eq!(code, Some(0));
    let lines: Vec<Json> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["line"], 1);
    assert!(
        lines[0]["error"]
            .as_str()
            .unwrap()
            .contains("longer than 1000 bytes")
    );
    assert_eq!(lines[1]["contact"], "c-2");
}

fn csv_rows(path: &str) -> Vec<Map<String, Json>> {
    let mut r = csv::Reader::from_path(crate::root().join(path)).unwrap();
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers
                .iter()
                .zip(rec.iter())
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| (k.to_string(), Json::String(v.to_string())))
                .collect()
        })
        .collect()
}

#[test]
fn journeys_from_stdin_are_the_journeys_from_files() {
    // tests/fixtures/diff as one request line per account.
    let dir = "tests/fixtures/diff";
    let accounts = csv_rows(&format!("{dir}/accounts.csv"));
    let mut contacts = csv_rows(&format!("{dir}/contacts.csv"));
    let events: Vec<Map<String, Json>> =
        std::fs::read_to_string(crate::root().join(format!("{dir}/events.jsonl")))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
    for c in &mut contacts {
        let id = c["id"].clone();
        let mine: Vec<Json> = events
            .iter()
            .filter(|e| e["contact"] == id)
            .map(|e| {
                let mut e = e.clone();
                e.remove("contact");
                Json::Object(e)
            })
            .collect();
        c.insert("events".into(), Json::Array(mine));
    }
    let mut by_account: BTreeMap<String, Vec<Json>> = BTreeMap::new();
    for c in contacts {
        by_account
            .entry(c["account"].as_str().unwrap().to_string())
            .or_default()
            .push(Json::Object(c));
    }
    let input: String = by_account
        .into_iter()
        .map(|(a, cs)| {
            let account = accounts.iter().find(|x| x["id"] == a.as_str()).unwrap();
            json!({"accounts": [account], "contacts": cs}).to_string() + "\n"
        })
        .collect();
    let as_of = "2026-03-20T12:00:00Z";
    let (out, err, code) = stream(&input, &["--as-of", as_of]);
    assert_eq!(code, Some(0), "{err}");
    let mut from_stdin: Vec<Json> = out
        .lines()
        .flat_map(|l| {
            let v: Json = serde_json::from_str(l).unwrap();
            v["journeys"].as_array().unwrap().clone()
        })
        .collect();
    from_stdin.sort_by_key(|j| j["contact"].as_str().unwrap().to_string());
    let files = detente()
        .args([
            "classify",
            "--policy",
            "policies/acme.detente",
            "-o",
            "jsonl",
            "--as-of",
            as_of,
        ])
        .args(["--contacts", &format!("{dir}/contacts.csv")])
        .args(["--accounts", &format!("{dir}/accounts.csv")])
        .args(["--events", &format!("{dir}/events.jsonl")])
        .output()
        .unwrap();
    let from_files: Vec<Json> = stdout(&files)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(from_stdin.len(), 4);
    assert_eq!(from_stdin, from_files);
}

/// Every way a line can be shaped wrong (tests/fixtures/stdin/shapes.jsonl:
/// not an object, `as_of` not text, `contacts` or `accounts` not lists of
/// objects, an unknown key, a contact without an id, a nested account
/// without one, `events` not a list, an event naming another contact,
/// repeated keys, broken JSON) gets its own message, in line order; a
/// single contact's `accounts` is one of its fields.
#[test]
fn every_wrong_shape_of_a_line_gets_its_own_message() {
    let input = std::fs::read_to_string("tests/fixtures/stdin/shapes.jsonl").unwrap();
    let (out, err, code) = stream(&input, &[]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out.lines().count(), input.lines().count());
    insta::assert_snapshot!(out);
}

/// An answer that cannot be written (a full disk: `/dev/full`) is not
/// lost quietly: the stream stops with an error and exit 2. A closed pipe
/// still ends it quietly (tests/it/cli.rs).
#[test]
fn an_answer_that_cannot_be_written_stops_the_stream_with_an_error() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return; // not Linux
    };
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("detente"))
        .args(["classify", "--stdin", "--policy", "policies/acme.detente"])
        .current_dir(crate::root())
        .stdin(std::fs::File::open("tests/fixtures/stdin/shapes.jsonl").unwrap())
        .stdout(full)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("error: cannot write the output: No space left on device"),
        "{stderr}"
    );
}

/// The embedding example (`examples/route_leads.rs`) on tests/fixtures/stdin/route.jsonl: each contact routed to the
/// team owning its stage, a bad line named with its number, the rest
/// still routed.
#[test]
fn the_embedding_example_routes_leads_and_names_bad_lines() {
    let out = crate::example("route_leads")
        .arg("policies/acme.detente")
        .pipe_stdin("tests/fixtures/stdin/route.jsonl")
        .unwrap()
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    insta::assert_snapshot!(format!(
        "{}--- stderr\n{}",
        stdout(&out),
        String::from_utf8_lossy(&out.stderr)
    ));
}
