//! What every report section reads: the replay, the period covered and the
//! contact lifecycle's success path, with the questions they all ask
//! ("when did this contact first enter A, and did it get to B after?").

use std::collections::HashMap;
use std::ops::Range;

use crate::compile::Policy;
use crate::data::time::Instant;
use crate::eval::calendar::Calendar;
use crate::eval::{AccountJourney, Evaluation, Journey, StepFact};
use crate::ir::Entity;
use crate::ir::{Ir, Period, StageId};

/// How to cut the report.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Options {
    /// Start of the report (default: the first stage entry in the data).
    pub from: Option<Instant>,
    /// End of the report, exclusive (default: just after the as-of time).
    pub to: Option<Instant>,
    /// The periods of balance, flow and metrics.
    pub period: Period,
    /// Count a conversion only if it happened within this many
    /// milliseconds of the first entry (default: ever).
    pub window: Option<i64>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            from: None,
            to: None,
            period: Period::Quarter,
            window: None,
        }
    }
}

/// The earliest stage entry of any contact or deal: where a report
/// starts by default.
pub fn first_stage_entry(eval: &Evaluation) -> Option<Instant> {
    first_entry_of(eval.journeys.iter().chain(&eval.deals))
}

fn first_entry_of<'a>(journeys: impl Iterator<Item = &'a Journey>) -> Option<Instant> {
    journeys
        .filter_map(|j| j.facts.steps.first().map(|s| s.entered))
        .min()
}

/// Which journeys of a replay a batch is: a range of the contacts', the
/// deals' and the accounts' (a batch of accounts appends some of each).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batch {
    pub journeys: Range<usize>,
    pub deals: Range<usize>,
    pub accounts: Range<usize>,
}

impl Batch {
    /// Where a batch appended to `eval` next starts: nothing yet.
    pub fn after(eval: &Evaluation) -> Batch {
        let end = |n: usize| n..n;
        Batch {
            journeys: end(eval.journeys.len()),
            deals: end(eval.deals.len()),
            accounts: end(eval.accounts.len()),
        }
    }

    /// This batch's starts, up to what `eval` holds now: what was
    /// appended since [`Batch::after`].
    pub fn to_end(self, eval: &Evaluation) -> Batch {
        Batch {
            journeys: self.journeys.start..eval.journeys.len(),
            deals: self.deals.start..eval.deals.len(),
            accounts: self.accounts.start..eval.accounts.len(),
        }
    }

    /// The contacts', deals' and accounts' journeys of `eval` in this
    /// batch.
    pub(crate) fn of<'a>(
        &self,
        eval: &'a Evaluation,
    ) -> (&'a [Journey], &'a [Journey], &'a [AccountJourney]) {
        (
            eval.journeys.get(self.journeys.clone()).unwrap_or_default(),
            eval.deals.get(self.deals.clone()).unwrap_or_default(),
            eval.accounts.get(self.accounts.clone()).unwrap_or_default(),
        )
    }

    /// The whole of `eval`.
    pub fn whole(eval: &Evaluation) -> Batch {
        Batch {
            journeys: 0..eval.journeys.len(),
            deals: 0..eval.deals.len(),
            accounts: 0..eval.accounts.len(),
        }
    }
}

pub struct Ctx<'a> {
    pub model: &'a Ir,
    /// What the report reads of each event.
    pub events: &'a super::events::Events,
    pub eval: &'a Evaluation,
    /// The contacts', deals' and accounts' journeys the sections count:
    /// every one, or one batch's ([`Ctx::batch`]).
    journeys: &'a [Journey],
    deals: &'a [Journey],
    accounts: &'a [AccountJourney],
    pub calendar: Calendar,
    pub from: Instant,
    pub to: Instant,
    pub as_of: Instant,
    pub period: Period,
    /// The bounds the user set, which cut the periods at the report's
    /// edges.
    pub cut: super::period::Cut,
    pub window: Option<i64>,
    /// The contact lifecycle's stages, declared order.
    pub stages: Vec<StageId>,
    /// Its success path: the stages minus detours.
    pub success: Vec<StageId>,
    rank: HashMap<StageId, usize>,
    /// The account lifecycle's success path ranks, for metrics over
    /// account stages.
    account_rank: HashMap<StageId, usize>,
    /// Whether the metrics are also counted over the whole span (the
    /// diff's figures: [`Ctx::overall_start`]).
    pub overall: bool,
}

