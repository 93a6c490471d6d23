//! Before the replay: merges resolved, contacts placed in their accounts,
//! and each account's timeline and starting state built.

use std::collections::{BTreeMap, HashMap};

use crate::compile::Policy;
use crate::data::time::Instant;
use crate::data::{EventKind, Histories};
use crate::ir::{Entity, Value};

use super::calendar::Calendar;
use super::explain::Exit;
use super::journey::{AccountJourney, Journey};
use super::memo;
use super::problem::{Runtime, RuntimeProblem};
use super::replay;
use super::state::{self, Item, ItemKind, Life, Member, Run};
use super::view::Who;

/// The contact whose ways out were explained, and them.
pub type Explained = Option<(String, Vec<Exit>)>;

/// Whose ways out to explain: a contact's, or an account's.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    Contact(&'a str),
    Account(&'a str),
}

/// Where a chain of merges put contact `id` (itself when never merged).
pub fn follow<'x>(alias: &'x HashMap<String, String>, id: &'x str) -> &'x str {
    let mut cur = id;
    // `alias` never holds a loop (see `replay_all`); the bound is only a
    // guard.
    for _ in 0..alias.len() {
        match alias.get(cur) {
            Some(next) => cur = next,
            None => break,
        }
    }
    cur
}

/// An account (or a contact without one, on its own: `(true, id)`) and
/// its members' ids.
pub type Group<'h> = ((bool, &'h str), Vec<&'h str>);

/// What one account's replay gives.
pub type Replayed = (
    Vec<Journey>,
    Option<AccountJourney>,
    Vec<RuntimeProblem>,
    Explained,
);

/// Where every contact ended up after the merges, in time order (then
/// row order), so a later merge that points back at an earlier one
/// reverses it instead of making a loop; and the merges that could not be
/// made.
pub fn merges(histories: &Histories) -> (HashMap<String, String>, Vec<RuntimeProblem>) {
    let mut problems = Vec::new();
    let mut known: BTreeMap<&str, ()> = histories
        .contacts
        .iter()
        .map(|c| (c.id.as_str(), ()))
        .collect();
    for e in &histories.events {
        known.insert(e.contact.as_str(), ());
    }
    let mut alias: HashMap<String, String> = HashMap::new();
    let mut merges: Vec<&crate::data::Event> = histories
        .events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Merge { .. }))
        .collect();
    merges.sort_by_key(|e| (e.at, e.origin.file, e.origin.line));
    for e in merges {
        let EventKind::Merge { into } = &e.kind else {
            continue;
        };
        if !known.contains_key(into.as_str()) {
            problems.push(RuntimeProblem {
                contact: Some(e.contact.clone()),
                account: e.account.clone(),
                problem: Runtime::MergeIntoUnknown {
                    from: e.contact.clone(),
                    into: into.clone(),
                },
            });
            continue;
        }
        if into == &e.contact {
            continue;
        }
        // A contact merged twice is where its latest merge put it.
        alias.remove(e.contact.as_str());
        if follow(&alias, into) == e.contact.as_str() {
            // `into` was itself merged (perhaps through others) into this
            // contact: the later merge wins and `into` survives them all.
            alias.remove(into.as_str());
            problems.push(RuntimeProblem {
                contact: Some(e.contact.clone()),
                account: e.account.clone(),
                problem: Runtime::MergeReversed {
                    from: e.contact.clone(),
                    into: into.clone(),
                    at: e.at,
                },
            });
        }
        alias.insert(e.contact.clone(), into.clone());
    }
    (alias, problems)
}

/// A contact as the merges left it: its record, account, creation and
/// first event.
#[derive(Default)]
struct Proto {
    record: Option<usize>,
    account: Option<String>,
    created: Option<Instant>,
    first_event: Option<Instant>,
}

