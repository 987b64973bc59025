//! Distances between two binned distributions given as count (or weight) vectors over the same
//! bins. Each vector is normalised to proportions first.
use crate::error::{check_counts, check_same_len, Result, StatsError};

/// How PSI treats a bin that is empty in either distribution (`ln(0)` is undefined).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EmptyBins {
    /// Raise every proportion below `eps` to `eps` (no renormalisation); the default is
    /// `eps = 1e-4`. Evidently instead replaces only proportions that are exactly 0 (by 1e-4).
    Floor(f64),
    /// Add `alpha` to every count before normalising (Laplace smoothing).
    Smooth(f64),
    /// Replace only proportions that are exactly 0 by `eps` (no renormalisation): Evidently's
    /// rule (with `eps = 1e-4`).
    Zeros(f64),
}

impl Default for EmptyBins {
    fn default() -> Self {
        EmptyBins::Floor(1e-4)
    }
}

/// Counts divided by their sum. The counts are first divided by the power of two at or below
/// the largest (exact, and a no-op on the result for ordinary counts), so that the sum of huge
/// counts cannot overflow (1e308 + 1e308) nor tiny ones lose their ratios as subnormals.
fn proportions(arg: &'static str, counts: &[f64]) -> Result<Vec<f64>> {
    check_counts(arg, counts)?;
    let max = counts.iter().fold(0.0f64, |m, &c| m.max(c));
    if max <= 0.0 {
        return Err(StatsError::Empty { arg });
    }
    let inv = 1.0 / crate::pow2_at_most(max);
    let total: f64 = counts.iter().map(|c| c * inv).sum();
    Ok(counts.iter().map(|c| c * inv / total).collect())
}

fn pair(p: &[f64], q: &[f64]) -> Result<(Vec<f64>, Vec<f64>)> {
    check_same_len("p", p.len(), "q", q.len())?;
    Ok((proportions("p", p)?, proportions("q", q)?))
}

/// `x * ln(x / y)` with scipy's `rel_entr` conventions: 0 when `x == 0`, inf when `y == 0 < x`.
pub fn rel_entr(x: f64, y: f64) -> f64 {
    if x > 0.0 && y > 0.0 {
        let r = x / y;
        // x / y can overflow or lose precision as a subnormal; the log difference cannot.
        if r.is_normal() { x * r.ln() } else { x * (x.ln() - y.ln()) }
    } else if x == 0.0 && y >= 0.0 {
        0.0
    } else {
        f64::INFINITY
    }
}

/// Population stability index `sum_i (a_i - e_i) ln(a_i / e_i)` of `actual` against `expected`
/// proportions, with empty bins treated as `empty` says.
pub fn psi(expected: &[f64], actual: &[f64], empty: EmptyBins) -> Result<f64> {
    check_same_len("expected", expected.len(), "actual", actual.len())?;
    let (e, a) = match empty {
        EmptyBins::Floor(eps) | EmptyBins::Zeros(eps) => {
            if !(eps > 0.0 && eps < 1.0) {
                return Err(StatsError::InvalidArgument(format!("PSI floor `eps` must be in (0, 1), got {eps}")));
            }
            let only_zeros = matches!(empty, EmptyBins::Zeros(_));
            let floor = |v: Vec<f64>| {
                v.into_iter().map(|p| if only_zeros { if p == 0.0 { eps } else { p } } else { p.max(eps) }).collect::<Vec<_>>()
            };
            (floor(proportions("expected", expected)?), floor(proportions("actual", actual)?))
        }
        EmptyBins::Smooth(alpha) => {
            if !(alpha > 0.0 && alpha.is_finite()) {
                return Err(StatsError::InvalidArgument(format!("PSI smoothing `alpha` must be > 0, got {alpha}")));
            }
            check_counts("expected", expected)?;
            check_counts("actual", actual)?;
            let smooth = |v: &[f64]| v.iter().map(|c| c + alpha).collect::<Vec<_>>();
            (proportions("expected", &smooth(expected))?, proportions("actual", &smooth(actual))?)
        }
    };
    Ok(e.iter().zip(&a).map(|(e, a)| (a - e) * (a / e).ln()).sum())
}

