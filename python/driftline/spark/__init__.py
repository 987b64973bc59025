"""driftline on Spark: baselines and monitor runs over a Spark DataFrame, equal to the
single-process results.

- :func:`suggest_baseline` (``spark_df``) returns the same :class:`~driftline.data_quality.baseline.Baseline`
  as :func:`driftline.suggest_baseline` of the same rows.
- :func:`run_monitor` (``baseline``, ``spark_df``) returns the same
  :class:`~driftline.data_quality.monitor.MonitorRun` and writes the same files (same schema, same
  verdicts) as :func:`driftline.run_monitor` of a table on disk.

How: each Spark task turns its partition's Arrow record batches into Polars frames and runs
:meth:`Profile.update <driftline.profile.Profile.update>` (the Rust core does the work; no row-wise
Python), then yields one row holding its partial profile, serialised
(:mod:`driftline.spark._serde`, versioned, pickle-free). The driver merges the partials with
:meth:`Profile.merge <driftline.profile.Profile.merge>` in partition order.

What is equal: row counts, missing counts, type counts (and so inferred types), category counts
(up to ``category_cap`` distinct values) and distinct-count summaries exactly; moments (sum,
mean, std, min, max) up to floating-point summation order (min and max exactly); quantiles,
KLL buckets and the sketch-based KS statistics within the KLL sketch's rank-error bound
(``KllSketch.normalized_rank_error()``: 0.00138 at k = 2048, 99 % confidence, per sketch).

- :func:`suggest_model_quality_baseline` / :func:`run_model_quality_monitor` of a DataFrame that
  holds labels and predictions: those few columns are collected to the driver as Arrow (the
  metrics' bootstrap needs every row) and the single-process functions run on them, so the
  results are theirs exactly (:mod:`driftline.spark._model_quality`).

On Spark the drift table uses the sketch-based tests only (as the single-process monitor does
for a table streamed from disk): the exact KS and Wasserstein tests need the raw values in
one place, so ``baseline_data`` is not taken here.

pyspark is an optional dependency (``pip install 'driftline[spark]'``); it is imported only
when these functions run.
"""

from __future__ import annotations

import os
import re
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from driftline.errors import InvalidArgumentError, InvalidInputError
from driftline.spark._profile import PartialProfiles, describe, merge_partials, partial_profiles, profile_spark, tree_merged
from driftline.spark._model_quality import collect_columns, run_model_quality_monitor, suggest_model_quality_baseline
from driftline.spark._serde import profile_from_bytes, profile_to_bytes

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from driftline.data_quality.baseline import Baseline
    from driftline.data_quality.monitor import MonitorRun

__all__ = [
    "PartialProfiles",
    "collect_columns",
    "run_model_quality_monitor",
    "suggest_model_quality_baseline",
    "describe",
    "merge_partials",
    "partial_profiles",
    "profile_from_bytes",
    "profile_spark",
    "profile_to_bytes",
    "read_data",
    "run_monitor",
    "session",
    "suggest_baseline",
    "tree_merged",
]


def _check_df(df: Any, argument: str) -> None:
    if not (hasattr(df, "mapInArrow") and hasattr(df, "columns")):
        raise InvalidArgumentError(f"`{argument}` must be a Spark DataFrame (pyspark.sql.DataFrame), got {type(df).__name__}")


def _check_rows(batch_rows: int) -> None:
    if not (isinstance(batch_rows, int) and batch_rows >= 1):
        raise InvalidArgumentError(f"batch_rows (--batch-rows) must be a positive whole number, got {batch_rows!r}")


def suggest_baseline(spark_df: DataFrame, *, exclude: tuple[str, ...] = (), source: str | os.PathLike[str] | None = None,
                     batch_rows: int = 500_000, tree_depth: int = 0) -> Baseline:
    """The baseline of a Spark DataFrame, equal to :func:`driftline.suggest_baseline` of the same
    rows (see the module for what is exact). A DataFrame without rows is refused
    (:class:`InvalidInputError`), as in one process. ``source`` (the path the DataFrame was
    read from, when there is one) makes :meth:`Baseline.write` refuse to write into the data.
    ``batch_rows``: rows per ``Profile.update`` in a task (memory per task); ``tree_depth`` > 0
    merges the partial profiles on the executors (``RDD.treeReduce``) instead of the driver, for
    many partitions of a wide table."""
    from driftline.data_quality.baseline import Baseline, _features_from, statistics_json, suggest_constraints

    _check_df(spark_df, "spark_df")
    _check_rows(batch_rows)
    profile, _ = profile_spark(spark_df, exclude=tuple(exclude), batch_rows=batch_rows, tree_depth=tree_depth)
    if profile.item_count == 0:
        found = f" (only a schema: {len(profile.columns)} columns)" if profile.columns else ""
        raise InvalidInputError(f"Spark DataFrame has no rows{found}: a baseline needs at least one row")
    stats_doc = statistics_json(profile)
    cons_doc = suggest_constraints(profile)
    features = _features_from(stats_doc, cons_doc, "statistics.json", "constraints.json", trusted=True)
    return Baseline(stats_doc, cons_doc, features, source, profile)


def _positional(df: DataFrame, names: list[str]) -> DataFrame:
    """As the single-process monitor: columns named ``_c0.._cN`` (a capture payload, a CSV
    without header) are matched to a header-named baseline by position."""
    cols = list(df.columns)
    if cols and all(re.fullmatch(r"_c\d+", c) for c in cols) and not all(re.fullmatch(r"_c\d+", n) for n in names):
        return df.toDF(*[names[i] if i < len(names) else c for i, c in enumerate(cols)])
    return df