/// Everything the accounts' replays share.
pub struct World<'w> {
    policy: &'w Policy,
    histories: &'w Histories,
    calendar: &'w Calendar,
    protos: BTreeMap<&'w str, Proto>,
    events_by_contact: HashMap<&'w str, Vec<usize>>,
    account_records: HashMap<&'w str, &'w crate::data::Account>,
    /// The earliest instant in the data: when a contact with neither a
    /// creation time nor events exists from.
    replay_start: Instant,
    as_of: Instant,
    check_everyone: bool,
}

impl<'w> World<'w> {
    pub fn new(
        policy: &'w Policy,
        histories: &'w Histories,
        calendar: &'w Calendar,
        resolve: &impl Fn(&'w str) -> &'w str,
        as_of: Instant,
        check_everyone: bool,
    ) -> World<'w> {
        let mut events_by_contact: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, e) in histories.events.iter().enumerate() {
            events_by_contact
                .entry(resolve(&e.contact))
                .or_default()
                .push(i);
        }
        World {
            policy,
            histories,
            calendar,
            protos: protos(histories, resolve),
            events_by_contact,
            account_records: histories
                .accounts
                .iter()
                .map(|a| (a.id.as_str(), a))
                .collect(),
            replay_start: histories
                .events
                .iter()
                .map(|e| e.at)
                .chain(histories.contacts.iter().filter_map(|c| c.created_at))
                .min()
                .unwrap_or(as_of),
            as_of,
            check_everyone,
        }
    }

    /// Accounts, by account id, then contacts without one, each its own
    /// group.
    pub fn groups(&self) -> Vec<Group<'_>> {
        let mut groups: BTreeMap<(bool, &str), Vec<&str>> = BTreeMap::new();
        for (id, p) in &self.protos {
            let key = match &p.account {
                Some(a) => (false, a.as_str()),
                None => (true, *id),
            };
            groups.entry(key).or_default().push(*id);
        }
        groups.into_iter().collect()
    }

    /// Replays one account; `target`: the contact whose ways out to
    /// explain, if any.
    pub fn replay(
        &self,
        (solo, key): (bool, &str),
        ids: &[&str],
        target: Option<Target<'_>>,
    ) -> Replayed {
        let account = (!solo).then(|| key.to_string());
        let mut run = self.run(account, ids);
        let as_of = self.as_of;
        let mut run_problems = run.replay(as_of);
        let explained = target.and_then(|t| match t {
            Target::Contact(t) => {
                let m = run.members.iter().position(|x| x.id == t)?;
                Some((t.to_string(), run.exits(Who::Contact(m), as_of)))
            }
            Target::Account(a) => (run.account.as_deref() == Some(a))
                .then(|| (a.to_string(), run.exits(Who::Account, as_of))),
        });
        let group = run.group(as_of);
        let mut account = run.account_journey(None, as_of);
        let (journeys, calculations) = run.into_journeys(as_of, &group);
        run_problems.extend(calculations);
        if let Some(a) = &mut account {
            a.group = group;
        }
        (journeys, account, run_problems, explained)
    }

    /// The replay's starting state for one account.
    fn run(&self, account: Option<String>, ids: &[&str]) -> Run<'w> {
        let ir = self.policy.ir();
        let account_fields = account
            .as_ref()
            .and_then(|a| self.account_records.get(a.as_str()))
            .map(|a| a.fields.clone())
            .unwrap_or_else(|| {
                ir.account_fields
                    .iter()
                    .map(|f| f.default.clone())
                    .collect()
            });
        let (members, timeline) = self.members(ids);
        let account_life = account.as_ref().and_then(|_| {
            let start = timeline.first().map_or(self.replay_start, |t| t.at);
            self.account_life(start)
        });
        let touchpoints = vec![Vec::new(); timeline.len()];
        let n_members = members.len();
        let n_events = timeline.len().saturating_sub(n_members);
        Run {
            policy: self.policy,
            calendar: self.calendar,
            histories: self.histories,
            account,
            account_fields,
            members,
            timeline,
            touchpoints,
            processed: 0,
            account_history: Vec::with_capacity(n_events),
            check_everyone: self.check_everyone,
            timers: vec![memo::Timer::default(); n_members],
            condition_timers: std::cell::RefCell::new(vec![Vec::new(); n_members]),
            account_life,
            account_slas: Vec::new(),
            check: 0,
            instant: i64::MIN,
            end: i64::MIN,
            memo: Default::default(),
            horizon: i64::MIN,
            memo_ahead: Default::default(),
            memo_end: Default::default(),
            memo_steady: Default::default(),
            added: Default::default(),
            calculations: Default::default(),
            scratch: Default::default(),
        }
    }

    /// The account's members and its timeline, ordered by (instant,
    /// creation before events, file, line, member).
    fn members(&self, ids: &[&str]) -> (Vec<Member>, Vec<Item>) {
        let ir = self.policy.ir();
        let mut members = Vec::new();
        let mut timeline = Vec::new();
        for id in ids {
            let Some(p) = self.protos.get(id) else {
                continue;
            };
            let fields: Vec<Option<Value>> =
                match p.record.and_then(|r| self.histories.contacts.get(r)) {
                    Some(c) => c.fields.clone(),
                    None => ir
                        .contact_fields
                        .iter()
                        .map(|f| f.default.clone())
                        .collect(),
                };
            // A contact exists from its created_at, else its first event,
            // else the start of the replay; never after its first event.
            let created = match (p.created, p.first_event) {
                (Some(c), Some(f)) => c.min(f),
                (c, f) => c.or(f).unwrap_or(self.replay_start),
            };
            let m = members.len();
            let mut member = Member::new(id.to_string(), p.record, fields, created);
            let events = self.events_by_contact.get(id);
            // Its history will hold each of its events: room made once.
            member.history = Vec::with_capacity(events.map_or(0, Vec::len));
            members.push(member);
            timeline.push(Item {
                at: created,
                member: m,
                what: ItemKind::Create,
            });
            for ev in events.into_iter().flatten() {
                if let Some(e) = self.histories.events.get(*ev) {
                    timeline.push(Item {
                        at: e.at,
                        member: m,
                        what: ItemKind::Event(*ev),
                    });
                }
            }
        }
        let events = &self.histories.events;
        timeline.sort_by_key(|it| {
            let origin = match it.what {
                ItemKind::Create => (0, 0, 0),
                ItemKind::Event(ev) => events
                    .get(ev)
                    .map_or((1, 0, 0), |e| (1, e.origin.file, e.origin.line)),
            };
            (it.at, origin, it.member)
        });
        (members, timeline)
    }

    /// The account's life in its lifecycle's initial stage from `start`,
    /// when the policy has an account lifecycle.
    fn account_life(&self, start: Instant) -> Option<Life> {
        let ir = self.policy.ir();
        let lc = ir.lifecycles.iter().find(|l| l.entity == Entity::Account)?;
        let init = lc.initial?;
        let mut life = Life::new(init, start);
        life.entered.push(init);
        life.highest = replay::success_rank(ir, Entity::Account, init).map(|_| init);
        life.path.push(state::Step {
            stage: init,
            entered: start,
            cause: state::Cause::Start,
            date_precision: false,
            marks: super::state::Marks::default(),
        });
        Some(life)
    }
}

/// Every contact as the merges left it: the survivor's own record wins
/// over a merged duplicate's; the account is the record's, else the
/// first event's that names one.
fn protos<'h>(
    histories: &'h Histories,
    resolve: &impl Fn(&'h str) -> &'h str,
) -> BTreeMap<&'h str, Proto> {
    let mut protos: BTreeMap<&str, Proto> = BTreeMap::new();
    for (i, c) in histories.contacts.iter().enumerate() {
        let id = resolve(&c.id);
        let p = protos.entry(id).or_default();
        if p.record.is_none() || id == c.id {
            p.record = Some(i);
            p.account = c.account.clone().or(p.account.take());
            p.created = match (p.created, c.created_at) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
    }
    for e in &histories.events {
        let p = protos.entry(resolve(&e.contact)).or_default();
        if p.account.is_none() {
            p.account = e.account.clone();
        }
        p.first_event = Some(p.first_event.map_or(e.at, |f| f.min(e.at)));
    }
    protos
}
