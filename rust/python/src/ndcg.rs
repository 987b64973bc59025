//! Binding of driftline_core::stats::ndcg: Clarify's attribution-drift score.
use driftline_core::stats::ndcg as core_ndcg;
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;

use crate::convert::slice;
use crate::errors::run;

#[pyfunction]
#[pyo3(signature = (baseline, current, ignore_ties=false))]
fn ndcg(
    py: Python<'_>,
    baseline: PyReadonlyArray1<'_, f64>,
    current: PyReadonlyArray1<'_, f64>,
    ignore_ties: bool,
) -> PyResult<f64> {
    let (b, c) = (slice(py, &baseline, "baseline")?, slice(py, &current, "current")?);
    run(py, || core_ndcg::ndcg(b, c, ignore_ties))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(ndcg, m)?)?;
    Ok(())
}
