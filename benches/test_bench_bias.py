"""Bias metrics at 10^6 rows: driftline's counting (one ``count_codes`` pass per facet column)
beside smclarify 0.5's ``bias_report`` on the same table and configuration.

Every pre- and post-training metric but FT (smclarify's FT loops over rows in Python), for a
4-value facet reported one-vs-rest, a threshold facet and strata for CDDL/CDDPL. smclarify's side
is skipped with a reason when it does not import in this interpreter, and is marked ``slow``
(it takes tens of seconds a round). Run with ``.venv/bin/python -m pytest benches/test_bench_bias.py
--benchmark-enable --benchmark-only --benchmark-group-by=group --benchmark-columns=min,median,rounds
-m "slow or not slow" -p no:cacheprovider``.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import polars as pl
import pytest

from driftline.bias import bias_analysis
from driftline.bias.metrics import POST_TRAINING
from driftline.clarify import parse_analysis_config

N = 10**6
CONFIG = {"label": "y", "label_values_or_threshold": [1, 2], "predicted_label": "p", "group_variable": "stratum",
          "facet": [{"name_or_index": "race"}, {"name_or_index": "age", "value_or_threshold": [40]}],
          "methods": {"pre_training_bias": {"methods": "all"},
                      "post_training_bias": {"methods": [m for m in POST_TRAINING if m != "FT"]}}}


@functools.lru_cache(maxsize=1)
def _table() -> pl.DataFrame:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 3, N)
    return pl.DataFrame({"race": rng.choice(["a", "b", "c", "d"], N), "age": rng.normal(40, 12, N),
                         "stratum": rng.integers(0, 10, N), "y": y, "p": np.where(rng.random(N) < 0.7, y, rng.integers(0, 3, N))})


@pytest.mark.benchmark(group="bias metrics, 10^6 rows")
def test_driftline(benchmark: Any) -> None:
    frame, cfg = _table(), parse_analysis_config(CONFIG)
    doc = benchmark(bias_analysis, frame, cfg)
    assert len(doc["post_training_bias_metrics"]["facets"]["race"]) == 4


@pytest.mark.slow
@pytest.mark.benchmark(group="bias metrics, 10^6 rows")
def test_smclarify(benchmark: Any) -> None:
    try:
        from tests.bias.reference import smclarify_analysis
        import smclarify.bias.report  # noqa: F401
    except Exception as e:  # noqa: BLE001
        pytest.skip(f"smclarify does not import in this interpreter: {e}")
    pdf, cfg = _table().to_pandas(), parse_analysis_config(CONFIG)
    benchmark.pedantic(smclarify_analysis, args=(pdf, cfg), rounds=1, iterations=1)


@pytest.mark.slow
@pytest.mark.benchmark(group="bias metrics, 10^7 rows, 20 facet values")
def test_driftline_1e7_twenty_facet_values(benchmark: Any) -> None:
    """The issue's scale goal: 10^7 rows, one facet with 20 values reported one-vs-rest, strata,
    every metric but FT, "in seconds on two cores"."""
    rng = np.random.default_rng(0)
    n = 10**7
    frame = pl.DataFrame({"y": rng.integers(0, 2, n), "p": rng.integers(0, 2, n), "facet": rng.integers(0, 20, n).astype(str),
                          "stratum": rng.integers(0, 5, n)})
    cfg = parse_analysis_config({"label": "y", "label_values_or_threshold": [1], "predicted_label": "p", "group_variable": "stratum",
                                 "facet": [{"name_or_index": "facet"}],
                                 "methods": {"pre_training_bias": {"methods": "all"},
                                             "post_training_bias": {"methods": [m for m in POST_TRAINING if m != "FT"]}}})
    doc = benchmark.pedantic(bias_analysis, args=(frame, cfg), rounds=3, iterations=1, warmup_rounds=1)
    assert len(doc["pre_training_bias_metrics"]["facets"]["facet"]) == 20
