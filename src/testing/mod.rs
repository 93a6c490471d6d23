//! Policy tests (`detente test`, docs/engine.md): TOML cases next to a
//! policy, each a small history with expectations about its journey.
//!
//! ```toml
//! [[case]]
//! name = "a demo request from a good fit is an MQL at once"
//! as_of = "2026-03-03T12:00:00Z"
//! contact = { id = "c-1", title = "VP Engineering", consent_given_on = "2026-03-01" }
//! account = { id = "a-1", employees = 500, industry = "software" }
//! events = [
//!   { at = "2026-03-02T09:00:00Z", type = "form_submit", form = "demo" },
//! ]
//! expect.stage = "mql"
//! expect.path = ["subscriber", "lead", "mql"]
//! expect.scores = { fit = 45, engagement = [25, 35] }
//! expect.slas = { mql_follow_up = "overdue" }
//! # Over the whole case: a metric cut `by` a field per segment, and an
//! # incentive paid `per` a field per payee.
//! expect.metrics.win_rate_by_office = { total = 0.5, Boston = 1 }
//! expect.payouts.rep_bonus = { "a.patel" = "1000.00", "(none)" = "0.00" }
//! ```
//!
//! Cases go through the same loader as real data, so a case's bad value
//! gets the same message a CRM export would.

mod compare;
pub mod coverage;
mod deals;
mod figures;

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Map, Value as Json};

use crate::compile::Policy;
use crate::data::time::{DateOnly, parse_instant};
use crate::data::{RecordKind, Source, load};
use crate::eval::{Evaluation, evaluate};

pub use compare::Mismatch;
pub use deals::DealExpect;

/// One test file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseFile {
    /// The policy, relative to the test file (default: the policy named
    /// like the test file in the folder above, `tests/acme.toml` →
    /// `acme.detente`).
    pub policy: Option<String>,
    #[serde(default, rename = "case")]
    pub cases: Vec<Case>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub name: String,
    /// Replay up to here (default: the last event).
    pub as_of: Option<toml::Value>,
    /// The contact under test: `id` (default `c-1`), `created_at`, and its
    /// schema fields.
    #[serde(default)]
    pub contact: toml::Table,
    /// Its account: `id` (default `a-1`) and the account's schema fields.
    pub account: Option<toml::Table>,
    /// Other members of the account's buying group.
    #[serde(default)]
    pub colleagues: Vec<toml::Table>,
    /// `at`, `type`, the event's fields; `contact` defaults to the
    /// contact under test, unless the event names a `deal` (then it is
    /// the deal's alone unless it names a contact too).
    #[serde(default)]
    pub events: Vec<toml::Table>,
    /// Deals: `id`, `account` (default: the case's), `created_at`, and the
    /// deal schema's fields.
    #[serde(default)]
    pub deals: Vec<toml::Table>,
    /// The contacts each deal names: `deal`, `contact`, `role`.
    #[serde(default)]
    pub deal_contacts: Vec<toml::Table>,
    #[serde(default)]
    pub expect: Expect,
}

/// What the case's journey must show. Everything is optional; what is not
/// given is not checked.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    pub stage: Option<String>,
    pub highest: Option<String>,
    /// Stage names in order, starting with the initial stage.
    pub path: Option<Vec<String>>,
    /// When the contact last entered each stage.
    #[serde(default)]
    pub entered: BTreeMap<String, toml::Value>,
    /// A criteria's verdict: true, false or "unknown".
    #[serde(default)]
    pub criteria: BTreeMap<String, Truth>,
    /// A clause's value, as `criteria.clause`.
    #[serde(default)]
    pub clauses: BTreeMap<String, Truth>,
    /// A score's value (to two decimals) or an inclusive range `[lo, hi]`.
    #[serde(default)]
    pub scores: BTreeMap<String, ScoreExpect>,
    /// An SLA's last instance: its status, or a table with `status`,
    /// `started`, `due`; or the statuses of every instance, in order.
    #[serde(default)]
    pub slas: BTreeMap<String, SlaExpect>,
    /// Contacts holding each role in the buying group at the end.
    #[serde(default)]
    pub roles: BTreeMap<String, Vec<String>>,
    /// The account lifecycle's stage at the end.
    pub account_stage: Option<String>,
    /// Whether replaying the case must report a problem (a loop of moves);
    /// by default it must not.
    #[serde(default)]
    pub problem: bool,
    /// Metrics over the whole case, from its first event to the as-of
    /// time: a number (money as a number or text), or for a metric cut
    /// `by` a field a table of segments (`"(none)"` for no value, `total`
    /// for the whole).
    #[serde(default)]
    pub metrics: BTreeMap<String, toml::Value>,
    /// Incentives over the whole case: the payout, or for one paid `per` a
    /// field a table of payees and their payouts.
    #[serde(default)]
    pub payouts: BTreeMap<String, toml::Value>,
    /// Each deal's journey, by id.
    #[serde(default)]
    pub deals: BTreeMap<String, deals::DealExpect>,
}

