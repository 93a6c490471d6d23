//! Reading events a batch of accounts at a time, for replays larger than
//! memory (`classify --stream`).
//!
//! Contacts and accounts are read whole (they are small next to events);
//! events are read in order and must come grouped by account: every event
//! of an account (or of a contact without one) before the next account's.
//! `detente generate` writes them so, and a CRM export sorted by account
//! is so. Whenever the accounts read so far hold `batch_events` events,
//! they are handed over as one `Histories` of complete accounts and
//! forgotten, so memory holds one batch rather than the whole file.
//!
//! Within a batch everything is as `load` does it, with two differences
//! that follow from not holding the whole file: a repeated event id is
//! found within its account (a CRM id is unique within an account's
//! export anyway), and a merge into a contact of another account is not
//! followed: it is reported on its line with a warning.

use std::collections::BTreeMap;

use foldhash::{HashMap, HashSet};

use crate::compile::Policy;

use super::codes::{DataError, RowCode};
use super::contact_book::ContactBook;
use super::deal_book::DealBook;
use super::load::{
    Deal, Event, EventKind, Histories, RecordKind, RowProblem, Severity, Source,
    only_in_events_note, read_source, sort_problems, unread_notes, warn_events_before_creation,
};
use super::seen::SeenIds;

/// How many events one contact counts for in a batch's size: its journey
/// (stages, scores, criteria, SLAs, as JSON) is about the size of 25
/// events, the mean of a contact's history in generated data.
const CONTACT_WEIGHT: usize = 25;

/// The rule that places contacts without an account in the contacts
/// file, and its fix, as the messages say it.
const FIXED_BY_FIRST: &str = "with --stream such a contact takes the account of its first event (later ones are not followed); give the contact its account in the contacts file, or leave out --stream";

/// An account, or a contact without one: the unit that must not be split.
pub(super) type Key = (bool, String);

/// How the events file's rows reach the grouping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Order {
    /// As the file has them: they must come grouped by account, and an
    /// account met again after its events stopped is D006.
    AsRead,
    /// Grouped by account first, through temporary files
    /// (`data::regroup`): any order, the events read twice.
    Regroup,
}

/// Complete accounts handed over together.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Batch {
    /// Their contacts, accounts and events, as `load` reads them.
    pub histories: Histories,
    /// Each account (or contact without one), in the order the events
    /// file has them (accounts without events last, in id order). Writing
    /// journeys in this order makes the output the same however the file
    /// is cut into batches.
    pub groups: Vec<Group>,
    /// How many contacts the contacts file holds in all: what a caller
    /// keeping something of every batch can reserve room for once,
    /// instead of growing by doubling.
    pub contacts_in_file: usize,
    /// How many accounts the accounts file holds in all.
    pub accounts_in_file: usize,
}

/// One account, or one contact without an account, of a [`Batch`].
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Group {
    /// The account's id; `None` for a contact without one.
    pub account: Option<String>,
    /// Its contacts' ids, in id order.
    pub contacts: Vec<String>,
}

/// Reads `sources`, handing complete accounts to `each` in batches of
/// about `batch_events` events, a contact counting as 25 events (a
/// batch may hold more when one account alone does). Returns what is
/// left: every row problem, note and count. Contacts of accounts with no
/// events come last, in batches too.
pub fn load_grouped(
    policy: &Policy,
    sources: &[Source],
    batch_events: usize,
    each: &mut dyn FnMut(Batch) -> Result<(), DataError>,
) -> Result<Histories, DataError> {
    load_grouped_seen(policy, sources, batch_events, each).map(|(h, _)| h)
}

/// [`load_grouped`], saying also whether an event id may have been used
/// in two accounts (or lone contacts). Loading the whole file drops the
/// second as a repeat; read a batch at a time it is not found, so a
/// caller that must give what loading the whole file gives (`report`)
/// reads the whole file instead. Ids are compared by a 64-bit hash, 8
/// bytes per event id kept: a false alarm (one in about 10^5 at 30
/// million ids) costs only the bounded memory, never an answer.
pub fn load_grouped_seen(
    policy: &Policy,
    sources: &[Source],
    batch_events: usize,
    each: &mut dyn FnMut(Batch) -> Result<(), DataError>,
) -> Result<(Histories, bool), DataError> {
    load_grouped_in(policy, sources, batch_events, Order::AsRead, each)
}

