//! False discovery rate control: p-values adjusted by Benjamini-Hochberg (1995) or
//! Benjamini-Yekutieli (2001), as `scipy.stats.false_discovery_control` computes them.
use crate::error::{Result, StatsError};
use crate::stats::chisq::sum;

/// The adjustment: Benjamini-Hochberg (independent or positively dependent tests) or
/// Benjamini-Yekutieli (any dependence).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FdrMethod {
    Bh,
    By,
}

impl FdrMethod {
    /// `"bh"` or `"by"`, any case (scipy's names).
    pub fn by_name(name: &str) -> Result<FdrMethod> {
        match name.to_ascii_lowercase().as_str() {
            "bh" => Ok(FdrMethod::Bh),
            "by" => Ok(FdrMethod::By),
            _ => Err(StatsError::InvalidArgument(format!(
                "Unrecognized `method` '{name}'. Method must be one of {{'bh', 'by'}}."
            ))),
        }
    }
}

/// Adjusted p-values of each row of `ps` (rows of `m` values, row-major), in place: with the
/// row sorted ascending, `q_(j) = min_{t >= j} p_(t) · (m / t)` (times `Σ_{i<=m} 1/i` for BY),
/// clipped to [0, 1], each back at its p-value's position. Operation by operation as scipy
/// 1.17 (`m / t` first, then the product; the BY factor summed in numpy's order), so the results
/// equal scipy's bit for bit. Every value must lie in [0, 1] (NaN is an error, as in scipy).
pub fn false_discovery_control(ps: &mut [f64], m: usize, method: FdrMethod) -> Result<()> {
    if ps.iter().any(|p| !(0.0..=1.0).contains(p)) {
        return Err(StatsError::InvalidArgument("`ps` must include only numbers between 0 and 1.".into()));
    }
    if m <= 1 || ps.is_empty() {
        return Ok(());
    }
    if ps.len() % m != 0 {
        return Err(StatsError::InvalidArgument(format!("`ps` must hold rows of {m} values, got {}", ps.len())));
    }
    let factor = match method {
        FdrMethod::Bh => None,
        FdrMethod::By => Some(sum(&(1..=m).map(|i| 1.0 / i as f64).collect::<Vec<f64>>())),
    };
    let mut order: Vec<usize> = Vec::with_capacity(m);
    let mut adjusted = vec![0.0; m];
    for row in ps.chunks_exact_mut(m) {
        order.clear();
        order.extend(0..m);
        // ties need no particular order: tied p-values end with equal adjusted values
        order.sort_unstable_by(|&a, &b| row[a].total_cmp(&row[b]));
        for (t, &i) in order.iter().enumerate() {
            let v = row[i] * (m as f64 / (t + 1) as f64);
            adjusted[t] = factor.map_or(v, |f| v * f);
        }
        for t in (0..m - 1).rev() {
            adjusted[t] = adjusted[t].min(adjusted[t + 1]);
        }
        for (t, &i) in order.iter().enumerate() {
            row[i] = adjusted[t].clamp(0.0, 1.0);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn benjamini_hochberg_by_hand() {
        let mut ps = [0.01, 0.04, 0.03, 0.005, 0.5];
        false_discovery_control(&mut ps, 5, FdrMethod::Bh).unwrap();
        // sorted 0.005, 0.01, 0.03, 0.04, 0.5 -> x5/1..5: 0.025, 0.025, 0.05, 0.05, 0.5
        let want = [0.025, 0.05, 0.05, 0.025, 0.5];
        for (g, w) in ps.iter().zip(want) {
            assert!((g - w).abs() < 1e-15, "{g} vs {w}");
        }
    }

    #[test]
    fn ties_get_equal_values_and_rows_are_separate() {
        let mut ps = [0.2, 0.2, 0.2, 0.9, 0.1, 0.1];
        false_discovery_control(&mut ps, 3, FdrMethod::Bh).unwrap();
        assert_eq!(ps[..3], [0.2, 0.2, 0.2]);
        assert_eq!(ps[4], ps[5]);
    }

    #[test]
    fn by_is_at_least_bh_and_bad_values_are_errors() {
        let (mut bh, mut by) = ([0.01, 0.2, 0.03], [0.01, 0.2, 0.03]);
        false_discovery_control(&mut bh, 3, FdrMethod::Bh).unwrap();
        false_discovery_control(&mut by, 3, FdrMethod::By).unwrap();
        assert!(bh.iter().zip(&by).all(|(a, b)| a <= b));
        assert!(false_discovery_control(&mut [0.1, f64::NAN], 2, FdrMethod::Bh).is_err());
        assert!(false_discovery_control(&mut [0.1, 1.5], 2, FdrMethod::Bh).is_err());
        assert!(FdrMethod::by_name("holm").is_err());
        assert_eq!(FdrMethod::by_name("BH").unwrap(), FdrMethod::Bh);
    }
}
