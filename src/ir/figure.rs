//! Figures over a period: what metrics and incentive targets and payouts
//! compute from every journey of a period. Their own arena, apart from
//! the per-contact [`Node`](super::node::Node)s, so a figure can only
//! read aggregates, constants and other metrics, and a condition can
//! never meet an aggregate.

use super::id::*;
use super::node::EventRef;
use super::value::*;

/// A figure of the arena. Only the arena that made it hands it out.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FigureId(u32);

impl std::fmt::Debug for FigureId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "f{}", self.0)
    }
}

/// One figure over a period.
#[derive(Debug, Clone, PartialEq)]
pub enum Figure {
    Const(Value),
    Metric(MetricId),
    Neg(FigureId),
    Not(FigureId),
    And(FigureId, FigureId),
    Or(FigureId, FigureId),
    Compare(CmpOp, FigureId, FigureId),
    Arith(ArithOp, FigureId, FigureId),
    Min(Vec<FigureId>),
    Max(Vec<FigureId>),
    /// Subjects that entered the stage in the period. Every filter is
    /// one the replay worked out as each fact happened.
    CountEntered(StageId, Option<FilterId>),
    /// Events (or touches) in the period.
    CountEvents(EventRef, Option<FilterId>),
    Conversion(StageId, StageId, Option<FilterId>),
    StageDays(Aggregate, StageId, StageId, Option<FilterId>),
    FieldAggregate(Aggregate, EventTypeId, FieldId, Option<FilterId>),
    /// A field of each subject entering the stage in the period, as it
    /// entered (`sum(entered deal:won .amount)`): once per subject.
    EnteredField(Aggregate, StageId, DimensionId, Option<FilterId>),
    Attainment(SlaId, Option<FilterId>),
    Share(EventRef, TeamId),
}

/// The arena of figures.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    figures: Vec<Figure>,
}

impl Figures {
    /// Adds a figure whose operands are already in the arena.
    pub(crate) fn push(&mut self, f: Figure) -> Option<FigureId> {
        let id = FigureId(u32::try_from(self.figures.len()).ok()?);
        self.figures.push(f);
        Some(id)
    }

    /// Every figure with its id, operands first.
    pub fn iter(&self) -> impl Iterator<Item = (FigureId, &Figure)> {
        self.figures
            .iter()
            .zip(0u32..)
            .map(|(f, i)| (FigureId(i), f))
    }
}

#[allow(
    clippy::indexing_slicing,
    reason = "ids are minted only by this arena's push"
)]
impl std::ops::Index<FigureId> for Figures {
    type Output = Figure;
    fn index(&self, id: FigureId) -> &Figure {
        &self.figures[id.0 as usize]
    }
}
