//! Mergeable moments of a numeric column.
//!
//! Each chunk is summarised by a two-pass mean and sum of squared deviations (`m2`); chunks and
//! partial profiles merge with Chan, Golub & LeVeque's pairwise formulas:
//! `n = na + nb`, `delta = mean_b - mean_a`, `mean = mean_a + delta * nb / n`,
//! `m2 = m2_a + m2_b + delta^2 * na * nb / n`. Chunks are merged in input order, so the result
//! does not depend on the number of threads.
//!
//! Extreme magnitudes: the sums are held in units of a power of two `s` derived from the largest
//! magnitude (`s = 1` while it lies in [2^-300, 2^300], which covers ordinary data and keeps
//! their state unscaled). `sum / s` and `m2 / s^2` cannot overflow or underflow where the true
//! mean and standard deviation are representable, so `[1e308, 1e308, -1e308]` has mean 3.3e307
//! and `[1e-308, 5e-324, 1.797e308]` has std 8.5e307 (unscaled, both lose everything to inf).
use rayon::prelude::*;

use crate::PARALLEL_MIN_LEN;

const CHUNK: usize = 1 << 14;

/// Moments over the finite values of a column, with counts of what was left out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moments {
    /// Finite values.
    pub count: u64,
    /// Nulls (missing in the source; the caller tells how many of the NaN were nulls).
    pub nulls: u64,
    /// NaN values that were not nulls.
    pub nan: u64,
    pub pos_inf: u64,
    pub neg_inf: u64,
    /// Sum of the finite values over [`Moments::scale`] (compensated summation).
    sum: f64,
    /// Neumaier compensation term of `sum`.
    sum_c: f64,
    /// Mean of the finite values (NaN when `count == 0`); always representable, so unscaled.
    pub mean: f64,
    /// Sum of squared deviations from the mean, over `scale()^2`.
    m2: f64,
    /// Smallest and largest finite value (NaN when `count == 0`).
    pub min: f64,
    pub max: f64,
}

impl Default for Moments {
    fn default() -> Self {
        Moments {
            count: 0,
            nulls: 0,
            nan: 0,
            pos_inf: 0,
            neg_inf: 0,
            sum: 0.0,
            sum_c: 0.0,
            mean: f64::NAN,
            m2: 0.0,
            min: f64::NAN,
            max: f64::NAN,
        }
    }
}

fn neumaier(sum: f64, c: f64, v: f64) -> (f64, f64) {
    let t = sum + v;
    let c = if sum.abs() >= v.abs() { c + ((sum - t) + v) } else { c + ((v - t) + sum) };
    (t, c)
}

/// The power of two the sums of values with extremes `lo`, `hi` are held in units of: 1 while
/// the largest magnitude is in [2^-300, 2^300] (there `n * max^2` neither overflows nor
/// underflows for any `n < 2^64`), else the power of two at or below it, at least 2^-1022
/// so that its reciprocal is finite too. Monotone in the largest magnitude, so a merged part
/// never has a smaller scale than its pieces.
fn scale_for(lo: f64, hi: f64) -> f64 {
    let a = lo.abs().max(hi.abs());
    if !a.is_finite() || a == 0.0 || (a >= 2f64.powi(-300) && a <= 2f64.powi(300)) {
        return 1.0;
    }
    crate::pow2_at_most(a)
}

impl Moments {
    /// Moments of a slice. `nulls` of the NaN values in `x` stand for nulls of the source column.
    pub fn of(x: &[f64], nulls: u64) -> Moments {
        let mut m = if x.len() < PARALLEL_MIN_LEN {
            x.chunks(CHUNK).map(Moments::of_chunk).fold(Moments::default(), |a, b| a.merge(&b))
        } else {
            let parts: Vec<Moments> = x.par_chunks(CHUNK).map(Moments::of_chunk).collect();
            parts.iter().fold(Moments::default(), |a, b| a.merge(b))
        };
        let nulls = nulls.min(m.nan);
        m.nan -= nulls;
        m.nulls += nulls;
        m
    }

