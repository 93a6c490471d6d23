//! A report read a batch of accounts at a time is byte for byte the
//! report of the whole file, whatever the batches and whatever the order
//! of the events (not grouped by account, they are grouped first); input
//! that cannot be read so says why, and is then read whole.

use proptest::prelude::*;

use detente::data::{Order, RecordKind, Source};
use detente::report::batched::{Batched, Plan, Whole, replay_batched};
use detente::report::{Options, build, build_from};

/// Generated histories for the acme policy written to `dir`, events
/// grouped by account as `detente generate` writes them.
pub(crate) fn write_generated(dir: &std::path::Path, seed: u64) -> Vec<Source> {
    let policy = detente::Policy::compile(&acme()).unwrap();
    let options = detente::generate::Options {
        seed,
        accounts: 15,
        ..Default::default()
    };
    let (mut c, mut a, mut e) = (Vec::new(), Vec::new(), Vec::new());
    detente::generate::generate(&policy, &options, &mut c, &mut a, &mut e).unwrap();
    std::fs::write(dir.join("contacts.csv"), c).unwrap();
    std::fs::write(dir.join("accounts.csv"), a).unwrap();
    std::fs::write(dir.join("events.jsonl"), e).unwrap();
    vec![
        Source::new(RecordKind::Contacts, dir.join("contacts.csv")),
        Source::new(RecordKind::Accounts, dir.join("accounts.csv")),
        Source::new(RecordKind::Events, dir.join("events.jsonl")),
    ]
}

