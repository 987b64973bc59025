"""Data-quality monitoring, as SageMaker Model Monitor's data-quality jobs: a baseline built from
training data (:mod:`~driftline.data_quality.baseline`), the six checks
(:mod:`~driftline.data_quality.checks`), driftline's drift table
(:mod:`~driftline.data_quality.drift`) and the run (:mod:`~driftline.data_quality.monitor`)."""

from __future__ import annotations

from driftline.data_quality.baseline import Baseline, BaselineFeature, load_baseline, statistics_json, suggest_baseline
from driftline.data_quality.checks import ROBUST_C, Violation
from driftline.data_quality.drift import DriftTest
from driftline.data_quality.monitor import MonitorRun, run_monitor

__all__ = [
    "ROBUST_C",
    "Baseline",
    "BaselineFeature",
    "DriftTest",
    "MonitorRun",
    "Violation",
    "load_baseline",
    "run_monitor",
    "statistics_json",
    "suggest_baseline",
]
