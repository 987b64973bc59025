//! Bootstrap resampling for A/B tests: the means of many resamples of one arm, in one call.
//!
//! A resample draws `n` rows with replacement from the arm's `n` rows; its statistic is the mean
//! of `num` and (for ratio metrics) the mean of `den` over the drawn rows. Each resample has its
//! own random stream, derived from `seed` and the resample's index (SplitMix64 seeding the
//! core's xoshiro256** generator, `sampling::Rng`), and sums its rows in draw order, so results depend on the seed only,
//! never on the thread count. Row indices are drawn without modulo bias (Lemire's multiply-shift
//! with rejection).
use rayon::prelude::*;

use crate::error::{check_same_len, check_size, Result, StatsError};
use crate::sampling::Rng as Xoshiro;

/// The most resamples one call draws (the output is `draws` floats per column).
pub const MAX_DRAWS: usize = 10_000_000;

/// Per-resample means: `num[d]` is the mean of `num` over resample `d`'s rows, `den[d]` that of
/// `den` (empty when no `den` was given).
#[derive(Debug, Clone, PartialEq)]
pub struct BootstrapMeans {
    pub num: Vec<f64>,
    pub den: Vec<f64>,
}

fn check_finite(arg: &'static str, x: &[f64]) -> Result<()> {
    match x.iter().position(|v| !v.is_finite()) {
        Some(i) => Err(StatsError::InvalidArgument(format!(
            "`{arg}` must hold finite values (drop missing values first), got {} at index {i}",
            x[i]
        ))),
        None => Ok(()),
    }
}

/// The means of `draws` bootstrap resamples of the rows of `num` (and of `den`, paired row by
/// row, when given), drawn from `seed`. Every value must be finite and `num` non-empty.
pub fn bootstrap_means(
    num: &[f64],
    den: Option<&[f64]>,
    draws: usize,
    seed: u64,
) -> Result<BootstrapMeans> {
    if num.is_empty() {
        return Err(StatsError::Empty { arg: "num" });
    }
    check_finite("num", num)?;
    if let Some(d) = den {
        check_same_len("num", num.len(), "den", d.len())?;
        check_finite("den", d)?;
    }
    check_size("draws", draws, MAX_DRAWS)?;
    if draws == 0 {
        return Err(StatsError::InvalidArgument(
            "`draws` must be at least 1".into(),
        ));
    }
    let n = num.len();
    let pairs: Vec<(f64, f64)> = (0..draws)
        .into_par_iter()
        .map(|d| {
            let mut rng = Xoshiro::new(seed, d as u64);
            let (mut s, mut t) = (0.0, 0.0);
            match den {
                Some(den) => {
                    for _ in 0..n {
                        let i = rng.below(n as u64) as usize;
                        s += num[i];
                        t += den[i];
                    }
                }
                None => {
                    for _ in 0..n {
                        s += num[rng.below(n as u64) as usize];
                    }
                }
            }
            (s / n as f64, t / n as f64)
        })
        .collect();
    let num_means = pairs.iter().map(|p| p.0).collect();
    let den_means = if den.is_some() {
        pairs.iter().map(|p| p.1).collect()
    } else {
        Vec::new()
    };
    Ok(BootstrapMeans {
        num: num_means,
        den: den_means,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_data_gives_constant_means() {
        let r = bootstrap_means(&[2.5; 10], None, 50, 1).unwrap();
        assert_eq!(r.num.len(), 50);
        assert!(r.num.iter().all(|&m| m == 2.5));
        assert!(r.den.is_empty());
    }

    #[test]
    fn seeded_and_reproducible_and_seed_sensitive() {
        let x: Vec<f64> = (0..100).map(|i| i as f64).collect();
        let a = bootstrap_means(&x, None, 20, 7).unwrap();
        let b = bootstrap_means(&x, None, 20, 7).unwrap();
        let c = bootstrap_means(&x, None, 20, 8).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn resample_means_centre_on_the_mean_with_the_standard_error() {
        let x: Vec<f64> = (0..1000).map(|i| (i % 10) as f64).collect(); // mean 4.5, var 8.25
        let r = bootstrap_means(&x, None, 4000, 3).unwrap();
        let m = r.num.iter().sum::<f64>() / 4000.0;
        let v = r.num.iter().map(|a| (a - m) * (a - m)).sum::<f64>() / 3999.0;
        assert!((m - 4.5).abs() < 0.01, "{m}");
        let se2 = 8.25 / 1000.0;
        assert!((v / se2 - 1.0).abs() < 0.1, "{v} vs {se2}");
    }

    #[test]
    fn pairs_rows_of_num_and_den() {
        let num = [1.0, 2.0, 3.0, 4.0];
        let den = [2.0, 4.0, 6.0, 8.0];
        let r = bootstrap_means(&num, Some(&den), 100, 5).unwrap();
        for (a, b) in r.num.iter().zip(&r.den) {
            assert!((b - 2.0 * a).abs() < 1e-12);
        }
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(matches!(
            bootstrap_means(&[], None, 10, 0),
            Err(StatsError::Empty { .. })
        ));
        assert!(bootstrap_means(&[1.0, f64::NAN], None, 10, 0).is_err());
        assert!(bootstrap_means(&[1.0], Some(&[1.0, 2.0]), 10, 0).is_err());
        assert!(bootstrap_means(&[1.0], None, 0, 0).is_err());
        assert!(bootstrap_means(&[1.0], None, MAX_DRAWS + 1, 0).is_err());
    }

    #[test]
    fn below_is_in_range() {
        let mut rng = Xoshiro::new(1, 2);
        for n in [1u64, 2, 3, 7, 1000] {
            for _ in 0..1000 {
                assert!(rng.below(n) < n);
            }
        }
    }
}
