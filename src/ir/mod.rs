//! The compiled policy's evaluable form: what `compile` lowers the
//! checked model into, and the only form `eval` and `report` read.
//!
//! Definitions are tables indexed by typed ids; their conditions are
//! nodes of one arena ([`node::Nodes`]) and their period figures nodes of
//! another ([`figure::Figures`]). Spans and the syntax tree are gone:
//! what is left is what the engine computes with, plus the names and the
//! canonical text of transitions that journeys show.
#![allow(
    missing_docs,
    reason = "the fields are named in the users' words and documented in docs/language.md"
)]

pub mod figure;
pub mod id;
pub mod node;
mod print;
pub mod value;

use chrono::NaiveDate;

pub use figure::{Figure, FigureId, Figures};
pub use id::*;
pub use node::{EventRef, Facts, Node, NodeId, Nodes, Pattern, PatternId, TimeSide, Timed};
pub use value::*;

/// A compiled policy's definitions.
#[derive(Debug, Clone)]
pub struct Ir {
    pub name: String,
    pub version: Option<u64>,
    pub effective: Option<NaiveDate>,
    pub timezone: chrono_tz::Tz,
    pub currency: Option<String>,
    /// Team names; the first is the built-in `shared`.
    pub teams: Table<TeamId, String>,
    pub business_hours: BusinessHours,
    pub holidays: Vec<NaiveDate>,
    /// 1 = January.
    pub fiscal_year_start_month: u32,
    pub contact_fields: Table<FieldId, Field>,
    pub account_fields: Table<FieldId, Field>,
    pub deal_fields: Table<FieldId, Field>,
    /// The contact roles a deal names (`roles economic_buyer, champion`),
    /// read from `[[data.deal_contacts]]`.
    pub deal_roles: Vec<String>,
    pub events: Table<EventTypeId, EventType>,
    pub touchpoints: Table<TouchpointId, Touchpoint>,
    pub scores: Table<ScoreId, Score>,
    pub criteria: Table<CriteriaId, Criteria>,
    pub roles: Table<RoleId, Role>,
    pub buying_group: Option<BuyingGroup>,
    pub stages: Table<StageId, Stage>,
    pub lifecycles: Vec<Lifecycle>,
    pub transitions: Table<TransitionId, Transition>,
    pub slas: Table<SlaId, Sla>,
    pub metrics: Table<MetricId, Metric>,
    pub incentives: Table<IncentiveId, Incentive>,
    /// The `where` of everything metrics count, by [`FilterId`]: the
    /// replay records which facts each holds of as the fact happens, so a
    /// filter reads the fields then in force.
    pub filters: Table<FilterId, Filter>,
    /// What metrics are cut by, incentives paid per and SLAs assigned by.
    pub dimensions: Table<DimensionId, Dimension>,
    /// Whether a metric is cut `by` or an incentive paid `per` a field:
    /// only then does the replay note each event's and stage entry's
    /// segment (an SLA's assignee is noted at every instance's start).
    pub cuts_facts: bool,
    /// Whether contact conditions read their deals' stages
    /// (`contact.deals.in(won)`): then an account's deals are replayed
    /// before its contacts, else after (the checker allows one way).
    pub contacts_read_deals: bool,
    pub nodes: Nodes,
    pub figures: Figures,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub ty: Type,
    pub optional: bool,
    pub default: Option<Value>,
}

#[derive(Debug, Clone)]
pub struct EventType {
    pub name: String,
    pub fields: Table<FieldId, Field>,
}

#[derive(Debug, Clone)]
pub struct Touchpoint {
    pub name: String,
    pub event: EventTypeId,
    pub condition: Option<NodeId>,
    pub team: TeamId,
}

#[derive(Debug, Clone)]
pub struct Score {
    pub name: String,
    pub description: Option<String>,
    /// A contact's score, or (`for account`) the account's, summed over
    /// the account's merged timeline.
    pub entity: Entity,
    pub owner: Option<TeamId>,
    pub half_life: Option<Duration>,
    pub range: Option<(f64, f64)>,
    pub rules: Vec<ScoreRule>,
    /// What its rules read (its own decay not included).
    pub facts: Facts,
}