/// The report of the whole file, as JSON.
fn whole_report(policy: &detente::Policy, sources: &[Source], options: &Options) -> String {
    let h = detente::data::load(policy, sources).unwrap();
    let ev = detente::eval::evaluate(policy, &h, None);
    serde_json::to_string_pretty(&build(policy, &h, &ev, options)).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    fn any_split_into_batches_gives_the_same_report(
        seed in 0u64..1000,
        batch in 1usize..400,
        monthly in any::<bool>(),
        cut in any::<bool>(),
        window in any::<bool>(),
        segmented in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let sources = write_generated(dir.path(), seed);
        let text = if segmented { acme_segmented() } else { acme() };
        let policy = detente::Policy::compile(&text).unwrap();
        let as_of = detente::data::latest_time(&policy, &sources).unwrap().unwrap();
        const DAY: i64 = 86_400_000;
        // A report cut by --from and --to (periods cut at its edges) and
        // a conversion window, or the whole data: the sections counted
        // batch by batch read all three.
        let options = Options {
            period: if monthly { detente::ir::Period::Month } else { detente::ir::Period::Quarter },
            from: cut.then_some(as_of - 200 * DAY),
            to: cut.then_some(as_of - 30 * DAY),
            window: window.then_some(30 * DAY),
        };
        let expected = whole_report(&policy, &sources, &options);
        let plan = Plan { options: Some(options), ..Plan::new(as_of, batch) };
        let Batched::Done { replayed, latest, .. } = replay_batched(&policy, &sources, plan).unwrap()
        else {
            panic!("generated events are grouped by account, so they are read in batches");
        };
        prop_assert_eq!(latest, as_of);
        let from = detente::report::context::Ctx::new(&policy, &replayed, &options).from;
        let running = replayed.running.as_ref().unwrap();
        prop_assert!(running.tallies(&options, from).is_some(), "the sections were counted batch by batch");
        let actual = serde_json::to_string_pretty(&build_from(&policy, &replayed, &options).unwrap()).unwrap();
        prop_assert!(expected == actual, "the report changed with batches of {} events", batch);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    /// A diff's second replay keeps only the events that differ from the
    /// first's; its report must be the one it gives on its own, whether
    /// the two replays read the same rows or part at some row (here: a
    /// row the second does not read).
    #[test]
    fn a_replay_sharing_the_events_of_another_reports_the_same(seed in 0u64..1000, drop in any::<prop::sample::Index>(), same in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let first = write_generated(dir.path(), seed);
        let other = tempfile::tempdir().unwrap();
        let second = write_generated(other.path(), seed);
        if !same {
            let path = other.path().join("events.jsonl");
            let text = std::fs::read_to_string(&path).unwrap();
            let mut lines: Vec<&str> = text.lines().collect();
            lines.remove(drop.index(lines.len()));
            std::fs::write(&path, lines.join("\n")).unwrap();
        }
        let policy = detente::Policy::compile(&acme()).unwrap();
        let options = Options::default();
        let as_of = detente::data::latest_time(&policy, &first).unwrap().unwrap();
        let replay = |sources: &[Source], follow| {
            let Batched::Done { replayed, .. } = replay_batched(&policy, sources, Plan { follow, ..Plan::new(as_of, 50) }).unwrap() else {
                panic!("generated events are grouped by account");
            };
            replayed
        };
        let a = replay(&first, None);
        let alone = replay(&second, None);
        let sharing = replay(&second, Some(&a.events));
        prop_assert_eq!(alone.events.len(), sharing.events.len());
        let json = |r: &detente::report::Replayed| serde_json::to_string_pretty(&build_from(&policy, r, &options).unwrap()).unwrap();
        prop_assert!(json(&alone) == json(&sharing), "sharing the first replay's events changed the report");
    }
}

/// Reading a batch ahead on another thread hands over the same batches in
/// the same order, and an error of the caller's stops the reading and is
/// the one returned.
#[test]
fn reading_a_batch_ahead_hands_over_the_same_batches() {
    use detente::data::{DataError, load_grouped_ahead, load_grouped_seen};
    let dir = tempfile::tempdir().unwrap();
    let sources = write_generated(dir.path(), 11);
    let policy = detente::Policy::compile(&acme()).unwrap();
    let ids = |b: &detente::data::Batch| -> Vec<String> {
        b.histories
            .events
            .iter()
            .map(|e| format!("{:?}{}", e.id, e.at))
            .collect()
    };
    let (mut turns, mut ahead) = (Vec::new(), Vec::new());
    let (rest, _) = load_grouped_seen(&policy, &sources, 40, &mut |b| {
        turns.push(ids(&b));
        Ok(())
    })
    .unwrap();
    let (rest_ahead, _) = load_grouped_ahead(&policy, &sources, 40, Order::AsRead, &mut |b| {
        ahead.push(ids(&b));
        Ok(())
    })
    .unwrap();
    assert!(turns.len() > 3, "the data makes several batches");
    assert_eq!(turns, ahead);
    assert_eq!(rest.total(), rest_ahead.total());

    let mut taken = 0;
    let stopped = load_grouped_ahead(&policy, &sources, 40, Order::AsRead, &mut |_| {
        taken += 1;
        match taken {
            2 => Err(DataError::Stopped("enough".into())),
            _ => Ok(()),
        }
    });
    assert!(
        matches!(stopped, Err(DataError::Stopped(ref why)) if why == "enough"),
        "{stopped:?}"
    );
    assert_eq!(taken, 2);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    /// Events in any order (an export sorted by date, or not at all) are
    /// grouped by account first, in temporary files, and give the report
    /// and the row counts of loading the whole file, whatever the
    /// batches; an event id repeated within its account is still a
    /// duplicate, the first in the file kept and the second counted, as
    /// loading the whole file does.
    #[test]
    fn events_in_any_order_are_grouped_first_and_report_as_the_whole_file(
        seed in 0u64..1000,
        order in any::<u64>(),
        batch in 1usize..400,
        repeat in any::<prop::sample::Index>(),
    ) {
        use rand::SeedableRng;
        use rand::seq::SliceRandom;
        let dir = tempfile::tempdir().unwrap();
        let sources = write_generated(dir.path(), seed);
        let path = dir.path().join("events.jsonl");
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines: Vec<&str> = text.lines().collect();
        // Another event under an id already used, a year earlier: which
        // of the two is kept depends on which the file has first.
        let again = lines[repeat.index(lines.len())].replacen("\"at\":\"2026-", "\"at\":\"2025-", 1);
        lines.push(&again);
        lines.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(order));
        std::fs::write(&path, lines.join("\n")).unwrap();

        let policy = detente::Policy::compile(&acme()).unwrap();
        let options = Options::default();
        let expected = whole_report(&policy, &sources, &options);
        let whole = detente::data::load(&policy, &sources).unwrap();
        // The generated data repeats a few ids of its own, and one more.
        prop_assert!(whole.total().duplicates >= 1);
        let as_of = detente::data::latest_time(&policy, &sources).unwrap().unwrap();
        let plan = Plan { options: Some(options), ..Plan::new(as_of, batch) };
        let Batched::Done { replayed, rest, latest, order } =
            replay_batched(&policy, &sources, plan).unwrap()
        else {
            panic!("events in any order are grouped, not read whole");
        };
        prop_assert_eq!(order, Order::Regroup);
        prop_assert_eq!(latest, as_of);
        prop_assert_eq!(rest.total(), whole.total());
        let actual = serde_json::to_string_pretty(&build_from(&policy, &replayed, &options).unwrap()).unwrap();
        prop_assert!(expected == actual, "the report of the events grouped first differs");
    }
}

/// Event `e1` under account `a1` and again under `a2`.
const ID_IN_TWO_ACCOUNTS: &str = "id,contact,account,at,type,url\n\
    e1,c1,a1,2026-01-05T10:00:00Z,page_view,/a\n\
    e1,c2,a2,2026-01-06T10:00:00Z,page_view,/b\n";

#[test]
fn an_event_id_used_under_two_accounts_is_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("events.csv"), ID_IN_TWO_ACCOUNTS).unwrap();
    let sources = [Source::new(
        RecordKind::Events,
        dir.path().join("events.csv"),
    )];
    let policy = detente::Policy::compile(&acme()).unwrap();
    let got = replay_batched(&policy, &sources, Plan::new(0, 100)).unwrap();
    assert!(matches!(got, Batched::Whole(Whole::RepeatedId)), "{got:?}");
    // Loading the whole file drops the second as a repeat.
    let h = detente::data::load(&policy, &sources).unwrap();
    assert_eq!(h.events.len(), 1);
}

