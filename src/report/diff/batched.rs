//! A diff read a batch of accounts at a time: each policy's replay is
//! counted into running tallies as it goes and its journeys dropped, as a
//! report's are. Of the old policy's replay the diff keeps each contact's,
//! account's and deal's stage and path (a compact step each), and the
//! new policy's replay is compared with them batch by batch into the
//! stage-change matrices, which keep counts and the examples with the
//! smallest ids: memory holds those paths and the tallies, not two
//! replays.

use std::collections::HashMap;

use crate::compile::Policy;
use crate::data::{DataError, Source};
use crate::eval::{AccountJourney, Journey, StepFact};
use crate::ir::{Entity, StageId};

use super::Stages;
use super::matrix::{KeptStep, Matrix, Subject};
use crate::report::batched::{Batched, Plan, Visit, Whole, replay_visited};
use crate::report::context::Batch;
use crate::report::replayed::Replayed;
use crate::report::running::Counting;

/// What a diff replay read in batches gave.
#[derive(Debug, Clone)]
pub enum DiffReplay {
    /// Each side's replay (journeys dropped, tallies kept) and the
    /// matrices.
    Done {
        old: Box<Batched>,
        new: Box<Batched>,
        stages: Box<Stages>,
    },
    /// The whole file must be loaded instead (the first side's reason).
    Whole(Whole),
}

/// Replays `old` then `new` (each a policy and the sources as its
/// manifest maps them) a batch of accounts at a time, as `plan` says
/// (`plan.options` must be set: the diff's span), comparing them as it
/// goes.
pub fn replay_diff(
    old: (&Policy, &[Source]),
    new: (&Policy, &[Source]),
    plan: Plan,
) -> Result<DiffReplay, DataError> {
    let plan = Plan {
        counting: Counting::Diff,
        follow: None,
        shard: None,
        ..plan
    };
    let mut kept = Kept::default();
    let old_side = replay_visited(old.0, old.1, plan, &mut Keep(&mut kept))?;
    let order = match &old_side {
        Batched::Done { order, .. } => *order,
        Batched::Whole(why) => return Ok(DiffReplay::Whole(why.clone())),
    };
    let mut compare = Compare::new(old.0, new.0, kept, plan.as_of);
    let new_side = replay_visited(new.0, new.1, Plan { order, ..plan }, &mut compare)?;
    if let Batched::Whole(why) = new_side {
        return Ok(DiffReplay::Whole(why));
    }
    Ok(DiffReplay::Done {
        old: Box::new(old_side),
        new: Box::new(new_side),
        stages: Box::new(compare.finish()),
    })
}

/// One subject of the old policy's replay, as the diff keeps it.
#[derive(Debug)]
struct KeptSubject {
    account: Option<String>,
    stage: StageId,
    steps: Vec<KeptStep>,
    /// The new policy's replay met it.
    matched: bool,
}

impl KeptSubject {
    fn of(account: Option<&str>, stage: StageId, steps: &[StepFact]) -> KeptSubject {
        KeptSubject {
            account: account.map(str::to_string),
            stage,
            steps: steps.iter().map(KeptStep::of).collect(),
            matched: false,
        }
    }

    fn subject(&self) -> Subject<'_, KeptStep> {
        Subject {
            account: self.account.as_deref(),
            stage: self.stage,
            steps: &self.steps,
        }
    }
}

/// The old policy's contacts, accounts and deals, by id.
#[derive(Debug, Default)]
struct Kept {
    contacts: HashMap<String, KeptSubject>,
    accounts: HashMap<String, KeptSubject>,
    deals: HashMap<String, KeptSubject>,
}

/// Keeps each batch of the old policy's replay.
struct Keep<'k>(&'k mut Kept);