#[derive(Debug, Clone)]
pub enum ScoreRule {
    Each {
        pattern: PatternId,
        points: f64,
        max: Option<f64>,
    },
    When {
        condition: NodeId,
        points: f64,
    },
}

#[derive(Debug, Clone)]
pub struct Criteria {
    pub name: String,
    pub description: Option<String>,
    /// A contact's, or (`for deal`) a deal's.
    pub entity: Entity,
    pub owner: Option<TeamId>,
    pub clauses: Vec<Clause>,
    pub require: Requirement,
    /// What its clauses and requirement read.
    pub facts: Facts,
}

#[derive(Debug, Clone)]
pub struct Clause {
    pub label: String,
    pub condition: NodeId,
}

#[derive(Debug, Clone)]
pub enum Requirement {
    All,
    Any,
    AtLeast(usize),
    /// Over clause indexes ([`Node::Clause`]).
    Expr(NodeId),
}

#[derive(Debug, Clone)]
pub struct Role {
    pub name: String,
    pub condition: NodeId,
}

#[derive(Debug, Clone)]
pub struct BuyingGroup {
    pub engaged: Option<NodeId>,
    pub qualified: Option<NodeId>,
}

#[derive(Debug, Clone)]
pub struct Stage {
    pub name: String,
    pub lifecycle: Entity,
    pub description: Option<String>,
    pub owner: Option<TeamId>,
    pub initial: bool,
    pub is_final: bool,
    pub detour: bool,
}

#[derive(Debug, Clone)]
pub struct Lifecycle {
    pub entity: Entity,
    /// In declared order; the success path is this order minus detours.
    pub stages: Vec<StageId>,
    pub initial: Option<StageId>,
    /// In written order: the order in which they are tried.
    pub transitions: Vec<TransitionId>,
}

#[derive(Debug, Clone)]
pub struct Transition {
    /// Where `any -> X` was written this is every non-final stage but X.
    pub from: Vec<StageId>,
    pub from_any: bool,
    pub to: StageId,
    pub trigger: TriggerRule,
    pub label: Option<String>,
    /// The trigger as written in canonical form, e.g. `on form_submit`.
    pub text: String,
    /// 1-based line in the policy source, for journeys.
    pub line: usize,
}

#[derive(Debug, Clone)]
pub enum TriggerRule {
    On(PatternId),
    When(NodeId),
    After {
        duration: Duration,
        unless: Option<NodeId>,
    },
}

#[derive(Debug, Clone)]
pub struct Sla {
    pub name: String,
    pub description: Option<String>,
    pub owner: TeamId,
    pub starts: Vec<SlaTrigger>,
    pub met: Vec<SlaTrigger>,
    pub cancelled: Vec<SlaTrigger>,
    pub within: Duration,
    /// Whose each instance is (`assignee`, default `contact.owner`),
    /// read at the instance's start.
    pub assignee: Option<DimensionId>,
    /// One instance per contact, or (on account stages) per account.
    pub entity: Entity,
}

#[derive(Debug, Clone)]
pub enum SlaTrigger {
    Entering(StageId),
    Leaving(StageId),
    Event(PatternId),
}

#[derive(Debug, Clone)]
pub struct Metric {
    pub name: String,
    pub description: Option<String>,
    pub figure: FigureId,
    pub unit: Unit,
    /// A rate between 0 and 1 (`conversion`, `attainment`, `share`, or
    /// made only of rates): its changes are percentage points.
    pub rate: bool,
    /// Its segments: its own `by`, or that of the metrics it uses.
    pub by: Option<DimensionId>,
}

/// A metric's `where` on what it counts, worked out by the replay at the
/// fact's instant.
#[derive(Debug, Clone)]
pub enum Filter {
    /// `count(T where C)`, `sum(T.f where C)`: at the event.
    Event(PatternId),
    /// `count(entered S where C)`, `conversion(S -> X where C)`,
    /// `days(S -> X where C)`: at each entry into S.
    Entry(StageId, NodeId),
    /// `attainment(sla where C)`: at each instance's start.
    Sla(SlaId, NodeId),
}

