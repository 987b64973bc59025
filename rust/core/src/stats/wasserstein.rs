//! Distances between two samples through their empirical CDFs U and V (with optional weights):
//! `W1 = integral |U - V|` (Wasserstein-1, `scipy.stats.wasserstein_distance`) and
//! `E = sqrt(2 * integral (U - V)^2)` (energy distance, `scipy.stats.energy_distance`).
//! The integral runs over the merged sorted values as in scipy's `_cdf_distance`:
//! `sum_k |U(a_k) - V(a_k)|^p * (a_{k+1} - a_k)`, where the CDFs count values `<= a_k`.
use crate::error::{check_counts, check_same_len, Result, StatsError};

/// One sample, sorted, with cumulative weights (`None` = unweighted).
struct Sample {
    values: Vec<f64>,
    cum: Option<Vec<f64>>,
}

impl Sample {
    fn new(arg: &'static str, values: &[f64], weights: Option<&[f64]>) -> Result<Sample> {
        match weights {
            None => {
                let (v, _) = crate::sort::sorted_without_nan(values);
                if v.is_empty() {
                    return Err(StatsError::Empty { arg });
                }
                Ok(Sample { values: v, cum: None })
            }
            Some(w) => {
                check_same_len(arg, values.len(), "weights", w.len())?;
                check_counts(if arg == "u_values" { "u_weights" } else { "v_weights" }, w)?;
                let mut pairs: Vec<(f64, f64)> =
                    values.iter().copied().zip(w.iter().copied()).filter(|(x, _)| !x.is_nan()).collect();
                if pairs.is_empty() {
                    return Err(StatsError::Empty { arg });
                }
                // -0.0 + 0.0 == 0.0: the two zeros sort as one value, as in the unweighted path
                pairs.iter_mut().for_each(|p| p.0 += 0.0);
                pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
                let mut acc = 0.0;
                let cum: Vec<f64> = pairs
                    .iter()
                    .map(|p| {
                        acc += p.1;
                        acc
                    })
                    .collect();
                if !(acc > 0.0 && acc.is_finite()) {
                    return Err(StatsError::InvalidArgument(format!(
                        "weights of `{arg}` must sum to a positive, finite number, got {acc}"
                    )));
                }
                Ok(Sample { values: pairs.into_iter().map(|p| p.0).collect(), cum: Some(cum) })
            }
        }
    }

    /// CDF value when the first `i` sorted values are `<=` the current point.
    #[inline]
    fn cdf(&self, i: usize) -> f64 {
        match &self.cum {
            None => i as f64 / self.values.len() as f64,
            Some(c) => {
                if i == 0 {
                    0.0
                } else {
                    c[i - 1] / c[c.len() - 1]
                }
            }
        }
    }
}

/// Compensated (Neumaier) sum; an inf or NaN term ends the compensation (it would turn inf
/// into NaN).
#[derive(Default)]
struct Sum {
    sum: f64,
    comp: f64,
}

impl Sum {
    fn add(&mut self, t: f64) {
        let s = self.sum + t;
        if !s.is_finite() {
            self.sum = s;
            return;
        }
        self.comp += if self.sum.abs() >= t.abs() { (self.sum - s) + t } else { (t - s) + self.sum };
        self.sum = s;
    }

    fn value(&self) -> f64 {
        self.sum + self.comp
    }
}

/// Terms at least this large are summed in units of [`BIG_UNIT`], so that neither one step
/// (`f64::MAX - -f64::MAX`) nor the sum of many overflows where the result does not.
const BIG_TERM: f64 = 8.452712498170644e270; // 2^900
const BIG_UNIT: f64 = 1.0715086071862673e301; // 2^1000

/// `sum_k |U - V|^p * delta_k` over the merged values, walked run by run of equal values.
/// Ordinary terms (below 2^900) go to one compensated sum, exactly as without the big one, so
/// ordinary inputs give the same bits as scipy's order of operations allows.
fn cdf_distance(p: u32, u: &Sample, v: &Sample) -> f64 {
    let (a, b) = (&u.values, &v.values);
    let (mut i, mut j) = (0usize, 0usize);
    let (mut small, mut big) = (Sum::default(), Sum::default());
    // the smallest value not yet walked past in either sample
    let head = |i: usize, j: usize| match (a.get(i), b.get(j)) {
        (Some(&p), Some(&q)) => Some(p.min(q)),
        (p, q) => p.or(q).copied(),
    };
    while let Some(x) = head(i, j) {
        let (i0, j0) = (i, j);
        while i < a.len() && a[i] <= x {
            i += 1;
        }
        while j < b.len() && b[j] <= x {
            j += 1;
        }
        let d = (u.cdf(i) - v.cdf(j)).abs();
        let w = if p == 1 { d } else { d * d };
        // Inside a run of r equal values there are r - 1 zero-width steps: zero for finite
        // values, but inf - inf = NaN for a repeated infinity, exactly as in scipy.
        let run = (i - i0) + (j - j0);
        if run > 1 && x.is_infinite() {
            small.add(f64::NAN);
        }
        if let Some(n) = head(i, j) {
            let step = n - x;
            if step.is_finite() {
                let t = w * step;
                if t < BIG_TERM { small.add(t) } else { big.add(t / BIG_UNIT) }
            } else {
                // an overflowing step (or an infinite value): its halves do not overflow
                big.add(w * (n / 2.0 - x / 2.0) * (2.0 / BIG_UNIT));
            }
        }
    }
    let (small, big) = (small.value(), big.value());
    match (p, big == 0.0) {
        (1, true) => small,
        (1, false) => big * BIG_UNIT + small,
        (_, true) => small.sqrt(),
        // sqrt(big * 2^1000 + small) = 2^500 sqrt(big + small / 2^1000)
        (_, false) => (big + small / BIG_UNIT).sqrt() * BIG_UNIT.sqrt(),
    }
}

