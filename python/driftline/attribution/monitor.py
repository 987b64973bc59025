"""Feature-attribution drift runs: a window's global SHAP values against the baseline's, with
Clarify's NDCG score.

A run writes into its output folder:

- ``analysis.json``: the window's global SHAP values (Clarify's layout, as the baseline's);
- ``constraint_violations.json``: ``{"version": "1.0", "violations": [{"label", "metric_name":
  "shap", "constraint_check_type": "feature_attribution_drift_check", "description"}]}``, one per
  label whose NDCG is below the threshold (0.9, Clarify's fixed value, by default);
- ``metrics.json``: ``feature_<name>`` (global SHAP value) and ``ExpectedValue`` per label, with
  SageMaker's dimensions ``Label`` and ``ValueType``;
- ``attribution_drift.json``: per label, NDCG, the Spearman rank correlation of the features'
  importances, and each feature's baseline and current value, change and ranks, largest change
  first, so a user sees which features moved;
- ``monitoring_run.json``: status, reason, window, rows, NDCG per label;
- ``explanations_shap/out.csv`` when the config's ``save_local_shap_values`` is true: the window's
  local SHAP values, as in the baseline (:func:`~driftline.attribution.baseline.local_values_csv`).

NDCG follows ``sklearn.metrics.ndcg_score([baseline], [current])`` (:func:`driftline.stats.ndcg`):
the baseline values are the gains and the window's only order the features. Gains must be
non-negative; with ``agg_method="median"`` (signed values) both sides are compared by magnitude.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from driftline._outputs import OutputFolder, finite_or_none
from driftline.attribution.baseline import (
    LOCAL_VALUES, Attributions, analysis_doc, background, file_attributions, load_attribution_baseline, load_model,
    local_values_csv, model_attributions, positional,
)
from driftline.clarify.attribution import AttributionConfig, load_config
from driftline.attribution.kernelshap import F64, Model, ModelInput
from driftline.errors import DriftlineError, InvalidArgumentError, InvalidInputError
from driftline.formats.attribution import (
    AnalysisDoc, AttributionDriftDoc, AttributionMetric, AttributionViolation, FeatureChange, LabelDrift,
)
from driftline.io import read_window, to_utc
from driftline.runs import Run, execute
from driftline.stats import ndcg

__all__ = ["RUN_FILES", "AttributionRun", "run_attribution_monitor", "spearman"]

RUN_FILES = ("analysis.json", "constraint_violations.json", "metrics.json", "attribution_drift.json", "monitoring_run.json",
             "explanations_shap")
DEFAULT_THRESHOLD = 0.9


def _ranks(x: F64) -> F64:
    """Average ranks (1 = smallest), ties sharing their mean rank."""
    order = np.argsort(x, kind="stable")
    ranks = np.empty(len(x))
    sx = x[order]
    i = 0
    while i < len(x):
        j = i
        while j + 1 < len(x) and sx[j + 1] == sx[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def spearman(a: F64, b: F64) -> float | None:
    """Spearman's rank correlation (average ranks for ties); ``None`` when either side is constant."""
    ra, rb = _ranks(np.asarray(a, dtype=np.float64)), _ranks(np.asarray(b, dtype=np.float64))
    da, db = ra - ra.mean(), rb - rb.mean()
    den = float(np.sqrt((da**2).sum() * (db**2).sum()))
    return None if den == 0 else float((da * db).sum() / den)


def _importance_rank(x: F64) -> list[int]:
    """Rank by decreasing value, 1 = most important (ties by feature order)."""
    order = np.argsort(-x, kind="stable")
    ranks = np.empty(len(x), dtype=np.int64)
    ranks[order] = np.arange(1, len(x) + 1)
    return [int(r) for r in ranks]


