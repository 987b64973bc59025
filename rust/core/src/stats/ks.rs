//! Two-sample Kolmogorov-Smirnov test, matching `scipy.stats.ks_2samp` (scipy 1.17): the same
//! statistic, location and sign, the same choice between the exact and the asymptotic p-value,
//! and p-values equal to scipy's to ~1e-12 relative.
//!
//! Statistic: with `F1`, `F2` the right-continuous empirical CDFs, evaluated at every observed
//! value, `D+ = max(F1 - F2)`, `D- = max(F2 - F1)`; two-sided `D = max(D+, D-)` (ties go to `D+`),
//! `greater` uses `D+`, `less` uses `D-`.
//!
//! p-values (Hodges 1958 for the exact lattice-path counts):
//! - exact, two-sided: `P(D >= d)` counted on the lattice of `lcm(n1, n2)`; equal sizes by Hodges'
//!   alternating series, unequal sizes by the "inside" recursion of Viehmann (2021).
//! - exact, one-sided: `binom(2n, n-h)/binom(2n, n)` for equal sizes, otherwise a lattice-path
//!   recursion for paths touching one boundary.
//! - asymptotic, two-sided: `kstwo.sf(d, round(n1 n2 / (n1 + n2)))` (the finite-n one-sample
//!   distribution, see [`super::kstwo`]).
//! - asymptotic, one-sided: Hodges' eq. 5.3, `exp(-2 z^2 - 2 z (m + 2n) / sqrt(m n (m + n)) / 3)`
//!   with `z = d sqrt(mn/(m+n))`, `m >= n`.
//!
//! `method = Auto` is exact when `max(n1, n2) <= 10000`. Exact falls back to asymptotic (and says
//! so in [`KsResult::exact_fallback`]) where scipy does: when `lcm(n1, n2)` does not fit in an
//! `i32`, or when the exact computation would overflow doubles or fail (scipy then warns).
use crate::error::{Result, StatsError};
use crate::sort::{key, sorted_keys_without_nan, value_bits};
use crate::stats::kstwo::kstwo_sf;

/// The alternative hypothesis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alternative {
    TwoSided,
    /// The CDF of the first sample lies below that of the second somewhere (`D-`).
    Less,
    /// The CDF of the first sample lies above that of the second somewhere (`D+`).
    Greater,
}

/// How to compute the p-value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KsMethod {
    /// Exact when both samples have at most [`MAX_AUTO_N`] values, else asymptotic.
    Auto,
    Exact,
    Asymp,
}

/// Why an exact p-value was replaced by the asymptotic one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExactFallback {
    /// `lcm(n1, n2)` is too large for the lattice (scipy: "Exact ks_2samp calculation not possible
    /// with samples sizes ...").
    LatticeTooLarge,
    /// The lattice-path computation overflowed or left [0, 1] (scipy: "Exact calculation
    /// unsuccessful").
    Unsuccessful,
}

/// `method = Auto` uses the exact p-value up to this many values per sample (scipy's MAX_AUTO_N).
pub const MAX_AUTO_N: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KsResult {
    pub statistic: f64,
    pub pvalue: f64,
    /// The value at which the CDF difference reaches the statistic.
    pub statistic_location: f64,
    /// +1 when the statistic is `max(F1 - F2)`, -1 when it is `max(F2 - F1)`.
    pub statistic_sign: i8,
    /// The method that produced the p-value: `Exact` or `Asymp`.
    pub method: KsMethod,
    /// Set when exact was asked for (or chosen by `Auto`) but the asymptotic p-value was used.
    pub exact_fallback: Option<ExactFallback>,
}

/// Two-sample KS test of `a` against `b`; NaN values are left out (the caller applies its
/// `nan_policy` first), infinities are ordinary values. Matches `scipy.stats.ks_2samp`.
pub fn ks_2samp(a: &[f64], b: &[f64], alternative: Alternative, method: KsMethod) -> Result<KsResult> {
    let sort = |x: &[f64]| sorted_keys_without_nan(x).0;
    let (ka, kb) = if a.len() + b.len() >= crate::PARALLEL_MIN_LEN {
        rayon::join(|| sort(a), || sort(b))
    } else {
        (sort(a), sort(b))
    };
    ks_2samp_keys(&ka, &kb, alternative, method)
}

