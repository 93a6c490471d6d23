//! Every event of a replay as the reports read it: its instant, type,
//! deal, and the few fields a figure, a segment, attribution or a
//! drop-out reason reads; 24 bytes an event, in chunks.

use std::collections::HashMap;
use std::sync::Arc;

use crate::data::time::Instant;
use crate::data::{Event, EventKind, Histories};
use crate::eval::EventOf;
use crate::ir::{EventTypeId, FieldId, Figure, Ir, Value};

/// Every event of the replay, by the index the journeys hold.
///
/// Rows are packed to 24 bytes and kept in chunks of 65,536: at two
/// and a half million events a single growing vector kept up to twice
/// its length reserved, and copied itself whole when it grew (measured
/// with heaptrack: 129 MB for 100 MB of rows, the report's largest
/// allocation); chunks never copy and waste at most one chunk.
///
/// A diff replays the same events under two policies. When both read the
/// same fields of the same event types, the second table keeps only the
/// rows that differ from the first's from the first difference on
/// ([`Events::following`]): the rows before it are the first table's.
#[derive(Debug, Clone, Default)]
pub struct Events {
    /// The table whose first `shared` rows are this one's; while every
    /// row so far is shared (`shared == len`), the next may be too.
    before: Option<Arc<Events>>,
    shared: usize,
    /// (event type, (field index, name) of each field read), by type:
    /// two tables with the same signature write the same row the same way.
    signature: Vec<(String, Vec<(usize, String)>)>,
    /// Rows numbered below this were dropped ([`Events::cleared`]): the
    /// numbering goes on from the whole file's, so an event's number
    /// never names two events of one replay.
    dropped: usize,
    rows: Vec<Vec<Packed>>,
    /// The fields a report reads, of every event that has some: each
    /// event's list is whole within one chunk.
    values: Vec<Vec<(FieldId, Value)>>,
    len: usize,
    /// Deal ids, each kept once.
    deals: Vec<String>,
    deal_index: HashMap<String, u32>,
    /// By event type, the fields a report reads, sorted.
    read: Vec<Vec<FieldId>>,
}

/// Rows (and field values) per chunk.
const CHUNK: usize = 1 << 16;

/// One event as kept: its instant, its type packed by [`pack_of`], its
/// deal ([`NO_DEAL`] for none), and where its fields are in
/// `Events::values` (chunk times [`CHUNK`] plus offset, and how many).
/// Four billion field values (over 100 GB) would overflow `fields_at`;
/// memory runs out long before.
#[derive(Debug, Clone, Copy)]
struct Packed {
    at: Instant,
    of: u32,
    deal: u32,
    fields_at: u32,
    fields_len: u32,
}

const NO_DEAL: u32 = u32::MAX;

/// The reserved rows' codes, above every event type's index.
const UPDATE: u32 = u32::MAX;
const ACCOUNT_UPDATE: u32 = u32::MAX - 1;
const DEAL_UPDATE: u32 = u32::MAX - 2;
const MERGE: u32 = u32::MAX - 3;
const SET_STAGE: u32 = u32::MAX - 4;

fn pack_of(of: EventOf) -> u32 {
    match of {
        // A policy has far fewer than four billion event types.
        EventOf::Event(ty) => u32::try_from(ty.index()).unwrap_or(SET_STAGE - 1),
        EventOf::Update => UPDATE,
        EventOf::AccountUpdate => ACCOUNT_UPDATE,
        EventOf::DealUpdate => DEAL_UPDATE,
        EventOf::Merge => MERGE,
        EventOf::SetStage => SET_STAGE,
    }
}

fn unpack_of(code: u32) -> EventOf {
    match code {
        UPDATE => EventOf::Update,
        ACCOUNT_UPDATE => EventOf::AccountUpdate,
        DEAL_UPDATE => EventOf::DealUpdate,
        MERGE => EventOf::Merge,
        SET_STAGE => EventOf::SetStage,
        ty => EventTypeId::from_index(ty as usize).map_or(EventOf::Update, EventOf::Event),
    }
}

/// One event as a partial report stores it: its instant, its type as
/// [`pack_of`] packs it, its deal and the fields a report reads.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(super) struct StoredEvent {
    at: Instant,
    of: u32,
    deal: Option<String>,
    fields: Vec<(FieldId, Value)>,
}

