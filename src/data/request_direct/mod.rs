//! The usual request read straight from its JSON text into histories.
//!
//! The general way ([`super::request`]) reads a request into (key, value)
//! pairs, then through the row loader that serves CSV and JSON Lines
//! files with column and value mappings: a third of a small API
//! request's time went there. A request has no mappings, so its rows can
//! be read in one pass, each key looked up in the policy's schema as it
//! is met and each value read as the same [`read_raw`] reads a file's.
//!
//! This reader only ever says yes to a request it reads exactly as the
//! general way would, with nothing to say about it: every row accepted,
//! no warning. Anything else (a bad value, an event type the policy does
//! not declare, a repeated event, contact or account id, an `update` row, a shape that is not
//! a request's) makes it give up, and the general way reads the request
//! again and says what is wrong in its own words. The test
//! `direct_reads_as_the_general_way` holds the two to the same answer.

mod seeds;

use std::collections::HashSet;
use std::fmt;

use chrono_tz::Tz;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

use seeds::{Cx, FromObject, Key, ListSeed, ObjectSeed, Scalar, give_up};

use super::load::{
    Account, Contact, Counts, Event, EventKind, Histories, Origin, RecordKind, finish,
};
use super::time::Instant;
use super::values::read_raw;
use crate::compile::Policy;
use crate::ir::Entity;
use crate::ir::{Field, Ir, StageId, Value};

/// A request read in one pass.
pub(super) struct Direct {
    /// `as_of` as written.
    pub(super) as_of: Option<String>,
    /// Written as a single contact, not as `{"contacts": [...]}`.
    pub(super) single: bool,
    /// The first contact's `id` as written, when it is a JSON string.
    pub(super) first_contact_id: Option<String>,
    pub(super) histories: Histories,
}

/// Reads `text` for `policy`; `None` when the general way must read it.
pub(super) fn read(policy: &Policy, text: &[u8]) -> Option<Direct> {
    let cx = Cx {
        model: policy.ir(),
        tz: policy.ir().timezone,
    };
    let mut de = serde_json::Deserializer::from_slice(text);
    let top = ObjectSeed::<Top>::new(&cx).deserialize(&mut de).ok()?;
    de.end().ok()?;
    let (contacts, listed, single) = match top.contacts {
        Some(contacts) if !top.other_keys => (contacts, top.accounts, false),
        Some(_) => return None,
        None => (vec![top.contact], Vec::new(), true),
    };
    let first_contact_id = contacts.first().and_then(|c| c.written_id.clone());
    let histories = assemble(contacts, listed)?;
    Some(Direct {
        as_of: top.as_of,
        single,
        first_contact_id,
        histories,
    })
}

/// The histories of the request's rows, numbered as the general way
/// numbers them (contacts, accounts listed then nested, events in
/// contact order); `None` if anything would be said about them.
fn assemble(contacts: Vec<ContactIn>, mut accounts: Vec<Account>) -> Option<Histories> {
    let mut h = Histories {
        files: ["contacts", "accounts", "events"]
            .map(String::from)
            .to_vec(),
        ..Histories::default()
    };
    for (i, a) in accounts.iter_mut().enumerate() {
        a.origin.line = i as u64 + 1;
    }
    let mut events = Vec::new();
    let mut ids: HashSet<String> = HashSet::new();
    for (ci, c) in contacts.into_iter().enumerate() {
        let id = c.id?;
        let account = match c.account {
            AccountIn::None => None,
            AccountIn::Id(id) => id,
            AccountIn::Nested(mut a) => {
                a.origin.line = accounts.len() as u64 + 1;
                let id = a.id.clone();
                accounts.push(a);
                Some(id)
            }
        };
        for mut e in c.events {
            // A repeated event id is a duplicate the general way counts.
            if let Some(eid) = &e.id
                && !ids.insert(eid.clone())
            {
                return None;
            }
            e.contact = Some(id.clone());
            e.origin.line = events.len() as u64 + 1;
            events.push(e);
        }
        h.contacts.push(Contact {
            id,
            account,
            created_at: c.created_at,
            stage: c.stage,
            stage_since: c.stage_since,
            fields: c.fields,
            origin: Origin {
                file: 0,
                line: ci as u64 + 1,
            },
        });
    }
    let all = |n: usize| Counts {
        read: n as u64,
        accepted: n as u64,
        ..Counts::default()
    };
    // A repeated contact or account id is a duplicate the general way
    // counts (and warns about when the rows differ).
    let mut seen: HashSet<&str> = HashSet::new();
    if !h.contacts.iter().all(|c| seen.insert(c.id.as_str())) {
        return None;
    }
    seen.clear();
    if !accounts.iter().all(|a| seen.insert(a.id.as_str())) {
        return None;
    }
    h.counts.insert(RecordKind::Contacts, all(h.contacts.len()));
    h.counts.insert(RecordKind::Accounts, all(accounts.len()));
    h.counts.insert(RecordKind::Events, all(events.len()));
    h.accounts = accounts;
    h.events = events;
    // What the loader says about a whole load: events of contacts it has
    // no record of (none here: every event is nested in its contact) and
    // events before their contact's `created_at`, the one thing to check
    // (and only when a contact has one: most requests do not).
    if h.contacts.iter().any(|c| c.created_at.is_some()) {
        finish(&mut h);
    }
    h.problems.is_empty().then_some(h)
}

