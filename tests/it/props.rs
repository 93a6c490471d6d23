//! Property tests: the parser and checker never panic; the formatter keeps
//! meaning and is idempotent.

use proptest::prelude::*;

use detente::syntax::{self, print::print};
use detente::{Policy, syntax::ast::PolicyFile};

use crate::detente_files;

fn all_sources() -> Vec<String> {
    let mut files = detente_files("policies");
    files.extend(detente_files("tests/fixtures"));
    files
        .into_iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .collect()
}

/// Formatting keeps the tree (and so the meaning) and is idempotent.
fn assert_round_trip(source: &str) {
    let Ok(file) = syntax::parse(source) else {
        return;
    };
    let once = print(&file, source);
    let again: PolicyFile = syntax::parse(&once)
        .unwrap_or_else(|e| panic!("formatted text does not parse: {e:?}\n{once}"));
    assert_eq!(
        again.items, file.items,
        "formatting changed the meaning of:\n{source}"
    );
    assert_eq!(
        again.comments.len(),
        file.comments.len(),
        "formatting lost a comment"
    );
    let twice = print(&again, &once);
    assert_eq!(twice, once, "formatting is not idempotent");
}

#[test]
fn formatter_round_trips_every_policy_and_fixture() {
    for s in all_sources() {
        assert_round_trip(&s);
    }
}

fn acme() -> String {
    std::fs::read_to_string(crate::root().join("policies/acme.detente")).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn never_panics_on_arbitrary_text(s in "\\PC{0,400}") {
        let _ = Policy::compile(&s);
    }

    #[test]
    fn never_panics_on_policy_like_text(s in "[a-z_ {}()\\[\\]\"=<>!+*/.,:#0-9%$\n-]{0,300}") {
        let _ = Policy::compile(&s);
    }

    /// Real policies with a slice cut out or pasted elsewhere: the closest
    /// thing to a half-edited file.
    #[test]
    fn never_panics_on_edited_policies(cut_at in 0usize..8000, len in 0usize..200, paste_at in 0usize..8000) {
        let src = acme();
        let mut chars: Vec<char> = src.chars().collect();
        let start = cut_at.min(chars.len());
        let end = (start + len).min(chars.len());
        let cut: Vec<char> = chars.drain(start..end).collect();
        let at = paste_at.min(chars.len());
        for (i, c) in cut.into_iter().enumerate() {
            chars.insert(at + i, c);
        }
        let edited: String = chars.into_iter().collect();
        let _ = Policy::compile(&edited);
        assert_round_trip(&edited);
        same_as_the_editor_reads_it(&edited);
    }

    #[test]
    fn never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = syntax::parse_bytes(&bytes);
    }

    /// Deleting whole lines keeps most policies parseable, which exercises
    /// the formatter on many shapes.
    #[test]
    fn formatter_round_trips_with_lines_removed(drop in proptest::collection::vec(0usize..260, 0..6)) {
        let src = acme();
        let kept: Vec<&str> = src.lines().enumerate().filter(|(i, _)| !drop.contains(i)).map(|(_, l)| l).collect();
        assert_round_trip(&(kept.join("\n") + "\n"));
    }
}

/// What the language server reads of text being typed (one definition at
/// a time) is what `check` reads: the same definitions with the same
/// spans, or the same errors; and the definitions it keeps of a broken
/// file are ones the whole file has, where the whole file has them.
fn same_as_the_editor_reads_it(text: &str) {
    let edited = syntax::parse_edited(text);
    match syntax::parse(text) {
        Ok(whole) => {
            assert!(edited.errors.is_empty(), "{:?}", edited.errors);
            assert_eq!(format!("{whole:?}"), format!("{:?}", edited.file));
        }
        Err(errors) => {
            assert_eq!(errors, edited.errors);
            for item in &edited.file.items {
                let span = item.span();
                assert!(text.get(span.start as usize..span.end as usize).is_some());
            }
        }
    }
}

