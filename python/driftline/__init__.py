"""driftline: monitoring machine-learning models in production.

What users import is named here: data quality (:func:`suggest_baseline`, :func:`load_baseline`,
:func:`run_monitor`), A/B tests of model variants (:func:`run_abtest`), model quality (:func:`suggest_model_quality_baseline`,
:func:`load_model_quality_baseline`, :func:`run_model_quality_monitor`), performance estimated
before labels arrive (:class:`CBPE`, :class:`DLE`), profiles (:class:`Profile`), and the modules
:mod:`stats` (the Rust kernels' scipy-like face), :mod:`metrics` (scikit-learn-like model metrics)
and :mod:`errors`.
"""

from __future__ import annotations

from driftline import errors, metrics, stats
from driftline.abtest import ABTestRun, run_abtest
from driftline.benchdrift import bench_drift
from driftline._core import __version__
from driftline.data_quality import Baseline, MonitorRun, load_baseline, run_monitor, suggest_baseline
from driftline.estimate import CBPE, DLE
from driftline.model_quality import (
    ModelQualityBaseline,
    ModelQualityRun,
    load_model_quality_baseline,
    run_model_quality_monitor,
    suggest_model_quality_baseline,
)
from driftline.profile import ColumnProfile, Profile

__all__ = [
    "ABTestRun",
    "CBPE",
    "DLE",
    "Baseline",
    "ColumnProfile",
    "ModelQualityBaseline",
    "ModelQualityRun",
    "MonitorRun",
    "Profile",
    "__version__",
    "bench_drift",
    "errors",
    "load_baseline",
    "load_model_quality_baseline",
    "metrics",
    "run_abtest",
    "run_model_quality_monitor",
    "run_monitor",
    "stats",
    "suggest_baseline",
    "suggest_model_quality_baseline",
]
