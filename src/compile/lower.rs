//! Checked model → [`Ir`]: every expression tree becomes nodes of the
//! condition arena (or, for metrics and incentives, of the figure arena),
//! every timed comparison an explicit [`Node::Timed`], and every node's
//! [`Facts`] are worked out once, here, from its operands and the
//! definitions it reads. The replay's scheduling (`watch`, `steady`,
//! `placed`), the timer search and explain all read those facts.
//!
//! Lowering is total over what the checker accepts. A form in a position
//! the engine cannot evaluate (an aggregate in a condition, a per-contact
//! read in a metric) is refused here with E024 rather than evaluated to
//! nothing.

use crate::check::CheckError;
use crate::check::model::{self as m, Model};
use crate::ir::*;
use crate::span::Span;

/// Why a checked model could not be lowered: a form where the engine
/// cannot evaluate it.
#[derive(Debug)]
pub struct Unlowered {
    pub what: String,
    pub place: &'static str,
    pub span: Span,
}

impl From<Unlowered> for CheckError {
    fn from(u: Unlowered) -> CheckError {
        CheckError::NotAllowedHere {
            what: u.what,
            place: u.place,
            span: u.span,
            help: Some(
                "aggregates (count(entered ..), conversion, share ...) belong in metrics; per-contact reads (fields, scores, seen ...) in conditions".into(),
            ),
        }
    }
}

/// A definition being lowered on demand (scores and criteria are read
/// before or after they are written).
#[derive(Debug, Clone)]
enum Slot<T> {
    Todo,
    Busy,
    Done(T),
}

struct Lower<'m> {
    model: &'m Model,
    nodes: Nodes,
    figures: Figures,
    scores: Vec<Slot<Score>>,
    criteria: Vec<Slot<Criteria>>,
    roles: Vec<Slot<Role>>,
    engaged: Slot<Option<NodeId>>,
    qualified: Slot<Option<NodeId>>,
    /// Where the definition being lowered was written, for errors.
    span: Span,
}

type R<T> = Result<T, Unlowered>;

/// Lowers a checked model.
pub fn lower(model: &Model) -> Result<Ir, Unlowered> {
    let mut l = Lower {
        model,
        nodes: Nodes::default(),
        figures: Figures::default(),
        scores: vec![Slot::Todo; model.scores.len()],
        criteria: vec![Slot::Todo; model.criteria.len()],
        roles: vec![Slot::Todo; model.roles.len()],
        engaged: Slot::Todo,
        qualified: Slot::Todo,
        span: Span::default(),
    };
    for s in ScoreId::all(model.scores.len()) {
        l.score(s)?;
    }
    for c in CriteriaId::all(model.criteria.len()) {
        l.criteria(c)?;
    }
    for r in RoleId::all(model.roles.len()) {
        l.role(r)?;
    }
    let buying_group = match &model.buying_group {
        Some(_) => Some(BuyingGroup {
            engaged: l.group_condition(true)?.0,
            qualified: l.group_condition(false)?.0,
        }),
        None => None,
    };
    let touchpoints = model
        .touchpoints
        .iter()
        .map(|t| l.touchpoint(t))
        .collect::<R<Vec<_>>>()?;
    let transitions = model
        .transitions
        .iter()
        .map(|t| l.transition(t))
        .collect::<R<Vec<_>>>()?;
    let slas = model.slas.iter().map(|s| l.sla(s)).collect::<R<Vec<_>>>()?;
    let metrics = model
        .metrics
        .iter()
        .map(|x| l.metric(x))
        .collect::<R<Vec<_>>>()?;
    let incentives = model
        .incentives
        .iter()
        .map(|x| l.incentive(x))
        .collect::<R<Vec<_>>>()?;
    let filters = model
        .filters
        .iter()
        .map(|x| l.filter(x))
        .collect::<R<Vec<_>>>()?;
    let dimensions = model
        .dimensions
        .iter()
        .map(|x| l.dimension(x))
        .collect::<R<Vec<_>>>()?;
    // Every definition is lowered by now (the buying group, transitions
    // and metrics read scores and criteria through the slots above).
    let scores = done(std::mem::take(&mut l.scores));
    let criteria = done(std::mem::take(&mut l.criteria));
    let roles = done(std::mem::take(&mut l.roles));
    let contacts_read_deals = l.nodes.iter().any(|(_, n)| {
        matches!(n, Node::Linked { stage, .. }
            if model.stages.get(stage.index()).is_some_and(|s| s.lifecycle == Entity::Deal))
    });
    Ok(Ir {
        name: model.name.clone(),
        version: model.version,
        effective: model.effective,
        timezone: model.timezone,
        currency: model.currency.clone(),
        teams: model.teams.iter().map(|t| t.name.clone()).collect(),
        business_hours: model.business_hours.clone(),
        holidays: model.holidays.clone(),
        fiscal_year_start_month: model.fiscal_year_start_month,
        contact_fields: fields(&model.contact_fields).into_iter().collect(),
        account_fields: fields(&model.account_fields).into_iter().collect(),
        deal_fields: fields(&model.deal_fields).into_iter().collect(),
        deal_roles: model.deal_roles.clone(),
        events: model
            .events
            .iter()
            .map(|e| EventType {
                name: e.name.clone(),
                fields: fields(&e.fields).into_iter().collect(),
            })
            .collect(),
        touchpoints: touchpoints.into_iter().collect(),
        scores: scores.into_iter().collect(),
        criteria: criteria.into_iter().collect(),
        roles: roles.into_iter().collect(),
        buying_group,
        stages: model.stages.iter().map(stage).collect(),
        lifecycles: model.lifecycles.iter().map(lifecycle).collect(),
        transitions: transitions.into_iter().collect(),
        slas: slas.into_iter().collect(),
        metrics: metrics.into_iter().collect(),
        incentives: incentives.into_iter().collect(),
        cuts_facts: model.metrics.iter().any(|m| m.by.is_some())
            || model.incentives.iter().any(|i| i.per.is_some())
            || l.figures
                .iter()
                .any(|(_, f)| matches!(f, Figure::EnteredField(..))),
        contacts_read_deals,
        filters: filters.into_iter().collect(),
        dimensions: dimensions.into_iter().collect(),
        nodes: l.nodes,
        figures: l.figures,
    })
}

