"""Model-quality monitoring, as SageMaker Model Monitor's model-quality jobs (research notes §4):
captured predictions are joined with ground truth that arrives later, SageMaker's metrics are
computed over the analysis window and checked against the constraints suggested at baseline
time; before the labels arrive, confidence-based performance estimation (:mod:`driftline.estimate`)
tells how the model is probably doing.

Pieces, each usable on its own:

- :func:`parse_offset` / :func:`analysis_window`: SageMaker's ``-P8D`` / ``-PT5H`` offsets from
  the run time;
- :func:`select_outputs`: the ``inference_attribute`` / ``probability_attribute`` /
  ``probability_threshold_attribute`` of SageMaker's inputs;
- :func:`merge_ground_truth`: the join on ``inferenceId`` (else ``eventId``), with a
  :class:`MergeReport` of matched, unlabelled, orphan and duplicate records;
- :func:`model_quality_statistics`: the statistics document (SageMaker's metric names and
  layout), each scalar with SageMaker's ``standard_deviation`` and driftline's bootstrap
  ``confidence_interval``;
- :func:`suggest_model_quality_baseline` / :func:`load_model_quality_baseline`: baseline files;
- :func:`run_model_quality_monitor`: one monitoring run, with its output files.

Labels are compared as text after one normalisation: surrounding spaces are stripped, and a
number with an integral value is written as an integer (``"1.0"`` and ``"1"`` are one class), so
that labels from CSV, JSON and typed tables agree.
"""

from __future__ import annotations

from driftline.model_quality._common import (
    BASELINE_FILES,
    COMPARISON_OPERATORS,
    MAX_BOOTSTRAP,
    PROBLEM_TYPES,
    RUN_FILES,
)
from driftline.model_quality.baseline import (
    ModelQualityBaseline,
    load_model_quality_baseline,
    suggest_model_quality_baseline,
)
from driftline.model_quality.constraints import check_constraints, suggest_constraints
from driftline.model_quality.merge import MergeReport, merge_ground_truth
from driftline.model_quality.monitor import ModelQualityRun, run_model_quality_monitor
from driftline.model_quality.outputs import select_outputs
from driftline.model_quality.statistics import model_quality_statistics
from driftline.model_quality.window import analysis_window, parse_offset

__all__ = [
    "BASELINE_FILES",
    "COMPARISON_OPERATORS",
    "MAX_BOOTSTRAP",
    "MergeReport",
    "ModelQualityBaseline",
    "ModelQualityRun",
    "PROBLEM_TYPES",
    "RUN_FILES",
    "analysis_window",
    "check_constraints",
    "load_model_quality_baseline",
    "merge_ground_truth",
    "model_quality_statistics",
    "parse_offset",
    "run_model_quality_monitor",
    "select_outputs",
    "suggest_constraints",
    "suggest_model_quality_baseline",
]
