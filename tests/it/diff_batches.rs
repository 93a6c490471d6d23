//! A diff read a batch of accounts at a time (each policy counted as it
//! goes, the new policy's replay compared with what was kept of the
//! old's) is byte for byte the diff of the two whole replays, whatever
//! the batches: the same matrices with the same examples (the smallest
//! ids whose paths part), the same metrics, incentives and SLAs.

use proptest::prelude::*;

use detente::data::Source;
use detente::report::Options;
use detente::report::Replayed;
use detente::report::batched::Batched;
use detente::report::batched::Plan;
use detente::report::diff::batched::{DiffReplay, replay_diff};
use detente::report::diff::{self, Gates, Side};

use crate::batches::{acme_segmented, write_generated};

/// The two policies: the segmented acme (metrics cut by fields,
/// incentives paid per rep and per office, lagged), and the same with a
/// higher fit threshold and a shorter wait before recycling, which moves
/// and reroutes contacts.
fn policies() -> (String, String) {
    let old = acme_segmented();
    let new = old.replace("fit >= 30", "fit >= 35").replace(
        "after 30d as \"no sales action in 30 days\"",
        "after 20d as \"no sales action in 20 days\"",
    );
    assert_ne!(old, new);
    (old, new)
}

fn side<'a>(
    label: &'a str,
    source: &'a str,
    policy: &'a detente::Policy,
    replayed: &'a Replayed,
) -> Side<'a> {
    Side {
        label,
        source,
        policy,
        replayed,
        rejected_rows: 0,
    }
}

/// The diff of both whole replays, as JSON.
fn whole_diff(
    texts: &(String, String),
    sources: &[Source],
    as_of: i64,
    options: &Options,
) -> String {
    let old = detente::Policy::compile(&texts.0).unwrap();
    let new = detente::Policy::compile(&texts.1).unwrap();
    let replay = |p: &detente::Policy| {
        let h = detente::data::load(p, sources).unwrap();
        let ev = detente::eval::evaluate(p, &h, Some(as_of));
        Replayed::whole(p, &h, ev)
    };
    let (o, n) = (replay(&old), replay(&new));
    let d = diff::diff(
        &side("old", &texts.0, &old, &o),
        &side("new", &texts.1, &new, &n),
        options,
        &Gates::new(),
    );
    serde_json::to_string_pretty(&d).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    fn any_split_into_batches_gives_the_same_diff(
        seed in 0u64..1000,
        batch in 1usize..400,
        monthly in any::<bool>(),
        cut in any::<bool>(),
        moved in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let sources = write_generated(dir.path(), seed);
        if moved {
            // The first account's first event moved to the end: the file
            // is found not grouped only at its end, every batch read, and
            // each side starts again grouping it first (the matrices
            // forget what they counted).
            let path = dir.path().join("events.jsonl");
            let text = std::fs::read_to_string(&path).unwrap();
            let mut lines: Vec<&str> = text.lines().collect();
            let first = lines.remove(0);
            lines.push(first);
            std::fs::write(&path, lines.join("\n")).unwrap();
        }
        let texts = policies();
        let old = detente::Policy::compile(&texts.0).unwrap();
        let new = detente::Policy::compile(&texts.1).unwrap();
        let as_of = detente::data::latest_time(&new, &sources).unwrap().unwrap();
        const DAY: i64 = 86_400_000;
        let options = Options {
            period: if monthly { detente::ir::Period::Month } else { detente::ir::Period::Quarter },
            from: cut.then_some(as_of - 200 * DAY),
            to: cut.then_some(as_of - 30 * DAY),
            window: None,
        };
        let expected = whole_diff(&texts, &sources, as_of, &options);
        let plan = Plan { options: Some(options), ..Plan::new(as_of, batch) };
        let DiffReplay::Done { old: o, new: n, stages } = replay_diff((&old, &sources), (&new, &sources), plan).unwrap() else {
            panic!("generated events are grouped by account");
        };
        let (Batched::Done { replayed: o, .. }, Batched::Done { replayed: n, .. }) = (*o, *n) else {
            panic!("both sides were read in batches");
        };
        prop_assert!(o.forgot() && n.forgot(), "neither side keeps its journeys");
        let d = diff::diff_counted(&side("old", &texts.0, &old, &o), &side("new", &texts.1, &new, &n), &options, &Gates::new(), *stages).unwrap();
        let actual = serde_json::to_string_pretty(&d).unwrap();
        prop_assert!(expected == actual, "batches of {} events changed the diff", batch);
        let parsed: serde_json::Value = serde_json::from_str(&actual).unwrap();
        prop_assert!(parsed["contacts"]["changed"].as_u64().unwrap() + parsed["contacts"]["rerouted"].as_u64().unwrap() > 0, "the policies part some paths");
    }
}

/// The new policy's replay alone finds the events not grouped by
/// account: the one row out of place is of a type only the new policy
/// declares (the old sets it aside, D016). The old side was read as the
/// file has it; the new side's replay starts again, grouping the file
/// first, and the comparison forgets what it had counted so far
/// (`Compare::restart`). The diff is still the two whole replays' diff.
#[test]
fn a_new_policy_alone_finding_the_file_ungrouped_gives_the_same_diff() {
    use detente::data::Order;
    let dir = tempfile::tempdir().unwrap();
    let sources = write_generated(dir.path(), 3);
    let path = dir.path().join("events.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut moved: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    moved["type"] = "conference".into();
    moved["id"] = "e-conference".into();
    lines.push(moved.to_string());
    std::fs::write(&path, lines.join("\n")).unwrap();
    let (old_text, new_text) = policies();
    let texts = (old_text, format!("{new_text}\nevent conference {{ }}\n"));
    let old = detente::Policy::compile(&texts.0).unwrap();
    let new = detente::Policy::compile(&texts.1).unwrap();
    let as_of = detente::data::latest_time(&new, &sources).unwrap().unwrap();
    let options = Options::default();
    let expected = whole_diff(&texts, &sources, as_of, &options);
    for batch in [1, 50, 100_000] {
        let plan = Plan {
            options: Some(options),
            ..Plan::new(as_of, batch)
        };
        let DiffReplay::Done {
            old: o,
            new: n,
            stages,
        } = replay_diff((&old, &sources), (&new, &sources), plan).unwrap()
        else {
            panic!("the new side groups the file first");
        };
        let (
            Batched::Done {
                replayed: o,
                order: old_order,
                ..
            },
            Batched::Done {
                replayed: n,
                order: new_order,
                ..
            },
        ) = (*o, *n)
        else {
            panic!("both sides were read in batches");
        };
        assert_eq!(old_order, Order::AsRead, "the old side sets the row aside");
        assert_eq!(new_order, Order::Regroup, "the new side starts again");
        let d = diff::diff_counted(
            &side("old", &texts.0, &old, &o),
            &side("new", &texts.1, &new, &n),
            &options,
            &Gates::new(),
            *stages,
        )
        .unwrap();
        let actual = serde_json::to_string_pretty(&d).unwrap();
        assert!(
            expected == actual,
            "batches of {batch} events changed the diff"
        );
    }
}
