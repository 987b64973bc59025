//! Weighted isotonic (monotone increasing) regression by pool-adjacent-violators, and the
//! piecewise-linear function it defines.
//!
//! [`IsotonicRegression::fit`] and [`IsotonicRegression::predict`] follow scikit-learn 1.9's
//! `IsotonicRegression(increasing=True, out_of_bounds="clip", y_min=.., y_max=..)` operation by
//! operation, so that predictions agree with it to the last bits:
//!
//! 1. samples with zero weight are left out; the rest are sorted by `x`, then `y` (stable);
//! 2. runs of `x` closer than `1e-15` (absolute, numpy's `finfo(float64).resolution`) to the first
//!    `x` of the run become one point: that first `x`, the weighted mean of `y`, the summed weight;
//! 3. PAVA over those points: Busing (2022), "Monotone Regression: A Simple and Fast O(n) PAVA
//!    Implementation", J. Stat. Softw. 102(1), Algorithm 1 with `>=` in the two violation tests
//!    (equal neighbours pool), as `scipy.optimize.isotonic_regression`;
//! 4. the fitted values are clipped to `[y_min, y_max]`;
//! 5. interior points whose value equals both neighbours' are dropped (they change no prediction).
//!
//! Prediction clips `x` to the fitted range and interpolates linearly as `numpy.interp`.

use rayon::prelude::*;

use crate::error::{check_counts, check_same_len, Result, StatsError};
use crate::PARALLEL_MIN_LEN;

/// numpy's `finfo(float64).resolution`: scikit-learn merges `x` values closer than this.
const X_RESOLUTION: f64 = 1e-15;

/// A fitted isotonic regression: the points `(x, y)` with `x` strictly increasing and `y`
/// non-decreasing, between which predictions interpolate linearly.
#[derive(Debug, Clone, PartialEq)]
pub struct IsotonicRegression {
    x: Vec<f64>,
    y: Vec<f64>,
}

fn check_finite(arg: &'static str, values: &[f64]) -> Result<()> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(i) => Err(StatsError::InvalidArgument(format!("`{arg}` must be finite, got {} at index {i}", values[i]))),
        None => Ok(()),
    }
}

fn check_bound(arg: &'static str, bound: Option<f64>) -> Result<()> {
    match bound {
        Some(b) if b.is_nan() => Err(StatsError::InvalidArgument(format!("`{arg}` must not be NaN"))),
        _ => Ok(()),
    }
}

/// Pool-adjacent-violators in place: on return `y` holds the increasing least-squares fit of
/// `y` with weights `w` (all positive). `w` is used as scratch. Busing (2022), Algorithm 1.
pub fn pava(y: &mut [f64], w: &mut [f64]) {
    let n = y.len();
    if n < 2 {
        return;
    }
    // Block k covers y[start[k]..start[k + 1]]; its value and weight are kept in y[k] and w[k].
    let mut start = vec![0usize; n + 1];
    start[1] = 1;
    let mut b = 0usize;
    let (mut prev_value, mut prev_weight) = (y[0], w[0]);
    let mut i = 1;
    while i < n {
        b += 1;
        let (mut value, mut weight) = (y[i], w[i]);
        if prev_value >= value {
            // The new point violates the last block: pool them, then absorb any following points
            // below the pooled value, then merge back any earlier blocks at or above it.
            b -= 1;
            let mut sum = prev_weight * prev_value + weight * value;
            weight += prev_weight;
            value = sum / weight;
            while i + 1 < n && value >= y[i + 1] {
                i += 1;
                sum += w[i] * y[i];
                weight += w[i];
                value = sum / weight;
            }
            while b > 0 && y[b - 1] >= value {
                b -= 1;
                sum += w[b] * y[b];
                weight += w[b];
                value = sum / weight;
            }
        }
        y[b] = value;
        w[b] = weight;
        (prev_value, prev_weight) = (value, weight);
        start[b + 1] = i + 1;
        i += 1;
    }
    // Expand the blocks from the last one down (block values live at the low indices).
    let mut end = n;
    for k in (0..=b).rev() {
        let value = y[k];
        y[start[k]..end].fill(value);
        end = start[k];
    }
}

