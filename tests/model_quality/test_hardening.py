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
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["constraints.json", "dle.json", "model_quality.json", "statistics.json"]
    # DLE on the prediction only: on its own reference the estimate is the realised MAE
    est = load_model_quality_baseline(tmp_path / "b").dle.estimate(frame, y_pred="Prediction")
    assert est["mae"].value == pytest.approx(base.statistics["regression_metrics"]["mae"]["value"], rel=1e-9)  # type: ignore[index]
    # a run before the labels: the estimates say what their interval holds
    run = run_model_quality_monitor(tmp_path / "b", frame.drop("Label").with_columns(eventId=pl.Series([f"e{i}" for i in range(500)])),
                                    None, inference_attribute="Prediction", out=tmp_path / "r")
    assert run.status == "Failed" and run.estimate_method == "DLE"
    doc = json.loads((tmp_path / "r" / "estimated_performance.json").read_text())
    assert doc["method"] == "DLE" and doc["reference_rows"] == 500
    assert "loss models' own error" in doc["interval_covers"] and "concept drift" in doc["interval_excludes"]


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


# -- the probability threshold is the baseline's -------------------------------------------------


def _scored(n: int = 2000, seed: int = 3) -> pl.DataFrame:
    """Scores of a model whose positives mostly score between 0.3 and 0.5: the cut-off matters."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    s = np.clip(np.where(y == 1, rng.uniform(0.25, 0.9, n), rng.uniform(0.0, 0.45, n)), 0, 1).round(4)
    return pl.DataFrame({"eventId": [f"e{i}" for i in range(n)], "score": s, "label": y})


def _threshold_baseline(tmp_path: Path) -> tuple[pl.DataFrame, Path]:
    frame = _scored()
    suggest_model_quality_baseline(frame, problem_type="BinaryClassification", ground_truth_attribute="label", probability_attribute="score",
                                   probability_threshold_attribute=0.3, bootstrap=0, evaluation_time=T0, out=tmp_path / "b")
    return frame, tmp_path / "b"


def test_run_takes_the_threshold_from_the_baseline(tmp_path: Path) -> None:
    frame, b = _threshold_baseline(tmp_path)
    doc = json.loads((b / "model_quality.json").read_text())
    assert doc["probability_threshold_attribute"] == 0.3
    # SageMaker's files stay as SageMaker writes them
    assert "threshold" not in (b / "constraints.json").read_text().replace('"threshold": ', "")
    assert load_model_quality_baseline(b).probability_threshold == 0.3
    # the baseline's own data, no threshold given: the baseline's 0.3, no (false) recall violation
    run = run_model_quality_monitor(b, frame, ground_truth_attribute="label", probability_attribute="score", bootstrap=0)
    assert run.status == "Completed", (run.reason, [v.description for v in run.violations])
    assert run.statistics["binary_classification_metrics"]["recall"]["value"] == pytest.approx(
        float(((frame["score"] >= 0.3) & (frame["label"] == 1)).sum() / (frame["label"] == 1).sum()))
    # giving the same value is fine
    same = run_model_quality_monitor(b, frame, ground_truth_attribute="label", probability_attribute="score",
                                     probability_threshold_attribute=0.3, bootstrap=0)
    assert same.status == "Completed"


def test_a_contradicting_threshold_is_refused_unless_allowed(tmp_path: Path) -> None:
    frame, b = _threshold_baseline(tmp_path)
    with pytest.raises(InvalidArgumentError, match=r"probability_threshold_attribute \(--probability-threshold-attribute\) 0.5 "
                                                   r"contradicts the baseline's 0.3.*allow_threshold_change \(--allow-threshold-change\)"):
        run_model_quality_monitor(b, frame, ground_truth_attribute="label", probability_attribute="score",
                                  probability_threshold_attribute=0.5, out=tmp_path / "r")
    assert not (tmp_path / "r").exists()  # refused before any work
    run = run_model_quality_monitor(b, frame, ground_truth_attribute="label", probability_attribute="score",
                                    probability_threshold_attribute=0.5, allow_threshold_change=True, bootstrap=0)
    assert "recall" in {v.metric_name for v in run.violations}  # the labels are cut elsewhere: recall drops


def test_older_and_sagemaker_baselines(tmp_path: Path) -> None:
    frame, b = _threshold_baseline(tmp_path)
    # a driftline baseline from before model_quality.json: cbpe.json holds the threshold
    (b / "model_quality.json").unlink()
    assert load_model_quality_baseline(b).probability_threshold == 0.3
    # a SageMaker-written baseline records none: SageMaker's 0.5, and any value may be given
    (b / "cbpe.json").unlink()
    (b / "statistics.json").unlink()
    assert load_model_quality_baseline(b).probability_threshold is None
    run = run_model_quality_monitor(b, frame, ground_truth_attribute="label", probability_attribute="score", bootstrap=0)
    assert run.statistics["binary_classification_metrics"]["recall"]["value"] == pytest.approx(
        float(((frame["score"] >= 0.5) & (frame["label"] == 1)).sum() / (frame["label"] == 1).sum()))
    run_model_quality_monitor(b, frame, ground_truth_attribute="label", probability_attribute="score", probability_threshold_attribute=0.7,
                              bootstrap=0)
    (b / "model_quality.json").write_text('{"format": "driftline.model_quality_baseline", "version": 1, '
                                          '"probability_threshold_attribute": "high"}')
    with pytest.raises(Exception, match="model_quality.json: probability_threshold_attribute must be a number"):
        load_model_quality_baseline(b)


# -- sizes and numbers from the caller -----------------------------------------------------------


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"bootstrap": -1}, r"bootstrap \(--bootstrap\) must be >= 0, got -1"),
    ({"bootstrap": 10**12}, r"bootstrap \(--bootstrap\) must be at most 100,000"),
    ({"bootstrap": 2.5}, r"bootstrap \(--bootstrap\) must be an integer"),
    ({"seed": -1}, r"seed \(--seed\) must be >= 0"),
    ({"seed": 2**64}, r"seed \(--seed\) must be at most"),
    ({"probability_threshold_attribute": math.nan}, r"probability_threshold_attribute \(--probability-threshold-attribute\) must be a finite"),
    ({"probability_threshold_attribute": 1.5}, r"probability_threshold_attribute \(--probability-threshold-attribute\) must be in \[0, 1\]"),
])
def test_run_refuses_sizes_and_numbers_out_of_range(tmp_path: Path, kwargs: dict[str, object], match: str) -> None:
    frame, b = _threshold_baseline(tmp_path)
    with pytest.raises(InvalidArgumentError, match=match):
        run_model_quality_monitor(b, frame, ground_truth_attribute="label", probability_attribute="score", allow_threshold_change=True,
                                  **kwargs)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match=match):
        suggest_model_quality_baseline(frame, problem_type="BinaryClassification", ground_truth_attribute="label", probability_attribute="score",
                                       **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"slack": -1.0}, r"slack \(--slack\) must be >= 0"),
    ({"slack": math.inf}, r"slack \(--slack\) must be a finite number"),
    ({"tolerance": math.nan}, r"tolerance \(--tolerance\) must be a finite number"),
    ({"tolerance": -0.5}, r"tolerance \(--tolerance\) must be >= 0"),
    ({"tolerance": 1.79e308, "slack": 1.79e308}, r"move the .* threshold past the largest float"),
])
def test_slack_and_tolerance_are_checked(kwargs: dict[str, float], match: str) -> None:
    frame = _scored(400)
    with pytest.raises(InvalidArgumentError, match=match):
        suggest_model_quality_baseline(frame, problem_type="BinaryClassification", ground_truth_attribute="label", probability_attribute="score",
                                       bootstrap=0, **kwargs)  # type: ignore[arg-type]


def test_statistics_refuse_a_huge_bootstrap_before_allocating() -> None:
    y = pl.Series(["0", "1"] * 100)
    with pytest.raises(InvalidArgumentError, match=r"bootstrap \(--bootstrap\) must be at most 100,000, got 1,000,000,000,000"):
        model_quality_statistics(y, y, "BinaryClassification", bootstrap=10**12)
    with pytest.raises(InvalidArgumentError, match="confidence"):
        model_quality_statistics(y, y, "BinaryClassification", confidence=1.0)


# -- output folders ------------------------------------------------------------------------------


def _bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_monitor_refuses_the_baseline_folder_as_out(tmp_path: Path) -> None:
    frame, b = _threshold_baseline(tmp_path)
    before = _bytes(b)
    assert set(before) == {"statistics.json", "constraints.json", "cbpe.json", "model_quality.json"}
    with pytest.raises(InvalidArgumentError, match="inside the input|already holds files"):
        run_model_quality_monitor(b, frame, ground_truth_attribute="label", probability_attribute="score", out=b)
    assert _bytes(b) == before
    # a failing run (the labels column is missing) into the baseline folder: refused alike, nothing touched
    with pytest.raises(InvalidArgumentError):
        run_model_quality_monitor(b, frame, ground_truth_attribute="nope", probability_attribute="score", out=b)
    assert _bytes(b) == before
    # a sub-folder of the baseline, a folder holding the data, a folder with other files: refused
    frame.write_csv(tmp_path / "d.csv")
    with pytest.raises(InvalidArgumentError, match="inside the input"):
        run_model_quality_monitor(b, frame, ground_truth_attribute="label", probability_attribute="score", out=b / "run")
    with pytest.raises(InvalidArgumentError, match="already holds files"):
        run_model_quality_monitor(b, tmp_path / "d.csv", ground_truth_attribute="label", probability_attribute="score", out=tmp_path)
    with pytest.raises(InvalidArgumentError, match="is a file"):
        run_model_quality_monitor(b, tmp_path / "d.csv", ground_truth_attribute="label", probability_attribute="score",
                                  out=tmp_path / "d.csv")
    assert _bytes(b) == before and not (b / "run").exists()


def test_a_failed_run_leaves_only_its_own_files(tmp_path: Path) -> None:
    frame, b = _threshold_baseline(tmp_path)
    out = tmp_path / "run"
    ok = run_model_quality_monitor(b, frame, ground_truth_attribute="label", probability_attribute="score", bootstrap=0, out=out)
    assert ok.status == "Completed"
    assert set(_bytes(out)) == {"statistics.json", "constraint_violations.json", "metrics.json", "merge_report.json",
                                "estimated_performance.json", "monitoring_run.json"}
    # the same folder, no labels this time: the earlier run's statistics go, the estimates stay
    failed = run_model_quality_monitor(b, frame.drop("label"), None, probability_attribute="score", bootstrap=0, out=out)
    assert failed.status == "Failed"
    assert set(_bytes(out)) == {"merge_report.json", "estimated_performance.json", "monitoring_run.json"}
    est = json.loads((out / "estimated_performance.json").read_text())
    assert est["method"] == "CBPE" and est["reference_rows"] == 2000
    assert "label sampling" in est["interval_covers"] and "finite reference" in est["interval_excludes"]
    # a user's file in the folder: refused, the file kept
    (out / "notes.txt").write_text("mine")
    with pytest.raises(InvalidArgumentError, match=r"already holds files .*notes.txt"):
        run_model_quality_monitor(b, frame, ground_truth_attribute="label", probability_attribute="score", out=out)
    assert (out / "notes.txt").read_text() == "mine"


def test_baseline_write_refuses_a_folder_with_other_files(tmp_path: Path) -> None:
    frame = _scored(300)
    (tmp_path / "d").mkdir()
    frame.write_csv(tmp_path / "d" / "data.csv")
    for out in (tmp_path / "d", tmp_path / "d" / "data.csv"):
        with pytest.raises(InvalidArgumentError, match="--out|out"):
            suggest_model_quality_baseline(tmp_path / "d" / "data.csv", problem_type="BinaryClassification", ground_truth_attribute="label",
                                           probability_attribute="score", bootstrap=0, out=out)
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == ["data.csv"]
    base = suggest_model_quality_baseline(frame, problem_type="BinaryClassification", ground_truth_attribute="label",
                                          probability_attribute="score", bootstrap=0)
    with pytest.raises(InvalidArgumentError, match="already holds files"):
        base.write(tmp_path / "d")
    assert base.write(tmp_path / "b") == ["cbpe.json", "constraints.json", "model_quality.json", "statistics.json"]
    assert base.write(tmp_path / "b") == ["cbpe.json", "constraints.json", "model_quality.json", "statistics.json"]  # its own folder again
    # a folder of the same file names that driftline did not write as a model-quality baseline
    # (a data-quality baseline, SageMaker's): refused, untouched, also before the work of suggest
    (tmp_path / "dq").mkdir()
    (tmp_path / "dq" / "constraints.json").write_text('{"version": 0.0, "features": []}')
    (tmp_path / "dq" / "statistics.json").write_text('{"version": 0.0, "features": []}')
    before = _bytes(tmp_path / "dq")
    with pytest.raises(InvalidArgumentError, match=r"out \(--out\) .* no model_quality.json"):
        base.write(tmp_path / "dq")
    with pytest.raises(InvalidArgumentError, match="no model_quality.json"):
        suggest_model_quality_baseline(tmp_path / "nothing-read.csv", problem_type="BinaryClassification", ground_truth_attribute="label",
                                       probability_attribute="score", out=tmp_path / "dq")
    assert _bytes(tmp_path / "dq") == before


# -- what a failed run records -------------------------------------------------------------------


def test_failed_run_counts_its_bad_records_and_puts_the_reason_first(tmp_path: Path) -> None:
    frame, b = _threshold_baseline(tmp_path)
    cap = tmp_path / "capture" / "ep" / "AllTraffic" / "2024" / "03" / "01" / "10"
    cap.mkdir(parents=True)
    lines = []
    for i in range(50):
        meta = {"eventId": f"e{i}", "inferenceTime": "2024-03-01T10:00:00Z"}
        lines.append(json.dumps({"captureData": {
            "endpointInput": {"observedContentType": "text/csv", "mode": "INPUT", "data": "1.0", "encoding": "CSV"},
            "endpointOutput": {"observedContentType": "text/csv", "mode": "OUTPUT", "data": "0.7", "encoding": "CSV"}},
            "eventMetadata": meta, "eventVersion": "0"}))
    lines[3] = lines[3][:40]  # truncated JSON
    lines[9] = "not json at all"
    (cap / "part.jsonl").write_text("\n".join(lines) + "\n")
    run = run_model_quality_monitor(b, tmp_path / "capture", None, probability_attribute="0", start="2024-03-01T10:00:00Z",
                                    end="2024-03-01T11:00:00Z", out=tmp_path / "r")
    assert run.status == "Failed"
    assert run.bad_records == 2 and run.reason.startswith("Captured data: 2 bad records"), run.reason
    assert "--on-bad-record skip" in run.reason
    doc = json.loads((tmp_path / "r" / "monitoring_run.json").read_text())
    assert list(doc)[:2] == ["status", "reason"]
    assert doc["bad_records"] == 2 and doc["bad_records_summary"].startswith("Captured data: ")
    skipped = run_model_quality_monitor(b, tmp_path / "capture", None, probability_attribute="0", start="2024-03-01T10:00:00Z",
                                        end="2024-03-01T11:00:00Z", on_bad_record="skip")
    assert skipped.bad_records == 2 and skipped.merge.predictions == 48


def test_messages_name_the_cli_flags() -> None:
    frame = pl.DataFrame({"label": ["a", "b", "a", "b"], "score": [0.1, 0.9, 0.4, 0.6]})
    with pytest.raises(Exception, match=r"pass positive_label \(--positive-label\)"):
        suggest_model_quality_baseline(frame, problem_type="BinaryClassification", ground_truth_attribute="label", probability_attribute="score")
    with pytest.raises(InvalidArgumentError, match=r"inference_attribute \(--inference-attribute\).*probability_attribute \(--probability-attribute\)"):
        suggest_model_quality_baseline(frame, problem_type="BinaryClassification", ground_truth_attribute="label")
    with pytest.raises(InvalidArgumentError, match=r"dle_features \(--dle-features\) apply to Regression"):
        suggest_model_quality_baseline(frame, problem_type="BinaryClassification", ground_truth_attribute="label", probability_attribute="score",
                                       positive_label="b", dle_features=["score"])
    with pytest.raises(InvalidArgumentError, match=r"start_offset \(--start-time-offset\) 'yesterday'"):
        from driftline.model_quality import analysis_window

        analysis_window("2024-03-01T00:00:00Z", "yesterday", "PT0H")


@pytest.mark.parametrize(("rule", "match"), [
    ({"acuracy": {"threshold": 0.9, "comparison_operator": "LessThanThreshold"}}, r"binary_classification_constraints.acuracy: no Binary"),
    ({"accuracy": {"threshold": "high", "comparison_operator": "LessThanThreshold"}}, r"accuracy.threshold must be a finite number, got 'high'"),
    ({"accuracy": {"threshold": "NaN", "comparison_operator": "LessThanThreshold"}}, r"accuracy.threshold must be a finite number"),
    ({"accuracy": {"threshold": 0.9, "comparison_operator": "Below"}}, r"accuracy.comparison_operator must be one of"),
    ({"accuracy": 0.9}, r"accuracy must be an object"),
])
def test_constraint_files_are_checked_on_load(tmp_path: Path, rule: dict[str, object], match: str) -> None:
    # formerly skipped at every run: a constraint that can never be checked is no constraint
    (tmp_path / "constraints.json").write_text(json.dumps({"version": 0.0, "binary_classification_constraints": rule}))
    with pytest.raises(Exception, match=match) as info:
        load_model_quality_baseline(tmp_path)
    assert "constraints.json" in str(info.value)
