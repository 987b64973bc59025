"""Model-quality statistics (each problem type against scikit-learn), SageMaker's standard
deviation rule and the bootstrap interval, constraints and violations, baselines (driftline- and
SageMaker-written) and monitoring runs end to end, from the Python API and the CLI."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
import sklearn.metrics as sk
from hypothesis import given, settings
from hypothesis import strategies as st

from driftline.cli import main
from driftline.model_quality import (
    check_constraints,
    load_model_quality_baseline,
    model_quality_statistics,
    run_model_quality_monitor,
    suggest_constraints,
    suggest_model_quality_baseline,
)
from driftline.model_quality.outputs import _normalize_labels
from driftline.model_quality.statistics import _encode, _weighted_scalars

T0 = datetime(2024, 3, 1, 10, tzinfo=UTC)
# Values come from driftline.metrics, which follows scikit-learn operation by operation: 1e-12.
TOL = 1e-12


def _binary(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    s = np.clip(0.35 * y + rng.uniform(0, 0.65, n), 0, 1).round(3)
    return y, s, (s >= 0.5).astype(int)


def test_binary_statistics_equal_sklearn() -> None:
    y, s, p = _binary(1000, 0)
    doc = model_quality_statistics(pl.Series(y), pl.Series(p), "BinaryClassification", y_score=pl.Series(s))
    m = doc["binary_classification_metrics"]
    want = {
        "accuracy": sk.accuracy_score(y, p), "precision": sk.precision_score(y, p), "recall": sk.recall_score(y, p),
        "f1": sk.f1_score(y, p), "f0_5": sk.fbeta_score(y, p, beta=0.5), "f2": sk.fbeta_score(y, p, beta=2),
        "auc": sk.roc_auc_score(y, s), "true_positive_rate": sk.recall_score(y, p),
        "false_positive_rate": 1 - sk.recall_score(y, p, pos_label=0), "true_negative_rate": sk.recall_score(y, p, pos_label=0),
        "false_negative_rate": 1 - sk.recall_score(y, p),
        "accuracy_best_constant_classifier": y.mean(), "precision_best_constant_classifier": y.mean(),
        "recall_best_constant_classifier": 1.0, "f1_best_constant_classifier": sk.f1_score(y, np.ones_like(y)),
    }
    for name, value in want.items():
        assert m[name]["value"] == pytest.approx(value, abs=TOL), name
    cm = sk.confusion_matrix(y, p)
    assert m["confusion_matrix"] == {"0": {"0": cm[0, 0], "1": cm[0, 1]}, "1": {"0": cm[1, 0], "1": cm[1, 1]}}
    fpr, tpr, _ = sk.roc_curve(y, s)
    curve = m["receiver_operating_characteristic_curve"]
    assert len(curve["false_positive_rates"]) <= 1001
    assert np.interp(0.3, curve["false_positive_rates"], curve["true_positive_rates"]) == pytest.approx(np.interp(0.3, fpr, tpr), abs=0.01)
    assert doc["dataset"]["item_count"] == 1000


def test_multiclass_with_unseen_classes_and_regression_equal_sklearn() -> None:
    rng = np.random.default_rng(1)
    y = rng.choice(["cat", "dog", "emu"], 600)
    p = np.where(rng.random(600) < 0.7, y, rng.choice(["cat", "dog", "yak"], 600))  # "yak" is never a true label
    m = model_quality_statistics(pl.Series(y), pl.Series(p), "MulticlassClassification")["multiclass_classification_metrics"]
    assert m["accuracy"]["value"] == pytest.approx(sk.accuracy_score(y, p), abs=TOL)
    for name, beta in (("f1", 1), ("f0_5", 0.5), ("f2", 2)):
        got = m[f"weighted_{name}"]["value"]
        assert got == pytest.approx(sk.fbeta_score(y, p, beta=beta, average="weighted", zero_division=0), abs=TOL)
    assert m["weighted_recall"]["value"] == pytest.approx(sk.recall_score(y, p, average="weighted", zero_division=0), abs=TOL)
    assert m["weighted_precision"]["value"] == pytest.approx(sk.precision_score(y, p, average="weighted", zero_division=0), abs=TOL)
    assert set(m["confusion_matrix"]) == {"cat", "dog", "emu", "yak"}
    yr = rng.normal(size=500)
    pr = yr + rng.normal(scale=0.5, size=500)
    r = model_quality_statistics(yr, pr, "Regression")["regression_metrics"]
    assert r["mae"]["value"] == pytest.approx(sk.mean_absolute_error(yr, pr), abs=TOL)
    assert r["mse"]["value"] == pytest.approx(sk.mean_squared_error(yr, pr), abs=TOL)
    assert r["rmse"]["value"] == pytest.approx(math.sqrt(sk.mean_squared_error(yr, pr)), abs=TOL)
    assert r["r2"]["value"] == pytest.approx(sk.r2_score(yr, pr), abs=TOL)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["BinaryClassification", "MulticlassClassification", "Regression"]),
    st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3), st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0])), min_size=2, max_size=80),
)
def test_weighted_formulas_equal_the_metrics_on_unit_weights(problem: Any, rows: list[tuple[int, int, float]]) -> None:
    # the subsample and bootstrap metrics are weighted sums: on unit weights they must equal the
    # values from driftline.metrics (= scikit-learn), including ties, one class and absent classes
    t = [r[0] % (2 if problem == "BinaryClassification" else 4) for r in rows]
    p = [r[1] % (2 if problem == "BinaryClassification" else 4) for r in rows]
    score = [r[2] for r in rows]
    if problem == "Regression":
        tt, pp = pl.Series([float(v) for v in t]), pl.Series([float(v) for v in p])
    else:
        tt, pp = _normalize_labels(pl.Series(t)), _normalize_labels(pl.Series(p))
    with_score = problem == "BinaryClassification" and len(set(t)) == 2
    doc = model_quality_statistics(tt, pp, problem, y_score=pl.Series(score) if with_score else None, bootstrap=0)
    main_values = next(v for k, v in doc.items() if k.endswith("_metrics"))
    enc = _encode(problem, tt, pp, pl.Series(score) if with_score else None, None)
    for name, v in _weighted_scalars(enc, np.ones((1, len(rows)))).items():
        want = main_values[name]["value"]
        if want == "NaN":  # a rate over no rows
            assert math.isnan(v[0]), name
        else:
            assert v[0] == pytest.approx(want, abs=TOL), name


def test_standard_deviation_rule_and_bootstrap_interval() -> None:
    y, s, p = _binary(199, 2)
    small = model_quality_statistics(y, p, "BinaryClassification", y_score=s)["binary_classification_metrics"]
    assert small["accuracy"]["standard_deviation"] == "NaN"  # SageMaker: only from 200 samples
    y, s, p = _binary(2000, 2)
    a = model_quality_statistics(y, p, "BinaryClassification", y_score=s, seed=5, evaluation_time=T0)
    b = model_quality_statistics(y, p, "BinaryClassification", y_score=s, seed=5, evaluation_time=T0)
    assert json.dumps(a) == json.dumps(b)  # seeded: same bytes
    m = a["binary_classification_metrics"]
    for name in ("accuracy", "f1", "auc", "precision"):
        sd = m[name]["standard_deviation"]
        ci = m[name]["confidence_interval"]
        assert 0 < sd < 0.05
        assert ci["lower"] < m[name]["value"] < ci["upper"] and ci["level"] == 0.95 and ci["resamples"] == 200
    # the bootstrap interval of the accuracy is about value +/- 1.96 sqrt(acc (1 - acc) / n)
    acc = m["accuracy"]["value"]
    half = 1.96 * math.sqrt(acc * (1 - acc) / 2000)
    assert m["accuracy"]["confidence_interval"]["upper"] - m["accuracy"]["confidence_interval"]["lower"] == pytest.approx(2 * half, rel=0.25)
    none = model_quality_statistics(y, p, "BinaryClassification", bootstrap=0)["binary_classification_metrics"]
    assert "confidence_interval" not in none["accuracy"]


def test_constraints_and_violations() -> None:
    y, s, p = _binary(500, 3)
    stats = model_quality_statistics(y, p, "BinaryClassification", y_score=s)
    cons = suggest_constraints(stats)["binary_classification_constraints"]
    m = stats["binary_classification_metrics"]
    assert cons["auc"] == {"threshold": m["auc"]["value"], "comparison_operator": "LessThanThreshold"}
    assert cons["false_positive_rate"]["comparison_operator"] == "GreaterThanThreshold"
    assert "accuracy_best_constant_classifier" not in cons
    assert check_constraints(stats, suggest_constraints(stats)) == []  # equal to the threshold is no violation
    loose = suggest_constraints(stats, slack=2.0)["binary_classification_constraints"]
    assert loose["auc"]["threshold"] == pytest.approx(m["auc"]["value"] - 2 * m["auc"]["standard_deviation"])
    worse = model_quality_statistics(y, 1 - p, "BinaryClassification", y_score=1 - s)
    found = {v.metric_name: v for v in check_constraints(worse, suggest_constraints(stats))}
    assert {"auc", "accuracy", "f1", "false_positive_rate"} <= set(found)
    assert found["auc"].to_json()["description"].startswith("Metric auc with ")
    assert "was LessThanThreshold" in found["auc"].description
    with pytest.raises(Exception, match="for Regression"):
        check_constraints(worse, {"regression_constraints": {}})


def _sagemaker_regression_constraints(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    # the layout of SageMaker's suggested regression constraints (research notes §4.4)
    (folder / "constraints.json").write_text(json.dumps({"version": 0.0, "regression_constraints": {
        "mae": {"threshold": 0.5040653554420981, "comparison_operator": "GreaterThanThreshold"},
        "mse": {"threshold": 0.33364933609800973, "comparison_operator": "GreaterThanThreshold"},
        "rmse": {"threshold": 0.5776238707827177, "comparison_operator": "GreaterThanThreshold"},
        "r2": {"threshold": -3.208758170289026, "comparison_operator": "LessThanThreshold"}}}, indent=2))
    return folder


def _regression_window(n: int, noise: float, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    y = rng.normal(size=n)
    return pl.DataFrame({"eventId": [f"e{i}" for i in range(n)], "prediction": y + rng.normal(scale=noise, size=n), "truth": y,
                         "region": rng.choice(["eu", "us"], n)})


def test_sagemaker_written_regression_baseline_as_input(tmp_path: Path) -> None:
    base = load_model_quality_baseline(_sagemaker_regression_constraints(tmp_path / "sm"))
    assert base.problem_type == "Regression" and base.statistics is None and base.cbpe is None
    good = run_model_quality_monitor(base, _regression_window(1000, 0.3, 1), inference_attribute="prediction",
                                     ground_truth_attribute="truth", out=tmp_path / "good")
    assert good.status == "Completed", good.reason
    bad = run_model_quality_monitor(base, _regression_window(1000, 0.9, 1), inference_attribute="prediction",
                                    ground_truth_attribute="truth", segment_by="region", out=tmp_path / "bad")
    assert bad.status == "CompletedWithViolations"
    assert {v.metric_name for v in bad.violations} == {"mae", "mse", "rmse"}
    doc = json.loads((tmp_path / "bad" / "constraint_violations.json").read_text())
    assert {v["constraint_check_type"] for v in doc["violations"]} == {"GreaterThanThreshold"}
    seg = json.loads((tmp_path / "bad" / "segments.json").read_text())
    assert seg["segment_by"] == "region" and set(seg["segments"]) == {"eu", "us"}
    assert sum(s["item_count"] for s in seg["segments"].values()) == 1000
    assert json.loads((tmp_path / "bad" / "monitoring_run.json").read_text())["status"] == "CompletedWithViolations"


@pytest.mark.shared
def test_the_real_sagemaker_constraints_file_loads(shared_dir: Path) -> None:
    base = load_model_quality_baseline(shared_dir / "reference" / "sagemaker" / "model-quality-regression-constraints.json")
    assert base.problem_type == "Regression"
    assert base.constraints["regression_constraints"]["r2"]["comparison_operator"] == "LessThanThreshold"


# -- end to end from capture files ---------------------------------------------------------------


def _capture_line(i: int, t: datetime, features: str, output: str, inference_id: bool) -> dict[str, Any]:
    meta = {"eventId": f"ev-{i}", "inferenceTime": t.strftime("%Y-%m-%dT%H:%M:%SZ")}
    if inference_id:
        meta["inferenceId"] = f"inf-{i}"
    return {"captureData": {
        "endpointInput": {"observedContentType": "text/csv", "mode": "INPUT", "data": features, "encoding": "CSV"},
        "endpointOutput": {"observedContentType": "text/csv", "mode": "OUTPUT", "data": output, "encoding": "CSV"}},
        "eventMetadata": meta, "eventVersion": "0"}


def _write_lines(path: Path, lines: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")


def _scenario(root: Path, n: int = 600, flip: float = 0.15, seed: int = 4) -> tuple[Path, Path]:
    """Captured predictions (predicted label as the output) over two hours and ground truth
    uploaded a day later; labels for the last 10 % never arrive; a few orphan labels."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    y = (x + rng.normal(scale=0.5, size=n) > 0).astype(int)
    pred = np.where(rng.random(n) < flip, 1 - y, y)
    cap, gt = [], []
    for i in range(n):
        t = T0 + timedelta(seconds=int(i * 7200 / n))
        cap.append(_capture_line(i, t, f"{x[i]:.4f}", str(pred[i]), inference_id=i % 2 == 0))
        if i < int(0.9 * n):
            key = f"inf-{i}" if i % 2 == 0 else f"ev-{i}"
            gt.append({"groundTruthData": {"data": str(y[i]), "encoding": "CSV"}, "eventMetadata": {"eventId": key}, "eventVersion": "0"})
    gt.append({"groundTruthData": {"data": "1", "encoding": "CSV"}, "eventMetadata": {"eventId": "nobody"}, "eventVersion": "0"})
    for h in range(2):
        _write_lines(root / "capture" / "ep" / "AllTraffic" / "2024" / "03" / "01" / f"{10 + h:02d}" / "part.jsonl",
                     [c for c in cap if c["eventMetadata"]["inferenceTime"][11:13] == f"{10 + h:02d}"])
    _write_lines(root / "gt" / "2024" / "03" / "02" / "10" / "labels.jsonl", gt)
    return root / "capture", root / "gt"


