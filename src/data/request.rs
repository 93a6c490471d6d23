//! Histories sent by other tools rather than read from files: contacts with
//! their events nested, and their accounts — one line of
//! `detente classify --stdin`, or the body of `POST /v1/classify`.
//!
//! ```json
//! {"as_of": "2026-03-20",
//!  "accounts": [{"id": "a-1", "domain": "big.example", "employees": 500}],
//!  "contacts": [{"id": "c-1", "account": "a-1", "title": "VP Sales",
//!                "events": [{"at": "2026-03-02T09:00:00Z", "type": "form_submit", "form": "demo"}]}]}
//! ```
//!
//! A single contact (`{"id": ..., "events": [...]}`) is a request of one;
//! its `account` may be the account itself (`{"id": "a-1", ...}`). Rows are
//! read exactly as file rows are (same types, same checks); a row that
//! would be rejected from a file makes the whole request an error that
//! names it (`contacts[0].events[2]`), because classifying without it
//! would silently give a different answer.

use serde_json::{Map, Value as Json};

use super::load::{Histories, RecordKind, Severity, Source, load};
use super::time::{DateOnly, Instant, parse_instant};
use crate::compile::Policy;

/// A request: contacts with nested events, their accounts, an as-of time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Request {
    /// Replay up to this time (default: the latest time in the request).
    pub as_of: Option<String>,
    /// Account records: `id` and the account schema's fields.
    pub accounts: Vec<Map<String, Json>>,
    /// Contact records: `id`, `account`, the contact schema's fields, and
    /// `events`, each with `at`, `type` and the event's fields.
    pub contacts: Vec<Map<String, Json>>,
}

/// Why a request cannot be classified; `problems` name each bad row.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RequestError {
    /// What is wrong, in one sentence.
    pub error: String,
    /// Each bad row, by place.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<RequestProblem>,
}

/// One bad row of a request, named by its place.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RequestProblem {
    /// Where in the request: `contacts[0]`, `contacts[0].events[2]`,
    /// `accounts[1]`.
    pub at: String,
    /// The field at fault, if it is one field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What is wrong and how to fix it.
    pub reason: String,
}

fn shape(msg: impl Into<String>) -> RequestError {
    RequestError {
        error: msg.into(),
        problems: Vec::new(),
    }
}

fn objects(v: Json, what: &str) -> Result<Vec<Map<String, Json>>, RequestError> {
    let Json::Array(items) = v else {
        return Err(shape(format!("`{what}` should be a list of objects")));
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, x)| match x {
            Json::Object(o) => Ok(o),
            _ => Err(shape(format!("{what}[{i}] should be an object"))),
        })
        .collect()
}

impl Request {
    /// A request object (it has `contacts`), or a single contact with its
    /// events.
    pub fn from_json(v: Json) -> Result<Request, RequestError> {
        let Json::Object(mut o) = v else {
            return Err(shape(
                "expected a JSON object: a contact with its events, or {\"contacts\": [...]}",
            ));
        };
        let as_of = match o.remove("as_of") {
            None | Some(Json::Null) => None,
            Some(Json::String(s)) => Some(s),
            Some(_) => return Err(shape("`as_of` should be a date or time as a string")),
        };
        if o.contains_key("contacts") {
            let contacts = objects(o.remove("contacts").unwrap_or_default(), "contacts")?;
            let accounts = match o.remove("accounts") {
                None | Some(Json::Null) => Vec::new(),
                Some(a) => objects(a, "accounts")?,
            };
            if let Some(k) = o.keys().next() {
                return Err(shape(format!(
                    "unknown key `{k}`: a request has `as_of`, `accounts` and `contacts`"
                )));
            }
            return Ok(Request {
                as_of,
                accounts,
                contacts,
            });
        }
        Ok(Request {
            as_of,
            accounts: Vec::new(),
            contacts: vec![o],
        })
    }

    /// The as-of time, read in the policy's timezone (a date alone means
    /// the end of that day).
    pub fn as_of(&self, policy: &Policy) -> Result<Option<Instant>, RequestError> {
        self.as_of
            .as_deref()
            .map(|t| {
                parse_instant(t, policy.model().timezone, DateOnly::End)
                    .map(|(i, _)| i)
                    .map_err(|e| shape(format!("as_of: {e}")))
            })
            .transpose()
    }

