//! The aggregates of a period: what each counts, filtered by the `where`
//! the replay worked out at each fact, and cut to a segment by the value
//! the fact's dimension had at its instant (the event, the stage entry,
//! the cohort's first entry for `conversion` and `days`, the start of an
//! SLA instance).

use std::collections::BTreeSet;

use rust_decimal::Decimal;

use crate::eval::{EventOf, Journey, Marks, StepFact};
use crate::ir::{
    Aggregate, DimensionId, DimensionRead, EventRef, EventTypeId, FieldId, Figure, FilterId, Node,
    SlaId, StageId, TeamId, TouchpointId, Type, Value,
};

use super::super::context::{Ctx, first_entry_in};
use super::super::stats;
use super::M;
use super::arith::aggregate;
use super::eval::PeriodEval;

/// A mark's value of dimension `d`.
fn mark_value(marks: &Marks, d: DimensionId) -> Option<Value> {
    marks.dims.get(d.index()).cloned().flatten()
}

/// Whether a mark's filter holds (no filter: it does).
fn holds(marks: &Marks, filter: Option<FilterId>) -> bool {
    filter.is_none_or(|f| marks.filters.contains(&f))
}

impl PeriodEval<'_, '_> {
    /// An aggregate over the journeys of the period.
    pub(super) fn over_period(&mut self, f: &Figure) -> M {
        match f {
            Figure::CountEntered(s, w) => M::Num(self.count_entered(*s, *w) as f64),
            Figure::CountEvents(what, w) => M::Num(self.occurrences(*what, *w).len() as f64),
            Figure::Conversion(a, b, w) => self.conversion(*a, *b, *w),
            Figure::StageDays(agg, a, b, w) => self.stage_days(*agg, *a, *b, *w),
            Figure::FieldAggregate(agg, ty, field, w) => {
                self.field_aggregate(*agg, *ty, *field, *w)
            }
            Figure::EnteredField(agg, s, d, w) => self.entered_field(*agg, *s, *d, *w),
            Figure::Attainment(s, w) => self.attainment(*s, *w),
            Figure::Share(what, team) => self.share(*what, *team),
            Figure::Const(_)
            | Figure::Metric(_)
            | Figure::Neg(_)
            | Figure::Not(_)
            | Figure::And(..)
            | Figure::Or(..)
            | Figure::Compare(..)
            | Figure::Arith(..)
            | Figure::Min(_)
            | Figure::Max(_) => M::NoData("not an aggregate".into()),
        }
    }

    /// Subjects with an entry into `s` in the period (where its filter
    /// held), each once, in the segment of its first such entry.
    fn count_entered(&mut self, s: StageId, w: Option<FilterId>) -> usize {
        let mut n = 0;
        for steps in self.ctx.lives(s) {
            let first = steps
                .iter()
                .find(|st| st.stage == s && self.within(st.entered) && holds(&st.marks, w));
            if let Some(st) = first
                && self.admits(|d| mark_value(&st.marks, d))
            {
                n += 1;
            }
        }
        n
    }

    /// A field of each subject whose first entry into `s` in the period
    /// passed the filter, as it was at that entry (noted as dimension
    /// `d`): once per subject, so a deal's amount counts once whatever
    /// the number of its contacts.
    fn entered_field(
        &mut self,
        agg: Aggregate,
        s: StageId,
        d: DimensionId,
        w: Option<FilterId>,
    ) -> M {
        let ctx = self.ctx;
        let mut values = Vec::new();
        let mut money = false;
        for steps in ctx.lives(s) {
            let first = steps
                .iter()
                .find(|st| st.stage == s && self.within(st.entered) && holds(&st.marks, w));
            let Some(st) = first else {
                continue;
            };
            if !self.admits(|x| mark_value(&st.marks, x)) {
                continue;
            }
            match mark_value(&st.marks, d) {
                Some(Value::Money(m)) => {
                    money = true;
                    values.push(M::Money(m));
                }
                Some(Value::Number(n)) => values.push(M::Num(n)),
                _ => {}
            }
        }
        if values.is_empty() && agg == Aggregate::Sum {
            let is_money = money || self.entered_field_is_money(d);
            return if is_money {
                M::Money(Decimal::ZERO)
            } else {
                M::Num(0.0)
            };
        }
        let name = ctx.name(s);
        aggregate(agg, values, || {
            format!("none entered {name} with a value in the period")
        })
    }

