"""Model quality under hostile and unusual input (issue 8): the plainest regression baseline, the
probability threshold kept by the baseline, undefined rates, bounds on sizes from the caller,
output folders that hold other files, and what a failed run records."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from driftline.errors import InvalidArgumentError
from driftline.model_quality import (
    check_constraints,
    load_model_quality_baseline,
    model_quality_statistics,
    run_model_quality_monitor,
    suggest_constraints,
    suggest_model_quality_baseline,
)

T0 = datetime(2024, 3, 1, 10, tzinfo=UTC)


def test_regression_baseline_without_dle_features(tmp_path: Path) -> None:
    # formerly a Polars ShapeError: the design selected zero feature columns
    rng = np.random.default_rng(1)
    x = rng.normal(size=500)
    frame = pl.DataFrame({"Label": x + rng.normal(0, 0.3, 500), "Prediction": x})
    base = suggest_model_quality_baseline(frame, problem_type="Regression", ground_truth_attribute="Label",
                                          inference_attribute="Prediction", bootstrap=0)
    assert base.dle is not None and base.dle.features == ()
    base.write(tmp_path / "b")
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["constraints.json", "dle.json", "statistics.json"]
    # DLE on the prediction only: on its own reference the estimate is the realised MAE
    est = load_model_quality_baseline(tmp_path / "b").dle.estimate(frame, y_pred="Prediction")
    assert est["mae"].value == pytest.approx(base.statistics["regression_metrics"]["mae"]["value"], rel=1e-9)  # type: ignore[index]


def _one_class(n: int = 300) -> tuple[pl.Series, pl.Series]:
    rng = np.random.default_rng(2)
    truth = pl.Series(["1"] * n)
    pred = pl.Series(np.where(rng.random(n) < 0.2, "0", "1").tolist())
    return truth, pred


def test_one_class_baseline_gives_no_rate_it_cannot_measure() -> None:
    # every row positive: TNR and FPR have no negatives to be measured on
    truth, pred = _one_class()
    stats = model_quality_statistics(truth, pred, "BinaryClassification", bootstrap=50)
    m = stats["binary_classification_metrics"]
    assert m["true_negative_rate"]["value"] == "NaN" and m["false_positive_rate"]["value"] == "NaN"
    assert m["true_negative_rate"]["standard_deviation"] == "NaN"
    assert "confidence_interval" not in m["true_negative_rate"]
    assert m["true_positive_rate"]["value"] == pytest.approx(float((pred == "1").mean()))
    json.dumps(stats, allow_nan=False)  # NaN is written as the string "NaN", as SageMaker's standard deviations
    constraints = suggest_constraints(stats)
    body = constraints["binary_classification_constraints"]
    assert "true_negative_rate" not in body and "false_positive_rate" not in body
    assert {"recall", "accuracy", "true_positive_rate"} <= set(body)
    # a later window with negatives (some misclassified) breaks no constraint that was never suggested
    window = model_quality_statistics(pl.Series(["0", "0", "1", "1"] * 60), pl.Series(["1", "0", "1", "1"] * 60), "BinaryClassification",
                                      bootstrap=0)
    assert window["binary_classification_metrics"]["true_negative_rate"]["value"] == 0.5
    names = {v.metric_name for v in check_constraints(window, constraints)}
    assert not names & {"true_negative_rate", "false_positive_rate"}


def test_one_class_window_with_scores_keeps_every_defined_metric() -> None:
    truth, pred = _one_class()
    score = pl.Series(np.where(pred == "1", 0.8, 0.2))
    stats = model_quality_statistics(truth, pred, "BinaryClassification", y_score=score, bootstrap=20)
    m = stats["binary_classification_metrics"]
    assert m["auc"]["value"] == "NaN" and "receiver_operating_characteristic_curve" not in m
    assert m["accuracy"]["value"] == pytest.approx(float((pred == "1").mean()))


def test_nan_constraint_or_nan_metric_is_no_violation() -> None:
    truth, pred = _one_class()
    stats = model_quality_statistics(truth, pred, "BinaryClassification", bootstrap=0)
    # a SageMaker-written constraint on a rate this window cannot measure: skipped, not broken
    constraints = {"version": 0.0, "binary_classification_constraints": {
        "true_negative_rate": {"threshold": 0.9, "comparison_operator": "LessThanThreshold"},
        "precision": {"threshold": "NaN", "comparison_operator": "LessThanThreshold"}}}
    assert check_constraints(stats, constraints) == []
    assert math.isnan(float(stats["binary_classification_metrics"]["true_negative_rate"]["value"]))
