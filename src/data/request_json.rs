//! Reading a request's JSON straight into its rows.
//!
//! A request was first parsed into a `serde_json::Value`, whose objects
//! (kept in written order) hash every key, then taken apart into rows: a
//! tenth of a small API request's time. Here each object is read once,
//! into its (key, value) pairs in written order, and the parts a request
//! gives a shape to (`contacts`, `accounts`, a contact's `events` and
//! `account`) into their own places. Nothing is checked here: whatever
//! the JSON holds is kept, so that [`super::request`] can say what is
//! wrong with it in the same words and order, whichever way it was read.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value as Json;

/// A JSON object's keys and values in written order. A key written twice
/// is kept twice and the last one is read, as a file's repeated column.
pub type Object = Vec<(String, Json)>;

/// A value that should be an object: the object, or whatever was there
/// instead.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Shaped<T> {
    Object(T),
    Other(Json),
}

/// A value that should be a list of objects.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum List<T> {
    Items(Vec<Shaped<T>>),
    Null,
    /// Anything else (its content is not kept).
    Other,
}

impl List<Object> {
    /// The same shape read off a value already parsed.
    pub(super) fn of_json(v: Json) -> List<Object> {
        match v {
            Json::Null => List::Null,
            Json::Array(items) => List::Items(
                items
                    .into_iter()
                    .map(|x| match x {
                        Json::Object(o) => Shaped::Object(o.into_iter().collect()),
                        other => Shaped::Other(other),
                    })
                    .collect(),
            ),
            _ => List::Other,
        }
    }
}

/// A contact as written: its `events` and its `account` (an id, or the
/// account itself) apart from its other fields.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct ContactJson {
    pub(super) fields: Object,
    pub(super) account: Option<Shaped<Object>>,
    pub(super) events: Option<List<Object>>,
}

/// The top of a request: `{"as_of", "accounts", "contacts"}`, or a single
/// contact (with `as_of` beside its fields).
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct TopJson {
    pub(super) as_of: Option<Json>,
    pub(super) contacts: Option<List<ContactJson>>,
    /// Kept as written: it is a field of a single contact, and a request's
    /// accounts are few.
    pub(super) accounts: Option<Json>,
    /// The first key, in written order, that a request object does not
    /// have.
    pub(super) first_other: Option<String>,
    /// The same object read as a single contact.
    pub(super) contact: ContactJson,
}

/// Something built from a JSON object's entries.
pub(super) trait FromMap: Sized {
    fn from_map<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error>;
}

impl FromMap for Object {
    fn from_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(4));
        while let Some(entry) = map.next_entry::<String, Json>()? {
            fields.push(entry);
        }
        Ok(fields)
    }
}

impl ContactJson {
    /// Reads the value of `key` into its place.
    fn take<'de, A: MapAccess<'de>>(&mut self, key: String, map: &mut A) -> Result<(), A::Error> {
        match key.as_str() {
            "events" => self.events = Some(map.next_value()?),
            "account" => self.account = Some(map.next_value()?),
            _ => {
                let value = map.next_value()?;
                self.fields.push((key, value));
            }
        }
        Ok(())
    }
}

impl FromMap for ContactJson {
    fn from_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let mut contact = ContactJson {
            fields: Vec::with_capacity(map.size_hint().unwrap_or(8)),
            ..ContactJson::default()
        };
        while let Some(key) = map.next_key::<String>()? {
            contact.take(key, &mut map)?;
        }
        Ok(contact)
    }
}

impl FromMap for TopJson {
    fn from_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let mut top = TopJson::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "as_of" => top.as_of = Some(map.next_value()?),
                "contacts" => top.contacts = Some(map.next_value()?),
                "accounts" => top.accounts = Some(map.next_value()?),
                _ => {
                    if top.first_other.is_none() {
                        top.first_other = Some(key.clone());
                    }
                    top.contact.take(key, &mut map)?;
                }
            }
        }
        Ok(top)
    }
}

/// Implements the visits of a scalar other than null for a visitor whose
/// answer for them is `$other(json)`.
macro_rules! other_values {
    ($other:expr) => {
        fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
            Ok($other(Json::Bool(v)))
        }
        fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
            Ok($other(Json::from(v)))
        }
        fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
            Ok($other(Json::from(v)))
        }
        fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
            Ok($other(Json::from(v)))
        }
        fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
            Ok($other(Json::String(v.to_string())))
        }
        fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
            Ok($other(Json::String(v)))
        }
    };
}

struct ShapedVisitor<T>(PhantomData<T>);

impl<'de, T: FromMap> Visitor<'de> for ShapedVisitor<T> {
    type Value = Shaped<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::from_map(map).map(Shaped::Object)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(x) = seq.next_element::<Json>()? {
            items.push(x);
        }
        Ok(Shaped::Other(Json::Array(items)))
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        Shaped::deserialize(d)
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Shaped::Other(Json::Null))
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Shaped::Other(Json::Null))
    }

    other_values!(Shaped::Other);
}

impl<'de, T: FromMap> Deserialize<'de> for Shaped<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ShapedVisitor(PhantomData))
    }
}

struct ListVisitor<T>(PhantomData<T>);

impl<'de, T: FromMap> Visitor<'de> for ListVisitor<T> {
    type Value = List<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(x) = seq.next_element::<Shaped<T>>()? {
            items.push(x);
        }
        Ok(List::Items(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(List::Other)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        List::deserialize(d)
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(List::Null)
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(List::Null)
    }

    other_values!(|_| List::Other);
}

impl<'de, T: FromMap> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ListVisitor(PhantomData))
    }
}
