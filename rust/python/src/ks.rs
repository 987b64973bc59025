//! Bindings of driftline_core::stats::ks and ::kstwo: the two-sample KS test and the
//! Kolmogorov-Smirnov distributions behind its p-values.
use driftline_core::stats::ks::{self, Alternative, ExactFallback, KsMethod};
use driftline_core::stats::kstwo;
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;

use crate::convert::slice;
use crate::errors::{invalid, run};

/// "two-sided", "less", "greater" (any case), or scipy's one-letter forms "t", "l", "g".
fn parse_alternative(py: Python<'_>, s: &str) -> PyResult<Alternative> {
    match s.to_ascii_lowercase().as_str() {
        "two-sided" | "t" => Ok(Alternative::TwoSided),
        "less" | "l" => Ok(Alternative::Less),
        "greater" | "g" => Ok(Alternative::Greater),
        _ => Err(invalid(py, format!("alternative must be 'two-sided', 'less' or 'greater', got {s:?}"))),
    }
}

fn parse_method(py: Python<'_>, s: &str) -> PyResult<KsMethod> {
    match s {
        "auto" => Ok(KsMethod::Auto),
        "exact" => Ok(KsMethod::Exact),
        "asymp" => Ok(KsMethod::Asymp),
        _ => Err(invalid(py, format!("method must be 'auto', 'exact' or 'asymp', got {s:?}"))),
    }
}

/// (statistic, pvalue, statistic_location, statistic_sign, method used, exact fallback reason)
type KsTuple = (f64, f64, f64, i8, &'static str, Option<&'static str>);

/// Two-sample KS test ignoring NaN. Returns (statistic, pvalue, statistic_location,
/// statistic_sign, method used, exact fallback: None, "lattice_too_large" or "unsuccessful").
#[pyfunction]
#[pyo3(signature = (data1, data2, alternative="two-sided", method="auto"))]
fn ks_2samp(
    py: Python<'_>,
    data1: PyReadonlyArray1<'_, f64>,
    data2: PyReadonlyArray1<'_, f64>,
    alternative: &str,
    method: &str,
) -> PyResult<KsTuple> {
    let (alt, how) = (parse_alternative(py, alternative)?, parse_method(py, method)?);
    let (a, b) = (slice(py, &data1, "data1")?, slice(py, &data2, "data2")?);
    let r = run(py, || ks::ks_2samp(a, b, alt, how))?;
    let used = if r.method == KsMethod::Exact { "exact" } else { "asymp" };
    let fallback = r.exact_fallback.map(|f| match f {
        ExactFallback::LatticeTooLarge => "lattice_too_large",
        ExactFallback::Unsuccessful => "unsuccessful",
    });
    Ok((r.statistic, r.pvalue, r.statistic_location, r.statistic_sign, used, fallback))
}

/// `scipy.stats.kstwo.sf(x, n)`: P(D_n >= x) for the two-sided one-sample statistic.
#[pyfunction]
fn kstwo_sf(py: Python<'_>, x: f64, n: f64) -> PyResult<f64> {
    run(py, || Ok(kstwo::kstwo_sf(x, n)))
}

/// `scipy.special.smirnov(n, x)`: P(D_n^+ >= x) for the one-sided one-sample statistic.
#[pyfunction]
fn smirnov(py: Python<'_>, n: i64, x: f64) -> PyResult<f64> {
    if n <= 0 {
        return Ok(f64::NAN);
    }
    run(py, || Ok(kstwo::smirnov(n as u64, x)))
}

/// `scipy.special.kolmogorov(y)`: survival function of Kolmogorov's limiting distribution.
#[pyfunction]
fn kolmogorov(y: f64) -> f64 {
    kstwo::kolmogorov(y)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(ks_2samp, m)?)?;
    m.add_function(wrap_pyfunction!(kstwo_sf, m)?)?;
    m.add_function(wrap_pyfunction!(smirnov, m)?)?;
    m.add_function(wrap_pyfunction!(kolmogorov, m)?)?;
    Ok(())
}
