"""``run_bias_monitor``: a window's bias metrics against a bias baseline, with SageMaker's
bias-drift outputs.

A run writes into its output folder:

- ``analysis.json``: the window's Clarify analysis (same shape as the baseline's);
- ``constraint_violations.json``: ``{"version": "1.0", "violations": [{facet, facet_value,
  metric_name, constraint_check_type: "bias_drift_check", description}]}``;
- ``metrics.json``: ``bias_metric_<NAME>`` per stage, facet and facet value (dimensions
  ``BiasStage``, ``Label``, ``LabelValue``, ``Facet``, ``FacetValue``), infinities as
  SageMaker publishes them (+-2.348543e108), null metrics left out;
- ``monitoring_run.json``: status and reason, window, rows, violations, the rule.

Two rules decide a violation (``rule``):

- ``"worse-than-baseline"`` (SageMaker's documented rule): the window's value is farther from the
  metric's parity point (0; 1 for DI) than the baseline's;
- ``"confidence-interval"`` (Clarify's documented bootstrap rule): the window's normal bootstrap
  interval (``confidence``, ``bootstrap`` resamples of the count tensor, seeded) is disjoint from
  the allowed range: ``allowed_ranges[metric]`` when given, else the values no worse than the
  baseline's, ``[p - |b - p|, p + |b - p|]``, widened to at least Clarify's example tolerance of
  0.1 around parity (the four-fifths rule, 0.8-1.25, for DI). It does not alarm on small windows,
  whose intervals are wide. FT's interval resamples its flips among group d (the kNN fit kept).

A metric null in the window or the baseline (undefined: e.g. a facet value absent from the
window) is never a violation; its reason is in ``analysis.json``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import polars as pl

from driftline._outputs import OutputFolder
from driftline.bias.baseline import BiasBaseline, load_bias_baseline
from driftline.bias.metrics import PARITY
from driftline.bias.report import STAGES, BiasAnalysis, FacetValueResult, analyze, bootstrap, to_frame
from driftline.clarify.config import AnalysisConfig, load_analysis_config
from driftline.errors import InvalidArgumentError, InvalidInputError
from driftline.formats.clarify import AnalysisDoc, BiasCloudWatchMetric, BiasViolation
from driftline.runs import Run, execute

__all__ = ["BiasRun", "RUN_FILES", "Rule", "run_bias_monitor"]

RUN_FILES = ("analysis.json", "constraint_violations.json", "metrics.json", "monitoring_run.json")
CLOUDWATCH_INFINITY = 2.348543e108
Rule = Literal["worse-than-baseline", "confidence-interval"]
STAGE_DIMENSION = {"pre_training_bias_metrics": "Pre-training", "post_training_bias_metrics": "Post-Training"}


@dataclass
class BiasRun(Run):
    """A bias-drift run: the window's analysis, violations and CloudWatch metrics."""

    analysis: AnalysisDoc = field(default_factory=lambda: AnalysisDoc())
    metrics: list[BiasCloudWatchMetric] = field(default_factory=list)
    intervals: list[dict[str, Any]] = field(default_factory=list)
    item_count: int = 0
    rule: str = "worse-than-baseline"

    def discard(self) -> None:
        self.metrics, self.intervals = [], []

    def output_files(self) -> dict[str, Any]:
        if self.status == "Failed":
            return {}
        return {"analysis.json": self.analysis,
                "constraint_violations.json": {"version": "1.0", "violations": list(self.violations)},
                "metrics.json": {"metrics": self.metrics}}

    def summary(self) -> dict[str, Any]:
        return {**super().summary(), "item_count": self.item_count, "violations": len(self.violations), "rule": self.rule,
                "bad_records": self.bad_records, "bad_records_summary": self.bad_records_summary,
                **({"intervals": self.intervals} if self.intervals else {})}


def _value(v: Any) -> float | None:
    if v is None:
        return None
    if isinstance(v, str):
        return {"Infinity": math.inf, "-Infinity": -math.inf}.get(v)
    return float(v)