impl<'a> Ctx<'a> {
    pub fn new(
        policy: &'a Policy,
        replayed: &'a super::replayed::Replayed,
        options: &Options,
    ) -> Ctx<'a> {
        let eval = &replayed.eval;
        let first = replayed.first_stage_entry().unwrap_or(eval.as_of);
        Ctx::over(policy, replayed, options, Batch::whole(eval), first)
    }

    /// The context of every journey of `replayed`, the report starting at
    /// `first` unless `options` sets a start: a diff's sides, which start
    /// where the earlier of the two does.
    pub fn starting(
        policy: &'a Policy,
        replayed: &'a super::replayed::Replayed,
        options: &Options,
        first: Instant,
    ) -> Ctx<'a> {
        Ctx::over(
            policy,
            replayed,
            options,
            Batch::whole(&replayed.eval),
            first,
        )
    }

    /// The context of the journeys in `batch`: the batch just appended
    /// to a replay read a batch of accounts at a time, for the sections
    /// that count each batch as it comes ([`super::running`]).
    ///
    /// Without a `from` set by the user, the whole report starts at the
    /// first stage entry of all the data, which is not known until every
    /// batch is replayed. A batch's report starts at the earliest instant
    /// its journeys hold (a stage entry, an event or an SLA instance's
    /// start), so it counts everything of the batch before `to`; the
    /// whole report counts the same as long as its start is not later
    /// than the batch's ([`super::running::Running::tallies`] checks). It
    /// always is as the replay stands: a contact or deal exists from its
    /// first event or before, its SLA instances start in its stages, and
    /// an account exists from its first contact. Were it ever not, the
    /// replay would count again from the whole report's start, a second
    /// pass, never a wrong figure (`batched::replay_batched`).
    ///
    /// `start`, when given, is the whole report's start, known from an
    /// earlier pass: every batch's report starts there.
    pub fn batch(
        policy: &'a Policy,
        replayed: &'a super::replayed::Replayed,
        options: &Options,
        batch: Batch,
        start: Option<Instant>,
    ) -> Ctx<'a> {
        let eval = &replayed.eval;
        let (journeys, deals, accounts) = batch.of(eval);
        let of_journey = |j: &'a Journey| {
            let entered = j.facts.steps.first().map(|s| s.entered);
            let events = j.facts.events.iter();
            let at = events.filter_map(|e| replayed.events.get(*e).map(|r| r.at));
            let slas = j.slas.iter().map(|s| s.instance.started);
            entered.into_iter().chain(at).chain(slas)
        };
        let of_account = |a: &'a AccountJourney| {
            let entered = a.steps.first().map(|s| s.entered);
            entered
                .into_iter()
                .chain(a.slas.iter().map(|s| s.instance.started))
        };
        let first = start.unwrap_or_else(|| {
            journeys
                .iter()
                .chain(deals)
                .flat_map(of_journey)
                .chain(accounts.iter().flat_map(of_account))
                .min()
                .unwrap_or(eval.as_of)
        });
        Ctx::over(policy, replayed, options, batch, first)
    }

    fn over(
        policy: &'a Policy,
        replayed: &'a super::replayed::Replayed,
        options: &Options,
        batch: Batch,
        first: Instant,
    ) -> Ctx<'a> {
        let eval = &replayed.eval;
        let (journeys, deals, accounts) = batch.of(eval);
        let model = policy.ir();
        let stages: Vec<StageId> = model
            .lifecycles
            .iter()
            .find(|l| l.entity == Entity::Contact)
            .map(|l| l.stages.clone())
            .unwrap_or_default();
        let success: Vec<StageId> = model.success_path(Entity::Contact).collect();
        let rank = success.iter().enumerate().map(|(i, s)| (*s, i)).collect();
        let account_rank = model
            .success_path(Entity::Account)
            .enumerate()
            .map(|(i, s)| (s, i))
            .collect();
        Ctx {
            model,
            events: &replayed.events,
            eval,
            journeys,
            deals,
            accounts,
            calendar: crate::eval::calendar_of(policy),
            from: options.from.unwrap_or(first),
            to: options.to.unwrap_or(eval.as_of + 1),
            as_of: eval.as_of,
            period: options.period,
            cut: super::period::Cut {
                from: options.from,
                to: options.to,
            },
            window: options.window,
            stages,
            success,
            rank,
            account_rank,
            overall: false,
        }
    }

    /// Where the whole span of the diff's figures starts: the start the
    /// user set, else open. Nothing happens before the first stage entry
    /// (a contact exists from its first event or before), so an open
    /// start counts what one at the report's start counts, and every
    /// batch counts the same span whatever its own start.
    pub fn overall_start(&self) -> Instant {
        self.cut.from.unwrap_or(Instant::MIN)
    }

    /// The report's periods of `kind`, cut to the bounds the user set.
    pub fn periods(&self, kind: Period) -> Vec<super::period::Span> {
        super::period::periods_cut(
            kind,
            self.from,
            self.to,
            self.cut,
            self.model.timezone,
            self.model.fiscal_year_start_month,
        )
    }

    pub fn journeys(&self) -> &'a [Journey] {
        self.journeys
    }

    /// The earliest stage entry of the context's contacts and deals.
    pub fn first_stage_entry(&self) -> Option<Instant> {
        first_entry_of(self.journeys.iter().chain(self.deals))
    }

    /// The journeys whose events metrics count: every contact's, and
    /// every deal's (whose events are those only the deal has: an event
    /// with a contact is counted in the contact's journey).
    pub fn event_journeys(&self) -> impl Iterator<Item = &'a Journey> + use<'a> {
        self.journeys.iter().chain(self.deals)
    }

    /// The accounts' journeys (every one, or a batch's).
    pub fn accounts(&self) -> &'a [AccountJourney] {
        self.accounts
    }

    /// The paths of everything that lives in `stage`'s lifecycle: every
    /// contact's for a contact stage, every account's for an account
    /// stage, so a metric over account stages counts accounts.
    pub fn lives(&self, stage: StageId) -> Vec<&'a [StepFact]> {
        match self.model.stages[stage].lifecycle {
            Entity::Account => self.accounts.iter().map(|a| a.steps.as_slice()).collect(),
            Entity::Deal => self
                .deals
                .iter()
                .map(|j| j.facts.steps.as_slice())
                .collect(),
            _ => self
                .journeys
                .iter()
                .map(|j| j.facts.steps.as_slice())
                .collect(),
        }
    }

    pub fn in_report(&self, t: Instant) -> bool {
        self.from <= t && t < self.to
    }

    pub fn rank(&self, s: StageId) -> Option<usize> {
        self.rank.get(&s).copied()
    }

    pub fn name(&self, s: StageId) -> String {
        self.model.stage_name(s).to_string()
    }

    pub fn is_detour(&self, s: StageId) -> bool {
        self.model.stages[s].detour
    }

    pub fn is_final(&self, s: StageId) -> bool {
        self.model.stages[s].is_final
    }

    /// The next stage on the success path after `s`.
    pub fn next_success(&self, s: StageId) -> Option<StageId> {
        self.later_success(s).first().copied()
    }

    /// The success-path stages after `s` (none when `s` is a detour).
    pub fn later_success(&self, s: StageId) -> &[StageId] {
        self.rank(s)
            .and_then(|r| self.success.get(r + 1..))
            .unwrap_or_default()
    }

    pub fn team_name(&self, t: crate::ir::TeamId) -> String {
        self.model.team_name(t).to_string()
    }
}