fn fields(fs: &[m::Field]) -> Vec<Field> {
    fs.iter()
        .map(|f| Field {
            name: f.name.clone(),
            ty: f.ty.clone(),
            optional: f.optional,
            default: f.default.clone(),
        })
        .collect()
}

fn stage(s: &m::Stage) -> Stage {
    Stage {
        name: s.name.clone(),
        lifecycle: s.lifecycle,
        description: s.description.clone(),
        owner: s.owner,
        initial: s.initial,
        is_final: s.is_final,
        detour: s.detour,
    }
}

fn lifecycle(l: &m::Lifecycle) -> Lifecycle {
    Lifecycle {
        entity: l.entity,
        stages: l.stages.clone(),
        initial: l.initial,
        transitions: l.transitions.clone(),
    }
}

fn event_ref(r: m::EventRef) -> EventRef {
    match r {
        m::EventRef::Event(e) => EventRef::Event(e),
        m::EventRef::Touchpoint(t) => EventRef::Touchpoint(t),
    }
}

/// The lowered definitions of a table every entry of which was lowered.
fn done<T>(table: Vec<Slot<T>>) -> Vec<T> {
    table
        .into_iter()
        .filter_map(|s| match s {
            Slot::Done(x) => Some(x),
            Slot::Todo | Slot::Busy => None,
        })
        .collect()
}

impl Lower<'_> {
    fn too_big(&self) -> Unlowered {
        Unlowered {
            what: "a policy this large".into(),
            place: "in one compiled policy (more than 4 billion expression nodes)",
            span: self.span,
        }
    }

    fn push(&mut self, node: Node, facts: Facts) -> R<NodeId> {
        self.nodes.push(node, facts).ok_or_else(|| self.too_big())
    }

    fn pattern(&mut self, p: &m::Pattern) -> R<PatternId> {
        let (condition, facts) = match &p.condition {
            Some(c) => {
                let id = self.node(c)?;
                (Some(id), self.nodes.facts(id))
            }
            None => (None, Facts::STEADY),
        };
        // No timer looks into a pattern: whatever time changes there is
        // unplaced. Matching reads events, so it is never steady.
        let facts = Facts {
            steady: false,
            unplaced: facts.unplaced || facts.time,
            ..facts
        };
        let pattern = Pattern {
            event: event_ref(p.event),
            condition,
        };
        let too_big = self.too_big();
        self.nodes.push_pattern(pattern, facts).ok_or(too_big)
    }
}

mod defs;
mod figures;
mod nodes;
