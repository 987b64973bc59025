"""Wasserstein-1 and energy distance: driftline vs scipy.stats, same arrays, checked in the test."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pytest
import scipy.stats as ss

from benches.conftest import SIZES, normal
from driftline import stats


@functools.lru_cache(maxsize=8)
def reference(n: int) -> float:
    return float(ss.wasserstein_distance(normal(n), normal(n, seed=1, shift=0.1)))


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("impl", ["driftline", "scipy"])
def test_wasserstein_distance(benchmark: Any, impl: str, n: int) -> None:
    benchmark.group = f"wasserstein_distance-n={n:.0e}"
    u, v = normal(n), normal(n, seed=1, shift=0.1)
    fn = stats.wasserstein_distance if impl == "driftline" else ss.wasserstein_distance
    result = benchmark(fn, u, v)
    np.testing.assert_allclose(result, reference(n), rtol=1e-9)
