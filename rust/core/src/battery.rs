//! The drift table's tests over many repetitions at once, for the drift-test benchmark
//! (`driftline bench-drift`): one call takes every repetition's reference and window as rows of
//! two matrices and returns, per repetition, the statistics the tests decide on, computed by the
//! same kernels the monitor uses (radix sort + KS walk, Wasserstein walk, KLL sketches, the
//! sketch KS distance, histogram over the baseline sketch's deciles, PSI, Jensen-Shannon, the
//! chi-square test of the 2 x k table, L-infinity). Repetitions run in parallel on the rayon pool;
//! each repetition's kernels run one after the other on its thread, and the time each kernel
//! takes is summed per kernel, so the caller can tell what one test costs on its own.
//!
//! Thresholds and decisions stay with the caller (the drift table's own threshold functions), so
//! this module only computes statistics.
use std::time::Instant;

use rayon::prelude::*;

use crate::error::{Result, StatsError};
use crate::kll::{ks_distance, KllSketch};
use crate::sort::{sorted_keys_without_nan, value_bits};
use crate::stats::chisq::chi2_contingency;
use crate::stats::distance::{js_distance, linf, psi, EmptyBins};
use crate::stats::ks::{ks_2samp_keys, Alternative, KsMethod};
use crate::stats::wasserstein::wasserstein_distance_sorted;

/// The kernels whose time is reported for numeric repetitions, in the order of
/// [`NumericReps::seconds`].
pub const NUMERIC_KERNELS: [&str; 9] = [
    "sort",
    "ks",
    "wasserstein",
    "kll_reference",
    "kll_window",
    "sketch_ks",
    "quantiles",
    "binning",
    "divergences",
];
/// The kernels whose time is reported for categorical repetitions ([`CategoricalReps::seconds`]).
pub const CATEGORICAL_KERNELS: [&str; 5] = ["table", "chi2", "linf", "psi", "js"];

/// Per-repetition statistics of numeric samples (one value per repetition unless said).
#[derive(Debug, Clone, Default)]
pub struct NumericReps {
    pub ks_statistic: Vec<f64>,
    pub ks_pvalue: Vec<f64>,
    pub wasserstein: Vec<f64>,
    /// KS distance between the two KLL sketches, and its error bound.
    pub sketch_ks: Vec<f64>,
    pub sketch_ks_error: Vec<f64>,
    /// Values the reference sketch summarises (`n` of the sketch) and the window's.
    pub sketch_n: Vec<f64>,
    pub window_sketch_n: Vec<f64>,
    /// The reference sketch's quantiles at the caller's points (repetitions x points).
    pub quantiles: Vec<f64>,
    /// The number of bins of each repetition (distinct deciles + 1; 0: none), and the reference
    /// sketch's mass and the window's counts in them (repetitions x `max_bins`, NaN-padded).
    pub bins: Vec<usize>,
    pub expected: Vec<f64>,
    pub actual: Vec<f64>,
    /// PSI (floor 1e-4) and the Jensen-Shannon distance (base 2) of the binned counts (NaN when
    /// there are no bins).
    pub psi: Vec<f64>,
    pub js: Vec<f64>,
    /// Seconds per kernel summed over the repetitions ([`NUMERIC_KERNELS`]).
    pub seconds: Vec<f64>,
}

/// Per-repetition statistics of category counts.
#[derive(Debug, Clone, Default)]
pub struct CategoricalReps {
    /// Categories seen in the reference or the window.
    pub categories: Vec<usize>,
    /// Chi-square p-value of the 2 x k table (no continuity correction; NaN under 2 categories).
    pub chi2_pvalue: Vec<f64>,
    pub linf: Vec<f64>,
    pub psi: Vec<f64>,
    pub js: Vec<f64>,
    pub seconds: Vec<f64>,
}

/// Settings of [`numeric_reps`]: the monitor's sketch and the drift table's binning.
pub struct NumericSettings<'a> {
    pub kll_k: u32,
    pub kll_c: f64,
    pub reference_seed: u64,
    pub window_seed: u64,
    /// Points at which the reference sketch's quantiles are returned.
    pub quantile_points: &'a [f64],
    /// The quantiles of the reference sketch that become bin edges (deduplicated, with -inf and
    /// +inf around them).
    pub edge_points: &'a [f64],
}

