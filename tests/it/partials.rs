//! Partial reports (`report --partial`, `diff --partial`) and `detente
//! merge`: the shards of any history, merged in any order, give the
//! report and the diff of one run byte for byte; partials that do not
//! make a whole, or files that are not partials, are refused with a code,
//! never merged into a wrong figure, never a panic.

use std::io::{Read, Write};

use proptest::prelude::*;

use detente::Policy;
use detente::data::Histories;
use detente::data::shard::Shard;
use detente::eval::{evaluate, evaluate_shard};
use detente::ir::Period;
use detente::report::merge::{MergeError, Subject, merge};
use detente::report::partial::{Head, Kind, MAGIC, Partial, PartialError, SideHead};
use detente::report::{Options, Replayed, build};

use crate::detente;
use crate::engine_props::{acme_sources, raw_event};

fn acme() -> (String, Policy) {
    let text = std::fs::read_to_string(crate::root().join("policies/acme.detente")).unwrap();
    let policy = Policy::compile(&text).unwrap();
    (text, policy)
}

/// acme with the MQL threshold raised: the new side of a diff.
fn raised() -> (String, Policy) {
    let (text, _) = acme();
    let text = text.replace("fit:     fit >= 30", "fit:     fit >= 35");
    let policy = Policy::compile(&text).unwrap();
    (text, policy)
}

fn options(month: bool) -> Options {
    Options {
        period: if month {
            Period::Month
        } else {
            Period::Quarter
        },
        ..Options::default()
    }
}

/// Shard `k` of `n` (none: the whole data) of a report or a diff on
/// `h`, as the file `report --partial` writes.
fn part(
    sides: &[&(String, Policy)],
    h: &Histories,
    options: Options,
    shard: Option<Shard>,
) -> Vec<u8> {
    let as_of = detente::eval::default_as_of(h);
    let replays = sides
        .iter()
        .map(|(_, p)| Replayed::whole(p, h, evaluate_shard(p, h, Some(as_of), shard)))
        .collect();
    let head = Head {
        kind: if sides.len() == 2 {
            Kind::Diff
        } else {
            Kind::Report
        },
        as_of,
        options,
        gates: Vec::new(),
        shard: shard.map(|s| (s.k(), s.n())),
        sides: sides
            .iter()
            .map(|(text, _)| SideHead {
                label: "policies/acme.detente".into(),
                source: text.clone(),
                rejected: h.total().rejected,
            })
            .collect(),
    };
    Partial {
        head,
        policies: sides.iter().map(|(_, p)| p.clone()).collect(),
        replays,
    }
    .into_bytes()
    .unwrap()
}

/// The shards of `n`, read back from their bytes, in a turned order.
fn shards(
    sides: &[&(String, Policy)],
    h: &Histories,
    o: Options,
    n: u64,
    turn: usize,
) -> Vec<Partial> {
    let mut parts: Vec<Partial> = (1..=n)
        .map(|k| part(sides, h, o, Some(Shard::new(k, n).unwrap())))
        .map(|bytes| Partial::from_bytes(&bytes).unwrap())
        .collect();
    let len = parts.len();
    parts.rotate_left(turn % len);
    parts
}

proptest! {
    // Each case replays a history and builds the report N + 1 times (a
    // debug build): 24 cases keep the test under a few seconds a core.
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn any_shards_merged_in_any_order_are_the_report_of_one_run(
        events in prop::collection::vec(raw_event(), 0..60),
        with_records in any::<bool>(),
        n in 1u64..6,
        turn in 0usize..6,
        month in any::<bool>(),
    ) {
        let side = acme();
        let h = detente::data::load(&side.1, &acme_sources(&events, with_records)).unwrap();
        let o = options(month);
        let one = build(&side.1, &h, &evaluate(&side.1, &h, None), &o);
        let merged = merge(shards(&[&side], &h, o, n, turn)).unwrap();
        prop_assert_eq!(
            serde_json::to_string_pretty(&merged.report().unwrap()).unwrap(),
            serde_json::to_string_pretty(&one).unwrap()
        );
    }

    #[test]
    fn any_shards_of_a_diff_merged_are_the_diff_of_one_run(
        events in prop::collection::vec(raw_event(), 0..60),
        with_records in any::<bool>(),
        n in 1u64..5,
        turn in 0usize..5,
    ) {
        let (old, new) = (acme(), raised());
        let h = detente::data::load(&old.1, &acme_sources(&events, with_records)).unwrap();
        let o = options(false);
        let one = Partial::from_bytes(&part(&[&old, &new], &h, o, None)).unwrap();
        let merged = merge(shards(&[&old, &new], &h, o, n, turn)).unwrap();
        prop_assert_eq!(
            serde_json::to_string_pretty(&merged.diff().unwrap()).unwrap(),
            serde_json::to_string_pretty(&merge(vec![one]).unwrap().diff().unwrap()).unwrap()
        );
    }
}

