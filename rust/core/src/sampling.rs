//! Seeded random draws for bootstraps: multinomial resamples of a count vector, the same as
//! resampling its rows with replacement (each resample puts `n` rows into the cells with
//! probabilities `counts / n`).
//!
//! - Generator: xoshiro256** (Blackman & Vigna 2018) seeded through SplitMix64 (shared with the
//!   A/B bootstrap, `abtest.rs`); resample `r` has
//!   its own generator (seed, r), so the result does not depend on the thread count.
//! - Multinomial by conditional binomials: cell `i` takes Binomial(rows left, p_i / mass left).
//! - Binomial(n, p) exactly: while `n` is large, Knuth's beta recursion (TAOCP vol. 2, 3.4.1 F:
//!   the `a`-th smallest of `n` uniforms is Beta(a, n + 1 - a); compare it with `p` and recurse on
//!   one side), O(log n) beta draws; then inversion by the pmf recursion for n <= 64.
//! - Beta from two gamma variates; gamma by Marsaglia & Tsang (2000), with the `a < 1` boost;
//!   normal variates by the polar method.
use rayon::prelude::*;

use crate::error::{Result, StatsError};

/// xoshiro256** (Blackman & Vigna 2018): the core's one generator for resampling.
pub struct Rng {
    s: [u64; 4],
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    pub fn new(seed: u64, stream: u64) -> Rng {
        let mut st = seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03);
        Rng { s: [splitmix64(&mut st), splitmix64(&mut st), splitmix64(&mut st), splitmix64(&mut st)] }
    }

    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let out = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        out
    }

    /// A uniform integer in `0..n` (`n >= 1`), without modulo bias (Lemire's multiply-shift with
    /// rejection).
    pub fn below(&mut self, n: u64) -> u64 {
        let threshold = n.wrapping_neg() % n;
        loop {
            let m = (self.next_u64() as u128) * (n as u128);
            if (m as u64) >= threshold {
                return (m >> 64) as u64;
            }
        }
    }

    /// Uniform in [0, 1) with 53 random bits.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in (0, 1).
    fn open_uniform(&mut self) -> f64 {
        loop {
            let u = self.uniform();
            if u > 0.0 {
                return u;
            }
        }
    }

    pub fn normal(&mut self) -> f64 {
        loop {
            let x = 2.0 * self.uniform() - 1.0;
            let y = 2.0 * self.uniform() - 1.0;
            let r = x * x + y * y;
            if r > 0.0 && r < 1.0 {
                return x * (-2.0 * r.ln() / r).sqrt();
            }
        }
    }

    /// Gamma(shape, 1) for shape > 0.
    pub fn gamma(&mut self, shape: f64) -> f64 {
        if shape < 1.0 {
            // Gamma(a) = Gamma(a + 1) * U^(1/a)
            let u = self.open_uniform();
            return self.gamma(shape + 1.0) * u.powf(1.0 / shape);
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.normal();
            let v = 1.0 + c * x;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            let u = self.open_uniform();
            if u < 1.0 - 0.0331 * x * x * x * x || u.ln() < 0.5 * x * x + d * (1.0 - v + v.ln()) {
                return d * v;
            }
        }
    }

    pub fn beta(&mut self, a: f64, b: f64) -> f64 {
        let x = self.gamma(a);
        let y = self.gamma(b);
        x / (x + y)
    }

    /// Binomial(n, p), exactly.
    pub fn binomial(&mut self, mut n: u64, mut p: f64) -> u64 {
        let mut base = 0u64;
        while n > 64 {
            if p <= 0.0 {
                return base;
            }
            if p >= 1.0 {
                return base + n;
            }
            let a = 1 + n / 2;
            let b = n + 1 - a;
            let x = self.beta(a as f64, b as f64); // the a-th smallest of n uniforms
            if p < x {
                // the a-th smallest is above p: the successes are among the a - 1 below it
                n = a - 1;
                p /= x;
            } else {
                base += a;
                n = b - 1;
                p = (p - x) / (1.0 - x);
            }
        }
        base + self.binomial_inversion(n, p)
    }

    fn binomial_inversion(&mut self, n: u64, p: f64) -> u64 {
        if n == 0 || p <= 0.0 {
            return 0;
        }
        if p >= 1.0 {
            return n;
        }
        let (q, flip) = if p > 0.5 { (1.0 - p, true) } else { (p, false) };
        let r = q / (1.0 - q);
        let mut pmf = (1.0 - q).powf(n as f64);
        let mut u = self.uniform();
        let mut k = 0u64;
        while u >= pmf && k < n {
            u -= pmf;
            pmf *= r * (n - k) as f64 / (k + 1) as f64;
            k += 1;
        }
        if flip {
            n - k
        } else {
            k
        }
    }
}

