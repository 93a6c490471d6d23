//! Segments add up: for counts of events and sums of event amounts, cut
//! by a contact's field, an account's field or the event's own field
//! (each read at the event's instant), the segments of every period add
//! up to its total, whatever the history (updates that change the field
//! between events, merges, moves by hand, rows the loader rejects).

#![allow(
    clippy::indexing_slicing,
    reason = "JSON is read by key; a missing key reads as null and fails the assertion"
)]

use std::str::FromStr;

use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::Value as Json;

use detente::Policy;
use detente::report::context::Options;

use crate::engine_props::{START, acme_sources, raw_event};

fn policy() -> Policy {
    let mut text = std::fs::read_to_string(crate::root().join("policies/acme.detente")).unwrap();
    text.push_str(
        "
metric wins_by_title by contact.title = count(deal_won)
metric won_by_size by account.employees = sum(deal_won.amount)
metric forms_by_form by event.form = count(form_submit)
metric won_by_title_amount by contact.title = sum(deal_won.amount)
",
    );
    Policy::compile(&text).unwrap()
}

/// Checks that each period's segments of metric `name` add up to its
/// total.
fn segments_add_up(json: &Json, name: &str) -> Result<(), TestCaseError> {
    let row = json["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == name)
        .unwrap();
    for cell in row["values"].as_array().unwrap() {
        let total = exact(&cell["value"]).unwrap();
        let parts: Decimal = cell["segments"]
            .as_array()
            .map(|s| s.iter().map(|x| exact(&x["value"]).unwrap()).sum())
            .unwrap_or(Decimal::ZERO);
        prop_assert_eq!(parts, total, "{} in {}: {:?}", name, cell["period"], cell);
    }
    Ok(())
}

/// A figure as an exact number: money strings and counts alike.
fn exact(v: &Json) -> Option<Decimal> {
    match v {
        Json::String(s) => Decimal::from_str(s).ok(),
        Json::Number(n) => Decimal::from_str(&n.to_string()).ok(),
        _ => None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn the_segments_of_counts_and_sums_add_up_to_the_total(
        events in prop::collection::vec(raw_event(), 0..60),
        with_records in any::<bool>(),
    ) {
        let policy = policy();
        let h = detente::data::load(&policy, &acme_sources(&events, with_records)).unwrap();
        let as_of = Some((START + 6000 * 3600) * 1000);
        let ev = detente::eval::evaluate(&policy, &h, as_of);
        let options = Options { period: detente::ir::Period::Month, ..Options::default() };
        let report = detente::report::build::build(&policy, &h, &ev, &options);
        let json = serde_json::to_value(&report).unwrap();
        for name in ["wins_by_title", "won_by_size", "forms_by_form", "won_by_title_amount"] {
            segments_add_up(&json, name)?;
        }
    }
}

/// Deals won by three contacts whose titles change, some of them one
/// opportunity won by two contacts: `(contact, hour, deal?, variant)`.
fn deal_rows(events: &[(usize, u32, bool, usize)]) -> Vec<detente::data::Source> {
    use detente::data::{RecordKind, Source};
    use serde_json::{Map, json};
    let rows = events
        .iter()
        .map(|&(c, hour, deal, v)| {
            let at = chrono::DateTime::from_timestamp(START + i64::from(hour) * 3600, 0).unwrap();
            let mut o = Map::new();
            o.insert("contact".into(), json!(format!("c-{}", c % 3)));
            o.insert(
                "at".into(),
                json!(at.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
            );
            if deal {
                o.insert("type".into(), json!("deal_won"));
                o.insert("amount".into(), json!(["100", "250", "4000"][v % 3]));
                if v % 3 != 0 {
                    o.insert("opportunity".into(), json!(format!("o-{}", v % 2)));
                }
            } else {
                o.insert("type".into(), json!("update"));
                o.insert("title".into(), json!(["CFO", "Analyst"][v % 2]));
            }
            o
        })
        .collect();
    vec![Source::inline(RecordKind::Events, "events", rows)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn an_opportunity_won_by_two_contacts_counts_once_in_one_segment(
        events in prop::collection::vec((0usize..3, 0u32..2000, prop::bool::weighted(0.6), 0usize..6), 0..30),
    ) {
        let policy = policy();
        let h = detente::data::load(&policy, &deal_rows(&events)).unwrap();
        let as_of = Some((START + 2000 * 3600) * 1000);
        let ev = detente::eval::evaluate(&policy, &h, as_of);
        let options = Options { period: detente::ir::Period::Quarter, ..Options::default() };
        let json = serde_json::to_value(detente::report::build::build(&policy, &h, &ev, &options)).unwrap();
        segments_add_up(&json, "won_by_title_amount")?;
    }
}
