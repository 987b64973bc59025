"""What the model-quality modules share: problem types, limits, file names, argument checks naming their CLI flags, and reading a table."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any, Literal

import polars as pl

from driftline.errors import (
    InvalidArgumentError,
)

ProblemType = Literal["BinaryClassification", "MulticlassClassification", "Regression"]


PROBLEM_TYPES: tuple[str, ...] = ("BinaryClassification", "MulticlassClassification", "Regression")


_SECTION = {
    "BinaryClassification": "binary_classification",
    "MulticlassClassification": "multiclass_classification",
    "Regression": "regression",
}


COMPARISON_OPERATORS = ("LessThanThreshold", "GreaterThanThreshold", "LessThanOrEqualToThreshold", "GreaterThanOrEqualToThreshold")


# Metrics whose constraint is an upper bound (an error or a miss rate); the rest are lower bounds.
_LOWER_IS_BETTER = {"mae", "mse", "rmse", "false_positive_rate", "false_negative_rate"}


# Metrics that get a suggested constraint (the best-constant values are reference points).
CONSTRAINED = {
    "Regression": ("mae", "mse", "rmse", "r2"),
    "BinaryClassification": ("recall", "precision", "accuracy", "true_positive_rate", "true_negative_rate",
                             "false_positive_rate", "false_negative_rate", "auc", "f0_5", "f1", "f2"),
    "MulticlassClassification": ("accuracy", "weighted_recall", "weighted_precision", "weighted_f0_5", "weighted_f1", "weighted_f2"),
}


STD_MIN_SAMPLES = 200  # SageMaker gives standard_deviation from 200 samples on


STD_SUBSAMPLES = 5  # ... computed over 5 random subsamples


STD_FRACTION = 0.8  # ... of 80 % of the data each


CURVE_POINTS = 1000  # curves in statistics.json are thinned to about this many points


BOOTSTRAP_MAX_ROWS = 100_000  # larger windows are bootstrapped on a subsample of this size


BOOTSTRAP_CHUNK_VALUES = 1 << 22  # resample weights held at once (32 MiB of float64)


MAX_BOOTSTRAP = 100_000  # resamples: the 2.5 % tails need a few thousand; more costs time, not precision


MAX_SEED = 2**63 - 1


Status = Literal["Completed", "CompletedWithViolations", "Failed"]


# The files a baseline folder and a run folder may hold (driftline._outputs.OutputFolder's rule).
BASELINE_FILES = ("statistics.json", "constraints.json", "cbpe.json", "dle.json", "model_quality.json")


RUN_FILES = ("statistics.json", "constraint_violations.json", "metrics.json", "merge_report.json", "estimated_performance.json",
             "segments.json", "monitoring_run.json")


_BASELINE_FORMAT = "driftline.model_quality_baseline"  # model_quality.json: what SageMaker's files do not hold


# Python keyword -> CLI flag, so that a message reads for both kinds of user.
_FLAGS = {
    "problem_type": "--problem-type", "inference_attribute": "--inference-attribute", "probability_attribute": "--probability-attribute",
    "probability_threshold_attribute": "--probability-threshold-attribute", "ground_truth_attribute": "--ground-truth-attribute",
    "positive_label": "--positive-label", "bootstrap": "--bootstrap", "seed": "--seed", "slack": "--slack", "tolerance": "--tolerance",
    "dle_features": "--dle-features", "segment_by": "--segment-by", "start_offset": "--start-time-offset",
    "end_offset": "--end-time-offset", "start": "--start", "end": "--end", "allow_threshold_change": "--allow-threshold-change",
    "on_bad_record": "--on-bad-record",
}


def _arg(name: str) -> str:
    """``name (--flag)``: an argument as both the Python API and the CLI call it."""
    return f"{name} ({_FLAGS[name]})" if name in _FLAGS else name


def _check_count(value: Any, name: str, low: int, high: int) -> int:
    """An integer argument in ``[low, high]``, else InvalidArgumentError naming it (and its flag)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidArgumentError(f"{_arg(name)} must be an integer, got {value!r}")
    n = int(value)
    if n < low:
        raise InvalidArgumentError(f"{_arg(name)} must be >= {low}, got {n}")
    if n > high:
        raise InvalidArgumentError(f"{_arg(name)} must be at most {high:,}, got {n:,}")
    return n


def _check_real(value: Any, name: str, low: float = 0.0, high: float = math.inf) -> float:
    """A finite number in ``[low, high]``, else InvalidArgumentError naming it (and its flag)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(float(value)):
        raise InvalidArgumentError(f"{_arg(name)} must be a finite number, got {value!r}")
    if not low <= float(value) <= high:
        where = f">= {low:g}" if high == math.inf else f"in [{low:g}, {high:g}]"
        raise InvalidArgumentError(f"{_arg(name)} must be {where}, got {value!r}")
    return float(value)


def _check_resampling(bootstrap: Any, seed: Any) -> None:
    """``bootstrap`` resamples in ``[0, MAX_BOOTSTRAP]`` and ``seed`` in ``[0, 2**63)``, checked
    before anything is read or allocated."""
    _check_count(bootstrap, "bootstrap", 0, MAX_BOOTSTRAP)
    _check_count(seed, "seed", 0, MAX_SEED)


def _input_paths(inputs: Iterable[Any]) -> list[Any]:
    """The inputs a run or baseline reads, lists of paths flattened (for OutputFolder's check)."""
    out: list[Any] = []
    for i in inputs:
        if isinstance(i, list | tuple):
            out.extend(i)
        elif i is not None:
            out.append(i)
    return out


def _table(data: Any, has_header: bool) -> pl.DataFrame:
    if isinstance(data, pl.DataFrame):
        return data
    from driftline.io import read_table

    return read_table(data, has_header=has_header).frame