#[test]
fn the_editor_reads_every_policy_and_fixture_as_check_does() {
    for source in all_sources() {
        same_as_the_editor_reads_it(&source);
    }
}

#[test]
fn ten_thousand_nested_parentheses_are_a_diagnostic() {
    let src = format!(
        "metric deep = {}1{}\n",
        "(".repeat(10_000),
        ")".repeat(10_000)
    );
    let d = Policy::compile(&src).unwrap_err();
    assert_eq!(d.problems[0].code_str(), "E004");
}

#[test]
fn a_long_chain_of_not_is_a_diagnostic_not_a_stack_overflow() {
    let src = format!("metric deep = {}true\n", "not ".repeat(100_000));
    let d = Policy::compile(&src).unwrap_err();
    assert!(d.problems.iter().any(|p| p.code_str() == "E006"));
}

#[test]
fn a_ten_megabyte_line_is_a_diagnostic() {
    let src = format!(
        "policy \"Big\" {{ teams a }}\n{}\n",
        "x".repeat(10 * 1024 * 1024)
    );
    let d = Policy::compile(&src).unwrap_err();
    assert_eq!(d.problems[0].code_str(), "E001");
    let shown = detente::diagnostic::render_graphical(&d, false);
    assert!(
        shown.len() < 2_000,
        "the message should not repeat the line"
    );
    assert!(shown.contains("line too long to show"));
}

#[test]
fn a_ten_megabyte_string_is_accepted_or_reported() {
    let src = format!(
        "policy \"{}\" {{ teams a }}\nevent e {{ }}\nlifecycle contact {{\n  stage s initial owner a\n  stage t final\n  s -> t on e\n}}\n",
        "y".repeat(10 * 1024 * 1024)
    );
    let p = Policy::compile(&src).unwrap();
    assert_eq!(p.name().len(), 10 * 1024 * 1024);
}

/// The prescan's nesting limit is what bounds the parser's recursion (pest
/// runs without its own stack probe): the deepest nesting it allows must
/// parse on a spawned thread's default stack (2 MiB), even in a debug
/// build. (1 MiB was the margin once; debug frames grew past it.)
#[test]
fn the_deepest_allowed_nesting_parses_on_a_small_stack() {
    // The lifecycle block and `seen(` are two levels already.
    let depth = detente::syntax::MAX_NESTING - 2;
    let src = format!(
        "policy \"Deep\" {{ teams a }}\nevent e {{ }}\nlifecycle contact {{\n  stage s initial owner a\n  stage t final\n  s -> t when {}seen(e){}\n}}\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    let handle = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || {
            detente::Policy::compile(&src)
                .map(|_| ())
                .map_err(|d| d.to_string())
        })
        .unwrap();
    assert_eq!(handle.join().unwrap(), Ok(()));
}

