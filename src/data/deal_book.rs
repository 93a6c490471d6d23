//! The deals of a batched read (`grouped.rs`): which group each deal is
//! replayed in, and what a batch takes of the deal files.
//!
//! A deal is replayed with its account, as loading the whole file does
//! (a deal with no account on its own, keyed by its id as a contact with
//! none is). So a batch holds, for each of its groups, the group's deals
//! and their contact rows; an event that names a deal and no contact goes
//! to the deal's group. The deal files are read whole first, as the
//! contact and account files are: they are small next to the events.

use std::collections::BTreeMap;

use foldhash::{HashMap, HashSet};

use super::grouped::Key;
use super::load::{Deal, DealContact, Event};

pub(super) struct DealBook<'h> {
    deals: &'h [Deal],
    /// Deal index by id.
    index: HashMap<&'h str, usize>,
    /// The deals of each group, in file order.
    by_key: BTreeMap<Key, Vec<usize>>,
    /// The deals' contact rows kept once every contact is known
    /// ([`DealBook::keep_rows`]), and their indexes by deal.
    rows: Vec<DealContact>,
    rows_by_deal: HashMap<String, Vec<usize>>,
    /// (contact, deal) pairs already said to cross two groups.
    crossed: HashSet<(String, String)>,
}

impl<'h> DealBook<'h> {
    pub fn new(deals: &'h [Deal]) -> DealBook<'h> {
        let mut by_key: BTreeMap<Key, Vec<usize>> = BTreeMap::new();
        for (i, d) in deals.iter().enumerate() {
            by_key.entry(key_of_deal(d)).or_default().push(i);
        }
        DealBook {
            deals,
            index: deals
                .iter()
                .enumerate()
                .map(|(i, d)| (d.id.as_str(), i))
                .collect(),
            by_key,
            rows: Vec::new(),
            rows_by_deal: HashMap::default(),
            crossed: HashSet::default(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.deals.is_empty()
    }

    /// Every deal of the deal files.
    pub fn all(&self) -> &'h [Deal] {
        self.deals
    }

    /// Every deal id, for telling a known deal from an unknown one.
    pub fn ids(&self) -> std::collections::HashSet<&'h str> {
        self.deals.iter().map(|d| d.id.as_str()).collect()
    }

    /// The group of the deal `e` names, if the deal files have it.
    pub fn key_of(&self, e: &Event) -> Option<Key> {
        let d = self.deals.get(*self.index.get(e.deal.as_deref()?)?)?;
        Some(key_of_deal(d))
    }

    /// Whether the event of a contact in group `contact_key` names a deal
    /// of another group, said for the first time for this pair: the
    /// whole file's replay of that deal sees the event, a batch's does
    /// not.
    pub fn crosses(&mut self, e: &Event, contact_key: &Key) -> Option<Key> {
        let deal_key = self.key_of(e)?;
        if deal_key == *contact_key {
            return None;
        }
        let pair = (
            e.contact.clone().unwrap_or_default(),
            e.deal.clone().unwrap_or_default(),
        );
        self.crossed.insert(pair).then_some(deal_key)
    }

    /// The contact rows kept, once checked against every contact.
    pub fn keep_rows(&mut self, rows: Vec<DealContact>) {
        self.rows_by_deal.clear();
        for (i, r) in rows.iter().enumerate() {
            self.rows_by_deal.entry(r.deal.clone()).or_default().push(i);
        }
        self.rows = rows;
    }

    /// The groups that have deals.
    pub fn keys(&self) -> impl Iterator<Item = &Key> {
        self.by_key.keys()
    }

    /// How many deals group `key` has.
    pub fn count(&self, key: &Key) -> usize {
        self.by_key.get(key).map_or(0, Vec::len)
    }

    /// Group `key`'s deals and their contact rows, for its batch.
    pub fn of_group(&self, key: &Key) -> (Vec<Deal>, Vec<DealContact>) {
        let mut deals = Vec::new();
        let mut rows = Vec::new();
        for &i in self.by_key.get(key).into_iter().flatten() {
            let Some(d) = self.deals.get(i) else {
                continue;
            };
            deals.push(d.clone());
            for &r in self.rows_by_deal.get(&d.id).into_iter().flatten() {
                rows.extend(self.rows.get(r).cloned());
            }
        }
        (deals, rows)
    }

    /// The contact rows kept, given back at the end of the read.
    pub fn into_rows(self) -> Vec<DealContact> {
        self.rows
    }
}

/// A deal's group: its account, or itself when it has none.
fn key_of_deal(d: &Deal) -> Key {
    match &d.account {
        Some(a) => (false, a.clone()),
        None => (true, d.id.clone()),
    }
}
