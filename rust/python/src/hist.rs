//! Bindings of driftline_core::hist: histograms and category counts.
use driftline_core::{distinct, frequent, hist};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;

use crate::convert::{size, slice};
use crate::errors::{invalid, run};

/// Counts over explicit edges (numpy.histogram semantics); NaN is not counted.
#[pyfunction]
fn histogram_edges<'py>(
    py: Python<'py>,
    x: PyReadonlyArray1<'py, f64>,
    edges: PyReadonlyArray1<'py, f64>,
) -> PyResult<Bound<'py, PyArray1<u64>>> {
    let (x, e) = (slice(py, &x, "x")?, slice(py, &edges, "edges")?);
    Ok(run(py, || hist::histogram_edges(x, e))?.into_pyarray(py))
}

/// Counts over `bins` equal-width bins on [lo, hi]; returns (counts, edges).
#[pyfunction]
fn histogram_uniform<'py>(
    py: Python<'py>,
    x: PyReadonlyArray1<'py, f64>,
    bins: i128,
    lo: f64,
    hi: f64,
) -> PyResult<(Bound<'py, PyArray1<u64>>, Bound<'py, PyArray1<f64>>)> {
    let x = slice(py, &x, "x")?;
    let bins = size(py, bins, "bins", 1, hist::MAX_BINS)?;
    let (c, e) = run(py, || hist::histogram_uniform(x, bins, lo, hi))?;
    Ok((c.into_pyarray(py), e.into_pyarray(py)))
}

/// `numpy.histogram` of float32 data (`x` holds float32 values widened to float64) with `bins`
/// equal-width bins: float32 edges and arithmetic as numpy's. `range_given`: whether `lo, hi`
/// came from the caller's `range` (numpy then computes the edges in float64) or from the data.
#[pyfunction]
fn histogram_uniform_f32<'py>(
    py: Python<'py>,
    x: PyReadonlyArray1<'py, f64>,
    bins: i128,
    lo: f64,
    hi: f64,
    range_given: bool,
) -> PyResult<(Bound<'py, PyArray1<u64>>, Bound<'py, PyArray1<f64>>)> {
    let x = slice(py, &x, "x")?;
    let bins = size(py, bins, "bins", 1, hist::MAX_BINS)?;
    let range = if range_given { hist::RangeOf::Given } else { hist::RangeOf::Data };
    let (c, e) = run(py, || hist::histogram_uniform_f32(x, bins, lo, hi, range))?;
    Ok((c.into_pyarray(py), e.into_pyarray(py)))
}

/// The `k` smallest distinct values of `kmv` (a previous result) and `hashes`, sorted: the
/// k-minimum-values summary behind the profiles' distinct counts.
#[pyfunction]
fn kmv_update<'py>(
    py: Python<'py>,
    kmv: PyReadonlyArray1<'py, u64>,
    hashes: PyReadonlyArray1<'py, u64>,
    k: i128,
) -> PyResult<Bound<'py, PyArray1<u64>>> {
    let k = size(py, k, "k", 0, distinct::MAX_K)?;
    let (a, h) = (slice(py, &kmv, "kmv")?, slice(py, &hashes, "hashes")?);
    if a.windows(2).any(|w| w[0] >= w[1]) {
        return Err(invalid(py, "`kmv` must be sorted and distinct (a previous kmv_update result)"));
    }
    Ok(run(py, || Ok(distinct::kmv_update(a, h, k)))?.into_pyarray(py))
}

/// Distinct-count estimate of a `kmv_update` summary of size `k` (exact below `k` hashes).
#[pyfunction]
fn kmv_estimate(py: Python<'_>, kmv: PyReadonlyArray1<'_, u64>, k: i128) -> PyResult<f64> {
    let k = size(py, k, "k", 0, distinct::MAX_K)?;
    Ok(distinct::kmv_estimate(slice(py, &kmv, "kmv")?, k))
}

/// Misra-Gries: the cut of `counts` (one per item, items in sorted order) to at most `cap`
/// counters: (indices kept, in descending count with ties in index order; amount subtracted).
#[pyfunction]
fn misra_gries_cut<'py>(
    py: Python<'py>,
    counts: PyReadonlyArray1<'py, u64>,
    cap: i128,
) -> PyResult<(Bound<'py, PyArray1<u64>>, u64)> {
    let cap = size(py, cap, "cap", 0, usize::MAX)?;
    let c = slice(py, &counts, "counts")?;
    let (kept, cut) = run(py, || Ok(frequent::misra_gries_cut(c, cap)))?;
    Ok((kept.into_iter().map(|i| i as u64).collect::<Vec<u64>>().into_pyarray(py), cut))
}

