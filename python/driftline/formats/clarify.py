"""The documents of SageMaker Clarify's bias monitor that driftline writes, as TypedDicts
(``../shared/research/bias_attribution_ab.md`` §1.6, ``sagemaker_model_monitor.md`` §5.2)."""

from __future__ import annotations

from typing import Any, TypedDict

__all__ = ["AnalysisDoc", "BiasMetricDoc", "BiasStageDoc", "BiasViolation", "BiasCloudWatchMetric", "FacetValueDoc"]


class BiasMetricDoc(TypedDict, total=False):
    """``{name, description, value}`` (+ ``error`` when the value is null)."""

    name: str
    description: str
    value: float | str | None
    error: str


class FacetValueDoc(TypedDict):
    value_or_threshold: str
    metrics: list[dict[str, Any]]


class BiasStageDoc(TypedDict):
    """``pre_training_bias_metrics`` / ``post_training_bias_metrics``."""

    label: str
    label_value_or_threshold: str
    facets: dict[str, list[FacetValueDoc]]


class AnalysisDoc(TypedDict, total=False):
    """Clarify's ``analysis.json`` (also the bias monitor's ``constraints.json``)."""

    version: str
    pre_training_bias_metrics: BiasStageDoc
    post_training_bias_metrics: BiasStageDoc


class BiasViolation(TypedDict):
    """One entry of a bias-drift ``constraint_violations.json``."""

    facet: str
    facet_value: str
    metric_name: str
    constraint_check_type: str
    description: str


class BiasCloudWatchMetric(TypedDict):
    """One entry of a bias run's ``metrics.json``: ``bias_metric_<NAME>`` with its dimensions."""

    MetricName: str
    Value: float
    Dimensions: dict[str, str]
