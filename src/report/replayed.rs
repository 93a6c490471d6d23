//! What a report keeps of a replay: the journeys, and of each event only
//! what a report reads (its instant, type, deal, and the few fields a
//! figure, a segment, attribution or a drop-out reason reads), so that a
//! replay read a batch of accounts at a time can be kept whole without
//! keeping its rows.
//!
//! A [`Replayed`] grows by [`Replayed::append`], one batch's replay at a
//! time, and is sorted once by [`Replayed::finish`]. Batches of complete
//! accounts, appended in the order of the events file, number the events
//! as one load of the whole file does, so a report built from them is
//! byte for byte the report of the whole file (`tests/it/batches.rs`).
//!
//! Memory: about 40 bytes per event (plus 40 per field a report reads),
//! and of each journey what a report reads (its path, touches, SLA
//! instances, the indexes of its events and the marks its metrics
//! read); a journey's fields, scores and criteria at the end, buying
//! group and coverage are dropped.

use std::collections::HashMap;

use crate::compile::Policy;
use crate::data::time::Instant;
use crate::data::{EventKind, Histories};
use crate::eval::state::Cause;
use crate::eval::{AccountJourney, Evaluation, EventOf, Journey, StepFact};
use crate::ir::{FieldId, Figure, Ir, Value};

/// The journeys of a replay and the events they point at.
#[derive(Debug, Clone)]
pub struct Replayed {
    pub eval: Evaluation,
    pub events: Events,
}

/// Every event of the replay, by the index the journeys hold.
#[derive(Debug, Clone, Default)]
pub struct Events {
    rows: Vec<Row>,
    /// Deal ids, each kept once.
    deals: Vec<String>,
    deal_index: HashMap<String, u32>,
    /// By event type, the fields a report reads, sorted.
    read: Vec<Vec<FieldId>>,
}

/// One event, as a report reads it.
#[derive(Debug, Clone)]
pub struct Row {
    pub at: Instant,
    pub of: EventOf,
    deal: Option<u32>,
    /// The fields a report reads that have a value.
    fields: Box<[(FieldId, Value)]>,
}

impl Row {
    /// The value of field `f`, when a report reads it and it has one.
    pub fn field(&self, f: FieldId) -> Option<&Value> {
        self.fields.iter().find(|(g, _)| *g == f).map(|(_, v)| v)
    }
}

impl Events {
    /// An empty table for `policy`'s reports.
    pub fn new(ir: &Ir) -> Events {
        Events {
            read: read_fields(ir),
            ..Events::default()
        }
    }

    /// Every event of `histories`, by its index there.
    pub fn of(ir: &Ir, histories: &Histories) -> Events {
        let mut events = Events::new(ir);
        events.extend(histories);
        events
    }

    fn extend(&mut self, histories: &Histories) {
        self.rows.reserve(histories.events.len());
        for e in &histories.events {
            let (of, fields) = match &e.kind {
                EventKind::Event { ty, fields } => {
                    let read = self.read.get(ty.index()).map_or(&[][..], Vec::as_slice);
                    let kept: Vec<(FieldId, Value)> = read
                        .iter()
                        .filter_map(|f| Some((*f, fields.get(f.index())?.clone()?)))
                        .collect();
                    (EventOf::Event(*ty), kept.into_boxed_slice())
                }
                EventKind::Update(_) => (EventOf::Update, Box::default()),
                EventKind::AccountUpdate(_) => (EventOf::AccountUpdate, Box::default()),
                EventKind::DealUpdate(_) => (EventOf::DealUpdate, Box::default()),
                EventKind::Merge { .. } => (EventOf::Merge, Box::default()),
                EventKind::SetStage(_) => (EventOf::SetStage, Box::default()),
            };
            let deal = e.deal.as_ref().map(|d| self.deal_id(d));
            self.rows.push(Row {
                at: e.at,
                of,
                deal,
                fields,
            });
        }
    }

    fn deal_id(&mut self, deal: &str) -> u32 {
        if let Some(&i) = self.deal_index.get(deal) {
            return i;
        }
        // More than 4 billion deals cannot be read into memory anyway.
        let i = u32::try_from(self.deals.len()).unwrap_or(u32::MAX);
        self.deals.push(deal.to_string());
        self.deal_index.insert(deal.to_string(), i);
        i
    }

    pub fn get(&self, ev: usize) -> Option<&Row> {
        self.rows.get(ev)
    }

