//! `--shard K/N`: each shard replays the accounts the documented hash
//! puts in it, whole, and the shards together are one run, on random
//! histories (merges, contacts changing accounts, contacts in no
//! account) and on the example data, read whole or streamed.

use proptest::prelude::*;
use sha2::{Digest, Sha256};

use detente::Policy;
use detente::data::shard::Shard;
use detente::eval::{Evaluation, evaluate, evaluate_shard};

use crate::detente;
use crate::engine_props::{acme_sources, raw_event};

/// The documented placement, worked out here from SHA-256 itself.
fn documented(id: &str, n: u64) -> u64 {
    let d = Sha256::digest(id.as_bytes());
    u64::from_be_bytes(d.get(..8).unwrap().try_into().unwrap()) % n + 1
}

/// The shards' evaluations as one, in the whole run's order.
fn together(parts: Vec<Evaluation>) -> Evaluation {
    let mut parts = parts.into_iter();
    let mut all = parts.next().unwrap();
    for p in parts {
        all.journeys.extend(p.journeys);
        all.accounts.extend(p.accounts);
        all.deals.extend(p.deals);
        all.problems.extend(p.problems);
    }
    all.journeys.sort_by(|a, b| a.contact.cmp(&b.contact));
    all.accounts.sort_by(|a, b| a.account.cmp(&b.account));
    all.deals.sort_by(|a, b| a.contact.cmp(&b.contact));
    all
}

fn problems(e: &Evaluation) -> Vec<String> {
    let mut p: Vec<String> = e.problems.iter().map(|p| format!("{p:?}")).collect();
    p.sort();
    p
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn the_shards_of_any_history_are_one_run(
        events in prop::collection::vec(raw_event(), 0..60),
        with_records in any::<bool>(),
        n in 1u64..6,
    ) {
        let text = std::fs::read_to_string(crate::root().join("policies/acme.detente")).unwrap();
        let policy = Policy::compile(&text).unwrap();
        let h = detente::data::load(&policy, &acme_sources(&events, with_records)).unwrap();
        let whole = evaluate(&policy, &h, None);
        let parts: Vec<Evaluation> = (1..=n)
            .map(|k| evaluate_shard(&policy, &h, None, Some(Shard::new(k, n).unwrap())))
            .collect();
        for (k, part) in parts.iter().enumerate() {
            prop_assert_eq!(part.as_of, whole.as_of);
            for j in &part.journeys {
                let group = j.account.as_deref().unwrap_or(&j.contact);
                prop_assert_eq!(documented(group, n), k as u64 + 1, "{} in shard {}", group, k + 1);
            }
        }
        let joined = together(parts);
        prop_assert_eq!(crate::journeys_json(&policy, &joined), crate::journeys_json(&policy, &whole));
        prop_assert_eq!(problems(&joined), problems(&whole));
    }
}

fn body(out: &[u8]) -> Vec<String> {
    let text = String::from_utf8(out.to_vec()).unwrap();
    let mut lines: Vec<String> = text.lines().skip(1).map(String::from).collect();
    lines.sort();
    lines
}

#[test]
fn the_shards_of_the_example_data_are_the_whole_classify() {
    let whole = detente().args(["classify", "-o", "csv"]).output().unwrap();
    assert!(whole.status.success());
    let mut joined = Vec::new();
    for k in 1..=3 {
        let part = detente()
            .args(["classify", "-o", "csv", "--shard", &format!("{k}/3")])
            .output()
            .unwrap();
        assert!(part.status.success());
        let rows = body(&part.stdout);
        assert!(!rows.is_empty(), "shard {k}/3 of 2,674 contacts is empty");
        for r in &rows {
            let cells: Vec<&str> = r.split(',').collect();
            let group = if cells[1].is_empty() {
                cells[0]
            } else {
                cells[1]
            };
            assert_eq!(documented(group, 3), k, "{r}");
        }
        joined.extend(rows);
    }
    joined.sort();
    assert_eq!(joined, body(&whole.stdout));
    assert_eq!(joined.len(), 2674);
}

#[test]
fn streamed_shards_are_the_whole_stream() {
    // The example events are grouped by account, so --stream reads them
    // a batch at a time; a small batch makes several.
    let args = [
        "classify",
        "-o",
        "jsonl",
        "--stream",
        "--batch-events",
        "500",
    ];
    let whole = detente().args(args).output().unwrap();
    assert!(
        whole.status.success(),
        "{}",
        String::from_utf8_lossy(&whole.stderr)
    );
    let mut joined = Vec::new();
    for k in 1..=2 {
        let part = detente()
            .args(args)
            .args(["--shard", &format!("{k}/2")])
            .output()
            .unwrap();
        assert!(part.status.success());
        joined.extend(
            String::from_utf8(part.stdout)
                .unwrap()
                .lines()
                .map(String::from),
        );
    }
    joined.sort();
    let mut expected: Vec<String> = String::from_utf8(whole.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    expected.sort();
    assert_eq!(joined, expected);
}

#[test]
fn a_shard_past_the_count_is_a_usage_error() {
    let out = detente()
        .args(["classify", "--shard", "3/2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("shard 3/2: K counts from 1 to N, so it must be between 1 and 2"),
        "{err}"
    );
}