def _entries(doc: AnalysisDoc) -> Iterator[tuple[str, Any, str, Any, Any]]:
    """Every metric entry of an analysis document: (stage, the stage's document, facet, the facet
    value's entry, the metric's entry)."""
    for stage in STAGES:
        sdoc: Any = doc.get(stage)
        if not sdoc:
            continue
        for facet, values in sdoc["facets"].items():
            for v in values:
                for m in v.get("metrics", []):
                    yield stage, sdoc, facet, v, m


def _baseline_values(doc: AnalysisDoc) -> dict[tuple[str, str, str, str], float | None]:
    return {(stage, facet, str(v["value_or_threshold"]), m["name"]): _value(m.get("value")) for stage, _, facet, v, m in _entries(doc)}


def _fmt(x: float) -> str:
    return "Infinity" if x == math.inf else "-Infinity" if x == -math.inf else repr(float(x))


# The default tolerance around parity of the confidence-interval rule: Clarify's documented example
# (an allowed range (-0.1, 0.1) for DPPL) for the difference metrics, the four-fifths rule for DI.
DEFAULT_TOLERANCE = 0.1
DI_RANGE = (0.8, 1.25)


def _allowed(name: str, base: float, ranges: dict[str, tuple[float, float]] | None) -> tuple[float, float]:
    """The allowed range of a metric: ``ranges[name]`` when given, else every value no worse than
    the baseline's or within the default tolerance of parity (0.1; DI 0.8-1.25), whichever is
    wider: a baseline at parity would otherwise allow only parity itself, and every window's
    sampling noise would alarm."""
    if ranges and name in ranges:
        return ranges[name]
    p = PARITY[name]
    d = abs(base - p)
    if name == "DI":
        return min(p - d, DI_RANGE[0]), max(p + d, DI_RANGE[1])
    return p - max(d, DEFAULT_TOLERANCE), p + max(d, DEFAULT_TOLERANCE)


def _window(data: Any, ground_truth: Any, cfg: AnalysisConfig, run: BiasRun, has_header: bool) -> tuple[pl.DataFrame, list[str]]:
    """The window as one frame with the configuration's column names (a capture's ``_cN``
    features and its model output renamed), labels joined from ``ground_truth`` by inference id;
    and the capture's metadata columns (not features)."""
    from driftline.io import read_window

    if isinstance(data, str | Path):
        window = read_window(data, start=run.start, end=run.end, has_header=has_header)
        frame = window.collect()
        run.add_bad_records(window.bad_records)
        meta = list(window.metadata_columns)
        if window.kind == "capture":
            frame = _capture_names(frame, window.output_columns, cfg, ground_truth is not None)
    else:
        frame, meta = to_frame(data), []
    if ground_truth is not None:
        from driftline.model_quality.merge import merge_ground_truth

        labels = _ground_truth(ground_truth, run)
        if cfg.label in frame.columns:
            frame = frame.drop(cfg.label)
        frame, report = merge_ground_truth(frame, labels)
        frame = frame.filter(pl.col("label").is_not_null()).rename({"label": cfg.label})
        if frame.height == 0:
            raise InvalidInputError(f"no prediction in the window has its ground truth yet ({report.summary()})")
        frame = _numeric_labels(frame, cfg.label)
    return frame, [c for c in meta if c in frame.columns] + [c for c in ("_file", "_line", "_key") if c in frame.columns]


def _numeric_labels(frame: pl.DataFrame, label: str) -> pl.DataFrame:
    """Ground-truth labels arrive as text: numbers become numbers (as a table would give them)."""
    return frame.with_columns(_as_numbers(frame[label])) if frame[label].dtype == pl.String else frame


def _capture_names(frame: pl.DataFrame, outputs: list[str], cfg: AnalysisConfig, labels_apart: bool) -> pl.DataFrame:
    features = [c for c in frame.columns if re.fullmatch(r"_c\d+", c) and c not in outputs]
    frame = frame.with_columns(_as_numbers(frame[c]) for c in [*features, *outputs] if frame[c].dtype == pl.String)
    rename: dict[str, str] = {}
    if cfg.headers:
        names = [h for h in cfg.headers if h not in {cfg.predicted_label, cfg.probability} and not (labels_apart and h == cfg.label)]
        rename.update({c: names[i] for i, c in enumerate(features) if i < len(names)})
    target = cfg.probability or cfg.predicted_label
    if outputs and target and target not in frame.columns:
        rename[outputs[0]] = target
    return frame.rename(rename)


