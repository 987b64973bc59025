//! Bindings of driftline_core::shap: KernelSHAP's coalitions, synthetic rows and solve. The model
//! is called from Python between `shap_synthesize` and `shap_solve`.
use driftline_core::shap::{plan_coalitions, solve, synthesize, synthesize_into, synthesized_len, Coalitions};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyArray3, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::prelude::*;

use crate::convert::{size, slice};
use crate::errors::{invalid, run};

type Plan<'py> = (Bound<'py, PyArray2<u8>>, Bound<'py, PyArray1<f64>>, bool);

fn contiguous<'a, T: numpy::Element>(py: Python<'_>, a: &'a PyReadonlyArray2<'_, T>, name: &str) -> PyResult<&'a [T]> {
    a.as_slice().map_err(|_| invalid(py, format!("`{name}` must be a C-contiguous, aligned 2-D array")))
}

/// The coalitions (masks, n x m, 1 = from the explained row) and their kernel weights for `m`
/// features and `num_samples` coalitions, and whether they are all of them (exact).
#[pyfunction]
#[pyo3(signature = (m, num_samples, seed=0))]
fn shap_plan(py: Python<'_>, m: i128, num_samples: i128, seed: u64) -> PyResult<Plan<'_>> {
    let m = size(py, m, "m", 1, driftline_core::shap::MAX_FEATURES)?;
    let n = size(py, num_samples, "num_samples", 0, driftline_core::shap::MAX_SAMPLES)?;
    let plan = run(py, || plan_coalitions(m, n, seed))?;
    let rows = plan.len();
    let masks = plan.masks.into_pyarray(py).reshape([rows, m])?;
    Ok((masks, plan.weights.into_pyarray(py), plan.exact))
}

/// The synthetic rows: for each row, coalition and background row (in that order), the
/// background row with the coalition's features from the row; `(rows*coalitions*background, m)`,
/// then the rows themselves when `append_rows`.
#[pyfunction]
#[pyo3(signature = (rows, background, masks, append_rows=false))]
fn shap_synthesize<'py>(
    py: Python<'py>,
    rows: PyReadonlyArray2<'py, f64>,
    background: PyReadonlyArray2<'py, f64>,
    masks: PyReadonlyArray2<'py, u8>,
    append_rows: bool,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let m = rows.shape()[1];
    if background.shape()[1] != m || masks.shape()[1] != m {
        return Err(invalid(py, format!(
            "`rows`, `background` and `masks` must have the same number of columns, got {}, {} and {}",
            m, background.shape()[1], masks.shape()[1]
        )));
    }
    let (r, b, k) = (contiguous(py, &rows, "rows")?, contiguous(py, &background, "background")?, contiguous(py, &masks, "masks")?);
    let out = run(py, || synthesize(r, b, m, k, append_rows))?;
    let n = out.len() / m.max(1);
    out.into_pyarray(py).reshape([n, m])
}

/// `shap_synthesize` into `out` (a C-contiguous float64 array the caller reuses from batch to
/// batch); returns the number of rows written.
#[pyfunction]
fn shap_synthesize_into<'py>(
    py: Python<'py>,
    out: &Bound<'py, PyArray2<f64>>,
    rows: PyReadonlyArray2<'py, f64>,
    background: PyReadonlyArray2<'py, f64>,
    masks: PyReadonlyArray2<'py, u8>,
    append_rows: bool,
) -> PyResult<usize> {
    let m = rows.shape()[1];
    if background.shape()[1] != m || masks.shape()[1] != m || out.shape()[1] != m {
        return Err(invalid(py, format!(
            "`out`, `rows`, `background` and `masks` must have the same number of columns, got {}, {}, {} and {}",
            out.shape()[1], m, background.shape()[1], masks.shape()[1]
        )));
    }
    let (r, b, k) = (contiguous(py, &rows, "rows")?, contiguous(py, &background, "background")?, contiguous(py, &masks, "masks")?);
    let mut guard = out.try_readwrite().map_err(|_| invalid(py, "`out` must be a writeable array not used elsewhere"))?;
    let o = guard.as_slice_mut().map_err(|_| invalid(py, "`out` must be C-contiguous"))?;
    run(py, || {
        synthesize_into(o, r, b, m, k, append_rows)?;
        synthesized_len(r.len(), b.len(), m, k.len(), append_rows).map(|n| n / m.max(1))
    })
}

/// Shapley values `(rows, m, outputs)` from the model's outputs `y` on the synthetic rows
/// (`(rows*coalitions*background, outputs)`), its outputs `fx` on the rows (`(rows, outputs)`),
/// and E[f] over the background (`expected`, `(outputs,)`).
#[pyfunction]
#[pyo3(signature = (masks, weights, y, fx, expected, n_background, background_weights=None))]
#[allow(clippy::too_many_arguments)]
fn shap_solve<'py>(
    py: Python<'py>,
    masks: PyReadonlyArray2<'py, u8>,
    weights: PyReadonlyArray1<'py, f64>,
    y: PyReadonlyArray2<'py, f64>,
    fx: PyReadonlyArray2<'py, f64>,
    expected: PyReadonlyArray1<'py, f64>,
    n_background: i128,
    background_weights: Option<PyReadonlyArray1<'py, f64>>,
) -> PyResult<Bound<'py, PyArray3<f64>>> {
    let m = masks.shape()[1];
    let n_bg = size(py, n_background, "n_background", 1, usize::MAX >> 8)?;
    let (k, w) = (contiguous(py, &masks, "masks")?, slice(py, &weights, "weights")?);
    if k.len() != w.len() * m {
        return Err(invalid(py, format!("`masks` has {} rows but `weights` {} values", masks.shape()[0], w.len())));
    }
    let plan = Coalitions { m, masks: k.to_vec(), weights: w.to_vec(), exact: false };
    let (yv, fxv, ev) = (contiguous(py, &y, "y")?, contiguous(py, &fx, "fx")?, slice(py, &expected, "expected")?);
    let bw: Vec<f64> = match &background_weights {
        Some(a) => slice(py, a, "background_weights")?.to_vec(),
        None => vec![],
    };
    let n_rows = fx.shape()[0];
    let n_out = ev.len();
    let out = run(py, || solve(&plan, yv, n_bg, &bw, fxv, ev))?;
    out.into_pyarray(py).reshape([n_rows, m, n_out])
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(shap_plan, m)?)?;
    m.add_function(wrap_pyfunction!(shap_synthesize, m)?)?;
    m.add_function(wrap_pyfunction!(shap_synthesize_into, m)?)?;
    m.add_function(wrap_pyfunction!(shap_solve, m)?)?;
    Ok(())
}