fn rows_of(arg: &'static str, values: &[f64], width: usize) -> Result<usize> {
    if width == 0 {
        return Err(StatsError::Empty { arg });
    }
    if values.len() % width != 0 {
        return Err(StatsError::InvalidArgument(format!(
            "`{arg}` must hold a multiple of {width} values, got {}",
            values.len()
        )));
    }
    Ok(values.len() / width)
}

struct Clock([f64; 16], Instant);

impl Clock {
    fn new() -> Self {
        Clock([0.0; 16], Instant::now())
    }
    /// Charge the time since the last lap to kernel `i`.
    fn lap(&mut self, i: usize) {
        let now = Instant::now();
        self.0[i] += (now - self.1).as_secs_f64();
        self.1 = now;
    }
}

struct NumericOne {
    ks: (f64, f64),
    wasserstein: f64,
    sketch: (f64, f64, f64, f64),
    quantiles: Vec<f64>,
    bins: usize,
    expected: Vec<f64>,
    actual: Vec<f64>,
    psi: f64,
    js: f64,
    clock: [f64; 16],
}

fn numeric_one(x: &[f64], y: &[f64], s: &NumericSettings<'_>) -> Result<NumericOne> {
    let mut clock = Clock::new();
    let (kx, _) = sorted_keys_without_nan(x);
    let (ky, _) = sorted_keys_without_nan(y);
    clock.lap(0);
    let ks = ks_2samp_keys(&kx, &ky, Alternative::TwoSided, KsMethod::Auto)?;
    clock.lap(1);
    let decode = |k: Vec<u64>| {
        k.into_iter()
            .map(|k| f64::from_bits(value_bits(k)))
            .collect::<Vec<f64>>()
    };
    let wasserstein = wasserstein_distance_sorted(decode(kx), decode(ky))?;
    clock.lap(2);
    let mut reference = KllSketch::new(s.kll_k, s.kll_c, s.reference_seed)?;
    reference.update(x);
    clock.lap(3);
    let mut window = KllSketch::new(s.kll_k, s.kll_c, s.window_seed)?;
    window.update(y);
    clock.lap(4);
    let (d, err) = ks_distance(&reference, &window)?;
    clock.lap(5);
    let quantiles = if s.quantile_points.is_empty() {
        vec![]
    } else {
        reference.quantiles(s.quantile_points, true)?
    };
    clock.lap(6);
    // the drift table's binning: the reference sketch's deciles (distinct), the sketch's mass
    // below each (pmf, exclusive: x in [e_i, e_i+1)) and the window's histogram over them
    let mut inner = reference.quantiles(s.edge_points, true)?;
    inner.dedup_by(|a, b| a == b);
    let expected: Vec<f64> = reference
        .pmf(&inner, false)?
        .into_iter()
        .map(|v| v.max(0.0))
        .collect();
    let mut edges = Vec::with_capacity(inner.len() + 2);
    edges.push(f64::NEG_INFINITY);
    edges.extend_from_slice(&inner);
    edges.push(f64::INFINITY);
    let actual: Vec<f64> = crate::hist::histogram_edges(y, &edges)?
        .into_iter()
        .map(|c| c as f64)
        .collect();
    clock.lap(7);
    let usable = expected.iter().sum::<f64>() > 0.0 && actual.iter().sum::<f64>() > 0.0;
    let (p, j) = if usable {
        (
            psi(&expected, &actual, EmptyBins::Floor(1e-4))?,
            js_distance(&expected, &actual, Some(2.0))?,
        )
    } else {
        (f64::NAN, f64::NAN)
    };
    clock.lap(8);
    Ok(NumericOne {
        ks: (ks.statistic, ks.pvalue),
        wasserstein,
        sketch: (d, err, reference.n() as f64, window.n() as f64),
        quantiles,
        bins: if usable { expected.len() } else { 0 },
        expected,
        actual,
        psi: p,
        js: j,
        clock: clock.0,
    })
}

