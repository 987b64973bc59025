//! Binding of driftline_core::moments::Moments as the `Moments` class.
use driftline_core::moments::Moments as CoreMoments;
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;

use crate::convert::slice;
use crate::errors::{invalid, run};

/// Mergeable moments of a numeric column (count, nulls, NaN, +/-inf, sum, mean, std, min, max).
#[pyclass(module = "driftline._core", frozen, from_py_object)]
#[derive(Clone)]
pub struct Moments {
    inner: CoreMoments,
}

#[pymethods]
impl Moments {
    /// Moments of `x`; `nulls` of its NaN values stand for nulls of the source column.
    #[staticmethod]
    #[pyo3(signature = (x, nulls=0))]
    fn of(py: Python<'_>, x: PyReadonlyArray1<'_, f64>, nulls: u64) -> PyResult<Self> {
        let x = slice(py, &x, "x")?;
        Ok(Moments { inner: run(py, || Ok(CoreMoments::of(x, nulls)))? })
    }

    /// Moments of the union of two disjoint parts (Chan's formulas).
    fn merge(&self, other: &Moments) -> Moments {
        Moments { inner: self.inner.merge(&other.inner) }
    }

    /// The raw state as 11 floats, for serialisation.
    fn to_state(&self) -> Vec<f64> {
        self.inner.to_state().to_vec()
    }

    #[staticmethod]
    fn from_state(py: Python<'_>, state: Vec<f64>) -> PyResult<Self> {
        let s: [f64; 11] = state
            .try_into()
            .map_err(|_| invalid(py, "Moments state must hold exactly 11 numbers"))?;
        Ok(Moments { inner: CoreMoments::from_state(&s) })
    }

    #[getter]
    fn count(&self) -> u64 { self.inner.count }
    #[getter]
    fn nulls(&self) -> u64 { self.inner.nulls }
    #[getter]
    fn nan(&self) -> u64 { self.inner.nan }
    #[getter]
    fn pos_inf(&self) -> u64 { self.inner.pos_inf }
    #[getter]
    fn neg_inf(&self) -> u64 { self.inner.neg_inf }
    #[getter]
    fn sum(&self) -> f64 { self.inner.total() }
    #[getter]
    fn mean(&self) -> f64 { self.inner.mean }
    #[getter]
    fn m2(&self) -> f64 { self.inner.m2() }
    #[getter]
    fn std_pop(&self) -> f64 { self.inner.std_pop() }
    #[getter]
    fn std_sample(&self) -> f64 { self.inner.std_sample() }
    #[getter]
    fn min(&self) -> f64 { self.inner.min }
    #[getter]
    fn max(&self) -> f64 { self.inner.max }

    fn __repr__(&self) -> String {
        let m = &self.inner;
        format!(
            "Moments(count={}, nulls={}, nan={}, pos_inf={}, neg_inf={}, mean={:?}, std_pop={:?}, min={:?}, max={:?})",
            m.count, m.nulls, m.nan, m.pos_inf, m.neg_inf, m.mean, m.std_pop(), m.min, m.max
        )
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Moments>()?;
    Ok(())
}