    fn of_chunk(x: &[f64]) -> Moments {
        let mut m = Moments::default();
        let (mut sum, mut c) = (0.0, 0.0);
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for &v in x {
            if v.is_finite() {
                m.count += 1;
                (sum, c) = neumaier(sum, c, v);
                lo = lo.min(v);
                hi = hi.max(v);
            } else if v.is_nan() {
                m.nan += 1;
            } else if v > 0.0 {
                m.pos_inf += 1;
            } else {
                m.neg_inf += 1;
            }
        }
        if m.count == 0 {
            return m;
        }
        let scale = scale_for(lo, hi);
        let inv = 1.0 / scale; // exact: both are powers of two
        if scale != 1.0 {
            (sum, c) = x.iter().filter(|v| v.is_finite()).fold((0.0, 0.0), |(s, c), &v| neumaier(s, c, v * inv));
        }
        let mean = (sum + c) / m.count as f64;
        // Second pass over the (cache-resident) chunk for the deviations; the correction term
        // removes the rounding error of the mean (the "corrected two-pass" algorithm).
        let (mut ss, mut dev) = (0.0, 0.0);
        for &v in x {
            if v.is_finite() {
                let d = v * inv - mean;
                ss += d * d;
                dev += d;
            }
        }
        m.m2 = (ss - dev * dev / m.count as f64).max(0.0);
        m.mean = (mean * scale).clamp(lo, hi);
        m.sum = sum;
        m.sum_c = c;
        m.min = lo;
        m.max = hi;
        m
    }

    /// The power of two that `sum`, `sum_c` (and the square root of `m2`) are held in units of.
    pub fn scale(&self) -> f64 {
        scale_for(self.min, self.max)
    }

    /// Combine the moments of two disjoint parts (Chan et al.), in the units of the union.
    pub fn merge(&self, o: &Moments) -> Moments {
        let mut m = Moments {
            nulls: self.nulls + o.nulls,
            nan: self.nan + o.nan,
            pos_inf: self.pos_inf + o.pos_inf,
            neg_inf: self.neg_inf + o.neg_inf,
            ..Moments::default()
        };
        m.count = self.count + o.count;
        if self.count == 0 || o.count == 0 {
            let src = if self.count == 0 { o } else { self };
            m.sum = src.sum;
            m.sum_c = src.sum_c;
            m.mean = src.mean;
            m.m2 = src.m2;
            m.min = src.min;
            m.max = src.max;
            return m;
        }
        m.min = self.min.min(o.min);
        m.max = self.max.max(o.max);
        let scale = m.scale();
        let inv = 1.0 / scale;
        // each part's scale is at most the union's, so these ratios are powers of two <= 1
        let (ra, rb) = (self.scale() * inv, o.scale() * inv);
        let (na, nb, n) = (self.count as f64, o.count as f64, m.count as f64);
        let (mean_a, mean_b) = (self.mean * inv, o.mean * inv);
        let delta = mean_b - mean_a;
        m.mean = ((mean_a + delta * (nb / n)) * scale).clamp(m.min, m.max);
        m.m2 = self.m2 * ra * ra + o.m2 * rb * rb + delta * delta * (na * nb / n);
        let (s, c) = neumaier(self.sum * ra, self.sum_c * ra + o.sum_c * rb, o.sum * rb);
        m.sum = s;
        m.sum_c = c;
        m
    }

    /// Sum of the finite values (inf when the true sum overflows).
    pub fn total(&self) -> f64 {
        if self.count == 0 { 0.0 } else { (self.sum + self.sum_c) * self.scale() }
    }

    /// Sum of squared deviations from the mean (inf when the true value overflows).
    pub fn m2(&self) -> f64 {
        let s = self.scale();
        self.m2 * s * s
    }

    /// Population variance `m2 / n` (NaN for an empty column; inf when it overflows).
    pub fn var_pop(&self) -> f64 {
        let s = self.scale();
        if self.count == 0 { f64::NAN } else { self.m2 / self.count as f64 * s * s }
    }

    /// Sample variance `m2 / (n - 1)` (NaN for fewer than two values; inf when it overflows).
    pub fn var_sample(&self) -> f64 {
        let s = self.scale();
        if self.count < 2 { f64::NAN } else { self.m2 / (self.count - 1) as f64 * s * s }
    }