    /// Whether the field noted as dimension `d` is money.
    fn entered_field_is_money(&self, d: DimensionId) -> bool {
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

    /// The cohort: paths whose first entry into `a` is in the period and
    /// passed the filter, with that entry, in the segment of that entry.
    fn cohort<'x>(
        &mut self,
        lives: Vec<&'x [StepFact]>,
        a: StageId,
        w: Option<FilterId>,
    ) -> Vec<(&'x [StepFact], super::super::context::Entry)> {
        let mut out = Vec::new();
        for steps in lives {
            let Some(entry) = first_entry_in(steps, a) else {
                continue;
            };
            let Some(step) = steps.get(entry.step) else {
                continue;
            };
            if holds(&step.marks, w) && self.admits(|d| mark_value(&step.marks, d)) {
                out.push((steps, entry));
            }
        }
        out
    }

    fn conversion(&mut self, a: StageId, b: StageId, w: Option<FilterId>) -> M {
        let ctx = self.ctx;
        let lives: Vec<&[StepFact]> = ctx
            .lives(a)
            .into_iter()
            .filter(|steps| first_entry_in(steps, a).is_some_and(|t| self.within(t.at)))
            .collect();
        let cohort = self.cohort(lives, a, w);
        let reached = cohort
            .iter()
            .filter(|(steps, t)| ctx.reached_in(steps, *t, b).is_some())
            .count();
        match stats::rate(reached, cohort.len()) {
            Some(r) => M::Num(r),
            None => M::NoData(format!("nobody entered {} in the period", ctx.name(a))),
        }
    }

    fn stage_days(&mut self, agg: Aggregate, a: StageId, b: StageId, w: Option<FilterId>) -> M {
        let ctx = self.ctx;
        let lives: Vec<&[StepFact]> = ctx
            .lives(a)
            .into_iter()
            .filter(|steps| {
                first_entry_in(steps, a)
                    .and_then(|ta| ctx.reached_in(steps, ta, b))
                    .is_some_and(|tb| self.within(tb))
            })
            .collect();
        let days: Vec<M> = self
            .cohort(lives, a, w)
            .into_iter()
            .filter_map(|(steps, ta)| {
                let tb = ctx.reached_in(steps, ta, b)?;
                Some(M::Num((tb - ta.at) as f64 / 86_400_000.0))
            })
            .collect();
        aggregate(agg, days, || {
            format!(
                "nobody reached {} from {} in the period",
                ctx.name(b),
                ctx.name(a)
            )
        })
    }

    fn field_aggregate(
        &mut self,
        agg: Aggregate,
        ty: EventTypeId,
        field: FieldId,
        w: Option<FilterId>,
    ) -> M {
        let ctx = self.ctx;
        let model = ctx.model;
        let mut seen: BTreeSet<(&str, i64)> = BTreeSet::new();
        let mut values = Vec::new();
        for j in ctx.event_journeys() {
            for &ev in &j.facts.events {
                let Some(e) = ctx.events.get(ev) else {
                    continue;
                };
                if e.of != EventOf::Event(ty) || !self.within(e.at) || !filtered(j, ev, w) {
                    continue;
                }
                // One event of a deal recorded on several of its contacts
                // (the same type, deal and instant): counted once, in the
                // segment of its first copy (whatever the segment asked
                // for), so that the segments add up to the total. Two
                // events of one deal at different instants are two.
                if let Some(o) = e.deal
                    && !seen.insert((o, e.at))
                {
                    continue;
                }
                if !self.admits(|d| event_value(ctx, j, ev, d)) {
                    continue;
                }
                match e.field(field) {
                    Some(Value::Money(m)) => values.push(M::Money(*m)),
                    Some(Value::Number(n)) => values.push(M::Num(*n)),
                    _ => {}
                }
            }
        }
        let is_money = model.events[ty].fields[field].ty == Type::Money;
        if values.is_empty() && agg == Aggregate::Sum {
            // A sum of nothing is zero, in the field's own unit.
            return if is_money {
                M::Money(Decimal::ZERO)
            } else {
                M::Num(0.0)
            };
        }
        let name = model.events[ty].name.as_str();
        aggregate(agg, values, || format!("no {name} in the period"))
    }

