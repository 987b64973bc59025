"""driftline on Spark beside driftline in one process, on the data-quality benchmark's dataset
(benches/datagen.py via test_bench_dq.parquet: 10 numeric and 5 categorical columns, cached in
``$DQ_BENCH_DATA``). Reports, does not assert (beyond the profiles agreeing).

Per implementation: wall time of a baseline profile of the whole Parquet file (read included),
rows per second, rows per second per core (the cores the implementation may use: ``local[2]``
has 2 task slots; the one-process profile uses the machine's cores through its threads), and for
Spark the job (tasks + collect) and the driver's merge separately, with the partial profiles'
bytes. whylogs' Spark profiler runs only when whylogs (with its pyspark extra) is importable.

Run (10^7 rows: the ``1e7`` id; ``1e6`` for a quick look)::

    .venv/bin/python -m pytest benches/test_bench_spark.py -m slow -s -p no:cacheprovider
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from benches.test_bench_dq import parquet
from driftline.data_quality.baseline import suggest_baseline
from driftline.profile import Profile

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")]

SIZES = [pytest.param(1_000_000, id="1e6"), pytest.param(10_000_000, id="1e7")]
CORES = os.cpu_count() or 1
RESULTS: dict[str, dict[str, Any]] = {}


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    pytest.importorskip("pyspark", reason="pyspark is not installed")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[2]").appName("driftline-bench")
               .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", "4").config("spark.driver.memory", "2g")
               # about one Parquet row group (10^6 rows, ~63 MB) per task, so the 10^7-row file is 10 tasks
               .config("spark.sql.files.maxPartitionBytes", str(64 << 20)).getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _report(key: str, row: dict[str, Any]) -> None:
    RESULTS[key] = row
    print(f"\n[spark-bench] {key}: {json.dumps(row)}", flush=True)


def _agree(a: Profile, b: Profile) -> None:
    assert list(a.columns) == list(b.columns) and a.item_count == b.item_count
    for name, col in b.columns.items():
        other = a.columns[name]
        assert other.type_counts == col.type_counts and other.num_missing == col.num_missing, name
        if col.categories_exact:
            assert other.category_counts == col.category_counts, name


@pytest.mark.parametrize("rows", SIZES)
def test_profile_one_process(rows: int) -> None:
    path = parquet(rows, "reference")
    t0 = time.perf_counter()
    baseline = suggest_baseline(str(path))
    seconds = time.perf_counter() - t0
    assert baseline.profile is not None and baseline.profile.item_count == rows
    _report(f"one-process-{rows:.0e}", {"rows": rows, "cores": CORES, "seconds": round(seconds, 3),
                                          "rows_per_s": round(rows / seconds), "rows_per_s_per_core": round(rows / seconds / CORES)})


@pytest.mark.parametrize("rows", SIZES)
def test_profile_spark(spark: Any, rows: int) -> None:
    from driftline.spark import merge_partials, partial_profiles

    path = parquet(rows, "reference")
    df = spark.read.parquet(str(path))
    partial_profiles(df.limit(1000))  # warm the Python workers: start, import driftline (not timed)
    t0 = time.perf_counter()
    parts = partial_profiles(df)
    profile = merge_partials(parts, list(df.columns))
    seconds = time.perf_counter() - t0
    assert profile.item_count == rows
    local = suggest_baseline(str(path)).profile
    assert local is not None
    _agree(profile, local)
    width = len(profile.columns)
    per_col = parts.bytes_total / max(1, len(parts.partials)) / width
    _report(f"spark-local2-{rows:.0e}", {
        "rows": rows, "cores": 2, "partitions": len(parts.partials), "seconds": round(seconds, 3),
        "job_seconds": round(parts.profile_seconds, 3), "merge_seconds": round(parts.merge_seconds, 4),
        "rows_per_s": round(rows / seconds), "rows_per_s_per_core": round(rows / seconds / 2),
        "partial_bytes_total": parts.bytes_total, "bytes_per_column_per_partition": round(per_col)})


def test_whylogs_spark(spark: Any) -> None:
    if importlib.util.find_spec("whylogs") is None:
        pytest.skip("whylogs is not installed in this environment (its Spark profiler is experimental: whylogs issue #1266)")
    from whylogs.api.pyspark.experimental import collect_dataset_profile_view  # type: ignore[import-not-found]

    for rows in (1_000_000, 10_000_000):
        df = spark.read.parquet(str(parquet(rows, "reference")))
        t0 = time.perf_counter()
        collect_dataset_profile_view(input_df=df)
        seconds = time.perf_counter() - t0
        _report(f"whylogs-spark-{rows:.0e}", {"rows": rows, "cores": 2, "seconds": round(seconds, 3),
                                               "rows_per_s": round(rows / seconds), "rows_per_s_per_core": round(rows / seconds / 2)})