/// [`load_grouped_seen`], the events reaching the grouping in `order`.
pub fn load_grouped_in(
    policy: &Policy,
    sources: &[Source],
    batch_events: usize,
    order: Order,
    each: &mut dyn FnMut(Batch) -> Result<(), DataError>,
) -> Result<(Histories, bool), DataError> {
    let mut base = Histories::of_files(sources);
    let (events, records): (Vec<_>, Vec<_>) = sources
        .iter()
        .enumerate()
        .partition(|(_, s)| s.kind == RecordKind::Events);
    for (file, source) in records {
        read_source(policy, source, file, &mut base, &mut |_| Ok(true))?;
    }
    // Deals are replayed in batches only once every event is read (in
    // the grouping's first pass): whether a deal's contact row names a
    // known contact depends on all of them.
    if !base.deals.is_empty() && order == Order::AsRead {
        return Err(DataError::NotGrouped {
            reason: NO_DEALS.into(),
            deals: true,
        });
    }
    let contacts = ContactBook::pack(std::mem::take(&mut base.contacts))?;
    let accounts = std::mem::take(&mut base.accounts);
    let deals = std::mem::take(&mut base.deals);
    let mut grouping = Grouping::new(
        (&contacts, &accounts, &deals),
        base.files.clone(),
        batch_events,
    );
    match order {
        Order::AsRead => {
            for (file, source) in events {
                read_source(policy, source, file, &mut base, &mut |e| {
                    grouping.add(e, each)
                })?;
            }
        }
        Order::Regroup => {
            super::regroup::regroup(policy, &events, &mut base, &mut grouping, each)?;
        }
    }
    grouping.close_current();
    grouping.flush(each)?;
    // Accounts that had no events: their contacts still have journeys.
    // A lone contact placed in an account by its events is not lone.
    let moved: HashSet<Key> = grouping
        .placed
        .iter()
        .filter(|(_, k)| !k.0)
        .filter_map(|(i, _)| contacts.get(*i))
        .map(|c| (true, c.id.to_string()))
        .collect();
    // Groups with deals and no contacts too, in group order.
    let rest: std::collections::BTreeSet<Key> = grouping
        .members
        .keys()
        .chain(grouping.deals.keys())
        .filter(|k| !grouping.done.contains(*k) && !moved.contains(*k))
        .cloned()
        .collect();
    for key in rest {
        grouping.done.insert(key.clone());
        grouping.batch_size += grouping.weight(&key);
        grouping.batch.push((key, Vec::new()));
        if grouping.batch_size >= grouping.batch_events {
            grouping.flush(each)?;
        }
    }
    grouping.flush(each)?;
    base.problems.append(&mut grouping.problems);
    let id_in_two_groups = std::mem::take(&mut grouping.ids_before).any_twice();
    unread_notes(&mut base);
    let only_in_events: Vec<&str> = grouping.only_in_events.iter().map(String::as_str).collect();
    if !contacts.is_empty()
        && let Some(note) = only_in_events_note(&only_in_events)
    {
        base.notes.push(note);
    }
    let rows = std::mem::replace(&mut grouping.deals, DealBook::new(&[])).into_rows();
    drop(grouping);
    // Without deal files the rows were not checked, and stayed in `base`.
    if !deals.is_empty() {
        base.deal_contacts = rows;
    }
    // The contacts were handed over in their batches: what is left is
    // the loading's problems, notes and counts (and the accounts).
    base.accounts = accounts;
    base.deals = deals;
    sort_problems(&mut base);
    Ok((base, id_in_two_groups))
}

/// Why `--stream` stops at deals: a deal's replay is not batched yet.
pub(super) const NO_DEALS: &str = "--stream does not replay deals yet (deal rows, or events of a deal with no contact); leave out --stream to replay them";

/// An event's contact (`--stream` stops before any event without one).
fn contact_of(e: &Event) -> &str {
    e.contact.as_deref().unwrap_or_default()
}

