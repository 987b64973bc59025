"""driftline's KernelSHAP: exact on linear models, equal to shap.KernelExplainer when every
coalition is enumerated, within sampling error of it (and of the exact values) when sampled;
model calls batched, each coalition evaluated once; bad models and inputs named."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from driftline import _core
from driftline.attribution import kernel_shap, kmeans_background
from driftline.errors import InvalidArgumentError, InvalidInputError


def nonlinear(a: Any) -> np.ndarray:
    a = np.asarray(a)
    return np.tanh(a[:, 0] * a[:, 1]) + a[:, 2] ** 2 - a[:, 3] * a[:, 4] + np.sin(a[:, 5]) + 0.3 * a[:, 1:].sum(axis=1)


def rng_data(m: int, n: int = 8, nb: int = 15, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, m)), rng.normal(size=(nb, m))


@pytest.mark.parametrize("m", [1, 2, 5, 9])
def test_exact_on_linear_models_when_all_coalitions_are_enumerated(m: int) -> None:
    x, bg = rng_data(m)
    w = np.random.default_rng(1).normal(size=m) * 3
    bw = np.random.default_rng(2).uniform(0.1, 1, size=len(bg))
    res = kernel_shap(lambda a: a @ w + 1.5, x, bg, num_samples=2**m, background_weights=bw)
    assert res.exact
    mean = (bg * (bw / bw.sum())[:, None]).sum(axis=0)
    np.testing.assert_allclose(res.output(0), w * (x - mean), atol=1e-6)
    np.testing.assert_allclose(res.expected_value, [mean @ w + 1.5], atol=1e-9)


def test_frames_and_arrays_give_the_same_values() -> None:
    x, bg = rng_data(4)
    names = ["p", "q", "r", "s"]
    w = np.array([1.0, -2.0, 0.5, 4.0])
    ref = kernel_shap(lambda a: a @ w, x, bg, features=names).values
    px = pl.DataFrame(x, schema=names, orient="row").with_columns(pl.lit("ignored").alias("other"))
    for data, back in [(px, pl.DataFrame(bg, schema=names, orient="row")), (pd.DataFrame(x, columns=names), pd.DataFrame(bg, columns=names))]:
        np.testing.assert_allclose(kernel_shap(lambda a: a @ w, data, back, features=names).values, ref, atol=1e-12)


def test_polars_model_input_gets_feature_names() -> None:
    x, bg = rng_data(3)
    seen: list[list[str]] = []

    def model(frame: pl.DataFrame) -> pl.Series:
        seen.append(frame.columns)
        return frame["a"] * 2 + frame["c"]

    res = kernel_shap(model, pl.DataFrame(x, schema=["a", "b", "c"], orient="row"), bg, model_input="polars")
    assert all(c == ["a", "b", "c"] for c in seen)
    np.testing.assert_allclose(res.output(0)[:, 1], 0, atol=1e-9)


def test_equals_shap_kernel_explainer_with_all_coalitions() -> None:
    shap = pytest.importorskip("shap")
    x, bg = rng_data(6, n=6, nb=12)
    ours = kernel_shap(nonlinear, x, bg, num_samples=1000)
    explainer = shap.KernelExplainer(nonlinear, bg)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = explainer.shap_values(x, nsamples=1000, silent=True, l1_reg=False)
    np.testing.assert_allclose(ours.output(0), ref, atol=1e-8)
    assert ours.expected_value[0] == pytest.approx(float(explainer.expected_value), abs=1e-12)


def test_sampled_values_agree_with_shap_within_sampling_error() -> None:
    """10 features, 200 of the 1022 coalitions: both estimates are near the exact values (all
    coalitions), driftline's no further from them than shap's at the same number of model rows,
    and the two agree within their sampling errors."""
    shap = pytest.importorskip("shap")
    m = 10
    x, bg = rng_data(m, n=10, nb=10, seed=5)

    def model(a: Any) -> np.ndarray:
        a = np.asarray(a)
        return nonlinear(a) + a[:, 6] * a[:, 7] - np.abs(a[:, 8] - a[:, 9])

    exact = kernel_shap(model, x, bg, num_samples=2**m).output(0)
    ours = kernel_shap(model, x, bg, num_samples=200, seed=1)
    assert not ours.exact and ours.num_coalitions <= 200
    explainer = shap.KernelExplainer(model, bg)
    np.random.seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = explainer.shap_values(x, nsamples=200, silent=True, l1_reg=False)
    err_ours = float(np.sqrt(((ours.output(0) - exact) ** 2).mean()))
    err_shap = float(np.sqrt(((ref - exact) ** 2).mean()))
    scale = float(np.sqrt((exact**2).mean()))
    assert err_ours < 0.15 * scale
    assert err_ours <= err_shap * 1.1
    assert float(np.sqrt(((ours.output(0) - ref) ** 2).mean())) <= 2 * (err_ours + err_shap)


def test_efficiency_and_multi_output() -> None:
    x, bg = rng_data(7, seed=3)

    def model(a: np.ndarray) -> np.ndarray:
        return np.column_stack([nonlinear(a), a[:, 0] * a[:, 6]])

    res = kernel_shap(model, x, bg, num_samples=40)
    assert res.values.shape == (8, 7, 2)
    fx = model(x)
    np.testing.assert_allclose(res.values.sum(axis=1), fx - res.expected_value, atol=1e-9)


def test_model_calls_are_batched_and_coalitions_never_repeated() -> None:
    x, bg = rng_data(8, n=30, nb=10)
    calls: list[int] = []
    rows: list[np.ndarray] = []

    def model(a: np.ndarray) -> np.ndarray:
        calls.append(len(a))
        rows.append(a.copy())
        return nonlinear(a)

    res = kernel_shap(model, x, bg, num_samples=100)
    masks, _, _ = _core.shap_plan(8, 100, 0)
    assert len(np.unique(masks, axis=0)) == len(masks) == res.num_coalitions
    assert not (masks.sum(axis=1) == 0).any() and not (masks.sum(axis=1) == 8).any()
    assert res.model_rows == 30 * res.num_coalitions * 10 + 30 + 10 == sum(calls)
    assert len(calls) == 2  # the background, then every row at once
    evaluated = np.concatenate(rows)
    assert len(np.unique(evaluated, axis=0)) == len(evaluated)  # continuous data: no row twice
    kernel_shap(model, x, bg, num_samples=100, max_model_rows=2000)
    assert max(calls[2:]) <= 2000 + 2


def test_many_batches_give_the_one_batch_values_even_when_the_model_returns_views() -> None:
    """The core writes batch i + 1 while the model scores batch i: a model whose scores are its
    input itself (the identity, one output per feature), or that writes into its input, must
    still have its own scores solved; a model that fails on a later batch stops the run with its
    error."""
    x, bg = rng_data(3, n=25, nb=6)
    identity = kernel_shap(lambda a: a, x, bg, num_samples=6, max_model_rows=40)
    assert identity.values.shape == (25, 3, 3)
    for k in range(3):  # output k is feature k: all of its value goes to feature k
        expect = np.zeros((25, 3))
        expect[:, k] = x[:, k] - bg[:, k].mean()
        np.testing.assert_allclose(identity.output(k), expect, atol=1e-9)

    def in_place(a: np.ndarray) -> np.ndarray:
        a[:, 1] *= 2.0  # a model that scales its input in place before scoring
        return np.asarray(a[:, 1] + a[:, 0])

    many = kernel_shap(in_place, x, bg, num_samples=6, max_model_rows=40)
    np.testing.assert_allclose(many.output(0), np.array([1.0, 2.0, 0.0]) * (x - bg.mean(axis=0)), atol=1e-9)
    np.testing.assert_allclose(many.values, kernel_shap(in_place, x, bg, num_samples=6).values, rtol=0, atol=1e-12)
    seen: list[int] = []

    def fails_on_the_fourth_batch(a: np.ndarray) -> np.ndarray:
        seen.append(len(a))
        if len(seen) == 5:  # the background, then three batches
            raise ValueError("out of memory on the GPU")
        return np.asarray(a[:, 0] + 1.0)

    with pytest.raises(InvalidInputError, match="out of memory on the GPU"):
        kernel_shap(fails_on_the_fourth_batch, x, bg, num_samples=6, max_model_rows=40)
    assert len(seen) == 5


def test_use_logit_explains_log_odds() -> None:
    x, bg = rng_data(3)
    w = np.array([1.0, -1.0, 0.5])
    res = kernel_shap(lambda a: 1 / (1 + np.exp(-(a @ w))), x, bg, use_logit=True)
    np.testing.assert_allclose(res.output(0), w * (x - bg.mean(axis=0)), atol=1e-6)


def test_same_seed_same_values() -> None:
    x, bg = rng_data(12, n=3, nb=5)
    a = kernel_shap(nonlinear, x, bg, num_samples=60, seed=4).values
    b = kernel_shap(nonlinear, x, bg, num_samples=60, seed=4).values
    c = kernel_shap(nonlinear, x, bg, num_samples=60, seed=5).values
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_bad_models_are_named() -> None:
    x, bg = rng_data(3)

    def broken(a: np.ndarray) -> np.ndarray:
        raise RuntimeError("boom")

    with pytest.raises(InvalidInputError, match="broken raised RuntimeError.*boom"):
        kernel_shap(broken, x, bg)
    with pytest.raises(InvalidInputError, match=r"returned shape \(15, 2, 2\)"):
        kernel_shap(lambda a: np.zeros((len(a), 2, 2)), x, bg)
    with pytest.raises(InvalidInputError, match=r"returned shape \(1,\) for a batch of 15"):
        kernel_shap(lambda a: np.zeros(1), x, bg)
    with pytest.raises(InvalidInputError, match="NaN or infinite"):
        kernel_shap(lambda a: np.full(len(a), np.nan), x, bg)
    with pytest.raises(InvalidInputError, match="not numbers"):
        kernel_shap(lambda a: np.array(["x"] * len(a)), x, bg)


def test_bad_inputs_are_named() -> None:
    bg = pl.DataFrame({"a": [1.0, 2.0], "b": [0.0, 1.0]})
    with pytest.raises(InvalidInputError, match="no column 'b'"):
        kernel_shap(lambda a: a[:, 0], pl.DataFrame({"a": [1.0]}), bg, features=["a", "b"])
    with pytest.raises(InvalidInputError, match="column 'b' is not numeric"):
        kernel_shap(lambda a: a[:, 0], pl.DataFrame({"a": [1.0], "b": ["red"]}), bg)
    with pytest.raises(InvalidInputError, match="column 'a' holds missing"):
        kernel_shap(lambda a: a[:, 0], pl.DataFrame({"a": [None, 1.0], "b": [1.0, 2.0]}), bg)
    with pytest.raises(InvalidInputError, match="background is empty"):
        kernel_shap(lambda a: a[:, 0], pl.DataFrame({"a": [1.0], "b": [2.0]}), bg.clear())
    with pytest.raises(InvalidArgumentError, match="num_samples"):
        kernel_shap(lambda a: a[:, 0], pl.DataFrame({"a": [1.0], "b": [2.0]}), bg, num_samples=0)
    with pytest.raises(InvalidArgumentError, match="background_weights"):
        kernel_shap(lambda a: a[:, 0], pl.DataFrame({"a": [1.0], "b": [2.0]}), bg, background_weights=[1.0, -1.0])


def test_kmeans_background_is_seeded_and_weighted() -> None:
    rng = np.random.default_rng(0)
    data = np.concatenate([rng.normal(0, 0.1, size=(300, 2)), rng.normal(5, 0.1, size=(100, 2))])
    c1, w1 = kmeans_background(data, 2, seed=1)
    c2, w2 = kmeans_background(data, 2, seed=1)
    assert np.array_equal(c1, c2) and np.array_equal(w1, w2)
    order = np.argsort(c1[:, 0])
    np.testing.assert_allclose(w1[order], [0.75, 0.25])
    np.testing.assert_allclose(c1[order], [[0, 0], [5, 5]], atol=0.05)
    few, wf = kmeans_background(np.array([[1.0, 1.0], [1.0, 1.0], [2.0, 2.0]]), 5)
    assert len(few) == 2 and wf.tolist() == pytest.approx([2 / 3, 1 / 3])


@settings(max_examples=60, deadline=None)
@given(m=st.integers(2, 16), budget=st.integers(2, 3000), seed=st.integers(0, 2**64 - 1))
def test_any_plan_is_unique_paired_within_budget_and_exact_on_additive_games(m: int, budget: int, seed: int) -> None:
    masks, weights, exact = _core.shap_plan(m, budget, seed)
    assert exact == (budget >= 2**m - 2)
    assert len(masks) <= max(budget, 0) and len(masks) == len(weights)
    assert len(np.unique(masks, axis=0)) == len(masks)
    sizes = masks.sum(axis=1)
    assert ((sizes > 0) & (sizes < m)).all() and (weights > 0).all()
    rows = {tuple(r) for r in masks}
    assert all(tuple(1 - r) in rows for r in masks)
    x, bg = rng_data(m, n=2, nb=3, seed=seed % 1000)
    w = np.arange(1, m + 1, dtype=np.float64)
    y = _core.shap_synthesize(np.ascontiguousarray(x), bg, masks) @ w
    if np.linalg.matrix_rank(np.vstack([masks, np.ones(m)])) == m:  # the coalitions determine a unique solution
        phi = _core.shap_solve(masks, weights, np.ascontiguousarray(y[:, None]), np.ascontiguousarray((x @ w)[:, None]),
                               np.array([bg.mean(axis=0) @ w]), len(bg))[:, :, 0]
        np.testing.assert_allclose(phi, w * (x - bg.mean(axis=0)), atol=1e-6)
