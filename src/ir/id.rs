//! Typed ids: a stage id cannot be used where a score id is meant, and an
//! id cannot be made from a number outside this crate. The one way in
//! from a position, `from_index`, is checked: it
//! answers `None` past `u32::MAX` rather than wrapping or saturating onto
//! another definition.

use std::cell::Cell;

/// How many definitions of each kind the policy a partial report is read
/// against has. A partial (`report --partial`) names definitions by
/// number, and a number past its table would index past it; serde's
/// derive gives a field's `Deserialize` no context, so the limits are set
/// on this thread for the duration of one read ([`with_limits`]) and an
/// id outside them is an error of the read, never an id.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Limits {
    pub team: usize,
    pub field: usize,
    pub event: usize,
    pub touchpoint: usize,
    pub score: usize,
    pub criteria: usize,
    pub role: usize,
    pub stage: usize,
    pub transition: usize,
    pub sla: usize,
    pub metric: usize,
    pub incentive: usize,
    pub filter: usize,
    pub dimension: usize,
    pub node: usize,
}

thread_local! {
    /// None outside [`with_limits`]: no id can be read then.
    static LIMITS: Cell<Option<Limits>> = const { Cell::new(None) };
}

/// Runs `read` with ids bounded by `limits` on this thread.
pub(crate) fn with_limits<T>(limits: Limits, read: impl FnOnce() -> T) -> T {
    let before = LIMITS.replace(Some(limits));
    let out = read();
    LIMITS.set(before);
    out
}

/// A number read for an id of kind `limit`, if the policy has that many.
pub(crate) fn read_id<'de, D: serde::Deserializer<'de>>(
    d: D,
    limit: fn(&Limits) -> usize,
    tag: &'static str,
) -> Result<u32, D::Error> {
    let n = <u32 as serde::Deserialize>::deserialize(d)?;
    let max = LIMITS.get().map_or(0, |l| limit(&l));
    if (n as usize) < max {
        Ok(n)
    } else {
        Err(serde::de::Error::custom(format_args!(
            "{tag} #{n}, which the policy does not have"
        )))
    }
}

macro_rules! id {
    ($(#[$doc:meta])* $name:ident, $tag:literal, $limit:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        pub struct $name(u32);
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                read_id(d, |l| l.$limit, $tag).map($name)
            }
        }
        impl $name {
            /// The position of the definition in its table.
            pub fn index(self) -> usize {
                self.0 as usize
            }
            /// The id of the definition at position `i`, if `i` can be one.
            #[allow(dead_code, reason = "not every table is looked up by position")]
            pub(crate) fn from_index(i: usize) -> Option<Self> {
                u32::try_from(i).ok().map($name)
            }
            /// The ids of a table of `n` definitions, in order.
            #[allow(dead_code, reason = "not every table is walked in order")]
            pub(crate) fn all(n: usize) -> impl Iterator<Item = Self> {
                (0..n).map_while(Self::from_index)
            }
        }
        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, concat!($tag, "#{}"), self.0)
            }
        }
    };
}

id!(/// A team; `shared` is always [`SHARED_TEAM`].
    TeamId, "team", team);
id!(/// A field of the contact, the account or one event type.
    FieldId, "field", field);
id!(/// An event type.
    EventTypeId, "event", event);
id!(/// A touchpoint.
    TouchpointId, "touchpoint", touchpoint);
id!(/// A score.
    ScoreId, "score", score);
id!(/// A criteria.
    CriteriaId, "criteria", criteria);
id!(/// A buying-group role.
    RoleId, "role", role);
id!(/// A stage, unique across both lifecycles.
    StageId, "stage", stage);
id!(/// A transition.
    TransitionId, "transition", transition);
id!(/// An SLA.
    SlaId, "sla", sla);
id!(/// A metric.
    MetricId, "metric", metric);
id!(/// An incentive.
    IncentiveId, "incentive", incentive);
