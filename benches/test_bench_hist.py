"""Histogram over explicit edges (10 and 100) and equal-width bins: driftline vs numpy.histogram."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pytest

from benches.conftest import SIZES, normal
from driftline import stats


@functools.lru_cache(maxsize=16)
def reference(n: int, n_edges: int) -> np.ndarray:
    x = normal(n)
    return np.histogram(x, edges(n_edges))[0]


def edges(n_edges: int) -> np.ndarray:
    # quantile-like, non-uniform edges: numpy cannot take its equal-width fast path
    return np.sort(np.concatenate([[-4.0, 4.0], normal(n_edges - 2, seed=99)]))


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("n_edges", [10, 100])
@pytest.mark.parametrize("impl", ["driftline", "numpy"])
def test_histogram_edges(benchmark: Any, impl: str, n_edges: int, n: int) -> None:
    benchmark.group = f"histogram-{n_edges}-edges-n={n:.0e}"
    x, e = normal(n), edges(n_edges)
    fn = (lambda: stats.histogram(x, e)[0]) if impl == "driftline" else (lambda: np.histogram(x, e)[0])
    np.testing.assert_array_equal(benchmark(fn), reference(n, n_edges))


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("impl", ["driftline", "numpy"])
def test_histogram_equal_width(benchmark: Any, impl: str, n: int) -> None:
    benchmark.group = f"histogram-100-equal-bins-n={n:.0e}"
    x = normal(n)
    fn = (lambda: stats.histogram(x, 100, range=(-4, 4))[0]) if impl == "driftline" else (lambda: np.histogram(x, 100, range=(-4, 4))[0])
    np.testing.assert_array_equal(benchmark(fn), np.histogram(x, 100, range=(-4, 4))[0])
