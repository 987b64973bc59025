"""The profile pass beside a plain memory pass over the same columns (issue: "the profile pass's
throughput in GB/s beside a plain memory pass", goal within 10x of it).

Group ``profile-pass-1e6`` (and ``-1e7``, slow): on benches/datagen.py's reference data (10
numeric float64 columns, 5 string columns), in memory as a Polars frame:

- ``memory-pass``: one read of every byte the profile must see: ``numpy.sum`` of each numeric
  column's buffer and Polars' byte length of each string column (its UTF-8 buffer);
- ``driftline-profile``: ``Profile().update(frame)`` (moments, KLL sketch, histogram inputs,
  missing and type counts, distinct counts, category counts).

``benchmark.extra_info["bytes"]`` holds the bytes both read, so GB/s = bytes / time; the ratio of
the two times is the profile's distance from a memory pass. Run::

    .venv/bin/python -m pytest benches/test_bench_profile_pass.py -p no:cacheprovider --benchmark-enable \\
        --benchmark-only --benchmark-group-by=group --benchmark-columns=min,median,rounds
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
import pytest

from benches.test_bench_dq import polars_frame
from driftline.profile import Profile

SIZES = [pytest.param(1_000_000, id="1e6"), pytest.param(10_000_000, id="1e7", marks=pytest.mark.slow)]


def _bytes(frame: pl.DataFrame) -> int:
    total = 0
    for s in frame.iter_columns():
        if s.dtype == pl.String:
            total += int(s.str.len_bytes().sum() or 0)
        else:
            total += int(s.to_numpy().nbytes)
    return total


def _memory_pass(frame: pl.DataFrame) -> float:
    acc = 0.0
    for s in frame.iter_columns():
        if s.dtype == pl.String:
            acc += float(s.str.len_bytes().sum() or 0)
        else:
            acc += float(np.sum(s.to_numpy()))
    return acc


@pytest.mark.benchmark(group="profile-pass")
@pytest.mark.parametrize("rows", SIZES)
@pytest.mark.parametrize("impl", ["memory-pass", "driftline-profile"])
def test_profile_pass(benchmark: Any, rows: int, impl: str) -> None:
    frame = polars_frame(rows, "reference")
    benchmark.group = f"profile-pass-{rows:.0e}".replace("+0", "")
    benchmark.extra_info["bytes"] = _bytes(frame)
    if impl == "memory-pass":
        benchmark.pedantic(_memory_pass, args=(frame,), rounds=5, iterations=1, warmup_rounds=1)
        return

    def profile() -> Profile:
        p = Profile()
        p.update(frame)
        return p

    p = benchmark.pedantic(profile, rounds=3, iterations=1, warmup_rounds=0)
    assert p.item_count == rows and set(p.columns) == set(frame.columns)
    for name in frame.columns:
        col = p.columns[name]
        assert col.num_present + col.num_missing == rows