/// The payload of a partial, unzipped.
fn payload(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes.strip_prefix(MAGIC).unwrap())
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// A payload zipped again as a partial: a file whose checksum holds
/// whatever it says.
fn repack(payload: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(MAGIC.to_vec(), flate2::Compression::fast());
    gz.write_all(payload).unwrap();
    gz.finish().unwrap()
}

/// `n` events spread over the example contacts, types and times by a
/// fixed stride: a history that is the same at every run.
fn fixed_history(policy: &Policy, n: u32, stride: u32) -> Histories {
    let events: Vec<_> = (0..n)
        .map(|i| {
            let at = |m: u32| (i % m) as usize;
            (at(5), at(4), i * stride % 6000, at(16), at(12), false)
        })
        .collect();
    detente::data::load(policy, &acme_sources(&events, true)).unwrap()
}

fn example_partial() -> Vec<u8> {
    let side = acme();
    let h = fixed_history(&side.1, 40, 97);
    part(&[&side], &h, options(false), None)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, ..ProptestConfig::default() })]

    /// A partial changed anywhere inside its checksum (what a crafted or
    /// mis-written file could hold) is refused (M001-M003), or read and
    /// reported on, never a panic: every id is bounded by the policy.
    #[test]
    fn a_changed_partial_is_refused_or_read_never_a_panic(
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        cut in any::<bool>(),
    ) {
        let mut inner = payload(&example_partial());
        let i = at.index(inner.len());
        if cut {
            inner.truncate(i);
        } else if let Some(b) = inner.get_mut(i) {
            *b = byte;
        }
        match Partial::from_bytes(&repack(&inner)) {
            Ok(p) => {
                let whole = merge(vec![p]).map_err(|e| TestCaseError::fail(e.to_string()));
                if let Ok(w) = whole {
                    let _ = w.report();
                }
            }
            Err(e) => prop_assert!(["M001", "M002", "M003"].contains(&e.code())),
        }
    }
}

#[test]
fn files_that_are_not_whole_partials_are_refused_with_their_code() {
    let good = example_partial();
    assert_eq!(
        Partial::from_bytes(b"id,at\n").unwrap_err(),
        PartialError::NotPartial
    );
    let cut = Partial::from_bytes(good.get(..good.len() / 2).unwrap()).unwrap_err();
    assert_eq!(cut.code(), "M003", "{cut}");
    let mut flipped = good.clone();
    let mid = MAGIC.len() + (good.len() - MAGIC.len()) / 2;
    *flipped.get_mut(mid).unwrap() ^= 0x40;
    assert_eq!(Partial::from_bytes(&flipped).unwrap_err().code(), "M003");
    // Another release's partial: its layout may differ, so it is not read.
    let other = repack(&postcard::to_stdvec(&(1u32, "0.0.1")).unwrap());
    let err = Partial::from_bytes(&other).unwrap_err();
    assert_eq!(err.code(), "M002", "{err}");
}

#[test]
fn a_partial_read_against_a_smaller_policy_is_refused_not_indexed_past_it() {
    // The head says the small policy, the journeys are acme's: stage ids
    // past the small policy's table must not be read as ids.
    let small = "policy \"small\" {\n  timezone \"UTC\"\n  teams marketing\n}\n\nevent form_submit { form: text }\n\nlifecycle contact {\n  stage lead initial owner marketing\n  stage customer final\n\n  lead -> customer on form_submit\n}\n";
    let good = payload(&example_partial());
    let ((format, release), rest) = postcard::take_from_bytes::<(u32, String)>(&good).unwrap();
    let (mut head, rest) = postcard::take_from_bytes::<Head>(rest).unwrap();
    assert!(
        Policy::compile(small).is_ok(),
        "the small policy must compile"
    );
    head.sides[0].source = small.to_string();
    let mut inner = postcard::to_stdvec(&(format, release)).unwrap();
    inner.extend(postcard::to_stdvec(&head).unwrap());
    inner.extend_from_slice(rest);
    let err = Partial::from_bytes(&repack(&inner)).unwrap_err();
    assert_eq!(err.code(), "M003", "{err}");
}

