//! Bindings of driftline_core::stats::distance: distances between binned distributions.
use driftline_core::stats::distance::{self as d, EmptyBins};
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;

use crate::convert::slice;
use crate::errors::{invalid, run};

/// PSI of `actual` against `expected` counts; `empty_bins` is "floor" (eps), "smooth" (alpha)
/// or "zeros" (Evidently's: only empty bins become eps).
#[pyfunction]
#[pyo3(signature = (expected, actual, empty_bins="floor", eps=1e-4))]
fn psi(
    py: Python<'_>,
    expected: PyReadonlyArray1<'_, f64>,
    actual: PyReadonlyArray1<'_, f64>,
    empty_bins: &str,
    eps: f64,
) -> PyResult<f64> {
    let how = match empty_bins {
        "floor" => EmptyBins::Floor(eps),
        "smooth" => EmptyBins::Smooth(eps),
        "zeros" => EmptyBins::Zeros(eps),
        other => return Err(invalid(py, format!("empty_bins must be 'floor', 'smooth' or 'zeros', got {other:?}"))),
    };
    let (e, a) = (slice(py, &expected, "expected")?, slice(py, &actual, "actual")?);
    run(py, || d::psi(e, a, how))
}

macro_rules! pair_fn {
    ($name:ident, $kernel:path) => {
        #[pyfunction]
        fn $name(py: Python<'_>, p: PyReadonlyArray1<'_, f64>, q: PyReadonlyArray1<'_, f64>) -> PyResult<f64> {
            let (p, q) = (slice(py, &p, "p")?, slice(py, &q, "q")?);
            run(py, || $kernel(p, q))
        }
    };
    ($name:ident, $kernel:path, base) => {
        #[pyfunction]
        #[pyo3(signature = (p, q, base=None))]
        fn $name(
            py: Python<'_>,
            p: PyReadonlyArray1<'_, f64>,
            q: PyReadonlyArray1<'_, f64>,
            base: Option<f64>,
        ) -> PyResult<f64> {
            let (p, q) = (slice(py, &p, "p")?, slice(py, &q, "q")?);
            run(py, || $kernel(p, q, base))
        }
    };
}

pair_fn!(kl_divergence, d::kl_divergence, base);
pair_fn!(js_divergence, d::js_divergence, base);
pair_fn!(jensenshannon, d::js_distance, base);
pair_fn!(hellinger, d::hellinger);
pair_fn!(total_variation, d::total_variation);
pair_fn!(linf, d::linf);

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(psi, m)?)?;
    m.add_function(wrap_pyfunction!(kl_divergence, m)?)?;
    m.add_function(wrap_pyfunction!(js_divergence, m)?)?;
    m.add_function(wrap_pyfunction!(jensenshannon, m)?)?;
    m.add_function(wrap_pyfunction!(hellinger, m)?)?;
    m.add_function(wrap_pyfunction!(total_variation, m)?)?;
    m.add_function(wrap_pyfunction!(linf, m)?)?;
    Ok(())
}
