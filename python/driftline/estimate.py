"""Confidence-based performance estimation (CBPE) of a binary classifier without labels.

CBPE (NannyML's method, Ferrer et al.'s "expected confusion matrix") estimates what a model's
metrics would be on unlabelled data from its scores alone:

1. **Calibration** (:meth:`CBPE.fit`, on labelled reference data): isotonic regression of
   ``y_true`` on ``y_score``, clipped to [0, 1] (the Rust kernel ``rust/core/src/isotonic.rs``,
   equal to ``sklearn.isotonic.IsotonicRegression(y_min=0, y_max=1, out_of_bounds="clip")``).
   It maps a score ``s_i`` to ``p_i``, the probability that the row is positive.
2. **Expected confusion matrix** (:meth:`CBPE.estimate`), with ``ŷ_i`` the prediction:
   ``TP = Σ p_i [ŷ_i=1]``, ``FP = Σ (1-p_i) [ŷ_i=1]``, ``FN = Σ p_i [ŷ_i=0]``,
   ``TN = Σ (1-p_i) [ŷ_i=0]``; then ``accuracy = (TP+TN)/n``, ``precision = TP/(TP+FP)``,
   ``recall = TP/(TP+FN)``, ``f1 = 2TP/(2TP+FP+FN)``, ``specificity = TN/(TN+FP)``, each 0 where
   its denominator is 0 (scikit-learn's ``zero_division=0``).
   ``roc_auc``: the trapezoid area under the expected ROC curve, whose points are the cumulative
   sums of ``p`` and ``1-p`` over the scores in descending order, one point per distinct score
   (NannyML's estimator, ordered by the model's score so that ties are grouped as
   ``sklearn.metrics.roc_auc_score`` groups them). It is computed as the weighted ROC AUC of
   every row counted once as a positive with weight ``p_i`` and once as a negative with weight
   ``1-p_i``; NaN when ``Σp`` or ``Σ(1-p)`` is 0 (AUC undefined).
   These plug-in values are ratios of expectations; they equal the expected metric up to O(1/n).
3. **Uncertainty** (Monte Carlo): ``n_simulations`` label vectors ``y_i ~ Bernoulli(p_i)`` are
   drawn (``numpy.random.default_rng(seed)``, vectorised, in chunks of at most
   ``_MAX_VALUES_PER_CHUNK`` values); every metric is computed per draw as scikit-learn computes
   it from labels (AUC from the average ranks of the scores:
   ``(Σ_pos ranks − n1(n1+1)/2) / (n1 n0)``, tie-corrected Mann-Whitney, NaN draws dropped),
   all draws in one call of a Rust kernel (rust/core/src/metrics/draws.rs).
   ``std`` is their standard deviation (ddof=1), ``lower``/``upper`` their 2.5 % and 97.5 %
   quantiles (numpy's linear interpolation).
   The calibration fitted on a finite reference is uncertain too, and its error is shared by
   every window: each draw therefore first draws a calibration curve (each isotonic block's rate
   from its Beta(positives + 1/2, negatives + 1/2) posterior, given the reference's counts per
   block, made monotone again by weighted isotonic regression over the blocks, on a generator of
   its own), then the labels from that curve.

What the interval means: **if the reference calibration still holds on the analysed data** (the
probability of the positive class given the score has not changed: covariate shift allowed, no
concept drift), the realised metric falls in ``[lower, upper]`` with about 95 % probability. It
covers the sampling of labels given the scores and the calibration's own sampling error, and it
says nothing when the concept drifts: then the estimate is simply wrong (tests/model_quality/test_cbpe.py
shows both). Nor does it hold the bias of an isotonic calibration fitted on a finite reference,
which makes the estimated AUC too high, more so as the scores shift: measured on the simulation
of tests/model_quality/test_cbpe.py (windows of 5,000 rows, 40 references per cell) +0.010 / +0.018 /
+0.036 with 500 reference rows at shifts mu = 0 / 1 / 2, +0.003 / +0.007 / +0.023 with 5,000,
+0.001 / +0.000 / +0.004 with 100,000 (accuracy and F1 within 0.01); README, "Before the labels
arrive", gives the coverage. A calibration restored from a version-1 document has no block counts: its interval holds
label noise only.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from driftline import _core
from driftline._convert import F64Array, to_float64
from driftline.errors import EmptyInputError, InvalidArgumentError, InvalidInputError, LengthMismatchError

__all__ = ["CBPE", "DLE", "Estimate"]

# One chunk of simulated labels holds at most this many values (uniforms as float64, ~64 MiB,
# plus the same again as labels for the matrix product): memory stays flat for any n.
_MAX_VALUES_PER_CHUNK = 1 << 23
_FORMAT = "driftline.cbpe"
_VERSION = 2  # 2 adds the reference's counts per calibration level (version 1 still reads)
_QUANTILES = (0.025, 0.975)


@dataclass(frozen=True)
class Estimate:
    """One estimated metric: its plug-in value and the spread of the realised metric when the
    labels are drawn from the calibrated probabilities (see the module docstring)."""

    value: float  # expected value of the metric given calibrated probabilities
    std: float  # its standard deviation (sampling of labels given the scores)
    lower: float  # 2.5 % quantile
    upper: float  # 97.5 % quantile

    def to_json(self) -> dict[str, float]:
        """``{"value", "std", "lower", "upper"}`` as floats (NaN only for an undefined AUC)."""
        return {"value": self.value, "std": self.std, "lower": self.lower, "upper": self.upper}


def _binary(x: Any, name: str) -> npt.NDArray[np.bool_]:
    """0/1 or boolean labels as a boolean array; anything else raises naming ``name``."""
    arr = to_float64(x, name)
    bad = (arr != 0.0) & (arr != 1.0)  # NaN is bad too
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidArgumentError(f"`{name}` must hold 0/1 or booleans, got {arr[i]} at index {i}")
    labels: npt.NDArray[np.bool_] = arr == 1.0
    return labels


def _scores(x: Any, name: str) -> F64Array:
    arr = to_float64(x, name)
    if arr.size == 0:
        raise EmptyInputError(f"`{name}` is empty")
    bad = ~((arr >= 0.0) & (arr <= 1.0))  # NaN is bad too
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidArgumentError(f"`{name}` must hold probabilities in [0, 1], got {arr[i]} at index {i}")
    return arr


def _same_length(left: str, a: int, right: str, b: int) -> None:
    if a != b:
        raise LengthMismatchError(f"`{left}` and `{right}` must have the same length, got {a} and {b}")


def _ratio(num: npt.NDArray[np.float64], den: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """``num / den``, 0 where ``den`` is 0 (scikit-learn's ``zero_division=0``)."""
    out = np.zeros(np.broadcast(num, den).shape)
    np.divide(num, den, out=out, where=den != 0)
    return out


def _confusion_metrics(
    tp: npt.NDArray[np.float64], fp: npt.NDArray[np.float64], fn: npt.NDArray[np.float64], tn: npt.NDArray[np.float64]
) -> dict[str, npt.NDArray[np.float64]]:
    """Accuracy, precision, recall, F1 and specificity from (expected or realised) cells."""
    return {
        "accuracy": (tp + tn) / (tp + fp + fn + tn),
        "precision": _ratio(tp, tp + fp),
        "recall": _ratio(tp, tp + fn),
        "f1": _ratio(2 * tp, 2 * tp + fp + fn),
        "specificity": _ratio(tn, tn + fp),
    }


def _score_groups(scores: F64Array) -> npt.NDArray[np.uint32]:
    """Each score's index among the distinct scores, ascending: the AUC of a draw needs only the
    positives and negatives per distinct score."""
    groups: npt.NDArray[np.uint32] = np.unique(scores, return_inverse=True)[1].astype(np.uint32)
    return groups


def _metrics_of_draws(
    labels: npt.NDArray[np.bool_], y_pred: npt.NDArray[np.bool_], score_group: npt.NDArray[np.uint32]
) -> dict[str, npt.NDArray[np.float64]]:
    """Every metric of each row of ``labels`` (draws × n) against the fixed predictions, all
    draws in one call of the Rust kernel (``label_draws``, rust/core/src/metrics/draws.rs): the
    cells per draw, and the AUC as ``U / (n1 n0)`` with the tie-corrected Mann-Whitney U from the
    positives and negatives per distinct score (equal to the average-rank formula: every count
    is exact, so the ratio is rounded once)."""
    names, values = _core.label_draw_metrics(np.ascontiguousarray(labels), y_pred, score_group)
    cells = dict(zip(names, values, strict=True))
    out = _confusion_metrics(cells["tp"], cells["fp"], cells["fn"], cells["tn"])
    out["roc_auc"] = cells["roc_auc"]
    return out


def _expected_auc(y_score: F64Array, p: F64Array) -> float:
    """Area under the expected ROC curve (see the module docstring); NaN if undefined."""
    if not (p.sum() > 0.0 and (1.0 - p).sum() > 0.0):
        return math.nan
    n = y_score.size
    truth = np.concatenate([np.ones(n, dtype=np.bool_), np.zeros(n, dtype=np.bool_)])
    return _core.roc_auc_score(truth, np.concatenate([y_score, y_score]), np.concatenate([p, 1.0 - p]))


def _summary(value: float, draws: npt.NDArray[np.float64]) -> Estimate:
    finite = draws[np.isfinite(draws)]
    if finite.size < 2:
        return Estimate(value, math.nan, math.nan, math.nan)
    lower, upper = np.quantile(finite, _QUANTILES)
    return Estimate(value, float(np.std(finite, ddof=1)), float(lower), float(upper))


class CBPE:
    """Confidence-based performance estimation for a binary classifier (module docstring).

    ``threshold``: the default prediction is ``y_score >= threshold``. ``n_simulations``: label
    draws behind ``std``, ``lower`` and ``upper``. ``seed``: seeds a fresh generator on every
    :meth:`estimate` call, so equal inputs give equal estimates.
    """

    METRICS = ("accuracy", "precision", "recall", "f1", "specificity", "roc_auc")

    def __init__(self, *, threshold: float = 0.5, n_simulations: int = 400, seed: int = 0) -> None:
        if isinstance(threshold, bool) or not isinstance(threshold, int | float) or not 0.0 <= threshold <= 1.0:
            raise InvalidArgumentError(f"`threshold` must be a number in [0, 1], got {threshold!r}")
        if isinstance(n_simulations, bool) or not isinstance(n_simulations, int) or n_simulations < 2:
            raise InvalidArgumentError(f"`n_simulations` must be an integer >= 2, got {n_simulations!r}")
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise InvalidArgumentError(f"`seed` must be a non-negative integer, got {seed!r}")
        self.threshold = float(threshold)
        self.n_simulations = n_simulations
        self.seed = seed
        self._calibration: tuple[F64Array, F64Array] | None = None
        self._reference: dict[str, Any] = {}
        # (level values, rows, positives) of the reference per isotonic block; None: unknown
        self._levels: tuple[F64Array, F64Array, F64Array] | None = None
        self._rate_draws: F64Array | None = None  # calibration curves drawn from the levels

    @property
    def fitted(self) -> bool:
        """Whether a calibration is available (from :meth:`fit` or :meth:`from_json`)."""
        return self._calibration is not None

    @property
    def includes_calibration_error(self) -> bool:
        """Whether the intervals include the calibration's sampling error (the reference's block
        counts are known: not a version-1 document)."""
        return self._levels is not None

    @property
    def reference_rows(self) -> int | None:
        """Labelled rows the calibration was fitted on (None when a restored document lacks it):
        the smaller, the larger the calibration's bias under covariate shift (module docstring)."""
        n = self._reference.get("n")
        return int(n) if isinstance(n, int | float) and not isinstance(n, bool) else None

    def fit(self, y_true: Any, y_score: Any) -> CBPE:
        """Calibrate on labelled reference data: ``y_true`` 0/1 or boolean, ``y_score`` in [0, 1]."""
        truth = _binary(y_true, "y_true")
        score = _scores(y_score, "y_score")
        _same_length("y_true", truth.size, "y_score", score.size)
        n_pos = int(np.count_nonzero(truth))
        if n_pos in (0, truth.size):
            only = "positive (1)" if n_pos else "negative (0)"
            raise InvalidArgumentError(f"`y_true` holds only {only} labels: CBPE needs both classes in the reference")
        self._calibration = _core.isotonic_fit(score, truth.astype(np.float64), None, 0.0, 1.0)
        self._reference = {"n": int(truth.size), "positive_rate": n_pos / truth.size}
        # the support of each calibrated level (an isotonic block): its rows and positives
        levels, inverse = np.unique(_core.isotonic_predict(*self._calibration, score), return_inverse=True)
        self._rate_draws = None
        self._levels = (levels, np.bincount(inverse).astype(np.float64), np.bincount(inverse, weights=truth.astype(np.float64)).astype(np.float64))
        return self

    def _calibrated(self, score: F64Array) -> F64Array:
        """The calibrated probabilities ``p`` of checked scores (in [0, 1])."""
        if self._calibration is None:
            raise InvalidArgumentError("this CBPE is not fitted: call fit(y_true, y_score) or CBPE.from_json(doc)")
        return _core.isotonic_predict(*self._calibration, score)

    def estimate(self, y_score: Any, y_pred: Any = None) -> dict[str, Estimate]:
        """Estimated metrics (keys :attr:`METRICS`) of unlabelled data; ``y_pred`` (0/1 or boolean)
        defaults to ``y_score >= threshold``."""
        if self._calibration is None:  # before looking at the input: the more useful message
            self._calibrated(np.empty(0))
        score = _scores(y_score, "y_score")
        p = self._calibrated(score)
        if y_pred is None:
            pred = score >= self.threshold
        else:
            pred = _binary(y_pred, "y_pred")
            _same_length("y_score", score.size, "y_pred", pred.size)

        q = 1.0 - p
        cells = [np.asarray(v) for v in (p[pred].sum(), q[pred].sum(), p[~pred].sum(), q[~pred].sum())]
        values = {k: float(v) for k, v in _confusion_metrics(*cells).items()}
        values["roc_auc"] = _expected_auc(score, p)

        groups = _score_groups(score)
        rng = np.random.default_rng(self.seed)
        curves = self._calibration_draws(score)
        per_chunk = max(1, _MAX_VALUES_PER_CHUNK // score.size)
        chunks: list[dict[str, npt.NDArray[np.float64]]] = []
        for start in range(0, self.n_simulations, per_chunk):
            draws = min(per_chunk, self.n_simulations - start)
            # Consecutive chunks read the generator's stream in order: results do not depend on chunking.
            uniforms = rng.random((draws, score.size))
            labels = uniforms < p if curves is None else curves(start, uniforms)
            chunks.append(_metrics_of_draws(labels, pred, groups))
        return {k: _summary(values[k], np.concatenate([c[k] for c in chunks])) for k in self.METRICS}

    def _calibration_draws(self, score: F64Array) -> Any:
        """With the reference's block counts: a function giving, for draws ``start ..
        start + len(uniforms)``, the window's labels ``uniforms < probability`` under calibration
        curves drawn from the reference (each block's rate from its Beta(positives + 1/2, negatives + 1/2) posterior,
        made monotone again by weighted isotonic regression over the blocks). None without the
        counts (a calibration restored from a version-1 document)."""
        if self._levels is None or self._calibration is None:
            return None
        x, y = self._calibration
        levels, rows, positives = self._levels
        # every calibration point's level; a drawn curve moves each level and keeps the points' x
        point_level = np.clip(np.searchsorted(levels, y), 0, len(levels) - 1)
        if self._rate_draws is None:  # the curves depend on the reference only: drawn once
            rates = np.random.default_rng([self.seed, 1]).beta(positives + 0.5, rows - positives + 0.5, size=(self.n_simulations, len(levels)))
            order = np.arange(len(levels), dtype=np.float64)
            # every draw refitted (isotonic_fit, then isotonic_predict at the blocks) in one call
            self._rate_draws = _core.isotonic_fit_predict_rows(order, rates, rows, 0.0, 1.0)
        rates = self._rate_draws
        # linear interpolation between calibration points, clipped outside (isotonic_predict's rule)
        if len(x) == 1:
            left, frac = np.zeros(score.size, dtype=np.int64), np.zeros(score.size)
        else:
            left = np.clip(np.searchsorted(x, score, side="right") - 1, 0, len(x) - 2)
            frac = np.clip((score - x[left]) / (x[left + 1] - x[left]), 0.0, 1.0)
        right = np.minimum(left + 1, len(x) - 1)

        # each row's two curve points, as levels (columns of the drawn rates)
        lower, upper = point_level[left].astype(np.uint32), point_level[right].astype(np.uint32)

        def window(start: int, uniforms: F64Array) -> npt.NDArray[np.bool_]:
            # uniforms < rates[d, lower] * (1 - frac) + rates[d, upper] * frac, fused in the core
            return _core.curve_labels(uniforms, rates[start : start + len(uniforms)], lower, upper, frac)

        return window

    def to_json(self) -> dict[str, Any]:
        """The fitted estimator as a JSON-ready dict (``cbpe.json`` in a baseline folder); floats
        are written exactly, so :meth:`from_json` restores identical estimates."""
        if self._calibration is None:
            raise InvalidArgumentError("this CBPE is not fitted: nothing to write")
        x, y = self._calibration
        return {
            "format": _FORMAT,
            "version": _VERSION,
            "threshold": self.threshold,
            "n_simulations": self.n_simulations,
            "seed": self.seed,
            "reference": dict(self._reference),
            "calibration": {"x": x.tolist(), "y": y.tolist()},
        } | ({} if self._levels is None else {
            "levels": {"value": self._levels[0].tolist(), "rows": self._levels[1].tolist(), "positives": self._levels[2].tolist()}})

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> CBPE:
        """Restore a :meth:`to_json` document; a malformed one raises InvalidArgumentError."""
        if not isinstance(doc, dict) or doc.get("format") != _FORMAT:
            raise InvalidArgumentError(f"`doc` is not a {_FORMAT} document")
        if doc.get("version") not in (1, _VERSION):
            raise InvalidArgumentError(f"`doc` has version {doc.get('version')!r}; this driftline reads version {_VERSION}")
        try:
            out = cls(threshold=doc["threshold"], n_simulations=doc["n_simulations"], seed=doc["seed"])
            x = np.array(doc["calibration"]["x"], dtype=np.float64)
            y = np.array(doc["calibration"]["y"], dtype=np.float64)
            reference = dict(doc.get("reference", {}))
            lv = doc.get("levels")
            levels = None if lv is None else tuple(np.array(lv[k], dtype=np.float64) for k in ("value", "rows", "positives"))
        except (KeyError, TypeError, ValueError) as e:
            if isinstance(e, InvalidArgumentError):
                raise
            raise InvalidArgumentError(f"`doc` is malformed: {e!r}") from e
        if x.ndim != 1 or y.ndim != 1:
            raise InvalidArgumentError("`doc` calibration points must be two lists of numbers")
        try:  # the core checks the points: finite, x increasing, y non-decreasing, same length
            _core.isotonic_predict(x, y, np.empty(0))
        except InvalidInputError as e:
            raise InvalidArgumentError(f"`doc` calibration is invalid: {e}") from e
        if y.size and not (y[0] >= 0.0 and y[-1] <= 1.0):
            raise InvalidArgumentError("`doc` calibration values must lie in [0, 1]")
        if levels is not None:
            value, rows, positives = levels
            if not (value.ndim == rows.ndim == positives.ndim == 1 and value.size == rows.size == positives.size > 0
                    and np.all(rows > 0) and np.all((positives >= 0) & (positives <= rows)) and np.all(np.diff(value) > 0)):
                raise InvalidArgumentError("`doc` levels must be increasing values with row counts > 0 and 0 <= positives <= rows")
            out._levels = (value, rows, positives)
        out._calibration = (x, y)
        out._reference = reference
        return out


# --- direct loss estimation (regression) ------------------------------------------------------

_DLE_FORMAT = "driftline.dle"
_DLE_VERSION = 2  # 2 adds each loss model's own error ("model_error"; version 1 still reads)
_TOP_LEVELS = 20  # one-hot columns per string feature (its most frequent reference values)
_QUARTILES = (0.25, 0.5, 0.75)
# The variance of a loss is at least this fraction of its mean reference variance: keeps every
# row's contribution positive where the variance ridge dips below 0.
_VARIANCE_FLOOR = 1e-3
_Z975 = 1.959963984540054  # scipy.stats.norm.ppf(0.975)


def _frame_column(frame: pl.DataFrame, name: str) -> pl.Series:
    if name not in frame.columns:
        raise InvalidArgumentError(f"`frame` has no column {name!r}; its columns are {frame.columns}")
    return frame.get_column(name)


def _as_numbers(s: pl.Series, name: str) -> tuple[F64Array, npt.NDArray[np.bool_]]:
    """A numeric (or numeric-text) column as float64, and the mask of rows that are text but no
    number; null becomes NaN."""
    if s.dtype in (pl.String, pl.Categorical) or isinstance(s.dtype, pl.Enum):
        text = s.cast(pl.String)
        parsed = text.cast(pl.Float64, strict=False)
        unparsed = (parsed.is_null() & text.is_not_null()).to_numpy()
        return parsed.to_numpy().astype(np.float64, copy=False), unparsed
    if not (s.dtype.is_numeric() or s.dtype in (pl.Boolean, pl.Null)):
        raise InvalidArgumentError(f"column {s.name!r} (`{name}`) must be numeric, got Polars dtype {s.dtype}")
    return s.cast(pl.Float64).to_numpy().astype(np.float64, copy=False), np.zeros(s.len(), dtype=np.bool_)


def _finite_numbers(frame: pl.DataFrame, column: str, name: str) -> F64Array:
    """``y_true`` / ``y_pred``: every row a finite number, else an error naming the first bad row."""
    s = _frame_column(frame, column)
    x, unparsed = _as_numbers(s, name)
    bad = unparsed | ~np.isfinite(x)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidArgumentError(f"column {column!r} (`{name}`) must hold finite numbers, got {s[i]!r} at row {i}")
    return x


def _power_of_two(x: float) -> float:
    """The power of two nearest above ``x`` (> 0, finite); 1 for 0. Dividing by it is exact."""
    return 1.0 if x == 0.0 else math.ldexp(1.0, math.frexp(x)[1])


def _fit_scale(x: F64Array, knots: int | Sequence[float]) -> dict[str, Any]:
    """Standardisation of finite reference values ``x`` (``z = (x/2^k - mean)/std``, the power of
    two keeping huge and tiny magnitudes in range), the range of ``z`` and hinge knots at the
    quantiles of ``z`` (``knots`` evenly spaced levels, or the given levels)."""
    if x.size == 0:
        return {"divisor": 1.0, "mean": 0.0, "std": 1.0, "low": 0.0, "high": 0.0, "knots": [0.0] * _n_levels(knots)}
    divisor = _power_of_two(float(np.max(np.abs(x))))
    u = x / divisor
    mean = float(np.mean(u))
    std = float(np.std(u))
    if not std > 0.0:  # constant: z is 0
        std = 1.0
    z = (u - mean) / std
    levels = np.arange(1, knots + 1) / (knots + 1) if isinstance(knots, int) else np.array(knots)
    return {
        "divisor": divisor,
        "mean": mean,
        "std": std,
        "low": float(z.min()),
        "high": float(z.max()),
        "knots": np.quantile(z, levels).tolist() if levels.size else [],
    }


def _n_levels(knots: int | Sequence[float]) -> int:
    return knots if isinstance(knots, int) else len(knots)


def _scaled(x: F64Array, scale: dict[str, Any]) -> F64Array:
    """``z`` of ``x`` clipped to the reference range (the loss models do not extrapolate); ±inf
    become the range's ends."""
    with np.errstate(over="ignore", invalid="ignore"):
        z = (x / scale["divisor"] - scale["mean"]) / scale["std"]
    out: F64Array = np.clip(z, scale["low"], scale["high"])
    return out


def _hinges(z: F64Array, knots: Sequence[float]) -> F64Array:
    out: F64Array = np.maximum(z[:, None] - np.asarray(knots, dtype=np.float64)[None, :], 0.0)
    return out


def _fit_feature(s: pl.Series) -> dict[str, Any]:
    """How one feature enters the design, learnt on the reference (see :class:`DLE`)."""
    if s.dtype in (pl.String, pl.Categorical) or isinstance(s.dtype, pl.Enum):
        counts = s.cast(pl.String).drop_nulls().value_counts(name="count")
        # Most frequent first, ties by value: the same reference gives the same columns.
        top = counts.sort(["count", s.name], descending=[True, False]).head(_TOP_LEVELS)
        return {"name": s.name, "kind": "string", "levels": top.get_column(s.name).to_list()}
    x = _as_numbers(s, f"features[{s.name!r}]")[0]
    finite = x[np.isfinite(x)]
    scale = _fit_scale(finite, _QUARTILES)
    z_median = float(_scaled(np.array([np.median(finite)]), scale)[0]) if finite.size else 0.0
    return {"name": s.name, "kind": "numeric", "scale": scale, "median": z_median}


def _feature_columns(frame: pl.DataFrame, spec: dict[str, Any]) -> F64Array:
    """The design columns of one feature: numeric ``z, z², hinges at the quartiles, missing``;
    string ``one-hot per level, other, missing``."""
    name = spec["name"]
    s = _frame_column(frame, name)
    if spec["kind"] == "string":
        text = s.cast(pl.String)
        levels = spec["levels"]
        # Level index per row; unseen values and nulls ("imputed as other") share the last index.
        mapped = text.replace_strict(levels, list(range(len(levels))), default=len(levels), return_dtype=pl.Int64)
        index = mapped.fill_null(len(levels)).to_numpy()
        one_hot = index[:, None] == np.arange(len(levels) + 1)[None, :]
        return np.column_stack([one_hot, text.is_null().to_numpy()]).astype(np.float64)
    x, unparsed = _as_numbers(s, f"features[{name!r}]")
    if unparsed.any():
        i = int(np.flatnonzero(unparsed)[0])
        raise InvalidArgumentError(f"feature {name!r} must be numeric, got {s[i]!r} at row {i}")
    missing = ~np.isfinite(x)
    z = _scaled(x, spec["scale"])
    z[missing] = spec["median"]
    return np.column_stack([z, z * z, _hinges(z, spec["scale"]["knots"]), missing.astype(np.float64)])


def _ridge(x: F64Array, y: F64Array, ridge: float) -> tuple[float, F64Array]:
    """Ridge regression with an unpenalised intercept, closed form on centred columns:
    ``β = (XcᵀXc + λI)⁻¹ Xcᵀyc`` with ``λ = ridge · tr(XcᵀXc)/p``, intercept ``ȳ − x̄ᵀβ`` (so the
    fitted values average to ``ȳ`` on the training rows whatever the rounding of ``β``)."""
    x_mean = x.mean(axis=0)
    y_mean = float(y.mean())
    xc = x - x_mean
    # lstsq (SVD) rather than solve: duplicate knots or ridge=0 leave the system singular.
    coef = np.linalg.lstsq(_penalised_gram(xc, ridge), xc.T @ (y - y_mean), rcond=None)[0]
    return y_mean - float(x_mean @ coef), coef


def _penalised_gram(xc: F64Array, ridge: float) -> F64Array:
    """``XcᵀXc + λI`` with ``λ = ridge · tr(XcᵀXc)/p``."""
    gram: F64Array = xc.T @ xc
    gram[np.diag_indices_from(gram)] += ridge * float(np.trace(gram)) / max(xc.shape[1], 1)
    return gram


def _model_error(x: F64Array, residual: F64Array, ridge: float) -> dict[str, Any]:
    """What the error of a loss model fitted on a finite reference needs at estimate time.

    A window's estimate ``ȳ + dᵀβ`` (``d = x̄_window − x̄_ref``; clipping at 0 aside) is linear in
    the reference losses: ``Σ_i w_i y_i`` with ``w_i = 1/n + dᵀA⁻¹xc_i``, ``A = XcᵀXc + λI``.
    Its variance, with each reference loss's variance taken as its squared residual (the
    heteroscedasticity-consistent "sandwich", HC0), is
    ``Σ r_i²/n² + (2/n) dᵀA⁻¹Xcᵀr² + dᵀ A⁻¹(Xcᵀ diag(r²) Xc)A⁻¹ d``: stored as ``ss``, ``cross``
    and ``cov`` with the reference means ``mean`` and row count ``n``."""
    x_mean = x.mean(axis=0)
    xc = x - x_mean
    a_inv = np.linalg.pinv(_penalised_gram(xc, ridge), hermitian=True)
    r2 = residual * residual
    cov = a_inv @ ((xc * r2[:, None]).T @ xc) @ a_inv
    return {"mean": x_mean.tolist(), "cov": ((cov + cov.T) / 2).tolist(), "cross": (a_inv @ (xc.T @ r2)).tolist(),
            "ss": float(r2.sum()), "n": int(x.shape[0])}


def _model_variance(x_window_mean: F64Array, error: dict[str, Any]) -> float:
    """The variance of a window's estimate from the loss model's own error (:func:`_model_error`)."""
    d = x_window_mean - np.asarray(error["mean"], dtype=np.float64)
    n = float(error["n"])
    var = float(error["ss"]) / (n * n) + 2.0 / n * float(d @ np.asarray(error["cross"], dtype=np.float64))
    var += float(d @ np.asarray(error["cov"], dtype=np.float64) @ d)
    return max(var, 0.0)


def _predict(x: F64Array, model: dict[str, Any]) -> F64Array:
    out: F64Array = np.maximum(model["intercept"] + x @ np.asarray(model["coef"], dtype=np.float64), 0.0)
    return out


def _variance_design(fitted: F64Array, scale: dict[str, Any]) -> F64Array:
    z = _scaled(fitted, scale)
    return np.column_stack([z, z * z, _hinges(z, scale["knots"])])


def _normal(value: float, std: float) -> Estimate:
    """Normal 95 % interval, its lower end clipped at 0 (losses are not negative)."""
    return Estimate(value, std, max(value - _Z975 * std, 0.0), value + _Z975 * std)


class DLE:
    """Direct loss estimation (NannyML's DLE) of a regression model's MAE, MSE and RMSE on
    unlabelled data.

    1. **Design** (learnt on the labelled reference in :meth:`fit`): per row, the prediction ``ŷ``
       standardised on the reference (``z``) with hinges ``max(0, z − k_j)`` at ``knots`` knots at
       the reference quantiles ``j/(knots+1)``; and per named feature, if numeric, its standardised
       value ``z``, ``z²``, hinges at the reference quartiles of ``z`` and a missing indicator
       (missing = null, NaN or ±inf, imputed with the reference median); if text (String,
       Categorical, Enum), one-hot columns for its ``20`` most frequent reference values (ties by
       value), one ``other`` column and a missing indicator (null). Standardised values are
       clipped to their reference range, so the models never extrapolate past the reference.
    2. **Loss models**: two ridge regressions in closed form with an unpenalised intercept and
       penalty ``ridge · tr(XcᵀXc)/p`` on the centred design ``Xc`` (``p`` columns); one of
       ``|y − ŷ|``, one of ``(y − ŷ)²``; predictions clipped at 0. The errors are divided by a
       power of two near their reference RMS first (exact), so huge and tiny magnitudes fit alike.
    3. **Estimates** over a window of ``n`` rows: ``mae = mean(f_abs)``, ``mse = mean(f_sq)``,
       ``rmse = sqrt(mse)``, with ``f`` the two loss models' predictions.
    4. **Uncertainty**: each loss model's residual ``r = loss − f`` has its variance modelled on
       the reference as a function of ``f`` (a third ridge of ``r²`` on ``z_f, z_f²`` and hinges at
       ``knots`` quantiles of ``f``, floored at ``1e-3`` of the mean ``r²``); then
       ``Var(mean) = Σ v_i / n²`` (the window's sampling), plus the loss model's own error: the
       variance of the window's estimate over reference samples, from the sandwich
       (heteroscedasticity-consistent) covariance of the ridge fit (:func:`_model_error`);
       ``std`` the root of the sum, ``[lower, upper] = value ± 1.96 std`` (normal, lower end
       clipped at 0) for MAE and MSE; for RMSE the delta method, ``std = std_mse / (2 rmse)``
       (``sqrt(std_mse)`` when the estimated MSE is 0).

    What the interval covers: the sampling of the window's errors and the error of loss models
    fitted on a finite reference, **if the ridge basis holds the true loss function** and
    ``E[loss | features, ŷ]`` has not changed (covariate shift allowed, no concept drift). Measured
    on the simulation of tests/model_quality/test_dle.py (x shifted from N(-1.5, 1) to N(1.5, 1), 40
    references x 7 shifts): 95 % intervals covered the realised MAE in 98 % and the RMSE in 94 %
    of windows of 20,000 rows with a 5,000-row reference (36 % and 39 % without the model's
    error, as in version 1), 96 % / 92 % of 2,000-row windows with a 20,000-row reference. It
    does not cover a loss function the basis cannot express (e.g. past the reference's range,
    where the design is clipped), and under concept drift the estimate is simply wrong
    (tests/model_quality/test_dle.py shows both). A version-1 document has no model error: its interval
    holds the window's sampling only.

    On its own reference the estimates equal the realised MAE and MSE up to rounding, whenever no
    fitted loss is clipped at 0 (the intercept makes the fitted values average to the target).

    ``seed`` is stored and restored but unused: every step is closed form, nothing is drawn.
    Memory: :meth:`fit` and :meth:`estimate` build the ``n × p`` float64 design at once.
    """

    METRICS = ("mae", "mse", "rmse")

    def __init__(self, *, features: Sequence[str] = (), knots: int = 10, ridge: float = 1e-3, seed: int = 0) -> None:
        if isinstance(features, str) or not all(isinstance(f, str) for f in features):
            raise InvalidArgumentError(f"`features` must be a sequence of column names, got {features!r}")
        if len(set(features)) != len(features):
            raise InvalidArgumentError(f"`features` names a column twice: {list(features)!r}")
        if isinstance(knots, bool) or not isinstance(knots, int) or knots < 0:
            raise InvalidArgumentError(f"`knots` must be a non-negative integer, got {knots!r}")
        if isinstance(ridge, bool) or not isinstance(ridge, int | float) or not (math.isfinite(ridge) and ridge >= 0.0):
            raise InvalidArgumentError(f"`ridge` must be a finite number >= 0, got {ridge!r}")
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise InvalidArgumentError(f"`seed` must be a non-negative integer, got {seed!r}")
        self.features = tuple(features)
        self.knots = knots
        self.ridge = float(ridge)
        self.seed = seed
        self._model: dict[str, Any] | None = None

    @property
    def fitted(self) -> bool:
        """Whether loss models are available (from :meth:`fit` or :meth:`from_json`)."""
        return self._model is not None

    @property
    def includes_model_error(self) -> bool:
        """Whether the intervals include the loss models' own error (not a version-1 document)."""
        return all("model_error" in self._checked_model()[key] for key in ("abs", "sq"))

    @property
    def reference_rows(self) -> int | None:
        """Labelled rows the loss models were fitted on (None before :meth:`fit`)."""
        n = (self._model or {}).get("reference", {}).get("n") if isinstance((self._model or {}).get("reference"), dict) else None
        return int(n) if isinstance(n, int | float) and not isinstance(n, bool) else None

    def _design(self, frame: pl.DataFrame, pred: F64Array, model: dict[str, Any]) -> F64Array:
        z = _scaled(pred, model["prediction"])
        blocks = [z[:, None], _hinges(z, model["prediction"]["knots"])]
        blocks += [_feature_columns(frame, spec) for spec in model["features"]]
        return np.column_stack(blocks)

    def fit(self, frame: pl.DataFrame, *, y_true: str, y_pred: str) -> DLE:
        """Fit the loss models on a labelled reference ``frame`` (columns ``y_true``, ``y_pred``
        and :attr:`features`)."""
        _check_frame(frame)
        if y_true in self.features:
            raise InvalidArgumentError(f"`features` holds the label column {y_true!r}")
        for name in (y_true, y_pred, *self.features):
            _frame_column(frame, name)
        truth = _finite_numbers(frame, y_true, "y_true")
        pred = _finite_numbers(frame, y_pred, "y_pred")
        with np.errstate(over="ignore", invalid="ignore"):
            err = truth - pred
        if not np.isfinite(err).all():
            i = int(np.flatnonzero(~np.isfinite(err))[0])
            raise InvalidArgumentError(f"`y_true - y_pred` overflows float64 at row {i}")
        peak = float(np.max(np.abs(err)))
        rms = peak * math.sqrt(float(np.mean(np.square(err / peak)))) if peak > 0.0 else 0.0
        unit = _power_of_two(rms)
        if not math.isfinite(unit * unit):
            raise InvalidArgumentError(f"the squared errors overflow float64 (RMS error {rms:.3g}): rescale the target")
        e = err / unit

        model: dict[str, Any] = {
            "prediction": _fit_scale(pred, self.knots),
            "features": [_fit_feature(frame.get_column(f)) for f in self.features],
        }
        x = self._design(frame, pred, model)
        if frame.height < x.shape[1] + 1:
            raise InvalidArgumentError(
                f"the reference has {frame.height} rows, fewer than the {x.shape[1] + 1} design columns "
                "(with the intercept): use more rows, fewer knots or fewer features"
            )
        for key, loss in (("abs", np.abs(e)), ("sq", e * e)):
            intercept, coef = _ridge(x, loss, self.ridge)
            part: dict[str, Any] = {"intercept": intercept, "coef": coef.tolist()}
            f = _predict(x, part)
            r2 = np.square(loss - f)
            part["model_error"] = _model_error(x, loss - f, self.ridge)
            variance_scale = _fit_scale(f, self.knots)
            v_design = _variance_design(f, variance_scale)
            v_intercept, v_coef = _ridge(v_design, r2, self.ridge)
            part["variance"] = {
                "scale": variance_scale,
                "intercept": v_intercept,
                "coef": v_coef.tolist(),
                "floor": _VARIANCE_FLOOR * float(r2.mean()),
            }
            model[key] = part
        model["unit"] = unit
        model["reference"] = {"n": frame.height, "mae": float(np.mean(np.abs(err))), "mse": unit * unit * float(np.mean(e * e))}
        self._model = model
        return self

    @property
    def numeric_features(self) -> list[str]:
        """The features the fitted model reads as numbers (the others are categories)."""
        return [f["name"] for f in self._checked_model()["features"] if f["kind"] == "numeric"]

    def _checked_model(self) -> dict[str, Any]:
        if self._model is None:
            raise InvalidArgumentError("this DLE is not fitted: call fit(frame, y_true=..., y_pred=...) or DLE.from_json(doc)")
        return self._model

    def estimate(self, frame: pl.DataFrame, *, y_pred: str) -> dict[str, Estimate]:
        """Estimated MAE, MSE and RMSE (keys :attr:`METRICS`) of the unlabelled rows of ``frame``
        (columns ``y_pred`` and :attr:`features`)."""
        model = self._checked_model()
        _check_frame(frame)
        for name in (y_pred, *self.features):
            _frame_column(frame, name)
        x = self._design(frame, _finite_numbers(frame, y_pred, "y_pred"), model)
        n = float(x.shape[0])
        x_mean = x.mean(axis=0)
        values: dict[str, float] = {}
        stds: dict[str, float] = {}
        for key in ("abs", "sq"):
            part = model[key]
            f = _predict(x, part)
            var = part["variance"]
            v = np.maximum(var["intercept"] + _variance_design(f, var["scale"]) @ np.asarray(var["coef"]), var["floor"])
            values[key] = float(np.mean(f))
            # the window's sampling, and (version 2) the loss model's own error from its finite reference
            model_var = _model_variance(x_mean, part["model_error"]) if "model_error" in part else 0.0
            stds[key] = math.sqrt(float(np.sum(v)) / (n * n) + model_var)
        unit = model["unit"]
        m, sd = values["sq"], stds["sq"]
        rmse_std = sd / (2.0 * math.sqrt(m)) if m > 0.0 else math.sqrt(sd)
        return {
            "mae": _normal(unit * values["abs"], unit * stds["abs"]),
            "mse": _normal(unit * unit * m, unit * unit * sd),
            "rmse": _normal(unit * math.sqrt(m), unit * rmse_std),
        }

    def to_json(self) -> dict[str, Any]:
        """The fitted estimator as a JSON-ready dict (``dle.json`` in a baseline folder); floats
        are written exactly, so :meth:`from_json` restores identical estimates, and the same
        reference gives the same document."""
        model = self._checked_model()
        return {
            "format": _DLE_FORMAT,
            "version": _DLE_VERSION,
            "features": list(self.features),
            "knots": self.knots,
            "ridge": self.ridge,
            "seed": self.seed,
            "model": json.loads(json.dumps(model, allow_nan=False)),  # a deep copy of plain types
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> DLE:
        """Restore a :meth:`to_json` document; a malformed one raises InvalidArgumentError."""
        if not isinstance(doc, dict) or doc.get("format") != _DLE_FORMAT:
            raise InvalidArgumentError(f"`doc` is not a {_DLE_FORMAT} document")
        if doc.get("version") not in (1, _DLE_VERSION):
            raise InvalidArgumentError(f"`doc` has version {doc.get('version')!r}; this driftline reads versions 1 and {_DLE_VERSION}")
        try:
            out = cls(features=doc["features"], knots=doc["knots"], ridge=doc["ridge"], seed=doc["seed"])
            model = json.loads(json.dumps(doc["model"], allow_nan=False))
            _check_model(model, out)
        except (KeyError, TypeError, ValueError, IndexError) as e:
            if isinstance(e, InvalidArgumentError):
                raise
            raise InvalidArgumentError(f"`doc` is malformed: {e!r}") from e
        out._model = model
        return out


def _check_frame(frame: Any) -> None:
    if not isinstance(frame, pl.DataFrame):
        raise InvalidArgumentError(f"`frame` must be a Polars DataFrame, got {type(frame).__name__}")
    if frame.height == 0:
        raise EmptyInputError("`frame` has no rows")


def _check_scale(scale: dict[str, Any], knots: int) -> None:
    numbers = [scale["divisor"], scale["mean"], scale["std"], scale["low"], scale["high"], *scale["knots"]]
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in numbers):
        raise InvalidArgumentError("`doc` scales must hold finite numbers")
    if len(scale["knots"]) != knots or not scale["std"] > 0.0 or not scale["divisor"] > 0.0 or scale["low"] > scale["high"]:
        raise InvalidArgumentError("`doc` holds an invalid scale")


def _check_model_error(error: dict[str, Any], width: int) -> None:
    cov = error["cov"]
    if (len(error["mean"]) != width or len(error["cross"]) != width or len(cov) != width or any(len(row) != width for row in cov)
            or not isinstance(error["n"], int) or error["n"] < 1):
        raise InvalidArgumentError("`doc` model_error does not match its design")
    numbers = [*error["mean"], *error["cross"], error["ss"], *(v for row in cov for v in row)]
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in numbers) or error["ss"] < 0:
        raise InvalidArgumentError("`doc` model_error must hold finite numbers")


def _check_model(model: dict[str, Any], dle: DLE) -> None:
    """Shapes and finiteness of a restored model, so that estimate() cannot fail on it."""
    _check_scale(model["prediction"], dle.knots)
    specs = model["features"]
    if [s["name"] for s in specs] != list(dle.features):
        raise InvalidArgumentError("`doc` features do not match its feature specs")
    width = 1 + dle.knots
    for spec in specs:
        if spec["kind"] == "numeric":
            _check_scale(spec["scale"], len(_QUARTILES))
            if not math.isfinite(spec["median"]):
                raise InvalidArgumentError("`doc` holds a non-finite median")
            width += 3 + len(_QUARTILES)
        elif spec["kind"] == "string":
            if not all(isinstance(v, str) for v in spec["levels"]) or len(spec["levels"]) > _TOP_LEVELS:
                raise InvalidArgumentError("`doc` string levels must be at most 20 strings")
            width += len(spec["levels"]) + 2
        else:
            raise InvalidArgumentError(f"`doc` feature kind {spec['kind']!r} is unknown")
    for key in ("abs", "sq"):
        part, var = model[key], model[key]["variance"]
        _check_scale(var["scale"], dle.knots)
        if len(part["coef"]) != width or len(var["coef"]) != 2 + dle.knots:
            raise InvalidArgumentError("`doc` loss model coefficients do not match its design")
        numbers = [part["intercept"], *part["coef"], var["intercept"], *var["coef"], var["floor"]]
        if not all(isinstance(v, int | float) and math.isfinite(v) for v in numbers):
            raise InvalidArgumentError("`doc` loss models must hold finite numbers")
        if "model_error" in part:
            _check_model_error(part["model_error"], width)
    unit = model["unit"]
    if not (isinstance(unit, float) and unit > 0.0 and math.isfinite(unit * unit)):
        raise InvalidArgumentError("`doc` holds an invalid error unit")
