"""The statistics document (SageMaker's metric names and layout): each scalar with SageMaker's ``standard_deviation`` and driftline's bootstrap ``confidence_interval``, every draw computed by the core."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from driftline import _core
from driftline import metrics as mq_metrics
from driftline.errors import (
    InvalidArgumentError,
    InvalidInputError,
)
from driftline.model_quality._common import (
    _SECTION,
    BOOTSTRAP_CHUNK_VALUES,
    BOOTSTRAP_MAX_ROWS,
    CURVE_POINTS,
    PROBLEM_TYPES,
    STD_FRACTION,
    STD_MIN_SAMPLES,
    STD_SUBSAMPLES,
    ProblemType,
    _arg,
    _check_resampling,
)
from driftline.model_quality.constraints import _as_float
from driftline.model_quality.outputs import _normalize_labels


@dataclass(frozen=True)
class _Encoded:
    """Rows of one problem, encoded once so that the subsample and bootstrap metrics are weighted
    sums: class codes (classification) or values (regression), and score groups for the AUC."""

    problem: str
    n: int
    classes: list[str]
    truth: npt.NDArray[Any]
    pred: npt.NDArray[Any]
    pos: int = -1
    score_group: npt.NDArray[np.uint32] | None = None  # index of each row's distinct score, ascending


def _encode(problem: str, y_true: pl.Series, y_pred: pl.Series, score: pl.Series | None, positive_label: str | None,
            classes: list[str] | None = None) -> _Encoded:
    n = len(y_true)
    if problem == "Regression":
        return _Encoded(problem, n, [], y_true.to_numpy().astype(np.float64), y_pred.to_numpy().astype(np.float64))
    if classes is None:
        classes = sorted(set(y_true.unique().to_list()) | set(y_pred.unique().to_list()), key=_label_order)
    index = {c: i for i, c in enumerate(classes)}
    t = y_true.replace_strict(index, return_dtype=pl.UInt32).to_numpy()
    p = y_pred.replace_strict(index, return_dtype=pl.UInt32).to_numpy()
    pos = -1
    group = None
    if problem == "BinaryClassification":
        if len(classes) > 2:
            raise InvalidInputError(f"a binary problem has at most 2 labels, the data has {len(classes)}: {', '.join(classes[:10])} "
                                    f"(for more classes use {_arg('problem_type')} MulticlassClassification)")
        pos = index[positive_label] if positive_label is not None and positive_label in index else len(classes) - 1
        if score is not None:
            s = score.to_numpy().astype(np.float64)
            _, group = np.unique(s, return_inverse=True)
            group = group.astype(np.uint32)
    return _Encoded(problem, n, classes, t, p, pos, group)


def _label_order(v: str) -> tuple[int, float, str]:
    """Numbers in numeric order, then text (so "0" < "1" < "10" and "a" < "b")."""
    try:
        return (0, float(v), v)
    except ValueError:
        return (1, 0.0, v)


def _weighted_scalars(enc: _Encoded, w: npt.NDArray[np.float64] | None = None, *,
                      resamples: npt.NDArray[np.int64] | None = None) -> dict[str, npt.NDArray[np.float64]]:
    """Scalar metrics for each row of weights ``w`` (shape ``(draws, n)``), or of each bootstrap
    resample given as its drawn row indices (``resamples``, shape ``(draws, m)``: the weights are
    the multiplicities): the same formulas as :mod:`driftline.metrics` (checked equal on unit
    weights), as weighted sums, for the subsample standard deviations and the bootstrap
    intervals. Every draw in one call of the Rust kernel (``rust/core/src/metrics/draws.rs``),
    draws in parallel."""
    if w is not None:
        w = np.ascontiguousarray(w, dtype=np.float64)
    if enc.problem == "Regression":
        names, values = _core.weighted_regression_metrics(enc.truth, enc.pred, w, resamples)
    else:
        binary = enc.problem == "BinaryClassification"
        names, values = _core.weighted_classification_metrics(
            enc.truth, enc.pred, len(enc.classes), w, positive=enc.pos if binary else None, score_group=enc.score_group,
            resamples=resamples)
    return dict(zip(names, values, strict=True))


def _subsample_weights(n: int, draws: int, rng: np.random.Generator) -> npt.NDArray[np.float64]:
    """0/1 masks of ``draws`` subsamples of :data:`STD_FRACTION` of the rows (SageMaker's rule)."""
    w = np.zeros((draws, n))
    m = int(round(STD_FRACTION * n))
    for d in range(draws):  # SageMaker's 5 subsamples: one choice() each keeps the seeded stream
        w[d, rng.choice(n, size=m, replace=False)] = 1.0
    return w


def _subset(enc: _Encoded, idx: npt.NDArray[np.int64]) -> _Encoded:
    group = None if enc.score_group is None else enc.score_group[idx]
    return _Encoded(enc.problem, len(idx), enc.classes, enc.truth[idx], enc.pred[idx], enc.pos, group)


def _bootstrap(enc: _Encoded, resamples: int, confidence: float, rng: np.random.Generator,
               values: dict[str, float]) -> dict[str, tuple[float, float]]:
    """Percentile bootstrap intervals of every scalar metric. Above :data:`BOOTSTRAP_MAX_ROWS`
    rows the resamples are drawn from a random subsample of that size, and each interval's
    offsets from the subsample's own value are scaled by ``sqrt(m / n)`` around the full value
    (the intervals of these metrics shrink as ``1 / sqrt(n)``): the cost stays bounded."""
    n = enc.n
    scale, base = 1.0, enc
    if n > BOOTSTRAP_MAX_ROWS:
        base = _subset(enc, np.sort(rng.choice(n, BOOTSTRAP_MAX_ROWS, replace=False)))
        scale = math.sqrt(BOOTSTRAP_MAX_ROWS / n)
    own = {k: float(v[0]) for k, v in _weighted_scalars(base, np.ones((1, base.n))).items()}
    draws: dict[str, list[npt.NDArray[np.float64]]] = {}
    per_chunk = max(1, min(resamples, BOOTSTRAP_CHUNK_VALUES // max(base.n, 1)))
    done = 0
    while done < resamples:
        d = min(per_chunk, resamples - done)
        # n draws with replacement per resample; one integers() call reads the random stream as
        # one call per resample would, and the kernel counts each resample's multiplicities
        for k, v in _weighted_scalars(base, resamples=rng.integers(0, base.n, (d, base.n))).items():
            draws.setdefault(k, []).append(v)
        done += d
    alpha = (1 - confidence) / 2
    out: dict[str, tuple[float, float]] = {}
    for k, parts in draws.items():
        v = np.concatenate(parts)
        v = v[np.isfinite(v)]
        if len(v) and k in values and math.isfinite(values[k]) and math.isfinite(own[k]):
            lo, hi = float(np.quantile(v, alpha)), float(np.quantile(v, 1 - alpha))
            out[k] = (values[k] + (lo - own[k]) * scale, values[k] + (hi - own[k]) * scale) if scale != 1.0 else (lo, hi)
    return out


def _thin(xs: list[float], ys: list[float], points: int) -> tuple[list[float], list[float]]:
    if len(xs) <= points:
        return xs, ys
    idx = np.unique(np.linspace(0, len(xs) - 1, points).round().astype(np.int64))
    return [xs[i] for i in idx], [ys[i] for i in idx]


def _json_float(x: float) -> float | str:
    return float(x) if math.isfinite(x) else "NaN"


def model_quality_statistics(
    y_true: Any,
    y_pred: Any,
    problem_type: ProblemType,
    *,
    y_score: Any = None,
    positive_label: str | None = None,
    bootstrap: int = 200,
    confidence: float = 0.95,
    seed: int = 0,
    evaluation_time: datetime | None = None,
) -> dict[str, Any]:
    """SageMaker's model-quality ``statistics.json`` for labels ``y_true`` and predictions
    ``y_pred`` (labels for classification, values for regression; ``y_score`` the positive
    class's probability for binary problems).

    Each scalar metric is ``{"value", "standard_deviation"}``: the value equals scikit-learn's
    (via :mod:`driftline.metrics`); ``standard_deviation`` follows SageMaker's rule, the standard
    deviation of the metric over 5 random subsamples of 80 % of the rows (population form, ddof
    0), given from 200 rows on and ``"NaN"`` below. Beside it, driftline's
    ``confidence_interval`` is a percentile bootstrap over ``bootstrap`` resamples of the rows
    (``{"lower", "upper", "level", "resamples"}``; omitted when ``bootstrap`` is 0); windows above
    :data:`BOOTSTRAP_MAX_ROWS` rows are resampled from a subsample of that size, the interval
    rescaled by ``sqrt(m / n)`` (see :func:`_bootstrap`). Both are
    seeded by ``seed``: the same inputs give the same bytes. Curves are thinned to about
    1000 points."""
    if problem_type not in PROBLEM_TYPES:
        raise InvalidArgumentError(f"{_arg('problem_type')} must be one of {', '.join(PROBLEM_TYPES)}, got {problem_type!r}")
    _check_resampling(bootstrap, seed)
    if isinstance(confidence, bool) or not isinstance(confidence, numbers.Real) or not 0.0 < float(confidence) < 1.0:
        raise InvalidArgumentError(f"confidence must be a number in (0, 1), got {confidence!r}")
    t_series = pl.Series("y_true", y_true) if not isinstance(y_true, pl.Series) else y_true
    p_series = pl.Series("y_pred", y_pred) if not isinstance(y_pred, pl.Series) else y_pred
    s_series = None if y_score is None else (pl.Series("y_score", y_score) if not isinstance(y_score, pl.Series) else y_score)
    if len(t_series) != len(p_series) or (s_series is not None and len(s_series) != len(t_series)):
        raise InvalidArgumentError("y_true, y_pred and y_score must have the same length")
    if len(t_series) == 0:
        raise InvalidInputError("no labelled predictions to compute model-quality metrics from")
    if problem_type == "Regression":
        t_series, p_series = t_series.cast(pl.Float64), p_series.cast(pl.Float64)
        if t_series.null_count() or p_series.null_count() or not (t_series.is_finite().all() and p_series.is_finite().all()):
            raise InvalidInputError("regression labels and predictions must be finite numbers")
        main: dict[str, Any] = mq_metrics.regression_metrics(t_series.to_numpy(), p_series.to_numpy())
    else:
        t_series, p_series = _normalize_labels(t_series), _normalize_labels(p_series)
        if t_series.null_count() or p_series.null_count():
            raise InvalidInputError("classification labels and predictions must not be missing")
        if positive_label is not None:
            positive_label = _normalize_labels(pl.Series([positive_label])).item()
        classes = sorted(set(t_series.to_list()) | set(p_series.to_list()), key=_label_order)
        if problem_type == "BinaryClassification" and s_series is not None and set(classes) <= {"0", "1"}:
            # the score is P(class 1): both classes exist even when a window holds only one
            classes = ["0", "1"]
        main = mq_metrics.classification_metrics(
            t_series.to_numpy(), p_series.to_numpy(),
            labels=np.array(classes, dtype=object),
            y_score=None if s_series is None or problem_type != "BinaryClassification" else s_series.to_numpy(),
            pos_label=positive_label, problem_type=problem_type,
        )
    enc = _encode(problem_type, t_series, p_series, s_series if "auc" in main else None, positive_label,
                  None if problem_type == "Regression" else classes)
    rng = np.random.default_rng(seed)
    n = enc.n
    std: dict[str, float] = {}
    if n >= STD_MIN_SAMPLES:
        sub = _weighted_scalars(enc, _subsample_weights(n, STD_SUBSAMPLES, rng))
        std = {k: float(np.std(v)) for k, v in sub.items()}
    intervals: dict[str, tuple[float, float]] = {}
    if bootstrap > 0:
        intervals = _bootstrap(enc, bootstrap, confidence, rng, {k: _as_float(v) for k, v in main.items() if not isinstance(v, dict)})
    section: dict[str, Any] = {}
    for name, value in main.items():
        if name == "confusion_matrix":
            section[name] = value
        elif name == "receiver_operating_characteristic_curve":
            fx, ty = _thin(value["false_positive_rates"], value["true_positive_rates"], CURVE_POINTS)
            section[name] = {"false_positive_rates": fx, "true_positive_rates": ty}
        elif name == "precision_recall_curve":
            pr, rc = _thin(value["precisions"], value["recalls"], CURVE_POINTS)
            section[name] = {"precisions": pr, "recalls": rc}
        else:
            entry: dict[str, Any] = {"value": _json_float(float(value)), "standard_deviation": _json_float(std.get(name, math.nan))}
            if name in intervals:
                lo, hi = intervals[name]
                entry["confidence_interval"] = {"lower": lo, "upper": hi, "level": confidence, "resamples": bootstrap}
            section[name] = entry
    when = (evaluation_time or datetime.now(UTC)).astimezone(UTC)
    return {
        "version": 0.0,
        "dataset": {"item_count": n, "evaluation_time": when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"},
        f"{_SECTION[problem_type]}_metrics": section,
    }