def test_monitor_from_capture_and_ground_truth_folders(tmp_path: Path) -> None:
    capture, gt = _scenario(tmp_path / "data")
    rng = np.random.default_rng(0)
    yb = rng.integers(0, 2, 800)
    base_frame = pl.DataFrame({"label": yb, "predicted": np.where(rng.random(800) < 0.1, 1 - yb, yb)})
    base = suggest_model_quality_baseline(base_frame, problem_type="BinaryClassification", ground_truth_attribute="label",
                                          inference_attribute="predicted", evaluation_time=T0)
    base.write(tmp_path / "baseline")
    assert sorted(p.name for p in (tmp_path / "baseline").iterdir()) == ["constraints.json", "model_quality.json", "statistics.json"]
    run = run_model_quality_monitor(tmp_path / "baseline", capture, gt, inference_attribute="0", run_time="2024-03-02T12:00:00Z",
                                    start_offset="-P1DT2H", end_offset="-P1D", out=tmp_path / "run")
    assert run.status == "CompletedWithViolations", run.reason  # 15 % flipped vs 10 % at baseline
    assert "accuracy" in {v.metric_name for v in run.violations}
    assert (run.merge.predictions, run.merge.matched, run.merge.predictions_without_labels, run.merge.labels_without_predictions) == (600, 540, 60, 1)
    files = sorted(p.name for p in (tmp_path / "run").iterdir())
    assert files == ["constraint_violations.json", "merge_report.json", "metrics.json", "monitoring_run.json", "statistics.json"]
    assert json.loads((tmp_path / "run" / "merge_report.json").read_text())["matched"] == 540
    # one hour of the window: only its predictions
    hour = run_model_quality_monitor(tmp_path / "baseline", capture, gt, inference_attribute="0", start="2024-03-01T10:00:00Z",
                                     end="2024-03-01T11:00:00Z")
    assert hour.merge.predictions == 300
    # no labels yet: Failed with the reason, no statistics left behind, the merge report kept
    early = run_model_quality_monitor(tmp_path / "baseline", capture, None,
                                      inference_attribute="0", start="2024-03-01T10:00:00Z", end="2024-03-01T12:00:00Z", out=tmp_path / "run")
    assert early.status == "Failed" and "no ground truth yet" in early.reason
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["merge_report.json", "monitoring_run.json"]
    # an empty window fails as in SageMaker
    empty = run_model_quality_monitor(tmp_path / "baseline", capture, gt, inference_attribute="0", start="2025-01-01T00:00:00Z",
                                      end="2025-01-02T00:00:00Z")
    assert empty.status == "Failed" and "no predictions in the analysis window" in empty.reason
    # bad input: a clear reason naming the attribute
    wrong = run_model_quality_monitor(tmp_path / "baseline", capture, gt, inference_attribute="7", start="2024-03-01T10:00:00Z",
                                      end="2024-03-01T12:00:00Z")
    assert wrong.status == "Failed" and "inference_attribute (--inference-attribute) 7 is out of range" in wrong.reason


