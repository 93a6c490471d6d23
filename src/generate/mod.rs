//! `detente generate`: deterministic, seedable contact histories shaped for
//! `policies/acme.detente` (its event types, fields and business calendar),
//! for examples, tests and benchmarks.
//!
//! Every account's story draws from its own random stream (the seed plus
//! the account's number), so the same seed gives byte-identical files, and
//! asking for more accounts adds stories without changing the first ones.
//! The story is plausible human behaviour, not a replay of the policy: reps
//! who call late, leads sales rejects, deals that go dark, duplicates that
//! get merged, colleagues of one account forming a buying group.

mod bad_rows;
mod deals;
mod people;
mod story;

use std::io::Write;

use chrono::{NaiveDate, NaiveTime};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value as Json, json};

use crate::compile::Policy;
use crate::data::time::{format_instant, local};
use crate::eval::calendar_of;
use crate::ir::{Ir, Type};

pub use bad_rows::bad_events;
pub use deals::{DealFiles, DealShape, deal_exports};
use story::{GenContact, GenEvent, When, World};

#[derive(Debug, Clone)]
pub struct Options {
    pub seed: u64,
    /// Accounts to tell a story for (about 4% of them are lone sign-ups
    /// without an account); contacts are about 5.4 per account.
    pub accounts: usize,
    /// Stop after the account whose contacts reach this many (instead of
    /// after `accounts` accounts, when that comes first).
    pub contacts: Option<usize>,
    /// Write events as CSV (one column per event field) instead of JSON
    /// Lines.
    pub events_csv: bool,
    /// The first and last day of the period, in the policy's timezone.
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Write about this share of event rows twice, as CRM exports that
    /// overlap do (they count as duplicates, not errors).
    pub duplicate_share: f64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            seed: 7,
            accounts: 500,
            contacts: None,
            events_csv: false,
            from: NaiveDate::from_ymd_opt(2025, 10, 1).unwrap_or_default(),
            to: NaiveDate::from_ymd_opt(2026, 10, 31).unwrap_or_default(),
            duplicate_share: 0.004,
        }
    }
}