@dataclass
class AttributionRun(Run):
    """A feature-attribution drift run."""

    analysis: AnalysisDoc | None = None
    metrics: list[AttributionMetric] = field(default_factory=list)
    drift: AttributionDriftDoc | None = None
    ndcg: dict[str, float] = field(default_factory=dict)
    threshold: float = DEFAULT_THRESHOLD
    item_count: int = 0
    model_rows: int = 0
    model_seconds: float = 0.0
    local_values: bytes | None = None  # explanations_shap/out.csv, with save_local_shap_values

    def discard(self) -> None:
        self.analysis, self.metrics, self.drift, self.ndcg, self.local_values = None, [], None, {}, None

    def output_files(self) -> dict[str, Any]:
        if self.status == "Failed":
            return {}
        files: dict[str, Any] = {
            "analysis.json": self.analysis,
            "constraint_violations.json": {"version": "1.0", "violations": list(self.violations)},
            "metrics.json": {"metrics": self.metrics},
            "attribution_drift.json": self.drift,
        }
        if self.local_values is not None:
            files[LOCAL_VALUES] = self.local_values
        return files

    def summary(self) -> dict[str, Any]:
        return {
            **super().summary(),
            "item_count": self.item_count,
            "violations": len(self.violations),
            "threshold": self.threshold,
            "ndcg": self.ndcg,
            "model_rows": self.model_rows,
            "bad_records": self.bad_records,
            "bad_records_summary": self.bad_records_summary,
        }


def compare(baseline: AnalysisDoc, current: AnalysisDoc, agg_method: str, threshold: float,
            ) -> tuple[AttributionDriftDoc, list[AttributionViolation], dict[str, float]]:
    """NDCG, Spearman and per-feature changes of every label of ``current`` against ``baseline``."""
    base_labels = baseline["explanations"]["kernel_shap"]
    labels: list[LabelDrift] = []
    violations: list[AttributionViolation] = []
    scores: dict[str, float] = {}
    for label, cur in current["explanations"]["kernel_shap"].items():
        if label not in base_labels:
            raise InvalidInputError(f"the baseline has no label {label!r} (it has {', '.join(map(repr, base_labels))}): "
                                    "the model returns more outputs than the baseline's")
        bvals = base_labels[label]["global_shap_values"]
        cvals = cur["global_shap_values"]
        missing = [f for f in cvals if f not in bvals] + [f for f in bvals if f not in cvals]
        if missing:
            raise InvalidInputError(f"feature {missing[0]!r} is in {'the window' if missing[0] in cvals else 'the baseline'} "
                                    "but not in the other: baseline and window must explain the same features")
        feats = list(bvals)
        b = np.array([float(bvals[f]) for f in feats])
        c = np.array([float(cvals[f]) for f in feats])
        gains, order = (np.abs(b), np.abs(c)) if (b < 0).any() or (c < 0).any() else (b, c)
        score = float(ndcg(gains, order))
        scores[label] = score
        drift = score < threshold
        if drift:
            violations.append({"label": label, "metric_name": "shap", "constraint_check_type": "feature_attribution_drift_check",
                               "description": f"Feature attribution drift {score} exceeds threshold {threshold}"})
        brank, crank = _importance_rank(gains), _importance_rank(order)
        changes: list[FeatureChange] = [
            {"feature": f, "baseline": float(b[i]), "current": float(c[i]), "change": float(c[i] - b[i]),
             "relative_change": finite_or_none(float((c[i] - b[i]) / abs(b[i]))) if b[i] != 0 else None,
             "baseline_rank": brank[i], "current_rank": crank[i]}
            for i, f in enumerate(feats)
        ]
        changes.sort(key=lambda x: -abs(x["change"]))
        labels.append({"label": label, "ndcg": score, "threshold": threshold, "drift": drift,
                       "spearman": spearman(gains, order), "features": changes})
    return {"agg_method": agg_method, "labels": labels}, violations, scores