/// `classify --stream` cannot fall back to reading the whole file: each
/// account keeps its event, and the summary says so.
#[test]
fn classify_stream_notes_an_event_id_used_under_two_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events.csv");
    std::fs::write(&events, ID_IN_TWO_ACCOUNTS).unwrap();
    let out = crate::detente()
        .args(["classify", "--policy", "policies/acme.detente", "--stream"])
        .args(["-o", "jsonl", "--events"])
        .arg(&events)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let journeys = String::from_utf8_lossy(&out.stdout).lines().count();
    assert_eq!(journeys, 2, "both contacts, each with its event");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("an event id may be used under two accounts")
            && err.contains("without --stream the second is dropped"),
        "{err}"
    );
}

pub(crate) fn acme() -> String {
    std::fs::read_to_string(crate::root().join("policies/acme.detente")).unwrap()
}

/// The acme policy with a metric of every aggregate cut by a field
/// (contact and account fields, with and without `where`), and
/// incentives paid per rep or office, measured a quarter or a year later
/// (the year: a span no other incentive or period of the report has, so
/// that a batch must count it for the periods before its own).
pub(crate) fn acme_segmented() -> String {
    acme()
        + r#"
metric mqls_by_office "Executives' MQLs by office" by contact.office =
  count(entered mql where contact.seniority == "executive")
metric wins_by_source by contact.lead_source = count(deal_won) / (count(deal_won) + count(deal_lost))
metric won_value_by_owner by contact.owner = sum(deal_won.amount where contact.seniority != "ic")
metric demo_share_by_owner by contact.owner = share(demo_request by marketing)
metric accounts_engaged by account.sdr = count(entered engaged)
metric follow_up_by_owner by contact.owner = attainment(mql_follow_up)
metric cycle_by_office by contact.office = median(days(opportunity -> customer))
metric conversion_by_source by contact.lead_source = conversion(mql -> sql)
metric budget_by_office by contact.office = sum(entered customer .budget)

incentive rep_bonus "2% of each rep's won value over 1,000, paid a quarter on" {
  teams sales
  per contact.owner
  period quarter
  lagged 1 quarter
  target sum(deal_won.amount) >= 1_000
  payout (sum(deal_won.amount) - 1_000) * 2%
}

incentive office_signups "Each office's new subscribers, paid a year on" {
  teams marketing
  per contact.office
  period year
  lagged 1 year
  target count(entered subscriber) >= 1
  payout 100
}
"#
}

/// Without `--as-of`, `classify --stream` replays up to the latest time a
/// quick read of the time columns finds, and writes the journeys once the
/// rows accepted prove it. When the latest row is rejected for another
/// column, or is a repeat of an earlier event id, the rows accepted end
/// earlier: the replay runs again up to their latest time, and the
/// journeys are those of reading the whole file (which finds that time
/// among the rows it kept). A journey replayed to the later time would
/// differ: the SLA on a form submission is breached in between.
#[test]
fn classify_stream_without_as_of_replays_to_the_latest_accepted_row() {
    let dir = tempfile::tempdir().unwrap();
    let contacts = dir.path().join("contacts.csv");
    std::fs::write(
        &contacts,
        "id,account,created_at,title\n\
         c1,a1,2026-01-02T09:00:00Z,VP Marketing\n\
         c2,a1,2026-01-02T09:00:00Z,Analyst\n",
    )
    .unwrap();
    let head = "id,contact,account,at,type,form,outcome\n\
                e1,c1,a1,2026-01-05T10:00:00Z,form_submit,demo,\n\
                e2,c2,a1,2026-01-06T10:00:00Z,form_submit,demo,\n";
    let cases = [
        // A value the type does not take: the row is rejected.
        (
            "rejected",
            "e3,c2,a1,2026-03-01T10:00:00Z,sales_call,,maybe\n",
        ),
        // The id of an earlier event, at a later time: a repeat.
        (
            "repeated",
            "e2,c2,a1,2026-03-01T10:00:00Z,form_submit,demo,\n",
        ),
    ];
    for (why, last) in cases {
        let events = dir.path().join(format!("events-{why}.csv"));
        std::fs::write(&events, format!("{head}{last}")).unwrap();
        let run = |extra: &[&str]| {
            let out = crate::detente()
                .args([
                    "classify",
                    "--policy",
                    "policies/acme.detente",
                    "-o",
                    "jsonl",
                ])
                .args(extra)
                .arg("--contacts")
                .arg(&contacts)
                .arg("--events")
                .arg(&events)
                .output()
                .unwrap();
            String::from_utf8_lossy(&out.stdout).to_string()
        };
        let streamed = run(&["--stream"]);
        let whole = run(&[]);
        assert_eq!(streamed.lines().count(), 2, "{why}: {streamed}");
        assert_eq!(streamed, whole, "{why}");
        // Replayed to the rejected row's time, the journeys differ: the
        // test would not notice a replay to the wrong time otherwise.
        let too_late = run(&["--stream", "--as-of", "2026-03-01T10:00:00Z"]);
        assert_ne!(streamed, too_late, "{why}");
    }
}

