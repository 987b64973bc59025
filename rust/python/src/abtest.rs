//! Binding of driftline_core::abtest: the means of many bootstrap resamples of one arm.
use driftline_core::abtest::{bootstrap_means as means, MAX_DRAWS};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;

use crate::convert::{optional, size, slice};
use crate::errors::run;

/// The per-resample means of the numerator and (possibly empty) denominator.
type MeansPair<'py> = (Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<f64>>);

/// Per-resample means of `num` (and of `den`, paired by row) over `draws` resamples drawn with
/// replacement from `seed`; the second array is empty without `den`.
#[pyfunction]
#[pyo3(signature = (num, den=None, draws=10000, seed=0))]
fn bootstrap_means<'py>(
    py: Python<'py>,
    num: PyReadonlyArray1<'py, f64>,
    den: Option<PyReadonlyArray1<'py, f64>>,
    draws: i128,
    seed: u64,
) -> PyResult<MeansPair<'py>> {
    let draws = size(py, draws, "draws", 1, MAX_DRAWS)?;
    let num = slice(py, &num, "num")?;
    let den = optional(py, &den, "den")?;
    let r = run(py, || means(num, den, draws, seed))?;
    Ok((r.num.into_pyarray(py), r.den.into_pyarray(py)))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(bootstrap_means, m)?)?;
    Ok(())
}