def metrics_of(analysis: AnalysisDoc) -> list[AttributionMetric]:
    out: list[AttributionMetric] = []
    for label, entry in analysis["explanations"]["kernel_shap"].items():
        for f, v in entry["global_shap_values"].items():
            out.append({"MetricName": f"feature_{f}", "Value": v, "Dimensions": [
                {"Name": "ExplainabilityMethod", "Value": "KernelShap"}, {"Name": "Label", "Value": label},
                {"Name": "ValueType", "Value": "GlobalShapValues"}]})
        ev = entry["expected_value"]
        if ev is not None:
            out.append({"MetricName": "ExpectedValue", "Value": ev, "Dimensions": [
                {"Name": "ExplainabilityMethod", "Value": "KernelShap"}, {"Name": "Label", "Value": label},
                {"Name": "ValueType", "Value": "ExpectedValue"}]})
    return out


def run_attribution_monitor(
    baseline: str | os.PathLike[str],
    config: str | os.PathLike[str] | dict[str, Any] | AttributionConfig | None,
    data: Any,
    *,
    model: str | Model | None = None,
    attributions: Any = None,
    out: str | os.PathLike[str] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    start: datetime | str | None = None,
    end: datetime | str | None = None,
    model_input: ModelInput = "numpy",
) -> AttributionRun:
    """Run a feature-attribution drift monitor: explain ``data`` (a table path, a capture folder
    filtered to [start, end), or a Polars/pandas frame) with ``model`` (driftline's KernelSHAP,
    against the config's background or the baseline's saved one) or take ``attributions`` (one
    column per feature), aggregate them with the config's ``agg_method``, and compare them with
    the baseline folder's ``analysis.json`` by NDCG; NDCG below ``threshold`` is a
    ``feature_attribution_drift_check`` violation. Writes the run's files into ``out`` when given.

    Bad arguments raise :class:`~driftline.errors.InvalidArgumentError` before anything is read;
    bad data (a missing column, a model that raises or returns the wrong shape) fails the run
    with its reason, and ``out`` then holds only ``monitoring_run.json``."""
    if (model is None) == (attributions is None):
        raise InvalidArgumentError("give exactly one of model (--model) and attributions (--attributions)")
    if not (isinstance(threshold, float | int) and 0 <= threshold <= 1):
        raise InvalidArgumentError(f"threshold (--threshold) must be in [0, 1], got {threshold!r}")
    run = AttributionRun(start=to_utc(start, "start (--start)"), end=to_utc(end, "end (--end)"), threshold=float(threshold))
    folder = None if out is None else OutputFolder(out, RUN_FILES, "attribution monitor run", inputs=[baseline, data, attributions],
                                                   argument="out (--out)")

    def body() -> None:
        cfg = load_config(config)
        base_doc, saved_bg = load_attribution_baseline(baseline)
        fn = load_model(model) if model is not None else None
        window = read_window(data, start=run.start, end=run.end)
        frame = window.collect().drop(window.metadata_columns)
        run.add_bad_records(window.bad_records)
        if window.output_columns:
            frame = frame.drop([c for c in window.output_columns if c in frame.columns])
        frame = positional(frame, cfg)
        if frame.height == 0:
            raise DriftlineError("no data in the analysis window (an empty window fails, as in SageMaker)")
        run.item_count = frame.height
        features = cfg.features(frame.columns)
        absent = [f for f in features if f not in frame.columns]
        if absent:
            raise InvalidInputError(f"the data has no column {absent[0]!r} (a feature of the config's headers); its columns: "
                                    f"{', '.join(frame.columns[:8])}")
        att: Attributions
        if fn is None:
            att = file_attributions(attributions, features, cfg, rows=frame.height)
        else:
            bg = background(cfg, features, None, saved_bg)
            att = model_attributions(cfg, fn, frame, features, bg, model_input)
            if att.shap is not None:
                run.model_rows, run.model_seconds = att.shap.model_rows, att.shap.model_seconds
        run.analysis = analysis_doc(att, cfg.agg_method)
        run.drift, violations, run.ndcg = compare(base_doc, run.analysis, cfg.agg_method, run.threshold)
        run.violations = list(violations)
        run.metrics = metrics_of(run.analysis)
        if cfg.save_local_shap_values:
            run.local_values = local_values_csv(att)

    return execute(run, folder, body)

