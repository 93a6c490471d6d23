//! Score calibration: does a score at the moment a contact enters a stage
//! predict how far it goes? Conversion by score band and the AUC.

use serde::Serialize;

use crate::ir::StageId;

use super::context::Ctx;
use super::stats::{auc, rate, round2};

#[derive(Debug, Clone, Serialize)]
pub struct Calibration {
    pub score: String,
    /// The score is read at the first entry into this stage...
    pub at: String,
    /// ...for contacts whose first entry falls in the report.
    pub contacts: usize,
    /// The next success-path stage, which `auc` predicts.
    pub next: String,
    /// Chance that a contact who reached `next` scored higher than one
    /// who did not (0.5 = no better than a coin; ties count half).
    pub auc: Option<f64>,
    pub bands: Vec<Band>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Band {
    /// `[low, high)`; the top band includes `high`.
    pub low: f64,
    pub high: f64,
    pub contacts: usize,
    /// Share of the band that reached each later success-path stage.
    pub reached: Vec<super::funnel::Conversion>,
}

/// Five equal bands over the score's declared range, else over the
/// values seen.
const BANDS: usize = 5;

pub fn calibration(ctx: &Ctx) -> Vec<Calibration> {
    let mut out = Vec::new();
    for (si, score) in ctx.model.scores.iter().enumerate() {
        // Scores at a contact's stage entries: an account's are not.
        if score.entity != crate::ir::Entity::Contact {
            continue;
        }
        for &a in &ctx.success {
            let Some(next) = ctx.next_success(a) else {
                continue;
            };
            if ctx.rank(a) == Some(0) {
                continue; // everyone enters the first stage with nothing
            }
            let points: Vec<(&crate::eval::Journey, f64, super::context::Entry)> = ctx
                .journeys()
                .iter()
                .filter_map(|j| {
                    let (_, scores) = j.facts.scores_at_entry.iter().find(|(s, _)| *s == a)?;
                    let at = super::context::first_entry(j, a)?;
                    ctx.in_report(at.at).then_some((j, *scores.get(si)?, at))
                })
                .collect();
            if points.is_empty() {
                continue;
            }
            let (low, high) = score.range.unwrap_or_else(|| {
                let lo = points.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
                let hi = points.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
                (lo, hi)
            });
            let width = ((high - low) / BANDS as f64).max(f64::EPSILON);
            let later: Vec<StageId> = ctx
                .rank(a)
                .map(|r| ctx.success.iter().skip(r + 1).copied().collect())
                .unwrap_or_default();
            let band_of = |v: f64| (((v - low) / width).floor().max(0.0) as usize).min(BANDS - 1);
            let bands = (0..BANDS)
                .map(|b| {
                    let members: Vec<_> = points.iter().filter(|p| band_of(p.1) == b).collect();
                    Band {
                        low: round2(low + width * b as f64),
                        high: round2(low + width * (b + 1) as f64),
                        contacts: members.len(),
                        reached: later
                            .iter()
                            .map(|&s| {
                                let n = members
                                    .iter()
                                    .filter(|(j, _, at)| ctx.reached(j, *at, s).is_some())
                                    .count();
                                super::funnel::Conversion {
                                    to: ctx.name(s),
                                    reached: n,
                                    rate: rate(n, members.len()),
                                }
                            })
                            .collect(),
                    }
                })
                .collect();
            let hits: Vec<(f64, bool)> = points
                .iter()
                .map(|(j, v, at)| (*v, ctx.reached(j, *at, next).is_some()))
                .collect();
            out.push(Calibration {
                score: score.name.clone(),
                at: ctx.name(a),
                contacts: points.len(),
                next: ctx.name(next),
                auc: auc(&hits).map(|x| (x * 1000.0).round() / 1000.0),
                bands,
            });
        }
    }
    out
}
