//! Bindings of driftline_core::battery: the drift table's statistics over many repetitions in one
//! call, for the drift-test benchmark. Each returns a dict of numpy arrays (one entry per
//! repetition, or repetitions x width) and the seconds each kernel took, summed.
use driftline_core::battery::{
    categorical_reps, numeric_reps, NumericSettings, CATEGORICAL_KERNELS, NUMERIC_KERNELS,
};
use driftline_core::kll;
use numpy::{
    IntoPyArray, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods,
};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::{size, slice};
use crate::errors::{invalid, run};

fn rows<'a>(
    py: Python<'_>,
    a: &'a PyReadonlyArray2<'_, f64>,
    name: &str,
) -> PyResult<(&'a [f64], usize)> {
    let width = a.shape()[1];
    let s = a.as_slice().map_err(|_| {
        invalid(
            py,
            format!("`{name}` must be a C-contiguous, aligned 2-D float64 array"),
        )
    })?;
    Ok((s, width))
}

fn seconds<'py>(py: Python<'py>, names: &[&str], values: &[f64]) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (n, v) in names.iter().zip(values) {
        d.set_item(*n, *v)?;
    }
    Ok(d)
}

/// Numeric statistics of each repetition: rows of `x` are references, rows of `y` windows (the
/// same number of rows). Keys: ks_statistic, ks_pvalue, wasserstein, sketch_ks, sketch_ks_error,
/// sketch_n, window_sketch_n, quantiles (reps x points), bins, expected and actual (reps x
/// (len(edge_points) + 1), NaN-padded), psi, js, seconds (a dict by kernel).
#[pyfunction]
#[pyo3(signature = (x, y, quantile_points, edge_points, kll_k=2048, kll_c=0.64, reference_seed=1, window_seed=2))]
#[allow(clippy::too_many_arguments)]
fn battery_numeric<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    y: PyReadonlyArray2<'py, f64>,
    quantile_points: PyReadonlyArray1<'py, f64>,
    edge_points: PyReadonlyArray1<'py, f64>,
    kll_k: i128,
    kll_c: f64,
    reference_seed: u64,
    window_seed: u64,
) -> PyResult<Bound<'py, PyDict>> {
    if x.shape()[0] != y.shape()[0] {
        return Err(invalid(
            py,
            format!(
                "`x` has {} repetitions (rows) but `y` {}",
                x.shape()[0],
                y.shape()[0]
            ),
        ));
    }
    let k = size(py, kll_k, "kll_k", kll::MIN_K as usize, kll::MAX_K as usize)? as u32;
    let ((xs, n), (ys, m)) = (rows(py, &x, "x")?, rows(py, &y, "y")?);
    let (qp, ep) = (
        slice(py, &quantile_points, "quantile_points")?,
        slice(py, &edge_points, "edge_points")?,
    );
    let reps = x.shape()[0];
    let settings = NumericSettings {
        kll_k: k,
        kll_c,
        reference_seed,
        window_seed,
        quantile_points: qp,
        edge_points: ep,
    };
    let r = run(py, || numeric_reps(xs, n, ys, m, &settings))?;
    let d = PyDict::new(py);
    for (key, v) in [
        ("ks_statistic", r.ks_statistic),
        ("ks_pvalue", r.ks_pvalue),
        ("wasserstein", r.wasserstein),
        ("sketch_ks", r.sketch_ks),
        ("sketch_ks_error", r.sketch_ks_error),
        ("sketch_n", r.sketch_n),
        ("window_sketch_n", r.window_sketch_n),
        ("psi", r.psi),
        ("js", r.js),
    ] {
        d.set_item(key, v.into_pyarray(py))?;
    }
    d.set_item(
        "quantiles",
        r.quantiles.into_pyarray(py).reshape([reps, qp.len()])?,
    )?;
    let width = ep.len() + 1;
    d.set_item(
        "expected",
        r.expected.into_pyarray(py).reshape([reps, width])?,
    )?;
    d.set_item("actual", r.actual.into_pyarray(py).reshape([reps, width])?)?;
    d.set_item(
        "bins",
        r.bins
            .into_iter()
            .map(|b| b as i64)
            .collect::<Vec<i64>>()
            .into_pyarray(py),
    )?;
    d.set_item("seconds", seconds(py, &NUMERIC_KERNELS, &r.seconds)?)?;
    Ok(d)
}

/// Categorical statistics of each repetition: rows of `reference` and `window` are category
/// counts (same categories, same order). Keys: categories (seen per repetition), chi2_pvalue,
/// linf, psi, js, seconds (a dict by kernel).
#[pyfunction]
fn battery_categorical<'py>(
    py: Python<'py>,
    reference: PyReadonlyArray2<'py, f64>,
    window: PyReadonlyArray2<'py, f64>,
) -> PyResult<Bound<'py, PyDict>> {
    if reference.shape() != window.shape() {
        return Err(invalid(
            py,
            format!(
                "`reference` has shape {:?} but `window` {:?}",
                reference.shape(),
                window.shape()
            ),
        ));
    }
    let ((a, k), (b, _)) = (
        rows(py, &reference, "reference")?,
        rows(py, &window, "window")?,
    );
    let r = run(py, || categorical_reps(a, b, k))?;
    let d = PyDict::new(py);
    d.set_item(
        "categories",
        r.categories
            .into_iter()
            .map(|c| c as i64)
            .collect::<Vec<i64>>()
            .into_pyarray(py),
    )?;
    for (key, v) in [
        ("chi2_pvalue", r.chi2_pvalue),
        ("linf", r.linf),
        ("psi", r.psi),
        ("js", r.js),
    ] {
        d.set_item(key, v.into_pyarray(py))?;
    }
    d.set_item("seconds", seconds(py, &CATEGORICAL_KERNELS, &r.seconds)?)?;
    Ok(d)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(battery_numeric, m)?)?;
    m.add_function(wrap_pyfunction!(battery_categorical, m)?)?;
    Ok(())
}