/// The numeric statistics of every repetition: row `r` of `x` (`n` values per row) is its
/// reference, row `r` of `y` (`m` values per row) its window. Repetitions run in parallel.
pub fn numeric_reps(
    x: &[f64],
    n: usize,
    y: &[f64],
    m: usize,
    settings: &NumericSettings<'_>,
) -> Result<NumericReps> {
    let reps = rows_of("x", x, n)?;
    if rows_of("y", y, m)? != reps {
        return Err(StatsError::InvalidArgument(format!(
            "`x` has {reps} repetitions but `y` {}",
            y.len() / m
        )));
    }
    let max_bins = settings.edge_points.len() + 1;
    let one = |(a, b): (&[f64], &[f64])| numeric_one(a, b, settings);
    let results: Vec<NumericOne> = if reps > 1 {
        x.par_chunks(n)
            .zip(y.par_chunks(m))
            .with_max_len(1)
            .map(one)
            .collect::<Result<_>>()?
    } else {
        x.chunks(n)
            .zip(y.chunks(m))
            .map(one)
            .collect::<Result<_>>()?
    };
    let mut out = NumericReps {
        seconds: vec![0.0; NUMERIC_KERNELS.len()],
        ..Default::default()
    };
    for r in results {
        out.ks_statistic.push(r.ks.0);
        out.ks_pvalue.push(r.ks.1);
        out.wasserstein.push(r.wasserstein);
        out.sketch_ks.push(r.sketch.0);
        out.sketch_ks_error.push(r.sketch.1);
        out.sketch_n.push(r.sketch.2);
        out.window_sketch_n.push(r.sketch.3);
        out.quantiles.extend_from_slice(&r.quantiles);
        out.bins.push(r.bins);
        for (dst, src) in [
            (&mut out.expected, &r.expected),
            (&mut out.actual, &r.actual),
        ] {
            dst.extend_from_slice(src);
            dst.extend(std::iter::repeat_n(f64::NAN, max_bins - src.len()));
        }
        out.psi.push(r.psi);
        out.js.push(r.js);
        for (acc, t) in out.seconds.iter_mut().zip(r.clock) {
            *acc += t;
        }
    }
    Ok(out)
}