impl IsotonicRegression {
    /// Fit `y` as a non-decreasing function of `x` with optional non-negative `weights`, the
    /// fitted values clipped to `[y_min, y_max]` where given. Errors on empty input (or every
    /// weight zero), different lengths, non-finite `x` or `y`, negative or non-finite weights,
    /// NaN bounds or `y_min > y_max`.
    pub fn fit(x: &[f64], y: &[f64], weights: Option<&[f64]>, y_min: Option<f64>, y_max: Option<f64>) -> Result<Self> {
        check_same_len("x", x.len(), "y", y.len())?;
        if let Some(w) = weights {
            check_same_len("x", x.len(), "sample_weight", w.len())?;
            check_counts("sample_weight", w)?;
        }
        check_finite("x", x)?;
        check_finite("y", y)?;
        check_bound("y_min", y_min)?;
        check_bound("y_max", y_max)?;
        if let (Some(lo), Some(hi)) = (y_min, y_max) {
            if lo > hi {
                return Err(StatsError::InvalidArgument(format!("`y_min` ({lo}) must not exceed `y_max` ({hi})")));
            }
        }
        let weight = |i: usize| weights.map_or(1.0, |w| w[i]);
        let mut order: Vec<usize> = (0..x.len()).filter(|&i| weight(i) > 0.0).collect();
        if order.is_empty() {
            return Err(StatsError::Empty { arg: if x.is_empty() { "x" } else { "sample_weight" } });
        }
        // Stable, like numpy's lexsort((y, x)); the values are finite so partial_cmp never fails.
        order.sort_by(|&a, &b| {
            x[a].partial_cmp(&x[b])
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(y[a].partial_cmp(&y[b]).unwrap_or(std::cmp::Ordering::Equal))
        });

        // Merge near-equal x in sorted order, summing as scikit-learn's `_make_unique` does.
        let (mut ux, mut uy, mut uw) = (Vec::new(), Vec::new(), Vec::new());
        let first = order[0];
        let (mut cur_x, mut cur_wy, mut cur_w) = (x[first], 0.0, 0.0);
        for &i in &order {
            let wi = weight(i);
            if x[i] - cur_x >= X_RESOLUTION {
                ux.push(cur_x);
                uy.push(cur_wy / cur_w);
                uw.push(cur_w);
                (cur_x, cur_wy, cur_w) = (x[i], y[i] * wi, wi);
            } else {
                cur_w += wi;
                cur_wy += y[i] * wi;
            }
        }
        ux.push(cur_x);
        uy.push(cur_wy / cur_w);
        uw.push(cur_w);

        pava(&mut uy, &mut uw);
        let (lo, hi) = (y_min.unwrap_or(f64::NEG_INFINITY), y_max.unwrap_or(f64::INFINITY));
        for v in uy.iter_mut() {
            // np.clip: max(min(v, hi), lo)
            *v = v.min(hi).max(lo);
        }

        let n = uy.len();
        let keep = |k: usize| k == 0 || k + 1 == n || uy[k] != uy[k - 1] || uy[k] != uy[k + 1];
        let (fx, fy) = (0..n).filter(|&k| keep(k)).map(|k| (ux[k], uy[k])).unzip();
        Ok(IsotonicRegression { x: fx, y: fy })
    }

    /// A fitted function from its points (as stored by [`IsotonicRegression::points`]): `x`
    /// finite and strictly increasing, `y` finite and non-decreasing, at least one point.
    pub fn from_points(x: Vec<f64>, y: Vec<f64>) -> Result<Self> {
        check_same_len("x", x.len(), "y", y.len())?;
        if x.is_empty() {
            return Err(StatsError::Empty { arg: "x" });
        }
        check_finite("x", &x)?;
        check_finite("y", &y)?;
        if let Some(i) = x.windows(2).position(|p| p[0] >= p[1]) {
            return Err(StatsError::InvalidArgument(format!(
                "`x` must be strictly increasing, got {} then {} at index {}",
                x[i],
                x[i + 1],
                i + 1
            )));
        }
        if let Some(i) = y.windows(2).position(|p| p[0] > p[1]) {
            return Err(StatsError::InvalidArgument(format!(
                "`y` must be non-decreasing, got {} then {} at index {}",
                y[i],
                y[i + 1],
                i + 1
            )));
        }
        Ok(IsotonicRegression { x, y })
    }

    /// The fitted points `(x, y)` (scikit-learn's `X_thresholds_`, `y_thresholds_`).
    pub fn points(&self) -> (&[f64], &[f64]) {
        (&self.x, &self.y)
    }

    fn predict_one(&self, t: f64) -> f64 {
        let (x, y) = (&self.x, &self.y);
        let last = x.len() - 1;
        let t = t.clamp(x[0], x[last]); // out_of_bounds="clip"
                                        // j: the last point with x[j] <= t (exists since t >= x[0]).
        let j = x.partition_point(|&v| v <= t) - 1;
        if j == last || x[j] == t {
            return y[j];
        }
        let slope = (y[j + 1] - y[j]) / (x[j + 1] - x[j]);
        let v = slope * (t - x[j]) + y[j];
        if !v.is_nan() {
            return v;
        }
        // numpy.interp's fallbacks when the span overflows: from the right end, then flat.
        let v = slope * (t - x[j + 1]) + y[j + 1];
        if v.is_nan() && y[j] == y[j + 1] {
            y[j]
        } else {
            v
        }
    }

