//! Binding of driftline_core::kll: the `KllSketch` class and `ks_sketch`.
use driftline_core::kll::{self, KllSketch as CoreKll};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyType};

use crate::convert::{size, slice};
use crate::errors::{invalid, run, to_py};

/// KLL quantile sketch in SageMaker's layout (see driftline_core::kll).
#[pyclass(module = "driftline._core", subclass)]
pub struct KllSketch {
    inner: CoreKll,
}

/// An instance of `cls` (which may be a Python subclass) holding `inner`.
fn instance_of<'py>(cls: &Bound<'py, PyType>, inner: CoreKll) -> PyResult<Bound<'py, PyAny>> {
    let obj = cls.call0()?;
    obj.cast::<KllSketch>()?.borrow_mut().inner = inner;
    Ok(obj)
}

fn get_item<'py>(py: Python<'py>, obj: &Bound<'py, PyAny>, key: &str, what: &str) -> PyResult<Bound<'py, PyAny>> {
    let dict = obj
        .cast::<PyDict>()
        .map_err(|_| invalid(py, format!("{what} must be a dict, got {}", obj.get_type().name().map(|n| n.to_string()).unwrap_or_default())))?;
    dict.get_item(key)?
        .ok_or_else(|| invalid(py, format!("{what} has no \"{key}\" key")))
}

/// (k, c, levels) of a SageMaker `sketch` object (or a `kll` object holding one, or its JSON text).
fn parse_sagemaker<'py>(py: Python<'py>, sketch: &Bound<'py, PyAny>) -> PyResult<(u32, f64, Vec<Vec<f64>>)> {
    let mut obj = sketch.clone();
    if obj.is_instance_of::<PyString>() || obj.is_instance_of::<PyBytes>() {
        obj = py
            .import("json")?
            .call_method1("loads", (obj,))
            .map_err(|e| invalid(py, format!("KLL sketch JSON cannot be parsed: {e}")))?;
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        if let Some(inner) = d.get_item("sketch")? {
            obj = inner;
        }
    }
    let params = get_item(py, &obj, "parameters", "KLL sketch")?;
    let number = |key: &str| -> PyResult<f64> {
        get_item(py, &params, key, "KLL sketch \"parameters\"")?
            .extract::<f64>()
            .map_err(|_| invalid(py, format!("KLL sketch parameter \"{key}\" must be a number")))
    };
    let (c, k) = (number("c")?, number("k")?);
    if !(k.fract() == 0.0 && k >= 1.0 && k <= u32::MAX as f64) {
        return Err(invalid(py, format!("KLL sketch parameter \"k\" must be a positive integer, got {k}")));
    }
    let data = get_item(py, &obj, "data", "KLL sketch")?;
    let levels = data
        .extract::<Vec<Vec<f64>>>()
        .map_err(|_| invalid(py, "KLL sketch \"data\" must be a list of lists of numbers, one per level"))?;
    Ok((k as u32, c, levels))
}

#[pymethods]
impl KllSketch {
    /// An empty sketch with sketch size `k` and shrinking factor `c` (SageMaker: 2048, 0.64).
    #[new]
    // Literals (not kll::DEFAULT_K / DEFAULT_C) so that the text signature shows them.
    #[pyo3(signature = (k=2048, c=0.64, seed=0))]
    fn new(py: Python<'_>, k: i128, c: f64, seed: u64) -> PyResult<Self> {
        let k = size(py, k, "k", kll::MIN_K as usize, kll::MAX_K as usize)? as u32;
        Ok(KllSketch { inner: CoreKll::new(k, c, seed).map_err(|e| to_py(py, e))? })
    }

    /// Add the values of a float64 array; NaN and infinities are counted, not sketched.
    fn update(&mut self, py: Python<'_>, values: PyReadonlyArray1<'_, f64>) -> PyResult<()> {
        let x = slice(py, &values, "values")?;
        let inner = &mut self.inner;
        run(py, || {
            inner.update(x);
            Ok(())
        })
    }