/// [`ks_2samp`] on samples already sorted ascending, without NaN (e.g. a baseline sorted once).
/// Unsorted input gives a wrong statistic, not an error.
pub fn ks_2samp_sorted(a: &[f64], b: &[f64], alternative: Alternative, method: KsMethod) -> Result<KsResult> {
    let to_keys = |x: &[f64]| x.iter().map(|&v| key(v)).collect::<Vec<u64>>();
    ks_2samp_keys(&to_keys(a), &to_keys(b), alternative, method)
}

/// [`ks_2samp`] on ascending order keys ([`crate::sort::key`]) of the two samples.
pub fn ks_2samp_keys(a: &[u64], b: &[u64], alternative: Alternative, method: KsMethod) -> Result<KsResult> {
    if a.is_empty() {
        return Err(StatsError::Empty { arg: "data1" });
    }
    if b.is_empty() {
        return Err(StatsError::Empty { arg: "data2" });
    }
    let ext = cdf_extremes(a, b);
    // scipy: minS = clip(-min(F1 - F2), 0, 1), maxS = max(F1 - F2) (>= 0: the last value gives 0).
    let min_s = (-ext.min.0).clamp(0.0, 1.0);
    let (d, at, sign) = if alternative == Alternative::Less || (alternative == Alternative::TwoSided && min_s > ext.max.0) {
        (min_s, ext.min.1, -1)
    } else {
        (ext.max.0, ext.max.1, 1)
    };
    let p = ks_2samp_pvalue(d, a.len() as u64, b.len() as u64, alternative, method);
    Ok(KsResult {
        statistic: p.statistic,
        pvalue: p.pvalue,
        statistic_location: f64::from_bits(value_bits(at)),
        statistic_sign: sign,
        method: p.method,
        exact_fallback: p.exact_fallback,
    })
}

/// The extremes of `F1 - F2` over the observed values, each with the key of the value where
/// numpy's `argmax`/`argmin` on scipy's concatenation `[a, b]` finds it: the smallest value of
/// `a` reaching the extreme, else the smallest value of `b`.
#[derive(Clone, Copy)]
struct Extremes {
    max: (f64, u64),
    min: (f64, u64),
}

/// Extremes among values present in `a` and among values present in `b`.
#[derive(Clone, Copy)]
struct SideExtremes {
    a: Extremes,
    b: Extremes,
}

impl SideExtremes {
    const NONE: Extremes = Extremes { max: (f64::NEG_INFINITY, 0), min: (f64::INFINITY, 0) };

    /// Fold in a later (higher-valued) part: ties keep the earlier location.
    fn then(self, later: SideExtremes) -> SideExtremes {
        let pick = |e: Extremes, l: Extremes| Extremes {
            max: if l.max.0 > e.max.0 { l.max } else { e.max },
            min: if l.min.0 < e.min.0 { l.min } else { e.min },
        };
        SideExtremes { a: pick(self.a, later.a), b: pick(self.b, later.b) }
    }

    fn overall(self) -> Extremes {
        Extremes {
            max: if self.a.max.0 >= self.b.max.0 { self.a.max } else { self.b.max },
            min: if self.a.min.0 <= self.b.min.0 { self.a.min } else { self.b.min },
        }
    }
}

/// Independent merge walks over consecutive value ranges, interleaved to hide the latency of
/// each walk's load -> compare -> advance chain.
const LANES: usize = 4;
/// Below this many values in total, one walk.
const LANES_MIN_LEN: usize = 1 << 12;
/// `i * (1/n)` is within 2 ulp(1) of numpy's `i / n`; a screen this wide around the running
/// extremes never misses a candidate, and the exact quotient decides.
const SCREEN: f64 = 1.0 / (1u64 << 48) as f64;