def test_outputs_are_deterministic(tmp_path: Path) -> None:
    capture, gt = _scenario(tmp_path / "data")
    base = _sagemaker_binary_baseline(tmp_path / "b")
    texts = []
    for k in range(2):
        run_model_quality_monitor(base, capture, gt, inference_attribute="0", start="2024-03-01T10:00:00Z", end="2024-03-01T12:00:00Z",
                                  out=tmp_path / f"r{k}")
        doc = json.loads((tmp_path / f"r{k}" / "statistics.json").read_text())
        doc["dataset"].pop("evaluation_time")
        texts.append(json.dumps(doc) + (tmp_path / f"r{k}" / "constraint_violations.json").read_text())
    assert texts[0] == texts[1]


def _sagemaker_binary_baseline(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "constraints.json").write_text(json.dumps({"version": 0.0, "binary_classification_constraints": {
        "accuracy": {"threshold": 0.9, "comparison_operator": "LessThanThreshold"},
        "false_positive_rate": {"threshold": 0.05, "comparison_operator": "GreaterThanThreshold"}}}))
    return folder


def test_cli_model_quality(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capture, gt = _scenario(tmp_path / "data")
    rng = np.random.default_rng(0)
    yb = rng.integers(0, 2, 500)
    table = tmp_path / "baseline.csv"
    pl.DataFrame({"label": yb, "predicted": np.where(rng.random(500) < 0.1, 1 - yb, yb)}).write_csv(table)
    assert main(["model-quality", "baseline", "--data", str(table), "--problem-type", "BinaryClassification",
                 "--ground-truth-attribute", "label", "--inference-attribute", "predicted", "--out", str(tmp_path / "b")]) == 0
    assert "BinaryClassification baseline of 500 rows" in capsys.readouterr().out
    code = main(["model-quality", "monitor", "--baseline", str(tmp_path / "b"), "--data", str(capture), "--ground-truth", str(gt),
                 "--inference-attribute", "0", "--run-time", "2024-03-02T12:00:00Z", "--start-time-offset", "-P1DT2H", "--end-time-offset", "-P1D",
                 "--out", str(tmp_path / "r"), "--fail-on-violations"])
    out = capsys.readouterr().out
    assert code == 3 and out.startswith("CompletedWithViolations: 540 of 600 predictions labelled")
    assert main(["model-quality", "monitor", "--baseline", str(tmp_path / "nope"), "--data", str(capture), "--out", str(tmp_path / "r2"),
                 "--inference-attribute", "0"]) == 1
    assert "no model-quality constraints" in capsys.readouterr().out
    assert main(["model-quality", "baseline", "--data", str(table), "--problem-type", "BinaryClassification", "--ground-truth-attribute", "label",
                 "--out", str(tmp_path / "b2")]) == 2
    assert "--inference-attribute or --probability-attribute" in capsys.readouterr().err


def test_ground_truth_as_a_table_file_and_string_labels(tmp_path: Path) -> None:
    # multiclass with string labels, ground truth uploaded as a CSV table with eventId and label
    rng = np.random.default_rng(8)
    n = 300
    y = rng.choice(["α", "β", "γ"], n)  # unicode class names
    pred = np.where(rng.random(n) < 0.8, y, "δ")  # a class the labels never hold
    frame = pl.DataFrame({"eventId": [f"e{i}" for i in range(n)], "predicted": pred})
    pl.DataFrame({"eventId": [f"e{i}" for i in range(0, n, 2)], "label": y[::2]}).write_csv(tmp_path / "labels.csv")
    base = tmp_path / "b"
    base.mkdir()
    (base / "constraints.json").write_text(json.dumps({"multiclass_classification_constraints": {
        "accuracy": {"threshold": 0.9, "comparison_operator": "LessThanThreshold"}}}))
    run = run_model_quality_monitor(base, frame, tmp_path / "labels.csv", inference_attribute="predicted")
    assert run.status == "CompletedWithViolations" and run.merge.matched == 150
    m = run.statistics["multiclass_classification_metrics"]
    assert m["accuracy"]["value"] == pytest.approx(sk.accuracy_score(y[::2], pred[::2]), abs=TOL)
    assert set(m["confusion_matrix"]) == {"α", "β", "γ", "δ"}
    wrong = run_model_quality_monitor(base, frame, tmp_path / "labels.csv", inference_attribute="predicted", problem_type="Regression")
    assert wrong.status == "Failed" and "baseline is for MulticlassClassification" in wrong.reason


def test_tolerance_and_labels_as_of_the_run_time(tmp_path: Path) -> None:
    y, s, p = _binary(500, 3)
    stats = model_quality_statistics(y, p, "BinaryClassification", y_score=s)
    m = stats["binary_classification_metrics"]
    c = suggest_constraints(stats, tolerance=0.05)["binary_classification_constraints"]
    assert c["recall"]["threshold"] == pytest.approx(m["recall"]["value"] - 0.05)
    assert c["false_positive_rate"]["threshold"] == pytest.approx(m["false_positive_rate"]["value"] + 0.05)
    with pytest.raises(Exception, match="tolerance"):
        suggest_constraints(stats, tolerance=-1)
    capture, gt = _scenario(tmp_path / "data")  # labels uploaded at 2024-03-02T10
    base = _sagemaker_binary_baseline(tmp_path / "b")
    before = run_model_quality_monitor(base, capture, gt, inference_attribute="0", run_time="2024-03-02T10:00:00Z",
                                       start_offset="-P1DT1H", end_offset="-PT22H")
    assert before.status == "Failed" and before.merge.matched == 0  # uploaded at the run time: not there yet
    after = run_model_quality_monitor(base, capture, gt, inference_attribute="0", run_time="2024-03-02T11:00:00Z",
                                      start_offset="-P1DT1H", end_offset="-PT23H")
    assert after.merge.matched == 540 and after.status != "Failed"


def test_estimated_performance_before_and_after_the_labels(tmp_path: Path) -> None:
    # a calibrated model: scores are the true probabilities; the baseline fits CBPE on labelled data
    rng = np.random.default_rng(11)
    n = 4000
    s = rng.beta(2, 3, n).round(4)
    y = (rng.random(n) < s).astype(int)
    base = suggest_model_quality_baseline(pl.DataFrame({"score": s, "label": y}), problem_type="BinaryClassification",
                                          ground_truth_attribute="label", probability_attribute="score", tolerance=0.05)
    base.write(tmp_path / "b")
    assert (tmp_path / "b" / "cbpe.json").is_file()
    loaded = load_model_quality_baseline(tmp_path / "b")
    assert loaded.cbpe is not None and loaded.cbpe.fitted
    # the window: a covariate shift towards confident scores (no concept drift)
    m = 3000
    ws = rng.beta(1, 4, m).round(4)
    wy = (rng.random(m) < ws).astype(int)
    frame = pl.DataFrame({"eventId": [f"e{i}" for i in range(m)], "score": ws})
    labels = pl.DataFrame({"eventId": [f"e{i}" for i in range(m)], "label": wy.astype(str)})
    before = run_model_quality_monitor(tmp_path / "b", frame, None, probability_attribute="score", out=tmp_path / "r1")
    assert before.status == "Failed" and "no ground truth yet" in before.reason
    est = json.loads((tmp_path / "r1" / "estimated_performance.json").read_text())
    assert est["method"] == "CBPE" and set(est["metrics"]) >= {"accuracy", "precision", "recall", "f1", "auc"}
    assert est["metrics"]["accuracy"]["realised"] is None and est["metrics"]["accuracy"]["predictions"] == m
    after = run_model_quality_monitor(tmp_path / "b", frame, labels, probability_attribute="score", out=tmp_path / "r2")
    assert after.status in ("Completed", "CompletedWithViolations")
    for name in ("accuracy", "auc", "f1"):
        e = after.estimated[name]
        realised = after.statistics["binary_classification_metrics"][name]["value"]
        assert e["realised"] == pytest.approx(realised, abs=TOL)
        # calibrated model, no concept drift: the realised value falls in the 95 % interval
        # (each check fails with probability ~5 %; the data is seeded, so the test is deterministic)
        assert e["lower"] <= realised <= e["upper"], (name, e, realised)


def test_numeric_labels_written_differently_are_one_class_and_bad_labels_are_named() -> None:
    # "1.0" from a JSON float, "1" from CSV, 1 from a typed table: one class
    truth = pl.Series(["1.0", "0", " 1 ", "0.0", "1", "0"])
    pred = pl.Series([1, 0, 1, 1, 1, 0])
    m = model_quality_statistics(truth, pred, "BinaryClassification", bootstrap=0)["binary_classification_metrics"]
    assert set(m["confusion_matrix"]) == {"0", "1"}
    assert m["accuracy"]["value"] == pytest.approx(5 / 6, abs=TOL)
    base = pl.DataFrame({"label": ["yes", "no", "yes", "no"], "score": [0.9, 0.2, 0.6, 0.4]})
    with pytest.raises(Exception, match="0/1 or true/false.*positive_label"):
        suggest_model_quality_baseline(base, problem_type="BinaryClassification", ground_truth_attribute="label",
                                       probability_attribute="score", bootstrap=0)
    ok = suggest_model_quality_baseline(base, problem_type="BinaryClassification", ground_truth_attribute="label",
                                        probability_attribute="score", positive_label="yes", bootstrap=0)
    assert ok.statistics is not None and ok.statistics["binary_classification_metrics"]["auc"]["value"] == 1.0
    reg = pl.DataFrame({"y": ["1.5", "oops"], "f": [1.0, 2.0]})
    with pytest.raises(Exception, match="label 'oops' \\(row 1\\) is not a number"):
        suggest_model_quality_baseline(reg, problem_type="Regression", ground_truth_attribute="y", inference_attribute="f")
    with pytest.raises(Exception, match="empty"):
        suggest_model_quality_baseline(reg.head(0), problem_type="Regression", ground_truth_attribute="y", inference_attribute="f")
    with pytest.raises(Exception, match="at most 2 labels"):
        model_quality_statistics(pl.Series(["a", "b", "c"]), pl.Series(["a", "b", "c"]), "BinaryClassification")


def test_large_windows_bootstrap_a_subsample_with_rescaled_intervals(monkeypatch: pytest.MonkeyPatch) -> None:
    import driftline.model_quality.statistics as mq

    y, s, p = _binary(8000, 9)
    full = model_quality_statistics(y, p, "BinaryClassification", y_score=s, seed=1)["binary_classification_metrics"]
    monkeypatch.setattr(mq, "BOOTSTRAP_MAX_ROWS", 2000)
    sub = model_quality_statistics(y, p, "BinaryClassification", y_score=s, seed=1)["binary_classification_metrics"]
    for name in ("accuracy", "f1", "auc", "recall"):
        a, b = full[name]["confidence_interval"], sub[name]["confidence_interval"]
        assert sub[name]["value"] == full[name]["value"]  # the value is always the full window's
        assert b["lower"] < sub[name]["value"] < b["upper"]
        # the rescaled width matches the full bootstrap's within sampling noise (~ 1/sqrt(2 * 200))
        assert (b["upper"] - b["lower"]) == pytest.approx(a["upper"] - a["lower"], rel=0.3), name


def test_json_capture_output_selected_by_jsonpath(tmp_path: Path) -> None:
    rng = np.random.default_rng(12)
    lines, labels = [], []
    for i in range(300):
        score = float(rng.random())
        y = int(rng.random() < score)
        lines.append({"captureData": {
            "endpointInput": {"observedContentType": "application/json", "mode": "INPUT", "data": json.dumps({"x": i}), "encoding": "JSON"},
            "endpointOutput": {"observedContentType": "application/json", "mode": "OUTPUT",
                               "data": json.dumps({"score": round(score, 4), "predicted_label": int(score >= 0.5)}), "encoding": "JSON"}},
            "eventMetadata": {"eventId": f"e{i}", "inferenceTime": "2024-03-01T10:00:00Z"}, "eventVersion": "0"})
        labels.append({"groundTruthData": {"data": json.dumps(y), "encoding": "JSON"}, "eventMetadata": {"eventId": f"e{i}"}, "eventVersion": "0"})
    _write_lines(tmp_path / "cap.jsonl", lines)
    _write_lines(tmp_path / "gt.jsonl", labels)
    base = _sagemaker_binary_baseline(tmp_path / "b")
    run = run_model_quality_monitor(base, tmp_path / "cap.jsonl", tmp_path / "gt.jsonl", inference_attribute="$.predicted_label",
                                    probability_attribute="$.score")
    assert run.merge.matched == 300, run.reason
    m = run.statistics["binary_classification_metrics"]
    scores = [json.loads(c["captureData"]["endpointOutput"]["data"])["score"] for c in lines]
    truth = [json.loads(g["groundTruthData"]["data"]) for g in labels]
    assert m["auc"]["value"] == pytest.approx(sk.roc_auc_score(truth, scores), abs=TOL)
    assert m["accuracy"]["value"] == pytest.approx(sk.accuracy_score(truth, [int(s >= 0.5) for s in scores]), abs=TOL)


def test_regression_loss_estimated_before_labels(tmp_path: Path) -> None:
    # heteroscedastic errors: the model is worse for large |x|; the window shifts x outwards
    rng = np.random.default_rng(21)

    def rows(n: int, mu: float) -> pl.DataFrame:
        x = rng.normal(mu, 1.0, n)
        y = np.sin(x) + rng.normal(0, 0.1 + 0.4 * np.abs(x))
        return pl.DataFrame({"x": x, "prediction": np.sin(x), "truth": y})

    ref = rows(20_000, 0.0)
    base = suggest_model_quality_baseline(ref, problem_type="Regression", ground_truth_attribute="truth", inference_attribute="prediction",
                                          dle_features=["x"], tolerance=0.05, bootstrap=0)
    base.write(tmp_path / "b")
    assert (tmp_path / "b" / "dle.json").is_file()
    window = rows(3000, 1.2)
    # the capture frame holds text, with one unreadable x (read as missing by the estimate)
    frame = window.with_columns(pl.col("x").cast(pl.String), eventId=pl.Series([f"e{i}" for i in range(3000)]))
    frame = frame.with_columns(x=pl.when(pl.col("eventId") == "e0").then(pl.lit("n/a")).otherwise(pl.col("x")))
    labels = pl.DataFrame({"eventId": frame["eventId"], "label": window["truth"].cast(pl.String)})
    before = run_model_quality_monitor(tmp_path / "b", frame.drop("truth"), None, inference_attribute="prediction", out=tmp_path / "r")
    assert before.status == "Failed"
    est = json.loads((tmp_path / "r" / "estimated_performance.json").read_text())
    assert est["method"] == "DLE" and set(est["metrics"]) == {"mae", "mse", "rmse"}
    assert {v["metric_name"] for v in est["estimated_violations"]} >= {"mae"}  # the loss grows with |x|: alarm before labels
    after = run_model_quality_monitor(tmp_path / "b", frame.drop("truth"), labels, inference_attribute="prediction")
    realised = after.statistics["regression_metrics"]["mae"]["value"]
    assert after.estimated["mae"]["realised"] == pytest.approx(realised, abs=TOL)
    assert after.estimated["mae"]["lower"] <= realised <= after.estimated["mae"]["upper"]
    assert realised > base.statistics["regression_metrics"]["mae"]["value"] + 0.05  # type: ignore[index]
    with pytest.raises(Exception, match="dle_features"):
        suggest_model_quality_baseline(ref, problem_type="Regression", ground_truth_attribute="truth", inference_attribute="prediction",
                                       dle_features=["nope"])
