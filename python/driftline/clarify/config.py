"""Clarify's analysis configuration JSON, as SageMaker users write it.

Fields read (``../shared/research/bias_attribution_ab.md`` §1.1, §1.6):

- ``headers``: the dataset's column names (lets ``label``, ``facet[].name_or_index``,
  ``group_variable`` and ``predicted_label`` be given as zero-based indices);
- ``label``, ``label_values_or_threshold`` (positive label values, or one threshold: labels
  above it are positive);
- ``facet: [{name_or_index, value_or_threshold}]``: the sensitive group *d* of each facet (values,
  or one threshold: values above it); without ``value_or_threshold`` a categorical facet is
  reported one-vs-rest for each of its values;
- ``group_variable``: the strata of CDDL/CDDPL;
- ``predicted_label`` (or ``predictor.label``): the column holding the model's predicted label;
  or ``probability`` (or ``predictor.probability``) with ``probability_threshold`` (default 0.5:
  a probability above it is a positive prediction);
- ``methods: {pre_training_bias: {methods: "all" | [...]}, post_training_bias: {...}, shap: {...}}``
  (``shap`` is kept as a plain dict for the attribution monitor).

Errors raise :class:`~driftline.errors.InvalidInputError` naming the file and the JSON field.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from driftline.errors import InvalidInputError

__all__ = ["AnalysisConfig", "FacetConfig", "PRE_TRAINING_METHODS", "POST_TRAINING_METHODS",
           "load_analysis_config", "parse_analysis_config"]

PRE_TRAINING_METHODS = ("CDDL", "CI", "DPL", "JS", "KL", "KS", "LP", "TVD")
POST_TRAINING_METHODS = ("AD", "CDDPL", "DAR", "DCA", "DCR", "DI", "DPPL", "DRR", "FT", "GE", "RD", "SD", "TE")


@dataclass(frozen=True)
class FacetConfig:
    """One entry of ``facet``: the column and its sensitive values or threshold (None: one-vs-rest)."""

    name: str
    value_or_threshold: list[Any] | None = None


@dataclass(frozen=True)
class AnalysisConfig:
    """A parsed analysis configuration. ``pre_training_methods`` / ``post_training_methods`` are
    the metric short names to compute (sorted; empty: that stage is not asked for)."""

    label: str
    label_values_or_threshold: list[Any]
    facets: list[FacetConfig]
    headers: list[str] | None = None
    group_variable: str | None = None
    predicted_label: str | None = None
    probability: str | None = None
    probability_threshold: float = 0.5
    pre_training_methods: list[str] = field(default_factory=lambda: list(PRE_TRAINING_METHODS))
    post_training_methods: list[str] = field(default_factory=lambda: list(POST_TRAINING_METHODS))
    shap: dict[str, Any] | None = None
    source: str = "analysis configuration"
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    def with_overrides(self, **fields: Any) -> AnalysisConfig:
        """A copy with some fields replaced (command-line flags override the file)."""
        return replace(self, **{k: v for k, v in fields.items() if v is not None})


def load_analysis_config(path: str | Path) -> AnalysisConfig:
    """Read and parse the analysis configuration file at ``path``."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise InvalidInputError(f"analysis configuration {str(p)!r} cannot be read: {e.strerror or e}") from None
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise InvalidInputError(f"analysis configuration {str(p)!r} is not JSON: {e}") from None
    return parse_analysis_config(doc, source=str(p))


def _err(source: str, where: str, what: str) -> InvalidInputError:
    return InvalidInputError(f"{source}: field {where!r}: {what}")


def _column(value: Any, headers: list[str] | None, source: str, where: str) -> str:
    if isinstance(value, bool):
        raise _err(source, where, f"expected a column name or a zero-based index into 'headers', got {value!r}")
    if isinstance(value, int):
        if headers is None:
            raise _err(source, where, f"an index ({value}) needs 'headers' to name the columns")
        if not 0 <= value < len(headers):
            raise _err(source, where, f"index {value} is outside 'headers' ({len(headers)} columns)")
        return headers[value]
    if isinstance(value, str) and value:
        return value
    raise _err(source, where, f"expected a column name or a zero-based index into 'headers', got {value!r}")


def _values(value: Any, source: str, where: str) -> list[Any]:
    if isinstance(value, list):
        if not value:
            raise _err(source, where, "is an empty list")
        for v in value:
            if not isinstance(v, str | int | float | bool):
                raise _err(source, where, f"values must be strings, numbers or booleans, got {v!r}")
        return list(value)
    if isinstance(value, str | int | float | bool):
        return [value]
    raise _err(source, where, f"expected a list of values or a threshold, got {value!r}")