pub(super) struct Grouping<'h> {
    contacts: &'h ContactBook,
    accounts: &'h [super::Account],
    /// The deals, by group.
    pub(super) deals: DealBook<'h>,
    /// Contact index by id, account index by id.
    contact_index: HashMap<&'h str, usize>,
    account_index: HashMap<&'h str, usize>,
    /// The contacts of each account (or lone contact), by key.
    members: BTreeMap<Key, Vec<usize>>,
    /// Where contacts known only from events belong (their first event's
    /// account, as the replay has it).
    event_only: HashMap<String, Key>,
    only_in_events: std::collections::BTreeSet<String>,
    /// Contacts on their own whose later events named an account, each
    /// said once.
    unfollowed: HashSet<String>,
    /// Contacts with a record but no account go where their first event
    /// puts them, as the replay has it.
    placed: HashMap<usize, Key>,
    extra: HashMap<Key, Vec<usize>>,
    current: Option<(Key, Vec<Event>, HashSet<String>)>,
    done: HashSet<Key>,
    batch: Vec<(Key, Vec<Event>)>,
    batch_size: usize,
    batch_events: usize,
    files: Vec<String>,
    /// Warnings about the batches handed over.
    problems: Vec<RowProblem>,
    /// The event ids of the groups closed.
    ids_before: SeenIds,
}

impl<'h> Grouping<'h> {
    fn new(
        (contacts, accounts, deals): (&'h ContactBook, &'h [super::Account], &'h [Deal]),
        files: Vec<String>,
        batch_events: usize,
    ) -> Grouping<'h> {
        let mut members: BTreeMap<Key, Vec<usize>> = BTreeMap::new();
        for (i, c) in contacts.iter().enumerate() {
            let key = match c.account {
                Some(a) => (false, a.to_string()),
                None => (true, c.id.to_string()),
            };
            members.entry(key).or_default().push(i);
        }
        Grouping {
            contacts,
            accounts,
            deals: DealBook::new(deals),
            contact_index: contacts
                .iter()
                .enumerate()
                .map(|(i, c)| (c.id, i))
                .collect(),
            account_index: accounts
                .iter()
                .enumerate()
                .map(|(i, a)| (a.id.as_str(), i))
                .collect(),
            members,
            event_only: HashMap::default(),
            only_in_events: Default::default(),
            unfollowed: HashSet::default(),
            placed: HashMap::default(),
            extra: HashMap::default(),
            current: None,
            done: HashSet::default(),
            batch: Vec::new(),
            batch_size: 0,
            batch_events: batch_events.max(1),
            files,
            problems: Vec::new(),
            ids_before: SeenIds::default(),
        }
    }

    /// The contact's group, and whether its events placed it there (it
    /// has no account in the contacts file).
    pub(super) fn key_of(&mut self, e: &Event) -> (Key, bool) {
        // An event of a deal and no contact is the deal's group's.
        if e.contact.is_none()
            && let Some(key) = self.deals.key_of(e)
        {
            return (key, false);
        }
        if let Some(&i) = self.contact_index.get(contact_of(e)) {
            if let Some(a) = self.contacts.get(i).and_then(|c| c.account) {
                return ((false, a.to_string()), false);
            }
            if let Some(k) = self.placed.get(&i) {
                return (k.clone(), true);
            }
            let key = match &e.account {
                Some(a) => (false, a.clone()),
                None => (true, contact_of(e).to_string()),
            };
            self.placed.insert(i, key.clone());
            if !key.0 {
                self.extra.entry(key.clone()).or_default().push(i);
            }
            return (key, true);
        }
        self.only_in_events.insert(contact_of(e).to_string());
        let key = self
            .event_only
            .entry(contact_of(e).to_string())
            .or_insert_with(|| match &e.account {
                Some(a) => (false, a.clone()),
                None => (true, contact_of(e).to_string()),
            })
            .clone();
        (key, true)
    }

    /// What an account adds to a batch besides its events: a journey
    /// held in memory weighs about as much as [`CONTACT_WEIGHT`] events,
    /// so a batch of accounts without events (which come last) takes no
    /// more memory than one of busy accounts.
    fn weight(&self, key: &Key) -> usize {
        let contacts = self.members.get(key).map_or(0, Vec::len)
            + self.extra.get(key).map_or(0, Vec::len)
            + self.deals.count(key);
        contacts.max(1) * CONTACT_WEIGHT
    }

