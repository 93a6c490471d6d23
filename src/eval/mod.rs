//! Replaying contact histories through a compiled policy (docs/engine.md, Replay).
//!
//! For each account (a contact without one is its own group) the contacts'
//! events are merged into one timeline, ordered by (instant, creation
//! before events, file, line), and replayed: every event and every timer
//! is a check instant. Accounts are independent, so the result does not
//! depend on the order of input rows.

pub mod calendar;
pub mod classify;
pub mod explain;
pub mod journey;
mod memo;
pub mod parts;
mod replay;
// The replay's working state and expression evaluator: public for the
// reports, which read the typed facts of journeys, not a stable API.
#[doc(hidden)]
pub mod state;
mod timers;
#[doc(hidden)]
pub mod view;

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;

use crate::compile::Policy;
use crate::data::time::Instant;
use crate::data::{EventKind, Histories};
use crate::ir::Entity;
use crate::ir::Value;

pub use journey::{AccountJourney, Journey, PolicyRef, StepFact};
pub use replay::RuntimeProblem;
use state::{Item, ItemKind, Life, Member, Run};

/// Everything a replay produced.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// The instant replayed to (milliseconds since the Unix epoch, UTC).
    pub as_of: Instant,
    /// One per contact, in contact id order.
    pub journeys: Vec<Journey>,
    /// One per account with an account lifecycle, in account id order.
    pub accounts: Vec<AccountJourney>,
    /// Contacts or accounts whose replay had to stop, and merges that could
    /// not be made.
    pub problems: Vec<RuntimeProblem>,
}

