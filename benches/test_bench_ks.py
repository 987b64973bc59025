"""Two-sample KS test: driftline vs scipy.stats.ks_2samp on the same arrays (asymptotic p-value,
as method="auto" picks above 10 000 values per sample), each result checked against scipy's.

The samples differ by a small shift, so the p-value is neither 0 nor 1 and the whole pipeline
(sort, CDF walk, kstwo) is timed. Run with RAYON_NUM_THREADS=1 for single-thread numbers.
"""

from __future__ import annotations

import functools
from typing import Any

import pytest
import scipy.stats as ss

from benches.conftest import normal
from driftline import stats

SIZES = [
    pytest.param(100_000, id="1e5", marks=pytest.mark.benchmark(group="ks_2samp-1e5")),
    pytest.param(1_000_000, id="1e6", marks=pytest.mark.benchmark(group="ks_2samp-1e6")),
    pytest.param(10_000_000, id="1e7", marks=[pytest.mark.benchmark(group="ks_2samp-1e7"), pytest.mark.slow]),
]
SHIFT = 0.002


@functools.lru_cache(maxsize=4)
def reference(n: int) -> tuple[float, float, float, int]:
    r = ss.ks_2samp(normal(n), normal(n, seed=1, shift=SHIFT))
    return float(r.statistic), float(r.pvalue), float(r.statistic_location), int(r.statistic_sign)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("impl", ["driftline", "scipy"])
def test_ks_2samp(benchmark: Any, impl: str, n: int) -> None:
    a, b = normal(n), normal(n, seed=1, shift=SHIFT)
    fn = stats.ks_2samp if impl == "driftline" else ss.ks_2samp
    r = benchmark(fn, a, b)
    statistic, pvalue, location, sign = reference(n)
    assert abs(float(r.statistic) - statistic) <= 1e-12
    assert float(r.pvalue) == pytest.approx(pvalue, rel=1e-9)
    assert (float(r.statistic_location), int(r.statistic_sign)) == (location, sign)