    /// Takes one accepted event; `Ok(false)` for a repeated id.
    pub(super) fn add(
        &mut self,
        e: Event,
        each: &mut dyn FnMut(Batch) -> Result<(), DataError>,
    ) -> Result<bool, DataError> {
        let mut e = e;
        if e.contact.is_none() && self.deals.key_of(&e).is_none() {
            return Err(DataError::NotGrouped {
                reason: format!("line {}: {NO_DEALS}", e.origin.line),
                deals: true,
            });
        }
        let (key, by_events) = self.key_of(&e);
        let (lone, placed) = (key.0, (!key.0).then(|| key.1.clone()));
        if self.current.as_ref().is_none_or(|(k, _, _)| *k != key) {
            self.close_current();
            if self.done.contains(&key) {
                let what = if key.0 {
                    format!("contact `{}`", key.1)
                } else {
                    format!("account `{}`", key.1)
                };
                let mut why = format!(
                    "--stream needs the events grouped by account, but line {} has an event of {what}, whose events stopped earlier; sort the events by account (contacts without one count as their own), or leave out --stream",
                    e.origin.line
                );
                if key.0
                    && let Some(a) = &e.account
                {
                    why.push_str(&format!(
                        ". This event names account `{a}`, but `{}` was placed on its own by its first event, which names none: {FIXED_BY_FIRST}",
                        key.1
                    ));
                }
                return Err(DataError::NotGrouped {
                    reason: why,
                    deals: false,
                });
            }
            if self.batch_size >= self.batch_events {
                self.flush(each)?;
            }
            self.batch_size += self.weight(&key);
            self.current = Some((key, Vec::new(), HashSet::default()));
        }
        if by_events {
            // The replay places such a contact by its first event that
            // names an account, which may lie in another batch, or have
            // been set aside (a merge not followed): every event carries
            // the account chosen here, so the batch's replay agrees.
            if let Some(a) = std::mem::replace(&mut e.account, placed)
                && lone
            {
                self.account_not_followed(&e, &a);
            }
        }
        let Some((_, events, ids)) = self.current.as_mut() else {
            return Ok(false);
        };
        if let Some(id) = &e.id
            && !ids.insert(id.clone())
        {
            return Ok(false);
        }
        events.push(e);
        self.batch_size += 1;
        Ok(true)
    }

    /// A contact placed on its own by its first event keeps no account
    /// named by a later one: following it would need the events read
    /// before. The replay would otherwise put it in that account within
    /// its batch only, so the event's account is dropped, with a warning
    /// (once per contact).
    fn account_not_followed(&mut self, e: &Event, account: &str) {
        if !self.unfollowed.insert(contact_of(e).to_string()) {
            return;
        }
        self.problems.push(RowProblem {
            code: RowCode::Unfollowed,
            file: self.files.get(e.origin.file as usize).cloned().unwrap_or_default(),
            line: e.origin.line,
            column: None,
            reason: format!(
                "this event names account `{account}`, but contact `{}` is replayed on its own: its first event names no account, and {FIXED_BY_FIRST}",
                contact_of(e)
            ),
            severity: Severity::Warning,
            raw: String::new(),
        });
    }

    /// Says (D020, once per contact and deal) that the event of a
    /// contact in group `key` names a deal of another group: the deal's
    /// replay in the whole file sees the event, its batch's does not.
    /// A report then reads the whole file instead.
    pub(super) fn deal_crossing(&mut self, e: &Event, key: &Key) {
        let Some(theirs) = self.deals.crosses(e, key) else {
            return;
        };
        let whose = |k: &Key| match k {
            (false, a) => format!("account `{a}`"),
            (true, _) => "no account".to_string(),
        };
        self.problems.push(RowProblem {
            code: RowCode::Unfollowed,
            file: self.files.get(e.origin.file as usize).cloned().unwrap_or_default(),
            line: e.origin.line,
            column: Some("deal".into()),
            reason: format!(
                "this event of contact `{}` ({}) names deal `{}` ({}): replayed a batch of accounts at a time, the deal would not see it, so the whole file is read instead; give the deal the contact's account",
                contact_of(e),
                whose(key),
                e.deal.as_deref().unwrap_or_default(),
                whose(&theirs)
            ),
            severity: Severity::Warning,
            raw: String::new(),
        });
    }

