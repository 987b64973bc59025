"""Suggested constraints, their checks and violations, and the validation of a constraints file."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from driftline.errors import (
    InvalidArgumentError,
    InvalidInputError,
)
from driftline.formats.sagemaker import MetricViolationDoc
from driftline.model_quality._common import (
    _LOWER_IS_BETTER,
    _SECTION,
    COMPARISON_OPERATORS,
    CONSTRAINED,
    _arg,
    _check_real,
)


def _scalars(statistics: dict[str, Any]) -> tuple[str, dict[str, dict[str, Any]]]:
    for problem, section in _SECTION.items():
        body = statistics.get(f"{section}_metrics")
        if isinstance(body, dict):
            return problem, {k: v for k, v in body.items() if isinstance(v, dict) and "value" in v}
    raise InvalidInputError("the statistics hold no binary_classification_metrics, multiclass_classification_metrics or regression_metrics")


def _as_float(x: Any) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def suggest_constraints(statistics: dict[str, Any], *, slack: float = 0.0, tolerance: float = 0.0) -> dict[str, Any]:
    """SageMaker's suggested constraints: per metric, the baseline value as the threshold, with
    ``GreaterThanThreshold`` for errors and miss rates (mae, mse, rmse, false positive and false
    negative rates) and ``LessThanThreshold`` for the rest; the best-constant-classifier values are
    not constrained. driftline's additions, both 0 by default as SageMaker: ``slack`` moves each
    threshold by that many of its standard deviations in the tolerant direction, ``tolerance`` by
    that absolute amount (a window smaller than the baseline varies more than the baseline's
    standard deviation says)."""
    slack, tolerance = _check_real(slack, "slack"), _check_real(tolerance, "tolerance")
    problem, scalars = _scalars(statistics)
    body: dict[str, Any] = {}
    for name in CONSTRAINED[problem]:
        if name not in scalars:
            continue
        value = _as_float(scalars[name]["value"])
        if not math.isfinite(value):
            continue
        sd = _as_float(scalars[name].get("standard_deviation"))
        move = (slack * sd if slack and math.isfinite(sd) else 0.0) + tolerance
        upper = name in _LOWER_IS_BETTER
        threshold = value + move if upper else value - move
        if not math.isfinite(threshold):
            raise InvalidArgumentError(f"{_arg('slack')} {slack:g} and {_arg('tolerance')} {tolerance:g} move the {name} threshold past the "
                                       "largest float: give smaller values")
        body[name] = {"threshold": threshold, "comparison_operator": "GreaterThanThreshold" if upper else "LessThanThreshold"}
    return {"version": 0.0, f"{_SECTION[problem]}_constraints": body}


def _constraint_body(constraints: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    for problem, section in _SECTION.items():
        body = constraints.get(f"{section}_constraints")
        if isinstance(body, dict):
            return problem, body
    raise InvalidInputError("the constraints hold no binary_classification_constraints, multiclass_classification_constraints or regression_constraints")


@dataclass(frozen=True)
class MetricViolation:
    metric_name: str
    constraint_check_type: str
    description: str

    def to_json(self) -> MetricViolationDoc:
        return {"constraint_check_type": self.constraint_check_type, "description": self.description, "metric_name": self.metric_name}


def check_constraints(statistics: dict[str, Any], constraints: dict[str, Any]) -> list[MetricViolation]:
    """The constraints the statistics break: a ``LessThanThreshold`` constraint is broken by a
    value below its threshold, ``GreaterThanThreshold`` by a value above it (and the
    ``...OrEqualTo...`` forms including the threshold). Violations are worded as Amazon's
    model-quality container: ``Metric auc with 0.61 was LessThanThreshold 0.66``."""
    problem, scalars = _scalars(statistics)
    c_problem, body = _constraint_body(constraints)
    if problem != c_problem:
        raise InvalidInputError(f"the constraints are for {c_problem} but the statistics are for {problem}")
    out: list[MetricViolation] = []
    for name, rule in body.items():
        if name not in scalars or not isinstance(rule, dict):
            continue
        op = rule.get("comparison_operator")
        if op not in COMPARISON_OPERATORS:
            raise InvalidInputError(f"constraint {name!r}: comparison_operator {op!r} is not one of {', '.join(COMPARISON_OPERATORS)}")
        threshold, value = _as_float(rule.get("threshold")), _as_float(scalars[name]["value"])
        if not (math.isfinite(threshold) and math.isfinite(value)):
            continue
        broken = {"LessThanThreshold": value < threshold, "GreaterThanThreshold": value > threshold,
                  "LessThanOrEqualToThreshold": value <= threshold, "GreaterThanOrEqualToThreshold": value >= threshold}[op]
        if broken:
            out.append(MetricViolation(name, op, f"Metric {name} with {value:.10g} was {op} {threshold:.10g}"))
    return out


_BEST_CONSTANT = ("recall", "precision", "accuracy", "f0_5", "f1", "f2")


# Every scalar metric a constraint may name, per problem (the statistics' scalars).
_SCALARS = {
    "Regression": set(CONSTRAINED["Regression"]),
    "BinaryClassification": set(CONSTRAINED["BinaryClassification"]) | {f"{m}_best_constant_classifier" for m in _BEST_CONSTANT},
    "MulticlassClassification": set(CONSTRAINED["MulticlassClassification"])
    | {f"{m}_best_constant_classifier" for m in ("accuracy", "weighted_recall", "weighted_precision", "weighted_f0_5", "weighted_f1",
                                                 "weighted_f2")},
}


def _checked_constraints(doc: Any, where: Path) -> str:
    """The problem type of a model-quality constraints document, after checking every rule it
    holds (a known metric, a finite number as threshold, a known operator): a rule that could
    never be checked is refused naming the file, metric and field, not skipped at every run."""
    if not isinstance(doc, dict):
        raise InvalidInputError(f"{where} is not a model-quality constraints document (a JSON object)")
    problem, body = _constraint_body(doc)
    section = f"{_SECTION[problem]}_constraints"
    for name, rule in body.items():
        field_ = f"{where}: {section}.{name}"
        if name not in _SCALARS[problem]:
            raise InvalidInputError(f"{field_}: no {problem} metric of that name (metrics: {', '.join(sorted(_SCALARS[problem]))})")
        if not isinstance(rule, dict):
            raise InvalidInputError(f"{field_} must be an object with threshold and comparison_operator, got {rule!r}")
        t = rule.get("threshold")
        if isinstance(t, bool) or not isinstance(t, int | float) or not math.isfinite(t):
            raise InvalidInputError(f"{field_}.threshold must be a finite number, got {t!r}")
        if rule.get("comparison_operator") not in COMPARISON_OPERATORS:
            raise InvalidInputError(f"{field_}.comparison_operator must be one of {', '.join(COMPARISON_OPERATORS)}, "
                                    f"got {rule.get('comparison_operator')!r}")
    return problem