/// `integral |U - V|^p` (p = 1) or its `1/p` power (p = 2) between two weighted samples.
fn distance(p: u32, u_values: &[f64], v_values: &[f64], u_weights: Option<&[f64]>, v_weights: Option<&[f64]>) -> Result<f64> {
    let u = Sample::new("u_values", u_values, u_weights)?;
    let v = Sample::new("v_values", v_values, v_weights)?;
    Ok(cdf_distance(p, &u, &v))
}

/// First Wasserstein distance between two 1-D samples; matches `scipy.stats.wasserstein_distance`.
/// NaN values (and their weights) are left out.
pub fn wasserstein_distance(
    u_values: &[f64],
    v_values: &[f64],
    u_weights: Option<&[f64]>,
    v_weights: Option<&[f64]>,
) -> Result<f64> {
    distance(1, u_values, v_values, u_weights, v_weights)
}

/// [`wasserstein_distance`] of two unweighted samples already sorted ascending, without NaN and
/// with `-0.0` written as `0.0` (as [`crate::sort::sorted_without_nan`] gives them), e.g. samples
/// sorted once for several statistics. Unsorted input gives a wrong distance, not an error.
pub fn wasserstein_distance_sorted(u_sorted: Vec<f64>, v_sorted: Vec<f64>) -> Result<f64> {
    if u_sorted.is_empty() {
        return Err(StatsError::Empty { arg: "u_values" });
    }
    if v_sorted.is_empty() {
        return Err(StatsError::Empty { arg: "v_values" });
    }
    Ok(cdf_distance(1, &Sample { values: u_sorted, cum: None }, &Sample { values: v_sorted, cum: None }))
}

/// Energy distance `sqrt(2) * (integral (U - V)^2)^(1/2)`; matches `scipy.stats.energy_distance`.
pub fn energy_distance(
    u_values: &[f64],
    v_values: &[f64],
    u_weights: Option<&[f64]>,
    v_weights: Option<&[f64]>,
) -> Result<f64> {
    Ok(std::f64::consts::SQRT_2 * distance(2, u_values, v_values, u_weights, v_weights)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // scipy.stats.wasserstein_distance([0, 1, 3], [5, 6, 8]) == 5.0
        assert!((wasserstein_distance(&[0.0, 1.0, 3.0], &[5.0, 6.0, 8.0], None, None).unwrap() - 5.0).abs() < 1e-12);
        // equal sizes: W1 is the mean absolute difference of the sorted samples
        let w = wasserstein_distance(&[3.0, 1.0], &[2.0, 6.0], None, None).unwrap();
        assert!((w - 2.0).abs() < 1e-12);
        // energy distance of two point masses at distance d is sqrt(2 d)
        let e = energy_distance(&[0.0], &[2.0], None, None).unwrap();
        assert!((e - 2.0).abs() < 1e-12);
        // weights equal to repetition
        let a = wasserstein_distance(&[0.0, 1.0], &[0.5], Some(&[3.0, 1.0]), None).unwrap();
        let b = wasserstein_distance(&[0.0, 0.0, 0.0, 1.0], &[0.5], None, None).unwrap();
        assert!((a - b).abs() < 1e-12);
    }

    #[test]
    fn errors() {
        assert!(matches!(wasserstein_distance(&[], &[1.0], None, None), Err(StatsError::Empty { .. })));
        assert!(matches!(wasserstein_distance(&[f64::NAN], &[1.0], None, None), Err(StatsError::Empty { .. })));
        assert!(wasserstein_distance(&[1.0], &[1.0], Some(&[-1.0]), None).is_err());
        assert!(wasserstein_distance(&[1.0], &[1.0], Some(&[0.0]), None).is_err());
        assert!(wasserstein_distance(&[1.0, 2.0], &[1.0], Some(&[1.0]), None).is_err());
    }

    #[test]
    fn extreme_values_do_not_overflow_the_steps() {
        let m = f64::MAX;
        assert_eq!(wasserstein_distance(&[m], &[m, -m], None, None).unwrap(), m);
        let e = energy_distance(&[m], &[-m], None, None).unwrap();
        let want = 2.0 * m.sqrt(); // sqrt(2 * 2M)
        assert!((e - want).abs() <= 1e-15 * want, "{e}");
        assert_eq!(wasserstein_distance(&[m], &[-m], None, None).unwrap(), f64::INFINITY);
        assert_eq!(wasserstein_distance(&[5e-324], &[1.5e-323], None, None).unwrap(), 1e-323);
    }
}
