//! Mergeable moments of a numeric column.
//!
//! Each chunk is summarised by a two-pass mean and sum of squared deviations (`m2`); chunks and
//! partial profiles merge with Chan, Golub & LeVeque's pairwise formulas:
//! `n = na + nb`, `delta = mean_b - mean_a`, `mean = mean_a + delta * nb / n`,
//! `m2 = m2_a + m2_b + delta^2 * na * nb / n`. Chunks are merged in input order, so the result
//! does not depend on the number of threads.
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
    /// Sum of the finite values (compensated summation).
    pub sum: f64,
    /// Neumaier compensation term of `sum`.
    sum_c: f64,
    pub mean: f64,
    /// Sum of squared deviations from the mean.
    pub m2: f64,
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
        let mean = (sum + c) / m.count as f64;
        // Second pass over the (cache-resident) chunk for the deviations; the correction term
        // removes the rounding error of the mean (the "corrected two-pass" algorithm).
        let (mut ss, mut dev) = (0.0, 0.0);
        for &v in x {
            if v.is_finite() {
                let d = v - mean;
                ss += d * d;
                dev += d;
            }
        }
        m.m2 = (ss - dev * dev / m.count as f64).max(0.0);
        m.mean = mean;
        m.sum = sum;
        m.sum_c = c;
        m.min = lo;
        m.max = hi;
        m
    }

    /// Combine the moments of two disjoint parts (Chan et al.).
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
        let (na, nb, n) = (self.count as f64, o.count as f64, m.count as f64);
        let delta = o.mean - self.mean;
        m.mean = self.mean + delta * (nb / n);
        m.m2 = self.m2 + o.m2 + delta * delta * (na * nb / n);
        let (s, c) = neumaier(self.sum, self.sum_c + o.sum_c, o.sum);
        m.sum = s;
        m.sum_c = c;
        m.min = self.min.min(o.min);
        m.max = self.max.max(o.max);
        m
    }

    /// Sum of the finite values.
    pub fn total(&self) -> f64 {
        if self.count == 0 { 0.0 } else { self.sum + self.sum_c }
    }

    /// Population variance `m2 / n` (NaN for an empty column).
    pub fn var_pop(&self) -> f64 {
        if self.count == 0 { f64::NAN } else { self.m2 / self.count as f64 }
    }

    /// Sample variance `m2 / (n - 1)` (NaN for fewer than two values).
    pub fn var_sample(&self) -> f64 {
        if self.count < 2 { f64::NAN } else { self.m2 / (self.count - 1) as f64 }
    }

    /// The raw state, for serialising a profile: the fields in declaration order.
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
        assert!((whole.m2 - parts.m2).abs() <= 1e-10 * whole.m2);
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
}
