"""The batched draw kernel behind the bootstrap and the subsample standard deviation
(``_core.weighted_classification_metrics`` / ``weighted_regression_metrics``,
rust/core/src/metrics/draws.rs) against the numpy implementation it replaced, kept here as the
reference: equal on random data, including NaN rates over no rows, one class, absent classes,
zero-weight draws and ties in the scores. Integer weights (bootstrap multiplicities, 0/1
subsample masks) make every classification count exact: there the results are equal bit for
bit. Fractional weights and regression differ by summation order only (numpy's matrix products
go through BLAS): 1e-12 relative, with R²'s tolerance scaled by the cancellation in its
denominator."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from driftline import _core
from driftline.estimate import cbpe as est
from driftline.errors import InvalidArgumentError
from driftline.model_quality.outputs import _normalize_labels
from driftline.model_quality.statistics import _encode, _Encoded, _weighted_scalars

REL = 1e-12


# -- the former numpy implementation (model_quality.py before the kernel), kept as the reference --


def _fbeta(p: npt.NDArray[np.float64], r: npt.NDArray[np.float64], beta: float) -> npt.NDArray[np.float64]:
    b2 = beta * beta
    den = b2 * p + r
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, (1 + b2) * p * r / np.where(den > 0, den, 1), 0.0)


def _div(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1), 0.0)


def reference_weighted_scalars(enc: _Encoded, w: npt.NDArray[np.float64]) -> dict[str, npt.NDArray[np.float64]]:
    if enc.problem == "Regression":
        y, f = enc.truth, enc.pred
        tot = w.sum(axis=1)
        err = y - f
        mae = _div(w @ np.abs(err), tot)
        mse = _div(w @ (err * err), tot)
        mean = _div(w @ y, tot)
        ss_tot = w @ (y * y) - tot * mean * mean
        ss_tot = np.maximum(ss_tot, 0.0)
        ss_res = w @ (err * err)
        with np.errstate(invalid="ignore", divide="ignore"):
            r2 = np.where(ss_tot > 0, 1 - ss_res / np.where(ss_tot > 0, ss_tot, 1), np.where(ss_res == 0, 1.0, 0.0))
        return {"mae": mae, "mse": mse, "rmse": np.sqrt(mse), "r2": r2}
    k = len(enc.classes)
    cells = enc.truth.astype(np.int64) * k + enc.pred.astype(np.int64)
    draws = w.shape[0]
    cm3 = np.stack([np.bincount(cells, weights=w[d], minlength=k * k) for d in range(draws)]).astype(np.float64).reshape(draws, k, k)
    total = cm3.sum(axis=(1, 2))
    tp_k = np.diagonal(cm3, axis1=1, axis2=2)
    support = cm3.sum(axis=2)
    predicted = cm3.sum(axis=1)
    out: dict[str, npt.NDArray[np.float64]] = {}
    accuracy = _div(tp_k.sum(axis=1), total)
    if enc.problem == "MulticlassClassification":
        prec, rec = _div(tp_k, predicted), _div(tp_k, support)
        share = _div(support, total[:, None])
        out["accuracy"] = accuracy
        out["weighted_recall"] = (share * rec).sum(axis=1)
        out["weighted_precision"] = (share * prec).sum(axis=1)
        for name, beta in (("f0_5", 0.5), ("f1", 1.0), ("f2", 2.0)):
            out[f"weighted_{name}"] = (share * _fbeta(prec, rec, beta)).sum(axis=1)
        m = np.argmax(support, axis=1)
        top = _div(support[np.arange(draws), m], total)
        out["accuracy_best_constant_classifier"] = top
        out["weighted_recall_best_constant_classifier"] = top
        out["weighted_precision_best_constant_classifier"] = top * top
        for name, beta in (("f0_5", 0.5), ("f1", 1.0), ("f2", 2.0)):
            out[f"weighted_{name}_best_constant_classifier"] = top * _fbeta(top, np.ones_like(top), beta)
        return out
    pos = enc.pos
    tp = cm3[:, pos, pos]
    fn = support[:, pos] - tp
    fp = predicted[:, pos] - tp
    tn = total - tp - fn - fp
    rec, prec = _div(tp, tp + fn), _div(tp, tp + fp)
    with np.errstate(invalid="ignore", divide="ignore"):
        tpr = np.where(tp + fn > 0, tp / np.where(tp + fn > 0, tp + fn, 1), np.nan)
        fpr = np.where(fp + tn > 0, fp / np.where(fp + tn > 0, fp + tn, 1), np.nan)
    out |= {"recall": rec, "precision": prec, "accuracy": accuracy, "true_positive_rate": tpr, "true_negative_rate": 1 - fpr,
            "false_positive_rate": fpr, "false_negative_rate": 1 - tpr}
    for name, beta in (("f0_5", 0.5), ("f1", 1.0), ("f2", 2.0)):
        out[name] = _fbeta(prec, rec, beta)
    p_share = _div(tp + fn, total)
    ones = np.where(tp + fn > 0, 1.0, 0.0)
    out["recall_best_constant_classifier"] = ones
    out["precision_best_constant_classifier"] = p_share
    out["accuracy_best_constant_classifier"] = p_share
    for name, beta in (("f0_5", 0.5), ("f1", 1.0), ("f2", 2.0)):
        out[f"{name}_best_constant_classifier"] = _fbeta(p_share, ones, beta)
    if enc.score_group is not None:
        g = enc.score_group.astype(np.int64)
        groups = int(g.max()) + 1 if len(g) else 0
        y = (enc.truth == pos).astype(np.float64)
        auc = np.empty(draws)
        for d in range(draws):
            pos_g = np.bincount(g, weights=w[d] * y, minlength=groups)
            neg_g = np.bincount(g, weights=w[d] * (1 - y), minlength=groups)
            below = np.cumsum(neg_g) - neg_g
            pn = pos_g.sum() * neg_g.sum()
            auc[d] = (pos_g @ (below + 0.5 * neg_g)) / pn if pn > 0 else np.nan
        out["auc"] = auc
    return out


# -- comparisons --------------------------------------------------------------------------------


def _assert_equal(got: dict[str, Any], want: dict[str, Any], *, exact: bool, scale: dict[str, Any] | None = None) -> None:
    assert set(got) == set(want)
    for name, w in want.items():
        g = got[name]
        assert g.shape == w.shape, name
        assert np.array_equal(np.isnan(g), np.isnan(w)), name
        if exact:
            np.testing.assert_array_equal(g, w, err_msg=name)
        else:
            tol = REL * np.maximum(np.abs(w), 1.0 if scale is None else scale.get(name, 1.0)) + 1e-300
            with np.errstate(invalid="ignore"):  # equal infinities: inf - inf is NaN
                ok = np.isnan(w) | (g == w) | (np.abs(g - w) <= tol)
            assert ok.all(), (name, g[~ok], w[~ok])


def _classification(problem: str, t: list[int], p: list[int], scores: list[float] | None) -> _Encoded:
    tt, pp = _normalize_labels(pl.Series(t)), _normalize_labels(pl.Series(p))
    classes = sorted({str(v) for v in t} | {str(v) for v in p}, key=int)
    return _encode(problem, tt, pp, None if scores is None else pl.Series(scores), None, classes)


rows_st = st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4), st.sampled_from([0.1, 0.2, 0.2, 0.5, 0.7, 0.9])), min_size=1, max_size=60)


@settings(max_examples=150, deadline=None)
@given(rows=rows_st, draws=st.integers(1, 6), seed=st.integers(0, 2**32 - 1), kind=st.sampled_from(["counts", "mask", "float"]),
       problem=st.sampled_from(["BinaryClassification", "MulticlassClassification"]), with_score=st.booleans())
def test_classification_equals_the_numpy_reference(rows: list[tuple[int, int, float]], draws: int, seed: int, kind: str,
                                                   problem: str, with_score: bool) -> None:
    k = 2 if problem == "BinaryClassification" else 5
    t, p = [r[0] % k for r in rows], [r[1] % k for r in rows]
    enc = _classification(problem, t, p, [r[2] for r in rows] if with_score and problem == "BinaryClassification" else None)
    rng = np.random.default_rng(seed)
    n = len(rows)
    if kind == "counts":
        w = rng.multinomial(n, np.full(n, 1 / n), size=draws).astype(np.float64)
    elif kind == "mask":
        w = (rng.random((draws, n)) < 0.5).astype(np.float64)  # draws with no rows at all included
    else:
        w = rng.random((draws, n)) * (rng.random((draws, n)) < 0.8)
    _assert_equal(_weighted_scalars(enc, w), reference_weighted_scalars(enc, w), exact=kind != "float")


# magnitudes above 1e-100 (or 0): squares of smaller values underflow, and the rule's branch on a
# zero denominator then depends on the summation order
value = st.floats(-1e3, 1e3).filter(lambda v: v == 0 or abs(v) > 1e-100)


@settings(max_examples=150, deadline=None)
@given(values=st.lists(st.tuples(value, value), min_size=1, max_size=60),
       draws=st.integers(1, 6), seed=st.integers(0, 2**32 - 1), kind=st.sampled_from(["counts", "mask", "float"]))
def test_regression_equals_the_numpy_reference(values: list[tuple[float, float]], draws: int, seed: int, kind: str) -> None:
    y = pl.Series([v[0] for v in values])
    enc = _encode("Regression", y, pl.Series([v[1] for v in values]), None, None)
    rng = np.random.default_rng(seed)
    n = len(values)
    if kind == "counts":
        w = rng.multinomial(n, np.full(n, 1 / n), size=draws).astype(np.float64)
    elif kind == "mask":
        w = (rng.random((draws, n)) < 0.5).astype(np.float64)
    else:
        w = rng.random((draws, n))
    want = reference_weighted_scalars(enc, w)
    # R² = 1 - ss_res / ss_tot with ss_tot = Σw y² - W ȳ²: the summation order's error in Σw y²
    # is amplified by Σw y² / ss_tot (and in 1 - ratio by the ratio)
    yy = w @ (enc.truth * enc.truth)
    ss_tot = np.maximum(yy - w.sum(axis=1) * _div(w @ enc.truth, w.sum(axis=1)) ** 2, 0)
    ss_res = w @ ((enc.truth - enc.pred) ** 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        amp = np.where(ss_tot > 1e-9 * yy, (yy / ss_tot) * (1 + ss_res / ss_tot), 0.0)
    got = _weighted_scalars(enc, w)
    near_zero = ss_tot <= 1e-9 * yy  # a constant truth up to rounding: either branch of the rule
    got["r2"], want["r2"] = np.where(near_zero, 0.0, got["r2"]), np.where(near_zero, 0.0, want["r2"])
    _assert_equal(got, want, exact=False, scale={"r2": float(amp.max(initial=1.0)) * 4})


def _former_bootstrap_weights(n: int, draws: int, rng: np.random.Generator) -> npt.NDArray[np.float64]:
    return np.stack([np.bincount(rng.integers(0, n, n), minlength=n) for _ in range(draws)]).astype(np.float64)


def test_resamples_read_the_stream_as_one_call_per_resample() -> None:
    for n in (1, 7, 1000):
        enc = _classification("BinaryClassification", [i % 2 for i in range(n)], [i % 3 % 2 for i in range(n)], None)
        a, b = np.random.default_rng(5), np.random.default_rng(5)
        want = reference_weighted_scalars(enc, _former_bootstrap_weights(n, 9, a))
        _assert_equal(_weighted_scalars(enc, resamples=b.integers(0, n, (9, n))), want, exact=True)
        assert a.random() == b.random()  # the generator is left in the same state


def test_large_draws_equal_the_reference_bit_for_bit() -> None:
    rng = np.random.default_rng(1)
    n = 20_000
    y = rng.integers(0, 2, n)
    scores = np.round(rng.random(n) * 0.6 + 0.3 * y, 3)
    pred = (scores > 0.5).astype(int)
    enc = _classification("BinaryClassification", list(y), list(pred), list(scores))
    idx = rng.integers(0, n, (12, n))
    w = np.stack([np.bincount(row, minlength=n) for row in idx]).astype(np.float64)
    _assert_equal(_weighted_scalars(enc, w), reference_weighted_scalars(enc, w), exact=True)
    _assert_equal(_weighted_scalars(enc, resamples=idx), reference_weighted_scalars(enc, w), exact=True)
    k = rng.integers(0, 7, n)
    enc = _classification("MulticlassClassification", list(k), list(np.where(rng.random(n) < 0.6, k, rng.integers(0, 7, n))), None)
    _assert_equal(_weighted_scalars(enc, w), reference_weighted_scalars(enc, w), exact=True)


def test_kernel_arguments_are_checked() -> None:
    codes = np.array([0, 1], dtype=np.uint32)
    with pytest.raises(InvalidArgumentError, match="weights"):
        _core.weighted_classification_metrics(codes, codes, 2, np.ones((1, 3)))
    with pytest.raises(InvalidArgumentError, match="y_true"):
        _core.weighted_classification_metrics(np.array([0, 2], dtype=np.uint32), codes, 2, np.ones((1, 2)))
    with pytest.raises(InvalidArgumentError, match="positive"):
        _core.weighted_classification_metrics(codes, codes, 2, np.ones((1, 2)), positive=2)
    with pytest.raises(Exception, match="weights"):
        _core.weighted_regression_metrics(np.zeros(2), np.zeros(2), np.array([[1.0, -1.0]]))
    with pytest.raises(InvalidArgumentError, match="resamples"):
        _core.weighted_regression_metrics(np.zeros(2), np.zeros(2), resamples=np.array([[0, 2]]))
    with pytest.raises(InvalidArgumentError, match="exactly one"):
        _core.weighted_regression_metrics(np.zeros(2), np.zeros(2))
    names, values = _core.weighted_regression_metrics(np.zeros(2), np.zeros(2), np.ones((0, 2)))
    assert names == ["mae", "mse", "rmse", "r2"] and values.shape == (4, 0)
    assert math.isnan(_core.weighted_classification_metrics(codes, codes, 2, np.zeros((1, 2)), positive=1)[1][3][0])


# -- CBPE's simulations: the former numpy code, kept as the reference ---------------------------


def reference_average_ranks(scores: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    _, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    first = np.cumsum(counts) - counts
    out: npt.NDArray[np.float64] = (first + (counts + 1) / 2.0)[inverse]
    return out


def reference_metrics_of_draws(labels: npt.NDArray[np.bool_], y_pred: npt.NDArray[np.bool_],
                               ranks: npt.NDArray[np.float64]) -> dict[str, npt.NDArray[np.float64]]:
    n = labels.shape[1]
    columns = np.column_stack([np.ones(n), y_pred.astype(np.float64), ranks])
    n1, tp, rank_sum = (labels.astype(np.float64) @ columns).T
    n_pred = float(np.count_nonzero(y_pred))
    fp, fn = n_pred - tp, n1 - tp
    tn = n - n_pred - fn
    out = est._confusion_metrics(tp, fp, fn, tn)
    n0 = n - n1
    with np.errstate(invalid="ignore", divide="ignore"):
        auc = (rank_sum - n1 * (n1 + 1) / 2.0) / (n1 * n0)
    out["roc_auc"] = np.where((n1 > 0) & (n0 > 0), auc, np.nan)
    return out


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 400), draws=st.integers(1, 8), ties=st.booleans())
def test_cbpe_draw_metrics_equal_the_numpy_reference(seed: int, n: int, draws: int, ties: bool) -> None:
    rng = np.random.default_rng(seed)
    s = rng.integers(0, 5, n) / 4.0 if ties else rng.random(n)
    pred = rng.random(n) < 0.5
    labels = rng.random((draws, n)) < rng.random(n)
    labels[0] = labels[0] & (rng.random() < 0.5)  # sometimes one class only
    got = est._metrics_of_draws(labels, pred, est._score_groups(s))
    _assert_equal(got, reference_metrics_of_draws(labels, pred, reference_average_ranks(s)), exact=True)


def test_cbpe_calibration_draws_equal_one_refit_per_draw() -> None:
    rng = np.random.default_rng(4)
    x = rng.standard_normal(3000)
    y = rng.random(3000) < 1 / (1 + np.exp(-2 * x))
    score = 1 / (1 + np.exp(-2 * x))
    cbpe = est.CBPE(n_simulations=50, seed=9).fit(y, score)
    cbpe._calibration_draws(score)
    assert cbpe._levels is not None and cbpe._rate_draws is not None
    levels, rows, positives = cbpe._levels
    rates = np.random.default_rng([9, 1]).beta(positives + 0.5, rows - positives + 0.5, size=(50, len(levels)))
    order = np.arange(len(levels), dtype=np.float64)
    for d in range(50):  # the former loop
        fx, fy = _core.isotonic_fit(order, rates[d], rows, 0.0, 1.0)
        rates[d] = _core.isotonic_predict(fx, fy, order)
    np.testing.assert_array_equal(cbpe._rate_draws, rates)


@pytest.mark.parametrize("points", [1, 2, 50])
def test_cbpe_curve_labels_equal_the_numpy_interpolation(points: int) -> None:
    rng = np.random.default_rng(points)
    x = rng.random(4000)
    y = rng.random(4000) < (x if points > 1 else 0.3)
    score = np.round(x, 2) if points > 2 else np.full(4000, 0.5)
    cbpe = est.CBPE(n_simulations=20, seed=1).fit(y, score if points > 1 else np.where(rng.random(4000) < 0.5, 0.5, 0.5))
    window_scores = np.concatenate([rng.random(3000), [0.0, 1.0, -0.0]])  # inside and at the ends
    curves = cbpe._calibration_draws(window_scores)
    assert curves is not None and cbpe._calibration is not None and cbpe._levels is not None and cbpe._rate_draws is not None
    # the former window(): probabilities by numpy, then compared with the uniforms
    cx, cy = cbpe._calibration
    point_level = np.clip(np.searchsorted(cbpe._levels[0], cy), 0, len(cbpe._levels[0]) - 1)
    if len(cx) == 1:
        left, frac = np.zeros(window_scores.size, dtype=np.int64), np.zeros(window_scores.size)
    else:
        left = np.clip(np.searchsorted(cx, window_scores, side="right") - 1, 0, len(cx) - 2)
        frac = np.clip((window_scores - cx[left]) / (cx[left + 1] - cx[left]), 0.0, 1.0)
    right = np.minimum(left + 1, len(cx) - 1)
    curve = cbpe._rate_draws[5:17][:, point_level]
    probability = curve[:, left] * (1.0 - frac) + curve[:, right] * frac
    uniforms = rng.random((12, window_scores.size))
    uniforms[:, :50] = probability[:, :50]  # exactly at the probability: not a positive
    np.testing.assert_array_equal(curves(5, uniforms), uniforms < probability)
