//! The few statistics the reports use, defined once so that `median` in a
//! metric and the median in the velocity table are the same number.

/// The middle value; the mean of the two middle values for an even count.
/// `None` for no values.
pub fn median(values: &[f64]) -> Option<f64> {
    let v = sorted(values);
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => v.get(n / 2).copied(),
        _ => Some((v.get(n / 2 - 1)? + v.get(n / 2)?) / 2.0),
    }
}

/// The 90th percentile by nearest rank: the smallest value with at least
/// 90% of the values at or below it (of 10 values, the 9th).
pub fn p90(values: &[f64]) -> Option<f64> {
    let v = sorted(values);
    if v.is_empty() {
        return None;
    }
    let rank = ((0.9 * v.len() as f64).ceil() as usize).max(1);
    v.get(rank - 1).copied()
}

/// The mean, summed smallest first so that it is the same number in
/// whatever order the values come (a report counted a batch of accounts
/// at a time, or shards merged, meets them in another order than one
/// replay of the whole data, and float sums depend on the order).
pub fn mean(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    Some(sum(values) / values.len() as f64)
}

/// The sum, smallest first, for the same reason as [`mean`]; 0 of
/// nothing (`+ 0.0`: an empty float sum is -0.0, which would print as
/// "-0").
pub fn sum(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    v.iter().sum::<f64>() + 0.0
}

/// `part / whole`, `None` when `whole` is 0.
pub fn rate(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// The area under the ROC curve of `score` predicting `hit`: the chance
/// that a random hit scores higher than a random miss (ties count half).
/// `None` unless there is at least one of each.
pub fn auc(points: &[(f64, bool)]) -> Option<f64> {
    let hits: Vec<f64> = points.iter().filter(|p| p.1).map(|p| p.0).collect();
    let misses: Vec<f64> = points.iter().filter(|p| !p.1).map(|p| p.0).collect();
    if hits.is_empty() || misses.is_empty() {
        return None;
    }
    // Rank-sum (Mann–Whitney U) with average ranks for ties: O(n log n).
    let mut all: Vec<(f64, bool)> = points.to_vec();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut rank_sum_hits = 0.0;
    let mut i = 0;
    while i < all.len() {
        let mut j = i;
        while j + 1 < all.len() && all.get(j + 1).map(|x| x.0) == all.get(i).map(|x| x.0) {
            j += 1;
        }
        // Ranks i+1 ..= j+1 share their average.
        let avg = (i + j + 2) as f64 / 2.0;
        rank_sum_hits += avg
            * all
                .get(i..=j)
                .unwrap_or_default()
                .iter()
                .filter(|p| p.1)
                .count() as f64;
        i = j + 1;
    }
    let h = hits.len() as f64;
    let m = misses.len() as f64;
    Some((rank_sum_hits - h * (h + 1.0) / 2.0) / (h * m))
}

/// To two decimals, for figures people read, as journeys round scores.
pub fn round2(x: f64) -> f64 {
    crate::report::journey::Rounded::of(x).value()
}

/// Money to the cent, always with two decimals: `30000.00`.
pub fn cents(d: rust_decimal::Decimal) -> String {
    let mut r = d.round_dp(2);
    r.rescale(2);
    r.to_string()
}

fn sorted(values: &[f64]) -> Vec<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    v
}

/// A figure for JSON, to four decimals; whole numbers without a fraction
/// (`3`, not `3.0`), so counts read as counts.
pub fn json4(x: f64) -> serde_json::Value {
    let r = (x * 10_000.0).round() / 10_000.0;
    if r.fract() == 0.0 && r.abs() < 1e15 {
        serde_json::Value::from(r as i64)
    } else {
        serde_json::Number::from_f64(r).map_or(serde_json::Value::Null, serde_json::Value::Number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[5.0, 1.0, 3.0]), Some(3.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn p90_is_the_nearest_rank() {
        let ten: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(p90(&ten), Some(9.0));
        assert_eq!(p90(&[7.0]), Some(7.0));
        // 0.9 × 11 = 9.9 → the 10th value.
        let eleven: Vec<f64> = (1..=11).map(f64::from).collect();
        assert_eq!(p90(&eleven), Some(10.0));
    }

    #[test]
    fn auc_of_perfect_random_and_inverted_scores() {
        assert_eq!(
            auc(&[(1.0, false), (2.0, false), (3.0, true), (4.0, true)]),
            Some(1.0)
        );
        assert_eq!(
            auc(&[(1.0, true), (2.0, true), (3.0, false), (4.0, false)]),
            Some(0.0)
        );
        assert_eq!(auc(&[(1.0, true), (1.0, false)]), Some(0.5));
        // Hits 3 and 1 against misses 2 and 0: pairs won 3>2, 3>0, 1>0 of 4.
        assert_eq!(
            auc(&[(3.0, true), (1.0, true), (2.0, false), (0.0, false)]),
            Some(0.75)
        );
        assert_eq!(auc(&[(1.0, true)]), None);
    }
}
