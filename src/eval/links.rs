//! What ties an account's deals and contacts together: the contacts each
//! deal names, in their roles (`[[data.deal_contacts]]`). A deal's
//! replay reads its contacts' journeys (`deal.contacts.in(mql)`), or a
//! contact's replay its deals' (`contact.deals.in(won)`): the side read
//! is replayed first (the checker allows one direction only, E043), and
//! every stage entry of a linked subject becomes an instant of the
//! reader's timeline, so a `when` move that waits on it fires then.

use std::collections::HashMap;

use crate::data::time::Instant;
use crate::data::{Event, Histories};
use crate::ir::StageId;

use super::journey::Journey;
use super::state::{Item, ItemKind};

/// The stages one linked subject entered, in order, with when.
pub type Entries = Vec<(StageId, Instant)>;

/// The deal-contact rows of the data, both ways, with merged contacts
/// followed to their survivors.
pub struct Links<'h> {
    /// By deal: (contact, role) per row, in file order.
    by_deal: HashMap<&'h str, Vec<(&'h str, Option<usize>)>>,
    /// By contact: its deals, each once, in file order.
    by_contact: HashMap<&'h str, Vec<&'h str>>,
}

impl<'h> Links<'h> {
    pub fn new(histories: &'h Histories, resolve: &impl Fn(&'h str) -> &'h str) -> Links<'h> {
        let mut by_deal: HashMap<&str, Vec<(&str, Option<usize>)>> = HashMap::new();
        let mut by_contact: HashMap<&str, Vec<&str>> = HashMap::new();
        for row in &histories.deal_contacts {
            let contact = resolve(&row.contact);
            by_deal
                .entry(row.deal.as_str())
                .or_default()
                .push((contact, row.role));
            let deals = by_contact.entry(contact).or_default();
            if !deals.contains(&row.deal.as_str()) {
                deals.push(row.deal.as_str());
            }
        }
        Links {
            by_deal,
            by_contact,
        }
    }

    /// The roles deal `id` names someone in.
    pub fn roles(&self, deal: &str) -> Vec<usize> {
        let mut roles: Vec<usize> = self
            .by_deal
            .get(deal)
            .into_iter()
            .flatten()
            .filter_map(|(_, r)| *r)
            .collect();
        roles.sort_unstable();
        roles.dedup();
        roles
    }

    /// The contacts deal `id` names, each once.
    pub fn contacts(&self, deal: &str) -> Vec<&'h str> {
        let mut out: Vec<&str> = Vec::new();
        for (c, _) in self.by_deal.get(deal).into_iter().flatten() {
            if !out.contains(c) {
                out.push(c);
            }
        }
        out
    }

    /// The deals that name contact `id`.
    pub fn deals(&self, contact: &str) -> Vec<&'h str> {
        self.by_contact.get(contact).cloned().unwrap_or_default()
    }
}

/// For each member, the entries of each subject linked to it (`linked`:
/// their ids, by member), read from the journeys already worked out; a
/// linked id with no journey here (another account's) adds nothing.
pub fn entries(linked: &[Vec<&str>], journeys: &[Journey]) -> Vec<Vec<Entries>> {
    let by_id: HashMap<&str, &Journey> = journeys.iter().map(|j| (j.contact.as_str(), j)).collect();
    linked
        .iter()
        .map(|ids| {
            ids.iter()
                .filter_map(|id| by_id.get(id))
                .map(|j| j.facts.steps.iter().map(|s| (s.stage, s.entered)).collect())
                .collect()
        })
        .collect()
}

/// An instant on each member's timeline for every entry of a subject
/// linked to it.
pub fn ticks(entries: &[Vec<Entries>]) -> Vec<Item> {
    let mut out = Vec::new();
    for (member, subjects) in entries.iter().enumerate() {
        for (_, at) in subjects.iter().flatten() {
            out.push(Item {
                at: *at,
                member,
                what: ItemKind::Linked,
            });
        }
    }
    out
}

/// Orders a timeline by (instant, creation before events before the
/// moves of linked subjects, file, line, member).
pub fn sort_timeline(events: &[Event], timeline: &mut [Item]) {
    timeline.sort_by_key(|it| {
        let origin = match it.what {
            ItemKind::Create => (0, 0, 0),
            ItemKind::Event(ev) | ItemKind::AccountEvent(ev) => events
                .get(ev)
                .map_or((1, 0, 0), |e| (1, e.origin.file, e.origin.line)),
            ItemKind::Linked => (2, 0, 0),
        };
        (it.at, origin, it.member)
    });
}
