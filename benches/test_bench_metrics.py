"""driftline.metrics beside scikit-learn, on the same seeded inputs.

One group per metric and size (``roc_auc-n=1e+06`` ...) holds both implementations; every run
checks driftline's answer against scikit-learn's (1e-12). Run with
``RAYON_NUM_THREADS=1 .venv/bin/python -m pytest benches/test_bench_metrics.py --benchmark-enable
--benchmark-only --benchmark-group-by=group --benchmark-columns=min,median,rounds`` (add
``-m "slow or not slow"`` for 10^7).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import sklearn.metrics as sk

from driftline import metrics as m

SIZES = [10**6, pytest.param(10**7, marks=pytest.mark.slow)]


@functools.lru_cache(maxsize=2)
def _data(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(n)
    y = rng.integers(0, 2, n)
    score = 1 / (1 + np.exp(-(rng.standard_normal(n) + y)))  # a plausible model's probabilities
    pred = rng.integers(0, 5, n)
    for a in (y, score, pred):
        a.flags.writeable = False
    return y, score, pred


IMPLS: dict[str, dict[str, Callable[..., Any]]] = {
    "roc_auc": {"driftline": m.roc_auc_score, "sklearn": sk.roc_auc_score},
    "average_precision": {"driftline": m.average_precision_score, "sklearn": sk.average_precision_score},
}


@pytest.mark.parametrize("impl", ["driftline", "sklearn"])
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("metric", sorted(IMPLS))
def test_ranking(benchmark: Any, metric: str, n: int, impl: str) -> None:
    benchmark.group = f"{metric}-n={n:.0e}"
    y, score, _ = _data(n)
    res = benchmark(IMPLS[metric][impl], y, score)
    assert abs(res - IMPLS[metric]["sklearn"](y, score)) <= 1e-12


CURVES: dict[str, dict[str, Callable[..., Any]]] = {
    "roc_curve": {"driftline": m.roc_curve, "sklearn": sk.roc_curve},
    "precision_recall_curve": {"driftline": m.precision_recall_curve, "sklearn": sk.precision_recall_curve},
}


@pytest.mark.parametrize("impl", ["driftline", "sklearn"])
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("curve", sorted(CURVES))
def test_curve(benchmark: Any, curve: str, n: int, impl: str) -> None:
    benchmark.group = f"{curve}-n={n:.0e}"
    y, score, _ = _data(n)
    res = benchmark(CURVES[curve][impl], y, score)
    ref = CURVES[curve]["sklearn"](y, score)
    for a, b in zip(res[:2], ref[:2], strict=True):
        assert a.shape == b.shape and np.max(np.abs(a - b)) <= 1e-12
    assert np.array_equal(res[2], ref[2])


@pytest.mark.parametrize("impl", ["driftline", "sklearn"])
@pytest.mark.parametrize("n", SIZES)
def test_confusion(benchmark: Any, n: int, impl: str) -> None:
    benchmark.group = f"confusion-n={n:.0e}"
    _, _, pred = _data(n)
    truth = (pred + (np.arange(n) % 3 == 0)) % 5
    f = m.confusion_matrix if impl == "driftline" else sk.confusion_matrix
    res = benchmark(f, truth, pred)
    assert np.array_equal(res, sk.confusion_matrix(truth, pred))
