"""The model-quality bootstrap and CBPE's simulations at 10^5 rows (the batched draw kernels,
rust/core/src/metrics/draws.rs).

One group per problem: ``_bootstrap`` of 200 resamples (weights drawn and metrics of every
draw) beside the former numpy code (a Python loop over resamples; without the final quantiles),
and ``CBPE.estimate`` with 400 simulations. Run with ``.venv/bin/python -m pytest
benches/test_bench_bootstrap.py --benchmark-enable --benchmark-only --benchmark-group-by=group
--benchmark-columns=min,median,rounds -p no:cacheprovider``.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
import polars as pl
import pytest

from driftline.estimate import CBPE
from driftline.model_quality.outputs import _normalize_labels
from driftline.model_quality.statistics import BOOTSTRAP_CHUNK_VALUES, _bootstrap, _encode

N = 10**5
RESAMPLES = 200


@functools.lru_cache(maxsize=3)
def _encoded(problem: str) -> Any:
    rng = np.random.default_rng(7)
    if problem == "Regression":
        y = rng.standard_normal(N)
        return _encode(problem, pl.Series(y), pl.Series(y + rng.standard_normal(N) * 0.5), None, None)
    k = 2 if problem == "BinaryClassification" else 5
    y = rng.integers(0, k, N)
    pred = np.where(rng.random(N) < 0.8, y, rng.integers(0, k, N))
    score = pl.Series(np.round(np.clip(0.2 + 0.6 * (y == 1) + 0.2 * rng.standard_normal(N), 0, 1), 3)) if k == 2 else None
    t, p = _normalize_labels(pl.Series(y)), _normalize_labels(pl.Series(pred))
    return _encode(problem, t, p, score, None, [str(c) for c in range(k)])


def _numpy_draws(enc: Any, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The former bootstrap draws: weights by a Python loop of bincounts, metrics by the former
    numpy code (tests/model_quality/test_weighted_draws.py keeps it as the reference)."""
    from tests.model_quality.test_weighted_draws import reference_weighted_scalars

    parts: dict[str, list[np.ndarray]] = {}
    per_chunk = max(1, min(RESAMPLES, BOOTSTRAP_CHUNK_VALUES // enc.n))
    for start in range(0, RESAMPLES, per_chunk):
        d = min(per_chunk, RESAMPLES - start)
        w = np.stack([np.bincount(rng.integers(0, enc.n, enc.n), minlength=enc.n) for _ in range(d)]).astype(np.float64)
        for k, v in reference_weighted_scalars(enc, w).items():
            parts.setdefault(k, []).append(v)
    return {k: np.concatenate(v) for k, v in parts.items()}


@pytest.mark.parametrize("problem", ["BinaryClassification", "MulticlassClassification", "Regression"])
@pytest.mark.parametrize("impl", ["driftline", "numpy-reference"])
def test_bootstrap(benchmark: Any, problem: str, impl: str) -> None:
    benchmark.group = f"bootstrap-{problem}-n=1e5-200"
    enc = _encoded(problem)
    if impl == "driftline":
        out = benchmark(lambda: _bootstrap(enc, RESAMPLES, 0.95, np.random.default_rng(0), {}))
        assert out == {}  # no values given: the intervals are computed and then left out
    else:
        draws = benchmark(lambda: _numpy_draws(enc, np.random.default_rng(0)))
        assert all(len(v) == RESAMPLES for v in draws.values())


def test_bootstrap_intervals(benchmark: Any) -> None:
    benchmark.group = "bootstrap-BinaryClassification-n=1e5-200-intervals"
    enc = _encoded("BinaryClassification")
    values = {"accuracy": 0.9, "auc": 0.9, "f1": 0.9}
    out = benchmark(lambda: _bootstrap(enc, RESAMPLES, 0.95, np.random.default_rng(0), values))
    assert all(lo <= hi and math.isfinite(lo) for lo, hi in out.values())


def test_cbpe_estimate(benchmark: Any) -> None:
    benchmark.group = "cbpe-n=1e5-400"
    rng = np.random.default_rng(3)
    x = rng.standard_normal(N)
    y = rng.random(N) < 1 / (1 + np.exp(-2 * x))
    score = 1 / (1 + np.exp(-(2 * x + 0.3 * rng.standard_normal(N))))
    cbpe = CBPE(n_simulations=400).fit(y, score)
    out = benchmark(lambda: cbpe.estimate(score))
    assert 0.5 < out["roc_auc"].value < 1.0
