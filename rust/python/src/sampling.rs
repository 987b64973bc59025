//! Binding of driftline_core::sampling: multinomial resamples for bootstraps.
use driftline_core::sampling;
use numpy::{IntoPyArray, PyArray2, PyReadonlyArray1};
use pyo3::prelude::*;

use crate::convert::{size, slice};
use crate::errors::{invalid, run};

/// `resamples` multinomial resamples of `counts` (each of `sum(counts)` rows, as resampling the rows
/// with replacement), seeded: a (resamples, len(counts)) uint64 array.
#[pyfunction]
fn multinomial_resamples<'py>(
    py: Python<'py>,
    counts: PyReadonlyArray1<'py, u64>,
    resamples: i128,
    seed: u64,
) -> PyResult<Bound<'py, PyArray2<u64>>> {
    let r = size(py, resamples, "resamples", 0, 1 << 24)?;
    let c = slice(py, &counts, "counts")?;
    let k = c.len();
    let flat = run(py, || sampling::multinomial_resamples(c, r, seed))?;
    let arr = numpy::ndarray::Array2::from_shape_vec((r, k), flat).map_err(|e| invalid(py, e.to_string()))?;
    Ok(arr.into_pyarray(py))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(multinomial_resamples, m)?)?;
    Ok(())
}
