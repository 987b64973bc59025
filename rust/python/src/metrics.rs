//! Bindings of driftline_core::metrics: ROC and precision-recall curves, confusion matrices and
//! the scores derived from them, regression errors.
use driftline_core::metrics as m;
use numpy::{IntoPyArray, PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::prelude::*;

use crate::convert::{optional, size, slice};
use crate::errors::{invalid, run};

type Curve<'py> = (Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<f64>>);
type Scores<'py> =
    (Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<f64>>);

/// A square confusion matrix as a row-major slice and its number of classes.
fn matrix<'a>(py: Python<'_>, cm: &'a PyReadonlyArray2<'_, u64>) -> PyResult<(&'a [u64], usize)> {
    let shape = cm.shape();
    if shape[0] != shape[1] {
        return Err(invalid(py, format!("`confusion` must be square, got shape ({}, {})", shape[0], shape[1])));
    }
    let cells = cm.as_slice().map_err(|_| invalid(py, "`confusion` must be a C-contiguous, aligned array"))?;
    Ok((cells, shape[0]))
}

/// The arguments of every binary ranking metric, borrowed as slices.
type BinaryArgs<'a> = (&'a [bool], &'a [f64], Option<&'a [f64]>);

fn binary<'a>(
    py: Python<'_>,
    y_true: &'a PyReadonlyArray1<'_, bool>,
    y_score: &'a PyReadonlyArray1<'_, f64>,
    sample_weight: &'a Option<PyReadonlyArray1<'_, f64>>,
) -> PyResult<BinaryArgs<'a>> {
    Ok((slice(py, y_true, "y_true")?, slice(py, y_score, "y_score")?, optional(py, sample_weight, "sample_weight")?))
}

fn square(py: Python<'_>, cells: Vec<u64>, n: usize) -> PyResult<Bound<'_, PyArray2<u64>>> {
    cells.into_pyarray(py).reshape([n, n])
}

/// Three float64 arrays allocated by numpy with room for `max_len` values, filled by `write`
/// without the GIL and then cut to the lengths it returns. numpy's allocator asks Linux for
/// transparent huge pages for large arrays: the first writes to 240 MB then cost ~30 ms instead
/// of ~130 ms with 4 KiB pages (a `Vec`), and the room never written is never touched; cutting
/// is a `realloc` in place.
fn write_curve<'py>(
    py: Python<'py>,
    max_len: usize,
    write: impl FnOnce(&mut [f64], &mut [f64], &mut [f64]) -> [usize; 3] + Send,
) -> PyResult<Curve<'py>> {
    let [a, b, c] = [(); 3].map(|_| PyArray1::<f64>::zeros(py, max_len, false));
    let lens = {
        let (mut wa, mut wb, mut wc) = (a.readwrite(), b.readwrite(), c.readwrite());
        let (sa, sb, sc) = (wa.as_slice_mut()?, wb.as_slice_mut()?, wc.as_slice_mut()?);
        py.detach(|| write(sa, sb, sc))
    };
    for (array, len) in [&a, &b, &c].into_iter().zip(lens) {
        if len != max_len {
            // SAFETY: the arrays are new and the borrows above have ended: nothing points into them
            unsafe { array.resize(len)? };
        }
    }
    Ok((a, b, c))
}

/// ROC curve (fpr, tpr, thresholds), as sklearn.metrics.roc_curve with drop_intermediate=True.
/// `y_true` is a boolean array (True: positive class), as for the other binary metrics here.
#[pyfunction]
#[pyo3(signature = (y_true, y_score, sample_weight=None))]
fn roc_curve<'py>(
    py: Python<'py>,
    y_true: PyReadonlyArray1<'py, bool>,
    y_score: PyReadonlyArray1<'py, f64>,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
) -> PyResult<Curve<'py>> {
    let (t, s, w) = binary(py, &y_true, &y_score, &sample_weight)?;
    let points = run(py, || m::RocCurvePoints::new(t, s, w))?;
    write_curve(py, points.max_len(), |a, b, c| [points.write(a, b, c); 3])
}

