//! What one aggregate (`count(entered mql)`, `median(days mql -> sql)`)
//! counted over one span: in total and by segment of each dimension a
//! metric or incentive is cut by. A leaf is counted once per span, a
//! batch of accounts at a time or over the whole replay, and merges in
//! any order; the figure is read off it under a [`Cut`] only at the end.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;

use crate::data::time::Instant;
use crate::ir::{DimensionId, Value};

use super::M;
use super::segment::{Cut, Segment};

/// What an aggregate keeps: a count, hits of a whole (a rate), or the
/// values (8 bytes a number, 16 an amount) a sum, mean, median or p90
/// needs, each in any order.
#[derive(Debug, Clone, PartialEq)]
pub enum Agg {
    Count(usize),
    Rate { hits: usize, of: usize },
    Values { nums: Vec<f64>, money: Vec<Decimal> },
}

impl Agg {
    pub(super) fn values() -> Agg {
        Agg::Values {
            nums: Vec::new(),
            money: Vec::new(),
        }
    }

    /// Adds a number or an amount (other values are not aggregated).
    pub(super) fn push(&mut self, v: Option<&Value>) {
        if let Agg::Values { nums, money } = self {
            match v {
                Some(Value::Number(n)) => nums.push(*n),
                Some(Value::Money(m)) => money.push(*m),
                _ => {}
            }
        }
    }

    fn merge(&mut self, other: Agg) {
        match (self, other) {
            (Agg::Count(a), Agg::Count(b)) => *a += b,
            (Agg::Rate { hits, of }, Agg::Rate { hits: h, of: o }) => {
                *hits += h;
                *of += o;
            }
            (Agg::Values { nums, money }, Agg::Values { nums: n, money: m }) => {
                nums.extend(n);
                money.extend(m);
            }
            // One figure's leaves are all of one kind.
            _ => {}
        }
    }
}

/// The first copy of one deal's event (one type, deal and instant)
/// recorded on several of its contacts: a field aggregate counts it once,
/// in the segment of the copy a whole replay meets first.
#[derive(Debug, Clone, PartialEq)]
pub struct DealCopy {
    /// Where a whole replay meets it: contacts before deals, then by id,
    /// then by place among the journey's events.
    pub first: (bool, String, usize),
    pub value: Option<Value>,
    pub segments: BTreeMap<DimensionId, Segment>,
}

/// One aggregate over one span.
#[derive(Debug, Clone, PartialEq)]
pub struct Leaf {
    pub total: Agg,
    /// By dimension, each segment met (a segment can be met with nothing
    /// to aggregate: it still has a row).
    pub by: BTreeMap<DimensionId, BTreeMap<Segment, Agg>>,
    /// A field aggregate's deal events, by deal and instant.
    pub deal_copies: BTreeMap<(String, Instant), DealCopy>,
}

impl Leaf {
    pub(super) fn new(empty: Agg) -> Leaf {
        Leaf {
            total: empty,
            by: BTreeMap::new(),
            deal_copies: BTreeMap::new(),
        }
    }

    /// Counts one fact: `add` applied to the total and to the segment,
    /// of each of `dims`, that `segment` gives.
    pub(super) fn fact(
        &mut self,
        dims: &[DimensionId],
        segment: impl Fn(DimensionId) -> Option<Value>,
        add: impl Fn(&mut Agg),
    ) {
        add(&mut self.total);
        let empty = empty_like(&self.total);
        for d in dims {
            let by = self.by.entry(*d).or_default();
            add(by
                .entry(Segment(segment(*d)))
                .or_insert_with(|| empty.clone()));
        }
    }

    /// Keeps a deal event's copy unless one a whole replay meets earlier
    /// is kept.
    pub(super) fn deal_copy(&mut self, key: (String, Instant), copy: DealCopy) {
        match self.deal_copies.get_mut(&key) {
            Some(kept) if kept.first <= copy.first => {}
            Some(kept) => *kept = copy,
            None => {
                self.deal_copies.insert(key, copy);
            }
        }
    }

    pub fn merge(&mut self, other: Leaf) {
        self.total.merge(other.total);
        for (d, segments) in other.by {
            let mine = self.by.entry(d).or_default();
            for (s, agg) in segments {
                match mine.get_mut(&s) {
                    Some(m) => m.merge(agg),
                    None => {
                        mine.insert(s, agg);
                    }
                }
            }
        }
        for (key, copy) in other.deal_copies {
            self.deal_copy(key, copy);
        }
    }

    /// What the figure reads under `cut`, and the segments it notes.
    pub(super) fn under(&self, cut: &Cut, noted: &mut BTreeSet<Segment>) -> Agg {
        let copies = self.deal_copies.values();
        let (mut agg, d) = match cut {
            Cut::Total => (self.total.clone(), None),
            Cut::Noting(d) => {
                noted.extend(self.by.get(d).into_iter().flat_map(|s| s.keys().cloned()));
                noted.extend(copies.clone().filter_map(|c| c.segments.get(d).cloned()));
                (self.total.clone(), None)
            }
            Cut::Only(d, want) => {
                let agg = self.by.get(d).and_then(|s| s.get(want)).cloned();
                (
                    agg.unwrap_or_else(|| empty_like(&self.total)),
                    Some((d, want)),
                )
            }
        };
        for c in copies {
            if d.is_none_or(|(d, want)| c.segments.get(d) == Some(want)) {
                agg.push(c.value.as_ref());
            }
        }
        agg
    }
}

fn empty_like(agg: &Agg) -> Agg {
    match agg {
        Agg::Count(_) => Agg::Count(0),
        Agg::Rate { .. } => Agg::Rate { hits: 0, of: 0 },
        Agg::Values { .. } => Agg::values(),
    }
}

/// The values of an aggregate, as the figures it is read into take
/// them.
pub(super) fn values_of(agg: Agg) -> Vec<M> {
    match agg {
        Agg::Values { nums, money } => money
            .into_iter()
            .map(M::Money)
            .chain(nums.into_iter().map(M::Num))
            .collect(),
        _ => Vec::new(),
    }
}