    /// The deal the event belongs to.
    pub fn deal(&self, row: &Row) -> Option<&str> {
        row.deal
            .and_then(|i| self.deals.get(i as usize))
            .map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// By event type, the fields some report reads: those a metric sums or
/// ranks, those a segment is cut by, and the `amount` and `reason` that
/// attribution and drop-outs read by name.
fn read_fields(ir: &Ir) -> Vec<Vec<FieldId>> {
    let mut read: Vec<Vec<FieldId>> = ir
        .events
        .iter()
        .map(|t| {
            t.fields
                .enumerate()
                .filter(|(_, f)| f.name == "amount" || f.name == "reason")
                .map(|(id, _)| id)
                .collect()
        })
        .collect();
    let mut add = |ty: usize, f: FieldId| {
        if let Some(list) = read.get_mut(ty) {
            list.push(f);
        }
    };
    for (_, figure) in ir.figures.iter() {
        if let Figure::FieldAggregate(_, ty, f, _) = figure {
            add(ty.index(), *f);
        }
    }
    for d in ir.dimensions.iter() {
        if let crate::ir::DimensionRead::Event(fields) = &d.read {
            for (ty, f) in fields {
                add(ty.index(), *f);
            }
        }
    }
    for list in &mut read {
        list.sort_unstable();
        list.dedup();
    }
    read
}

impl Replayed {
    /// A replay of the whole data at once.
    pub fn whole(policy: &Policy, histories: &Histories, eval: Evaluation) -> Replayed {
        let mut eval = eval;
        eval.journeys.iter_mut().for_each(trim);
        eval.deals.iter_mut().for_each(trim);
        eval.accounts.iter_mut().for_each(trim_account);
        let mut replayed = Replayed {
            events: Events::of(policy.ir(), histories),
            eval,
        };
        replayed.finish();
        replayed
    }

    /// Nothing replayed yet, up to `as_of`.
    pub fn empty(policy: &Policy, as_of: Instant) -> Replayed {
        Replayed {
            eval: Evaluation {
                as_of,
                journeys: Vec::new(),
                accounts: Vec::new(),
                deals: Vec::new(),
                problems: Vec::new(),
            },
            events: Events::new(policy.ir()),
        }
    }

    /// Adds one batch of complete accounts, replayed on its own; its
    /// events are numbered after those of the batches before.
    pub fn append(&mut self, histories: &Histories, eval: Evaluation) {
        let base = self.events.len();
        self.events.extend(histories);
        let Evaluation {
            journeys,
            accounts,
            deals,
            problems,
            ..
        } = eval;
        for (mut j, into) in journeys
            .into_iter()
            .map(|j| (j, false))
            .chain(deals.into_iter().map(|d| (d, true)))
        {
            rebase(&mut j, base);
            trim(&mut j);
            match into {
                true => self.eval.deals.push(j),
                false => self.eval.journeys.push(j),
            }
        }
        for mut a in accounts {
            a.steps.iter_mut().for_each(|s| rebase_step(s, base));
            trim_account(&mut a);
            self.eval.accounts.push(a);
        }
        self.eval.problems.extend(problems);
    }

    /// Puts everything in the order one replay of the whole data gives:
    /// by id, and the problems by account then contact (a stable sort:
    /// one account's problems keep the order its replay gave them).
    pub fn finish(&mut self) {
        let eval = &mut self.eval;
        eval.journeys.sort_by(|a, b| a.contact.cmp(&b.contact));
        eval.accounts.sort_by(|a, b| a.account.cmp(&b.account));
        eval.deals.sort_by(|a, b| a.contact.cmp(&b.contact));
        eval.problems
            .sort_by(|a, b| (&a.account, &a.contact).cmp(&(&b.account, &b.contact)));
    }
}

/// Moves a journey's event indexes past the `base` events before its
/// batch.
fn rebase(j: &mut Journey, base: usize) {
    let f = &mut j.facts;
    f.events.iter_mut().for_each(|e| *e += base);
    f.filtered.iter_mut().for_each(|(e, _)| *e += base);
    f.event_dims.iter_mut().for_each(|(e, _)| *e += base);
    f.touches.iter_mut().for_each(|t| t.event += base);
    f.steps.iter_mut().for_each(|s| rebase_step(s, base));
}

/// Every event index a step holds: its cause's and what tipped it.
fn rebase_step(s: &mut StepFact, base: usize) {
    match &mut s.cause {
        Cause::On { event, .. } | Cause::Manual { event } => *event += base,
        // A `when` move's item is on its account's own timeline, which a
        // batch replays whole.
        _ => {}
    }
    if let Some(e) = &mut s.tipped.event {
        *e += base;
    }
}

/// Drops what no report reads of a journey (its fields, scores and
/// criteria at the end, buying group, coverage, own problems: the
/// replay's problems are kept whole), which is most of its memory; the
/// same in a whole replay and a batched one, so no report can read what
/// only one of them keeps.
fn trim(j: &mut Journey) {
    j.scores = Vec::new();
    j.criteria = Vec::new();
    j.group = None;
    j.problems = Vec::new();
    j.fired = Vec::new();
    j.held_at_moves = Vec::new();
    j.facts.fields = Vec::new();
}

fn trim_account(a: &mut AccountJourney) {
    a.group = None;
    a.fired = Vec::new();
    a.scores = Vec::new();
}