/// A schema field's value as given: `None` when missing or empty (the
/// last one written counts, as a repeated column's last cell does).
fn field_value(value: &Scalar<'_>, f: &Field, tz: Tz) -> Result<Option<Value>, ()> {
    let raw = value.raw();
    if raw.is_empty() {
        return Ok(None);
    }
    read_raw(raw, &f.ty, tz).map(Some).map_err(|_| ())
}

/// Defaults for what is missing; a required field missing gives up.
fn complete(schema: &[Field], mut given: Vec<Option<Value>>) -> Result<Vec<Option<Value>>, ()> {
    for (slot, f) in given.iter_mut().zip(schema) {
        if slot.is_none() {
            slot.clone_from(&f.default);
        }
        if slot.is_none() && !f.optional {
            return Err(());
        }
    }
    Ok(given)
}

fn position(schema: &[Field], key: &str) -> Option<usize> {
    schema.iter().position(|f| f.name == key)
}

/// A contact's `account`: none, an id, or the account itself.
#[derive(Default)]
enum AccountIn {
    #[default]
    None,
    Id(Option<String>),
    Nested(Account),
}

/// A contact as read; its events wait for its id (which may be written
/// after them).
#[derive(Default)]
struct ContactIn {
    id: Option<String>,
    /// `id` as written, when a string.
    written_id: Option<String>,
    account: AccountIn,
    events: Vec<Event>,
    created_at: Option<Instant>,
    stage: Option<StageId>,
    stage_since: Option<Instant>,
    fields: Vec<Option<Value>>,
}

impl ContactIn {
    fn new(model: &Ir) -> ContactIn {
        ContactIn {
            fields: vec![None; model.contact_fields.len()],
            ..ContactIn::default()
        }
    }

