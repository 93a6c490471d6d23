//! The serde side of reading a request directly: keys and values kept as
//! written (strings borrowed from the text), and seeds that read an object
//! or a list with the policy's schema at hand. What a row means is in
//! `mod.rs`; this is only how JSON is walked.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use chrono_tz::Tz;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::data::time::{DateOnly, Instant, Precision, parse_instant};
use crate::data::values::Raw;
use crate::ir::Ir;

/// The policy's schema and timezone, for every seed of one request.
pub(super) struct Cx<'p> {
    pub(super) model: &'p Ir,
    pub(super) tz: Tz,
}

/// The error that stops the direct reading: the general way takes over,
/// so it never reaches anyone.
pub(super) fn give_up<E: serde::de::Error>() -> E {
    E::custom("read the general way")
}

/// A key, borrowed from the text unless it has escapes.
pub(super) struct Key<'de>(pub(super) Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// A value where a cell is expected: kept as written, strings borrowed.
pub(super) enum Scalar<'de> {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    Str(Cow<'de, str>),
    /// A list or an object (not kept).
    Compound,
}

impl Scalar<'_> {
    pub(super) fn raw(&self) -> Raw<'_> {
        match self {
            Scalar::Null => Raw::Null,
            Scalar::Bool(b) => Raw::Bool(*b),
            Scalar::Number(n) => Raw::Number(n),
            Scalar::Str(s) => Raw::Str(s),
            Scalar::Compound => Raw::Compound,
        }
    }

    /// As the general way reads a text column: trimmed, empty is none; a
    /// list or an object gives up. Borrowed where it can be (no copy of
    /// a string that is only compared or parsed).
    pub(super) fn text_ref(&self) -> Result<Option<Cow<'_, str>>, ()> {
        let raw = self.raw();
        if raw.is_empty() {
            return Ok(None);
        }
        raw.text().map(Some).ok_or(())
    }

    /// [`Scalar::text_ref`], owned.
    pub(super) fn text(&self) -> Result<Option<String>, ()> {
        Ok(self.text_ref()?.map(Cow::into_owned))
    }

    /// A time, as the general way reads `at`, `created_at` and
    /// `stage_since`.
    pub(super) fn instant(&self, tz: Tz) -> Result<Option<(Instant, Precision)>, ()> {
        match self.text_ref()? {
            None => Ok(None),
            Some(t) => parse_instant(&t, tz, DateOnly::Start)
                .map(Some)
                .map_err(|_| ()),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Scalar<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Scalar<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Number(v.into()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Number(v.into()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Scalar<'de>, E> {
                Ok(serde_json::Number::from_f64(v).map_or(Scalar::Null, Scalar::Number))
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Str(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Str(Cow::Owned(v)))
            }
            fn visit_unit<E>(self) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Null)
            }
            fn visit_none<E>(self) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Scalar<'de>, D::Error> {
                serde::Deserialize::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar<'de>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar::Compound)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar<'de>, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar::Compound)
            }
        }
        d.deserialize_any(V)
    }
}

/// Something read from one JSON object with the policy's schema at hand:
/// an event, an account, a contact, the request itself.
pub(super) trait FromObject: Sized {
    /// What it is, for serde's messages (never shown: see `give_up`).
    const WHAT: &'static str;
    fn read<'de, A: MapAccess<'de>>(cx: &Cx<'_>, map: A) -> Result<Self, A::Error>;
}

/// Reads a `T` from a JSON object; anything but an object gives up.
pub(super) struct ObjectSeed<'c, 'p, T> {
    cx: &'c Cx<'p>,
    of: PhantomData<fn() -> T>,
}

impl<'c, 'p, T> ObjectSeed<'c, 'p, T> {
    pub(super) fn new(cx: &'c Cx<'p>) -> Self {
        ObjectSeed {
            cx,
            of: PhantomData,
        }
    }
}

// Not derived: a derive would ask `T: Copy` of what is read.
impl<T> Clone for ObjectSeed<'_, '_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for ObjectSeed<'_, '_, T> {}

impl<'de, T: FromObject> DeserializeSeed<'de> for ObjectSeed<'_, '_, T> {
    type Value = T;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T: FromObject> Visitor<'de> for ObjectSeed<'_, '_, T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(T::WHAT)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::read(self.cx, map)
    }
}

/// A list of what `T` reads; `null` is an empty list where the general
/// way reads it so (a contact's `events`, `accounts`), anything else but
/// a list gives up.
pub(super) struct ListSeed<T> {
    pub(super) item: T,
    pub(super) null_is_empty: bool,
}

impl<'de, T: DeserializeSeed<'de> + Copy> DeserializeSeed<'de> for ListSeed<T> {
    type Value = Vec<T::Value>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T: DeserializeSeed<'de> + Copy> Visitor<'de> for ListSeed<T> {
    type Value = Vec<T::Value>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(x) = seq.next_element_seed(self.item)? {
            items.push(x);
        }
        Ok(items)
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        if self.null_is_empty {
            Ok(Vec::new())
        } else {
            Err(give_up())
        }
    }
}
