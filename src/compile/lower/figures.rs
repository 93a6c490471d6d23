//! Metrics and incentives → figures over a period.

use super::{Lower, R, Unlowered};
use crate::check::model::{self as m, Expr};
use crate::ir::*;

impl Lower<'_> {
    pub(super) fn metric(&mut self, x: &m::Metric) -> R<Metric> {
        self.span = x.span;
        let model = self.model;
        let definition = |id: MetricId| model.metrics.get(id.index()).map(|d| &d.expr);
        Ok(Metric {
            name: x.name.clone(),
            description: x.description.clone(),
            figure: self.figure(&x.expr)?,
            unit: x.unit,
            rate: m::is_rate(&x.expr, &definition),
            by: x.by,
        })
    }

    pub(super) fn incentive(&mut self, x: &m::Incentive) -> R<Incentive> {
        self.span = x.span;
        Ok(Incentive {
            name: x.name.clone(),
            description: x.description.clone(),
            teams: x.teams.clone(),
            period: x.period,
            target: self.figure(&x.target)?,
            payout: self.figure(&x.payout)?,
            split: x.split,
            per: x.per,
            lag_months: x.lag_months,
        })
    }

    /// A metric's `where`: its condition becomes a node the replay holds
    /// of each fact as it happens.
    pub(super) fn filter(&mut self, x: &m::Filter) -> R<Filter> {
        Ok(match x {
            m::Filter::Event(p) => Filter::Event(self.pattern(p)?),
            m::Filter::Entry(s, c) => Filter::Entry(*s, self.node(c)?),
            m::Filter::Sla(s, c) => Filter::Sla(*s, self.node(c)?),
        })
    }

    /// A dimension: a contact's or account's field is read through a
    /// node, as conditions read it.
    pub(super) fn dimension(&mut self, x: &m::Dimension) -> R<Dimension> {
        let read = match &x.read {
            m::DimensionRead::Contact(f) => {
                DimensionRead::Field(Entity::Contact, self.node(&Expr::ContactField(*f))?)
            }
            m::DimensionRead::Account(f) => {
                DimensionRead::Field(Entity::Account, self.node(&Expr::AccountField(*f))?)
            }
            m::DimensionRead::Deal(f) => {
                DimensionRead::Field(Entity::Deal, self.node(&Expr::DealField(*f))?)
            }
            m::DimensionRead::Event(fields) => DimensionRead::Event(fields.clone()),
        };
        Ok(Dimension {
            text: x.text.clone(),
            read,
        })
    }

    fn push_figure(&mut self, f: Figure) -> R<FigureId> {
        let too_big = self.too_big();
        self.figures.push(f).ok_or(too_big)
    }

    fn figure(&mut self, e: &Expr) -> R<FigureId> {
        let f = match e {
            Expr::Const(v) => Figure::Const(v.clone()),
            Expr::Metric(id) => Figure::Metric(*id),
            Expr::Neg(a) => Figure::Neg(self.figure(a)?),
            Expr::Not(a) => Figure::Not(self.figure(a)?),
            Expr::And(a, b) => Figure::And(self.figure(a)?, self.figure(b)?),
            Expr::Or(a, b) => Figure::Or(self.figure(a)?, self.figure(b)?),
            Expr::Compare(op, a, b) => Figure::Compare(*op, self.figure(a)?, self.figure(b)?),
            Expr::Arith(op, a, b) => Figure::Arith(*op, self.figure(a)?, self.figure(b)?),
            Expr::Min(xs) => Figure::Min(self.figures_of(xs)?),
            Expr::Max(xs) => Figure::Max(self.figures_of(xs)?),
            Expr::CountEntered(s, w) => Figure::CountEntered(*s, *w),
            Expr::CountEvents(p, w) => Figure::CountEvents(super::event_ref(p.event), *w),
            Expr::Conversion(a, b, w) => Figure::Conversion(*a, *b, *w),
            Expr::StageDays(agg, a, b, w) => Figure::StageDays(*agg, *a, *b, *w),
            Expr::FieldAggregate(agg, ev, f, w) => Figure::FieldAggregate(*agg, *ev, *f, *w),
            Expr::EnteredField(agg, s, f, w) => Figure::EnteredField(*agg, *s, *f, *w),
            Expr::Attainment(s, w) => Figure::Attainment(*s, *w),
            Expr::Share(what, team) => Figure::Share(super::event_ref(*what), *team),
            _ => {
                return Err(Unlowered {
                    what: "a read about one contact or account".into(),
                    place: "in a metric or incentive, which is computed over a period",
                    span: self.span,
                });
            }
        };
        self.push_figure(f)
    }

    fn figures_of(&mut self, xs: &[Expr]) -> R<Vec<FigureId>> {
        xs.iter().map(|x| self.figure(x)).collect()
    }
}
