"""Data-quality monitoring runs: the current window against a baseline, with SageMaker Model
Monitor's six checks and outputs (:mod:`~driftline.data_quality.checks`), plus driftline's
per-feature drift table (:mod:`~driftline.data_quality.drift`).

A run writes into its output folder:

- ``statistics.json``: the current window's statistics (SageMaker schema);
- ``constraint_violations.json``: ``{"violations": [{feature_name, constraint_check_type,
  description}]}`` with data_type_check, completeness_check, baseline_drift_check,
  missing_column_check, extra_column_check and categorical_values_check;
- ``metrics.json``: the CloudWatch-equivalent metrics (``feature_data_*``, ``feature_non_null_*``,
  ``feature_baseline_drift_*``);
- ``drift.json``: every applicable test per feature (statistic, p-value, threshold, verdict),
  the default test's verdict, the Benjamini-Hochberg adjustment, the dataset verdict;
- ``monitoring_run.json``: status (``Completed``, ``CompletedWithViolations`` or ``Failed`` with
  its reason), window, counts and bad-record report.

A run that fails writes only ``monitoring_run.json`` (the run lifecycle of :mod:`driftline.runs`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import polars as pl

from driftline._outputs import OutputFolder
from driftline.data_quality.baseline import Baseline, load_baseline, statistics_json
from driftline.data_quality.checks import NUMERIC, run_checks
from driftline.data_quality.drift import DriftTest, drift_table
from driftline.errors import DriftlineError, InvalidArgumentError
from driftline.formats.sagemaker import CloudWatchMetric, StatisticsDoc
from driftline.io import check_window, read_window, to_utc
from driftline.profile import Profile
from driftline.runs import Run, execute

__all__ = ["RUN_FILES", "MonitorRun", "run_monitor"]

RUN_FILES = ("statistics.json", "constraint_violations.json", "metrics.json", "drift.json", "monitoring_run.json")

@dataclass
class MonitorRun(Run):
    """A data-quality run: the window's statistics, the checks' violations, the drift table and
    the CloudWatch-equivalent metrics."""

    drift: list[DriftTest] = field(default_factory=list)
    metrics: list[CloudWatchMetric] = field(default_factory=list)
    statistics: StatisticsDoc = field(default_factory=lambda: StatisticsDoc())
    item_count: int = 0
    dataset_drift: bool = False
    drifted_features: list[str] = field(default_factory=list)
    alpha: float = 0.05
    fdr: bool = True

    def discard(self) -> None:
        self.drift, self.metrics = [], []

    def output_files(self) -> dict[str, Any]:
        if self.status == "Failed":
            return {}
        return {
            "statistics.json": self.statistics,
            "constraint_violations.json": {"violations": [v.to_json() for v in self.violations]},
            "metrics.json": {"metrics": self.metrics},
            "drift.json": {"alpha": self.alpha, "fdr": self.fdr, "dataset_drift": self.dataset_drift,
                           "drifted_features": self.drifted_features, "tests": [d.to_json() for d in self.drift]},
        }

    def summary(self) -> dict[str, Any]:
        return {
            **super().summary(),
            "item_count": self.item_count,
            "violations": len(self.violations),
            "violations_by_check": _count_by(v.constraint_check_type for v in self.violations),
            "bad_records": self.bad_records,
            "bad_records_summary": self.bad_records_summary,
            "dataset_drift": self.dataset_drift,
            "drifted_features": self.drifted_features,
        }


def _count_by(items: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for i in items:
        out[i] = out.get(i, 0) + 1
    return dict(sorted(out.items()))

# -- reading the window ----------------------------------------------------------------------


def _positional(frame: pl.DataFrame, baseline: Baseline) -> pl.DataFrame:
    """Capture payloads give `_c0.._cN`; a baseline with header names is matched by position
    (SageMaker requires the same features in the same order)."""
    names = list(baseline.features)
    cols = frame.columns
    if cols and all(re.fullmatch(r"_c\d+", c) for c in cols) and not all(re.fullmatch(r"_c\d+", n) for n in names):
        return frame.rename({c: names[i] for i, c in enumerate(cols) if i < len(names)})
    return frame

def _metrics(current: Profile, drift_values: dict[str, float], emit: bool) -> list[CloudWatchMetric]:
    if not emit:
        return []
    out: list[CloudWatchMetric] = []
    for name, col in current.columns.items():
        if col.moments is not None and col.moments.count:
            m = col.moments
            out.append({"MetricName": f"feature_data_{name}", "StatisticValues": {
                "SampleCount": m.count, "Sum": m.sum, "Minimum": m.min, "Maximum": m.max, "Average": m.mean}})
        out.append({"MetricName": f"feature_non_null_{name}", "Value": col.completeness})
        if name in drift_values:
            out.append({"MetricName": f"feature_baseline_drift_{name}", "Value": drift_values[name]})
    return out


# -- the run -----------------------------------------------------------------------------------


def _numeric_values(frame: pl.DataFrame, names: list[str]) -> dict[str, np.ndarray]:
    out = {}
    for n in names:
        if n in frame.columns:
            s = frame[n]
            if s.dtype == pl.String:
                s = s.str.strip_chars().cast(pl.Float64, strict=False)
            elif s.dtype.is_numeric():
                s = s.cast(pl.Float64)
            else:
                continue
            out[n] = s.filter(s.is_finite()).to_numpy()  # NaN and ±inf are missing, as in the profile
    return out


def run_monitor(
    baseline: str | Path | Baseline,
    data: Any,
    *,
    out: str | Path | None = None,
    start: datetime | str | None = None,
    end: datetime | str | None = None,
    on_bad_record: Literal["fail", "skip"] = "fail",
    has_header: bool = True,
    output_columns_position: Literal["START", "END"] = "START",
    baseline_data: Any = None,
    alpha: float = 0.05,
    fdr: bool = True,
    dataset_drift_share: float = 0.5,
    batch_rows: int = 500_000,
    progress: Callable[[int], None] | None = None,
) -> MonitorRun:
    """Run a data-quality monitor over ``data`` (a capture folder or file, a table path, or an
    in-memory table) in the window [start, end), against ``baseline``; write the outputs to
    ``out`` when given. A table on disk streams through in batches of ``batch_rows``, so it
    may be larger than memory. ``baseline_data`` (the raw training data) enables exact KS and
    Wasserstein tests in the drift table. ``alpha`` is the false-positive rate of the drift
    table's p-value tests (adjusted across features with Benjamini-Hochberg unless ``fdr`` is
    False) and of its calibrated distance thresholds. ``progress`` is called with the rows
    profiled so far after each batch.

    Bad arguments (a time that is not ISO 8601, ``alpha`` outside (0, 1), an ``out`` that is a
    file or holds files a monitor run does not write, such as a baseline or the input data)
    raise :class:`~driftline.errors.InvalidArgumentError` before anything is read or written.
    Bad data never raises: the run is Failed with its reason, and ``out`` then holds only
    ``monitoring_run.json``."""
    check_drift_arguments(alpha, dataset_drift_share)
    if not (isinstance(batch_rows, int) and batch_rows >= 1):
        raise InvalidArgumentError(f"batch_rows (--batch-rows) must be a positive whole number, got {batch_rows!r}")
    run = MonitorRun(start=to_utc(start, "start (--start)"), end=to_utc(end, "end (--end)"), alpha=alpha, fdr=fdr)
    check_window(run.start, run.end)
    folder = None if out is None else OutputFolder(out, RUN_FILES, "monitor run", inputs=[baseline, data, baseline_data], argument="out (--out)")

    def body() -> None:
        base = load_baseline(baseline)
        numeric = [n for n, f in base.features.items() if f.inferred_type in NUMERIC]
        current, raw = _profile_window(data, base, run, numeric, on_bad_record, has_header, output_columns_position, batch_rows, progress)
        base_raw: dict[str, np.ndarray] = {}
        if baseline_data is not None and current.item_count:
            from driftline.io import read_table

            bframe = baseline_data if isinstance(baseline_data, pl.DataFrame) else read_table(baseline_data, has_header=has_header).frame
            base_raw = _numeric_values(_positional(bframe, base), numeric)
        judge(run, base, current, raw, base_raw, dataset_drift_share)

    return execute(run, folder, body)


def check_drift_arguments(alpha: Any, dataset_drift_share: Any) -> None:
    """The drift table's arguments, refused before any work (every data-quality monitor)."""
    if not (isinstance(alpha, float | int) and 0 < alpha < 1):
        raise InvalidArgumentError(f"alpha (--alpha) must be between 0 and 1 (exclusive), got {alpha!r}")
    if not (isinstance(dataset_drift_share, float | int) and 0 < dataset_drift_share <= 1):
        raise InvalidArgumentError(f"dataset_drift_share must be in (0, 1], got {dataset_drift_share!r}")