    /// Predictions at `t`: clipped to the fitted `x` range, then linear between the points (as
    /// `numpy.interp`). Errors on NaN in `t`; infinities clip to the ends.
    pub fn predict(&self, t: &[f64]) -> Result<Vec<f64>> {
        if let Some(i) = t.iter().position(|v| v.is_nan()) {
            return Err(StatsError::InvalidArgument(format!("`x` must not hold NaN, got one at index {i}")));
        }
        Ok(if t.len() >= PARALLEL_MIN_LEN {
            t.par_iter().map(|&v| self.predict_one(v)).collect()
        } else {
            t.iter().map(|&v| self.predict_one(v)).collect()
        })
    }
}

/// For each row of `ys` (`rows x x.len()`, row-major): fit that row against `x` with the shared
/// `weights` and bounds, and predict at `x` again; rows run in parallel. Equal, row by row, to
/// [`IsotonicRegression::fit`] then [`IsotonicRegression::predict`] (CBPE's calibration draws).
pub fn fit_predict_rows(
    x: &[f64],
    ys: &[f64],
    weights: Option<&[f64]>,
    y_min: Option<f64>,
    y_max: Option<f64>,
) -> Result<Vec<f64>> {
    let n = x.len();
    if n == 0 || ys.len() % n != 0 {
        return Err(StatsError::InvalidArgument(format!(
            "`y` must hold rows of x's length {n} (at least one value), got {} values",
            ys.len()
        )));
    }
    let rows: Vec<Vec<f64>> = ys
        .par_chunks_exact(n)
        .map(|y| IsotonicRegression::fit(x, y, weights, y_min, y_max)?.predict(x))
        .collect::<Result<_>>()?;
    Ok(rows.concat())
}

#[cfg(test)]
mod tests {

    #[test]
    fn rows_fit_and_predict_as_one_fit_each() {
        let x = [0.0, 1.0, 2.0, 3.0];
        let ys = [0.3, 0.1, 0.5, 0.4, 0.9, 0.2, 0.2, 0.1];
        let w = [1.0, 2.0, 1.0, 3.0];
        let got = fit_predict_rows(&x, &ys, Some(&w), Some(0.0), Some(1.0)).unwrap();
        for (r, y) in ys.chunks(4).enumerate() {
            let one = IsotonicRegression::fit(&x, y, Some(&w), Some(0.0), Some(1.0)).unwrap().predict(&x).unwrap();
            assert_eq!(&got[r * 4..r * 4 + 4], &one[..]);
        }
        assert!(fit_predict_rows(&x, &ys[..3], None, None, None).is_err());
    }
    use super::*;

    fn fit(x: &[f64], y: &[f64]) -> IsotonicRegression {
        IsotonicRegression::fit(x, y, None, None, None).unwrap()
    }

    #[test]
    fn pava_matches_the_textbook_example() {
        // sklearn.isotonic.isotonic_regression([5, 3, 1, 2, 8, 10, 7, 9, 6, 4])
        let mut y = vec![5.0, 3.0, 1.0, 2.0, 8.0, 10.0, 7.0, 9.0, 6.0, 4.0];
        let mut w = vec![1.0; 10];
        pava(&mut y, &mut w);
        let (a, b) = (11.0 / 4.0, 44.0 / 6.0);
        assert_eq!(y, vec![a, a, a, a, b, b, b, b, b, b]);
    }

    #[test]
    fn pava_pools_equal_neighbours_and_respects_weights() {
        let mut y = vec![2.0, 2.0, 1.0];
        let mut w = vec![1.0, 1.0, 2.0];
        pava(&mut y, &mut w);
        assert_eq!(y, vec![1.5, 1.5, 1.5]);
        let mut y = vec![1.0, 0.0];
        let mut w = vec![3.0, 1.0];
        pava(&mut y, &mut w);
        assert_eq!(y, vec![0.75, 0.75]);
    }

    #[test]
    fn increasing_input_is_returned_unchanged() {
        let f = fit(&[1.0, 2.0, 3.0], &[0.0, 0.5, 1.0]);
        assert_eq!(f.points(), (&[1.0, 2.0, 3.0][..], &[0.0, 0.5, 1.0][..]));
        assert_eq!(f.predict(&[1.5, 2.5, -4.0, 9.0]).unwrap(), vec![0.25, 0.75, 0.0, 1.0]);
    }

