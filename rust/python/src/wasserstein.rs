//! Bindings of driftline_core::stats::wasserstein: CDF distances between two samples.
use driftline_core::stats::wasserstein as w;
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;

use crate::convert::{optional, slice};
use crate::errors::run;

macro_rules! cdf_distance_fn {
    ($name:ident, $kernel:path) => {
        #[pyfunction]
        #[pyo3(signature = (u_values, v_values, u_weights=None, v_weights=None))]
        fn $name(
            py: Python<'_>,
            u_values: PyReadonlyArray1<'_, f64>,
            v_values: PyReadonlyArray1<'_, f64>,
            u_weights: Option<PyReadonlyArray1<'_, f64>>,
            v_weights: Option<PyReadonlyArray1<'_, f64>>,
        ) -> PyResult<f64> {
            let u = slice(py, &u_values, "u_values")?;
            let v = slice(py, &v_values, "v_values")?;
            let uw = optional(py, &u_weights, "u_weights")?;
            let vw = optional(py, &v_weights, "v_weights")?;
            run(py, || $kernel(u, v, uw, vw))
        }
    };
}

cdf_distance_fn!(wasserstein_distance, w::wasserstein_distance);
cdf_distance_fn!(energy_distance, w::energy_distance);

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(wasserstein_distance, m)?)?;
    m.add_function(wrap_pyfunction!(energy_distance, m)?)?;
    Ok(())
}