/// A merge walk over `a[i..i_end]` and `b[j..j_end]`, a range of values holding all ties of each
/// of its values. A CDF difference counts once all ties of its value in both samples are consumed
/// (scipy's `searchsorted(..., side='right')`). The next value is picked with selects, not
/// branches (on interleaved samples a branch would be mispredicted half the time), and the CDF
/// difference is screened with multiplications: divisions only for values near an extreme.
#[derive(Clone, Copy)]
struct Lane {
    i: usize,
    j: usize,
    i_end: usize,
    j_end: usize,
    /// The keys at `i` and `j`, `u64::MAX` past the end (above every key, see `sort::key`).
    x: u64,
    y: u64,
    /// Whether the value being consumed occurs in `a` / in `b`.
    in_a: bool,
    in_b: bool,
    /// Screens: `[max_a, min_a, max_b, min_b]` widened by SCREEN.
    screen: [f64; 4],
    ext: SideExtremes,
}

impl Lane {
    fn new(a: &[u64], b: &[u64], (i, i_end): (usize, usize), (j, j_end): (usize, usize)) -> Self {
        let none = SideExtremes { a: SideExtremes::NONE, b: SideExtremes::NONE };
        let mut l = Lane { i, j, i_end, j_end, x: 0, y: 0, in_a: false, in_b: false, screen: [0.0; 4], ext: none };
        l.x = if i < i_end { a[i] } else { u64::MAX };
        l.y = if j < j_end { b[j] } else { u64::MAX };
        l.rescreen();
        l
    }

    fn remaining(&self) -> usize {
        (self.i_end - self.i) + (self.j_end - self.j)
    }

    fn rescreen(&mut self) {
        let e = &self.ext;
        self.screen = [e.a.max.0 - SCREEN, e.a.min.0 + SCREEN, e.b.max.0 - SCREEN, e.b.min.0 + SCREEN];
    }

    /// Consume one value in merged order; `r1`, `r2` are `1/n1`, `1/n2`; `f1`, `f2` are n1, n2.
    #[inline(always)]
    fn step(&mut self, a: &[u64], b: &[u64], r: (f64, f64), f: (f64, f64)) {
        let take_a = self.x <= self.y;
        let v = if take_a { self.x } else { self.y };
        self.i += usize::from(take_a);
        self.j += usize::from(!take_a);
        self.in_a |= take_a;
        self.in_b |= !take_a;
        self.x = if self.i < self.i_end { a[self.i] } else { u64::MAX };
        self.y = if self.j < self.j_end { b[self.j] } else { u64::MAX };
        if self.x.min(self.y) != v {
            // All ties of v are consumed: F1(v) - F2(v) is final.
            let approx = self.i as f64 * r.0 - self.j as f64 * r.1;
            let s = &self.screen;
            let near_a = (approx > s[0]) | (approx < s[1]);
            let near_b = (approx > s[2]) | (approx < s[3]);
            if self.in_a & near_a | self.in_b & near_b {
                self.settle(v, f);
            }
            self.in_a = false;
            self.in_b = false;
        }
    }

    /// The exact difference, computed as numpy does (`i / n1 - j / n2`), against the extremes.
    #[cold]
    #[inline(never)]
    fn settle(&mut self, v: u64, f: (f64, f64)) {
        let diff = self.i as f64 / f.0 - self.j as f64 / f.1;
        if self.in_a {
            record(&mut self.ext.a, diff, v);
        }
        if self.in_b {
            record(&mut self.ext.b, diff, v);
        }
        self.rescreen();
    }
}

fn record(e: &mut Extremes, diff: f64, at: u64) {
    if diff > e.max.0 {
        e.max = (diff, at);
    }
    if diff < e.min.0 {
        e.min = (diff, at);
    }
}