def judge(run: MonitorRun, base: Baseline, current: Profile, raw: dict[str, np.ndarray], base_raw: dict[str, np.ndarray],
          dataset_drift_share: float) -> None:
    """Everything a data-quality run concludes from the window's profile, wherever it was built
    (one process, Spark): its statistics, SageMaker's checks, the drift table (with the raw
    values' exact tests where ``raw``/``base_raw`` hold them), the verdict and the metrics."""
    if current.item_count == 0:
        raise DriftlineError("no data in the analysis window (an empty window fails, as in SageMaker)")
    run.item_count = current.item_count
    run.statistics = statistics_json(current)
    cfg = base.monitoring_config
    run.violations, drift_values = run_checks(base, current)
    if str(cfg.get("evaluate_constraints", "Enabled")) != "Enabled":
        run.violations = []
    run.drift = drift_table(base, current, raw, base_raw, alpha=run.alpha, fdr=run.fdr)
    run.drifted_features = sorted({d.feature for d in run.drift if d.default and d.drift}
                                  | {v.feature_name for v in run.violations if v.constraint_check_type == "baseline_drift_check"})
    compared = {d.feature for d in run.drift if d.default}
    run.dataset_drift = bool(compared) and len(run.drifted_features) / len(compared) >= dataset_drift_share
    run.metrics = _metrics(current, drift_values, str(cfg.get("emit_metrics", "Enabled")) == "Enabled")


def _profile_window(
    data: Any,
    base: Baseline,
    run: MonitorRun,
    numeric: list[str],
    on_bad_record: Literal["fail", "skip"],
    has_header: bool,
    position: Literal["START", "END"],
    batch_rows: int,
    progress: Callable[[int], None] | None = None,
) -> tuple[Profile, dict[str, np.ndarray]]:
    """Profile of the window, and its raw numeric values when the window is held in memory
    (capture windows and in-memory tables). A table on disk streams through in batches, so
    it may be larger than memory; its drift table then bins with the window's sketch."""
    window = read_window(data, start=run.start, end=run.end, on_bad_record=on_bad_record, has_header=has_header,
                         output_columns_position=position, batch_rows=batch_rows)
    current = Profile()
    raw: dict[str, np.ndarray] = {}
    for frame in window.frames():
        frame = _positional(frame.drop(window.metadata_columns), base)
        current.update(frame)
        if window.in_memory:
            raw = _numeric_values(frame, numeric)
        if progress is not None:
            progress(current.item_count)
    run.add_bad_records(window.bad_records)
    return current, raw
