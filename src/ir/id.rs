//! Typed ids: a stage id cannot be used where a score id is meant, and an
//! id cannot be made from a number outside this crate. The one way in
//! from a position, `from_index`, is checked: it
//! answers `None` past `u32::MAX` rather than wrapping or saturating onto
//! another definition.

macro_rules! id {
    ($(#[$doc:meta])* $name:ident, $tag:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        pub struct $name(u32);
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
    TeamId, "team");
id!(/// A field of the contact, the account or one event type.
    FieldId, "field");
id!(/// An event type.
    EventTypeId, "event");
id!(/// A touchpoint.
    TouchpointId, "touchpoint");
id!(/// A score.
    ScoreId, "score");
id!(/// A criteria.
    CriteriaId, "criteria");
id!(/// A buying-group role.
    RoleId, "role");
id!(/// A stage, unique across both lifecycles.
    StageId, "stage");
id!(/// A transition.
    TransitionId, "transition");
id!(/// An SLA.
    SlaId, "sla");
id!(/// A metric.
    MetricId, "metric");
id!(/// An incentive.
    IncentiveId, "incentive");
id!(/// The `where` of an event a metric counts, worked out by the replay
    /// at the event's instant (see `Ir::event_filters`).
    FilterId, "filter");

/// The built-in team `shared`, first of every policy's teams.
pub const SHARED_TEAM: TeamId = TeamId(0);

/// Whose lifecycle: a contact's or an account's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Entity {
    /// One person.
    Contact,
    /// A company, with its buying group of contacts.
    Account,
}

impl Entity {
    /// The keyword as written in a policy.
    pub fn keyword(self) -> &'static str {
        match self {
            Entity::Contact => "contact",
            Entity::Account => "account",
        }
    }
}
