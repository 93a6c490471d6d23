//! The report sections counted a batch of accounts at a time, as a
//! replay read in batches goes, into running tallies that merge in any
//! order ([`Tallies`]): what the sections need of each journey once its
//! batch is counted, so that in the end no journey need be kept.
//!
//! Every section is counted so: the five that read only each contact's
//! path (funnel, velocity, triggers, balance, drop-outs), the touchpoint
//! lift, attribution, calibration, SLAs, and the metrics and incentives
//! (each aggregate over each span, by segment). A report's replay
//! drops each batch's journeys once counted ([`Replayed::forget`]), and
//! these tallies alone make its report. A diff's replay counts only what
//! a diff reads ([`Counting::Diff`]), which no report is made from. A
//! replay that keeps its journeys (a partial's) has no running sections,
//! or ones its report may decline ([`Running::tallies`]) and count from
//! the journeys.

use crate::compile::Policy;
use crate::data::time::Instant;

use super::attribution::AttributionTally;
use super::calibration::CalibrationTally;
use super::context::{Batch, Ctx, Options};
use super::funnel::PathTally;
use super::lift::LiftTally;
use super::metrics::MetricTally;
use super::replayed::Replayed;
use super::sla::SlaTally;

/// What a replay's running tallies are counted for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Counting {
    /// Every section of a report.
    #[default]
    Report,
    /// What a diff reads and no more: the metrics, also over the whole
    /// span ([`Ctx::overall`]), and each SLA's instances by status. The
    /// funnel's paths, the lift, attribution, calibration, the SLA hours
    /// and the overdue list are not counted: they held about a quarter of
    /// a batched diff's memory at its peak (measured in BENCHMARKS.md).
    Diff,
}

/// The running state of every section counted as the replay goes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tallies {
    pub paths: PathTally,
    pub lift: LiftTally,
    pub attribution: AttributionTally,
    pub calibration: CalibrationTally,
    pub slas: SlaTally,
    pub metrics: MetricTally,
}

impl Tallies {
    /// The tallies of the context's journeys (every one, or a batch's)
    /// that `counting` reads.
    pub fn counted(ctx: &Ctx, counting: Counting) -> Tallies {
        match counting {
            Counting::Report => Tallies::of(ctx),
            Counting::Diff => Tallies {
                slas: SlaTally::statuses(ctx),
                metrics: MetricTally::of(ctx),
                ..Tallies::default()
            },
        }
    }

    /// The tallies of the context's journeys (every one, or a batch's).
    pub fn of(ctx: &Ctx) -> Tallies {
        Tallies {
            paths: PathTally::of(ctx),
            lift: LiftTally::of(ctx),
            attribution: AttributionTally::of(ctx),
            calibration: CalibrationTally::of(ctx),
            slas: SlaTally::of(ctx),
            metrics: MetricTally::of(ctx),
        }
    }

    /// Adds `other`'s counts to these: in any order and any grouping,
    /// the same tallies.
    pub fn merge(&mut self, other: Tallies) {
        self.paths.merge(other.paths);
        self.lift.merge(other.lift);
        self.attribution.merge(other.attribution);
        self.calibration.merge(other.calibration);
        self.slas.merge(other.slas);
        self.metrics.merge(other.metrics);
    }
}

/// The tallies counted so far, the options they were counted under, and
/// what the report reads of the journeys counted: how many contacts and
/// deals, and where the earliest of them entered a stage.
#[derive(Debug, Clone)]
pub struct Running {
    options: Options,
    tallies: Tallies,
    /// The earliest start of a batch's report.
    earliest: Option<Instant>,
    /// Where every batch's report starts, when the whole report's start
    /// is known before the replay (a second pass: [`Running::restart`]).
    start: Option<Instant>,
    contacts: usize,
    deals: usize,
    first_entry: Option<Instant>,
    /// Whether the journeys counted were dropped from the replay
    /// ([`Replayed::forget`]): then only these tallies can make its
    /// report.
    forgot: bool,
    /// For a report, or only what a diff reads.
    counting: Counting,
}

impl Running {
    /// Nothing counted yet, under `options`; every batch's report
    /// starting at `start` when given (the whole report's start, when
    /// known before the replay: see [`Running::tallies`]).
    pub fn new(options: Options, start: Option<Instant>) -> Running {
        Running {
            options,
            tallies: Tallies::default(),
            earliest: None,
            start,
            contacts: 0,
            deals: 0,
            first_entry: None,
            forgot: false,
            counting: Counting::Report,
        }
    }

    /// These tallies, counted for `counting`.
    pub fn counting_for(self, counting: Counting) -> Running {
        Running { counting, ..self }
    }

    /// What the tallies are counted for.
    pub fn counting(&self) -> Counting {
        self.counting
    }

    /// Where the whole report of a replay up to `as_of` starts, of what
    /// was counted: for a second pass when this one is not usable.
    pub fn report_start(&self, as_of: Instant) -> Instant {
        self.options
            .from
            .unwrap_or_else(|| self.first_entry.unwrap_or(as_of))
    }

    /// Counts the journeys of `replayed` appended since `start`
    /// ([`Batch::after`]): the batch just appended.
    pub fn count(&mut self, policy: &Policy, replayed: &Replayed, start: Batch) {
        let batch = start.to_end(&replayed.eval);
        self.contacts += batch.journeys.len();
        self.deals += batch.deals.len();
        let mut batch = Ctx::batch(policy, replayed, &self.options, batch, self.start);
        batch.overall = self.counting == Counting::Diff;
        if let Some(t) = batch.first_stage_entry() {
            self.first_entry = Some(self.first_entry.map_or(t, |f| f.min(t)));
        }
        self.earliest = Some(self.earliest.map_or(batch.from, |e| e.min(batch.from)));
        self.tallies.merge(Tallies::counted(&batch, self.counting));
    }

    /// The tallies, when counted under `options` for a report that
    /// starts at `from`: not if a batch read something before `from`,
    /// which the report leaves out and the batch counted, nor if the
    /// batches' reports were told to start elsewhere than `from`.
    pub fn tallies(&self, options: &Options, from: Instant) -> Option<&Tallies> {
        let inside = self.earliest.is_none_or(|e| e >= from);
        let started = options.from.is_some() || self.start.is_none_or(|s| s == from);
        (self.options == *options && inside && started).then_some(&self.tallies)
    }

    /// Whether the tallies make the report they were counted for, of a
    /// replay up to `as_of` ([`Running::tallies`]).
    pub fn usable(&self, as_of: Instant) -> bool {
        let from = self.report_start(as_of);
        self.tallies(&self.options, from).is_some()
    }

    /// The options the sections were counted under.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The contacts and deals counted.
    pub fn counted(&self) -> (usize, usize) {
        (self.contacts, self.deals)
    }

    /// The earliest stage entry of a contact or deal counted.
    pub fn first_entry(&self) -> Option<Instant> {
        self.first_entry
    }

    /// Whether the journeys counted were dropped from the replay.
    pub fn forgot(&self) -> bool {
        self.forgot
    }

    pub(super) fn set_forgot(&mut self) {
        self.forgot = true;
    }
}
