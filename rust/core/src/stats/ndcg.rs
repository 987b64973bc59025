//! Normalised discounted cumulative gain of a feature-attribution ranking, SageMaker Clarify's
//! attribution-drift score: the gains are the baseline attributions, the live attributions give
//! only the order. `DCG = sum_i a(f'_i) / log2(i + 1)` over the features sorted by live
//! attribution, `iDCG` the same over the baseline order, `NDCG = DCG / iDCG`.
use crate::error::{check_same_len, Result, StatsError};

/// Discount of 1-based position `i`: `1 / log2(i + 1)`.
fn discount(pos0: usize) -> f64 {
    1.0 / ((pos0 + 2) as f64).log2()
}

fn check_finite(arg: &'static str, x: &[f64]) -> Result<()> {
    if let Some(i) = x.iter().position(|v| !v.is_finite()) {
        return Err(StatsError::InvalidArgument(format!("`{arg}` must be finite, got {} at index {i}", x[i])));
    }
    Ok(())
}

/// DCG of `gains` in the order of decreasing `scores`. With `ignore_ties = false`, features with
/// tied scores share the mean gain of their group (McSherry & Najork 2008), as
/// `sklearn.metrics.dcg_score` does. With `ignore_ties = true`, tied features are taken in
/// decreasing index order: scikit-learn's `np.argsort(scores)[::-1]` when numpy's sort keeps
/// ties in index order (numpy's default sort is not stable, so with ties scikit-learn's own
/// result can depend on the array's length and the CPU).
fn dcg(gains: &[f64], scores: &[f64], ignore_ties: bool) -> f64 {
    let mut order: Vec<usize> = (0..gains.len()).collect();
    // scores are finite (checked); partial_cmp makes -0.0 and 0.0 a tie, as numpy compares them
    order.sort_by(|&a, &b| scores[b].partial_cmp(&scores[a]).unwrap_or(std::cmp::Ordering::Equal).then(b.cmp(&a)));
    if ignore_ties {
        return order.iter().enumerate().map(|(pos, &f)| gains[f] * discount(pos)).sum();
    }
    let mut total = 0.0;
    let mut pos = 0;
    while pos < order.len() {
        let mut end = pos + 1;
        while end < order.len() && scores[order[end]] == scores[order[pos]] {
            end += 1;
        }
        let mean_gain = order[pos..end].iter().map(|&f| gains[f]).sum::<f64>() / (end - pos) as f64;
        total += mean_gain * (pos..end).map(discount).sum::<f64>();
        pos = end;
    }
    total
}

/// Clarify's NDCG of `current` attributions against `baseline` ones; equals
/// `sklearn.metrics.ndcg_score([baseline], [current], ignore_ties=ignore_ties)`; negative
/// baseline attributions are an error, as in sklearn. Returns 0 when the ideal DCG is 0
/// (sklearn's convention).
pub fn ndcg(baseline: &[f64], current: &[f64], ignore_ties: bool) -> Result<f64> {
    // messages name the arguments of driftline.stats.ndcg
    check_same_len("baseline_attributions", baseline.len(), "current_attributions", current.len())?;
    if baseline.is_empty() {
        return Err(StatsError::Empty { arg: "baseline_attributions" });
    }
    check_finite("baseline_attributions", baseline)?;
    check_finite("current_attributions", current)?;
    if let Some(i) = baseline.iter().position(|&v| v < 0.0) {
        return Err(StatsError::InvalidArgument(format!(
            "`baseline_attributions` are NDCG gains and must be non-negative, got {} at index {i} \
             (sklearn.metrics.ndcg_score raises too; pass absolute attributions)",
            baseline[i]
        )));
    }
    // NDCG does not change when every gain is scaled: gains near f64::MAX would overflow the
    // sums, subnormal ones lose their ratios. Scaling by a power of two is exact.
    let max = baseline.iter().fold(0.0f64, |m, &g| m.max(g));
    if max == 0.0 {
        return Ok(0.0);
    }
    let inv = 1.0 / crate::pow2_at_most(max);
    let gains: Vec<f64> = baseline.iter().map(|g| g * inv).collect();
    let ideal = dcg(&gains, &gains, true);
    Ok(dcg(&gains, current, ignore_ties) / ideal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clarify_worked_example() {
        // baseline SAT 0.70, GPA 0.50, rank 0.05; live order [rank, GPA, SAT]: NDCG = 0.6876
        let v = ndcg(&[0.70, 0.50, 0.05], &[0.1, 0.5, 0.9], false).unwrap();
        let dcg = 0.05 + 0.5 / 3f64.log2() + 0.7 / 2.0;
        let idcg = 0.7 + 0.5 / 3f64.log2() + 0.05 / 2.0;
        assert!((v - dcg / idcg).abs() < 1e-15);
        assert!((v - 0.6876).abs() < 1e-4);
        assert_eq!(ndcg(&[0.7, 0.5], &[0.7, 0.5], false).unwrap(), 1.0);
    }

    #[test]
    fn ties_share_gain() {
        // all scores tied: every position gets the mean gain
        let v = ndcg(&[1.0, 0.0], &[0.3, 0.3], false).unwrap();
        assert!((v - 0.5 * (1.0 + 1.0 / 3f64.log2()) / 1.0).abs() < 1e-15);
        assert!(ndcg(&[1.0], &[f64::NAN], false).is_err());
        assert!(ndcg(&[], &[], false).is_err());
    }

    #[test]
    fn extreme_gains_are_scaled() {
        let m = f64::MAX;
        let v = ndcg(&[m, m, 1.0], &[1.0, 2.0, 3.0], false).unwrap();
        let want = (1.0 / 3f64.log2() + 1.0 / 2.0) / (1.0 + 1.0 / 3f64.log2());
        assert!((v - want).abs() < 1e-15, "{v}");
        assert_eq!(ndcg(&[5e-324, 0.0, 0.0], &[1.0, 2.0, 3.0], false).unwrap(), 0.5);
    }

    #[test]
    fn ignore_ties_takes_tied_features_last_index_first() {
        // an uninformative live ranking (all tied) must not look perfect
        let v = ndcg(&[3.0, 2.0, 1.0], &[0.0, 0.0, 0.0], true).unwrap();
        let want = (1.0 + 2.0 / 3f64.log2() + 3.0 / 2.0) / (3.0 + 2.0 / 3f64.log2() + 1.0 / 2.0);
        assert!((v - want).abs() < 1e-15);
        assert!(matches!(ndcg(&[1.0, -0.5], &[1.0, 2.0], false), Err(StatsError::InvalidArgument(_))));
        // -0.0 ties with 0.0
        assert_eq!(ndcg(&[0.0, 1.0], &[0.0, -0.0], true).unwrap(), 1.0);
    }
}