impl Expect {
    /// Whether nothing is expected of the contact under test.
    fn about_deals_only(&self) -> bool {
        self.stage.is_none()
            && self.highest.is_none()
            && self.path.is_none()
            && self.entered.is_empty()
            && self.criteria.is_empty()
            && self.clauses.is_empty()
            && self.scores.is_empty()
            && self.slas.is_empty()
            && self.roles.is_empty()
            && self.account_stage.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Truth {
    Bool(bool),
    Word(String),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ScoreExpect {
    Exactly(f64),
    Range([f64; 2]),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum SlaExpect {
    Status(String),
    Every(Vec<String>),
    Detail {
        status: Option<String>,
        started: Option<toml::Value>,
        due: Option<toml::Value>,
    },
}

/// One case's outcome.
#[derive(Debug, Clone)]
pub struct CaseResult {
    pub name: String,
    /// Empty when the case passed.
    pub mismatches: Vec<Mismatch>,
    /// The replay, for coverage (`None` when the case could not run).
    pub evaluation: Option<Evaluation>,
}

impl CaseResult {
    pub fn passed(&self) -> bool {
        self.mismatches.is_empty()
    }
}

pub fn parse(text: &str) -> Result<CaseFile, toml::de::Error> {
    toml::from_str(text)
}

/// Runs one case against a compiled policy.
pub fn run_case(policy: &Policy, case: &Case) -> CaseResult {
    let fail = |what: &str, message: String| CaseResult {
        name: case.name.clone(),
        mismatches: vec![Mismatch::problem(what, message)],
        evaluation: None,
    };
    let tz = policy.ir().timezone;
    let contact_id = text_of(&case.contact, "id").unwrap_or_else(|| "c-1".into());
    let account_id = case
        .account
        .as_ref()
        .map(|a| text_of(a, "id").unwrap_or_else(|| "a-1".into()));

    let person = |t: &toml::Table| {
        let mut o = table_json(t);
        if let Some(a) = &account_id {
            o.entry("account")
                .or_insert_with(|| Json::String(a.clone()));
        }
        o
    };
    let mut contact = person(&case.contact);
    contact
        .entry("id")
        .or_insert_with(|| Json::String(contact_id.clone()));
    let mut contacts = vec![contact];
    for c in &case.colleagues {
        if !c.contains_key("id") {
            return fail(
                "colleagues",
                "every colleague needs an `id` (events name them with `contact = \"...\"`)".into(),
            );
        }
        contacts.push(person(c));
    }
    let accounts: Vec<Map<String, Json>> = case
        .account
        .iter()
        .map(|a| {
            let mut o = table_json(a);
            if let Some(id) = &account_id {
                o.entry("id").or_insert_with(|| Json::String(id.clone()));
            }
            o
        })
        .collect();
    let events: Vec<Map<String, Json>> = case
        .events
        .iter()
        .map(|e| {
            let mut o = table_json(e);
            if !o.contains_key("deal") {
                o.entry("contact")
                    .or_insert_with(|| Json::String(contact_id.clone()));
            }
            o
        })
        .collect();
    let deals: Vec<Map<String, Json>> = case
        .deals
        .iter()
        .map(|d| {
            let mut o = table_json(d);
            if let Some(a) = &account_id {
                o.entry("account")
                    .or_insert_with(|| Json::String(a.clone()));
            }
            o
        })
        .collect();
    let mut sources = vec![
        Source::inline(RecordKind::Contacts, "contact and colleagues", contacts),
        Source::inline(RecordKind::Accounts, "account", accounts),
    ];
    if !deals.is_empty() {
        sources.push(Source::inline(RecordKind::Deals, "deals", deals));
    }
    if !case.deal_contacts.is_empty() {
        let rows = case.deal_contacts.iter().map(table_json).collect();
        sources.push(Source::inline(
            RecordKind::DealContacts,
            "deal_contacts",
            rows,
        ));
    }
    sources.push(Source::inline(RecordKind::Events, "events", events));
    let histories = match load(policy, &sources) {
        Ok(h) => h,
        Err(e) => return fail("data", e.to_string()),
    };
    let bad: Vec<Mismatch> = histories
        .problems
        .iter()
        .map(|p| {
            let col = p
                .column
                .as_ref()
                .map(|c| format!(", `{c}`"))
                .unwrap_or_default();
            Mismatch::problem(
                "data",
                format!("{} row {}{col}: {}", p.file, p.line, p.reason),
            )
        })
        .collect();
    if !bad.is_empty() {
        return CaseResult {
            name: case.name.clone(),
            mismatches: bad,
            evaluation: None,
        };
    }
    let as_of = match &case.as_of {
        None => None,
        Some(v) => match parse_instant(&toml_text(v), tz, DateOnly::End) {
            Ok((i, _)) => Some(i),
            Err(e) => return fail("as_of", e.to_string()),
        },
    };
    let evaluation = evaluate(policy, &histories, as_of);
    let mut mismatches = compare::compare(policy, &evaluation, &contact_id, &case.expect);
    mismatches.extend(deals::compare(policy, &evaluation, &case.expect.deals));
    mismatches.extend(figures::compare(
        policy,
        &histories,
        &evaluation,
        &case.expect,
    ));
    CaseResult {
        name: case.name.clone(),
        mismatches,
        evaluation: Some(evaluation),
    }
}

fn text_of(t: &toml::Table, key: &str) -> Option<String> {
    t.get(key).map(toml_text)
}

/// A TOML value as the text a CSV cell would hold.
fn toml_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn table_json(t: &toml::Table) -> Map<String, Json> {
    t.iter().map(|(k, v)| (k.clone(), toml_json(v))).collect()
}

fn toml_json(v: &toml::Value) -> Json {
    match v {
        toml::Value::String(s) => Json::String(s.clone()),
        toml::Value::Integer(i) => Json::from(*i),
        toml::Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        toml::Value::Boolean(b) => Json::Bool(*b),
        toml::Value::Datetime(d) => Json::String(d.to_string()),
        toml::Value::Array(a) => Json::Array(a.iter().map(toml_json).collect()),
        toml::Value::Table(t) => Json::Object(table_json(t)),
    }
}