/// `x ln(x / y) - x + y` (scipy's `kl_div`), which is >= 0 for every `x, y >= 0`: computed so
/// that it stays >= 0 in floating point too (a series in `u = x/y - 1` near `x == y`, where
/// the direct form cancels). inf when `y == 0 < x`.
pub fn kl_div(x: f64, y: f64) -> f64 {
    if x == 0.0 {
        return y;
    }
    if y == 0.0 {
        return f64::INFINITY;
    }
    let u = (x - y) / y;
    if u.abs() <= 0.1 {
        // f(u) = (1 + u) ln(1 + u) - u = sum_{k >= 2} (-u)^k / (k (k - 1)); 16 terms reach 1e-17
        let mut term = u * u;
        let mut f = 0.0;
        for k in 2..18u32 {
            f += term / (k * (k - 1)) as f64;
            term *= -u;
        }
        return (y * f).max(0.0);
    }
    (rel_entr(x, y) - x + y).max(0.0)
}

/// Kullback-Leibler divergence `sum p ln(p/q)` (in units of `base`, natural log when `None`);
/// matches `scipy.stats.entropy(p, q, base)`. Summed as `sum p ln(p/q) - p + q` (the same
/// value, as both sum to 1), whose terms are each >= 0, so rounding never makes it negative.
pub fn kl_divergence(p: &[f64], q: &[f64], base: Option<f64>) -> Result<f64> {
    let (p, q) = pair(p, q)?;
    let kl: f64 = p.iter().zip(&q).map(|(&x, &y)| kl_div(x, y)).sum();
    Ok(kl / log_base(base)?)
}

fn log_base(base: Option<f64>) -> Result<f64> {
    match base {
        None => Ok(1.0),
        Some(b) if b > 0.0 && b != 1.0 && b.is_finite() => Ok(b.ln()),
        Some(b) => Err(StatsError::InvalidArgument(format!("`base` must be positive and not 1, got {b}"))),
    }
}

/// Jensen-Shannon divergence `(KL(p||m) + KL(q||m)) / 2`, `m = (p + q) / 2`, in units of `base`.
pub fn js_divergence(p: &[f64], q: &[f64], base: Option<f64>) -> Result<f64> {
    let (p, q) = pair(p, q)?;
    // x ln(x/m) = x ln1p((x - y) / (x + y)): exact in the ratio, so nearly equal distributions
    // do not lose their small divergence to rounding in x/m.
    let term = |x: f64, y: f64| {
        if x <= 0.0 {
            return 0.0;
        }
        let r = (x - y) / (x + y);
        x * if r.abs() < 0.5 { r.ln_1p() } else { (2.0 * x / (x + y)).ln() }
    };
    let js: f64 = p.iter().zip(&q).map(|(&x, &y)| term(x, y) + term(y, x)).sum();
    Ok(js.max(0.0) / log_base(base)? / 2.0)
}

/// Jensen-Shannon distance, the square root of [`js_divergence`]; matches
/// `scipy.spatial.distance.jensenshannon(p, q, base)`.
pub fn js_distance(p: &[f64], q: &[f64], base: Option<f64>) -> Result<f64> {
    Ok(js_divergence(p, q, base)?.sqrt())
}

/// Hellinger distance `sqrt(sum (sqrt p - sqrt q)^2 / 2)`, in [0, 1].
pub fn hellinger(p: &[f64], q: &[f64]) -> Result<f64> {
    let (p, q) = pair(p, q)?;
    let s: f64 = p.iter().zip(&q).map(|(x, y)| (x.sqrt() - y.sqrt()).powi(2)).sum();
    Ok((s / 2.0).sqrt())
}

