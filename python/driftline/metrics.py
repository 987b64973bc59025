"""Model-quality metrics: ROC and precision-recall curves and their areas, confusion matrices,
precision / recall / F-beta, and regression errors, with scikit-learn's names and semantics.

The kernels (sorting, curves, sums) run in the Rust core (``rust/core/src/metrics.rs``); this
module only turns labels into class codes, vectorised. Values equal scikit-learn 1.9's to 1e-12
(tests/metrics/test_metrics.py), most of them to the last bit: the core follows scikit-learn
operation by operation and sums in numpy's pairwise order.

Positive label of the binary curve functions, as scikit-learn 1.9 (checked by running it):
``roc_auc_score`` takes the larger of exactly two labels (sorted: ``{0, 2}`` -> 2, ``{"a", "b"}``
-> ``"b"``), as its ``label_binarize`` does; ``roc_curve``, ``precision_recall_curve`` and
``average_precision_score`` need labels {0, 1} or {-1, 1} (or booleans) unless ``pos_label`` is
given, and raise otherwise, as scikit-learn does.

Differences from scikit-learn: where it warns and returns NaN or a meaningless curve (only one
class in ``y_true``, or every sample of a class with zero weight) these functions raise
:class:`~driftline.errors.InvalidArgumentError`; NaN or infinite scores raise with the index;
negative sample weights raise :class:`~driftline.errors.InvalidCountError`. ``labels``, where
given, must hold every label that occurs (scikit-learn would drop the others).
:func:`classification_metrics` instead keeps every metric that is defined: with one class in
``y_true`` its ``auc`` is NaN (scikit-learn's value, without the warning) and the curves are left
out, and a rate whose denominator is empty (TNR and FPR without negatives, TPR and FNR without
positives) is NaN, not 0 or 1.

:func:`classification_metrics` and :func:`regression_metrics` return dicts keyed by SageMaker
Model Monitor's metric names (``binary_classification_metrics``,
``multiclass_classification_metrics``, ``regression_metrics`` in its statistics file).
"""

from __future__ import annotations

import math
from typing import Any, Literal, NamedTuple

import numpy as np
import numpy.typing as npt

from driftline import _core
from driftline._convert import F64Array, to_counts, to_float64
from driftline.errors import InvalidArgumentError, LengthMismatchError

__all__ = [
    "PrecisionRecallFscore",
    "average_precision_score",
    "classification_metrics",
    "confusion_matrix",
    "precision_recall_curve",
    "precision_recall_fscore",
    "regression_metrics",
    "roc_auc_score",
    "roc_curve",
]

Average = Literal["micro", "macro", "weighted", "binary"]
# Integer labels in [0, this) are mapped to codes by counting instead of sorting.
_DENSE_LABEL_LIMIT = 1 << 20
_BETAS = {"f0_5": 0.5, "f1": 1.0, "f2": 2.0}


class PrecisionRecallFscore(NamedTuple):
    """Result of :func:`precision_recall_fscore`: arrays per class, or floats when averaged."""

    precision: Any
    recall: Any
    fscore: Any
    support: Any


def _values(x: Any, name: str) -> npt.NDArray[Any]:
    """A 1-D numpy array of any dtype (labels may be strings)."""
    mod = type(x).__module__.split(".", 1)[0]
    if mod in ("polars", "pandas"):
        arr = np.asarray(x.to_numpy())
    elif mod == "pyarrow":
        arr = np.asarray(x.to_numpy(zero_copy_only=False))
    else:
        arr = np.asarray(x)
    if arr.ndim != 1:
        raise InvalidArgumentError(f"`{name}` must be 1-D, got shape {arr.shape}")
    return arr


