//! Each touch's share of an outcome's credit under each model.

use crate::data::time::Instant;
use crate::ir::TouchpointId;

/// One touch of an account's buying group.
#[derive(Debug, Clone, Copy)]
pub(super) struct AccountTouch {
    pub at: Instant,
    pub event: usize,
    pub touchpoint: TouchpointId,
}

/// Each touch's share of the credit under one model; the shares add up
/// to 1. `lead` and `opp` are the touches at the lead and opportunity
/// milestones (the last touch at or before the contact's first entry into
/// the second and the second-to-last success-path stage).
pub(super) fn weights(
    model: &str,
    touches: &[AccountTouch],
    lead: Option<usize>,
    opp: Option<usize>,
    at: Instant,
) -> Vec<f64> {
    let n = touches.len();
    let mut w = vec![0.0; n];
    if n == 0 {
        return w;
    }
    let last = n - 1;
    match model {
        "first_touch" => w.iter_mut().take(1).for_each(|x| *x = 1.0),
        "last_touch" => w.iter_mut().skip(last).for_each(|x| *x = 1.0),
        "linear" => w.iter_mut().for_each(|x| *x = 1.0 / n as f64),
        "u_shaped" => position_based(&mut w, &[(0, 0.4), (lead.unwrap_or(last), 0.4)], 0.2),
        "w_shaped" => position_based(
            &mut w,
            &[
                (0, 0.3),
                (lead.unwrap_or(last), 0.3),
                (opp.unwrap_or(last), 0.3),
            ],
            0.1,
        ),
        _ => {
            // Time decay: a touch a week before the outcome counts half as
            // much as one at the outcome.
            let half_life = 7.0 * 86_400_000.0;
            for (x, t) in w.iter_mut().zip(touches) {
                *x = 0.5f64.powf((at - t.at) as f64 / half_life);
            }
            let sum: f64 = w.iter().sum();
            w.iter_mut().for_each(|x| *x /= sum);
        }
    }
    w
}

/// Milestone touches get their weights (a touch that is two milestones
/// gets both); the rest share `rest` equally; with no other touches the
/// milestones share everything in proportion.
fn position_based(w: &mut [f64], milestones: &[(usize, f64)], rest: f64) {
    for (i, x) in milestones {
        if let Some(slot) = w.get_mut(*i) {
            *slot += x;
        }
    }
    let marked: Vec<bool> = (0..w.len())
        .map(|i| milestones.iter().any(|(m, _)| *m == i))
        .collect();
    let others = marked.iter().filter(|m| !**m).count();
    if others > 0 {
        for (x, m) in w.iter_mut().zip(&marked) {
            if !m {
                *x = rest / others as f64;
            }
        }
    } else {
        let sum: f64 = w.iter().sum();
        w.iter_mut().for_each(|x| *x /= sum);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::attribution::MODELS;

    fn touches(n: usize) -> Vec<AccountTouch> {
        let Some(touchpoint) = TouchpointId::from_index(0) else {
            return Vec::new();
        };
        (0..n)
            .map(|i| AccountTouch {
                at: i as i64 * 7 * 86_400_000,
                event: i,
                touchpoint,
            })
            .collect()
    }

    #[test]
    fn u_and_w_shapes_on_five_touches() {
        // Lead at touch 2, opportunity at touch 3.
        let t = touches(5);
        let u = weights("u_shaped", &t, Some(2), Some(3), 0);
        assert_eq!(u, vec![0.4, 0.2 / 3.0, 0.4, 0.2 / 3.0, 0.2 / 3.0]);
        let w = weights("w_shaped", &t, Some(2), Some(3), 0);
        assert_eq!(w, vec![0.3, 0.05, 0.3, 0.3, 0.05]);
    }

    #[test]
    fn one_touch_gets_everything_under_every_model() {
        let t = touches(1);
        for m in MODELS {
            assert_eq!(weights(m, &t, Some(0), Some(0), 0), vec![1.0], "{m}");
        }
    }

    #[test]
    fn time_decay_halves_a_week_back() {
        // Touches at day 0 and day 7, outcome at day 7: weights 1/2 : 1.
        let t = touches(2);
        let w = weights("time_decay", &t, None, None, 7 * 86_400_000);
        assert!((w[0] - 1.0 / 3.0).abs() < 1e-12 && (w[1] - 2.0 / 3.0).abs() < 1e-12);
    }
}