    /// Checks the deals' contact rows once every event is read (a contact
    /// known only from its events counts), as loading the whole file does,
    /// and keeps those that stand for the batches.
    pub(super) fn check_deal_rows(&mut self, base: &mut Histories) {
        if self.deals.is_empty() {
            return;
        }
        let mut accounts: std::collections::HashMap<&str, Option<&str>> = self
            .contacts
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let placed = self.placed.get(&i).filter(|k| !k.0).map(|k| k.1.as_str());
                (c.id, c.account.or(placed))
            })
            .collect();
        for (id, key) in &self.event_only {
            accounts.insert(id.as_str(), (!key.0).then_some(key.1.as_str()));
        }
        let rows = std::mem::take(&mut base.deal_contacts);
        let checked = super::deals::check_deal_rows(
            (self.deals.all(), self.accounts, &self.files),
            rows,
            &accounts,
        );
        let kept = checked.apply_counts(base);
        self.deals.keep_rows(kept);
    }

    /// The ids of the deal files' deals.
    pub(super) fn deal_ids(&self) -> std::collections::HashSet<&'h str> {
        self.deals.ids()
    }

    fn close_current(&mut self) {
        if let Some((key, mut events, ids)) = self.current.take() {
            self.ids_before.add_group(&ids);
            self.keep_merges_within(&key, &mut events);
            self.done.insert(key.clone());
            self.batch.push((key, events));
        }
    }

    /// Where a contact is known to belong so far, without placing it.
    fn known_key(&self, id: &str) -> Option<Key> {
        match self.contact_index.get(id) {
            Some(&i) => match self.contacts.get(i).and_then(|c| c.account) {
                Some(a) => Some((false, a.to_string())),
                None => self.placed.get(&i).cloned(),
            },
            None => self.event_only.get(id).cloned(),
        }
    }

    /// A merge into a contact of another account (or of none) would join
    /// two groups, which may already be in different batches: whether it
    /// was followed would then depend on `--batch-events`. So it is never
    /// followed, and says so on its line. The decision is made when the
    /// account's events end, from the file read so far, so it is the same
    /// however the file is cut into batches.
    fn keep_merges_within(&mut self, key: &Key, events: &mut Vec<Event>) {
        let group = |k: &Key| match k {
            (false, a) => format!("account `{a}`"),
            (true, _) => "no account".to_string(),
        };
        let mut warnings = Vec::new();
        events.retain(|e| {
            let EventKind::Merge { into } = &e.kind else {
                return true;
            };
            let target = self.known_key(into);
            if target.as_ref() == Some(key) {
                return true;
            }
            let where_target = match &target {
                Some(k) => format!("`{into}` has {}", group(k)),
                None => format!("no contact `{into}` has been read in {}", group(key)),
            };
            warnings.push(RowProblem {
                code: RowCode::Unfollowed,
                file: self.files.get(e.origin.file as usize).cloned().unwrap_or_default(),
                line: e.origin.line,
                column: None,
                reason: format!(
                    "this merge of `{}` ({}) into `{into}` was ignored: {where_target}, and --stream follows merges only within an account; leave out --stream to follow it",
                    contact_of(e),
                    group(key)
                ),
                severity: Severity::Warning,
                raw: String::new(),
            });
            false
        });
        self.problems.append(&mut warnings);
    }

    /// Hands the batch over as one `Histories`; its warnings are kept.
    fn flush(
        &mut self,
        each: &mut dyn FnMut(Batch) -> Result<(), DataError>,
    ) -> Result<(), DataError> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let mut h = Histories {
            files: self.files.clone(),
            ..Histories::default()
        };
        let mut groups = Vec::with_capacity(self.batch.len());
        for (key, events) in self.batch.drain(..) {
            let extra = self.extra.get(&key).into_iter().flatten();
            let mut ids: Vec<String> = Vec::new();
            for &i in self.members.get(&key).into_iter().flatten().chain(extra) {
                if let Some(c) = self.contacts.contact(i)? {
                    ids.push(c.id.clone());
                    h.contacts.push(c);
                }
            }
            // Contacts known only from their events.
            ids.extend(
                events
                    .iter()
                    .filter_map(|e| e.contact.as_deref())
                    .filter(|c| !self.contact_index.contains_key(c))
                    .map(str::to_string),
            );
            ids.sort_unstable();
            ids.dedup();
            groups.push(Group {
                account: (!key.0).then(|| key.1.clone()),
                contacts: ids,
            });
            if !key.0
                && let Some(a) = self
                    .account_index
                    .get(key.1.as_str())
                    .and_then(|&i| self.accounts.get(i))
            {
                h.accounts.push(a.clone());
            }
            let (deals, rows) = self.deals.of_group(&key);
            h.deals.extend(deals);
            h.deal_contacts.extend(rows);
            h.events.extend(events);
        }
        self.batch_size = 0;
        warn_events_before_creation(&mut h);
        self.problems.append(&mut h.problems);
        each(Batch {
            histories: h,
            groups,
            contacts_in_file: self.contacts.len(),
            accounts_in_file: self.accounts.len(),
        })
    }
}
