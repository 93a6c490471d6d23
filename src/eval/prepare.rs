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
use super::links;
use super::memo;
use super::problem::{Runtime, RuntimeProblem};
use super::replay;
use super::state::{self, Item, ItemKind, Life, Member, Run};
use super::view::Who;

/// The contact whose ways out were explained, and them.
pub type Explained = Option<(String, Vec<Exit>)>;

/// Which groups to replay: the one whose ways out to explain (a
/// contact's, an account's or a deal's), or those of one shard.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    Contact(&'a str),
    Account(&'a str),
    Deal(&'a str),
    Shard(crate::data::shard::Shard),
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

/// Where one account's replay puts its problems and the ways out it
/// explains.
struct Outcome<'o, 't> {
    problems: &'o mut Vec<RuntimeProblem>,
    explained: &'o mut Explained,
    target: Option<Target<'t>>,
}

/// What one account's replay gives: its contacts' journeys, its own, its
/// deals', the problems, and the ways out explained.
pub type Replayed = (
    Vec<Journey>,
    Option<AccountJourney>,
    Vec<Journey>,
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
    for c in histories.events.iter().filter_map(|e| e.contact.as_deref()) {
        known.insert(c, ());
    }
    let mut alias: HashMap<String, String> = HashMap::new();
    let mut merges: Vec<&crate::data::Event> = histories
        .events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Merge { .. }))
        .collect();
    merges.sort_by_key(|e| (e.at, e.origin.file, e.origin.line));
    for e in merges {
        let (EventKind::Merge { into }, Some(from)) = (&e.kind, &e.contact) else {
            continue;
        };
        if !known.contains_key(into.as_str()) {
            problems.push(RuntimeProblem {
                contact: Some(from.clone()),
                account: e.account.clone(),
                problem: Runtime::MergeIntoUnknown {
                    from: from.clone(),
                    into: into.clone(),
                },
            });
            continue;
        }
        if into == from {
            continue;
        }
        // A contact merged twice is where its latest merge put it.
        alias.remove(from.as_str());
        if follow(&alias, into) == from.as_str() {
            // `into` was itself merged (perhaps through others) into this
            // contact: the later merge wins and `into` survives them all.
            alias.remove(into.as_str());
            problems.push(RuntimeProblem {
                contact: Some(from.clone()),
                account: e.account.clone(),
                problem: Runtime::MergeReversed {
                    from: from.clone(),
                    into: into.clone(),
                    at: e.at,
                },
            });
        }
        alias.insert(from.clone(), into.clone());
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
    /// Each deal's events (its contacts' included), by deal id.
    events_by_deal: HashMap<&'w str, Vec<usize>>,
    /// The deals of each group (see [`World::groups`]), as indexes into
    /// `Histories::deals`, in file order.
    deals_by_group: BTreeMap<(bool, &'w str), Vec<usize>>,
    links: links::Links<'w>,
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
        let mut events_by_deal: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, e) in histories.events.iter().enumerate() {
            if let Some(c) = &e.contact {
                events_by_contact.entry(resolve(c)).or_default().push(i);
            }
            if let Some(d) = &e.deal {
                events_by_deal.entry(d.as_str()).or_default().push(i);
            }
        }
        let mut deals_by_group: BTreeMap<(bool, &str), Vec<usize>> = BTreeMap::new();
        for (i, d) in histories.deals.iter().enumerate() {
            let key = match &d.account {
                Some(a) => (false, a.as_str()),
                None => (true, d.id.as_str()),
            };
            deals_by_group.entry(key).or_default().push(i);
        }
        World {
            policy,
            histories,
            calendar,
            protos: protos(histories, resolve),
            events_by_contact,
            events_by_deal,
            deals_by_group,
            links: links::Links::new(histories, resolve),
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
        // An account (or a lone deal) with deals and no contacts.
        for key in self.deals_by_group.keys() {
            groups.entry(*key).or_default();
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
        let deals = self
            .deals_by_group
            .get(&(solo, key))
            .map_or(&[][..], Vec::as_slice);
        let mut problems = Vec::new();
        let mut explained = None;
        let mut out = Outcome {
            problems: &mut problems,
            explained: &mut explained,
            target,
        };
        // The side the other reads is replayed first (see `links`).
        let (journeys, account_journey, deals) = if self.policy.ir().contacts_read_deals {
            let d = self.replay_deals(account.clone(), ids, deals, &[], &mut out);
            let (j, a) = self.replay_contacts(account, ids, deals, &d, &mut out);
            (j, a, d)
        } else {
            let (j, a) = self.replay_contacts(account.clone(), ids, deals, &[], &mut out);
            let d = self.replay_deals(account, ids, deals, &j, &mut out);
            (j, a, d)
        };
        (journeys, account_journey, deals, problems, explained)
    }

    /// The account's contacts (and the account) replayed; `account_deals`:
    /// its deals (indexes into `Histories::deals`), whose events that name
    /// no contact are the account's too; `deals`: the deal journeys their
    /// conditions read, if they read any.
    fn replay_contacts(
        &self,
        account: Option<String>,
        ids: &[&str],
        account_deals: &[usize],
        deals: &[Journey],
        out: &mut Outcome<'_, '_>,
    ) -> (Vec<Journey>, Option<AccountJourney>) {
        let (members, mut timeline) = self.members(ids);
        let before = timeline.len();
        timeline.extend(self.account_events(account_deals));
        if timeline.len() != before {
            links::sort_timeline(&self.histories.events, &mut timeline);
        }
        // Only when contacts read their deals (most replays: never).
        let mut entries = Vec::new();
        if !deals.is_empty() {
            let linked: Vec<Vec<&str>> = members.iter().map(|m| self.links.deals(&m.id)).collect();
            entries = links::entries(&linked, deals);
            timeline.extend(links::ticks(&entries));
            links::sort_timeline(&self.histories.events, &mut timeline);
        }
        let mut run = self.run_of(account, members, timeline);
        run.linked = entries;
        let as_of = self.as_of;
        out.problems.extend(run.replay(as_of));
        let exits = out.target.and_then(|t| match t {
            Target::Contact(t) => {
                let m = run.members.iter().position(|x| x.id == t)?;
                Some((t.to_string(), run.exits(Who::Contact(m), as_of)))
            }
            Target::Account(a) => (run.account.as_deref() == Some(a))
                .then(|| (a.to_string(), run.exits(Who::Account, as_of))),
            Target::Deal(_) | Target::Shard(_) => None,
        });
        if exits.is_some() {
            *out.explained = exits;
        }
        let group = run.group(as_of);
        let mut account_journey = run.account_journey(None, as_of);
        let (journeys, calculations) = run.into_journeys(as_of, &group);
        out.problems.extend(calculations);
        if let Some(a) = &mut account_journey {
            a.group = group;
        }
        (journeys, account_journey)
    }

    /// The account's deals (`deals`, indexes into `Histories::deals`)
    /// replayed; `contacts`: the contact journeys their conditions read,
    /// if they read any.
    fn replay_deals(
        &self,
        account: Option<String>,
        ids: &[&str],
        deals: &[usize],
        contacts: &[Journey],
        out: &mut Outcome<'_, '_>,
    ) -> Vec<Journey> {
        if deals.is_empty() {
            return Vec::new();
        }
        let as_of = self.as_of;
        let mut run = self.deal_run(account, ids, deals, contacts);
        out.problems.extend(run.replay(as_of));
        if let Some(Target::Deal(d)) = out.target
            && let Some(m) = run.members.iter().position(|x| x.id == d)
        {
            *out.explained = Some((d.to_string(), run.exits(Who::Contact(m), as_of)));
        }
        let (journeys, calculations) = run.into_journeys(as_of, &None);
        out.problems.extend(calculations);
        journeys
    }

    /// The events of `deals` (indexes into `Histories::deals`) that name no
    /// contact, as items of their account's timeline.
    fn account_events(&self, deals: &[usize]) -> Vec<Item> {
        deals
            .iter()
            .filter_map(|d| self.histories.deals.get(*d))
            .filter_map(|deal| self.events_by_deal.get(deal.id.as_str()))
            .flatten()
            .filter_map(|ev| {
                let e = self.histories.events.get(*ev)?;
                let deal_only = e.contact.is_none() && matches!(e.kind, EventKind::Event { .. });
                deal_only.then_some(Item {
                    at: e.at,
                    member: 0,
                    what: ItemKind::AccountEvent(*ev),
                })
            })
            .collect()
    }

    /// The replay's starting state for one account's deals: each deal a
    /// member following the deal lifecycle, with its own events and its
    /// account's updates (`account_updates`, indexes into
    /// `Histories::events`) on the timeline.
    fn deal_run(
        &self,
        account: Option<String>,
        ids: &[&str],
        deals: &[usize],
        contacts: &[Journey],
    ) -> Run<'w> {
        let account_updates: Vec<usize> = ids
            .iter()
            .filter_map(|id| self.events_by_contact.get(id))
            .flatten()
            .copied()
            .filter(|ev| {
                self.histories
                    .events
                    .get(*ev)
                    .is_some_and(|e| matches!(e.kind, EventKind::AccountUpdate(_)))
            })
            .collect();
        let mut members = Vec::new();
        let mut timeline = Vec::new();
        for &d in deals {
            let Some(deal) = self.histories.deals.get(d) else {
                continue;
            };
            let events = self.events_by_deal.get(deal.id.as_str());
            let first_event = events
                .into_iter()
                .flatten()
                .filter_map(|ev| self.histories.events.get(*ev))
                .map(|e| e.at)
                .min();
            // A deal exists from its created_at, else its first event,
            // else the start of the replay; never after its first event.
            let created = match (deal.created_at, first_event) {
                (Some(c), Some(f)) => c.min(f),
                (c, f) => c.or(f).unwrap_or(self.replay_start),
            };
            let m = members.len();
            members.push(Member::new(
                deal.id.clone(),
                Some(d),
                deal.fields.clone(),
                created,
            ));
            timeline.push(Item {
                at: created,
                member: m,
                what: ItemKind::Create,
            });
            timeline.extend(events.into_iter().flatten().filter_map(|ev| {
                Some(Item {
                    at: self.histories.events.get(*ev)?.at,
                    member: m,
                    what: ItemKind::Event(*ev),
                })
            }));
        }
        // The account's updates change what a deal's conditions read of
        // the account; they belong to no deal (the first stands in).
        timeline.extend(account_updates.into_iter().filter_map(|ev| {
            Some(Item {
                at: self.histories.events.get(ev)?.at,
                member: 0,
                what: ItemKind::Event(ev),
            })
        }));
        let linked: Vec<Vec<&str>> = members.iter().map(|m| self.links.contacts(&m.id)).collect();
        let entries = links::entries(&linked, contacts);
        timeline.extend(links::ticks(&entries));
        links::sort_timeline(&self.histories.events, &mut timeline);
        let member_roles = members.iter().map(|m| self.links.roles(&m.id)).collect();
        let mut run = self.run_of(account, members, timeline);
        run.lifecycle = Entity::Deal;
        run.account_life = None;
        run.member_roles = member_roles;
        run.linked = entries;
        run
    }

    /// A replay of `members` along `timeline`, in `account`.
    fn run_of(
        &self,
        account: Option<String>,
        members: Vec<Member>,
        timeline: Vec<Item>,
    ) -> Run<'w> {
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
        let account_life = account.as_ref().and_then(|_| {
            // An account starts with its first contact (its deals' own
            // events happen in it, but do not start it).
            let start = timeline
                .iter()
                .find(|t| !matches!(t.what, ItemKind::AccountEvent(_)))
                .map_or(self.replay_start, |t| t.at);
            self.account_life(start)
        });
        let touchpoints = vec![Vec::new(); timeline.len()];
        let n_members = members.len();
        let n_events = timeline.len().saturating_sub(n_members);
        Run {
            policy: self.policy,
            calendar: self.calendar,
            histories: self.histories,
            lifecycle: Entity::Contact,
            member_roles: Vec::new(),
            linked: Vec::new(),
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
        links::sort_timeline(&self.histories.events, &mut timeline);
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
        let Some(c) = &e.contact else {
            continue;
        };
        let p = protos.entry(resolve(c)).or_default();
        if p.account.is_none() {
            p.account = e.account.clone();
        }
        p.first_event = Some(p.first_event.map_or(e.at, |f| f.min(e.at)));
    }
    protos
}
