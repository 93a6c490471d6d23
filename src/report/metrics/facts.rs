//! The aggregates of a span, counted into a [`Leaf`]: what each counts,
//! filtered by the `where` the replay worked out at each fact, and noted
//! in the segment of each dimension asked for by the value the fact's
//! dimension had at its instant (the event, the stage entry, the cohort's
//! first entry for `conversion` and `days`, the start of an SLA
//! instance).

use std::collections::{BTreeMap, BTreeSet};

use crate::data::time::Instant;
use crate::eval::{EventOf, Journey, Marks, StepFact};
use crate::ir::{
    DimensionId, DimensionRead, EventRef, EventTypeId, FieldId, Figure, FilterId, SlaId, StageId,
    TeamId, Value,
};

use super::super::context::{Ctx, Entry, first_entry_in};
use super::leaf::{Agg, DealCopy, Leaf};
use super::segment::Segment;

/// A mark's value of dimension `d`.
fn mark_value(marks: &Marks, d: DimensionId) -> Option<Value> {
    marks.dims.get(d.index()).cloned().flatten()
}

/// Whether a mark's filter holds (no filter: it does).
fn holds(marks: &Marks, filter: Option<FilterId>) -> bool {
    filter.is_none_or(|f| marks.filters.contains(&f))
}

/// Counts the aggregates of one span, `[start, end)`, of a context's
/// journeys, by segment of each of `dims`.
pub struct Counter<'c, 'a> {
    pub ctx: &'c Ctx<'a>,
    pub start: Instant,
    pub end: Instant,
    pub dims: &'c [DimensionId],
}

impl Counter<'_, '_> {
    fn within(&self, t: Instant) -> bool {
        self.start <= t && t < self.end
    }

    /// The leaf of an aggregate figure; none for any other figure.
    pub fn leaf(&self, f: &Figure) -> Option<Leaf> {
        Some(match f {
            Figure::CountEntered(s, w) => self.entered(*s, *w, None),
            Figure::EnteredField(_, s, d, w) => self.entered(*s, *w, Some(*d)),
            Figure::CountEvents(what, w) => self.occurrences(*what, *w),
            Figure::Conversion(a, b, w) => self.conversion(*a, *b, *w),
            Figure::StageDays(_, a, b, w) => self.stage_days(*a, *b, *w),
            Figure::FieldAggregate(_, ty, field, w) => self.field_values(*ty, *field, *w),
            Figure::Attainment(s, w) => self.attainment(*s, *w),
            Figure::Share(what, team) => self.share(*what, *team),
            _ => return None,
        })
    }

    /// Subjects with an entry into `s` in the span (where its filter
    /// held), each once, in the segment of its first such entry: counted,
    /// or with the value dimension `field` had then (a deal's amount
    /// counts once whatever the number of its contacts).
    fn entered(&self, s: StageId, w: Option<FilterId>, field: Option<DimensionId>) -> Leaf {
        let mut leaf = Leaf::new(field.map_or(Agg::Count(0), |_| Agg::values()));
        for steps in self.ctx.lives(s) {
            let first = steps
                .iter()
                .find(|st| st.stage == s && self.within(st.entered) && holds(&st.marks, w));
            if let Some(st) = first {
                let value = field.and_then(|d| mark_value(&st.marks, d));
                leaf.fact(
                    self.dims,
                    |d| mark_value(&st.marks, d),
                    |agg| match agg {
                        Agg::Count(n) => *n += 1,
                        _ => agg.push(value.as_ref()),
                    },
                );
            }
        }
        leaf
    }