/// The extremes of `F1 - F2`, by [`LANES`] walks over consecutive value ranges (split at values
/// of the longer sample, all ties of a value falling in one range).
fn cdf_extremes(a: &[u64], b: &[u64]) -> Extremes {
    let (n1, n2) = (a.len(), b.len());
    let f = (n1 as f64, n2 as f64);
    let r = (1.0 / f.0, 1.0 / f.1);
    let lanes = if n1 + n2 >= LANES_MIN_LEN { LANES } else { 1 };
    let mut bounds = [(0usize, 0usize); LANES + 1];
    let longer = if n1 >= n2 { a } else { b };
    for (k, bd) in bounds.iter_mut().enumerate().take(lanes + 1).skip(1) {
        *bd = if k == lanes {
            (n1, n2)
        } else {
            let split = longer[longer.len() * k / lanes];
            (a.partition_point(|&v| v < split), b.partition_point(|&v| v < split))
        };
    }
    let mut walks: Vec<Lane> = (0..lanes)
        .map(|k| Lane::new(a, b, (bounds[k].0, bounds[k + 1].0), (bounds[k].1, bounds[k + 1].1)))
        .collect();
    if let Ok(mut ls) = <[Lane; LANES]>::try_from(walks.as_slice()) {
        // A local array with constant bounds: the lanes' steps are unrolled and interleaved.
        loop {
            let n = ls.iter().map(Lane::remaining).min().unwrap_or(0);
            if n == 0 {
                break;
            }
            for _ in 0..n {
                for l in ls.iter_mut() {
                    l.step(a, b, r, f);
                }
            }
        }
        walks.copy_from_slice(&ls);
    }
    for w in walks.iter_mut() {
        while w.remaining() > 0 {
            w.step(a, b, r, f);
        }
    }
    walks.iter().map(|w| w.ext).reduce(SideExtremes::then).map_or(SideExtremes::NONE, SideExtremes::overall)
}

/// The p-value part of [`ks_2samp`], for a statistic `d` from samples of sizes `n1`, `n2`
/// (useful when the statistic comes from elsewhere, e.g. sketches).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KsPvalue {
    /// `d`, or `d` rounded to the lattice `h / lcm(n1, n2)` when the exact method was tried
    /// (as scipy reports it).
    pub statistic: f64,
    pub pvalue: f64,
    pub method: KsMethod,
    pub exact_fallback: Option<ExactFallback>,
}