#[test]
fn parts_that_overlap_or_disagree_are_refused() {
    let side = acme();
    let h = fixed_history(&side.1, 30, 131);
    let read = |b: Vec<u8>| Partial::from_bytes(&b).unwrap();
    // Two parts that each replayed everything: every contact twice.
    let whole = || read(part(&[&side], &h, options(false), None));
    match merge(vec![whole(), whole()]).unwrap_err() {
        MergeError::Overlap {
            what: Subject::Contact,
            ..
        } => {}
        e => panic!("{e:?}"),
    }
    // Another period.
    let month = read(part(&[&side], &h, options(true), None));
    assert_eq!(merge(vec![whole(), month]).unwrap_err().code(), "M004");
    // Shards mixed with a part that is not one.
    let s1 = read(part(
        &[&side],
        &h,
        options(false),
        Some(Shard::new(1, 2).unwrap()),
    ));
    assert_eq!(merge(vec![s1, whole()]).unwrap_err().code(), "M005");
    assert_eq!(merge(Vec::new()).unwrap_err(), MergeError::Empty);
}

/// The example data's report and diff, in shards through the command
/// line, merged: byte for byte one run's.
#[test]
fn the_example_shards_merge_into_the_one_run_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).display().to_string();
    for k in 1..=3 {
        detente()
            .arg("report")
            .args([
                "--shard",
                &format!("{k}/3"),
                "--partial",
                &p(&format!("r{k}")),
            ])
            .assert()
            .success();
    }
    // JSON only: `merge` prints through the function `report` prints
    // through, so the JSON holds every figure of the other formats.
    let one = detente().args(["report", "-o", "json"]).output().unwrap();
    let merged = detente()
        .args(["merge", &p("r3"), &p("r1"), &p("r2"), "-o", "json"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&merged.stderr);
    assert!(merged.status.success(), "{err}");
    assert_eq!(crate::stdout(&merged), crate::stdout(&one));
}

/// A diff's shards through the command line (on tests/fixtures/diff,
/// whose four contacts' fit scores were worked out by hand: two of them
/// move when the threshold rises to 35), merged: one run's JSON and
/// exit code, its gate failed in both.
#[test]
fn diff_shards_merge_into_the_one_run_diff_and_its_gate() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).display().to_string();
    let new = dir.path().join("new.detente");
    std::fs::write(&new, raised().0).unwrap();
    let new = new.display().to_string();
    let data = [
        "--contacts",
        "tests/fixtures/diff/contacts.csv",
        "--accounts",
        "tests/fixtures/diff/accounts.csv",
        "--events",
        "tests/fixtures/diff/events.jsonl",
        "--as-of",
        "2026-03-20T12:00:00Z",
        "--fail-if-changed",
        "1",
    ];
    for k in 1..=2 {
        detente()
            .arg("diff")
            .args(["policies/acme.detente", &new, "--shard", &format!("{k}/2")])
            .args(["--partial", &p(&format!("d{k}"))])
            .args(data)
            .assert()
            .success();
    }
    let one = detente()
        .arg("diff")
        .args(["policies/acme.detente", &new, "-o", "json"])
        .args(data)
        .output()
        .unwrap();
    let merged = detente()
        .args(["merge", &p("d2"), &p("d1"), "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(crate::stdout(&merged), crate::stdout(&one));
    let changed = serde_json::from_str::<serde_json::Value>(&crate::stdout(&one)).unwrap()
        ["contacts"]["changed"]
        .clone();
    assert_eq!(changed, 2, "c-2 and c-4 (fit 30) stay below 35");
    // The gate fails in both, with the same exit.
    assert_eq!(merged.status.code(), Some(3));
    assert_eq!(one.status.code(), Some(3));
    // One shard short: refused, naming the missing shard.
    let short = detente().args(["merge", &p("d1")]).output().unwrap();
    assert_eq!(short.status.code(), Some(2));
    let err = String::from_utf8_lossy(&short.stderr);
    assert!(
        err.contains("error[M005]") && err.contains("shard 2 of 2 missing"),
        "{err}"
    );
    // A diff's partial cannot print as HTML.
    let html = detente()
        .args(["merge", &p("d1"), &p("d2"), "-o", "html"])
        .output()
        .unwrap();
    assert_eq!(html.status.code(), Some(2));
}

#[test]
fn a_shard_of_a_report_needs_a_partial_file_and_a_partial_no_format() {
    let out = detente()
        .arg("report")
        .args(["--shard", "1/2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--partial"));
    // A partial is not printed: a format is `merge`'s to take.
    let dir = tempfile::tempdir().unwrap();
    let part = dir.path().join("part");
    for command in [
        &["report"][..],
        &["diff", "policies/acme.detente", "policies/acme.detente"],
    ] {
        let out = detente()
            .args(command)
            .args(["-o", "json", "--partial"])
            .arg(&part)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{command:?}");
        assert!(!part.exists(), "{command:?}");
    }
    // `merge -o parquet` without --out-dir is refused before any partial
    // is read (this one does not exist).
    let out = detente()
        .args(["merge", "no-such-partial", "-o", "parquet"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs --out-dir"));
}