def _as_numbers(s: pl.Series) -> pl.Series:
    """A captured CSV value column as integers or floats when every value is one (else text)."""
    text = s.str.strip_chars()
    for dtype in (pl.Int64, pl.Float64):
        cast = text.cast(dtype, strict=False)
        if cast.null_count() == s.null_count():
            return cast
    return s


def _ground_truth(ground_truth: Any, run: BiasRun) -> pl.DataFrame:
    if isinstance(ground_truth, str | Path) and Path(ground_truth).suffix.lower() in (".csv", ".parquet", ".pq"):
        from driftline.io import read_table

        return read_table(ground_truth).frame
    if not isinstance(ground_truth, str | Path | list | tuple):
        return to_frame(ground_truth, "ground truth")
    from driftline.io.ground_truth import read_ground_truth

    start = run.start.replace(minute=0, second=0, microsecond=0) if run.start is not None else None
    gt = read_ground_truth(ground_truth, start=start)
    run.add_bad_records(gt.bad_records, "Ground truth")
    return gt.frame


def run_bias_monitor(
    baseline: str | Path | BiasBaseline,
    config: str | Path | AnalysisConfig,
    data: Any,
    *,
    ground_truth: Any = None,
    out: str | Path | None = None,
    start: datetime | str | None = None,
    end: datetime | str | None = None,
    rule: Rule = "worse-than-baseline",
    allowed_ranges: dict[str, tuple[float, float]] | None = None,
    bootstrap_resamples: int = 500,
    confidence: float = 0.95,
    seed: int = 0,
    has_header: bool = True,
) -> BiasRun:
    """Run the bias-drift monitor over ``data`` (a capture folder or file, a table path, or a
    Polars / pandas frame) in the window [start, end), labels from the data or joined from
    ``ground_truth`` (JSON Lines folder or a table with ``eventId`` and ``label``) by inference id;
    compare with ``baseline`` (a folder from :func:`suggest_bias_baseline` or its object) by
    ``rule``; write the outputs to ``out`` when given.

    Bad arguments raise :class:`~driftline.errors.InvalidArgumentError` before anything is read.
    Bad data never raises: the run is Failed with its reason (``monitoring_run.json`` only)."""
    from driftline.io import check_window, to_utc

    if rule not in ("worse-than-baseline", "confidence-interval"):
        raise InvalidArgumentError(f"rule (--rule) must be 'worse-than-baseline' or 'confidence-interval', got {rule!r}")
    if not (isinstance(bootstrap_resamples, int) and 2 <= bootstrap_resamples <= 100_000):
        raise InvalidArgumentError(f"bootstrap_resamples must be a whole number in [2, 100000], got {bootstrap_resamples!r}")
    if not (isinstance(confidence, float | int) and 0 < confidence < 1):
        raise InvalidArgumentError(f"confidence must be in (0, 1), got {confidence!r}")
    if allowed_ranges:
        for k, (lo, hi) in allowed_ranges.items():
            if k not in PARITY or not lo <= hi:
                raise InvalidArgumentError(f"allowed_ranges[{k!r}] must name a bias metric and give lo <= hi, got {(lo, hi)!r}")
    run = BiasRun(start=to_utc(start, "start (--start)"), end=to_utc(end, "end (--end)"), rule=rule)
    check_window(run.start, run.end)
    folder = None
    if out is not None:
        inputs = [x for x in (baseline, config, data, ground_truth) if isinstance(x, str | Path)]
        folder = OutputFolder(out, RUN_FILES, "bias monitor run", inputs=inputs, argument="out (--out)")

    def body() -> None:
        base = baseline if isinstance(baseline, BiasBaseline) else load_bias_baseline(baseline)
        cfg = config if isinstance(config, AnalysisConfig) else load_analysis_config(config)
        frame, meta = _window(data, ground_truth, cfg, run, has_header)
        if frame.height == 0:
            raise InvalidInputError("no data in the analysis window (an empty window fails, as in SageMaker)")
        if cfg.label not in frame.columns:
            raise InvalidInputError(f"the window has no label column {cfg.label!r} (give the ground truth, or a table holding the labels)")
        run.item_count = frame.height
        skip = {cfg.label, cfg.predicted_label, cfg.probability, *meta}
        analysis = analyze(frame.drop(meta), cfg, source="the window",
                           features=None if not meta else [c for c in frame.columns if c not in skip])
        run.analysis = analysis.to_json()
        run.violations = _violations(analysis, base, rule, allowed_ranges, bootstrap_resamples, confidence, seed, run)
        run.metrics = _cloudwatch(run.analysis)

    return execute(run, folder, body)


