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
            Expr::CountEntered(s) => Figure::CountEntered(*s),
            Expr::CountEvents(p, filter) => Figure::CountEvents(super::event_ref(p.event), *filter),
            Expr::Conversion(a, b) => Figure::Conversion(*a, *b),
            Expr::StageDays(agg, a, b) => Figure::StageDays(*agg, *a, *b),
            Expr::FieldAggregate(agg, ev, f) => Figure::FieldAggregate(*agg, *ev, *f),
            Expr::Attainment(s) => Figure::Attainment(*s),
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