impl Visit for Keep<'_> {
    fn batch(&mut self, replayed: &Replayed, batch: &Batch) {
        let (journeys, deals, accounts) = batch.of(&replayed.eval);
        let kept = &mut *self.0;
        let keep = |j: &Journey| {
            let subject = KeptSubject::of(j.account.as_deref(), j.stage, &j.facts.steps);
            (j.contact.clone(), subject)
        };
        kept.contacts.extend(journeys.iter().map(keep));
        kept.deals.extend(deals.iter().map(keep));
        kept.accounts
            .extend(accounts.iter().map(|a: &AccountJourney| {
                (a.account.clone(), KeptSubject::of(None, a.stage, &a.steps))
            }));
    }

    fn restart(&mut self) {
        *self.0 = Kept::default();
    }
}

/// Compares each batch of the new policy's replay with what was kept.
struct Compare<'p> {
    old: &'p Policy,
    new: &'p Policy,
    as_of: crate::data::time::Instant,
    kept: Kept,
    contacts: Matrix<'p>,
    accounts: Matrix<'p>,
    deals: Matrix<'p>,
    /// Whether the new policy's replay had any account, any deal.
    new_accounts: bool,
    new_deals: bool,
}

impl<'p> Compare<'p> {
    fn new(
        old: &'p Policy,
        new: &'p Policy,
        kept: Kept,
        as_of: crate::data::time::Instant,
    ) -> Self {
        Compare {
            old,
            new,
            as_of,
            kept,
            contacts: Matrix::new(old, new, Entity::Contact, as_of),
            accounts: Matrix::new(old, new, Entity::Account, as_of),
            deals: Matrix::new(old, new, Entity::Deal, as_of),
            new_accounts: false,
            new_deals: false,
        }
    }

    /// The matrices, with every subject only the old policy replayed.
    fn finish(mut self) -> Stages {
        let any_accounts = self.new_accounts || !self.kept.accounts.is_empty();
        let any_deals = self.new_deals || !self.kept.deals.is_empty();
        let only_old = |kept: &HashMap<String, KeptSubject>, matrix: &mut Matrix| {
            for (id, k) in kept.iter().filter(|(_, k)| !k.matched) {
                matrix.add::<KeptStep, StepFact>(id, Some(k.subject()), None);
            }
        };
        only_old(&self.kept.contacts, &mut self.contacts);
        only_old(&self.kept.accounts, &mut self.accounts);
        only_old(&self.kept.deals, &mut self.deals);
        Stages {
            contacts: self.contacts.finish(),
            accounts: any_accounts.then(|| self.accounts.finish()),
            deals: any_deals.then(|| self.deals.finish()),
        }
    }
}

/// Subject `id` of the new policy's replay against the old's.
fn compare_one(
    kept: &mut HashMap<String, KeptSubject>,
    matrix: &mut Matrix,
    id: &str,
    new: Subject<'_, StepFact>,
) {
    let old = kept.get_mut(id).map(|k| {
        k.matched = true;
        &*k
    });
    matrix.add(id, old.map(KeptSubject::subject), Some(new));
}

impl Visit for Compare<'_> {
    fn batch(&mut self, replayed: &Replayed, batch: &Batch) {
        let (journeys, deals, accounts) = batch.of(&replayed.eval);
        self.new_accounts |= !accounts.is_empty();
        self.new_deals |= !deals.is_empty();
        for j in journeys {
            compare_one(
                &mut self.kept.contacts,
                &mut self.contacts,
                &j.contact,
                Subject::journey(j),
            );
        }
        for j in deals {
            compare_one(
                &mut self.kept.deals,
                &mut self.deals,
                &j.contact,
                Subject::journey(j),
            );
        }
        for a in accounts {
            let new = Subject::account(a);
            compare_one(&mut self.kept.accounts, &mut self.accounts, &a.account, new);
        }
    }

    fn restart(&mut self) {
        let kept = std::mem::take(&mut self.kept);
        *self = Compare::new(self.old, self.new, kept, self.as_of);
        for k in self
            .kept
            .contacts
            .values_mut()
            .chain(self.kept.accounts.values_mut())
            .chain(self.kept.deals.values_mut())
        {
            k.matched = false;
        }
    }
}