/// Where a chain of merges put contact `id` (itself when never merged).
fn follow<'x>(alias: &'x HashMap<String, String>, id: &'x str) -> &'x str {
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

/// The policy's business calendar: timezone, business hours, holidays.
pub fn calendar_of(policy: &Policy) -> calendar::Calendar {
    let m = policy.ir();
    calendar::Calendar {
        tz: m.timezone,
        zone: std::sync::Arc::clone(policy.zone()),
        hours: m.business_hours.clone(),
        holidays: m.holidays.clone(),
    }
}

/// The as-of time when none is given: the latest instant in the data, never
/// the wall clock, so runs are reproducible.
pub fn default_as_of(h: &Histories) -> Instant {
    h.events
        .iter()
        .map(|e| e.at)
        .chain(h.contacts.iter().filter_map(|c| c.created_at))
        .max()
        .unwrap_or(0)
}

/// Replays every account of `histories` up to `as_of` (default: the
/// latest instant in the data).
pub fn evaluate(policy: &Policy, histories: &Histories, as_of: Option<Instant>) -> Evaluation {
    replay_all(policy, histories, as_of, None, false).0
}

/// [`evaluate`], trying every member of an account at every check instant
/// instead of only those who can move (see `compile::watch`). The two must agree;
/// the tests hold them to it.
#[doc(hidden)]
pub fn evaluate_checking_everyone(
    policy: &Policy,
    histories: &Histories,
    as_of: Option<Instant>,
) -> Evaluation {
    replay_all(policy, histories, as_of, None, true).0
}

/// Replays only the account of `contact` (or of the contact it was merged
/// into) and says what is missing for each way out of its stage. `None`
/// when no contact or event has that id.
pub fn explain(
    policy: &Policy,
    histories: &Histories,
    as_of: Option<Instant>,
    contact: &str,
) -> Option<(Journey, Vec<explain::Exit>, Instant)> {
    let (ev, exits) = replay_all(policy, histories, as_of, Some(contact), false);
    let (id, exits) = exits?;
    let journey = ev.journeys.into_iter().find(|j| j.contact == id)?;
    Some((journey, exits, ev.as_of))
}

type Explained = Option<(String, Vec<explain::Exit>)>;

fn replay_all(
    policy: &Policy,
    histories: &Histories,
    as_of: Option<Instant>,
    only: Option<&str>,
    check_everyone: bool,
) -> (Evaluation, Explained) {
    let as_of = as_of.unwrap_or_else(|| default_as_of(histories));
    let calendar = calendar_of(policy);
    let model = policy.ir();
    let policy_ref = PolicyRef {
        name: policy.name().to_string(),
        version: policy.version(),
        hash: policy.hash().to_string(),
    };
    let mut problems = Vec::new();

    // Merges first: a merged contact's history is replayed as the
    // survivor's.
    let mut known: BTreeMap<&str, ()> = histories
        .contacts
        .iter()
        .map(|c| (c.id.as_str(), ()))
        .collect();
    for e in &histories.events {
        known.insert(e.contact.as_str(), ());
    }
    let mut alias: HashMap<String, String> = HashMap::new();
    // Merges in time order (then row order), so a later merge that points
    // back at an earlier one reverses it instead of making a loop.
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
                message: format!("merge into unknown contact `{into}` was ignored (no contact or event has that id)"),
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
                message: format!(
                    "merge of `{}` into `{into}` at {} reverses an earlier merge the other way; both are treated as `{into}`",
                    e.contact,
                    crate::data::time::format_instant(e.at)
                ),
            });
        }
        alias.insert(e.contact.clone(), into.clone());
    }
    let alias = alias;
    let resolve = |id| follow(&alias, id);

    // Members and their accounts.
    struct Proto {
        record: Option<usize>,
        account: Option<String>,
        created: Option<Instant>,
        first_event: Option<Instant>,
    }
    let mut protos: BTreeMap<&str, Proto> = BTreeMap::new();
    for (i, c) in histories.contacts.iter().enumerate() {
        let id = resolve(&c.id);
        let p = protos.entry(id).or_insert(Proto {
            record: None,
            account: None,
            created: None,
            first_event: None,
        });
        // The survivor's own record wins over a merged duplicate's.
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
        let id = resolve(&e.contact);
        let p = protos.entry(id).or_insert(Proto {
            record: None,
            account: None,
            created: None,
            first_event: None,
        });
        if p.account.is_none() {
            p.account = e.account.clone();
        }
        p.first_event = Some(p.first_event.map_or(e.at, |f| f.min(e.at)));
    }
    let replay_start = histories
        .events
        .iter()
        .map(|e| e.at)
        .chain(histories.contacts.iter().filter_map(|c| c.created_at))
        .min()
        .unwrap_or(as_of);

    // Accounts: by account id; a contact without one is its own group.
    let mut groups: BTreeMap<(bool, &str), Vec<&str>> = BTreeMap::new();
    for (id, p) in &protos {
        let key = match &p.account {
            Some(a) => (false, a.as_str()),
            None => (true, *id),
        };
        groups.entry(key).or_default().push(id);
    }
    let mut events_by_contact: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, e) in histories.events.iter().enumerate() {
        events_by_contact
            .entry(resolve(&e.contact))
            .or_default()
            .push(i);
    }

    let account_records: HashMap<&str, &crate::data::Account> = histories
        .accounts
        .iter()
        .map(|a| (a.id.as_str(), a))
        .collect();
    // Accounts replay independently, on as many threads as rayon has; the
    // results are collected in account order, so the output does not
    // depend on the thread count.
    let groups: Vec<((bool, &str), Vec<&str>)> = groups.into_iter().collect();
    let target = only.map(resolve);
    let groups: Vec<_> = groups
        .into_iter()
        .filter(|(_, ids)| target.as_ref().is_none_or(|t| ids.contains(t)))
        .collect();
    type Replayed = (
        Vec<Journey>,
        Option<AccountJourney>,
        Vec<RuntimeProblem>,
        Explained,
    );
    let replay_group = |((solo, key), ids): ((bool, &str), Vec<&str>)| -> Replayed {
        let account = (!solo).then(|| key.to_string());
        let account_fields = account
            .as_ref()
            .and_then(|a| account_records.get(a.as_str()))
            .map(|a| a.fields.clone())
            .unwrap_or_else(|| {
                model
                    .account_fields
                    .iter()
                    .map(|f| f.default.clone())
                    .collect()
            });
        let mut members = Vec::new();
        let mut timeline = Vec::new();
        for id in &ids {
            let Some(p) = protos.get(id) else { continue };
            let fields: Vec<Option<Value>> = match p.record.and_then(|r| histories.contacts.get(r))
            {
                Some(c) => c.fields.clone(),
                None => model
                    .contact_fields
                    .iter()
                    .map(|f| f.default.clone())
                    .collect(),
            };
            // A contact exists from its created_at, else its first event,
            // else the start of the replay; never after its first event.
            let created = match (p.created, p.first_event) {
                (Some(c), Some(f)) => c.min(f),
                (c, f) => c.or(f).unwrap_or(replay_start),
            };
            let m = members.len();
            let mut member = Member::new(id.to_string(), p.record, fields, created);
            // Its history will hold each of its events: room made once.
            member.history = Vec::with_capacity(events_by_contact.get(id).map_or(0, Vec::len));
            members.push(member);
            timeline.push(Item {
                at: created,
                member: m,
                what: ItemKind::Create,
            });
            for ev in events_by_contact.get(id).into_iter().flatten() {
                if let Some(e) = histories.events.get(*ev) {
                    timeline.push(Item {
                        at: e.at,
                        member: m,
                        what: ItemKind::Event(*ev),
                    });
                }
            }
        }
        timeline.sort_by_key(|it| {
            let origin = match it.what {
                ItemKind::Create => (0, 0, 0),
                ItemKind::Event(ev) => histories
                    .events
                    .get(ev)
                    .map_or((1, 0, 0), |e| (1, e.origin.file, e.origin.line)),
            };
            (it.at, origin, it.member)
        });
        let account_life = account.as_ref().and_then(|_| {
            let lc = model
                .lifecycles
                .iter()
                .find(|l| l.entity == Entity::Account)?;
            let init = lc.initial?;
            let start = timeline.first().map_or(replay_start, |t| t.at);
            let mut life = Life::new(init, start);
            life.entered.push(init);
            life.highest = replay::success_rank(model, Entity::Account, init).map(|_| init);
            life.path.push(state::Step {
                stage: init,
                entered: start,
                cause: state::Cause::Start,
                date_precision: false,
            });
            Some(life)
        });
        let touchpoints = vec![Vec::new(); timeline.len()];
        let n_members = members.len();
        let n_events = timeline.len().saturating_sub(n_members);
        let mut run = Run {
            policy,
            calendar: &calendar,
            histories,
            account: account.clone(),
            account_fields,
            members,
            timeline,
            touchpoints,
            processed: 0,
            account_history: Vec::with_capacity(n_events),
            check_everyone,
            timers: vec![timers::Timer::default(); n_members],
            condition_timers: std::cell::RefCell::new(vec![Vec::new(); n_members]),
            account_life,
            check: 0,
            instant: i64::MIN,
            end: i64::MIN,
            memo: Default::default(),
            horizon: i64::MIN,
            memo_ahead: Default::default(),
            memo_end: Default::default(),
            memo_steady: Default::default(),
            added: Default::default(),
            scratch: Default::default(),
        };
        let run_problems = run.replay(as_of);
        let explained = target.as_ref().and_then(|t| {
            let m = run.members.iter().position(|x| x.id == *t)?;
            Some((t.to_string(), run.exits(m, as_of)))
        });
        let group = run.group(as_of);
        let mut account = run.account_journey(&policy_ref, None);
        let journeys = run.into_journeys(as_of, &policy_ref, &group);
        if let Some(a) = &mut account {
            a.group = group;
        }
        (journeys, account, run_problems, explained)
    };
    // One account (a single-contact API request) replays on the calling
    // thread: handing it to the pool would only add a thread hop.
    let replayed: Vec<Replayed> = if groups.len() < 2 {
        groups.into_iter().map(replay_group).collect()
    } else {
        groups.into_par_iter().map(replay_group).collect()
    };
    let mut journeys = Vec::new();
    let mut accounts = Vec::new();
    let mut explained = None;
    for (j, a, p, x) in replayed {
        journeys.extend(j);
        accounts.extend(a);
        problems.extend(p);
        explained = explained.or(x);
    }
    journeys.sort_by(|a, b| a.contact.cmp(&b.contact));
    accounts.sort_by(|a, b| a.account.cmp(&b.account));
    (
        Evaluation {
            as_of,
            journeys,
            accounts,
            problems,
        },
        explained,
    )
}