def _violations(analysis: BiasAnalysis, base: BiasBaseline, rule: Rule, ranges: dict[str, tuple[float, float]] | None,
                resamples: int, confidence: float, seed: int, run: BiasRun) -> list[BiasViolation]:
    from statistics import NormalDist

    baseline = _baseline_values(base.constraints)
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    rng = np.random.default_rng(seed)
    out: list[BiasViolation] = []
    for r in analysis.results:
        for stage, results in ((STAGES[0], r.pre), (STAGES[1], r.post)):
            for m in results:
                b = baseline.get((stage, r.facet, r.value_or_threshold, m.name))
                if b is None or m.value is None:
                    continue
                if rule == "worse-than-baseline":
                    p = PARITY[m.name]
                    if ranges and m.name in ranges:
                        lo, hi = ranges[m.name]
                        bad = not lo <= m.value <= hi
                    else:
                        bad = abs(m.value - p) > abs(b - p) or (math.isinf(m.value) and not math.isinf(b))
                    if bad:
                        out.append(_violation(r, m.name, f"Metric value {_fmt(m.value)} doesn't meet the baseline constraint requirement {_fmt(b)}"))
                    continue
                if math.isinf(b) or math.isinf(m.value):
                    continue
                lo, hi = _allowed(m.name, b, ranges)
                reps = bootstrap(r, m.name, analysis.has_groups, resamples, rng)
                reps = reps[np.isfinite(reps)]
                if reps.size < 2:
                    continue
                sd = float(reps.std(ddof=1))
                c_lo, c_hi = m.value - z * sd, m.value + z * sd
                run.intervals.append({"stage": stage, "facet": r.facet, "facet_value": r.value_or_threshold, "metric_name": m.name,
                                      "value": m.value, "interval": [c_lo, c_hi], "allowed": [lo, hi]})
                if c_hi < lo or c_lo > hi:
                    out.append(_violation(r, m.name, f"Metric value {_fmt(m.value)} with {confidence:.0%} bootstrap interval "
                                                     f"[{_fmt(c_lo)}, {_fmt(c_hi)}] is outside the allowed range [{_fmt(lo)}, {_fmt(hi)}] "
                                                     f"(baseline {_fmt(b)})"))
    return out


def _violation(r: FacetValueResult, name: str, description: str) -> BiasViolation:
    return BiasViolation(facet=r.facet, facet_value=r.value_or_threshold, metric_name=name,
                         constraint_check_type="bias_drift_check", description=description)


def _cloudwatch(doc: AnalysisDoc) -> list[BiasCloudWatchMetric]:
    out: list[BiasCloudWatchMetric] = []
    for stage, sdoc, facet, v, m in _entries(doc):
        x = _value(m["value"])
        if x is None:
            continue
        if math.isinf(x):
            x = math.copysign(CLOUDWATCH_INFINITY, x)
        out.append(BiasCloudWatchMetric(MetricName=f"bias_metric_{m['name']}", Value=x, Dimensions={
            "BiasStage": STAGE_DIMENSION[stage], "Label": sdoc["label"], "LabelValue": sdoc["label_value_or_threshold"],
            "Facet": facet, "FacetValue": v["value_or_threshold"]}))
    return out
