"""driftline's chi-square family beside scipy.stats, on the same seeded inputs.

One benchmark group per test and size (``chisquare-1e6`` ...) holds the two implementations
side by side; each run also checks the answer against scipy, so a benchmark never measures a
wrong result. Run with ``make bench`` or
``.venv/bin/python -m pytest benches/test_bench_chisq.py --benchmark-enable --benchmark-only
--benchmark-group-by=group --benchmark-columns=min,median,rounds`` (add ``-m "slow or not slow"``
for 10^7). driftline's kernels use all cores (rayon); set ``RAYON_NUM_THREADS=1`` for one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import scipy.stats as ss

from driftline.stats import chi2_contingency, chisquare, g_test

SIZES = [10**3, 10**4, 10**5, 10**6, pytest.param(10**7, marks=pytest.mark.slow)]
TABLES = [(10, 100), (100, 100), (100, 1000), (1000, 1000), pytest.param((1000, 10000), marks=pytest.mark.slow)]


@functools.lru_cache(maxsize=4)
def _counts(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(n)
    f_exp = rng.uniform(5.0, 50.0, n)
    f_obs = rng.poisson(f_exp).astype(np.float64)
    f_exp *= f_obs.sum() / f_exp.sum()
    f_obs.flags.writeable = f_exp.flags.writeable = False
    return f_obs, f_exp


def _check(res: Any, ref: Any) -> None:
    np.testing.assert_allclose(res.statistic, ref.statistic, rtol=1e-9)
    np.testing.assert_allclose(res.pvalue, ref.pvalue, rtol=1e-9, atol=1e-300)


GOODNESS_OF_FIT: dict[str, dict[str, Callable[..., Any]]] = {
    "chisquare": {"driftline": chisquare, "scipy": ss.chisquare},
    "g_test": {
        "driftline": g_test,
        "scipy": lambda o, e: ss.power_divergence(o, e, lambda_="log-likelihood"),
    },
}


@pytest.mark.parametrize("impl", ["driftline", "scipy"])
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("test", sorted(GOODNESS_OF_FIT))
def test_goodness_of_fit(benchmark: Any, test: str, n: int, impl: str) -> None:
    benchmark.group = f"{test}-n={n:.0e}"
    f_obs, f_exp = _counts(n)
    res = benchmark(GOODNESS_OF_FIT[test][impl], f_obs, f_exp)
    _check(res, GOODNESS_OF_FIT[test]["scipy"](f_obs, f_exp))


@pytest.mark.parametrize("impl", ["driftline", "scipy"])
@pytest.mark.parametrize("shape", TABLES)
def test_chi2_contingency(benchmark: Any, shape: tuple[int, int], impl: str) -> None:
    benchmark.group = f"chi2_contingency-{shape[0]}x{shape[1]}"
    rng = np.random.default_rng(shape[0] * shape[1])
    expected = np.outer(rng.uniform(1, 2, shape[0]), rng.uniform(1, 2, shape[1])) * 20.0
    table = rng.poisson(expected).astype(np.float64) + 1.0
    fn = chi2_contingency if impl == "driftline" else ss.chi2_contingency
    res = benchmark(fn, table)
    ref = ss.chi2_contingency(table)
    _check(res, ref)
    assert res.dof == ref.dof
    np.testing.assert_allclose(res.expected_freq, ref.expected_freq, rtol=1e-12)