/// Area under the ROC curve (sklearn.metrics.roc_auc_score, binary).
#[pyfunction]
#[pyo3(signature = (y_true, y_score, sample_weight=None))]
fn roc_auc_score(
    py: Python<'_>,
    y_true: PyReadonlyArray1<'_, bool>,
    y_score: PyReadonlyArray1<'_, f64>,
    sample_weight: Option<PyReadonlyArray1<'_, f64>>,
) -> PyResult<f64> {
    let (t, s, w) = binary(py, &y_true, &y_score, &sample_weight)?;
    run(py, || m::roc_auc(t, s, w))
}

/// Precision-recall curve (precision, recall, thresholds), as sklearn.metrics.precision_recall_curve.
#[pyfunction]
#[pyo3(signature = (y_true, y_score, sample_weight=None))]
fn precision_recall_curve<'py>(
    py: Python<'py>,
    y_true: PyReadonlyArray1<'py, bool>,
    y_score: PyReadonlyArray1<'py, f64>,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
) -> PyResult<Curve<'py>> {
    let (t, s, w) = binary(py, &y_true, &y_score, &sample_weight)?;
    let points = run(py, || m::PrCurvePoints::new(t, s, w))?;
    write_curve(py, points.max_len(), |a, b, c| {
        let len = points.write(a, b, c);
        [len, len, len - 1]
    })
}

/// Average precision, the step sum over the PR curve (sklearn.metrics.average_precision_score).
#[pyfunction]
#[pyo3(signature = (y_true, y_score, sample_weight=None))]
fn average_precision_score(
    py: Python<'_>,
    y_true: PyReadonlyArray1<'_, bool>,
    y_score: PyReadonlyArray1<'_, f64>,
    sample_weight: Option<PyReadonlyArray1<'_, f64>>,
) -> PyResult<f64> {
    let (t, s, w) = binary(py, &y_true, &y_score, &sample_weight)?;
    run(py, || m::average_precision(t, s, w))
}

/// Confusion matrix of class codes 0..n_classes (rows: true class, columns: predicted class).
#[pyfunction]
fn confusion_matrix<'py>(
    py: Python<'py>,
    y_true: PyReadonlyArray1<'py, u32>,
    y_pred: PyReadonlyArray1<'py, u32>,
    n_classes: usize,
) -> PyResult<Bound<'py, PyArray2<u64>>> {
    let (t, p) = (slice(py, &y_true, "y_true")?, slice(py, &y_pred, "y_pred")?);
    let cm = run(py, || m::confusion_matrix(t, p, n_classes))?;
    square(py, cm, n_classes)
}

/// Precision, recall, F-beta and support per class, or averaged ("micro", "macro", "weighted").
#[pyfunction]
#[pyo3(signature = (confusion, beta=1.0, average=None))]
fn precision_recall_fscore<'py>(
    py: Python<'py>,
    confusion: PyReadonlyArray2<'py, u64>,
    beta: f64,
    average: Option<&str>,
) -> PyResult<Scores<'py>> {
    let (cm, n) = matrix(py, &confusion)?;
    let average = average.map(m::Average::by_name).transpose().map_err(|e| invalid(py, e.to_string()))?;
    let s = run(py, || match average {
        None => m::precision_recall_fscore(cm, n, beta),
        Some(a) => m::precision_recall_fscore_average(cm, n, beta, a),
    })?;
    Ok((s.precision.into_pyarray(py), s.recall.into_pyarray(py), s.fscore.into_pyarray(py), s.support.into_pyarray(py)))
}

/// Accuracy (trace over total) of a confusion matrix.
#[pyfunction]
fn confusion_accuracy(py: Python<'_>, confusion: PyReadonlyArray2<'_, u64>) -> PyResult<f64> {
    let (cm, n) = matrix(py, &confusion)?;
    run(py, || m::accuracy(cm, n))
}

/// The confusion matrix of always predicting `class`, with the true classes of `confusion`.
#[pyfunction]
fn constant_prediction_matrix<'py>(
    py: Python<'py>,
    confusion: PyReadonlyArray2<'py, u64>,
    class_: usize,
) -> PyResult<Bound<'py, PyArray2<u64>>> {
    let (cm, n) = matrix(py, &confusion)?;
    let out = run(py, || m::constant_prediction_matrix(cm, n, class_))?;
    square(py, out, n)
}