/// What was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// The first contact written, for examples that need a real id.
    pub first_contact: Option<String>,
    pub accounts: usize,
    pub contacts: usize,
    pub events: usize,
    /// Event rows written a second time.
    pub duplicate_rows: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error(
        "the generator writes data for policies shaped like policies/acme.detente; this policy {0}"
    )]
    Schema(String),
    #[error("the period is empty: `--from` ({0}) must be before `--to` ({1})")]
    Period(NaiveDate, NaiveDate),
    #[error("cannot write: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot write: {0}")]
    Csv(#[from] csv::Error),
    #[error("cannot write: {0}")]
    Json(#[from] serde_json::Error),
}

/// The event types and fields the stories use, for the schema check.
const EVENTS: &[(&str, &[&str])] = &[
    ("page_view", &["url"]),
    ("form_submit", &["form"]),
    ("email_click", &["campaign"]),
    ("webinar", &["name"]),
    ("sales_call", &["outcome"]),
    ("meeting", &["outcome"]),
    ("sales_feedback", &["verdict", "reason"]),
    ("opportunity_created", &["amount"]),
    ("deal_won", &["amount"]),
    ("deal_lost", &["reason"]),
    ("churned", &[]),
];
const CONTACT_FIELDS: &[&str] = &[
    "email",
    "title",
    "department",
    "seniority",
    "budget_confirmed",
    "budget",
    "timeline_days",
    "consent_given_on",
    "last_enriched_at",
    "owner",
];
/// Written after [`CONTACT_FIELDS`] for a scoreboard to cut by (the rep's
/// office and manager, the contact's lead source); a policy that does not
/// declare them is told they are not read.
const SCOREBOARD_CONTACT_FIELDS: &[&str] = &["office", "manager", "lead_source"];
const ACCOUNT_FIELDS: &[&str] = &[
    "domain",
    "employees",
    "industry",
    "region",
    "annual_revenue",
];
/// Written after [`ACCOUNT_FIELDS`]: the account's SDR.
const SCOREBOARD_ACCOUNT_FIELDS: &[&str] = &["sdr"];

/// Says what the policy lacks, if anything, for the generated data to load.
pub fn check_schema(model: &Ir) -> Result<(), GenerateError> {
    let mut missing = Vec::new();
    for (ty, fields) in EVENTS {
        match model.events.iter().find(|e| e.name == *ty) {
            None => missing.push(format!("event `{ty}`")),
            Some(e) => {
                for f in *fields {
                    if !e.fields.iter().any(|x| x.name == *f) {
                        missing.push(format!("field `{f}` of event `{ty}`"));
                    }
                }
            }
        }
    }
    for f in CONTACT_FIELDS {
        if !model.contact_fields.iter().any(|x| x.name == *f) {
            missing.push(format!("contact field `{f}`"));
        }
    }
    for f in ACCOUNT_FIELDS {
        if !model.account_fields.iter().any(|x| x.name == *f) {
            missing.push(format!("account field `{f}`"));
        }
    }
    if let Some(f) = model.contact_fields.iter().find(|f| f.name == "seniority")
        && let Type::Enum(values) = &f.ty
    {
        for v in ["ic", "manager", "director", "executive"] {
            if !values.iter().any(|x| x == v) {
                missing.push(format!("seniority value \"{v}\""));
            }
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(GenerateError::Schema(format!(
            "has no {}; point --policy at policies/acme.detente or add them",
            missing.join(", ")
        )))
    }
}

/// Where event rows go: JSON Lines, or CSV with one column per field of
/// any event type.
enum EventsOut<W: Write> {
    Jsonl(W),
    Csv(Box<csv::Writer<W>>, Vec<String>),
}

impl<W: Write> EventsOut<W> {
    fn new(model: &crate::ir::Ir, csv: bool, out: W) -> Result<Self, GenerateError> {
        if !csv {
            return Ok(EventsOut::Jsonl(out));
        }
        let mut columns: Vec<String> = ["id", "contact", "at", "type", "opportunity"]
            .map(String::from)
            .to_vec();
        // Every field an event row can carry: event types' fields, then
        // the contact and account fields `update` and `account_update`
        // rows change, then `set_stage`'s and `merge`'s.
        let names = model
            .events
            .iter()
            .flat_map(|ty| ty.fields.iter())
            .chain(model.contact_fields.iter())
            .chain(model.account_fields.iter())
            .map(|f| f.name.as_str())
            .chain(["stage", "into"]);
        for name in names {
            if !columns.iter().any(|c| c == name) {
                columns.push(name.to_string());
            }
        }
        let mut w = csv::Writer::from_writer(out);
        w.write_record(&columns)?;
        Ok(EventsOut::Csv(Box::new(w), columns))
    }

    fn write(&mut self, row: &Json) -> Result<(), GenerateError> {
        match self {
            EventsOut::Jsonl(w) => writeln!(w, "{}", serde_json::to_string(row)?)?,
            EventsOut::Csv(w, columns) => {
                let cell = |c: &String| match row.get(c.as_str()) {
                    None | Some(Json::Null) => String::new(),
                    Some(Json::String(s)) => s.clone(),
                    Some(other) => other.to_string(),
                };
                w.write_record(columns.iter().map(cell))?;
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), GenerateError> {
        match self {
            EventsOut::Jsonl(w) => w.flush()?,
            EventsOut::Csv(w, _) => w.flush()?,
        }
        Ok(())
    }
}

/// Writes contacts and accounts as CSV and events as JSON Lines (or CSV),
/// account by account: each account's events are together, so the data
/// can be replayed with `classify --stream`.
pub fn generate(
    policy: &Policy,
    options: &Options,
    contacts: impl Write,
    accounts: impl Write,
    events: impl Write,
) -> Result<Summary, GenerateError> {
    let model = policy.ir();
    check_schema(model)?;
    if options.from >= options.to {
        return Err(GenerateError::Period(options.from, options.to));
    }
    let calendar = calendar_of(policy);
    let start = local(options.from.and_time(NaiveTime::MIN), calendar.tz).unwrap_or(0);
    let end = local(options.to.and_time(NaiveTime::MIN), calendar.tz).unwrap_or(0) + 86_400_000;
    let world = World {
        calendar: &calendar,
        start,
        end,
    };
    let mut contacts = csv::Writer::from_writer(contacts);
    let mut accounts = csv::Writer::from_writer(accounts);
    contacts.write_record(
        ["id", "account", "created_at"]
            .iter()
            .chain(CONTACT_FIELDS.iter())
            .chain(SCOREBOARD_CONTACT_FIELDS.iter()),
    )?;
    accounts.write_record(
        ["id"]
            .iter()
            .chain(ACCOUNT_FIELDS.iter())
            .chain(SCOREBOARD_ACCOUNT_FIELDS.iter()),
    )?;
    // Which rows to write twice comes from a stream of its own, so it does
    // not disturb the stories.
    let mut dupes = ChaCha8Rng::seed_from_u64(options.seed);
    dupes.set_stream(u64::MAX);
    let mut events = EventsOut::new(model, options.events_csv, events)?;
    let mut summary = Summary::default();
    for index in 1..=options.accounts {
        if options.contacts.is_some_and(|n| summary.contacts >= n) {
            break;
        }
        let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
        rng.set_stream(index as u64);
        let story = story::tell(&world, rng, index);
        if let Some(a) = &story.account {
            summary.accounts += 1;
            accounts.write_record([
                a.id.clone(),
                a.domain.clone(),
                a.employees.to_string(),
                a.industry.to_string(),
                a.region.to_string(),
                a.annual_revenue.map(|r| r.to_string()).unwrap_or_default(),
                sdr_of(index).to_string(),
            ])?;
        }
        let mut people: Vec<&GenContact> = story.contacts.iter().collect();
        people.sort_by(|a, b| a.id.cmp(&b.id));
        for c in people {
            summary.contacts += 1;
            if summary.first_contact.is_none() {
                summary.first_contact = Some(c.id.clone());
            }
            contacts.write_record(contact_row(c, lead_source(&story, c, index)))?;
        }
        for e in &story.events {
            let row = event_json(e);
            events.write(&row)?;
            summary.events += 1;
            if dupes.random_bool(options.duplicate_share.clamp(0.0, 1.0)) {
                events.write(&row)?;
                summary.duplicate_rows += 1;
            }
        }
    }
    contacts.flush()?;
    accounts.flush()?;
    events.flush()?;
    Ok(summary)
}

/// The SDR of the account written `index`-th: round-robin, so the
/// stories (and their random draws) stay as they were.
fn sdr_of(index: usize) -> &'static str {
    people::SDRS
        .get(index % people::SDRS.len())
        .copied()
        .unwrap_or_default()
}

/// Where a contact came from, read off its story without a random draw:
/// some accounts came through an event or a partner; otherwise a first
/// form is a web form and a first page view organic search.
fn lead_source(story: &story::Story, c: &GenContact, index: usize) -> &'static str {
    if index % 7 == 0 {
        return "partner";
    }
    if index % 5 == 0 {
        return "event";
    }
    let first = story
        .events
        .iter()
        .filter(|e| e.contact == c.id)
        .min_by_key(|e| e.sort)
        .map(|e| e.ty);
    match first {
        Some("form_submit") => "web_form",
        _ => "organic",
    }
}

fn contact_row(c: &GenContact, lead_source: &str) -> Vec<String> {
    let org = c.owner.and_then(people::org_of);
    vec![
        c.id.clone(),
        c.account.clone().unwrap_or_default(),
        format_instant(c.created_at),
        c.email.clone(),
        c.title.to_string(),
        c.department.unwrap_or_default().to_string(),
        c.seniority.to_string(),
        "false".into(),
        String::new(),
        String::new(),
        c.consent_given_on
            .map(|d| d.to_string())
            .unwrap_or_default(),
        c.last_enriched_at.map(format_instant).unwrap_or_default(),
        c.owner.unwrap_or_default().to_string(),
        org.map(|(office, _)| office)
            .unwrap_or_default()
            .to_string(),
        org.map(|(_, manager)| manager)
            .unwrap_or_default()
            .to_string(),
        lead_source.to_string(),
    ]
}

fn event_json(e: &GenEvent) -> Json {
    let mut o = Map::new();
    o.insert("id".into(), json!(e.id));
    o.insert("contact".into(), json!(e.contact));
    let at = match e.at {
        When::At(i) => format_instant(i),
        When::Date(d) => d.to_string(),
    };
    o.insert("at".into(), json!(at));
    o.insert("type".into(), json!(e.ty));
    if let Some(opp) = &e.opportunity {
        o.insert("opportunity".into(), json!(opp));
    }
    for (k, v) in &e.fields {
        o.insert((*k).into(), v.clone());
    }
    Json::Object(o)
}