    /// Population standard deviation `sqrt(m2 / n)`, finite whenever the true value is.
    pub fn std_pop(&self) -> f64 {
        if self.count == 0 { f64::NAN } else { (self.m2 / self.count as f64).sqrt() * self.scale() }
    }

    /// Sample standard deviation `sqrt(m2 / (n - 1))` (NaN for fewer than two values).
    pub fn std_sample(&self) -> f64 {
        if self.count < 2 { f64::NAN } else { (self.m2 / (self.count - 1) as f64).sqrt() * self.scale() }
    }

    /// The raw state, for serialising a profile: the fields in declaration order (`sum`,
    /// `sum_c` and `m2` in units of [`Moments::scale`], which is 1 for ordinary data).
    pub fn to_state(&self) -> [f64; 11] {
        [
            self.count as f64, self.nulls as f64, self.nan as f64, self.pos_inf as f64,
            self.neg_inf as f64, self.sum, self.sum_c, self.mean, self.m2, self.min, self.max,
        ]
    }

    /// Rebuild from [`Moments::to_state`].
    pub fn from_state(s: &[f64; 11]) -> Moments {
        Moments {
            count: s[0] as u64,
            nulls: s[1] as u64,
            nan: s[2] as u64,
            pos_inf: s[3] as u64,
            neg_inf: s[4] as u64,
            sum: s[5],
            sum_c: s[6],
            mean: s[7],
            m2: s[8],
            min: s[9],
            max: s[10],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_equals_whole() {
        let x: Vec<f64> = (0..100_000).map(|i| 1e6 + ((i * 37) % 101) as f64 * 0.25).collect();
        let whole = Moments::of(&x, 0);
        let parts = Moments::of(&x[..33_333], 0).merge(&Moments::of(&x[33_333..], 0));
        assert_eq!(whole.count, parts.count);
        assert!((whole.mean - parts.mean).abs() <= 1e-12 * whole.mean.abs());
        assert!((whole.m2() - parts.m2()).abs() <= 1e-10 * whole.m2());
        assert_eq!((whole.min, whole.max), (parts.min, parts.max));
    }

    #[test]
    fn counts_special_values() {
        let m = Moments::of(&[1.0, f64::NAN, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 3.0], 1);
        assert_eq!((m.count, m.nulls, m.nan, m.pos_inf, m.neg_inf), (2, 1, 1, 1, 1));
        assert_eq!((m.mean, m.total(), m.var_pop(), m.var_sample()), (2.0, 4.0, 1.0, 2.0));
        let e = Moments::of(&[], 0);
        assert!(e.mean.is_nan() && e.var_pop().is_nan() && e.total() == 0.0);
    }

    #[test]
    fn extreme_magnitudes_are_scaled() {
        let m = Moments::of(&[1e-308, 5e-324, 1.797e308], 0);
        let want = 1.797e308 * (2f64).sqrt() / 3.0; // population std of {0, 0, M}: M sqrt(2)/3
        assert!((m.std_pop() - want).abs() <= 1e-14 * want, "{}", m.std_pop());
        let m = Moments::of(&[1e308, 1e308, -1e308], 0);
        assert!((m.mean - 1e308 / 3.0).abs() <= 1e-15 * 1e308);
        assert!((m.total() - 1e308).abs() <= 1e-15 * 1e308);
        let want = (8.0f64 / 9.0).sqrt() * 1e308; // std of {1, 1, -1} is sqrt(8/9)
        assert!((m.std_pop() - want).abs() <= 1e-14 * want);
        // merging parts of very different scales
        let parts = Moments::of(&[1e308, 1e308], 0).merge(&Moments::of(&[-1e308], 0));
        assert!((parts.mean - m.mean).abs() <= 1e-15 * 1e308 && (parts.std_pop() - want).abs() <= 1e-14 * want);
        let tiny = Moments::of(&[5e-324, 1e-323, 1.5e-323], 0);
        assert_eq!((tiny.mean, tiny.total()), (1e-323, 3e-323));
        assert!((tiny.std_pop() - 4.0e-324).abs() <= 5e-324);
        let mixed = Moments::of(&[1.0, 3.0], 0).merge(&Moments::of(&[5e-324], 0));
        assert!((mixed.mean - 4.0 / 3.0).abs() < 1e-15);
    }
}