    /// Instances due in the period that were met, of those met, breached
    /// or overdue.
    fn attainment(&mut self, sla: SlaId, w: Option<FilterId>) -> M {
        let ctx = self.ctx;
        let (mut met, mut counted) = (0usize, 0usize);
        let states = ctx
            .event_journeys()
            .map(|j| j.slas.as_slice())
            .chain(ctx.accounts().iter().map(|a| a.slas.as_slice()));
        for states in states {
            for i in states.iter().map(|s| &s.instance).filter(|i| i.sla == sla) {
                if !self.within(i.due) || !holds(&i.marks, w) {
                    continue;
                }
                let status = crate::eval::SlaStatus::of(i, ctx.as_of);
                let done = match status {
                    crate::eval::SlaStatus::Met => true,
                    crate::eval::SlaStatus::Breached | crate::eval::SlaStatus::Overdue => false,
                    _ => continue,
                };
                if !self.admits(|d| mark_value(&i.marks, d)) {
                    continue;
                }
                met += usize::from(done);
                counted += 1;
            }
        }
        match stats::rate(met, counted) {
            Some(r) => M::Num(r),
            None => M::NoData(format!(
                "no {} due in the period was met, breached or overdue",
                ctx.model.slas[sla].name.as_str()
            )),
        }
    }

    fn share(&mut self, what: EventRef, team: TeamId) -> M {
        let ctx = self.ctx;
        let team_touches = self.team_touches(team);
        let mine = team_touches
            .iter()
            .filter(|(ev, tp)| match what {
                EventRef::Touchpoint(t) => *tp == t,
                EventRef::Event(ty) => ctx
                    .events
                    .get(*ev)
                    .is_some_and(|e| e.of == EventOf::Event(ty)),
            })
            .map(|(ev, _)| *ev)
            .collect::<BTreeSet<usize>>()
            .len();
        let all: BTreeSet<usize> = team_touches.iter().map(|(ev, _)| *ev).collect();
        match stats::rate(mine, all.len()) {
            Some(r) => M::Num(r),
            None => M::NoData(format!(
                "no {} touchpoints in the period",
                ctx.team_name(team)
            )),
        }
    }

    /// Events matching `what` in the period (each event once), where its
    /// filter held as each happened.
    pub(super) fn occurrences(&mut self, what: EventRef, w: Option<FilterId>) -> BTreeSet<usize> {
        let ctx = self.ctx;
        let mut out = BTreeSet::new();
        for j in ctx.event_journeys() {
            match what {
                EventRef::Touchpoint(tp) => {
                    for t in &j.facts.touches {
                        if self.within(t.at)
                            && t.touchpoints.contains(&tp)
                            && filtered(j, t.event, w)
                            && self.admits(|d| event_value(ctx, j, t.event, d))
                        {
                            out.insert(t.event);
                        }
                    }
                }
                EventRef::Event(ty) => {
                    for &ev in &j.facts.events {
                        let Some(e) = ctx.events.get(ev) else {
                            continue;
                        };
                        if self.within(e.at)
                            && e.of == EventOf::Event(ty)
                            && filtered(j, ev, w)
                            && self.admits(|d| event_value(ctx, j, ev, d))
                        {
                            out.insert(ev);
                        }
                    }
                }
            }
        }
        out
    }

    /// (event, touchpoint) of every touch by `team` in the period.
    fn team_touches(&mut self, team: TeamId) -> Vec<(usize, TouchpointId)> {
        let ctx = self.ctx;
        let mut out = Vec::new();
        for j in ctx.journeys() {
            for t in &j.facts.touches {
                if !self.within(t.at) || !self.admits(|d| event_value(ctx, j, t.event, d)) {
                    continue;
                }
                for tp in &t.touchpoints {
                    if ctx.model.touchpoints[*tp].team == team {
                        out.push((t.event, *tp));
                    }
                }
            }
        }
        out
    }
}

/// Event `ev`'s value of dimension `d`: a contact's or account's field as
/// the replay read it then, or the event's own field.
fn event_value(ctx: &Ctx<'_>, j: &Journey, ev: usize, d: DimensionId) -> Option<Value> {
    match &ctx.model.dimensions[d].read {
        DimensionRead::Field(..) => {
            let dims = &j.facts.event_dims;
            let i = dims.binary_search_by_key(&ev, |(e, _)| *e).ok()?;
            dims.get(i)?.1.get(d.index()).cloned().flatten()
        }
        DimensionRead::Event(fields) => {
            let e = ctx.events.get(ev)?;
            let (_, f) = fields.iter().find(|(t, _)| EventOf::Event(*t) == e.of)?;
            e.field(*f).cloned()
        }
    }
}

/// Whether the replay found filter `w` held of event `ev` (no filter: it
/// does).
fn filtered(j: &Journey, ev: usize, w: Option<FilterId>) -> bool {
    w.is_none_or(|f| j.facts.filtered.binary_search(&(ev, f)).is_ok())
}
