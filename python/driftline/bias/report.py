"""A bias analysis of one table: Clarify's ``pre_training_bias_metrics`` and
``post_training_bias_metrics`` for every configured facet and facet value."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from driftline import _core
from driftline.bias.metrics import (
    FacetEncoding, Labels, MetricResult, batched_values, count_tensor, encode_facet, encode_labels, flip_counts,
    group_codes, metric_values, scalar_result, split_tensor,
)
from driftline.clarify.config import AnalysisConfig
from driftline.errors import InvalidInputError
from driftline.formats.clarify import AnalysisDoc, BiasStageDoc, FacetValueDoc

__all__ = ["BiasAnalysis", "FacetValueResult", "analyze", "to_frame"]

STAGES = ("pre_training_bias_metrics", "post_training_bias_metrics")


@dataclass
class FacetValueResult:
    """The metrics of one facet value, with its count tensor (a, d) x strata x label x predicted
    and, for FT, its flip counts (flips to positive, to negative, size of d)."""

    facet: str
    value_or_threshold: str
    tensor: np.ndarray
    pre: list[MetricResult] = field(default_factory=list)
    post: list[MetricResult] = field(default_factory=list)
    flips: tuple[int, int, int] | None = None


@dataclass
class BiasAnalysis:
    """A table's bias metrics (``to_json``: Clarify's ``analysis.json``)."""

    label: str
    label_value_or_threshold: str
    pre_methods: list[str]
    post_methods: list[str]
    has_groups: bool
    rows: int
    results: list[FacetValueResult] = field(default_factory=list)

    def to_json(self) -> AnalysisDoc:
        doc = AnalysisDoc()
        for stage, methods, attr in ((STAGES[0], self.pre_methods, "pre"), (STAGES[1], self.post_methods, "post")):
            if not methods:
                continue
            facets: dict[str, list[FacetValueDoc]] = {}
            for r in self.results:
                facets.setdefault(r.facet, []).append(
                    FacetValueDoc(value_or_threshold=r.value_or_threshold, metrics=[m.to_json() for m in getattr(r, attr)]))
            doc[stage] = BiasStageDoc(label=self.label, label_value_or_threshold=self.label_value_or_threshold,  # type: ignore[literal-required]
                                      facets=facets)
        return doc


def to_frame(data: Any, what: str = "data") -> pl.DataFrame:
    """A Polars frame from a Polars or pandas frame (or anything ``pl.DataFrame`` accepts)."""
    if isinstance(data, pl.DataFrame):
        return data
    if isinstance(data, pl.LazyFrame):
        return data.collect()
    try:
        if type(data).__module__.startswith("pandas"):
            return pl.from_pandas(data)
        return pl.DataFrame(data)
    except Exception as e:  # noqa: BLE001 - anything that is not a table
        raise InvalidInputError(f"{what}: not a table ({type(data).__name__}): {e}") from None


def _need(frame: pl.DataFrame, name: str, field_name: str, cfg: AnalysisConfig, source: str) -> pl.Series:
    if name not in frame.columns:
        raise InvalidInputError(f"{source} has no column {name!r} (the analysis configuration's {field_name!r} in {cfg.source}); "
                                f"columns: {', '.join(frame.columns[:30])}")
    return frame[name]


def analyze(frame: pl.DataFrame, cfg: AnalysisConfig, *, source: str = "the data", features: list[str] | None = None) -> BiasAnalysis:
    """Every configured metric of every facet value of ``frame``. ``features`` are FT's columns
    (default: every column but the facet, the label, the prediction and the probability)."""
    if frame.height == 0:
        raise InvalidInputError(f"{source} has no rows")
    label = _need(frame, cfg.label, "label", cfg, source)
    pred = _need(frame, cfg.predicted_label, "predicted_label", cfg, source) if cfg.predicted_label and not cfg.probability else None
    prob = _need(frame, cfg.probability, "probability", cfg, source) if cfg.probability else None
    post_methods = cfg.post_training_methods if (pred is not None or prob is not None) else []
    labels = encode_labels(label, cfg.label_values_or_threshold, pred, prob, cfg.probability_threshold)
    if post_methods and labels.predicted is None:
        post_methods = []
    gseries = _need(frame, cfg.group_variable, "group_variable", cfg, source) if cfg.group_variable else None
    gcodes, n_groups = group_codes(gseries)
    out = BiasAnalysis(cfg.label, labels.value_or_threshold, list(cfg.pre_training_methods), list(post_methods),
                       gseries is not None, frame.height)
    skip = {cfg.label, cfg.predicted_label, cfg.probability}
    for fc in cfg.facets:
        series = _need(frame, fc.name, "facet.name_or_index", cfg, source)
        enc = encode_facet(series, fc.value_or_threshold)
        counts = count_tensor(enc, gcodes, n_groups, labels)
        feats = None
        if "FT" in post_methods:
            cols = features if features is not None else [c for c in frame.columns if c not in skip and c != fc.name]
            feats = frame.select(cols)
        for value in enc.values:
            t = split_tensor(counts, value.codes)
            r = FacetValueResult(fc.name, value.value_or_threshold, t)
            r.pre = [scalar_result(m, metric_values(m, t, out.has_groups)) for m in out.pre_methods]
            r.post = _post(out, t, enc, value.codes, labels, feats, r)
            out.results.append(r)
    return out


def _post(out: BiasAnalysis, t: np.ndarray, enc: FacetEncoding, d_codes: list[int], labels: Labels,
          feats: pl.DataFrame | None, r: FacetValueResult) -> list[MetricResult]:
    results = []
    for m in out.post_methods:
        if labels.predicted_error is not None:
            results.append(MetricResult(m, None, labels.predicted_error))
        elif m == "FT":
            assert feats is not None and labels.predicted is not None
            sensitive = np.isin(enc.codes, np.asarray(d_codes, dtype=np.int64))
            flips = flip_counts(feats, sensitive, labels.predicted)
            if isinstance(flips, str):
                results.append(MetricResult(m, None, flips))
            else:
                r.flips = flips
                results.append(MetricResult(m, (flips[0] - flips[1]) / flips[2]))
        else:
            results.append(scalar_result(m, metric_values(m, t, out.has_groups)))
    return results


def bootstrap(r: FacetValueResult, name: str, has_groups: bool, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Bootstrap replicates of metric ``name`` for one facet value (NaN where undefined): a
    multinomial draw of the count tensor's cells is a resample of its rows (drawn in the core,
    ``_core.multinomial_resamples``); FT resamples its flip counts among group d (the kNN fit is
    kept). The metrics of all replicates are computed at once over the (resamples x cells) tensor."""
    seed = int(rng.integers(0, 2**63))  # the core's generator, seeded from the run's
    if name == "FT":
        if r.flips is None:
            return np.full(resamples, np.nan)
        pos, neg, nd = r.flips
        draws = _core.multinomial_resamples(np.array([pos, neg, nd - pos - neg], dtype=np.uint64), resamples, seed)
        return np.asarray((draws[:, 0].astype(np.float64) - draws[:, 1]) / nd, dtype=np.float64)
    t = r.tensor
    n = int(t.sum())
    if n == 0:
        return np.full(resamples, np.nan)
    counts = np.ascontiguousarray(np.rint(t.ravel()), dtype=np.uint64)
    cells = _core.multinomial_resamples(counts, resamples, seed).astype(np.float64).reshape((resamples, *t.shape))
    return batched_values(metric_values(name, cells, has_groups))
