//! The report sections counted a batch of accounts at a time, as a
//! replay read in batches goes, into running tallies that merge in any
//! order ([`Tallies`]): what the sections need of each journey once its
//! batch is counted, so that in the end no journey need be kept.
//!
//! Every section is counted so: the five that read only each contact's
//! path (funnel, velocity, triggers, balance, drop-outs), the touchpoint
//! lift, attribution, calibration, SLAs, and the metrics and incentives
//! (each aggregate over each span, by segment). The journeys are still
//! kept beside them: tallies counted under other report options than the
//! report's, or by a batch that read something before the report's start,
//! are not used, and the sections are then counted from the journeys
//! kept; the diff and partial reports read the journeys too.

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
/// where the earliest batch's report started.
#[derive(Debug, Clone)]
pub struct Running {
    options: Options,
    tallies: Tallies,
    earliest: Option<Instant>,
}

impl Running {
    /// Nothing counted yet, under `options`.
    pub fn new(options: Options) -> Running {
        Running {
            options,
            tallies: Tallies::default(),
            earliest: None,
        }
    }

    /// Counts the journeys of `replayed` appended since `start`
    /// ([`Batch::after`]): the batch just appended.
    pub fn count(&mut self, policy: &Policy, replayed: &Replayed, start: Batch) {
        let batch = start.to_end(&replayed.eval);
        let batch = Ctx::batch(policy, replayed, &self.options, batch);
        self.earliest = Some(self.earliest.map_or(batch.from, |e| e.min(batch.from)));
        self.tallies.merge(Tallies::of(&batch));
    }

    /// The tallies, when counted under `options` for a report that
    /// starts at `from`: not if a batch read something before `from`,
    /// which the report leaves out and the batch counted.
    pub fn tallies(&self, options: &Options, from: Instant) -> Option<&Tallies> {
        let inside = self.earliest.is_none_or(|e| e >= from);
        (self.options == *options && inside).then_some(&self.tallies)
    }
}