/// (mae, mse, rmse, r2) as scikit-learn's regression metrics.
#[pyfunction]
fn regression_metrics(
    py: Python<'_>,
    y_true: PyReadonlyArray1<'_, f64>,
    y_pred: PyReadonlyArray1<'_, f64>,
) -> PyResult<(f64, f64, f64, f64)> {
    let (t, p) = (slice(py, &y_true, "y_true")?, slice(py, &y_pred, "y_pred")?);
    let r = run(py, || m::regression_metrics(t, p))?;
    Ok((r.mae, r.mse, r.rmse, r.r2))
}

/// A C-contiguous `draws x n` matrix as a slice and its number of rows.
fn rows_of<'a, T: numpy::Element>(py: Python<'_>, a: &'a PyReadonlyArray2<'_, T>, name: &str) -> PyResult<(&'a [T], usize, usize)> {
    let shape = a.shape();
    let cells = a.as_slice().map_err(|_| invalid(py, format!("`{name}` must be a C-contiguous, aligned 2-D array")))?;
    Ok((cells, shape[0], shape[1]))
}

fn check_columns(py: Python<'_>, name: &str, columns: usize, n: usize) -> PyResult<()> {
    if columns != n {
        return Err(invalid(py, format!("`{name}` must have one column per row of y_true ({n}), got {columns}")));
    }
    Ok(())
}

/// Metric names and their values per draw (`len(names) x draws`).
type DrawValues<'py> = (Vec<&'static str>, Bound<'py, PyArray2<f64>>);

fn draw_values(py: Python<'_>, r: m::draws::DrawMetrics) -> PyResult<DrawValues<'_>> {
    let rows = r.names.len();
    Ok((r.names, r.values.into_pyarray(py).reshape([rows, r.draws])?))
}

/// The draws' weights from the binding's arguments: exactly one of a `weights` matrix (draws x n)
/// and bootstrap `resamples` (draws x m row indices).
fn draw_weights<'a>(
    py: Python<'_>,
    weights: &'a Option<PyReadonlyArray2<'_, f64>>,
    resamples: &'a Option<PyReadonlyArray2<'_, i64>>,
    n: usize,
) -> PyResult<(m::draws::Weights<'a>, usize)> {
    match (weights, resamples) {
        (Some(w), None) => {
            let (w, draws, columns) = rows_of(py, w, "weights")?;
            check_columns(py, "weights", columns, n)?;
            Ok((m::draws::Weights::Matrix(w), draws))
        }
        (None, Some(r)) => {
            let (r, draws, _) = rows_of(py, r, "resamples")?;
            Ok((m::draws::Weights::Resamples(r), draws))
        }
        _ => Err(invalid(py, "give exactly one of `weights` and `resamples`")),
    }
}

/// Classification metrics of each draw (a row of `weights`, or of bootstrap `resamples`): binary
/// with `positive` (and `auc` with `score_group`), else multiclass (driftline_core::metrics::draws).
#[pyfunction]
#[pyo3(signature = (y_true, y_pred, n_classes, weights=None, positive=None, score_group=None, resamples=None))]
#[allow(clippy::too_many_arguments)]
fn weighted_classification_metrics<'py>(
    py: Python<'py>,
    y_true: PyReadonlyArray1<'py, u32>,
    y_pred: PyReadonlyArray1<'py, u32>,
    n_classes: i128,
    weights: Option<PyReadonlyArray2<'py, f64>>,
    positive: Option<i128>,
    score_group: Option<PyReadonlyArray1<'py, u32>>,
    resamples: Option<PyReadonlyArray2<'py, i64>>,
) -> PyResult<DrawValues<'py>> {
    let (t, p) = (slice(py, &y_true, "y_true")?, slice(py, &y_pred, "y_pred")?);
    let k = size(py, n_classes, "n_classes", 1, 1 << 16)?;
    let positive = positive.map(|v| size(py, v, "positive", 0, k - 1)).transpose()?;
    let (w, draws) = draw_weights(py, &weights, &resamples, t.len())?;
    let g = score_group.as_ref().map(|g| slice(py, g, "score_group")).transpose()?;
    let r = run(py, || m::draws::classification_draws(t, p, k, w, draws, positive, g))?;
    draw_values(py, r)
}