/// One event, as a report reads it.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    pub at: Instant,
    pub of: EventOf,
    /// The deal the event belongs to.
    pub deal: Option<&'a str>,
    /// The fields a report reads that have a value.
    fields: &'a [(FieldId, Value)],
}

impl<'a> Row<'a> {
    /// The value of field `f`, when a report reads it and it has one.
    pub fn field(&self, f: FieldId) -> Option<&'a Value> {
        self.fields.iter().find(|(g, _)| *g == f).map(|(_, v)| v)
    }
}

impl Events {
    /// An empty table for `policy`'s reports.
    pub fn new(ir: &Ir) -> Events {
        let read = read_fields(ir);
        let signature = ir
            .events
            .iter()
            .zip(&read)
            .map(|(t, read)| {
                let names = read.iter().filter_map(|f| {
                    let name = t.fields.as_slice().get(f.index())?.name.clone();
                    Some((f.index(), name))
                });
                (t.name.clone(), names.collect())
            })
            .collect();
        Events {
            read,
            signature,
            ..Events::default()
        }
    }

    /// This table without its rows, reading what it reads, numbering
    /// the next row as it would have; none when this one shares another
    /// table's rows.
    pub(super) fn cleared(&self) -> Option<Events> {
        self.before.is_none().then(|| Events {
            read: self.read.clone(),
            signature: self.signature.clone(),
            dropped: self.len,
            len: self.len,
            ..Events::default()
        })
    }

    /// An empty table for `ir`'s reports that shares the rows it has in
    /// common with `first` (from the start up to the first row that
    /// differs), when both tables read the same fields of the same event
    /// types; otherwise an empty table of its own.
    pub fn following(ir: &Ir, first: &Arc<Events>) -> Events {
        let mut events = Events::new(ir);
        if events.signature == first.signature && first.before.is_none() {
            events.before = Some(Arc::clone(first));
        }
        events
    }

    /// Every event of `histories`, by its index there.
    pub fn of(ir: &Ir, histories: &Histories) -> Events {
        let mut events = Events::new(ir);
        events.extend(histories);
        events
    }

    /// Adds every event of `histories`, numbered after those before.
    pub(super) fn extend(&mut self, histories: &Histories) {
        self.extend_with(histories.events.iter());
    }

    /// Adds the events of `histories` numbered `keep` there (ascending),
    /// numbered after those before in that order.
    pub(super) fn extend_only(&mut self, histories: &Histories, keep: &[usize]) {
        self.extend_with(keep.iter().filter_map(|&i| histories.events.get(i)));
    }