/// A field whose value, at each counted fact's instant, names the
/// fact's segment.
#[derive(Debug, Clone)]
pub struct Dimension {
    /// As written: `contact.office`.
    pub text: String,
    pub read: DimensionRead,
}

#[derive(Debug, Clone)]
pub enum DimensionRead {
    /// A contact's or account's field (a `ContactField`/`AccountField`
    /// node), read by the replay at the fact's instant.
    Field(Entity, NodeId),
    /// A field every counted event type has: read off the event.
    Event(Vec<(EventTypeId, FieldId)>),
}

#[derive(Debug, Clone)]
pub struct Incentive {
    pub name: String,
    pub description: Option<String>,
    pub teams: Vec<TeamId>,
    pub period: Period,
    pub target: FigureId,
    pub payout: FigureId,
    pub split: bool,
    /// `per contact.owner`: paid once per value.
    pub per: Option<DimensionId>,
    /// `lagged 1 quarter`: measured this many months after the period
    /// it pays for.
    pub lag_months: u32,
}

impl Ir {
    /// How many definitions of each kind the policy has: the bounds of
    /// the ids a partial report read against it may hold.
    pub(crate) fn limits(&self) -> id::Limits {
        let fields = [
            &self.contact_fields,
            &self.account_fields,
            &self.deal_fields,
        ]
        .into_iter()
        .map(Table::len)
        .chain(self.events.iter().map(|e| e.fields.len()))
        .max()
        .unwrap_or(0);
        id::Limits {
            team: self.teams.len(),
            field: fields,
            event: self.events.len(),
            touchpoint: self.touchpoints.len(),
            score: self.scores.len(),
            criteria: self.criteria.len(),
            role: self.roles.len(),
            stage: self.stages.len(),
            transition: self.transitions.len(),
            sla: self.slas.len(),
            metric: self.metrics.len(),
            incentive: self.incentives.len(),
            filter: self.filters.len(),
            dimension: self.dimensions.len(),
            node: self.nodes.len(),
        }
    }

    /// The names of a lifecycle's stages, in declared order.
    pub fn stages_of(&self, entity: Entity) -> impl Iterator<Item = &str> {
        self.stages
            .iter()
            .filter(move |s| s.lifecycle == entity)
            .map(|s| s.name.as_str())
    }

    /// A lifecycle's success path: its stages in declared order, detours
    /// left out.
    pub fn success_path(&self, entity: Entity) -> impl Iterator<Item = StageId> + '_ {
        self.lifecycles
            .iter()
            .find(|l| l.entity == entity)
            .into_iter()
            .flat_map(|l| l.stages.iter().copied())
            .filter(|s| !self.stages[*s].detour)
    }

    /// Whether score `s` decays (changes as time passes).
    pub fn decays(&self, s: ScoreId) -> bool {
        self.scores[s].half_life.is_some()
    }

    /// A stage of a lifecycle, by name.
    pub fn stage_id(&self, entity: Entity, name: &str) -> Option<StageId> {
        let i = self
            .stages
            .iter()
            .position(|s| s.lifecycle == entity && s.name == name)?;
        StageId::from_index(i)
    }

    /// An event type, by name.
    pub fn event_type(&self, name: &str) -> Option<EventTypeId> {
        let i = self.events.iter().position(|e| e.name == name)?;
        EventTypeId::from_index(i)
    }

    /// A score, by name.
    pub fn score_id(&self, name: &str) -> Option<ScoreId> {
        let i = self.scores.iter().position(|s| s.name == name)?;
        ScoreId::from_index(i)
    }

    /// A stage's name.
    pub fn stage_name(&self, s: StageId) -> &str {
        self.stages[s].name.as_str()
    }

    /// A team's name.
    pub fn team_name(&self, t: TeamId) -> &str {
        self.teams[t].as_str()
    }
}