/// The report of `sources` read whole and read a batch of accounts at a
/// time in batches of `batch` events: (whole JSON, batched JSON), with
/// the row counts and problems of both compared.
fn whole_and_batched(
    policy: &detente::Policy,
    sources: &[Source],
    batch: usize,
) -> Result<(String, String), Whole> {
    let options = Options::default();
    let expected = whole_report(policy, sources, &options);
    let whole = detente::data::load(policy, sources).unwrap();
    let as_of = detente::data::latest_time(policy, sources)
        .unwrap()
        .unwrap();
    let plan = Plan {
        options: Some(options),
        ..Plan::new(as_of, batch)
    };
    let (replayed, rest) = match replay_batched(policy, sources, plan).unwrap() {
        Batched::Done {
            replayed,
            rest,
            order,
            ..
        } => {
            // Deals are replayed in batches after a first pass over
            // every event.
            assert_eq!(order, Order::Regroup);
            (replayed, rest)
        }
        Batched::Whole(why) => return Err(why),
    };
    assert_eq!(rest.counts, whole.counts);
    let said = |h: &detente::data::Histories| -> Vec<(String, u64, String)> {
        h.problems
            .iter()
            .map(|p| (p.code.as_str().to_string(), p.line, p.reason.clone()))
            .collect()
    };
    assert_eq!(said(&rest), said(&whole));
    let actual =
        serde_json::to_string_pretty(&build_from(policy, &replayed, &options).unwrap()).unwrap();
    Ok((expected, actual))
}

/// Deals are replayed a batch of accounts at a time as well: each with
/// its account (a deal with none on its own), its events and its contact
/// rows, which are checked against every contact of the data first. The
/// shipped deal examples (Salesforce's objects, with roles; a pipeline of
/// deals with no account) give the whole file's report, row counts and
/// problems, whatever the batch; so does the Salesforce data with a
/// contact row naming a contact nobody has (set aside, D022).
#[test]
fn deals_are_replayed_in_batches_as_the_whole_file() {
    use detente::data::manifest::Manifest;
    for example in ["examples/deals/salesforce", "examples/deals/pipeline"] {
        let manifest = Manifest::read(&crate::root().join(example).join("detente.toml")).unwrap();
        let text = std::fs::read_to_string(manifest.policy.unwrap()).unwrap();
        let policy = detente::Policy::compile(&text).unwrap();
        for batch in [1, 37, 100_000] {
            let (whole, batched) = whole_and_batched(&policy, &manifest.sources, batch).unwrap();
            assert!(
                whole == batched,
                "{example}, batches of {batch}: the report changed"
            );
        }
        // An event of a deal alone is its deal's group's, and no contact's.
        let mut nobody = 0;
        detente::data::load_grouped_in(&policy, &manifest.sources, 50, Order::Regroup, &mut |b| {
            nobody += b
                .groups
                .iter()
                .flat_map(|g| &g.contacts)
                .filter(|c| c.is_empty())
                .count();
            Ok(())
        })
        .unwrap();
        assert_eq!(nobody, 0, "{example}");
    }

    // A copy of the Salesforce data with a row naming a ghost contact.
    let dir = tempfile::tempdir().unwrap();
    let example = crate::root().join("examples/deals/salesforce");
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    for f in std::fs::read_dir(example.join("data")).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, data.join(f.file_name().unwrap())).unwrap();
    }
    let roles = data.join("OpportunityContactRole.csv");
    let mut text = std::fs::read_to_string(&roles).unwrap();
    // Deal 0060000002 (won) has no economic buyer: kept, the row would
    // give it one, and move it between `win_rate_with_economic_buyer` and `_without_...`.
    text.push_str("00K999999,0060000002,003999999,Economic Buyer,false\n");
    std::fs::write(&roles, text).unwrap();
    let policy_text = std::fs::read_to_string(example.join("salesforce.detente")).unwrap();
    std::fs::write(dir.path().join("salesforce.detente"), &policy_text).unwrap();
    let manifest_text = std::fs::read_to_string(example.join("detente.toml")).unwrap();
    std::fs::write(dir.path().join("detente.toml"), &manifest_text).unwrap();
    let policy = detente::Policy::compile(&policy_text).unwrap();
    let manifest = Manifest::read(&dir.path().join("detente.toml")).unwrap();
    let (whole, batched) = whole_and_batched(&policy, &manifest.sources, 50).unwrap();
    assert!(
        whole == batched,
        "the ghost contact's row changed the report"
    );
    let h = detente::data::load(&policy, &manifest.sources).unwrap();
    assert!(
        h.problems
            .iter()
            .any(|p| p.code.as_str() == "D022" && p.reason.contains("003999999"))
    );

    // A contact's event naming a deal of another account: the whole
    // file's replay of the deal sees it, a batch's would not, so the
    // report reads the whole file (with a warning, D020, on the line).
    std::fs::write(
        dir.path().join("cross.csv"),
        "contact,deal,at,stage\n003000001,0060000002,4/20/2025,Closed Won\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("detente.toml"),
        format!(
            "{manifest_text}\n[[data.events]]\npath = \"cross.csv\"\ncolumns = {{ contact = \"contact\", deal = \"deal\", at = \"at\", stage_name = \"stage\" }}\nset = {{ type = \"stage_change\" }}\nformats = {{ at = \"%m/%d/%Y\" }}\n"
        ),
    )
    .unwrap();
    let manifest = Manifest::read(&dir.path().join("detente.toml")).unwrap();
    assert_eq!(
        whole_and_batched(&policy, &manifest.sources, 50).err(),
        Some(Whole::Crosses)
    );
}