/// `resamples` multinomial resamples of `counts` (each of `sum(counts)` rows), row-major
/// (`resamples x counts.len()`): resample `r` equals resampling the rows with replacement, drawn
/// from generator (seed, r).
pub fn multinomial_resamples(counts: &[u64], resamples: usize, seed: u64) -> Result<Vec<u64>> {
    let k = counts.len();
    let n: u64 = counts.iter().try_fold(0u64, |acc, &c| acc.checked_add(c)).ok_or_else(|| {
        StatsError::InvalidArgument("the counts' total overflows".into())
    })?;
    if resamples.checked_mul(k).is_none() {
        return Err(StatsError::InvalidArgument("resamples x cells is too large".into()));
    }
    let mut out = vec![0u64; resamples * k];
    if k == 0 || n == 0 {
        return Ok(out);
    }
    out.par_chunks_mut(k).enumerate().for_each(|(r, row)| {
        let mut rng = Rng::new(seed, r as u64);
        let (mut left, mut mass) = (n, n);
        for (slot, &c) in row.iter_mut().zip(counts) {
            if left == 0 || mass == 0 {
                break;
            }
            let x = if c >= mass { left } else { rng.binomial(left, c as f64 / mass as f64) };
            *slot = x;
            left -= x;
            mass -= c;
        }
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Exact binomial pmf by the recursion from (1 - p)^n (for n and p where that does not underflow).
    fn pmf(n: u64, p: f64) -> Vec<f64> {
        let mut out = vec![0.0; n as usize + 1];
        let mut v = (1.0 - p).powf(n as f64);
        for (k, slot) in out.iter_mut().enumerate() {
            *slot = v;
            v *= p / (1.0 - p) * (n - k as u64) as f64 / (k as f64 + 1.0);
        }
        out
    }

    #[test]
    fn binomial_matches_its_distribution() {
        // chi-square goodness of fit on both the inversion (n <= 64) and the recursion (n > 64)
        for &(n, p) in &[(10u64, 0.3), (64, 0.05), (64, 0.9), (200, 0.5), (1000, 0.02), (2000, 0.1), (400, 0.8)] {
            let mut rng = Rng::new(42, n);
            let draws = 200_000;
            let mut hist = vec![0u64; n as usize + 1];
            for _ in 0..draws {
                hist[rng.binomial(n, p) as usize] += 1;
            }
            let probs = pmf(n, p);
            let (mut chi, mut df, mut e_acc, mut o_acc) = (0.0, 0i64, 0.0, 0.0);
            for (o, e) in hist.iter().zip(&probs) {
                e_acc += e * draws as f64;
                o_acc += *o as f64;
                if e_acc >= 20.0 {
                    chi += (o_acc - e_acc).powi(2) / e_acc;
                    df += 1;
                    e_acc = 0.0;
                    o_acc = 0.0;
                }
            }
            df -= 1;
            // mean + 5 sd of a chi-square with df degrees of freedom: a false failure ~1e-6
            assert!(chi < df as f64 + 5.0 * (2.0 * df as f64).sqrt(), "n={n} p={p}: chi2 {chi} with {df} df");
            let mean = hist.iter().enumerate().map(|(k, &c)| k as f64 * c as f64).sum::<f64>() / draws as f64;
            let sd = (n as f64 * p * (1.0 - p) / draws as f64).sqrt();
            assert!((mean - n as f64 * p).abs() < 5.0 * sd, "n={n} p={p}: mean {mean}");
        }
    }

    #[test]
    fn multinomial_resamples_keep_the_total_and_the_shares() {
        let counts = [500u64, 0, 1500, 3000, 5000];
        let r = 4000;
        let out = multinomial_resamples(&counts, r, 7).unwrap();
        let n: u64 = counts.iter().sum();
        for row in out.chunks(counts.len()) {
            assert_eq!(row.iter().sum::<u64>(), n);
            assert_eq!(row[1], 0);
        }
        for (i, &c) in counts.iter().enumerate() {
            let mean = out.chunks(counts.len()).map(|row| row[i] as f64).sum::<f64>() / r as f64;
            let p = c as f64 / n as f64;
            let sd = (n as f64 * p * (1.0 - p) / r as f64).sqrt();
            assert!((mean - c as f64).abs() <= 5.0 * sd + 1e-9, "cell {i}: {mean} vs {c}");
            // variance of a multinomial cell: n p (1 - p)
            let var = out.chunks(counts.len()).map(|row| (row[i] as f64 - mean).powi(2)).sum::<f64>() / (r - 1) as f64;
            let want = n as f64 * p * (1.0 - p);
            assert!(want == 0.0 && var == 0.0 || (var / want - 1.0).abs() < 0.1, "cell {i}: var {var} vs {want}");
        }
        // deterministic for a seed, independent of threads
        assert_eq!(out, multinomial_resamples(&counts, r, 7).unwrap());
        assert_ne!(out, multinomial_resamples(&counts, r, 8).unwrap());
        assert!(multinomial_resamples(&[], 3, 1).unwrap().is_empty());
        assert_eq!(multinomial_resamples(&[0, 0], 2, 1).unwrap(), vec![0; 4]);
    }
}
