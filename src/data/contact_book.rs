//! The contacts file as a replay read a batch of accounts at a time holds
//! it: each contact's id and account, which every event looks up, as
//! they were read, and the rest of its row packed into bytes until its
//! batch takes it.
//!
//! Why packed: a `Contact` is 128 bytes, plus 32 a field, plus each
//! text's own allocation: about 770 bytes a contact for the 15 fields of
//! `policies/acme.detente`, which made half the heap of a batched report
//! (heaptrack, 100,000 generated contacts) and about 0.9 GB of a diff at
//! 1.2 million. Packed with postcard, the fields take the bytes of their
//! text plus one or two a value (BENCHMARKS.md has the figures).

use serde::{Deserialize, Serialize};

use crate::ir::{StageId, Value};

use super::codes::DataError;
use super::load::{Contact, Origin};
use super::time::Instant;

/// Every contact of the contacts files, in the order read.
#[derive(Debug, Default)]
pub(super) struct ContactBook {
    rows: Vec<Packed>,
}

/// One contact: what the grouping looks up, and the rest as bytes.
#[derive(Debug)]
struct Packed {
    id: Box<str>,
    account: Option<Box<str>>,
    rest: Box<[u8]>,
}

/// A contact's id and account, as the grouping reads them.
#[derive(Debug, Clone, Copy)]
pub(super) struct Entry<'b> {
    pub id: &'b str,
    pub account: Option<&'b str>,
}

/// The rest of a contact's row, as packed. The stage is its index: a
/// `StageId` read back checks itself against a policy being loaded.
#[derive(Serialize)]
struct RestOf<'c> {
    created_at: Option<Instant>,
    stage: Option<usize>,
    stage_since: Option<Instant>,
    fields: &'c [Option<Value>],
    file: u32,
    line: u64,
}

/// [`RestOf`] read back.
#[derive(Deserialize)]
struct Rest {
    created_at: Option<Instant>,
    stage: Option<usize>,
    stage_since: Option<Instant>,
    fields: Vec<Option<Value>>,
    file: u32,
    line: u64,
}

impl ContactBook {
    /// Packs `contacts`, one at a time, each dropped once packed.
    pub(super) fn pack(contacts: Vec<Contact>) -> Result<ContactBook, DataError> {
        let mut rows = Vec::with_capacity(contacts.len());
        for c in contacts {
            let rest = RestOf {
                created_at: c.created_at,
                stage: c.stage.map(StageId::index),
                stage_since: c.stage_since,
                fields: &c.fields,
                file: c.origin.file,
                line: c.origin.line,
            };
            let rest = postcard::to_stdvec(&rest).map_err(|e| unpackable(&c.id, &e))?;
            rows.push(Packed {
                id: c.id.into_boxed_str(),
                account: c.account.map(String::into_boxed_str),
                rest: rest.into_boxed_slice(),
            });
        }
        Ok(ContactBook { rows })
    }

    pub(super) fn len(&self) -> usize {
        self.rows.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The `i`th contact's id and account.
    pub(super) fn get(&self, i: usize) -> Option<Entry<'_>> {
        self.rows.get(i).map(Packed::entry)
    }

    /// Every contact's id and account, in the order read.
    pub(super) fn iter(&self) -> impl Iterator<Item = Entry<'_>> {
        self.rows.iter().map(Packed::entry)
    }

    /// The `i`th contact whole, as the contacts file's row was read.
    pub(super) fn contact(&self, i: usize) -> Result<Option<Contact>, DataError> {
        let Some(p) = self.rows.get(i) else {
            return Ok(None);
        };
        let rest: Rest = postcard::from_bytes(&p.rest).map_err(|e| unpackable(&p.id, &e))?;
        Ok(Some(Contact {
            id: p.id.to_string(),
            account: p.account.as_deref().map(str::to_string),
            created_at: rest.created_at,
            stage: rest.stage.and_then(StageId::from_index),
            stage_since: rest.stage_since,
            fields: rest.fields,
            origin: Origin {
                file: rest.file,
                line: rest.line,
            },
        }))
    }
}

impl Packed {
    fn entry(&self) -> Entry<'_> {
        Entry {
            id: &self.id,
            account: self.account.as_deref(),
        }
    }
}

/// A contact that could not be packed or read back: only a fault of the
/// program (it reads back what it wrote), said as the batched reading
/// stopping rather than as a panic.
fn unpackable(id: &str, e: &postcard::Error) -> DataError {
    DataError::Stopped(format!(
        "contact `{id}` could not be held packed while the events were read ({e}); this is a bug in detente, please report it"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Duration;
    use rust_decimal::Decimal;

    /// A contact with every kind of value, and missing ones.
    fn contact(id: &str, account: Option<&str>) -> Contact {
        Contact {
            id: id.into(),
            account: account.map(str::to_string),
            created_at: Some(1_750_000_000_000),
            stage: StageId::from_index(3),
            stage_since: Some(-5),
            fields: vec![
                Some(Value::Text("Zoë · ops".into())),
                None,
                Some(Value::Number(0.1 + 0.2)),
                Some(Value::Money(Decimal::new(-123_456, 2))),
                Some(Value::Duration(Duration::BusinessHours(7))),
                Some(Value::Bool(true)),
                chrono::NaiveDate::from_ymd_opt(2026, 2, 28).map(Value::Date),
                Some(Value::Timestamp(i64::MIN)),
                Some(Value::List(vec![
                    Value::Text("a".into()),
                    Value::Number(f64::MAX),
                ])),
            ],
            origin: Origin {
                file: 2,
                line: u64::MAX,
            },
        }
    }

    #[test]
    fn a_contact_read_back_is_the_contact_packed() {
        let contacts = vec![contact("c1", Some("a1")), contact("c2", None)];
        let book = ContactBook::pack(contacts.clone()).unwrap();
        assert_eq!(book.len(), 2);
        let entries: Vec<(&str, Option<&str>)> = book.iter().map(|e| (e.id, e.account)).collect();
        assert_eq!(entries, [("c1", Some("a1")), ("c2", None)]);
        for (i, c) in contacts.iter().enumerate() {
            assert_eq!(book.contact(i).unwrap().as_ref(), Some(c));
        }
        assert!(book.contact(2).unwrap().is_none());
        assert!(book.get(2).is_none());
    }
}