def _methods(section: Any, allowed: tuple[str, ...], source: str, where: str) -> list[str]:
    if section is None:
        return []
    if not isinstance(section, dict) or "methods" not in section:
        raise _err(source, where, 'expected {"methods": "all" | [names]}')
    m = section["methods"]
    if m == "all":
        return list(allowed)
    if isinstance(m, str):
        m = [s.strip() for s in m.split(",") if s.strip()]
    if not isinstance(m, list) or not all(isinstance(x, str) for x in m):
        raise _err(source, f"{where}.methods", f'expected "all" or a list of metric names, got {m!r}')
    unknown = [x for x in m if x.upper() not in allowed]
    if unknown:
        raise _err(source, f"{where}.methods", f"unknown metric(s) {unknown}; known: {', '.join(allowed)}")
    return sorted({x.upper() for x in m})


def parse_analysis_config(doc: Any, *, source: str = "analysis configuration") -> AnalysisConfig:
    """Parse an analysis configuration already loaded from JSON (``source`` names it in errors)."""
    if not isinstance(doc, dict):
        raise InvalidInputError(f"{source}: expected a JSON object, got {type(doc).__name__}")
    headers = doc.get("headers")
    if headers is not None and not (isinstance(headers, list) and all(isinstance(h, str) for h in headers)):
        raise _err(source, "headers", "expected a list of column names")
    if "label" not in doc:
        raise _err(source, "label", "is missing (the column holding the observed label)")
    label = _column(doc["label"], headers, source, "label")
    if "label_values_or_threshold" not in doc:
        raise _err(source, "label_values_or_threshold", "is missing (the positive label values, or a threshold)")
    label_values = _values(doc["label_values_or_threshold"], source, "label_values_or_threshold")
    facets_doc = doc.get("facet")
    if not isinstance(facets_doc, list) or not facets_doc:
        raise _err(source, "facet", "expected a non-empty list of {name_or_index, value_or_threshold}")
    facets = []
    for i, f in enumerate(facets_doc):
        if not isinstance(f, dict) or "name_or_index" not in f:
            raise _err(source, f"facet[{i}]", "expected an object with 'name_or_index'")
        name = _column(f["name_or_index"], headers, source, f"facet[{i}].name_or_index")
        vot = f.get("value_or_threshold")
        facets.append(FacetConfig(name, None if vot is None else _values(vot, source, f"facet[{i}].value_or_threshold")))
    group = doc.get("group_variable")
    group_variable = None if group is None else _column(group, headers, source, "group_variable")
    pred_doc = doc.get("predictor")
    predictor: dict[str, Any] = pred_doc if isinstance(pred_doc, dict) else {}
    pred = doc.get("predicted_label", predictor.get("label"))
    predicted_label = None if pred is None else _column(pred, headers, source, "predicted_label")
    prob = doc.get("probability", predictor.get("probability"))
    probability = None if prob is None else _column(prob, headers, source, "probability")
    threshold = doc.get("probability_threshold", 0.5)
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or not math.isfinite(threshold):
        raise _err(source, "probability_threshold", f"expected a number, got {threshold!r}")
    methods = doc.get("methods")
    shap: dict[str, Any] | None = None
    if methods is None:
        pre, post = list(PRE_TRAINING_METHODS), list(POST_TRAINING_METHODS)
    else:
        if not isinstance(methods, dict):
            raise _err(source, "methods", "expected an object with pre_training_bias / post_training_bias / shap")
        pre = _methods(methods.get("pre_training_bias"), PRE_TRAINING_METHODS, source, "methods.pre_training_bias")
        post = _methods(methods.get("post_training_bias"), POST_TRAINING_METHODS, source, "methods.post_training_bias")
        if methods.get("shap") is not None:
            if not isinstance(methods["shap"], dict):
                raise _err(source, "methods.shap", "expected an object")
            shap = dict(methods["shap"])
    return AnalysisConfig(label=label, label_values_or_threshold=label_values, facets=facets, headers=headers,
                          group_variable=group_variable, predicted_label=predicted_label, probability=probability,
                          probability_threshold=float(threshold), pre_training_methods=pre, post_training_methods=post,
                          shap=shap, source=source, raw=doc)
