//! Binding of driftline_core::stats::fdr: Benjamini-Hochberg / -Yekutieli adjusted p-values.
use driftline_core::stats::fdr::{false_discovery_control as adjust, FdrMethod};
use numpy::{IntoPyArray, PyArray2, PyArrayMethods, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::prelude::*;

use crate::errors::{invalid, run};

/// Adjusted p-values of each row of `ps` (a C-contiguous float64 matrix), method "bh" or "by".
#[pyfunction]
#[pyo3(signature = (ps, method="bh"))]
fn false_discovery_control<'py>(
    py: Python<'py>,
    ps: PyReadonlyArray2<'py, f64>,
    method: &str,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let method = FdrMethod::by_name(method).map_err(|e| invalid(py, e.to_string()))?;
    let shape = [ps.shape()[0], ps.shape()[1]];
    let mut cells = ps.as_slice().map_err(|_| invalid(py, "`ps` must be a C-contiguous, aligned 2-D array"))?.to_vec();
    let cells = run(py, move || adjust(&mut cells, shape[1], method).map(|()| cells))?;
    cells.into_pyarray(py).reshape(shape)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(false_discovery_control, m)?)?;
    Ok(())
}
