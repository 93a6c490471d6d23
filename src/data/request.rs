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

use serde::Deserialize;
use serde_json::Value as Json;

use super::load::{Histories, RecordKind, Severity, Source, load};
use super::request_json::{ContactJson, List, Shaped, TopJson};
use super::time::{DateOnly, Instant, parse_instant};
use crate::compile::Policy;

pub use super::request_json::Object;

/// A request: contacts with nested events, their accounts, an as-of time.
/// Read with [`Request::from_slice`] (JSON text) or [`Request::from_json`]
/// (a parsed value); its rows are checked when they are read into
/// histories ([`Request::into_histories`]). [`Request::from_slice_for`]
/// reads the usual request for one policy in a single pass.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Request {
    /// Replay up to this time (default: the latest time in the request).
    pub as_of: Option<String>,
    /// Account records: `id` and the account schema's fields.
    accounts: Vec<Object>,
    /// Contact records: `id`, `account`, the contact schema's fields, and
    /// `events`, each with `at`, `type` and the event's fields.
    contacts: Vec<ContactJson>,
    /// Written as a single contact, not as `{"contacts": [...]}`.
    single: bool,
    /// Already read into histories for one policy
    /// ([`Request::from_slice_for`]); `accounts` and `contacts` are then
    /// empty.
    read: Option<Box<Read>>,
}

/// A request read straight into histories.
#[derive(Debug, Clone, PartialEq)]
struct Read {
    histories: Histories,
    /// The hash of the policy they were checked against.
    policy: String,
    first_contact_id: Option<String>,
}

/// Why JSON text is not a request.
#[derive(Debug)]
#[non_exhaustive]
pub enum Unreadable {
    /// The text is not JSON.
    Json(serde_json::Error),
    /// It is JSON, not shaped as a request.
    Request(RequestError),
}

/// Why a request cannot be classified; `problems` name each bad row.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct RequestError {
    /// What is wrong, in one sentence.
    pub error: String,
    /// Each bad row, by place.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<RequestProblem>,
}

impl RequestError {
    /// A request with no time in it: nothing to replay up to.
    pub fn no_time() -> RequestError {
        RequestError {
            error: "the request has no time in it: send the contacts' events, a created_at, or an as_of".into(),
            problems: Vec::new(),
        }
    }
}

/// One bad row of a request, named by its place.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct RequestProblem {
    /// Where in the request: `contacts[0]`, `contacts[0].events[2]`,
    /// `accounts[1]`.
    pub at: String,
    /// The field at fault, if it is one field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What is wrong with the row, by code (docs/diagnostics.md); none for
    /// a request whose shape is wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<super::RowCode>,
    /// What is wrong and how to fix it.
    pub reason: String,
}

impl Unreadable {
    /// The error as one kind: text that is not JSON becomes a request
    /// error saying so (for callers that answer both the same way).
    pub fn into_request_error(self) -> RequestError {
        match self {
            Unreadable::Json(e) => shape(format!("the request is not valid JSON: {e}")),
            Unreadable::Request(e) => e,
        }
    }
}

impl std::fmt::Display for RequestError {
    /// The sentence, then each bad row on a line of its own.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.error)?;
        for p in &self.problems {
            match &p.field {
                Some(field) => write!(f, "\n  {} `{field}`: {}", p.at, p.reason)?,
                None => write!(f, "\n  {}: {}", p.at, p.reason)?,
            }
        }
        Ok(())
    }
}

impl std::error::Error for RequestError {}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unreadable::Json(e) => write!(f, "not valid JSON: {e}"),
            Unreadable::Request(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Unreadable {}

fn shape(msg: impl Into<String>) -> RequestError {
    RequestError {
        error: msg.into(),
        problems: Vec::new(),
    }
}

/// The objects of a list that should hold only objects (`None`, `null`:
/// none); `what` names the list in the message.
fn objects<T>(list: Option<List<T>>, what: &str) -> Result<Vec<T>, RequestError> {
    match list {
        None | Some(List::Null) => Ok(Vec::new()),
        Some(List::Other) => Err(shape(format!("`{what}` should be a list of objects"))),
        Some(List::Items(items)) => items
            .into_iter()
            .enumerate()
            .map(|(i, x)| match x {
                Shaped::Object(o) => Ok(o),
                Shaped::Other(_) => Err(shape(format!("{what}[{i}] should be an object"))),
            })
            .collect(),
    }
}

/// The value of `key` in `object`: the last one, if written twice.
fn get<'o>(object: &'o Object, key: &str) -> Option<&'o Json> {
    object.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
}