id!(/// The `where` of something a metric counts (an event, a stage entry,
    /// an SLA instance), worked out by the replay at the fact's instant
    /// (see `Ir::filters`).
    FilterId, "filter", filter);
id!(/// What a metric is cut by or an incentive paid per (`contact.office`).
    DimensionId, "dimension", dimension);

/// The built-in team `shared`, first of every policy's teams.
pub const SHARED_TEAM: TeamId = TeamId(0);

/// Whose lifecycle: a contact's, an account's or a deal's.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[non_exhaustive]
pub enum Entity {
    /// One person.
    Contact,
    /// A company, with its buying group of contacts.
    Account,
    /// An opportunity of one account, with its pipeline stages.
    Deal,
}

impl Entity {
    /// The keyword as written in a policy.
    pub fn keyword(self) -> &'static str {
        match self {
            Entity::Contact => "contact",
            Entity::Account => "account",
            Entity::Deal => "deal",
        }
    }

    /// The entity a keyword names (`contact`, `account`, `deal`).
    pub fn from_keyword(word: &str) -> Option<Entity> {
        match word {
            "contact" => Some(Entity::Contact),
            "account" => Some(Entity::Account),
            "deal" => Some(Entity::Deal),
            _ => None,
        }
    }
}

/// What every typed id can do: name a position in its table.
pub trait Id: Copy {
    /// The position of the definition in its table.
    fn position(self) -> usize;
    /// The id of position `i`, if `i` can be one.
    fn at(i: usize) -> Option<Self>;
}

macro_rules! impl_id {
    ($($name:ident),*) => {$(
        impl Id for $name {
            fn position(self) -> usize {
                self.index()
            }
            fn at(i: usize) -> Option<Self> {
                $name::from_index(i)
            }
        }
    )*};
}

impl_id!(
    TeamId,
    FieldId,
    EventTypeId,
    TouchpointId,
    ScoreId,
    CriteriaId,
    RoleId,
    StageId,
    TransitionId,
    SlaId,
    MetricId,
    IncentiveId,
    FilterId,
    DimensionId
);

/// A definition table indexed by its own typed id: `ir.stages[stage]`.
/// The ids of a compiled policy are made by lowering that policy, in the
/// order of these tables, so an id always names a row of its table; a
/// lookup by a number, or with a fallback for a missing row, is not
/// possible.
#[derive(Clone, PartialEq)]
pub struct Table<I, T> {
    rows: Vec<T>,
    id: std::marker::PhantomData<I>,
}

impl<I: Id, T> Table<I, T> {
    /// How many rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there is no row.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The rows, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.rows.iter()
    }

    /// Every id, in order.
    pub fn ids(&self) -> impl Iterator<Item = I> + use<I, T> {
        (0..self.rows.len()).map_while(I::at)
    }

    /// (id, row) in order.
    pub fn enumerate(&self) -> impl Iterator<Item = (I, &T)> {
        self.ids().zip(self.rows.iter())
    }

    /// The rows as a slice, in order.
    pub fn as_slice(&self) -> &[T] {
        &self.rows
    }
}

impl<I, T> Default for Table<I, T> {
    fn default() -> Self {
        Table {
            rows: Vec::new(),
            id: std::marker::PhantomData,
        }
    }
}

impl<I, T> FromIterator<T> for Table<I, T> {
    fn from_iter<X: IntoIterator<Item = T>>(rows: X) -> Self {
        Table {
            rows: rows.into_iter().collect(),
            id: std::marker::PhantomData,
        }
    }
}

impl<I, T: std::fmt::Debug> std::fmt::Debug for Table<I, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(&self.rows).finish()
    }
}

impl<'a, I, T> IntoIterator for &'a Table<I, T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.rows.iter()
    }
}

#[allow(
    clippy::indexing_slicing,
    reason = "a policy's ids are made by lowering it, one per row of these tables"
)]
impl<I: Id, T> std::ops::Index<I> for Table<I, T> {
    type Output = T;
    fn index(&self, id: I) -> &T {
        &self.rows[id.position()]
    }
}
