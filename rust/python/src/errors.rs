//! The one place where core errors and panics become Python exceptions.
//!
//! The exception classes live in `driftline/errors.py` (so they can inherit from both
//! `DriftlineError` and `ValueError`); this module looks them up by name.
use std::panic::{catch_unwind, AssertUnwindSafe};

use driftline_core::StatsError;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

fn exception(py: Python<'_>, class: &str, msg: String) -> PyErr {
    match py.import("driftline.errors").and_then(|m| m.getattr(class)) {
        Ok(cls) => PyErr::from_type(cls.cast_into().expect("driftline.errors holds classes"), msg),
        Err(_) => PyRuntimeError::new_err(msg),
    }
}

/// Convert a core error into the matching `driftline.errors` exception.
pub fn to_py(py: Python<'_>, err: StatsError) -> PyErr {
    let class = match &err {
        StatsError::Empty { .. } => "EmptyInputError",
        StatsError::LengthMismatch { .. } => "LengthMismatchError",
        StatsError::InvalidCount { .. } => "InvalidCountError",
        StatsError::InvalidArgument(_) => "InvalidArgumentError",
        StatsError::OutOfMemory { .. } => "OutOfMemoryError",
    };
    exception(py, class, err.to_string())
}

/// An argument error raised on the binding side (bad dtype, layout, option name).
pub fn invalid(py: Python<'_>, msg: impl Into<String>) -> PyErr {
    exception(py, "InvalidArgumentError", msg.into())
}

/// Run a kernel with the GIL released; a core error becomes its exception and a panic becomes
/// `driftline.errors.InternalError` instead of reaching Python as `PanicException`.
pub fn run<T, F>(py: Python<'_>, f: F) -> PyResult<T>
where
    T: Send,
    F: FnOnce() -> driftline_core::Result<T> + Send,
{
    match py.detach(|| catch_unwind(AssertUnwindSafe(f))) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(to_py(py, e)),
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            Err(exception(py, "InternalError", format!("internal error in driftline's core (please report): {what}")))
        }
    }
}

/// Test hook: proves that a panic inside a kernel reaches Python as `InternalError`.
#[pyfunction]
fn _panic_in_kernel(py: Python<'_>) -> PyResult<()> {
    run(py, || -> driftline_core::Result<()> { panic!("deliberate panic for the test suite") })
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_panic_in_kernel, m)?)?;
    Ok(())
}
