//! Replaying contact histories through a compiled policy (docs/engine.md, Replay).
//!
//! For each account (a contact without one is its own group) the contacts'
//! events are merged into one timeline, ordered by (instant, creation
//! before events, file, line), and replayed: every event and every timer
//! is a check instant. Accounts are independent, so the result does not
//! depend on the order of input rows.

mod account_slas;
pub mod calendar;
pub mod classify;
pub mod explain;
pub mod journey;
mod links;
mod marks;
mod memo;
pub mod parts;
mod prepare;
pub mod problem;
mod replay;
// The replay's working state and expression evaluator: public for the
// reports, which read the typed facts of journeys, not a stable API.
#[doc(hidden)]
pub mod state;
mod timers;
mod value;
#[doc(hidden)]
pub mod view;

use rayon::prelude::*;

use crate::compile::Policy;
use crate::data::Histories;
use crate::data::time::Instant;

pub use journey::{AccountJourney, EventOf, Journey, StepFact};
pub use parts::{Marks, SlaStatus};
use prepare::{Explained, follow};
pub use problem::{Runtime, RuntimeProblem};

/// Everything a replay produced.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Evaluation {
    /// The instant replayed to (milliseconds since the Unix epoch, UTC).
    pub as_of: Instant,
    /// One per contact, in contact id order.
    pub journeys: Vec<Journey>,
    /// One per account with an account lifecycle, in account id order.
    pub accounts: Vec<AccountJourney>,
    /// One per deal, when the policy has a deal lifecycle, in deal id
    /// order: a deal's journey has the shape of a contact's (its id in
    /// `contact`), with no scores or criteria.
    pub deals: Vec<Journey>,
    /// Contacts or accounts whose replay had to stop, and merges that could
    /// not be made.
    pub problems: Vec<RuntimeProblem>,
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

/// [`evaluate`] of the accounts in `shard` only (and of the contacts and
/// deals in no account whose own id falls in it): the journeys of every
/// shard together are the journeys of one run. The default as-of time is
/// still the whole data's, so every shard replays to the same time. The
/// problems of merges, which are about the data as a whole, are given by
/// shard 1 only, so that the shards' problems add up too.
pub fn evaluate_shard(
    policy: &Policy,
    histories: &Histories,
    as_of: Option<Instant>,
    shard: Option<crate::data::shard::Shard>,
) -> Evaluation {
    let only = shard.map(prepare::Target::Shard);
    replay_all(policy, histories, as_of, only, false).0
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
    let (ev, exits) = replay_all(
        policy,
        histories,
        as_of,
        Some(prepare::Target::Contact(contact)),
        false,
    );
    let (id, exits) = exits?;
    let journey = ev.journeys.into_iter().find(|j| j.contact == id)?;
    Some((journey, exits, ev.as_of))
}

/// An account explained: its journey, what is missing for each way out of
/// its stage, the as-of time, and its contacts' journeys (who holds which
/// role, who is closest).
pub type AccountExplained = (AccountJourney, Vec<explain::Exit>, Instant, Vec<Journey>);

/// Replays only `account` and says what is missing for each way out of
/// its stage. `None` when the policy has no account lifecycle or no
/// contact of that account has a journey.
pub fn explain_account(
    policy: &Policy,
    histories: &Histories,
    as_of: Option<Instant>,
    account: &str,
) -> Option<AccountExplained> {
    let (ev, exits) = replay_all(
        policy,
        histories,
        as_of,
        Some(prepare::Target::Account(account)),
        false,
    );
    let (_, exits) = exits?;
    let journey = ev.accounts.into_iter().find(|a| a.account == account)?;
    Some((journey, exits, ev.as_of, ev.journeys))
}

/// A deal explained: its journey, what is missing for each way out of
/// its stage, and the as-of time.
pub type DealExplained = (Journey, Vec<explain::Exit>, Instant);

/// Replays only `deal`'s account and says what is missing for each way
/// out of the deal's stage. `None` when no deal has that id or the policy
/// has no deal lifecycle.
pub fn explain_deal(
    policy: &Policy,
    histories: &Histories,
    as_of: Option<Instant>,
    deal: &str,
) -> Option<DealExplained> {
    let (ev, exits) = replay_all(
        policy,
        histories,
        as_of,
        Some(prepare::Target::Deal(deal)),
        false,
    );
    let (_, exits) = exits?;
    let journey = ev.deals.into_iter().find(|j| j.contact == deal)?;
    Some((journey, exits, ev.as_of))
}

fn replay_all(
    policy: &Policy,
    histories: &Histories,
    as_of: Option<Instant>,
    only: Option<prepare::Target<'_>>,
    check_everyone: bool,
) -> (Evaluation, Explained) {
    let as_of = as_of.unwrap_or_else(|| default_as_of(histories));
    let calendar = calendar_of(policy);
    let (alias, mut problems) = prepare::merges(histories);
    if let Some(prepare::Target::Shard(shard)) = only
        && shard.k() != 1
    {
        problems.clear();
    }
    let resolve = |id| follow(&alias, id);
    let world = prepare::World::new(
        policy,
        histories,
        &calendar,
        &resolve,
        as_of,
        check_everyone,
    );
    // Accounts replay independently, on as many threads as rayon has; the
    // results are collected in account order, so the output does not
    // depend on the thread count.
    let target = only.map(|t| match t {
        prepare::Target::Contact(c) => prepare::Target::Contact(resolve(c)),
        account => account,
    });
    let groups: Vec<_> = world
        .groups()
        .into_iter()
        .filter(|((solo, key), ids)| match target {
            None => true,
            Some(prepare::Target::Contact(c)) => ids.contains(&c),
            Some(prepare::Target::Account(a)) => !solo && *key == a,
            Some(prepare::Target::Shard(shard)) => shard.holds(key),
            Some(prepare::Target::Deal(d)) => histories
                .deals
                .iter()
                .find(|x| x.id == d)
                .is_some_and(|x| match &x.account {
                    Some(a) => !solo && key == a,
                    None => *solo && *key == d,
                }),
        })
        .collect();
    let replay_group = |(key, ids): prepare::Group<'_>| world.replay(key, &ids, target);
    // One account (a single-contact API request) replays on the calling
    // thread: handing it to the pool would only add a thread hop.
    let replayed: Vec<prepare::Replayed> = if groups.len() < 2 {
        groups.into_iter().map(replay_group).collect()
    } else {
        groups.into_par_iter().map(replay_group).collect()
    };
    let mut journeys = Vec::new();
    let mut accounts = Vec::new();
    let mut deals = Vec::new();
    let mut explained = None;
    for (j, a, d, p, x) in replayed {
        journeys.extend(j);
        accounts.extend(a);
        deals.extend(d);
        problems.extend(p);
        explained = explained.or(x);
    }
    journeys.sort_by(|a, b| a.contact.cmp(&b.contact));
    accounts.sort_by(|a, b| a.account.cmp(&b.account));
    deals.sort_by(|a, b| a.contact.cmp(&b.contact));
    (
        Evaluation {
            as_of,
            journeys,
            accounts,
            deals,
            problems,
        },
        explained,
    )
}