/// A contact's first entry into a stage: which step of its path, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub step: usize,
    pub at: Instant,
}

/// When the contact first entered `stage`.
pub fn first_entry(j: &Journey, stage: StageId) -> Option<Entry> {
    first_entry_in(&j.facts.steps, stage)
}

/// When a path (a contact's or an account's) first entered `stage`.
pub fn first_entry_in(steps: &[StepFact], stage: StageId) -> Option<Entry> {
    steps.iter().position(|s| s.stage == stage).and_then(|i| {
        steps.get(i).map(|s| Entry {
            step: i,
            at: s.entered,
        })
    })
}

impl Ctx<'_> {
    /// When, after the entry `from`, the contact entered `b`, or a
    /// success-path stage declared after `b` (a skip passes through),
    /// within the report's window when it has one. Only later steps count,
    /// even at the same instant.
    pub fn reached(&self, j: &Journey, from: Entry, b: StageId) -> Option<Instant> {
        self.reached_in(&j.facts.steps, from, b)
    }

    /// [`Ctx::reached`] on any path, a contact's or an account's (each
    /// ranked on its own lifecycle's success path).
    pub fn reached_in(&self, steps: &[StepFact], from: Entry, b: StageId) -> Option<Instant> {
        let rank = |s: StageId| self.rank(s).or_else(|| self.account_rank.get(&s).copied());
        let b_rank = rank(b);
        steps
            .iter()
            .skip(from.step + 1)
            .filter(|s| self.window.is_none_or(|w| s.entered - from.at <= w))
            .find(|s| {
                s.stage == b || matches!((b_rank, rank(s.stage)), (Some(rb), Some(rs)) if rs > rb)
            })
            .map(|s| s.entered)
    }

    /// The contact's stage at `at` (its last step entered at or before).
    pub fn stage_at(&self, j: &Journey, at: Instant) -> Option<StageId> {
        j.facts
            .steps
            .iter()
            .take_while(|s| s.entered <= at)
            .last()
            .map(|s| s.stage)
    }
}