/// Every won deal of the data given one id, and every opportunity
/// another: each is then one deal, counted once, as one replay of the
/// whole data first meets it (the smallest contact id). Batches of one
/// account each meet it in several batches, which must keep the same
/// one, whichever batch comes last.
#[test]
fn a_deal_id_in_many_accounts_is_the_one_the_whole_file_meets_first() {
    let dir = tempfile::tempdir().unwrap();
    let sources = write_generated(dir.path(), 3);
    let path = dir.path().join("events.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let shared = regex::Regex::new(r#""opportunity":"o-[0-9-]+""#).unwrap();
    let mut won: Vec<(String, String, String)> = Vec::new();
    let lines: Vec<String> = text
        .lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let id = match v["type"].as_str() {
                Some("deal_won") => {
                    let field = |k: &str| v[k].to_string().trim_matches('"').to_string();
                    won.push((field("contact"), field("at"), field("amount")));
                    "o-won"
                }
                _ => "o-created",
            };
            shared
                .replace(line, format!(r#""opportunity":"{id}""#))
                .into_owned()
        })
        .collect();
    std::fs::write(&path, lines.join("\n")).unwrap();
    // The deal one replay meets first: the smallest contact id, then its
    // earliest won deal.
    won.sort();
    let (_, _, amount) = won
        .first()
        .expect("the generated data has won deals")
        .clone();
    assert!(
        won.iter().any(|w| w.2 != amount),
        "the test needs won deals of different amounts"
    );

    let policy = detente::Policy::compile(&acme()).unwrap();
    let options = Options::default();
    let expected = whole_report(&policy, &sources, &options);
    let report: serde_json::Value = serde_json::from_str(&expected).unwrap();
    assert_eq!(report["attribution"]["deals"], 1);
    assert_eq!(report["attribution"]["opportunities"], 1);
    assert_eq!(
        report["attribution"]["revenue"],
        format!("{}.00", amount),
        "the first deal met is the smallest contact's"
    );
    let as_of = detente::data::latest_time(&policy, &sources)
        .unwrap()
        .unwrap();
    for batch in [1, 50, 100_000] {
        let plan = Plan {
            options: Some(options),
            ..Plan::new(as_of, batch)
        };
        let Batched::Done { replayed, .. } = replay_batched(&policy, &sources, plan).unwrap()
        else {
            panic!("generated events are grouped by account");
        };
        assert!(replayed.running.is_some());
        let actual =
            serde_json::to_string_pretty(&build_from(&policy, &replayed, &options).unwrap())
                .unwrap();
        assert!(
            expected == actual,
            "batches of {batch} events changed the report"
        );
    }
}

/// The running tallies of any two parts of the journeys that keep each
/// account whole (a buying group shares its credit), merged in either
/// order, finish into the sections of the whole: merging is what lets a
/// report count batch by batch, and later shard by shard.
#[test]
fn tallies_of_two_parts_merged_either_way_are_the_tallies_of_the_whole() {
    use detente::report::context::{Batch, Ctx};
    use detente::report::running::Tallies;
    use detente::report::{attribution, calibration, funnel, lift, metrics, sla};
    let dir = tempfile::tempdir().unwrap();
    let sources = write_generated(dir.path(), 11);
    let policy = detente::Policy::compile(&acme_segmented()).unwrap();
    let h = detente::data::load(&policy, &sources).unwrap();
    let replayed =
        detente::report::Replayed::whole(&policy, &h, detente::eval::evaluate(&policy, &h, None));
    let n = replayed.eval.journeys.len();
    let options = Options::default();
    let whole = Ctx::new(&policy, &replayed, &options);
    let sections = |t: &Tallies| {
        let json = |v: serde_json::Value| v.to_string();
        [
            json(serde_json::json!(funnel::funnel(&whole, &t.paths))),
            json(serde_json::json!(funnel::velocity(&whole, &t.paths))),
            json(serde_json::json!(funnel::triggers(&whole, &t.paths))),
            json(serde_json::json!(funnel::balance(&whole, &t.paths))),
            json(serde_json::json!(funnel::dropouts(&whole, &t.paths))),
            json(serde_json::json!(lift::lift(&whole, &t.lift))),
            json(serde_json::json!(attribution::attribution(
                &whole,
                &t.attribution
            ))),
            json(serde_json::json!(calibration::calibration(
                &whole,
                &t.calibration
            ))),
            json(serde_json::json!(sla::slas(&whole, &t.slas))),
            json(serde_json::json!(metrics::metrics(
                &whole,
                Some(&t.metrics)
            ))),
            json(serde_json::json!(metrics::incentives(
                &whole,
                Some(&t.metrics)
            ))),
        ]
    };
    let expected = sections(&Tallies::of(&whole));
    // The metrics and incentives of the whole, counted from the journeys
    // one period and one segment at a time, as a diff counts them.
    let json = |v: serde_json::Value| v.to_string();
    assert_eq!(
        expected[9],
        json(serde_json::json!(metrics::metrics(&whole, None)))
    );
    assert_eq!(
        expected[10],
        json(serde_json::json!(metrics::incentives(&whole, None)))
    );
    assert!(expected[9].contains("\"segments\":[{"), "segments were cut");
    assert!(expected[10].contains("\"payees\":[{"), "payees were paid");
    // Generated contact ids start with their account's, so the journeys,
    // in contact order, come account by account; the deals and the
    // accounts are cut where their account id passes the contact's.
    let eval = &replayed.eval;
    let account = |i: usize| eval.journeys[i].account.clone();
    let splits: Vec<usize> = (0..=n)
        .filter(|&k| k == 0 || k == n || account(k - 1) != account(k))
        .collect();
    assert!(splits.len() > 10, "the data has accounts to split between");
    let accounts: std::collections::BTreeSet<_> = (0..n).map(account).collect();
    assert_eq!(accounts.len(), splits.len() - 1, "each account in one run");
    assert!(
        eval.journeys.iter().any(|j| !j.slas.is_empty()),
        "the data has SLA instances"
    );
    for k in splits {
        // The first account of the second part, if any.
        let cut = (k < n).then(|| account(k).unwrap());
        let before = |a: Option<&String>| match (&cut, a) {
            (None, _) => true,
            (Some(c), Some(a)) => a < c,
            (Some(_), None) => false,
        };
        let deals = eval
            .deals
            .iter()
            .take_while(|d| before(d.account.as_ref()))
            .count();
        let accts = eval
            .accounts
            .iter()
            .take_while(|a| before(Some(&a.account)))
            .count();
        assert!(
            eval.deals[deals..]
                .iter()
                .all(|d| !before(d.account.as_ref()))
        );
        assert!(
            eval.accounts[accts..]
                .iter()
                .all(|a| !before(Some(&a.account)))
        );
        let first = Batch {
            journeys: 0..k,
            deals: 0..deals,
            accounts: 0..accts,
        };
        let second = Batch {
            journeys: k..n,
            deals: deals..eval.deals.len(),
            accounts: accts..eval.accounts.len(),
        };
        let part =
            |b: &Batch| Tallies::of(&Ctx::batch(&policy, &replayed, &options, b.clone(), None));
        let mut ab = part(&first);
        ab.merge(part(&second));
        let mut ba = part(&second);
        ba.merge(part(&first));
        assert_eq!(sections(&ab), expected, "split at {k} of {n}");
        assert_eq!(
            sections(&ba),
            expected,
            "split at {k} of {n}, merged the other way"
        );
    }
}

/// A date-sorted export of a few hundred accounts, with an event of
/// every fortieth line given again at the end under the same id a year
/// earlier: the events are grouped through temporary files holding
/// several accounts each, interleaved, and of each repeated id the first
/// in the file is kept, as loading the whole file does. (Sorting a file
/// of many accounts by account with an unstable sort would swap some of
/// an account's events, and keep the later copy.)
#[test]
fn grouping_a_date_sorted_export_keeps_each_accounts_file_order() {
    let dir = tempfile::tempdir().unwrap();
    let policy = detente::Policy::compile(&acme()).unwrap();
    let options = detente::generate::Options {
        seed: 7,
        accounts: 400,
        ..Default::default()
    };
    let (mut c, mut a, mut e) = (Vec::new(), Vec::new(), Vec::new());
    detente::generate::generate(&policy, &options, &mut c, &mut a, &mut e).unwrap();
    std::fs::write(dir.path().join("contacts.csv"), c).unwrap();
    std::fs::write(dir.path().join("accounts.csv"), a).unwrap();
    let text = String::from_utf8(e).unwrap();
    let at = |l: &str| l.split("\"at\":\"").nth(1).unwrap_or("").to_string();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    lines.sort_by_key(|l| at(l));
    let copies: Vec<String> = (0..lines.len())
        .step_by(40)
        .map(|i| lines[i].replacen("\"at\":\"2026-", "\"at\":\"2025-", 1))
        .filter(|l| l.contains("\"at\":\"2025-"))
        .collect();
    assert!(copies.len() > 100, "{} copies", copies.len());
    lines.extend(copies);
    std::fs::write(dir.path().join("events.jsonl"), lines.join("\n")).unwrap();
    let sources = vec![
        Source::new(RecordKind::Contacts, dir.path().join("contacts.csv")),
        Source::new(RecordKind::Accounts, dir.path().join("accounts.csv")),
        Source::new(RecordKind::Events, dir.path().join("events.jsonl")),
    ];
    let options = Options::default();
    let expected = whole_report(&policy, &sources, &options);
    let as_of = detente::data::latest_time(&policy, &sources)
        .unwrap()
        .unwrap();
    let plan = Plan {
        options: Some(options),
        ..Plan::new(as_of, 5_000)
    };
    let Batched::Done {
        replayed, order, ..
    } = replay_batched(&policy, &sources, plan).unwrap()
    else {
        panic!("a date-sorted export is grouped, not read whole");
    };
    assert_eq!(order, Order::Regroup);
    let actual =
        serde_json::to_string_pretty(&build_from(&policy, &replayed, &options).unwrap()).unwrap();
    assert!(
        expected == actual,
        "the report of the events grouped first differs"
    );
}

/// One deal's win recorded on two contacts of different offices, at one
/// instant: the sum counts it once, in the office of the contact a whole
/// replay meets first (contacts in id order: `c1`, East), whatever the
/// file's order or the batches; another win of the same deal at another
/// instant is another.
#[test]
fn a_deal_event_on_two_contacts_counts_once_in_the_first_contacts_segment() {
    let dir = tempfile::tempdir().unwrap();
    let policy = r#"policy "Offices" {
  timezone "UTC"
  currency "USD"
  teams sales
}

contact {
  office: text?
}

event deal_won { amount: money }

lifecycle contact {
  stage lead initial owner sales
  stage won final owner sales

  lead -> won on deal_won
}

metric won_by_office by contact.office = sum(deal_won.amount)
"#;
    let policy = detente::Policy::compile(policy).unwrap();
    std::fs::write(
        dir.path().join("contacts.csv"),
        "id,account,office\nc1,a1,East\nc2,a1,West\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("events.csv"),
        "contact,deal,at,type,amount\n\
         c2,d1,2026-01-02T10:00:00Z,deal_won,100\n\
         c1,d1,2026-01-02T10:00:00Z,deal_won,100\n\
         c2,d1,2026-01-05T10:00:00Z,deal_won,50\n",
    )
    .unwrap();
    let sources = vec![
        Source::new(RecordKind::Contacts, dir.path().join("contacts.csv")),
        Source::new(RecordKind::Events, dir.path().join("events.csv")),
    ];
    let options = Options::default();
    let expected = whole_report(&policy, &sources, &options);
    let r: serde_json::Value = serde_json::from_str(&expected).unwrap();
    let cell = &r["metrics"][0]["values"][0];
    assert_eq!(cell["value"], "150.00", "{cell}");
    let segments: Vec<(String, String)> = cell["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let name = s["segment"].as_str().unwrap().to_string();
            (name, s["value"].as_str().unwrap().to_string())
        })
        .collect();
    assert_eq!(
        segments,
        [
            ("East".to_string(), "100.00".to_string()),
            ("West".to_string(), "50.00".to_string())
        ]
    );
    for batch in [1, 2, 100] {
        let plan = Plan {
            options: Some(options),
            ..Plan::new(
                detente::data::latest_time(&policy, &sources)
                    .unwrap()
                    .unwrap(),
                batch,
            )
        };
        let Batched::Done { replayed, .. } = replay_batched(&policy, &sources, plan).unwrap()
        else {
            panic!("one account's events are read in batches");
        };
        let actual =
            serde_json::to_string_pretty(&build_from(&policy, &replayed, &options).unwrap())
                .unwrap();
        assert!(expected == actual, "batches of {batch} events");
    }
}