    /// The histories to replay, and warnings (events of a type the policy
    /// does not declare are left out, as from a file, and named here).
    /// Every row is checked as a file row is; a rejected row is an error.
    /// [`Request::into_histories`] does the same without copying the rows.
    pub fn histories(
        &self,
        policy: &Policy,
    ) -> Result<(Histories, Vec<RequestProblem>), RequestError> {
        self.clone().into_histories(policy)
    }

    /// [`Request::histories`], the request's rows moved into them.
    pub fn into_histories(
        self,
        policy: &Policy,
    ) -> Result<(Histories, Vec<RequestProblem>), RequestError> {
        let mut contacts = Vec::with_capacity(self.contacts.len());
        let mut accounts = self.accounts;
        // Where each flattened row came from, written out only for a
        // problem: an account listed (`None`) or nested in contact `ci`,
        // an event as (contact, position).
        let mut account_at: Vec<Option<usize>> = vec![None; accounts.len()];
        let mut events = Vec::new();
        let mut event_at: Vec<(usize, usize)> = Vec::new();
        for (ci, mut c) in self.contacts.into_iter().enumerate() {
            let id = match c.get("id") {
                Some(Json::String(s)) if !s.trim().is_empty() => s.clone(),
                Some(Json::Number(n)) => n.to_string(),
                _ => {
                    return Err(shape(format!(
                        "contacts[{ci}] has no `id`: every contact needs one"
                    )));
                }
            };
            match c.remove("account") {
                // The account itself, nested: its id goes on the contact.
                Some(Json::Object(a)) => {
                    let Some(aid) = a.get("id").cloned() else {
                        return Err(shape(format!(
                            "contacts[{ci}].account is an object without an `id`"
                        )));
                    };
                    c.insert("account".into(), aid);
                    account_at.push(Some(ci));
                    accounts.push(a);
                }
                Some(other) => {
                    c.insert("account".into(), other);
                }
                None => {}
            }
            let list = match c.remove("events") {
                None | Some(Json::Null) => Vec::new(),
                Some(v) => objects(v, &format!("contacts[{ci}].events"))?,
            };
            for (ei, e) in list.into_iter().enumerate() {
                // A nested event is its contact's: the `contact` column is
                // added to its row, not to the JSON object (which would
                // rehash it).
                let mut cells: Vec<(String, Json)> = Vec::with_capacity(e.len() + 1);
                let named = match e.get("contact") {
                    None => false,
                    Some(Json::String(other)) if *other == id => true,
                    Some(_) => {
                        return Err(shape(format!(
                            "contacts[{ci}].events[{ei}] names another contact: leave `contact` out of nested events"
                        )));
                    }
                };
                cells.extend(e);
                if !named {
                    cells.push(("contact".into(), Json::String(id.clone())));
                }
                event_at.push((ci, ei));
                events.push(cells);
            }
            contacts.push(c);
        }
        let sources = [
            Source::inline(RecordKind::Contacts, "contacts", contacts),
            Source::inline(RecordKind::Accounts, "accounts", accounts),
            Source::of_cells(RecordKind::Events, "events", events.into_iter()),
        ];
        let h = load(policy, &sources).map_err(shape)?;
        let (mut problems, mut warnings) = (Vec::new(), Vec::new());
        for p in h.problems.iter().filter(|p| p.line > 0) {
            let place = {
                let index = usize::try_from(p.line.saturating_sub(1)).unwrap_or(usize::MAX);
                let at = match p.file.as_str() {
                    "contacts" => format!("contacts[{index}]"),
                    "accounts" => match account_at.get(index) {
                        Some(Some(ci)) => format!("contacts[{ci}].account"),
                        _ => format!("accounts[{index}]"),
                    },
                    _ => event_at
                        .get(index)
                        .map(|(ci, ei)| format!("contacts[{ci}].events[{ei}]"))
                        .unwrap_or_default(),
                };
                RequestProblem {
                    at,
                    field: p.column.clone(),
                    reason: p.reason.clone(),
                }
            };
            match p.severity {
                Severity::Error => problems.push(place),
                Severity::Warning => warnings.push(place),
            }
        }
        if problems.is_empty() {
            Ok((h, warnings))
        } else {
            Err(RequestError {
                error: format!(
                    "{} in the request cannot be read; nothing was classified",
                    if problems.len() == 1 {
                        "1 row".to_string()
                    } else {
                        format!("{} rows", problems.len())
                    }
                ),
                problems,
            })
        }
    }
}