impl Request {
    /// Reads a request from JSON text: a request object (it has
    /// `contacts`), or a single contact with its events.
    pub fn from_slice(text: &[u8]) -> Result<Request, Unreadable> {
        let top = serde_json::from_slice::<Shaped<TopJson>>(text).map_err(Unreadable::Json)?;
        Request::from_top(top).map_err(Unreadable::Request)
    }

    /// [`Request::from_slice`] for `policy`: the usual request (every row
    /// readable, nothing to warn about) is read in one pass straight into
    /// the histories [`Request::into_histories`] gives for `policy`, and
    /// any other is read as `from_slice` reads it, to be told what is
    /// wrong in the same words. The answer is the same either way; only
    /// the time differs.
    pub fn from_slice_for(policy: &Policy, text: &[u8]) -> Result<Request, Unreadable> {
        match super::request_direct::read(policy, text) {
            Some(d) => Ok(Request {
                as_of: d.as_of,
                single: d.single,
                read: Some(Box::new(Read {
                    histories: d.histories,
                    policy: policy.hash().to_string(),
                    first_contact_id: d.first_contact_id,
                })),
                ..Request::default()
            }),
            None => Request::from_slice(text),
        }
    }

    /// A request object (it has `contacts`), or a single contact with its
    /// events, already parsed.
    pub fn from_json(v: Json) -> Result<Request, RequestError> {
        // A value always reads as some shape: only the checks can fail.
        let top = Shaped::<TopJson>::deserialize(v).map_err(|e| shape(e.to_string()))?;
        Request::from_top(top)
    }

    fn from_top(top: Shaped<TopJson>) -> Result<Request, RequestError> {
        let Shaped::Object(top) = top else {
            return Err(shape(
                "expected a JSON object: a contact with its events, or {\"contacts\": [...]}",
            ));
        };
        let as_of = match top.as_of {
            None | Some(Json::Null) => None,
            Some(Json::String(s)) => Some(s),
            Some(_) => return Err(shape("`as_of` should be a date or time as a string")),
        };
        if let Some(contacts) = top.contacts {
            // `null` is not a list of contacts.
            let contacts = match contacts {
                List::Null => List::Other,
                other => other,
            };
            let contacts = objects(Some(contacts), "contacts")?;
            let accounts = objects(top.accounts.map(List::of_json), "accounts")?;
            if let Some(k) = top.first_other {
                return Err(shape(format!(
                    "unknown key `{k}`: a request has `as_of`, `accounts` and `contacts`"
                )));
            }
            return Ok(Request {
                as_of,
                accounts,
                contacts,
                single: false,
                read: None,
            });
        }
        // A single contact; `accounts` beside it is one of its fields.
        let mut contact = top.contact;
        if let Some(accounts) = top.accounts {
            contact.fields.push(("accounts".into(), accounts));
        }
        Ok(Request {
            as_of,
            accounts: Vec::new(),
            contacts: vec![contact],
            single: true,
            read: None,
        })
    }

    /// Whether the request was written as a single contact with its
    /// events, not as `{"contacts": [...]}`.
    pub fn is_single_contact(&self) -> bool {
        self.single
    }

    /// The id of the request's first contact, when it is text.
    pub fn first_contact_id(&self) -> Option<&str> {
        if let Some(read) = &self.read {
            return read.first_contact_id.as_deref();
        }
        self.contacts
            .first()
            .and_then(|c| get(&c.fields, "id"))
            .and_then(Json::as_str)
    }