/// A report's replay keeps no journey: each batch is counted, then
/// dropped. Each batch's report starts at its own earliest instant, or
/// where the caller says the whole report starts (`Plan::start`). A
/// start that is not the whole report's (before it, a batch counts what
/// the report leaves out; after it, a batch leaves out what the report
/// counts) is found once the last batch gives the whole report's start,
/// and the replay counts again from that start: the report is the whole
/// file's, never one counted from the wrong start.
#[test]
fn a_replay_counted_from_the_wrong_start_counts_again_from_the_right_one() {
    let dir = tempfile::tempdir().unwrap();
    let sources = write_generated(dir.path(), 7);
    let policy = detente::Policy::compile(&acme()).unwrap();
    let options = Options::default();
    let expected = whole_report(&policy, &sources, &options);
    let report: serde_json::Value = serde_json::from_str(&expected).unwrap();
    let from = report["from"].as_str().unwrap();
    let from = chrono::DateTime::parse_from_rfc3339(from)
        .unwrap()
        .timestamp_millis();
    let as_of = detente::data::latest_time(&policy, &sources)
        .unwrap()
        .unwrap();
    const DAY: i64 = 86_400_000;
    for start in [
        None,
        Some(from),
        Some(from - 365 * DAY),
        Some(from + 30 * DAY),
    ] {
        for batch in [1, 100] {
            let plan = Plan {
                options: Some(options),
                start,
                ..Plan::new(as_of, batch)
            };
            let Batched::Done { replayed, .. } = replay_batched(&policy, &sources, plan).unwrap()
            else {
                panic!("generated events are grouped by account");
            };
            assert!(replayed.forgot(), "the report's replay keeps no journey");
            assert!(replayed.eval.journeys.is_empty() && replayed.eval.accounts.is_empty());
            let actual =
                serde_json::to_string_pretty(&build_from(&policy, &replayed, &options).unwrap())
                    .unwrap();
            assert!(
                expected == actual,
                "batches of {batch} events from {start:?} changed the report"
            );
        }
    }
}