    /// The cohort: paths whose first entry into `a` passed the filter,
    /// with that entry and its marks.
    fn cohort<'x>(
        &self,
        lives: Vec<&'x [StepFact]>,
        a: StageId,
        w: Option<FilterId>,
    ) -> Vec<(&'x [StepFact], Entry, &'x Marks)> {
        let mut out = Vec::new();
        for steps in lives {
            let Some(entry) = first_entry_in(steps, a) else {
                continue;
            };
            if let Some(step) = steps.get(entry.step)
                && holds(&step.marks, w)
            {
                out.push((steps, entry, &step.marks));
            }
        }
        out
    }

    /// Of the cohort entering `a` in the span, how many reached `b`.
    fn conversion(&self, a: StageId, b: StageId, w: Option<FilterId>) -> Leaf {
        let ctx = self.ctx;
        let lives: Vec<&[StepFact]> = ctx
            .lives(a)
            .into_iter()
            .filter(|steps| first_entry_in(steps, a).is_some_and(|t| self.within(t.at)))
            .collect();
        let mut leaf = Leaf::new(Agg::Rate { hits: 0, of: 0 });
        for (steps, entry, marks) in self.cohort(lives, a, w) {
            let hit = usize::from(ctx.reached_in(steps, entry, b).is_some());
            leaf.fact(
                self.dims,
                |d| mark_value(marks, d),
                |agg| {
                    if let Agg::Rate { hits, of } = agg {
                        *hits += hit;
                        *of += 1;
                    }
                },
            );
        }
        leaf
    }

    /// Days from `a` to `b` of the cohort that reached `b` in the span.
    fn stage_days(&self, a: StageId, b: StageId, w: Option<FilterId>) -> Leaf {
        let ctx = self.ctx;
        let reached = |steps: &[StepFact]| {
            first_entry_in(steps, a).and_then(|ta| ctx.reached_in(steps, ta, b))
        };
        let lives: Vec<&[StepFact]> = ctx
            .lives(a)
            .into_iter()
            .filter(|steps| reached(steps).is_some_and(|tb| self.within(tb)))
            .collect();
        let mut leaf = Leaf::new(Agg::values());
        for (steps, ta, marks) in self.cohort(lives, a, w) {
            let Some(tb) = ctx.reached_in(steps, ta, b) else {
                continue;
            };
            let days = Value::Number((tb - ta.at) as f64 / 86_400_000.0);
            leaf.fact(
                self.dims,
                |d| mark_value(marks, d),
                |agg| agg.push(Some(&days)),
            );
        }
        leaf
    }

    /// A field of each event of type `ty` in the span. One event of a
    /// deal recorded on several of its contacts (the same type, deal and
    /// instant) counts once, in the segment of the copy a whole replay
    /// meets first (whatever the segment asked for), so that the segments
    /// add up to the total. Two events of one deal at different instants
    /// are two.
    fn field_values(&self, ty: EventTypeId, field: FieldId, w: Option<FilterId>) -> Leaf {
        let ctx = self.ctx;
        let mut leaf = Leaf::new(Agg::values());
        let contacts = ctx.journeys().len();
        for (place, j) in ctx.event_journeys().enumerate() {
            for (k, &ev) in j.facts.events.iter().enumerate() {
                let Some(e) = ctx.events.get(ev) else {
                    continue;
                };
                if e.of != EventOf::Event(ty) || !self.within(e.at) || !filtered(j, ev, w) {
                    continue;
                }
                let value = e.field(field).cloned();
                let Some(deal) = e.deal else {
                    leaf.fact(
                        self.dims,
                        |d| event_value(ctx, j, ev, d),
                        |agg| agg.push(value.as_ref()),
                    );
                    continue;
                };
                let segments = self
                    .dims
                    .iter()
                    .map(|d| (*d, Segment(event_value(ctx, j, ev, *d))))
                    .collect();
                let first = (place >= contacts, j.contact.clone(), k);
                let copy = DealCopy {
                    first,
                    value,
                    segments,
                };
                leaf.deal_copy((deal.to_string(), e.at), copy);
            }
        }
        leaf
    }

    /// Instances due in the span that were met, of those met, breached
    /// or overdue.
    fn attainment(&self, sla: SlaId, w: Option<FilterId>) -> Leaf {
        let ctx = self.ctx;
        let mut leaf = Leaf::new(Agg::Rate { hits: 0, of: 0 });
        let states = ctx
            .event_journeys()
            .map(|j| j.slas.as_slice())
            .chain(ctx.accounts().iter().map(|a| a.slas.as_slice()));
        for states in states {
            for i in states.iter().map(|s| &s.instance).filter(|i| i.sla == sla) {
                if !self.within(i.due) || !holds(&i.marks, w) {
                    continue;
                }
                let met = match crate::eval::SlaStatus::of(i, ctx.as_of) {
                    crate::eval::SlaStatus::Met => 1,
                    crate::eval::SlaStatus::Breached | crate::eval::SlaStatus::Overdue => 0,
                    _ => continue,
                };
                leaf.fact(
                    self.dims,
                    |d| mark_value(&i.marks, d),
                    |agg| {
                        if let Agg::Rate { hits, of } = agg {
                            *hits += met;
                            *of += 1;
                        }
                    },
                );
            }
        }
        leaf
    }
}

/// Sets of events, in total and by segment, counted into a leaf once
/// every journey is read: an event a batch holds is in no other batch,
/// so the counts of batches add up.
#[derive(Default)]
struct EventSets {
    total: BTreeSet<usize>,
    by: BTreeMap<DimensionId, BTreeMap<Segment, BTreeSet<usize>>>,
}