/// p-value of the two-sample KS statistic `d` for sample sizes `n1`, `n2`, as
/// `scipy.stats.ks_2samp` computes it. `n1` and `n2` must be positive (else NaN).
pub fn ks_2samp_pvalue(d: f64, n1: u64, n2: u64, alternative: Alternative, method: KsMethod) -> KsPvalue {
    if n1 == 0 || n2 == 0 {
        return KsPvalue { statistic: d, pvalue: f64::NAN, method, exact_fallback: None };
    }
    let g = gcd(n1, n2);
    let (n1g, n2g) = (n1 / g, n2 / g);
    let mut d = d;
    let mut fallback = None;
    let mut mode = match method {
        KsMethod::Auto if n1.max(n2) as usize <= MAX_AUTO_N => KsMethod::Exact,
        KsMethod::Auto => KsMethod::Asymp,
        KsMethod::Exact if n1g as f64 >= i32::MAX as f64 / n2g as f64 => {
            fallback = Some(ExactFallback::LatticeTooLarge);
            KsMethod::Asymp
        }
        m => m,
    };
    let mut prob = f64::NAN;
    if mode == KsMethod::Exact {
        let (rounded, p) = exact_pvalue(n1, n2, g, d, alternative);
        d = rounded;
        match p {
            Some(p) => prob = p,
            None => {
                fallback = Some(ExactFallback::Unsuccessful);
                mode = KsMethod::Asymp;
            }
        }
    }
    if mode == KsMethod::Asymp {
        let (m, n) = (n1.max(n2) as f64, n1.min(n2) as f64);
        let en = m * n / (m + n);
        prob = if alternative == Alternative::TwoSided {
            kstwo_sf(d, en.round_ties_even())
        } else {
            let z = en.sqrt() * d;
            (-2.0 * (z * z) - 2.0 * z * (m + 2.0 * n) / (m * n * (m + n)).sqrt() / 3.0).exp()
        };
    }
    KsPvalue { statistic: d, pvalue: prob.clamp(0.0, 1.0), method: mode, exact_fallback: fallback }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// scipy's `_attempt_exact_2kssamp`: `d` rounded to the lattice `h / lcm`, and the exact p-value,
/// or `None` where scipy's computation overflows or leaves [0, 1].
fn exact_pvalue(n1: u64, n2: u64, g: u64, d: f64, alternative: Alternative) -> (f64, Option<f64>) {
    let lcm = (n1 / g) * n2;
    let h = (d * lcm as f64).round_ties_even();
    let d = h / lcm as f64;
    if h == 0.0 {
        return (d, Some(1.0));
    }
    let h = h as u64;
    let prob = match (alternative, n1 == n2) {
        (Alternative::TwoSided, true) => Some(prob_outside_square(n1, h)),
        (Alternative::TwoSided, false) => Some(outer_prob_inside(n1, n2, g, h)),
        (_, true) => {
            // binom(2n, n-h) / binom(2n, n) as a product
            Some((0..h).fold(1.0, |p, j| p * ((n1 - j) as f64 / (n1 + j + 1) as f64)))
        }
        (_, false) => one_sided_unequal(n1, n2, g, h),
    };
    match prob {
        Some(p) if (0.0..=1.0).contains(&p) => (d, Some(p)),
        _ => (d, None),
    }
}

/// Two-sided, equal sizes: `P(D_{n,n} >= h/n) = 2 sum_k (-1)^(k-1) binom(2n, n-kh) / binom(2n, n)`,
/// each ratio a product of `h` factors, summed in Horner form
/// `2 A1 (1 - A2 (1 - A3 (1 - ...)))` to avoid the cancellation of the alternating sum.
fn prob_outside_square(n: u64, h: u64) -> f64 {
    let mut p = 0.0f64;
    for k in (0..=n / h).rev() {
        let mut p1 = 1.0f64;
        for j in 0..h {
            let num = n as i64 - (k * h) as i64 - j as i64;
            p1 = num as f64 * p1 / (n + k * h + j + 1) as f64;
        }
        p = p1 * (1.0 - p);
    }
    2.0 * p
}

fn floor_div(a: i64, b: i64) -> i64 {
    a.div_euclid(b)
}

fn ceil_div(a: i64, b: i64) -> i64 {
    -((-a).div_euclid(b))
}

/// Two-sided, unequal sizes: the probability that a random lattice path from (0, 0) to (m, n)
/// leaves the band `|x/m - y/n| < h/lcm`, by the recursion on `1 - p` of Viehmann (2021):
/// `q(x, y) = (x q(x-1, y) + y q(x, y-1)) / (x + y)` inside the band, `q = 1` outside, one
/// sliding column at a time.
fn outer_prob_inside(m: u64, n: u64, g: u64, h: u64) -> f64 {
    let (m, n) = if m < n { (n as i64, m as i64) } else { (m as i64, n as i64) };
    let (g, h) = (g as i64, h as i64);
    let (mg, ng) = (m / g, n / g);
    let mut minj = 0i64;
    let mut maxj = ceil_div(h, mg).min(n + 1);
    let mut curlen = maxj - minj;
    // The column window, stored from row `minj`; rows above the window read 1 (crossed).
    let mut col = vec![1.0f64; n as usize + 2];
    col[minj as usize..maxj as usize].iter_mut().for_each(|v| *v = 0.0);
    for i in 1..=m {
        let (lastminj, lastlen) = (minj, curlen);
        minj = (floor_div(ng * i - h, mg) + 1).max(0).min(n);
        maxj = ceil_div(ng * i + h, mg).min(n + 1);
        if maxj <= minj {
            return 1.0;
        }
        let fi = i as f64;
        let mut val = if minj == 0 { 0.0 } else { 1.0 };
        let shift = (minj - lastminj) as usize;
        for jj in 0..(maxj - minj) as usize {
            let j = (jj as i64 + minj) as f64;
            val = (col[jj + shift] * fi + val * j) / (fi + j);
            col[jj] = val;
        }
        curlen = maxj - minj;
        if lastlen > curlen {
            let start = curlen as usize;
            col[start..start + (lastlen - curlen) as usize].iter_mut().for_each(|v| *v = 1.0);
        }
    }
    col[(maxj - minj - 1) as usize]
}

/// ln(f64::MAX)
const LN_DBL_MAX: f64 = 709.782_712_893_384;

/// One-sided, unequal sizes: the probability that a random lattice path from (0, 0) to (m, n),
/// `m >= n`, touches `x/m - y/n >= h/lcm`, by `q(x, y) = (x q(x-1, y) + y q(x, y-1)) / (x + y)`
/// with `q = 1` past the boundary (a convex combination at every step, so no cancellation).
///
/// `None` where scipy's path count overflows a double (`binom(m+n, n) > f64::MAX`; scipy then
/// falls back to the asymptotic p-value).
fn one_sided_unequal(m: u64, n: u64, g: u64, h: u64) -> Option<f64> {
    let (m, n) = if m < n { (n, m) } else { (m, n) };
    let ln_binom: f64 = (1..=n).map(|i| ((m + i) as f64 / i as f64).ln()).sum();
    if ln_binom > LN_DBL_MAX {
        return None;
    }
    let (m, n, g, h) = (m as i64, n as i64, g as i64, h as i64);
    let (mg, ng) = (m / g, n / g);
    let mut col = vec![0.0f64; n as usize + 1];
    for x in 1..=m {
        // Rows 0..=lo of column x are on or past the boundary ng x - mg y >= h.
        let lo = floor_div(ng * x - h, mg);
        let fx = x as f64;
        let first = if lo >= 0 {
            let upto = (lo.min(n) + 1) as usize;
            col[..upto].iter_mut().for_each(|v| *v = 1.0);
            upto
        } else {
            0
        };
        let mut below = if first == 0 { 0.0 } else { 1.0 };
        for (y, v) in col.iter_mut().enumerate().skip(first) {
            let fy = y as f64;
            below = (*v * fx + below * fy) / (fx + fy);
            *v = below;
        }
    }
    Some(col[n as usize])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(a: &[f64], b: &[f64], alt: Alternative, method: KsMethod) -> KsResult {
        ks_2samp(a, b, alt, method).unwrap()
    }

    #[test]
    fn statistic_location_and_sign() {
        // scipy.stats.ks_2samp([1, 2, 3, 4], [3, 4, 5, 6, 7]): 0.6, 0.2857142857142857, 4, 1
        let r = run(&[1.0, 2.0, 3.0, 4.0], &[3.0, 4.0, 5.0, 6.0, 7.0], Alternative::TwoSided, KsMethod::Auto);
        assert_eq!((r.statistic, r.statistic_location, r.statistic_sign), (0.6, 4.0, 1));
        assert!((r.pvalue - 0.2857142857142857).abs() < 1e-15);
        let r = run(&[1.0], &[2.0], Alternative::Less, KsMethod::Exact);
        assert_eq!((r.statistic, r.pvalue, r.statistic_location, r.statistic_sign), (0.0, 1.0, 2.0, -1));
        let r = run(&[1.0], &[2.0], Alternative::Greater, KsMethod::Exact);
        assert_eq!((r.statistic, r.pvalue, r.statistic_location, r.statistic_sign), (1.0, 0.5, 1.0, 1));
    }

    #[test]
    fn nan_is_ignored_and_empty_is_an_error() {
        let r = run(&[1.0, f64::NAN], &[2.0, 3.0], Alternative::TwoSided, KsMethod::Auto);
        assert_eq!((r.statistic, r.pvalue), (1.0, 2.0 / 3.0));
        assert_eq!(ks_2samp(&[f64::NAN], &[1.0], Alternative::TwoSided, KsMethod::Auto), Err(StatsError::Empty { arg: "data1" }));
        assert_eq!(ks_2samp(&[1.0], &[], Alternative::TwoSided, KsMethod::Auto), Err(StatsError::Empty { arg: "data2" }));
    }

    #[test]
    fn asymp_with_one_value_each_is_nan_like_scipy() {
        // round(1 * 1 / 2) = 0 observations: kstwo is undefined.
        let r = run(&[1.0], &[2.0], Alternative::TwoSided, KsMethod::Asymp);
        assert!(r.pvalue.is_nan());
    }

    #[test]
    fn exact_matches_brute_force_enumeration() {
        // Enumerate all binom(m+n, n) arrangements of two small samples and count D >= d.
        for (m, n) in [(3usize, 5usize), (4, 4), (6, 4), (5, 7)] {
            let total = m + n;
            let mut stats: Vec<(f64, f64, f64)> = Vec::new(); // (D, D+, D-)
            for mask in 0u32..(1 << total) {
                if mask.count_ones() as usize != m {
                    continue;
                }
                let (mut i, mut j, mut dp, mut dm) = (0f64, 0f64, 0f64, 0f64);
                for k in 0..total {
                    if mask >> k & 1 == 1 { i += 1.0 } else { j += 1.0 }
                    let diff = i / m as f64 - j / n as f64;
                    dp = dp.max(diff);
                    dm = dm.max(-diff);
                }
                stats.push((dp.max(dm), dp, dm));
            }
            let count = stats.len() as f64;
            let g = gcd(m as u64, n as u64);
            for &(d, dp, _) in &stats {
                let want = stats.iter().filter(|s| s.0 >= d - 1e-12).count() as f64 / count;
                let (_, got) = exact_pvalue(m as u64, n as u64, g, d, Alternative::TwoSided);
                assert!((got.unwrap() - want).abs() < 1e-12, "two-sided m={m} n={n} d={d}");
                let want = stats.iter().filter(|s| s.1 >= dp - 1e-12).count() as f64 / count;
                let (_, got) = exact_pvalue(m as u64, n as u64, g, dp, Alternative::Greater);
                assert!((got.unwrap() - want).abs() < 1e-12, "one-sided m={m} n={n} d={dp}");
            }
        }
    }

    /// scipy's formulation: CDFs by binary search at every value of the concatenation, first
    /// argmax / argmin.
    fn extremes_reference(a: &[f64], b: &[f64]) -> ((f64, f64), (f64, f64)) {
        let all: Vec<f64> = a.iter().chain(b).copied().collect();
        let diffs: Vec<f64> = all
            .iter()
            .map(|&v| a.partition_point(|&x| x <= v) as f64 / a.len() as f64 - b.partition_point(|&x| x <= v) as f64 / b.len() as f64)
            .collect();
        let (mut imax, mut imin) = (0, 0);
        for (k, &d) in diffs.iter().enumerate() {
            if d > diffs[imax] {
                imax = k;
            }
            if d < diffs[imin] {
                imin = k;
            }
        }
        ((diffs[imax], all[imax]), (diffs[imin], all[imin]))
    }

    #[test]
    fn lanes_agree_with_scipy_formulation() {
        let mut state = 12345u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for (n1, n2, levels) in [(3000, 5000, 50u64), (10, 20_000, 1000), (20_000, 7, 1000), (6000, 6000, 3), (4000, 4100, 1 << 40)] {
            let mut a: Vec<f64> = (0..n1).map(|_| (next() % levels) as f64 - (levels / 2) as f64).collect();
            let mut b: Vec<f64> = (0..n2).map(|_| (next() % levels) as f64 - (levels / 3) as f64).collect();
            a.sort_by(f64::total_cmp);
            b.sort_by(f64::total_cmp);
            let ((dmax, lmax), (dmin, lmin)) = extremes_reference(&a, &b);
            let ka: Vec<u64> = a.iter().map(|&v| key(v)).collect();
            let kb: Vec<u64> = b.iter().map(|&v| key(v)).collect();
            let e = cdf_extremes(&ka, &kb);
            assert_eq!((e.max.0, f64::from_bits(value_bits(e.max.1))), (dmax, lmax), "{n1} {n2} {levels}");
            assert_eq!((e.min.0, f64::from_bits(value_bits(e.min.1))), (dmin, lmin), "{n1} {n2} {levels}");
        }
    }

    #[test]
    fn fallback_when_lattice_too_large() {
        let p = ks_2samp_pvalue(0.5, 100_003, 100_019, Alternative::TwoSided, KsMethod::Exact);
        assert_eq!((p.method, p.exact_fallback), (KsMethod::Asymp, Some(ExactFallback::LatticeTooLarge)));
        let p = ks_2samp_pvalue(0.1, 1000, 1001, Alternative::Greater, KsMethod::Exact);
        assert_eq!((p.method, p.exact_fallback), (KsMethod::Asymp, Some(ExactFallback::Unsuccessful)));
        let p = ks_2samp_pvalue(0.1, 20_000, 20_000, Alternative::Greater, KsMethod::Auto);
        assert_eq!((p.method, p.exact_fallback), (KsMethod::Asymp, None));
    }
}