/// A replay counted for a diff keeps only what a diff reads (the metrics
/// and each SLA's counts by status): no report is made from it, rather
/// than one with empty sections.
#[test]
fn a_replay_counted_for_a_diff_makes_no_report() {
    use detente::report::BuildError;
    use detente::report::running::Counting;
    let dir = tempfile::tempdir().unwrap();
    let sources = write_generated(dir.path(), 7);
    let policy = detente::Policy::compile(&acme()).unwrap();
    let options = Options::default();
    let as_of = detente::data::latest_time(&policy, &sources)
        .unwrap()
        .unwrap();
    let plan = Plan {
        options: Some(options),
        counting: Counting::Diff,
        ..Plan::new(as_of, 100)
    };
    let Batched::Done { replayed, .. } = replay_batched(&policy, &sources, plan).unwrap() else {
        panic!("generated events are grouped by account");
    };
    let built = build_from(&policy, &replayed, &options);
    assert!(
        matches!(built, Err(BuildError::Uncounted { .. })),
        "{built:?}"
    );
}

/// A won deal with no deal id is counted by its event, whose number must
/// be the whole file's: three accounts each winning one such deal at the
/// same place of its batch (its second event) are three deals, $600 in
/// all (100 + 200 + 300, by hand), whatever the batches, and although
/// each batch's journeys and events are dropped once counted.
#[test]
fn won_deals_without_an_id_in_separate_batches_are_separate_deals() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let fixture = crate::root().join("tests/fixtures/computes");
    std::fs::write(
        d.join("accounts.csv"),
        "id,domain\na1,one.example\na2,two.example\na3,three.example\n",
    )
    .unwrap();
    std::fs::write(
        d.join("contacts.csv"),
        "id,account,created_at,email\nc1,a1,2017-04-01,c1@one.example\nc2,a2,2017-04-01,c2@two.example\nc3,a3,2017-04-01,c3@three.example\n",
    )
    .unwrap();
    std::fs::write(
        d.join("events.csv"),
        "contact,at,type,form,amount\n\
         c1,2017-04-02T10:00:00Z,form_submit,demo,\n\
         c1,2017-04-20T10:00:00Z,deal_won,,100\n\
         c2,2017-04-03T10:00:00Z,form_submit,demo,\n\
         c2,2017-04-21T10:00:00Z,deal_won,,200\n\
         c3,2017-04-04T10:00:00Z,form_submit,demo,\n\
         c3,2017-04-22T10:00:00Z,deal_won,,300\n",
    )
    .unwrap();
    let sources = vec![
        Source::new(RecordKind::Contacts, d.join("contacts.csv")),
        Source::new(RecordKind::Accounts, d.join("accounts.csv")),
        Source::new(RecordKind::Events, d.join("events.csv")),
    ];
    let text = std::fs::read_to_string(fixture.join("policy.detente")).unwrap();
    let policy = detente::Policy::compile(&text).unwrap();
    let options = Options::default();
    let as_of = detente::data::latest_time(&policy, &sources)
        .unwrap()
        .unwrap();
    for batch in [1, 2, 100] {
        let plan = Plan {
            options: Some(options),
            ..Plan::new(as_of, batch)
        };
        let Batched::Done { replayed, .. } = replay_batched(&policy, &sources, plan).unwrap()
        else {
            panic!("the events are grouped by account");
        };
        let report =
            serde_json::to_value(build_from(&policy, &replayed, &options).unwrap()).unwrap();
        assert_eq!(
            report["attribution"]["deals"], 3,
            "batches of {batch} events"
        );
        assert_eq!(
            report["attribution"]["revenue"], "600.00",
            "batches of {batch} events"
        );
    }
}
