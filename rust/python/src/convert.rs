//! Borrowing numpy buffers as slices. The Python facade (`driftline/_convert.py`) hands every
//! kernel a C-contiguous array of the right dtype, so these borrows never copy.
use numpy::{Element, PyReadonlyArray1};
use pyo3::prelude::*;

use crate::errors::invalid;

/// Borrow a 1-D numpy array as a slice, or fail with a message naming the argument.
pub fn slice<'a, T: Element>(py: Python<'_>, arr: &'a PyReadonlyArray1<'_, T>, name: &str) -> PyResult<&'a [T]> {
    arr.as_slice()
        .map_err(|_| invalid(py, format!("`{name}` must be a C-contiguous, aligned 1-D array")))
}

/// Borrow an optional 1-D float64 array (weights and the like).
pub fn optional<'a>(py: Python<'_>, arr: &'a Option<PyReadonlyArray1<'_, f64>>, name: &str) -> PyResult<Option<&'a [f64]>> {
    arr.as_ref().map(|a| slice(py, a, name)).transpose()
}

/// A size argument (bins, categories, `k`) taken as a Python int and checked against `[min, max]`
/// before anything is allocated; out of range is an `InvalidArgumentError` naming it (PyO3's
/// own conversion to an unsigned type raises an `OverflowError` that names nothing).
pub fn size(py: Python<'_>, v: i128, name: &str, min: usize, max: usize) -> PyResult<usize> {
    if v < min as i128 || v > max as i128 {
        return Err(invalid(py, format!("`{name}` must be an integer in [{min}, {max}], got {v}")));
    }
    Ok(v as usize)
}
