"""Wide tables: the baseline of a table with many columns costs time linear in its values.

Group ``wide``: ``suggest_baseline`` of a CSV file (read in batches, profiled, statistics.json
and constraints.json built and checked), for 2,000, 20,000 and 100,000 columns of one row, a
header-only file of 200,000 columns (refused: no rows), and 100,000 columns x 1000 rows. Every
tenth column holds words, every fifth (of the rest) one-decimal numbers, the others small
integers; each case checks the inferred types and counts of every column.

The default run (``--benchmark-disable``) runs the 2,000-column case once as a correctness test;
the others are marked ``slow``. Measured times are in BENCHMARKS.md ("Wide tables")::

    .venv/bin/python -m pytest benches/test_bench_wide.py -p no:cacheprovider -m "slow or not slow" \\
        --benchmark-enable --benchmark-only --benchmark-group-by=group

Files are generated once into ``$WIDE_BENCH_DATA`` (default ``$TMPDIR/driftline-bench-wide``).
"""

from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from driftline.data_quality.baseline import suggest_baseline
from driftline.errors import InvalidInputError

WORDS = np.array(["red", "green", "blue", "amber"])


def _data_dir() -> Path:
    d = Path(os.environ.get("WIDE_BENCH_DATA", Path(tempfile.gettempdir()) / "driftline-bench-wide"))
    d.mkdir(parents=True, exist_ok=True)
    return d


def _kind(i: int) -> str:
    return "String" if i % 10 == 0 else "Fractional" if i % 5 == 0 else "Integral"


@functools.lru_cache(maxsize=None)
def wide_csv(columns: int, rows: int) -> Path:
    """A seeded CSV of ``columns`` x ``rows`` (header included), written once."""
    path = _data_dir() / f"wide-{columns}x{rows}.csv"
    if path.exists():
        return path
    rng = np.random.default_rng(columns + rows)
    names = [f"f{i}" for i in range(columns)]
    tmp = path.with_suffix(".tmp")
    if rows == 0:
        tmp.write_text(",".join(names) + "\n")
    else:
        # written in slices of columns, side by side, so memory stays small for 10^8 values
        parts = []
        for lo in range(0, columns, 5000):
            block = {}
            for i in range(lo, min(columns, lo + 5000)):
                kind = _kind(i)
                if kind == "String":
                    block[names[i]] = rng.choice(WORDS, rows)
                elif kind == "Fractional":
                    block[names[i]] = (rng.integers(0, 200, rows) / 10 + 0.05).round(1).astype(str)
                else:
                    block[names[i]] = rng.integers(0, 20, rows).astype(str)
            parts.append(pl.DataFrame(block))
        pl.concat(parts, how="horizontal").write_csv(tmp)
    tmp.replace(path)
    return path


CASES = [
    pytest.param(2_000, 1, id="2e3x1"),
    pytest.param(20_000, 1, id="2e4x1", marks=pytest.mark.slow),
    pytest.param(100_000, 1, id="1e5x1", marks=pytest.mark.slow),
    pytest.param(100_000, 1000, id="1e5x1e3", marks=pytest.mark.slow),
]


@pytest.mark.benchmark(group="wide")
@pytest.mark.parametrize("columns, rows", CASES)
def test_baseline_of_a_wide_csv(benchmark: Any, columns: int, rows: int) -> None:
    path = wide_csv(columns, rows)
    benchmark.extra_info.update(columns=columns, rows=rows)
    baseline = benchmark.pedantic(suggest_baseline, args=(path,), rounds=1, iterations=1)
    profile = baseline.profile
    assert profile is not None
    features = baseline.statistics["features"]
    assert profile.item_count == rows and len(features) == columns == len(baseline.constraints["features"])
    for i in (0, 1, 5, columns // 2, columns - 1):
        f = features[i]
        assert f["name"] == f"f{i}" and f["inferred_type"] == _kind(i)
        stats = f["numerical_statistics"] if _kind(i) != "String" else f["string_statistics"]
        assert stats["common"] == {"num_present": rows, "num_missing": 0}
    assert all(c.num_present == rows and c.num_missing == 0 for c in profile.columns.values())


@pytest.mark.slow
@pytest.mark.benchmark(group="wide")
def test_a_header_only_csv_of_200000_columns(benchmark: Any) -> None:
    path = wide_csv(200_000, 0)

    def refused() -> str:
        with pytest.raises(InvalidInputError) as info:
            suggest_baseline(path)
        return str(info.value)

    assert "has no rows (only a header: 200000 columns)" in benchmark.pedantic(refused, rounds=1, iterations=1)