    #[test]
    fn ties_in_x_are_averaged_and_flat_interior_points_dropped() {
        // x=1: mean(0, 1) = 0.5; x=2: 0 -> pooled with x=1 to 1/3; x=3: 1
        let f = fit(&[2.0, 1.0, 1.0, 3.0], &[0.0, 1.0, 0.0, 1.0]);
        assert_eq!(f.points(), (&[1.0, 2.0, 3.0][..], &[1.0 / 3.0, 1.0 / 3.0, 1.0][..]));
        let f = fit(&[1.0, 2.0, 3.0, 4.0], &[1.0, 1.0, 1.0, 1.0]);
        assert_eq!(f.points(), (&[1.0, 4.0][..], &[1.0, 1.0][..]));
    }

    #[test]
    fn one_point_predicts_a_constant() {
        let f = fit(&[3.0, 3.0], &[0.0, 1.0]);
        assert_eq!(f.points(), (&[3.0][..], &[0.5][..]));
        assert_eq!(f.predict(&[f64::NEG_INFINITY, 3.0, 1e300]).unwrap(), vec![0.5; 3]);
    }

    #[test]
    fn weights_and_bounds() {
        let f =
            IsotonicRegression::fit(&[0.0, 1.0, 2.0], &[-1.0, 0.5, 2.0], Some(&[1.0, 0.0, 1.0]), Some(0.0), Some(1.0))
                .unwrap();
        // the zero-weight point is dropped; the others clip to the bounds
        assert_eq!(f.points(), (&[0.0, 2.0][..], &[0.0, 1.0][..]));
        assert_eq!(f.predict(&[1.0]).unwrap(), vec![0.5]);
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        let r = |x: &[f64], y: &[f64], w: Option<&[f64]>| IsotonicRegression::fit(x, y, w, None, None);
        assert!(matches!(r(&[], &[], None), Err(StatsError::Empty { arg: "x" })));
        assert!(matches!(r(&[1.0], &[1.0], Some(&[0.0])), Err(StatsError::Empty { arg: "sample_weight" })));
        assert!(matches!(r(&[1.0, 2.0], &[1.0], None), Err(StatsError::LengthMismatch { .. })));
        assert!(matches!(r(&[1.0], &[1.0], Some(&[1.0, 1.0])), Err(StatsError::LengthMismatch { .. })));
        assert!(matches!(r(&[1.0], &[1.0], Some(&[-1.0])), Err(StatsError::InvalidCount { index: 0, .. })));
        assert!(matches!(r(&[f64::NAN], &[1.0], None), Err(StatsError::InvalidArgument(_))));
        assert!(matches!(r(&[1.0], &[f64::INFINITY], None), Err(StatsError::InvalidArgument(_))));
        assert!(IsotonicRegression::fit(&[1.0], &[1.0], None, Some(1.0), Some(0.0)).is_err());
        assert!(IsotonicRegression::fit(&[1.0], &[1.0], None, Some(f64::NAN), None).is_err());
        assert!(fit(&[1.0], &[1.0]).predict(&[f64::NAN]).is_err());
        assert!(IsotonicRegression::from_points(vec![1.0, 1.0], vec![0.0, 1.0]).is_err());
        assert!(IsotonicRegression::from_points(vec![1.0, 2.0], vec![1.0, 0.0]).is_err());
        assert!(IsotonicRegression::from_points(vec![], vec![]).is_err());
    }

    #[test]
    fn from_points_round_trips() {
        let f = fit(&[0.1, 0.4, 0.35, 0.8], &[0.0, 1.0, 0.0, 1.0]);
        let (x, y) = f.points();
        let g = IsotonicRegression::from_points(x.to_vec(), y.to_vec()).unwrap();
        assert_eq!(f, g);
    }

    #[test]
    fn fit_is_monotone_and_minimises_squares_on_random_data() {
        // A deterministic LCG; the fitted values must be non-decreasing, and the weighted mean of
        // each block's y equals its value (the PAVA optimality condition), so the total is kept.
        let mut s = 12345u64;
        let mut next = || {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 53) as f64
        };
        let n = 5000;
        let y: Vec<f64> = (0..n).map(|_| next()).collect();
        let w: Vec<f64> = (0..n).map(|_| 0.5 + next()).collect();
        let mut fitted = y.clone();
        let mut scratch = w.clone();
        pava(&mut fitted, &mut scratch);
        assert!(fitted.windows(2).all(|p| p[0] <= p[1]));
        let total: f64 = y.iter().zip(&w).map(|(a, b)| a * b).sum();
        let kept: f64 = fitted.iter().zip(&w).map(|(a, b)| a * b).sum();
        assert!((total - kept).abs() < 1e-9 * total);
    }
}
