//! Bindings of driftline_core::isotonic: weighted isotonic regression (fit to points, predict
//! from points), as scikit-learn's IsotonicRegression(out_of_bounds="clip").
use driftline_core::isotonic::{fit_predict_rows, IsotonicRegression};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::prelude::*;

use crate::convert::{optional, slice};
use crate::errors::{invalid, run};

type Points<'py> = (Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<f64>>);

/// Fit y as a non-decreasing function of x; returns the fitted points (x strictly increasing).
#[pyfunction]
#[pyo3(signature = (x, y, sample_weight=None, y_min=None, y_max=None))]
fn isotonic_fit<'py>(
    py: Python<'py>,
    x: PyReadonlyArray1<'py, f64>,
    y: PyReadonlyArray1<'py, f64>,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
    y_min: Option<f64>,
    y_max: Option<f64>,
) -> PyResult<Points<'py>> {
    let (xs, ys, w) = (slice(py, &x, "x")?, slice(py, &y, "y")?, optional(py, &sample_weight, "sample_weight")?);
    let fit = run(py, || IsotonicRegression::fit(xs, ys, w, y_min, y_max))?;
    let (px, py_) = fit.points();
    Ok((px.to_vec().into_pyarray(py), py_.to_vec().into_pyarray(py)))
}

/// Predict at `x` from fitted points: clip to their range, interpolate linearly (numpy.interp).
#[pyfunction]
fn isotonic_predict<'py>(
    py: Python<'py>,
    x_fitted: PyReadonlyArray1<'py, f64>,
    y_fitted: PyReadonlyArray1<'py, f64>,
    x: PyReadonlyArray1<'py, f64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let (fx, fy, t) = (slice(py, &x_fitted, "x_fitted")?, slice(py, &y_fitted, "y_fitted")?, slice(py, &x, "x")?);
    let out = run(py, || IsotonicRegression::from_points(fx.to_vec(), fy.to_vec())?.predict(t))?;
    Ok(out.into_pyarray(py))
}

/// Fit each row of `y` (rows x len(x)) against `x` and predict at `x` again, rows in parallel:
/// `isotonic_predict(*isotonic_fit(x, y[r], ...), x)` for every row `r`.
#[pyfunction]
#[pyo3(signature = (x, y, sample_weight=None, y_min=None, y_max=None))]
fn isotonic_fit_predict_rows<'py>(
    py: Python<'py>,
    x: PyReadonlyArray1<'py, f64>,
    y: PyReadonlyArray2<'py, f64>,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
    y_min: Option<f64>,
    y_max: Option<f64>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let (xs, w) = (slice(py, &x, "x")?, optional(py, &sample_weight, "sample_weight")?);
    let shape = [y.shape()[0], y.shape()[1]];
    if shape[1] != xs.len() {
        return Err(invalid(py, format!("`y` must have one column per value of x ({}), got {}", xs.len(), shape[1])));
    }
    let ys = y.as_slice().map_err(|_| invalid(py, "`y` must be a C-contiguous, aligned 2-D array"))?;
    let out = run(py, || fit_predict_rows(xs, ys, w, y_min, y_max))?;
    out.into_pyarray(py).reshape(shape)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(isotonic_fit, m)?)?;
    m.add_function(wrap_pyfunction!(isotonic_predict, m)?)?;
    m.add_function(wrap_pyfunction!(isotonic_fit_predict_rows, m)?)?;
    Ok(())
}