fn acme_policy() -> Policy {
    Policy::compile(&acme()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Whatever the rows, every one is accounted for and nothing panics.
    #[test]
    fn every_row_is_accounted_for(lines in proptest::collection::vec(
        prop_oneof![
            Just(r#"{"id":"x","contact":"c1","at":"2026-01-01T00:00:00Z","type":"page_view","url":"/a"}"#.to_string()),
            Just(r#"{"contact":"c1","at":"2026-01-01","type":"deal_won","amount":"10.5"}"#.to_string()),
            Just(r#"{"contact":"c1","at":"nope","type":"webinar","name":"w"}"#.to_string()),
            Just(r#"{"contact":"c2","at":"2026-01-01T00:00:00Z","type":"merge","into":"c1"}"#.to_string()),
            "\\PC{0,60}",
        ],
        0..40,
    ), csv_lines in proptest::collection::vec("[a-z0-9,\"@. -]{0,40}", 0..20)) {
        let dir = tempfile::tempdir().unwrap();
        let events = dir.path().join("events.jsonl");
        std::fs::write(&events, lines.join("\n")).unwrap();
        let contacts = dir.path().join("contacts.csv");
        std::fs::write(&contacts, format!("id,email,title\n{}", csv_lines.join("\n"))).unwrap();
        let policy = acme_policy();
        let sources = [
            detente::data::Source::new(detente::data::RecordKind::Contacts, &contacts),
            detente::data::Source::new(detente::data::RecordKind::Events, &events),
        ];
        let h = detente::data::load(&policy, &sources).unwrap();
        for c in h.counts.values() {
            prop_assert_eq!(c.read, c.accepted + c.rejected + c.duplicates + c.skipped);
        }
        let rejected_rows = h.problems.iter().filter(|p| p.severity == detente::data::Severity::Error).count() as u64;
        let set_aside = h.problems.iter().filter(|p| p.reason.contains("set aside")).count() as u64;
        prop_assert_eq!(h.total().rejected, rejected_rows + set_aside);
        prop_assert_eq!(h.total().accepted as usize, h.contacts.len() + h.events.len());
    }
}

/// Generated histories for the acme policy, as (contacts, accounts,
/// event lines).
fn generated(seed: u64) -> (Vec<u8>, Vec<u8>, Vec<String>) {
    let policy = detente::Policy::compile(&acme()).unwrap();
    let options = detente::generate::Options {
        seed,
        accounts: 12,
        ..Default::default()
    };
    let (mut c, mut a, mut e) = (Vec::new(), Vec::new(), Vec::new());
    detente::generate::generate(&policy, &options, &mut c, &mut a, &mut e).unwrap();
    let lines = String::from_utf8(e)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    (c, a, lines)
}

fn classify_json(
    dir: &std::path::Path,
    contacts: &[u8],
    accounts: &[u8],
    events: &[String],
    threads: usize,
) -> String {
    use detente::data::{RecordKind, Source};
    std::fs::write(dir.join("contacts.csv"), contacts).unwrap();
    std::fs::write(dir.join("accounts.csv"), accounts).unwrap();
    std::fs::write(dir.join("events.jsonl"), events.join("\n")).unwrap();
    let policy = detente::Policy::compile(&acme()).unwrap();
    let sources = [
        Source::new(RecordKind::Contacts, dir.join("contacts.csv")),
        Source::new(RecordKind::Accounts, dir.join("accounts.csv")),
        Source::new(RecordKind::Events, dir.join("events.jsonl")),
    ];
    let h = detente::data::load(&policy, &sources).unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let ev = pool.install(|| detente::eval::evaluate(&policy, &h, None));
    crate::journeys_json(&policy, &ev)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    /// Rows in any order, on any number of threads, give the same journeys.
    /// Events at the same instant keep their relative order: the design
    /// breaks such ties by row, so that order is part of the input.
    #[test]
    fn shuffled_rows_and_threads_give_identical_output(seed in 0u64..1000, shuffle in any::<u64>(), threads in 1usize..5) {
        let (contacts, accounts, events) = generated(seed);
        let dir = tempfile::tempdir().unwrap();
        let expected = classify_json(dir.path(), &contacts, &accounts, &events, 1);

        use rand::{SeedableRng, seq::SliceRandom};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(shuffle);
        let at = |l: &String| serde_json::from_str::<serde_json::Value>(l).unwrap()["at"].as_str().unwrap().to_string();
        let mut instants: Vec<String> = events.iter().map(at).collect();
        instants.sort();
        instants.dedup();
        instants.shuffle(&mut rng);
        let rank: std::collections::HashMap<&String, usize> = instants.iter().enumerate().map(|(i, a)| (a, i)).collect();
        let mut shuffled = events.clone();
        shuffled.sort_by_key(|l| rank[&at(l)]);
        let mut contact_rows: Vec<&str> = std::str::from_utf8(&contacts).unwrap().lines().collect();
        let header = contact_rows.remove(0);
        contact_rows.shuffle(&mut rng);
        let contacts2 = format!("{header}\n{}\n", contact_rows.join("\n"));

        let actual = classify_json(dir.path(), contacts2.as_bytes(), &accounts, &shuffled, threads);
        prop_assert!(expected == actual, "output changed with row order or thread count");
    }
}