    /// The as-of time, read in the policy's timezone (a date alone means
    /// the end of that day).
    pub fn as_of(&self, policy: &Policy) -> Result<Option<Instant>, RequestError> {
        self.as_of
            .as_deref()
            .map(|t| {
                parse_instant(t, policy.ir().timezone, DateOnly::End)
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
        if let Some(read) = self.read {
            // Read for a policy with other fields, the rows would not be
            // these: a caller's mistake, said rather than answered wrong.
            if read.policy != policy.hash() {
                return Err(shape(
                    "this request was read for another policy: read it again with Request::from_slice_for for this one",
                ));
            }
            return Ok((read.histories, Vec::new()));
        }
        let mut contacts = Vec::with_capacity(self.contacts.len());
        let mut accounts = self.accounts;
        // Where each flattened row came from, written out only for a
        // problem: an account listed (`None`) or nested in contact `ci`,
        // an event as (contact, position).
        let mut account_at: Vec<Option<usize>> = vec![None; accounts.len()];
        let mut events = Vec::new();
        let mut event_at: Vec<(usize, usize)> = Vec::new();
        for (ci, c) in self.contacts.into_iter().enumerate() {
            let ContactJson {
                fields: mut c,
                account,
                events: listed,
            } = c;
            let id = match get(&c, "id") {
                Some(Json::String(s)) if !s.trim().is_empty() => s.clone(),
                Some(Json::Number(n)) => n.to_string(),
                _ => {
                    return Err(shape(format!(
                        "contacts[{ci}] has no `id`: every contact needs one"
                    )));
                }
            };
            match account {
                // The account itself, nested: its id goes on the contact.
                Some(Shaped::Object(a)) => {
                    let Some(aid) = get(&a, "id").cloned() else {
                        return Err(shape(format!(
                            "contacts[{ci}].account is an object without an `id`"
                        )));
                    };
                    c.push(("account".into(), aid));
                    account_at.push(Some(ci));
                    accounts.push(a);
                }
                Some(Shaped::Other(other)) => c.push(("account".into(), other)),
                None => {}
            }
            let list = objects(listed, &format!("contacts[{ci}].events"))?;
            for (ei, mut e) in list.into_iter().enumerate() {
                // A nested event is its contact's: its row gets the
                // `contact` column.
                let named = match get(&e, "contact") {
                    None => false,
                    Some(Json::String(other)) if *other == id => true,
                    Some(_) => {
                        return Err(shape(format!(
                            "contacts[{ci}].events[{ei}] names another contact: leave `contact` out of nested events"
                        )));
                    }
                };
                if !named {
                    e.push(("contact".into(), Json::String(id.clone())));
                }
                event_at.push((ci, ei));
                events.push(e);
            }
            contacts.push(c);
        }
        let sources = [
            Source::of_cells(RecordKind::Contacts, "contacts", contacts.into_iter()),
            Source::of_cells(RecordKind::Accounts, "accounts", accounts.into_iter()),
            Source::of_cells(RecordKind::Events, "events", events.into_iter()),
        ];
        let h = load(policy, &sources).map_err(|e| shape(e.to_string()))?;
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
                    code: Some(p.code),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Each object's keys once (the last written wins, as it is read) and
    /// sorted: a parsed value has already dropped repeated keys.
    fn normal(mut r: Request) -> Request {
        fn once(o: &mut Object) {
            let mut kept: Object = Vec::new();
            for (k, v) in o.drain(..).rev() {
                if !kept.iter().any(|(x, _)| *x == k) {
                    kept.push((k, v));
                }
            }
            kept.sort_by(|a, b| a.0.cmp(&b.0));
            *o = kept;
        }
        r.accounts.iter_mut().for_each(once);
        for c in &mut r.contacts {
            once(&mut c.fields);
            if let Some(Shaped::Object(a)) = &mut c.account {
                once(a);
            }
            if let Some(List::Items(events)) = &mut c.events {
                for e in events {
                    if let Shaped::Object(e) = e {
                        once(e);
                    }
                }
            }
        }
        r
    }

    /// Rows read for one policy are not classified with another: its
    /// schema may read them differently.
    #[test]
    fn rows_read_for_one_policy_are_refused_by_another() {
        let read = |name: &str| {
            let text = std::fs::read_to_string(format!("policies/{name}")).unwrap_or_default();
            match Policy::compile(&text) {
                Ok(p) => p,
                Err(d) => unreachable!("{d}"),
            }
        };
        let (acme, other) = (read("acme.detente"), read("product-led.detente"));
        let body = br#"{"id": "c-1", "email": "vp@big.example", "title": "VP Sales",
            "events": [{"at": "2026-03-02T10:00:00Z", "type": "form_submit", "form": "demo"}]}"#;
        let Ok(request) = Request::from_slice_for(&acme, body) else {
            unreachable!("a good request")
        };
        assert!(request.clone().into_histories(&acme).is_ok());
        let refused = request
            .into_histories(&other)
            .map(|_| ())
            .map_err(|e| e.error);
        assert!(refused.is_err_and(|e| e.contains("read for another policy")));
    }

    /// Read from text or from a parsed value, every line of the shapes
    /// fixture is the same request, or the same error.
    #[test]
    fn text_and_parsed_values_read_alike() {
        let text = std::fs::read_to_string("tests/fixtures/stdin/shapes.jsonl").unwrap_or_default();
        assert!(text.lines().count() > 20);
        for line in text.lines() {
            let from_text = Request::from_slice(line.as_bytes());
            match serde_json::from_str::<Json>(line) {
                Ok(value) => match (from_text, Request::from_json(value)) {
                    (Ok(a), Ok(b)) => assert_eq!(normal(a), normal(b), "{line}"),
                    (Err(Unreadable::Request(a)), Err(b)) => assert_eq!(a, b, "{line}"),
                    (a, b) => unreachable!("{line}: {a:?} vs {b:?}"),
                },
                Err(_) => assert!(matches!(from_text, Err(Unreadable::Json(_))), "{line}"),
            }
        }
    }
}