/// Total variation distance `sum |p - q| / 2`, in [0, 1].
pub fn total_variation(p: &[f64], q: &[f64]) -> Result<f64> {
    let (p, q) = pair(p, q)?;
    Ok(p.iter().zip(&q).map(|(x, y)| (x - y).abs()).sum::<f64>() / 2.0)
}

/// L-infinity distance `max |p - q|` between the proportions (SageMaker's categorical drift).
pub fn linf(p: &[f64], q: &[f64]) -> Result<f64> {
    let (p, q) = pair(p, q)?;
    Ok(p.iter().zip(&q).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        let p = [1.0, 2.0, 3.0];
        let q = [3.0, 2.0, 1.0];
        assert!((total_variation(&p, &q).unwrap() - 1.0 / 3.0).abs() < 1e-15);
        assert!((linf(&p, &q).unwrap() - 1.0 / 3.0).abs() < 1e-15);
        assert_eq!(js_distance(&p, &p, None).unwrap(), 0.0);
        assert_eq!(kl_divergence(&[1.0, 0.0], &[0.0, 1.0], None).unwrap(), f64::INFINITY);
        // PSI is symmetric in its two arguments.
        let a = psi(&p, &q, EmptyBins::default()).unwrap();
        assert!((a - psi(&q, &p, EmptyBins::default()).unwrap()).abs() < 1e-15);
        assert!((a - 2.0 * (2.0 / 6.0) * 3f64.ln()).abs() < 1e-12);
    }

    #[test]
    fn psi_zeros_rule_touches_only_empty_bins() {
        // proportions [0.5, 0.49999, 0.00001] vs [0.5, 0.5, 0]: only the 0 becomes 1e-4
        let e = [50_000.0, 49_999.0, 1.0];
        let a = [1.0, 1.0, 0.0];
        let (p3, q3) = (1e-5f64, 1e-4f64);
        let p2 = 49_999.0f64 / 100_000.0;
        let want = (0.5 - p2) * (0.5 / p2).ln() + (q3 - p3) * (q3 / p3).ln();
        assert!((psi(&e, &a, EmptyBins::Zeros(1e-4)).unwrap() - want).abs() < 1e-15);
        assert!(psi(&e, &a, EmptyBins::Floor(1e-4)).unwrap() < want);
    }

    #[test]
    fn extreme_counts_keep_their_proportions() {
        let m = f64::MAX;
        assert_eq!(total_variation(&[m, m], &[1.0, 1.0]).unwrap(), 0.0);
        assert_eq!(linf(&[5e-324, 1e-323], &[1.0, 2.0]).unwrap(), 0.0);
        assert_eq!(kl_divergence(&[1e308, 1e308, 1e308], &[1.0, 1.0, 1.0], None).unwrap(), 0.0);
    }

    #[test]
    fn kl_never_negative() {
        let kl = kl_divergence(&[0.3, 0.3, 0.4], &[0.3 + 1e-15, 0.3, 0.4 - 1e-15], None).unwrap();
        assert!(kl >= 0.0 && kl < 1e-28, "{kl}");
        assert_eq!(kl_divergence(&[1.0, 2.0], &[1.0, 2.0], None).unwrap(), 0.0);
        // the series and the direct form agree where they meet
        for (x, y) in [(0.11, 0.1), (0.1, 0.11), (0.5, 0.2), (1e-300, 1e-301)] {
            let direct = x * (x / y as f64).ln() - x + y;
            assert!((kl_div(x, y) - direct).abs() <= 1e-12 * direct.abs().max(1e-300), "{x} {y}");
        }
    }

    #[test]
    fn bad_input() {
        assert!(matches!(linf(&[1.0], &[1.0, 2.0]), Err(StatsError::LengthMismatch { .. })));
        assert!(matches!(linf(&[-1.0], &[1.0]), Err(StatsError::InvalidCount { .. })));
        assert!(matches!(linf(&[0.0], &[1.0]), Err(StatsError::Empty { .. })));
        assert!(matches!(linf(&[], &[]), Err(StatsError::Empty { .. })));
    }
}
