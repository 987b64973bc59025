"""The documents of SageMaker Model Monitor that driftline's runs write, as TypedDicts, so the
code that builds them is checked against their shape (field by field:
../shared/research/sagemaker_model_monitor.md in the project's workspace, and SageMaker's
documentation of constraint_violations.json and its CloudWatch metrics)."""

from __future__ import annotations

from typing import TypedDict

__all__ = ["CloudWatchMetric", "DriftRow", "FeatureViolation", "MetricViolationDoc", "StatisticValues"]


class FeatureViolation(TypedDict):
    """One entry of a data-quality ``constraint_violations.json``."""

    feature_name: str
    constraint_check_type: str
    description: str


class MetricViolationDoc(TypedDict):
    """One entry of a model-quality ``constraint_violations.json``."""

    constraint_check_type: str
    description: str
    metric_name: str


class StatisticValues(TypedDict):
    SampleCount: int
    Sum: float
    Minimum: float
    Maximum: float
    Average: float


class CloudWatchMetric(TypedDict, total=False):
    """One entry of ``metrics.json``: a value, or a statistic set (``feature_data_*``)."""

    MetricName: str
    Value: float
    StatisticValues: StatisticValues


class DriftRow(TypedDict):
    """One row of driftline's ``drift.json`` (beside SageMaker's files, not inside them)."""

    feature: str
    test: str
    statistic: float | None
    pvalue: float | None
    pvalue_adjusted: float | None
    threshold: float
    drift: bool
    default: bool
    note: str
