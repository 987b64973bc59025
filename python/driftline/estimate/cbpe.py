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

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from driftline import _core
from driftline._convert import F64Array, to_float64
from driftline.errors import (
    EmptyInputError,
    InvalidArgumentError,
    InvalidInputError,
    LengthMismatchError,
)
from driftline.estimate._common import Estimate

# One chunk of simulated labels holds at most this many values (uniforms as float64, ~64 MiB,
# plus the same again as labels for the matrix product): memory stays flat for any n.
_MAX_VALUES_PER_CHUNK = 1 << 23


_FORMAT = "driftline.cbpe"


_VERSION = 2  # 2 adds the reference's counts per calibration level (version 1 still reads)


_QUANTILES = (0.025, 0.975)


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
