//! What calibration keeps of each contact that entered a stage in the
//! report: its score then, and how far along the success path it went
//! after (16 bytes a contact, stage and score). Bands over the values
//! seen and the AUC need every value, so the values are kept, not
//! counts. Counted a batch of journeys at a time and merged, in any
//! order.

use std::collections::BTreeMap;

use crate::ir::{Entity, StageId};

use super::super::context::{Ctx, first_entry};

/// The running state of the calibration section.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CalibrationTally {
    /// By score (its place among the policy's scores) and stage.
    pub(super) points: BTreeMap<(usize, StageId), Vec<Point>>,
}

/// One contact's score at its first entry into a stage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Point {
    pub score: f64,
    /// How many of the later success-path stages it reached: reaching one
    /// is reaching every stage before it (a move further along the path
    /// passes through them), so those reached are always the first ones.
    pub reached: u32,
}

impl CalibrationTally {
    /// The tally of the context's journeys (every one, or a batch's).
    pub fn of(ctx: &Ctx) -> CalibrationTally {
        let mut t = CalibrationTally::default();
        for (si, score) in ctx.model.scores.iter().enumerate() {
            // Scores at a contact's stage entries: an account's are not.
            if score.entity != Entity::Contact {
                continue;
            }
            for &a in &ctx.success {
                // Everyone enters the first stage with nothing.
                if ctx.next_success(a).is_none() || ctx.rank(a) == Some(0) {
                    continue;
                }
                let later = ctx.later_success(a);
                for j in ctx.journeys() {
                    let Some((_, scores)) = j.facts.scores_at_entry.iter().find(|(s, _)| *s == a)
                    else {
                        continue;
                    };
                    let (Some(at), Some(score)) = (first_entry(j, a), scores.get(si)) else {
                        continue;
                    };
                    if !ctx.in_report(at.at) {
                        continue;
                    }
                    let reached = later
                        .iter()
                        .take_while(|&&b| ctx.reached(j, at, b).is_some())
                        .count();
                    t.points.entry((si, a)).or_default().push(Point {
                        score: *score,
                        reached: u32::try_from(reached).unwrap_or(u32::MAX),
                    });
                }
            }
        }
        t
    }

    /// Adds `other`'s points to these.
    pub fn merge(&mut self, other: CalibrationTally) {
        for (k, v) in other.points {
            self.points.entry(k).or_default().extend(v);
        }
    }
}
