//! Bindings of driftline_core::stats::chisq (power divergence, contingency tables) and of the
//! chi-square / incomplete-gamma special functions in driftline_core::special.
use driftline_core::special;
use driftline_core::stats::chisq as c;
use numpy::{IntoPyArray, PyArrayDyn, PyArrayMethods, PyReadonlyArray1, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::prelude::*;

use crate::convert::slice;
use crate::errors::{invalid, run};

/// `lambda_` as scipy takes it: one of scipy's names or a number.
#[derive(FromPyObject)]
enum Lambda {
    Name(String),
    Value(f64),
}

fn lambda_value(py: Python<'_>, lambda: Option<Lambda>) -> PyResult<f64> {
    match lambda {
        None => Ok(1.0),
        Some(Lambda::Value(v)) => Ok(v),
        Some(Lambda::Name(name)) => c::lambda_by_name(&name).map_err(|e| invalid(py, e.to_string())),
    }
}

/// Cressie-Read power-divergence test: (statistic, pvalue).
#[pyfunction]
#[pyo3(signature = (f_obs, f_exp=None, ddof=0, lambda_=None))]
fn power_divergence(
    py: Python<'_>,
    f_obs: PyReadonlyArray1<'_, f64>,
    f_exp: Option<PyReadonlyArray1<'_, f64>>,
    ddof: i64,
    lambda_: Option<Lambda>,
) -> PyResult<(f64, f64)> {
    let lambda = lambda_value(py, lambda_)?;
    let obs = slice(py, &f_obs, "f_obs")?;
    let exp = match &f_exp {
        Some(a) => Some(slice(py, a, "f_exp")?),
        None => None,
    };
    run(py, || c::power_divergence(obs, exp, ddof, lambda))
}

/// Chi-square test of independence on an N-way table: (statistic, pvalue, dof, expected_freq).
#[pyfunction]
#[pyo3(signature = (observed, correction=true, lambda_=None))]
fn chi2_contingency<'py>(
    py: Python<'py>,
    observed: PyReadonlyArrayDyn<'py, f64>,
    correction: bool,
    lambda_: Option<Lambda>,
) -> PyResult<(f64, f64, usize, Bound<'py, PyArrayDyn<f64>>)> {
    let lambda = lambda_value(py, lambda_)?;
    let shape = observed.shape().to_vec();
    let table = observed.as_slice().map_err(|_| invalid(py, "`observed` must be a C-contiguous, aligned array"))?;
    let r = run(py, || c::chi2_contingency(table, &shape, correction, lambda))?;
    let expected = r.expected_freq.into_pyarray(py).reshape(shape)?;
    Ok((r.statistic, r.pvalue, r.dof, expected))
}

/// Chi-square survival function `Q(df/2, x/2)` (scipy.stats.chi2.sf(x, df)).
#[pyfunction]
fn chi2_sf(x: f64, df: f64) -> f64 {
    special::chi2_sf(x, df)
}

/// Regularized lower incomplete gamma `P(a, x)` (scipy.special.gammainc).
#[pyfunction]
fn gammainc(a: f64, x: f64) -> f64 {
    special::gamma_p(a, x)
}

/// Regularized upper incomplete gamma `Q(a, x)` (scipy.special.gammaincc).
#[pyfunction]
fn gammaincc(a: f64, x: f64) -> f64 {
    special::gamma_q(a, x)
}

/// `ln |Γ(x)|` (scipy.special.gammaln).
#[pyfunction]
fn gammaln(x: f64) -> f64 {
    special::ln_gamma(x)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(power_divergence, m)?)?;
    m.add_function(wrap_pyfunction!(chi2_contingency, m)?)?;
    m.add_function(wrap_pyfunction!(chi2_sf, m)?)?;
    m.add_function(wrap_pyfunction!(gammainc, m)?)?;
    m.add_function(wrap_pyfunction!(gammaincc, m)?)?;
    m.add_function(wrap_pyfunction!(gammaln, m)?)?;
    Ok(())
}
