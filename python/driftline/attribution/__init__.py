"""Feature-attribution drift (SageMaker Clarify's Model Explainability Monitor, file-compatible).

- :func:`kernel_shap`: driftline's KernelSHAP for any model over a batch (coalition algebra in
  the Rust core); :func:`kmeans_background` summarises baseline data into a weighted background.
- :func:`suggest_attribution_baseline`: global SHAP values of baseline data as Clarify's
  ``analysis.json`` (from a model, or from attributions a user computed).
- :func:`run_attribution_monitor`: a window against the baseline: NDCG (Clarify's score, alarm
  below 0.9), Spearman rank correlation and per-feature changes, SageMaker's violation and
  metric files, on the shared run lifecycle (:mod:`driftline.runs`).
- :func:`load_config`: the attribution fields of a Clarify analysis configuration.
"""

from driftline.attribution.baseline import (
    AttributionBaseline, Attributions, aggregate, load_attribution_baseline, load_model, suggest_attribution_baseline,
)
from driftline.clarify.attribution import AGG_METHODS, AttributionConfig, load_config
from driftline.attribution.kernelshap import ShapValues, default_num_samples, kernel_shap, kmeans_background
from driftline.attribution.monitor import AttributionRun, run_attribution_monitor, spearman

__all__ = [
    "AGG_METHODS", "AttributionBaseline", "AttributionConfig", "AttributionRun", "Attributions", "ShapValues", "aggregate",
    "default_num_samples", "kernel_shap", "kmeans_background", "load_attribution_baseline", "load_config", "load_model",
    "run_attribution_monitor", "spearman", "suggest_attribution_baseline",
]