impl EventSets {
    /// Notes event `ev` in the segments `segment` gives; adds it to the
    /// sets when `counted`.
    fn note(
        &mut self,
        dims: &[DimensionId],
        segment: impl Fn(DimensionId) -> Option<Value>,
        ev: usize,
        counted: bool,
    ) {
        if counted {
            self.total.insert(ev);
        }
        for d in dims {
            let set = self.by.entry(*d).or_default();
            let set = set.entry(Segment(segment(*d))).or_default();
            if counted {
                set.insert(ev);
            }
        }
    }

    fn counts(self) -> Leaf {
        let mut leaf = Leaf::new(Agg::Count(self.total.len()));
        for (d, segments) in self.by {
            let segments = segments
                .into_iter()
                .map(|(s, set)| (s, Agg::Count(set.len())))
                .collect();
            leaf.by.insert(d, segments);
        }
        leaf
    }
}

impl Counter<'_, '_> {
    /// Events matching `what` in the span (each event once), where its
    /// filter held as each happened.
    fn occurrences(&self, what: EventRef, w: Option<FilterId>) -> Leaf {
        let ctx = self.ctx;
        let mut sets = EventSets::default();
        for j in ctx.event_journeys() {
            let segment = |ev: usize| move |d| event_value(ctx, j, ev, d);
            match what {
                EventRef::Touchpoint(tp) => {
                    for t in &j.facts.touches {
                        if self.within(t.at)
                            && t.touchpoints.contains(&tp)
                            && filtered(j, t.event, w)
                        {
                            sets.note(self.dims, segment(t.event), t.event, true);
                        }
                    }
                }
                EventRef::Event(ty) => {
                    for &ev in &j.facts.events {
                        let Some(e) = ctx.events.get(ev) else {
                            continue;
                        };
                        if self.within(e.at) && e.of == EventOf::Event(ty) && filtered(j, ev, w) {
                            sets.note(self.dims, segment(ev), ev, true);
                        }
                    }
                }
            }
        }
        sets.counts()
    }

    /// Of the events touched by `team` in the span, the share matching
    /// `what`. Every touch in the span notes its segment.
    fn share(&self, what: EventRef, team: TeamId) -> Leaf {
        let ctx = self.ctx;
        let (mut mine, mut all) = (EventSets::default(), EventSets::default());
        for j in ctx.journeys() {
            for t in &j.facts.touches {
                if !self.within(t.at) {
                    continue;
                }
                let segment = |d| event_value(ctx, j, t.event, d);
                let ours = t
                    .touchpoints
                    .iter()
                    .any(|tp| ctx.model.touchpoints[*tp].team == team);
                let matching = t.touchpoints.iter().any(|tp| {
                    ctx.model.touchpoints[*tp].team == team
                        && match what {
                            EventRef::Touchpoint(want) => *tp == want,
                            EventRef::Event(ty) => ctx
                                .events
                                .get(t.event)
                                .is_some_and(|e| e.of == EventOf::Event(ty)),
                        }
                });
                all.note(self.dims, segment, t.event, ours);
                mine.note(self.dims, segment, t.event, matching);
            }
        }
        rates(mine.counts(), all.counts())
    }
}

/// The rate leaf of two count leaves of the same facts.
fn rates(hits: Leaf, of: Leaf) -> Leaf {
    let rate = |h: &Agg, o: &Agg| match (h, o) {
        (Agg::Count(hits), Agg::Count(of)) => Agg::Rate {
            hits: *hits,
            of: *of,
        },
        _ => Agg::Rate { hits: 0, of: 0 },
    };
    let mut leaf = Leaf::new(rate(&hits.total, &of.total));
    for (d, segments) in of.by {
        let h = hits.by.get(&d);
        let segments = segments
            .into_iter()
            .map(|(s, o)| {
                let zero = Agg::Count(0);
                let r = rate(h.and_then(|h| h.get(&s)).unwrap_or(&zero), &o);
                (s, r)
            })
            .collect();
        leaf.by.insert(d, segments);
    }
    leaf
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

/// The leaf of an aggregate figure over nothing; none for any other
/// figure.
pub fn empty_leaf(f: &Figure) -> Option<Leaf> {
    let empty = match f {
        Figure::CountEntered(..) | Figure::CountEvents(..) => Agg::Count(0),
        Figure::Conversion(..) | Figure::Attainment(..) | Figure::Share(..) => {
            Agg::Rate { hits: 0, of: 0 }
        }
        Figure::StageDays(..) | Figure::FieldAggregate(..) | Figure::EnteredField(..) => {
            Agg::values()
        }
        _ => return None,
    };
    Some(Leaf::new(empty))
}