/// Smallest and largest non-NaN value, or None.
#[pyfunction]
fn min_max(py: Python<'_>, x: PyReadonlyArray1<'_, f64>) -> PyResult<Option<(f64, f64)>> {
    let x = slice(py, &x, "x")?;
    run(py, || Ok(hist::min_max(x)))
}

fn codes_of<'py, T>(
    py: Python<'py>,
    codes: &Bound<'py, PyAny>,
    n: usize,
    null_code: Option<i64>,
) -> Option<PyResult<(Vec<u64>, u64)>>
where
    T: numpy::Element + Copy + PartialEq + TryInto<usize> + TryFrom<i64> + Send + Sync + std::fmt::Display,
{
    let arr = codes.extract::<PyReadonlyArray1<'py, T>>().ok()?;
    Some((|| {
        let s = slice(py, &arr, "codes")?;
        let null = match null_code {
            Some(v) => Some(T::try_from(v).map_err(|_| invalid(py, format!("null_code {v} does not fit the codes' dtype")))?),
            None => None,
        };
        run(py, || hist::count_codes(s, n, null))
    })())
}

/// Counts of integer category codes in 0..n_categories; codes equal to `null_code` are missing.
#[pyfunction]
#[pyo3(signature = (codes, n_categories, null_code=None))]
fn count_codes<'py>(
    py: Python<'py>,
    codes: &Bound<'py, PyAny>,
    n_categories: i128,
    null_code: Option<i64>,
) -> PyResult<(Bound<'py, PyArray1<u64>>, u64)> {
    let n_categories = size(py, n_categories, "n_categories", 0, hist::MAX_CATEGORIES)?;
    let r = codes_of::<u32>(py, codes, n_categories, null_code)
        .or_else(|| codes_of::<i64>(py, codes, n_categories, null_code))
        .or_else(|| codes_of::<i32>(py, codes, n_categories, null_code))
        .or_else(|| codes_of::<i16>(py, codes, n_categories, null_code))
        .or_else(|| codes_of::<i8>(py, codes, n_categories, null_code))
        .or_else(|| codes_of::<u16>(py, codes, n_categories, null_code))
        .or_else(|| codes_of::<u8>(py, codes, n_categories, null_code))
        .unwrap_or_else(|| Err(invalid(py, "`codes` must be a 1-D numpy array of integers")));
    let (c, nulls) = r?;
    Ok((c.into_pyarray(py), nulls))
}

/// Distinct strings and their counts from Arrow large-string buffers, in order of first
/// appearance, plus the number of nulls.
#[pyfunction]
#[pyo3(signature = (offsets, data, validity=None, validity_offset=0))]
fn count_strings<'py>(
    py: Python<'py>,
    offsets: PyReadonlyArray1<'py, i64>,
    data: PyReadonlyArray1<'py, u8>,
    validity: Option<PyReadonlyArray1<'py, u8>>,
    validity_offset: i128,
) -> PyResult<(Vec<String>, Bound<'py, PyArray1<u64>>, u64)> {
    let validity_offset = size(py, validity_offset, "validity_offset", 0, usize::MAX)?;
    let o = slice(py, &offsets, "offsets")?;
    let d = slice(py, &data, "data")?;
    let v = match &validity {
        Some(v) => Some((slice(py, v, "validity")?, validity_offset)),
        None => None,
    };
    let (cats, nulls) = run(py, || hist::count_strings(o, d, v))?;
    let (names, counts): (Vec<String>, Vec<u64>) = cats.into_iter().unzip();
    Ok((names, counts.into_pyarray(py), nulls))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("MAX_BINS", hist::MAX_BINS)?;
    m.add_function(wrap_pyfunction!(histogram_edges, m)?)?;
    m.add_function(wrap_pyfunction!(histogram_uniform, m)?)?;
    m.add_function(wrap_pyfunction!(histogram_uniform_f32, m)?)?;
    m.add_function(wrap_pyfunction!(min_max, m)?)?;
    m.add_function(wrap_pyfunction!(kmv_update, m)?)?;
    m.add_function(wrap_pyfunction!(kmv_estimate, m)?)?;
    m.add_function(wrap_pyfunction!(misra_gries_cut, m)?)?;
    m.add_function(wrap_pyfunction!(count_codes, m)?)?;
    m.add_function(wrap_pyfunction!(count_strings, m)?)?;
    Ok(())
}
