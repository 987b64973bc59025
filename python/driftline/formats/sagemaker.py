"""The documents of SageMaker Model Monitor that driftline's runs write, as TypedDicts, so the
code that builds them is checked against their shape (field by field:
../shared/research/sagemaker_model_monitor.md in the project's workspace, and SageMaker's
documentation of constraint_violations.json and its CloudWatch metrics)."""

from __future__ import annotations

from typing import Any, TypedDict

__all__ = [
    "CloudWatchMetric", "CommonStatistics", "ConstraintsDoc", "DatasetStatistics", "DistributionConstraints", "DriftRow",
    "CategoryBucket", "FeatureConstraints", "FeatureStatistics", "FeatureViolation", "KllBucket", "KllDistribution", "MetricViolationDoc", "MonitoringConfig",
    "NumericalStatistics", "StatisticValues", "StatisticsDoc", "StringStatistics",
]


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


# -- statistics.json (data quality) ---------------------------------------------------------------


class CommonStatistics(TypedDict):
    num_present: int
    num_missing: int


class KllBucket(TypedDict):
    lower_bound: float
    upper_bound: float
    count: float


class KllDistribution(TypedDict):
    """``distribution.kll``: ten equal-width buckets and the sketch (``parameters``, ``data``)."""

    buckets: list[KllBucket]
    sketch: dict[str, Any]


class NumericalStatistics(TypedDict):
    common: CommonStatistics
    mean: float | None
    sum: float | None
    std_dev: float | None
    min: float | None
    max: float | None
    distribution: dict[str, KllDistribution]  # {"kll": ...}


class CategoryBucket(TypedDict):
    value: str
    count: int


class StringStatistics(TypedDict):
    common: CommonStatistics
    distinct_count: float
    distribution: dict[str, dict[str, list[CategoryBucket]]]  # {"categorical": {"buckets": [...]}}


class FeatureStatistics(TypedDict, total=False):
    """One feature: ``name`` and ``inferred_type`` always, then numerical or string statistics."""

    name: str
    inferred_type: str
    numerical_statistics: NumericalStatistics
    string_statistics: StringStatistics


class DatasetStatistics(TypedDict):
    item_count: int


class StatisticsDoc(TypedDict, total=False):
    """A data-quality ``statistics.json`` (SageMaker writes all three keys; a baseline made of a
    ``constraints.json`` alone has an empty one)."""

    version: float
    dataset: DatasetStatistics
    features: list[FeatureStatistics]


# -- constraints.json (data quality) --------------------------------------------------------------


class DistributionConstraints(TypedDict, total=False):
    perform_comparison: str
    comparison_threshold: float
    comparison_method: str
    categorical_comparison_threshold: float
    categorical_drift_method: str


class MonitoringConfig(TypedDict, total=False):
    evaluate_constraints: str
    emit_metrics: str
    datatype_check_threshold: float
    domain_content_threshold: float
    distribution_constraints: DistributionConstraints


class FeatureConstraints(TypedDict, total=False):
    """One feature: ``name``, ``inferred_type`` and ``completeness``, then ``num_constraints``
    (``is_non_negative``) or ``string_constraints`` (``domains``), and per-feature
    ``monitoring_config_overrides``."""

    name: str
    inferred_type: str
    completeness: float
    num_constraints: dict[str, bool]
    string_constraints: dict[str, list[str]]
    monitoring_config_overrides: dict[str, Any]


class ConstraintsDoc(TypedDict, total=False):
    """A data-quality ``constraints.json``."""

    version: float
    features: list[FeatureConstraints]
    monitoring_config: MonitoringConfig
