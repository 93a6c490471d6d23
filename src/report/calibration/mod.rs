//! Score calibration: does a score at the moment a contact enters a stage
//! predict how far it goes? Conversion by score band and the AUC.

use serde::Serialize;

use super::context::Ctx;
use super::stats::{auc, rate, round2};

mod tally;

pub use tally::CalibrationTally;
use tally::Point;

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

pub fn calibration(ctx: &Ctx, tally: &CalibrationTally) -> Vec<Calibration> {
    let mut out = Vec::new();
    for (si, score) in ctx.model.scores.iter().enumerate() {
        for &a in &ctx.success {
            let Some(next) = ctx.next_success(a) else {
                continue;
            };
            let Some(points) = tally.points.get(&(si, a)).filter(|p| !p.is_empty()) else {
                continue;
            };
            let (low, high) = score.range.unwrap_or_else(|| {
                let lo = points.iter().map(|p| p.score).fold(f64::INFINITY, f64::min);
                let hi = points
                    .iter()
                    .map(|p| p.score)
                    .fold(f64::NEG_INFINITY, f64::max);
                (lo, hi)
            });
            let width = ((high - low) / BANDS as f64).max(f64::EPSILON);
            let later = ctx.later_success(a);
            let band_of = |v: f64| (((v - low) / width).floor().max(0.0) as usize).min(BANDS - 1);
            let bands = (0..BANDS)
                .map(|b| {
                    let members: Vec<&Point> =
                        points.iter().filter(|p| band_of(p.score) == b).collect();
                    Band {
                        low: round2(low + width * b as f64),
                        high: round2(low + width * (b + 1) as f64),
                        contacts: members.len(),
                        reached: later
                            .iter()
                            .enumerate()
                            .map(|(k, &s)| {
                                let n = members.iter().filter(|p| p.reached as usize > k).count();
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
            let hits: Vec<(f64, bool)> = points.iter().map(|p| (p.score, p.reached > 0)).collect();
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
