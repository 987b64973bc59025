"""The attribution monitor's documents: Clarify's ``analysis.json`` (explanations part),
``constraint_violations.json`` entries, and driftline's ``attribution_drift.json`` and
``shap_background.json`` beside them."""

from __future__ import annotations

from typing import TypedDict

__all__ = [
    "AnalysisDoc", "AttributionDriftDoc", "AttributionMetric", "MetricDimension", "AttributionViolation", "BackgroundDoc", "Explanations", "FeatureChange",
    "LabelDrift", "LabelExplanation",
]


class LabelExplanation(TypedDict):
    """``explanations.kernel_shap.<label>``: the global SHAP value of each feature (aggregated
    with ``agg_method``) and E[f] over the background (``None`` for supplied attributions
    without an ``expected_value`` column)."""

    global_shap_values: dict[str, float]
    expected_value: float | None


class Explanations(TypedDict):
    kernel_shap: dict[str, LabelExplanation]


class AnalysisDoc(TypedDict):
    """Clarify's ``analysis.json`` as the explainability job writes it (the baseline job's is the
    monitor's constraints)."""

    version: str
    explanations: Explanations


class AttributionViolation(TypedDict):
    """One ``feature_attribution_drift_check`` entry of ``constraint_violations.json``."""

    label: str
    metric_name: str
    constraint_check_type: str
    description: str


class FeatureChange(TypedDict):
    """One feature of a label in ``attribution_drift.json``: its global SHAP value in the
    baseline and in the window, the change, and its rank in each (1 = most important)."""

    feature: str
    baseline: float
    current: float
    change: float
    relative_change: float | None
    baseline_rank: int
    current_rank: int


class LabelDrift(TypedDict):
    label: str
    ndcg: float
    threshold: float
    drift: bool
    spearman: float | None
    features: list[FeatureChange]


class AttributionDriftDoc(TypedDict):
    """driftline's ``attribution_drift.json``: per label, NDCG (Clarify's score), the Spearman
    rank correlation of the features' importances, and each feature's change, largest first."""

    agg_method: str
    labels: list[LabelDrift]


class BackgroundDoc(TypedDict):
    """``shap_background.json`` in a baseline folder: the KernelSHAP background the baseline used,
    so a monitor explains its window against the same one."""

    features: list[str]
    rows: list[list[float]]
    weights: list[float]
    source: str


class MetricDimension(TypedDict):
    Name: str
    Value: str


class AttributionMetric(TypedDict):
    """One entry of ``metrics.json``: ``feature_<name>`` or ``ExpectedValue``, with SageMaker's
    dimensions (``ExplainabilityMethod``, ``Label``, ``ValueType``)."""

    MetricName: str
    Value: float
    Dimensions: list[MetricDimension]