def _binary_truth(y_true: Any, pos_label: Any, infer: bool = False) -> npt.NDArray[np.bool_]:
    """``y_true == pos_label`` as booleans; without ``pos_label`` the labels must be {0, 1} or
    {-1, 1}, or with ``infer`` (``roc_auc_score``'s rule) any two labels, the larger positive.

    O(n) checks, never ``np.isin`` or ``np.unique`` on the common path (either costs more than
    the metric's kernel): booleans pass as they are, integers by their range, floats by comparisons.
    """
    y = _values(y_true, "y_true")
    if pos_label is not None:
        return np.ascontiguousarray(y == pos_label, dtype=np.bool_)
    kind = y.dtype.kind
    if kind == "b":
        return np.ascontiguousarray(y)
    if kind not in "iuf":
        if infer:
            return _larger_of_two(y)
        raise InvalidArgumentError("`y_true` has non-numeric labels: give pos_label")
    positive: npt.NDArray[np.bool_] = np.equal(y, 1)
    if kind in "iu" and len(y):
        lo, hi = y.min(), y.max()
        binary = bool(lo >= -1 and hi <= 1 and (lo >= 0 or not np.equal(y, 0).any()))
    else:  # NaN fails both comparisons
        binary = bool((positive | (y == 0)).all() or (positive | (y == -1)).all())
    if not binary:
        if infer:
            return _larger_of_two(y)
        raise InvalidArgumentError("`y_true` labels are not {0, 1} or {-1, 1}: give pos_label")
    return positive