    /// Reads the value of `key` into its place; a key the schema does not
    /// have is passed over, as the general way passes over its column.
    fn take<'de, A: MapAccess<'de>>(
        &mut self,
        cx: &Cx<'_>,
        key: &str,
        map: &mut A,
    ) -> Result<(), A::Error> {
        let model = cx.model;
        match key {
            "events" => {
                self.events = map.next_value_seed(ListSeed {
                    item: ObjectSeed::new(cx),
                    null_is_empty: true,
                })?;
            }
            "account" => self.account = map.next_value_seed(AccountRefSeed { cx })?,
            "id" => {
                let v: Scalar<'de> = map.next_value()?;
                self.written_id = match &v {
                    Scalar::Str(s) => Some(s.to_string()),
                    _ => None,
                };
                self.id = match &v {
                    Scalar::Str(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
                    Scalar::Number(n) => Some(n.to_string()),
                    _ => return Err(give_up()),
                };
            }
            "created_at" | "stage_since" => {
                let v: Scalar<'de> = map.next_value()?;
                let t = v.instant(cx.tz).map_err(|()| give_up())?.map(|(t, _)| t);
                if key == "created_at" {
                    self.created_at = t;
                } else {
                    self.stage_since = t;
                }
            }
            "stage" => {
                let v: Scalar<'de> = map.next_value()?;
                self.stage = match v.text().map_err(|()| give_up())? {
                    None => None,
                    Some(name) => Some(model.stage_id(Entity::Contact, &name).ok_or_else(give_up)?),
                };
            }
            _ => match position(model.contact_fields.as_slice(), key) {
                Some(i) => {
                    let v: Scalar<'de> = map.next_value()?;
                    let f = model.contact_fields.as_slice().get(i).ok_or_else(give_up)?;
                    let value = field_value(&v, f, cx.tz).map_err(|()| give_up())?;
                    if let Some(slot) = self.fields.get_mut(i) {
                        *slot = value;
                    }
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            },
        }
        Ok(())
    }

    /// Defaults and the required fields, once every key is read.
    fn finish(mut self, model: &Ir) -> Result<ContactIn, ()> {
        self.fields = complete(
            model.contact_fields.as_slice(),
            std::mem::take(&mut self.fields),
        )?;
        Ok(self)
    }
}

/// One event of a contact's `events`: its fields depend on its type,
/// which may come after them, so its entries are read first.
impl FromObject for Event {
    const WHAT: &'static str = "an event";
    fn read<'de, A: MapAccess<'de>>(cx: &Cx<'_>, mut map: A) -> Result<Event, A::Error> {
        let mut entries: Vec<(Key<'de>, Scalar<'de>)> = Vec::with_capacity(6);
        while let Some(entry) = map.next_entry::<Key<'de>, Scalar<'de>>()? {
            entries.push(entry);
        }
        event(cx, &entries).map_err(|()| give_up())
    }
}

/// The event in `entries`, read as an event row of the general way; a
/// row it would reject or set aside, or an `update`, `merge`... row,
/// gives up.
fn event(cx: &Cx<'_>, entries: &[(Key<'_>, Scalar<'_>)]) -> Result<Event, ()> {
    let last = |name: &str| {
        entries
            .iter()
            .rev()
            .find(|(k, _)| k.0 == name)
            .map(|(_, v)| v)
    };
    let text = |name: &str| last(name).map_or(Ok(None), Scalar::text);
    // A nested event is its contact's; naming one is for the general way.
    if last("contact").is_some() {
        return Err(());
    }
    let type_name = last("type").map_or(Ok(None), Scalar::text_ref)?.ok_or(())?;
    // Rows that change a contact rather than happen to it.
    if matches!(
        &*type_name,
        "update" | "account_update" | "deal_update" | "merge" | "set_stage"
    ) {
        return Err(());
    }
    let ty = cx.model.event_type(&type_name).ok_or(())?;
    let (at, precision) = last("at").ok_or(())?.instant(cx.tz)?.ok_or(())?;
    let schema = cx.model.events[ty].fields.as_slice();
    let mut fields = Vec::with_capacity(schema.len());
    for f in schema {
        fields.push(match last(&f.name) {
            Some(v) => field_value(v, f, cx.tz)?,
            None => None,
        });
    }
    Ok(Event {
        id: text("id")?,
        contact: None,
        account: text("account")?,
        // `opportunity` is the older name of `deal`.
        deal: match text("deal")? {
            Some(d) => Some(d),
            None => text("opportunity")?,
        },
        at,
        precision,
        kind: EventKind::Event {
            ty,
            fields: complete(schema, fields)?,
        },
        origin: Origin { file: 2, line: 0 },
    })
}

/// An account object, listed or nested in its contact: its keys, as the
/// general way reads an account row.
impl FromObject for Account {
    const WHAT: &'static str = "an account";
    fn read<'de, A: MapAccess<'de>>(cx: &Cx<'_>, mut map: A) -> Result<Account, A::Error> {
        let schema = &cx.model.account_fields;
        let mut id = None;
        let mut fields = vec![None; schema.len()];
        while let Some(key) = map.next_key::<Key<'de>>()? {
            if key.0 == "id" {
                let v: Scalar<'de> = map.next_value()?;
                id = v.text().map_err(|()| give_up())?;
            } else if let Some(i) = position(schema.as_slice(), &key.0) {
                let v: Scalar<'de> = map.next_value()?;
                let f = schema.as_slice().get(i).ok_or_else(give_up)?;
                let value = field_value(&v, f, cx.tz).map_err(|()| give_up())?;
                if let Some(slot) = fields.get_mut(i) {
                    *slot = value;
                }
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(Account {
            id: id.ok_or_else(give_up)?,
            fields: complete(schema.as_slice(), fields).map_err(|()| give_up())?,
            origin: Origin { file: 1, line: 0 },
        })
    }
}

/// A contact's `account`: its id, or the account itself.
struct AccountRefSeed<'c, 'p> {
    cx: &'c Cx<'p>,
}

impl<'de> DeserializeSeed<'de> for AccountRefSeed<'_, '_> {
    type Value = AccountIn;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<AccountIn, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for AccountRefSeed<'_, '_> {
    type Value = AccountIn;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an account id or an account")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<AccountIn, A::Error> {
        Account::read(self.cx, map).map(AccountIn::Nested)
    }
    fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<AccountIn, E> {
        self.visit_str(v)
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<AccountIn, E> {
        let v = v.trim();
        Ok(AccountIn::Id((!v.is_empty()).then(|| v.to_string())))
    }
    fn visit_i64<E>(self, v: i64) -> Result<AccountIn, E> {
        Ok(AccountIn::Id(Some(v.to_string())))
    }
    fn visit_u64<E>(self, v: u64) -> Result<AccountIn, E> {
        Ok(AccountIn::Id(Some(v.to_string())))
    }
    fn visit_unit<E>(self) -> Result<AccountIn, E> {
        Ok(AccountIn::Id(None))
    }
}

/// One contact of `contacts`.
impl FromObject for ContactIn {
    const WHAT: &'static str = "a contact";
    fn read<'de, A: MapAccess<'de>>(cx: &Cx<'_>, mut map: A) -> Result<ContactIn, A::Error> {
        let mut c = ContactIn::new(cx.model);
        while let Some(key) = map.next_key::<Key<'de>>()? {
            c.take(cx, &key.0, &mut map)?;
        }
        c.finish(cx.model).map_err(|()| give_up())
    }
}

/// The top of a request, read both ways at once (as the general way
/// does): as a request, and as a single contact.
struct Top {
    as_of: Option<String>,
    contacts: Option<Vec<ContactIn>>,
    accounts: Vec<Account>,
    /// A key a request object does not have was written.
    other_keys: bool,
    contact: ContactIn,
}

impl FromObject for Top {
    const WHAT: &'static str = "a request";
    fn read<'de, A: MapAccess<'de>>(cx: &Cx<'_>, mut map: A) -> Result<Top, A::Error> {
        let mut top = Top {
            as_of: None,
            contacts: None,
            accounts: Vec::new(),
            other_keys: false,
            contact: ContactIn::new(cx.model),
        };
        while let Some(key) = map.next_key::<Key<'de>>()? {
            match &*key.0 {
                "as_of" => {
                    top.as_of = match map.next_value::<Scalar<'de>>()? {
                        Scalar::Null => None,
                        Scalar::Str(s) => Some(s.into_owned()),
                        _ => return Err(give_up()),
                    }
                }
                "contacts" => {
                    top.contacts = Some(map.next_value_seed(ListSeed {
                        item: ObjectSeed::new(cx),
                        null_is_empty: false,
                    })?);
                }
                // A single contact's `accounts` is a field the schema
                // does not have; a request's is its list of accounts.
                "accounts" => {
                    top.accounts = map.next_value_seed(ListSeed {
                        item: ObjectSeed::new(cx),
                        null_is_empty: true,
                    })?
                }
                other => {
                    top.other_keys = true;
                    top.contact.take(cx, other, &mut map)?;
                }
            }
        }
        if top.contacts.is_none() {
            top.contact = std::mem::take(&mut top.contact)
                .finish(cx.model)
                .map_err(|()| give_up())?;
        }
        Ok(top)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The load test's request (bench/api_body.json, shortened) is read the
    /// direct way; a request with a row to complain about is not.
    #[test]
    fn the_usual_request_is_read_directly() {
        let text = std::fs::read_to_string("policies/acme.detente").unwrap_or_default();
        let Ok(policy) = Policy::compile(&text) else {
            unreachable!("acme checks")
        };
        let body = br#"{"contacts": [{"id": "c-1", "email": "vp@northwind.example", "title": "VP Engineering",
            "account": {"id": "a-1", "domain": "northwind.example", "employees": 800},
            "events": [{"at": "2026-03-02T10:00:00Z", "type": "page_view", "url": "/pricing"},
                       {"type": "form_submit", "form": "demo", "at": "2026-03-03"}]}]}"#;
        let read =
            read(&policy, body).map(|d| (d.histories.contacts.len(), d.histories.events.len()));
        assert_eq!(read, Some((1, 2)));
        let bad = br#"{"id": "c-1", "email": "e", "title": "t", "events": [{"at": "soon", "type": "page_view", "url": "/"}]}"#;
        assert!(super::read(&policy, bad).is_none());
    }
}