    /// Merge `other` into this sketch (same k and c).
    fn merge(slf: &Bound<'_, Self>, other: &Bound<'_, KllSketch>) -> PyResult<()> {
        let py = slf.py();
        let copy;
        let other_ref;
        let src: &CoreKll = if slf.is(other) {
            copy = other.borrow().inner.clone();
            &copy
        } else {
            other_ref = other.borrow();
            &other_ref.inner
        };
        let mut me = slf.borrow_mut();
        let inner = &mut me.inner;
        run(py, || inner.merge(src))
    }

    /// Value at normalised rank `q` (inclusive: smallest item with cumulative weight >= ceil(q*n)).
    #[pyo3(signature = (q, inclusive=true))]
    fn quantile(&self, py: Python<'_>, q: f64, inclusive: bool) -> PyResult<f64> {
        self.inner.quantile(q, inclusive).map_err(|e| to_py(py, e))
    }

    #[pyo3(signature = (qs, inclusive=true))]
    fn quantiles<'py>(
        &self,
        py: Python<'py>,
        qs: PyReadonlyArray1<'py, f64>,
        inclusive: bool,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let q = slice(py, &qs, "qs")?;
        let inner = &self.inner;
        Ok(run(py, || inner.quantiles(q, inclusive))?.into_pyarray(py))
    }

    /// Fraction of the sketched weight <= x (inclusive) or < x.
    #[pyo3(signature = (x, inclusive=true))]
    fn rank(&self, py: Python<'_>, x: f64, inclusive: bool) -> PyResult<f64> {
        self.inner.rank(x, inclusive).map_err(|e| to_py(py, e))
    }

    #[pyo3(signature = (xs, inclusive=true))]
    fn ranks<'py>(
        &self,
        py: Python<'py>,
        xs: PyReadonlyArray1<'py, f64>,
        inclusive: bool,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let x = slice(py, &xs, "xs")?;
        let inner = &self.inner;
        Ok(run(py, || inner.ranks(x, inclusive))?.into_pyarray(py))
    }

    /// Ranks of the m split points followed by 1.0 (DataSketches' get_cdf).
    #[pyo3(signature = (split_points, inclusive=true))]
    fn cdf<'py>(
        &self,
        py: Python<'py>,
        split_points: PyReadonlyArray1<'py, f64>,
        inclusive: bool,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let s = slice(py, &split_points, "split_points")?;
        let inner = &self.inner;
        Ok(run(py, || inner.cdf(s, inclusive))?.into_pyarray(py))
    }

    /// Mass of the m+1 intervals the split points make (DataSketches' get_pmf).
    #[pyo3(signature = (split_points, inclusive=true))]
    fn pmf<'py>(
        &self,
        py: Python<'py>,
        split_points: PyReadonlyArray1<'py, f64>,
        inclusive: bool,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let s = slice(py, &split_points, "split_points")?;
        let inner = &self.inner;
        Ok(run(py, || inner.pmf(s, inclusive))?.into_pyarray(py))
    }

    /// 99% bound on the normalised rank error (DataSketches' fits), 0 while exact.
    #[pyo3(signature = (pmf=false))]
    fn normalized_rank_error(&self, pmf: bool) -> f64 {
        self.inner.normalized_rank_error(pmf)
    }

    /// SageMaker's `kll.buckets`: (lower_bound, upper_bound, count) as Deequ computes them.
    #[pyo3(signature = (n_buckets=10))]
    fn buckets(&self, py: Python<'_>, n_buckets: i128) -> PyResult<Vec<(f64, f64, u64)>> {
        let n_buckets = size(py, n_buckets, "n_buckets", 1, driftline_core::hist::MAX_BINS)?;
        self.inner.buckets(n_buckets).map_err(|e| to_py(py, e))
    }

    #[getter]
    fn n(&self) -> u64 {
        self.inner.n()
    }
    #[getter]
    fn min(&self) -> f64 {
        self.inner.min()
    }
    #[getter]
    fn max(&self) -> f64 {
        self.inner.max()
    }
    #[getter]
    fn k(&self) -> u32 {
        self.inner.k()
    }
    #[getter]
    fn c(&self) -> f64 {
        self.inner.c()
    }
    #[getter]
    fn seed(&self) -> u64 {
        self.inner.seed()
    }
    #[getter]
    fn num_retained(&self) -> usize {
        self.inner.num_retained()
    }
    #[getter]
    fn num_levels(&self) -> usize {
        self.inner.num_levels()
    }
    #[getter]
    fn nan_count(&self) -> u64 {
        self.inner.nan_count()
    }
    #[getter]
    fn pos_inf_count(&self) -> u64 {
        self.inner.pos_inf_count()
    }
    #[getter]
    fn neg_inf_count(&self) -> u64 {
        self.inner.neg_inf_count()
    }
    #[getter]
    fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }
    #[getter]
    fn is_estimation_mode(&self) -> bool {
        self.inner.is_estimation_mode()
    }

    /// The whole state in driftline's versioned binary form.
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.to_bytes())
    }

    #[classmethod]
    fn from_bytes<'py>(cls: &Bound<'py, PyType>, data: &[u8]) -> PyResult<Bound<'py, PyAny>> {
        let inner = CoreKll::from_bytes(data).map_err(|e| to_py(cls.py(), e))?;
        instance_of(cls, inner)
    }

    /// SageMaker's `sketch` object: {"parameters": {"c": c, "k": k}, "data": [[...], ...]}.
    fn to_sagemaker<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let params = PyDict::new(py);
        params.set_item("c", self.inner.c())?;
        params.set_item("k", self.inner.k() as f64)?;
        let data = PyList::empty(py);
        for level in self.inner.levels() {
            data.append(PyList::new(py, level)?)?;
        }
        let out = PyDict::new(py);
        out.set_item("parameters", params)?;
        out.set_item("data", data)?;
        Ok(out)
    }

    /// A sketch from SageMaker's `sketch` object (a dict, its JSON text, or the `kll` object
    /// holding it); `min`/`max` are the exact extremes when known.
    #[classmethod]
    #[pyo3(signature = (sketch, min=None, max=None, seed=0))]
    fn from_sagemaker<'py>(
        cls: &Bound<'py, PyType>,
        sketch: &Bound<'py, PyAny>,
        min: Option<f64>,
        max: Option<f64>,
        seed: u64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = cls.py();
        let (k, c, levels) = parse_sagemaker(py, sketch)?;
        let inner = run(py, || CoreKll::from_levels(k, c, levels, seed, min, max))?;
        instance_of(cls, inner)
    }

    fn copy<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let inner = slf.borrow().inner.clone();
        instance_of(&slf.get_type(), inner)
    }

    fn __copy__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        Self::copy(slf)
    }

    fn __deepcopy__<'py>(slf: &Bound<'py, Self>, _memo: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        Self::copy(slf)
    }

    fn __getstate__<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        self.to_bytes(py)
    }

    fn __setstate__(&mut self, py: Python<'_>, state: &[u8]) -> PyResult<()> {
        self.inner = CoreKll::from_bytes(state).map_err(|e| to_py(py, e))?;
        Ok(())
    }

    fn __repr__(&self) -> String {
        let s = &self.inner;
        format!(
            "KllSketch(k={}, c={}, n={}, min={}, max={}, num_retained={}, seed={})",
            s.k(),
            s.c(),
            s.n(),
            s.min(),
            s.max(),
            s.num_retained(),
            s.seed()
        )
    }
}

/// KS distance between two sketches and a 98%-level bound on its error vs. the exact statistic.
#[pyfunction]
fn ks_sketch(py: Python<'_>, a: PyRef<'_, KllSketch>, b: PyRef<'_, KllSketch>) -> PyResult<(f64, f64)> {
    let (a, b) = (&a.inner, &b.inner);
    run(py, || kll::ks_distance(a, b))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<KllSketch>()?;
    m.add_function(wrap_pyfunction!(ks_sketch, m)?)?;
    Ok(())
}