def run_monitor(
    baseline: str | Path | Baseline,
    spark_df: DataFrame,
    *,
    out: str | Path | None = None,
    start: datetime | str | None = None,
    end: datetime | str | None = None,
    alpha: float = 0.05,
    fdr: bool = True,
    dataset_drift_share: float = 0.5,
    source: str | os.PathLike[str] | None = None,
    batch_rows: int = 500_000,
    tree_depth: int = 0,
) -> MonitorRun:
    """A data-quality monitor run over a Spark DataFrame (the window: like a table in one
    process, it is not filtered by time; ``start``/``end`` are recorded), against ``baseline``;
    writes the run's files into ``out`` when given, through the same run lifecycle as
    :func:`driftline.run_monitor` (a Failed run writes only ``monitoring_run.json``). The drift
    table uses the sketch-based tests (no exact KS/Wasserstein: see the module). ``source`` is
    the path the DataFrame was read from, if any, so that ``out`` inside it is refused.
    ``batch_rows`` and ``tree_depth`` as in :func:`suggest_baseline`."""
    from driftline._outputs import OutputFolder
    from driftline.data_quality.baseline import load_baseline
    from driftline.data_quality.monitor import RUN_FILES, MonitorRun, check_drift_arguments, judge
    from driftline.io import check_window, to_utc
    from driftline.runs import execute

    _check_df(spark_df, "spark_df")
    _check_rows(batch_rows)
    check_drift_arguments(alpha, dataset_drift_share)
    run = MonitorRun(start=to_utc(start, "start (--start)"), end=to_utc(end, "end (--end)"), alpha=alpha, fdr=fdr)
    check_window(run.start, run.end)
    folder = None if out is None else OutputFolder(out, RUN_FILES, "monitor run", inputs=[baseline, source], argument="out (--out)")

    def body() -> None:
        base = load_baseline(baseline)
        current, _ = profile_spark(_positional(spark_df, list(base.features)), batch_rows=batch_rows, tree_depth=tree_depth)
        # no raw values are gathered on Spark: the drift table's sketch-based tests only
        judge(run, base, current, {}, {}, dataset_drift_share)

    return execute(run, folder, body)


# -- sessions and reading, for the command line ------------------------------------------------


def session(master: str | None = None, app_name: str = "driftline") -> SparkSession:
    """A SparkSession (an existing session is reused) with the UI off. ``master`` defaults to
    ``local[2]``, except under ``spark-submit``, whose ``--master`` applies. Raises
    :class:`InvalidArgumentError` when pyspark is missing."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise InvalidArgumentError("--spark needs pyspark: pip install 'driftline[spark]' (and Java 17 or later)") from None
    builder = SparkSession.builder.appName(app_name)
    if master is None and "PYSPARK_GATEWAY_PORT" in os.environ:
        master = ""  # under spark-submit (or a notebook's gateway): its --master applies
    elif master is None:
        master = "local[2]"
    if master:
        builder = builder.master(master)
    builder = builder.config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
    if master.startswith("local") and "PYSPARK_PYTHON" not in os.environ:
        builder = builder.config("spark.pyspark.python", sys.executable)  # local tasks import this driftline
    return builder.getOrCreate()


def read_data(spark: SparkSession, data: str, *, has_header: bool = True, on_bad_record: str = "fail") -> DataFrame:
    """Read ``data`` (a file or folder; a URI Spark reads, such as ``s3a://...``) with Spark, the
    format chosen by extension: Parquet, CSV (every column as text, so types are inferred per value
    as in one process), JSON Lines (``.json``, ``.jsonl``, ``.ndjson``). A folder takes the
    extension of the files in it. ``on_bad_record`` "fail" is Spark's FAILFAST, "skip" DROPMALFORMED
    (skipped records are not counted on Spark)."""
    kind = _format_of(data)
    mode = "FAILFAST" if on_bad_record == "fail" else "DROPMALFORMED"
    reader = spark.read
    if kind == "parquet":
        return reader.parquet(data)
    if kind == "csv":
        return reader.option("header", has_header).option("inferSchema", False).option("mode", mode).csv(data)
    return _json_order(spark, reader.option("mode", mode).json(data), data)


def _json_order(spark: SparkSession, df: DataFrame, data: str) -> DataFrame:
    """Spark orders inferred JSON fields by name; one process keeps the order they appear in
    (the first record's first): restore it, so the baseline lists the columns the same way."""
    import json

    first = spark.read.text(data).limit(1).collect()
    if not first:
        return df
    try:
        record = json.loads(first[0][0])
    except json.JSONDecodeError as e:
        raise InvalidInputError(f"--data {data!r}: the first record is not JSON ({e})") from None
    keys = [k for k in record if k in df.columns] if isinstance(record, dict) else []
    return df.select(*keys, *[c for c in df.columns if c not in keys])


_EXTENSIONS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".json": "json", ".jsonl": "json", ".ndjson": "json"}


def _format_of(data: str) -> str:
    path = Path(data)
    suffix = path.suffix.lower()
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    if path.is_dir():
        found = {_EXTENSIONS[p.suffix.lower()] for p in path.rglob("*") if p.is_file() and p.suffix.lower() in _EXTENSIONS}
        if len(found) == 1:
            return found.pop()
        if found:
            raise InvalidArgumentError(f"--data {data!r} mixes formats ({', '.join(sorted(found))}): give one format per folder")
    raise InvalidArgumentError(f"--data {data!r}: cannot tell the format (expected .parquet, .csv, .json, .jsonl or .ndjson)")
