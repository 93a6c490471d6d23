//! A period's aggregate figures read off their leaves: counted as the
//! replay went ([`MetricTally`](super::tally::MetricTally)), or from the
//! journeys when read. A figure built on an aggregate over nothing is
//! "no data", and says why.

use rust_decimal::Decimal;

use crate::ir::{Aggregate, DimensionId, DimensionRead, Figure, FigureId, Node, Type};

use super::super::stats;
use super::M;
use super::arith::aggregate;
use super::eval::PeriodEval;
use super::facts::{Counter, empty_leaf};
use super::leaf::{Agg, values_of};

impl PeriodEval<'_, '_> {
    /// Aggregate `e` over the period, under the period's cut.
    pub(super) fn over_period(&mut self, e: FigureId) -> M {
        let ctx = self.ctx;
        let f = &ctx.model.figures[e];
        let counted;
        let leaf = match self.tally {
            Some(tally) => tally.leaf(e, self.start, self.end),
            None => {
                let dims: Vec<DimensionId> = self.cut.dimension().into_iter().collect();
                let counter = Counter {
                    ctx,
                    start: self.start,
                    end: self.end,
                    dims: &dims,
                };
                counted = counter.leaf(f);
                counted.as_ref()
            }
        };
        let empty;
        let leaf = match leaf {
            Some(leaf) => leaf,
            None => match empty_leaf(f) {
                Some(leaf) => {
                    empty = leaf;
                    &empty
                }
                None => return M::NoData("not an aggregate".into()),
            },
        };
        let agg = leaf.under(&self.cut, &mut self.noted);
        self.read(f, agg)
    }

    /// An aggregate figure's value of what its leaf holds under the cut.
    fn read(&self, f: &Figure, agg: Agg) -> M {
        let ctx = self.ctx;
        let rate = |agg: &Agg, none: &dyn Fn() -> String| match agg {
            Agg::Rate { hits, of } => {
                stats::rate(*hits, *of).map_or_else(|| M::NoData(none()), M::Num)
            }
            _ => M::NoData(none()),
        };
        match f {
            Figure::CountEntered(..) | Figure::CountEvents(..) => match agg {
                Agg::Count(n) => M::Num(n as f64),
                _ => M::Num(0.0),
            },
            Figure::Conversion(a, ..) => rate(&agg, &|| {
                format!("nobody entered {} in the period", ctx.name(*a))
            }),
            Figure::Attainment(sla, _) => rate(&agg, &|| {
                format!(
                    "no {} due in the period was met, breached or overdue",
                    ctx.model.slas[*sla].name.as_str()
                )
            }),
            Figure::Share(_, team) => rate(&agg, &|| {
                format!("no {} touchpoints in the period", ctx.team_name(*team))
            }),
            Figure::StageDays(how, a, b, _) => aggregate(*how, values_of(agg), || {
                format!(
                    "nobody reached {} from {} in the period",
                    ctx.name(*b),
                    ctx.name(*a)
                )
            }),
            Figure::FieldAggregate(how, ty, field, _) => {
                let event = &ctx.model.events[*ty];
                let money = event.fields[*field].ty == Type::Money;
                let name = event.name.as_str();
                sum_or(*how, money, values_of(agg), || {
                    format!("no {name} in the period")
                })
            }
            Figure::EnteredField(how, s, d, _) => {
                let name = ctx.name(*s);
                sum_or(*how, self.is_money(*d), values_of(agg), || {
                    format!("none entered {name} with a value in the period")
                })
            }
            _ => M::NoData("not an aggregate".into()),
        }
    }

    /// Whether the field noted as dimension `d` is money.
    fn is_money(&self, d: DimensionId) -> bool {
        let model = self.ctx.model;
        // The field the dimension's node reads, not its text.
        let DimensionRead::Field(_, node) = &model.dimensions[d].read else {
            return false;
        };
        let field = match &model.nodes[*node] {
            Node::ContactField(f) => &model.contact_fields[*f],
            Node::AccountField(f) => &model.account_fields[*f],
            Node::DealField(f) => &model.deal_fields[*f],
            _ => return false,
        };
        field.ty == Type::Money
    }
}

/// The aggregate of `values`; a sum of nothing is zero, in the field's
/// own unit.
fn sum_or(how: Aggregate, money: bool, values: Vec<M>, none: impl Fn() -> String) -> M {
    match (values.is_empty(), how, money) {
        (true, Aggregate::Sum, true) => M::Money(Decimal::ZERO),
        (true, Aggregate::Sum, false) => M::Num(0.0),
        _ => aggregate(how, values, none),
    }
}