/// The categorical statistics of every repetition: row `r` of `reference` and of `window`
/// (`k` counts per row, the same categories in the same order) are its two samples' counts.
/// Each repetition's table keeps the categories seen in either (the drift table's frequencies).
pub fn categorical_reps(reference: &[f64], window: &[f64], k: usize) -> Result<CategoricalReps> {
    let reps = rows_of("reference", reference, k)?;
    if rows_of("window", window, k)? != reps {
        return Err(StatsError::InvalidArgument(format!(
            "`reference` has {reps} repetitions but `window` {}",
            window.len() / k
        )));
    }
    let one = |(a, b): (&[f64], &[f64])| -> Result<(usize, [f64; 4], [f64; 16])> {
        let mut clock = Clock::new();
        let seen: Vec<usize> = (0..k).filter(|&i| a[i] + b[i] > 0.0).collect();
        let (ra, rb): (Vec<f64>, Vec<f64>) = seen.iter().map(|&i| (a[i], b[i])).unzip();
        let mut table = ra.clone();
        table.extend_from_slice(&rb);
        clock.lap(0);
        let chi2 = if seen.len() < 2 {
            f64::NAN
        } else {
            chi2_contingency(&table, &[2, seen.len()], false, 1.0)?.pvalue
        };
        clock.lap(1);
        let l = linf(&ra, &rb)?;
        clock.lap(2);
        let p = psi(&ra, &rb, EmptyBins::Floor(1e-4))?;
        clock.lap(3);
        let j = js_distance(&ra, &rb, Some(2.0))?;
        clock.lap(4);
        Ok((seen.len(), [chi2, l, p, j], clock.0))
    };
    let results: Vec<(usize, [f64; 4], [f64; 16])> = if reps >= 64 {
        reference
            .par_chunks(k)
            .zip(window.par_chunks(k))
            .with_min_len(32)
            .map(one)
            .collect::<Result<_>>()?
    } else {
        reference
            .chunks(k)
            .zip(window.chunks(k))
            .map(one)
            .collect::<Result<_>>()?
    };
    let mut out = CategoricalReps {
        seconds: vec![0.0; CATEGORICAL_KERNELS.len()],
        ..Default::default()
    };
    for (seen, [chi2, l, p, j], clock) in results {
        out.categories.push(seen);
        out.chi2_pvalue.push(chi2);
        out.linf.push(l);
        out.psi.push(p);
        out.js.push(j);
        for (acc, t) in out.seconds.iter_mut().zip(clock) {
            *acc += t;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::ks::ks_2samp;
    use crate::stats::wasserstein::wasserstein_distance;

    fn lcg(seed: u64, n: usize) -> Vec<f64> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (s >> 11) as f64 / (1u64 << 53) as f64
            })
            .collect()
    }

    const DECILES: [f64; 9] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

    #[test]
    fn each_repetition_equals_the_single_kernels() {
        let (n, m, reps) = (300, 200, 5);
        let x = lcg(1, n * reps);
        let y: Vec<f64> = lcg(2, m * reps)
            .into_iter()
            .map(|v| v * 1.1 + 0.05)
            .collect();
        let settings = NumericSettings {
            kll_k: 64,
            kll_c: 0.64,
            reference_seed: 1,
            window_seed: 2,
            quantile_points: &[0.5],
            edge_points: &DECILES,
        };
        let got = numeric_reps(&x, n, &y, m, &settings).unwrap();
        assert_eq!(got.ks_pvalue.len(), reps);
        assert_eq!(got.expected.len(), reps * 10);
        for r in 0..reps {
            let (a, b) = (&x[r * n..(r + 1) * n], &y[r * m..(r + 1) * m]);
            let ks = ks_2samp(a, b, Alternative::TwoSided, KsMethod::Auto).unwrap();
            assert_eq!(
                (got.ks_statistic[r], got.ks_pvalue[r]),
                (ks.statistic, ks.pvalue)
            );
            assert_eq!(
                got.wasserstein[r],
                wasserstein_distance(a, b, None, None).unwrap()
            );
            let mut ka = KllSketch::new(64, 0.64, 1).unwrap();
            ka.update(a);
            let mut kb = KllSketch::new(64, 0.64, 2).unwrap();
            kb.update(b);
            assert_eq!(
                (got.sketch_ks[r], got.sketch_ks_error[r]),
                ks_distance(&ka, &kb).unwrap()
            );
            assert_eq!(got.quantiles[r], ka.quantile(0.5, true).unwrap());
            let total: f64 = got.actual[r * 10..r * 10 + got.bins[r]].iter().sum();
            assert_eq!(total, m as f64);
            assert!(got.psi[r] > 0.0 && got.js[r] > 0.0);
        }
        assert!(got.seconds.iter().all(|&s| s >= 0.0) && got.seconds.iter().sum::<f64>() > 0.0);
    }

    #[test]
    fn ties_collapse_the_bins() {
        // a reference of two values: its deciles are two distinct values, so three bins
        let x: Vec<f64> = (0..100).map(|i| if i < 50 { 1.0 } else { 2.0 }).collect();
        let y = vec![1.0; 100];
        let settings = NumericSettings {
            kll_k: 64,
            kll_c: 0.64,
            reference_seed: 1,
            window_seed: 2,
            quantile_points: &[],
            edge_points: &DECILES,
        };
        let got = numeric_reps(&x, 100, &y, 100, &settings).unwrap();
        assert_eq!(got.bins, vec![3]);
        assert!(got.expected[3..].iter().all(|v| v.is_nan()));
        assert_eq!(&got.actual[..3], &[0.0, 100.0, 0.0]);
    }

    #[test]
    fn categorical_repetitions_keep_the_seen_categories() {
        let reference = [10.0, 0.0, 5.0, 0.0, 4.0, 6.0, 0.0, 0.0];
        let window = [8.0, 0.0, 7.0, 0.0, 0.0, 9.0, 0.0, 0.0];
        let got = categorical_reps(&reference, &window, 4).unwrap();
        assert_eq!(got.categories, vec![2, 2]);
        let direct = chi2_contingency(&[10.0, 5.0, 8.0, 7.0], &[2, 2], false, 1.0).unwrap();
        assert_eq!(got.chi2_pvalue[0], direct.pvalue);
        assert!((got.linf[0] - (10.0f64 / 15.0 - 8.0 / 15.0)).abs() < 1e-15);
        assert!(got.psi[1].is_finite() && got.js[1] > 0.0);
        let one = categorical_reps(&[3.0, 0.0], &[4.0, 0.0], 2).unwrap();
        assert!(one.chi2_pvalue[0].is_nan() && one.linf[0] == 0.0);
    }

    #[test]
    fn bad_shapes_are_errors() {
        let s = NumericSettings {
            kll_k: 64,
            kll_c: 0.64,
            reference_seed: 1,
            window_seed: 2,
            quantile_points: &[],
            edge_points: &DECILES,
        };
        assert!(numeric_reps(&[1.0, 2.0, 3.0], 2, &[1.0, 2.0], 2, &s).is_err());
        assert!(numeric_reps(&[1.0, 2.0, 3.0, 4.0], 2, &[1.0, 2.0], 2, &s).is_err());
        assert!(numeric_reps(&[], 0, &[], 0, &s).is_err());
        assert!(categorical_reps(&[1.0, 2.0, 3.0], &[1.0, 2.0], 2).is_err());
        assert!(categorical_reps(&[1.0], &[1.0], 0).is_err());
    }
}