def _larger_of_two(y: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
    """``y == max(labels)`` when ``y`` holds exactly two labels (scikit-learn's ``roc_auc_score``
    binarises with the sorted labels, the last one positive); else an error naming them."""
    if y.dtype.kind == "f":
        if np.isnan(y).any():
            raise InvalidArgumentError(f"`y_true` holds NaN at index {int(np.flatnonzero(np.isnan(y))[0])}: give labels, not missing values")
        if (y != np.round(y)).any():  # scikit-learn: "continuous format is not supported"
            raise InvalidArgumentError("`y_true` holds non-integral numbers (continuous, not labels): give pos_label")
    try:
        labels = np.unique(y)
    except TypeError:  # mixed types (e.g. str and int in an object array) have no order
        raise InvalidArgumentError("`y_true` mixes label types that cannot be sorted: give pos_label") from None
    if len(labels) != 2:
        shown = ", ".join(repr(v) for v in labels.tolist()[:5]) + (", ..." if len(labels) > 5 else "")
        raise InvalidArgumentError(f"`y_true` has {len(labels)} labels ({shown}); a binary metric needs two: give pos_label")
    return np.ascontiguousarray(y == labels[1], dtype=np.bool_)


def _binary_args(
    y_true: Any, y_score: Any, pos_label: Any, sample_weight: Any, infer: bool = False
) -> tuple[npt.NDArray[np.bool_], F64Array, F64Array | None]:
    weights = None if sample_weight is None else to_counts(sample_weight, "sample_weight")
    return _binary_truth(y_true, pos_label, infer), to_float64(y_score, "y_score"), weights


def roc_curve(
    y_true: Any, y_score: Any, *, pos_label: Any = None, sample_weight: Any = None
) -> tuple[F64Array, F64Array, F64Array]:
    """ROC curve ``(fpr, tpr, thresholds)``, as ``sklearn.metrics.roc_curve`` (drop_intermediate=True).

    ``fpr[i]`` and ``tpr[i]`` are the weighted shares of negatives and positives with score
    ``>= thresholds[i]``; thresholds decrease from ``+inf``; collinear points are dropped.
    """
    return _core.roc_curve(*_binary_args(y_true, y_score, pos_label, sample_weight))


def roc_auc_score(y_true: Any, y_score: Any, *, pos_label: Any = None, sample_weight: Any = None) -> float:
    """Area under the ROC curve (trapezoid rule; tied scores count 1/2), as
    ``sklearn.metrics.roc_auc_score`` for binary ``y_true``: without ``pos_label`` the larger of
    the two labels is the positive class (``{0, 2}`` -> 2, ``{"no", "yes"}`` -> ``"yes"``)."""
    return _core.roc_auc_score(*_binary_args(y_true, y_score, pos_label, sample_weight, infer=True))


def precision_recall_curve(
    y_true: Any, y_score: Any, *, pos_label: Any = None, sample_weight: Any = None
) -> tuple[F64Array, F64Array, F64Array]:
    """``(precision, recall, thresholds)`` as ``sklearn.metrics.precision_recall_curve``: one point
    per distinct score, thresholds ascending, and a final point (precision 1, recall 0)."""
    return _core.precision_recall_curve(*_binary_args(y_true, y_score, pos_label, sample_weight))


def average_precision_score(y_true: Any, y_score: Any, *, pos_label: Any = None, sample_weight: Any = None) -> float:
    """``AP = Σ_n (R_n - R_{n-1}) P_n`` over the precision-recall curve (step-wise, not the
    trapezoid), as ``sklearn.metrics.average_precision_score`` for binary ``y_true``."""
    return _core.average_precision_score(*_binary_args(y_true, y_score, pos_label, sample_weight))


def _encode(y_true: Any, y_pred: Any, labels: Any) -> tuple[npt.NDArray[Any], npt.NDArray[np.uint32], npt.NDArray[np.uint32]]:
    """(labels, true codes, predicted codes): codes index ``labels`` (sorted, as scikit-learn's
    ``unique_labels``, unless given)."""
    t, p = _values(y_true, "y_true"), _values(y_pred, "y_pred")
    if len(t) != len(p):
        raise LengthMismatchError(f"`y_true` and `y_pred` must have the same length, got {len(t)} and {len(p)}")
    if labels is None:
        if t.dtype.kind in "biu" and p.dtype.kind in "biu" and len(t) > 0:
            lo, hi = min(int(t.min()), int(p.min())), max(int(t.max()), int(p.max()))
            if lo >= 0 and hi < _DENSE_LABEL_LIMIT:
                # counting, not sorting: O(n) for the common case of small integer labels
                seen = (np.bincount(t.astype(np.intp), minlength=hi + 1) > 0) | (np.bincount(p.astype(np.intp), minlength=hi + 1) > 0)
                present = np.flatnonzero(seen)
                lut = np.zeros(hi + 1, dtype=np.uint32)
                lut[present] = np.arange(len(present), dtype=np.uint32)
                return present.astype(np.result_type(t.dtype, p.dtype)), lut[t], lut[p]
        both = np.concatenate([t, p])
        uniq, inverse = np.unique(both, return_inverse=True)
        both_codes = inverse.astype(np.uint32).ravel()
        return uniq, np.ascontiguousarray(both_codes[: len(t)]), np.ascontiguousarray(both_codes[len(t) :])
    lab = _values(labels, "labels")
    if len(lab) == 0 or len(np.unique(lab)) != len(lab):
        raise InvalidArgumentError("`labels` must be non-empty and hold each label once")
    order = np.argsort(lab, kind="stable")
    sorted_lab = lab[order]

    def codes(x: npt.NDArray[Any], name: str) -> npt.NDArray[np.uint32]:
        pos = np.clip(np.searchsorted(sorted_lab, x), 0, len(lab) - 1)
        bad = np.flatnonzero(sorted_lab[pos] != x)
        if len(bad):
            raise InvalidArgumentError(f"`{name}` holds {x[bad[0]]!r} at index {bad[0]}, which is not in `labels`")
        return np.ascontiguousarray(order[pos], dtype=np.uint32)

    return lab, codes(t, "y_true"), codes(p, "y_pred")


def confusion_matrix(y_true: Any, y_pred: Any, *, labels: Any = None) -> npt.NDArray[np.int64]:
    """Confusion matrix ``C[i, j]`` = samples of true label ``labels[i]`` predicted as ``labels[j]``
    (``sklearn.metrics.confusion_matrix``; labels sorted unless given)."""
    lab, t, p = _encode(y_true, y_pred, labels)
    return _core.confusion_matrix(t, p, len(lab)).astype(np.int64)


def _matrix(y_true: Any, y_pred: Any, labels: Any) -> tuple[npt.NDArray[Any], npt.NDArray[np.uint64]]:
    lab, t, p = _encode(y_true, y_pred, labels)
    return lab, _core.confusion_matrix(t, p, len(lab))


def _pos_index(lab: npt.NDArray[Any], pos_label: Any) -> int:
    hits = np.flatnonzero(lab == pos_label)
    if len(hits) == 0:
        raise InvalidArgumentError(f"pos_label={pos_label!r} is not a label; labels are {lab.tolist()[:10]}")
    return int(hits[0])


def precision_recall_fscore(
    y_true: Any,
    y_pred: Any,
    *,
    beta: float = 1.0,
    average: Average | None = None,
    labels: Any = None,
    pos_label: Any = 1,
) -> PrecisionRecallFscore:
    """Precision ``tp / (tp + fp)``, recall ``tp / (tp + fn)`` and
    ``F_β = (1 + β²) tp / ((1 + β²) tp + β² fn + fp)`` per class (0 where undefined), and the
    support; with ``average`` one float each (``support`` None), as
    ``sklearn.metrics.precision_recall_fscore_support(zero_division=0)``.
    """
    lab, cm = _matrix(y_true, y_pred, labels)
    if average == "binary":
        if len(lab) > 2:
            raise InvalidArgumentError(f"average='binary' needs at most 2 labels, got {len(lab)}")
        i = _pos_index(lab, pos_label)
        p, r, f, _ = _core.precision_recall_fscore(cm, float(beta), None)
        return PrecisionRecallFscore(float(p[i]), float(r[i]), float(f[i]), None)
    p, r, f, s = _core.precision_recall_fscore(cm, float(beta), average)
    if average is None:
        return PrecisionRecallFscore(p, r, f, s.astype(np.int64))
    return PrecisionRecallFscore(float(p[0]), float(r[0]), float(f[0]), None)


def _nested(cm: npt.NDArray[np.uint64], lab: npt.NDArray[Any]) -> dict[str, dict[str, int]]:
    """SageMaker's confusion matrix: ``{true label: {predicted label: count}}``."""
    names = [str(v) for v in lab.tolist()]
    return {a: dict(zip(names, (int(c) for c in row), strict=True)) for a, row in zip(names, cm.tolist(), strict=True)}


def _scores(cm: npt.NDArray[np.uint64], index: int | None, prefix: str, suffix: str) -> dict[str, float]:
    """recall, precision and F0.5/F1/F2 of class ``index`` (or support-weighted when None)."""
    average = None if index is not None else "weighted"
    i = 0 if index is None else index
    p, r, _, _ = _core.precision_recall_fscore(cm, 1.0, average)
    out = {f"{prefix}recall{suffix}": float(r[i]), f"{prefix}precision{suffix}": float(p[i])}
    for name, beta in _BETAS.items():
        out[f"{prefix}{name}{suffix}"] = float(_core.precision_recall_fscore(cm, beta, average)[2][i])
    return out


def classification_metrics(
    y_true: Any,
    y_pred: Any,
    labels: Any = None,
    *,
    y_score: Any = None,
    pos_label: Any = None,
    problem_type: Literal["BinaryClassification", "MulticlassClassification"] | None = None,
) -> dict[str, Any]:
    """SageMaker Model Monitor's classification metrics of predicted labels (and, for binary
    problems, scores of the positive class ``y_score``), keyed by SageMaker's names.

    Two labels make a binary problem unless ``problem_type`` says otherwise; the positive class is
    ``pos_label`` or the larger label. Binary: ``confusion_matrix``, ``recall``, ``precision``,
    ``accuracy``, ``true_positive_rate``, ``true_negative_rate`` (``1 - fpr``, as SageMaker
    reports it), ``false_positive_rate``, ``false_negative_rate`` (``1 - tpr``), ``f0_5``,
    ``f1``, ``f2``, the ``*_best_constant_classifier`` values of always predicting the positive
    class (as SageMaker's documented example), and with ``y_score`` ``auc`` and the ROC and PR
    curves. A rate over no rows is NaN (TNR and FPR without negatives, TPR and FNR without
    positives); with one class in ``y_true`` ``auc`` is NaN and the curves are left out, every
    other metric is kept (precision, recall and F-scores follow ``zero_division=0``). Multiclass: ``confusion_matrix``, ``accuracy``, ``weighted_{recall, precision, f0_5,
    f1, f2}`` and their best-constant values for always predicting the most frequent true label.
    """
    lab, cm = _matrix(y_true, y_pred, labels)
    binary = problem_type == "BinaryClassification" or (problem_type is None and len(lab) == 2)
    out: dict[str, Any] = {"confusion_matrix": _nested(cm, lab)}
    if not binary:
        majority = int(np.argmax(cm.sum(axis=1)))
        constant = _core.constant_prediction_matrix(cm, majority)
        out["accuracy"] = _core.confusion_accuracy(cm)
        out |= _scores(cm, None, "weighted_", "")
        out["accuracy_best_constant_classifier"] = _core.confusion_accuracy(constant)
        out |= _scores(constant, None, "weighted_", "_best_constant_classifier")
        return out
    if len(lab) > 2:
        raise InvalidArgumentError(f"a binary problem has at most 2 labels, got {len(lab)}")
    pos = len(lab) - 1 if pos_label is None else _pos_index(lab, pos_label)
    constant = _core.constant_prediction_matrix(cm, pos)
    out |= _scores(cm, pos, "", "")
    out["accuracy"] = _core.confusion_accuracy(cm)
    out |= _scores(constant, pos, "", "_best_constant_classifier")
    out["accuracy_best_constant_classifier"] = _core.confusion_accuracy(constant)
    # four counts, not rows: rates from the 2x2 (or 1x1) matrix
    tp = int(cm[pos, pos])
    fn = int(cm[pos].sum()) - tp
    fp = int(cm[:, pos].sum()) - tp
    tn = int(cm.sum()) - tp - fn - fp
    # a rate over no rows is undefined (NaN), not 0 or 1: no positives, no TPR/FNR; no negatives, no TNR/FPR
    tpr = tp / (tp + fn) if tp + fn else math.nan
    fpr = fp / (fp + tn) if fp + tn else math.nan
    out |= {
        "true_positive_rate": tpr,
        "true_negative_rate": 1.0 - fpr,
        "false_positive_rate": fpr,
        "false_negative_rate": 1.0 - tpr,
    }
    if y_score is not None:
        y_bin = np.ascontiguousarray(_values(y_true, "y_true") == lab[pos], dtype=np.bool_)
        score = to_float64(y_score, "y_score")
        if len(score) != len(y_bin):
            raise LengthMismatchError(f"`y_true` and `y_score` must have the same length, got {len(y_bin)} and {len(score)}")
        if tp + fn == 0 or tp + fn == len(y_bin):
            # one class in y_true: no ROC or PR curve, AUC undefined (scikit-learn: nan and a warning)
            out["auc"] = math.nan
            return out
        fpr_c, tpr_c, _ = _core.roc_curve(y_bin, score, None)
        prec_c, rec_c, _ = _core.precision_recall_curve(y_bin, score, None)
        out["auc"] = _core.roc_auc_score(y_bin, score, None)
        out["receiver_operating_characteristic_curve"] = {
            "false_positive_rates": fpr_c.tolist(),
            "true_positive_rates": tpr_c.tolist(),
        }
        out["precision_recall_curve"] = {"precisions": prec_c.tolist(), "recalls": rec_c.tolist()}
    return out


def regression_metrics(y_true: Any, y_pred: Any) -> dict[str, float]:
    """``mae``, ``mse``, ``rmse`` and ``r2`` (SageMaker's names) as scikit-learn's
    ``mean_absolute_error``, ``mean_squared_error``, ``root_mean_squared_error`` and ``r2_score``
    (``1 - SS_res / SS_tot``; 1.0 for a perfect fit, 0.0 when only ``y_true`` is constant)."""
    mae, mse, rmse, r2 = _core.regression_metrics(to_float64(y_true, "y_true"), to_float64(y_pred, "y_pred"))
    return {"mae": mae, "mse": mse, "rmse": rmse, "r2": r2}