    fn extend_with<'e>(&mut self, events: impl Iterator<Item = &'e Event>) {
        for e in events {
            let (of, kept) = self.row_of(e);
            if self.shared == self.len && self.same_as_before(e, of, &kept) {
                self.shared += 1;
                self.len += 1;
                continue;
            }
            self.push(e.at, pack_of(of), e.deal.as_deref(), kept);
        }
    }

    /// Adds one row of its own, numbered after those before.
    fn push(&mut self, at: Instant, of: u32, deal: Option<&str>, kept: Vec<(FieldId, Value)>) {
        let (fields_at, fields_len) = self.keep_fields(kept);
        let deal = deal.map_or(NO_DEAL, |d| self.deal_id(d));
        let row = Packed {
            at,
            of,
            deal,
            fields_at,
            fields_len,
        };
        match self.rows.last_mut() {
            Some(chunk) if chunk.len() < CHUNK => chunk.push(row),
            _ => {
                let mut chunk = Vec::with_capacity(CHUNK);
                chunk.push(row);
                self.rows.push(chunk);
            }
        }
        self.len += 1;
    }

    /// Adds the event numbered `ev` of `other` (a table of the same
    /// policy), numbered after those before; false when `other` has no
    /// such event.
    pub(super) fn push_from(&mut self, other: &Events, ev: usize) -> bool {
        let Some(r) = other.get(ev) else {
            return false;
        };
        self.push(r.at, pack_of(r.of), r.deal, r.fields.to_vec());
        true
    }

    /// The events numbered `keep` (ascending), as a partial report
    /// stores them.
    pub(super) fn stored(&self, keep: &[usize]) -> Vec<StoredEvent> {
        keep.iter()
            .filter_map(|&ev| self.get(ev))
            .map(|r| StoredEvent {
                at: r.at,
                of: pack_of(r.of),
                deal: r.deal.map(str::to_string),
                fields: r.fields.to_vec(),
            })
            .collect()
    }

    /// The table of `ir`'s reports holding `stored`, in order; the first
    /// event whose type the policy does not have is refused.
    pub(super) fn from_stored(ir: &Ir, stored: Vec<StoredEvent>) -> Result<Events, usize> {
        let mut events = Events::new(ir);
        for (i, e) in stored.into_iter().enumerate() {
            if e.of < SET_STAGE && e.of as usize >= ir.events.len() {
                return Err(i);
            }
            events.push(e.at, e.of, e.deal.as_deref(), e.fields);
        }
        Ok(events)
    }

    /// An event's type, and the fields a report reads that it has.
    fn row_of(&self, e: &Event) -> (EventOf, Vec<(FieldId, Value)>) {
        match &e.kind {
            EventKind::Event { ty, fields } => {
                let read = self.read.get(ty.index()).map_or(&[][..], Vec::as_slice);
                let kept = read
                    .iter()
                    .filter_map(|f| Some((*f, fields.get(f.index())?.clone()?)));
                (EventOf::Event(*ty), kept.collect())
            }
            EventKind::Update(_) => (EventOf::Update, Vec::new()),
            EventKind::AccountUpdate(_) => (EventOf::AccountUpdate, Vec::new()),
            EventKind::DealUpdate(_) => (EventOf::DealUpdate, Vec::new()),
            EventKind::Merge { .. } => (EventOf::Merge, Vec::new()),
            EventKind::SetStage(_) => (EventOf::SetStage, Vec::new()),
        }
    }

    /// Whether the next row would be the one `before` has at its place.
    fn same_as_before(&self, e: &Event, of: EventOf, fields: &[(FieldId, Value)]) -> bool {
        let Some(r) = self.before.as_ref().and_then(|b| b.get(self.len)) else {
            return false;
        };
        r.at == e.at && r.of == of && r.deal == e.deal.as_deref() && r.fields == fields
    }

    /// Keeps one event's fields whole in one chunk; where they are.
    fn keep_fields(&mut self, kept: Vec<(FieldId, Value)>) -> (u32, u32) {
        if kept.is_empty() {
            return (0, 0);
        }
        let n = kept.len();
        // An offset in a chunk stays below CHUNK; a list longer than a
        // chunk (more fields than any policy declares) gets its own.
        if self.values.last().is_none_or(|c| c.len() + n > CHUNK) {
            self.values.push(Vec::with_capacity(CHUNK.max(n)));
        }
        let chunk = self.values.len().saturating_sub(1);
        let Some(last) = self.values.last_mut() else {
            return (0, 0);
        };
        let offset = last.len();
        last.extend(kept);
        let at = u32::try_from(chunk * CHUNK + offset).unwrap_or(u32::MAX);
        (at, u32::try_from(n).unwrap_or(0))
    }

    fn deal_id(&mut self, deal: &str) -> u32 {
        if let Some(&i) = self.deal_index.get(deal) {
            return i;
        }
        // More than 4 billion deals cannot be read into memory anyway.
        let i = u32::try_from(self.deals.len()).unwrap_or(NO_DEAL - 1);
        self.deals.push(deal.to_string());
        self.deal_index.insert(deal.to_string(), i);
        i
    }

    /// The event numbered `ev`.
    pub fn get(&self, ev: usize) -> Option<Row<'_>> {
        if ev < self.shared {
            return self.before.as_ref()?.get(ev);
        }
        let own = ev.checked_sub(self.shared + self.dropped)?;
        let p = self.rows.get(own / CHUNK)?.get(own % CHUNK)?;
        let at = p.fields_at as usize;
        let fields = self
            .values
            .get(at / CHUNK)
            .and_then(|c| c.get(at % CHUNK..at % CHUNK + p.fields_len as usize))
            .unwrap_or(&[]);
        Some(Row {
            at: p.at,
            of: unpack_of(p.of),
            deal: (p.deal != NO_DEAL)
                .then(|| self.deals.get(p.deal as usize))
                .flatten()
                .map(String::as_str),
            fields,
        })
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
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