/// mae, mse, rmse and r2 of each draw (a row of `weights`, or of bootstrap `resamples`).
#[pyfunction]
#[pyo3(signature = (y_true, y_pred, weights=None, resamples=None))]
fn weighted_regression_metrics<'py>(
    py: Python<'py>,
    y_true: PyReadonlyArray1<'py, f64>,
    y_pred: PyReadonlyArray1<'py, f64>,
    weights: Option<PyReadonlyArray2<'py, f64>>,
    resamples: Option<PyReadonlyArray2<'py, i64>>,
) -> PyResult<DrawValues<'py>> {
    let (t, p) = (slice(py, &y_true, "y_true")?, slice(py, &y_pred, "y_pred")?);
    let (w, draws) = draw_weights(py, &weights, &resamples, t.len())?;
    let r = run(py, || m::draws::regression_draws(t, p, w, draws))?;
    draw_values(py, r)
}

/// tp, fp, fn, tn and roc_auc of each row of simulated `labels` (draws x n) against `y_pred`.
#[pyfunction]
fn label_draw_metrics<'py>(
    py: Python<'py>,
    labels: PyReadonlyArray2<'py, bool>,
    y_pred: PyReadonlyArray1<'py, bool>,
    score_group: PyReadonlyArray1<'py, u32>,
) -> PyResult<DrawValues<'py>> {
    let (p, g) = (slice(py, &y_pred, "y_pred")?, slice(py, &score_group, "score_group")?);
    let (l, draws, columns) = rows_of(py, &labels, "labels")?;
    if columns != p.len() {
        return Err(invalid(py, format!("`labels` must have one column per row of y_pred ({}), got {columns}", p.len())));
    }
    let r = run(py, || m::draws::label_draws(l, p, g, draws))?;
    draw_values(py, r)
}

/// Simulated labels `uniforms < p` under each draw's calibration curve (a row of `rates`),
/// interpolated between points `lower` and `upper` by `frac` (driftline_core::metrics::draws).
#[pyfunction]
fn curve_labels<'py>(
    py: Python<'py>,
    uniforms: PyReadonlyArray2<'py, f64>,
    rates: PyReadonlyArray2<'py, f64>,
    lower: PyReadonlyArray1<'py, u32>,
    upper: PyReadonlyArray1<'py, u32>,
    frac: PyReadonlyArray1<'py, f64>,
) -> PyResult<Bound<'py, PyArray2<bool>>> {
    let (u, draws, n) = rows_of(py, &uniforms, "uniforms")?;
    let (r, rate_rows, _) = rows_of(py, &rates, "rates")?;
    if rate_rows != draws {
        return Err(invalid(py, format!("`rates` must have one row per row of uniforms ({draws}), got {rate_rows}")));
    }
    let (lo, hi, f) = (slice(py, &lower, "lower")?, slice(py, &upper, "upper")?, slice(py, &frac, "frac")?);
    check_columns(py, "uniforms", n, f.len())?;
    let out = PyArray2::<bool>::zeros(py, [draws, n], false);
    {
        let mut w = out.readwrite();
        let cells = w.as_slice_mut()?;
        run(py, || m::draws::curve_labels(u, r, lo, hi, f, cells))?;
    }
    Ok(out)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(roc_curve, m)?)?;
    m.add_function(wrap_pyfunction!(roc_auc_score, m)?)?;
    m.add_function(wrap_pyfunction!(precision_recall_curve, m)?)?;
    m.add_function(wrap_pyfunction!(average_precision_score, m)?)?;
    m.add_function(wrap_pyfunction!(confusion_matrix, m)?)?;
    m.add_function(wrap_pyfunction!(precision_recall_fscore, m)?)?;
    m.add_function(wrap_pyfunction!(confusion_accuracy, m)?)?;
    m.add_function(wrap_pyfunction!(constant_prediction_matrix, m)?)?;
    m.add_function(wrap_pyfunction!(regression_metrics, m)?)?;
    m.add_function(wrap_pyfunction!(weighted_classification_metrics, m)?)?;
    m.add_function(wrap_pyfunction!(weighted_regression_metrics, m)?)?;
    m.add_function(wrap_pyfunction!(label_draw_metrics, m)?)?;
    m.add_function(wrap_pyfunction!(curve_labels, m)?)?;
    Ok(())
}
