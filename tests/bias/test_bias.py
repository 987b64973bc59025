"""Hand-worked bias metrics, Clarify configuration errors, the baseline and monitor files, the CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from driftline.bias import bias_analysis, load_bias_baseline, run_bias_monitor, suggest_bias_baseline
from driftline.cli import main
from driftline.clarify import load_analysis_config, parse_analysis_config
from driftline.errors import InvalidArgumentError, InvalidInputError


def metrics_of(doc: Any, stage: str, facet: str, i: int = 0) -> dict[str, Any]:
    return {m["name"]: m for m in doc[stage]["facets"][facet][i]["metrics"]}


# tiny tables: labels as text, since 0/1 integers with >= 5% distinct values are a threshold column (smclarify's rule)
CFG = {"label": "y", "label_values_or_threshold": ["pos"], "facet": [{"name_or_index": "f", "value_or_threshold": ["d"]}],
       "predicted_label": "p"}


def table(a: tuple[int, int, int, int], d: tuple[int, int, int, int], x: bool = True) -> pl.DataFrame:
    """Rows of groups a and d from their (TP, FP, FN, TN) counts."""
    rows = []
    for f, (tp, fp, fn, tn) in (("a", a), ("d", d)):
        rows += [(f, "pos", "pos")] * tp + [(f, "neg", "pos")] * fp + [(f, "pos", "neg")] * fn + [(f, "neg", "neg")] * tn
    frame = pl.DataFrame(rows, schema=["f", "y", "p"], orient="row")
    return frame.with_columns(x=pl.int_range(pl.len()).cast(pl.Float64)) if x else frame


def test_docs_kl_example_and_binary_quirks() -> None:
    # P_a = (0.8, 0.2) positive/negative, P_d = (0.3, 0.7): the docs' KL = 0.53
    frame = table((8, 0, 0, 2), (3, 0, 0, 7))
    m = metrics_of(bias_analysis(frame, parse_analysis_config(CFG)), "pre_training_bias_metrics", "f")
    assert m["KL"]["value"] == pytest.approx(0.8 * math.log(0.8 / 0.3) + 0.2 * math.log(0.2 / 0.7))
    dpl = 0.8 - 0.3
    assert m["DPL"]["value"] == pytest.approx(dpl)
    assert m["KS"]["value"] == pytest.approx(dpl) and m["TVD"]["value"] == pytest.approx(dpl)  # binary collapse
    assert m["LP"]["value"] == pytest.approx(math.sqrt(2) * dpl)
    assert m["CI"]["value"] == 0.0


def test_label_class_kept_only_in_both_groups() -> None:
    # a: all positive; d: half positive -> only the positive class is compared, not renormalised
    frame = table((4, 0, 0, 0), (2, 0, 0, 2))
    m = metrics_of(bias_analysis(frame, parse_analysis_config(CFG)), "pre_training_bias_metrics", "f")
    assert m["KL"]["value"] == pytest.approx(1.0 * math.log(1.0 / 0.5))
    assert m["KS"]["value"] == pytest.approx(0.5)


def test_generalized_entropy_unbounded_and_infinities() -> None:
    # 9 false negatives and 1 true positive: GE = 4.5 (the docs' [0, 0.5] range does not hold)
    frame = table((1, 0, 5, 0), (0, 0, 4, 0))
    m = metrics_of(bias_analysis(frame, parse_analysis_config(CFG)), "post_training_bias_metrics", "f")
    assert m["GE"]["value"] == pytest.approx(4.5)
    assert m["TE"]["value"] == 0.0  # FN/FP infinite in both groups: 0 (smclarify's rule)
    m = metrics_of(bias_analysis(table((1, 1, 5, 0), (0, 0, 4, 0)), parse_analysis_config(CFG)), "post_training_bias_metrics", "f")
    assert m["TE"]["value"] == "Infinity"  # FN_d / FP_d with FP_d = 0
    assert m["DI"]["value"] == 0.0


def test_facet_value_absent_and_non_numeric_features_are_nulls_with_reasons() -> None:
    frame = table((5, 2, 1, 4), (3, 1, 2, 2)).with_columns(name=pl.lit("z"))
    cfg = parse_analysis_config({**CFG, "facet": [{"name_or_index": "f", "value_or_threshold": ["nobody"]}]})
    doc = bias_analysis(frame, cfg)
    for stage in ("pre_training_bias_metrics", "post_training_bias_metrics"):
        for name, m in metrics_of(doc, stage, "f").items():
            if name not in ("GE", "CDDL", "CDDPL"):
                assert m["value"] is None and ("empty" in m["error"] or "both facet groups" in m["error"]), name
    ft = metrics_of(bias_analysis(frame, parse_analysis_config(CFG)), "post_training_bias_metrics", "f")["FT"]
    assert ft["value"] is None and "non-numeric" in ft["error"] and "name" in ft["error"]
    cdd = metrics_of(doc, "pre_training_bias_metrics", "f")["CDDL"]
    assert cdd["value"] is None and "group_variable" in cdd["error"]


def test_single_class_is_a_null_not_an_error() -> None:
    frame = table((3, 0, 0, 0), (2, 0, 0, 0))
    m = metrics_of(bias_analysis(frame, parse_analysis_config({**CFG, "group_variable": "f"})), "pre_training_bias_metrics", "f")
    assert m["CDDL"]["value"] is None and "no negative labels" in m["CDDL"]["error"]
    assert m["DPL"]["value"] == 0.0


def test_config_errors_name_file_and_field(tmp_path: Path) -> None:
    p = tmp_path / "analysis_config.json"
    p.write_text(json.dumps({"label": "y", "facet": [{"name_or_index": "f"}]}))
    with pytest.raises(InvalidInputError, match=r"analysis_config.json.*'label_values_or_threshold'"):
        load_analysis_config(p)
    p.write_text(json.dumps({**CFG, "facet": [{"name_or_index": 3}], "headers": ["a", "b"]}))
    with pytest.raises(InvalidInputError, match=r"'facet\[0\].name_or_index'.*index 3"):
        load_analysis_config(p)
    p.write_text(json.dumps({**CFG, "methods": {"post_training_bias": {"methods": ["DPPL", "XX"]}}}))
    with pytest.raises(InvalidInputError, match=r"methods.post_training_bias.methods.*XX"):
        load_analysis_config(p)


def test_clarify_config_file_as_is(tmp_path: Path) -> None:
    doc = {"dataset_type": "text/csv", "headers": ["y", "f", "x", "p"], "label": "y", "label_values_or_threshold": [1],
           "facet": [{"name_or_index": 1, "value_or_threshold": ["d"]}], "predicted_label": 3, "probability_threshold": 0.6,
           "methods": {"pre_training_bias": {"methods": "all"}, "post_training_bias": {"methods": ["DPPL", "DI"]},
                       "shap": {"baseline": [[0, 1]], "num_samples": 100, "agg_method": "mean_abs", "seed": 1}, "report": {"name": "r"}}}
    cfg = parse_analysis_config(doc)
    assert cfg.facets[0].name == "f" and cfg.predicted_label == "p" and cfg.post_training_methods == ["DI", "DPPL"]
    assert cfg.shap == {"baseline": [[0, 1]], "num_samples": 100, "agg_method": "mean_abs", "seed": 1}


def test_missing_label_column_is_a_clear_error() -> None:
    with pytest.raises(InvalidInputError, match="no column 'y'"):
        bias_analysis(pl.DataFrame({"f": ["a"], "p": [1]}), parse_analysis_config(CFG))


def test_probability_column_with_threshold() -> None:
    frame = table((5, 2, 1, 4), (3, 1, 2, 2)).with_columns(score=pl.when(pl.col("p") == "pos").then(0.7).otherwise(0.2), y=(pl.col("y") == "pos").cast(pl.Int64))
    frame = frame.with_columns(p=(pl.col("p") == "pos").cast(pl.Int64), f=pl.col("f").cast(pl.Categorical))
    cfg = {**CFG, "label_values_or_threshold": [1, 1]}  # two values: categorical
    by_label = bias_analysis(frame, parse_analysis_config(cfg))
    by_score = bias_analysis(frame, parse_analysis_config({**cfg, "probability": "score"}))
    assert by_label["post_training_bias_metrics"]["facets"]["f"][0]["metrics"][6] == by_score["post_training_bias_metrics"]["facets"]["f"][0]["metrics"][6]


def _files(tmp_path: Path) -> tuple[Path, Path, Path, Path]:
    rng = np.random.default_rng(0)
    n = 4000
    base = pl.DataFrame({"x": rng.normal(size=n), "sex": rng.choice(["m", "f"], n), "y": rng.integers(0, 2, n)})
    base = base.with_columns(p=((pl.col("x") + pl.Series(rng.normal(size=n) * 0.5)) > 0).cast(pl.Int64))
    drifted = base.with_columns(p=pl.when(pl.col("sex") == "f").then(0).otherwise(pl.col("p")))
    base.write_csv(tmp_path / "base.csv")
    drifted.write_csv(tmp_path / "drifted.csv")
    cfg = tmp_path / "analysis_config.json"
    cfg.write_text(json.dumps({"label": "y", "label_values_or_threshold": [1], "predicted_label": "p",
                               "facet": [{"name_or_index": "sex", "value_or_threshold": ["f"]}]}))
    return tmp_path / "base.csv", tmp_path / "drifted.csv", cfg, tmp_path / "baseline"


def test_baseline_and_monitor_files(tmp_path: Path) -> None:
    base_csv, drifted_csv, cfg, out = _files(tmp_path)
    base = suggest_bias_baseline(base_csv, cfg, out=out)
    assert json.loads((out / "analysis.json").read_text()) == base.analysis
    assert load_bias_baseline(out).constraints["post_training_bias_metrics"] == base.analysis["post_training_bias_metrics"]
    same = run_bias_monitor(out, cfg, base_csv, out=tmp_path / "same")
    assert same.status == "Completed" and not same.violations
    run = run_bias_monitor(out, cfg, drifted_csv, out=tmp_path / "run")
    assert run.status == "CompletedWithViolations"
    names = {v["metric_name"] for v in run.violations}
    assert {"DPPL", "DI"} <= names and not names & {"CI", "DPL"}  # labels did not change, predictions did
    viol = json.loads((tmp_path / "run" / "constraint_violations.json").read_text())["violations"]
    assert viol[0].keys() == {"facet", "facet_value", "metric_name", "constraint_check_type", "description"}
    assert all(v["constraint_check_type"] == "bias_drift_check" and v["facet"] == "sex" for v in viol)
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())["metrics"]
    te = [m for m in metrics if m["MetricName"] == "bias_metric_DCA"]
    assert te and te[0]["Value"] == -2.348543e108  # -inf as SageMaker publishes it
    record = json.loads((tmp_path / "run" / "monitoring_run.json").read_text())
    assert record["status"] == "CompletedWithViolations" and record["item_count"] == 4000


def test_confidence_interval_rule(tmp_path: Path) -> None:
    base_csv, drifted_csv, cfg, out = _files(tmp_path)
    suggest_bias_baseline(base_csv, cfg, out=out)
    run = run_bias_monitor(out, cfg, drifted_csv, rule="confidence-interval", bootstrap_resamples=200)
    assert {"DPPL", "DI"} <= {v["metric_name"] for v in run.violations}
    small = pl.read_csv(drifted_csv).head(40)  # a small window's intervals are wide: no alarm on DPPL
    quiet = run_bias_monitor(out, cfg, small, rule="confidence-interval", bootstrap_resamples=200)
    assert quiet.status != "Failed"
    assert "CI" not in {v["metric_name"] for v in quiet.violations}
    with pytest.raises(InvalidArgumentError):
        run_bias_monitor(out, cfg, small, rule="nope")  # type: ignore[arg-type]


def test_monitor_fails_with_reason_on_missing_label(tmp_path: Path) -> None:
    base_csv, _, cfg, out = _files(tmp_path)
    suggest_bias_baseline(base_csv, cfg, out=out)
    run = run_bias_monitor(out, cfg, pl.read_csv(base_csv).drop("y"), out=tmp_path / "r")
    assert run.status == "Failed" and "'y'" in run.reason
    assert [p.name for p in (tmp_path / "r").iterdir()] == ["monitoring_run.json"]


def test_monitor_joins_ground_truth_by_inference_id(tmp_path: Path) -> None:
    base_csv, drifted_csv, cfg, out = _files(tmp_path)
    suggest_bias_baseline(base_csv, cfg, out=out)
    frame = pl.read_csv(drifted_csv).with_row_index("i").with_columns(eventId=pl.col("i").cast(pl.String))
    gt = frame.select("eventId", label=pl.col("y").cast(pl.String))
    run = run_bias_monitor(out, cfg, frame.drop("y", "i"), ground_truth=gt)
    assert run.status == "CompletedWithViolations" and run.item_count == frame.height


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base_csv, drifted_csv, cfg, out = _files(tmp_path)
    assert main(["bias", "baseline", "--config", str(cfg), "--data", str(base_csv), "--out", str(out)]) == 0
    assert main(["bias", "monitor", "--baseline", str(out), "--config", str(cfg), "--data", str(drifted_csv),
                 "--out", str(tmp_path / "r"), "--fail-on-violations"]) == 3
    assert "DPPL" in capsys.readouterr().out
    assert main(["bias", "monitor", "--baseline", str(out), "--config", str(cfg), "--data", str(base_csv),
                 "--out", str(tmp_path / "r2"), "--rule", "confidence-interval", "--bootstrap", "100"]) == 0
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    assert main(["bias", "baseline", "--config", str(bad), "--data", str(base_csv), "--out", str(tmp_path / "b2")]) == 2
    assert "'label'" in capsys.readouterr().err


def test_monitor_over_captured_data_with_ground_truth(tmp_path: Path) -> None:
    """A capture folder (features _c0.., the model's output) joined with ground truth by eventId;
    the configuration's headers name the captured features."""
    rng = np.random.default_rng(4)
    cap = tmp_path / "capture" / "ep" / "AllTraffic" / "2024" / "03" / "01" / "10"
    cap.mkdir(parents=True)
    n = 600
    sex = rng.choice(["m", "f"], n)
    x = rng.normal(size=n)
    y = rng.integers(0, 2, n)
    pred = np.where(sex == "f", 0, (x > 0).astype(int))  # the model never accepts f
    lines = [json.dumps({"captureData": {
        "endpointInput": {"observedContentType": "text/csv", "mode": "INPUT", "data": f"{x[i]:.4f},{sex[i]}", "encoding": "CSV"},
        "endpointOutput": {"observedContentType": "text/csv", "mode": "OUTPUT", "data": str(pred[i]), "encoding": "CSV"}},
        "eventMetadata": {"eventId": f"e{i}", "inferenceTime": "2024-03-01T10:00:00Z"}, "eventVersion": "0"}) for i in range(n)]
    (cap / "part.jsonl").write_text("\n".join(lines) + "\n")
    cfg = tmp_path / "analysis_config.json"
    cfg.write_text(json.dumps({"headers": ["y", "x", "sex", "p"], "label": "y", "label_values_or_threshold": [1],
                               "predicted_label": "p", "facet": [{"name_or_index": "sex", "value_or_threshold": ["f"]}]}))
    base = pl.DataFrame({"y": y, "x": x, "sex": sex, "p": (x > 0).astype(int)})
    suggest_bias_baseline(base, cfg, out=tmp_path / "b")
    gt = pl.DataFrame({"eventId": [f"e{i}" for i in range(n)], "label": [str(v) for v in y]})
    run = run_bias_monitor(tmp_path / "b", cfg, tmp_path / "capture", ground_truth=gt, start="2024-03-01T10:00:00Z",
                           end="2024-03-01T11:00:00Z", out=tmp_path / "r")
    assert run.status == "CompletedWithViolations", run.reason
    assert run.item_count == n
    assert "DPPL" in {v["metric_name"] for v in run.violations}
    dppl = metrics_of(run.analysis, "post_training_bias_metrics", "sex")["DPPL"]["value"]
    assert dppl == pytest.approx(float((pred[sex == "m"] == 1).mean()))


def test_numpy_knn_matches_scikit_learn() -> None:
    from sklearn.neighbors import KNeighborsClassifier

    from driftline.bias.metrics import _knn_numpy

    rng = np.random.default_rng(2)
    xa, xd = rng.normal(size=(300, 3)), rng.normal(size=(200, 3))
    ya = rng.random(300) < 0.4
    for k in (1, 5):
        ref = KNeighborsClassifier(n_neighbors=k).fit(xa, ya).predict(xd)
        assert (_knn_numpy(xa, ya, xd, k) == ref).all()


def test_default_allowed_range_of_the_confidence_interval_rule() -> None:
    """No worse than the baseline, widened to Clarify's example tolerance around parity: a baseline
    at parity does not allow only parity (every window's noise would alarm)."""
    from driftline.bias.monitor import _allowed

    assert _allowed("DPL", 0.0, None) == (-0.1, 0.1)
    assert _allowed("DPL", -0.3, None) == (-0.3, 0.3)
    assert _allowed("DI", 1.0, None) == (0.8, 1.25)
    assert _allowed("DI", 0.5, None) == (0.5, 1.5)
    assert _allowed("DPL", 0.0, {"DPL": (-0.05, 0.2)}) == (-0.05, 0.2)


def test_cli_flags_override_the_configuration(tmp_path: Path) -> None:
    """--facet, --label-values and --probability-threshold replace the file's fields: the result is
    the one of a configuration file that says so."""
    base_csv, _, cfg, _ = _files(tmp_path)
    assert main(["bias", "baseline", "--config", str(cfg), "--data", str(base_csv), "--out", str(tmp_path / "flags"),
                 "--facet", "sex=m", "--label-values", "0"]) == 0
    doc = json.loads(cfg.read_text())
    doc.update(facet=[{"name_or_index": "sex", "value_or_threshold": ["m"]}], label_values_or_threshold=[0])
    other = tmp_path / "other.json"
    other.write_text(json.dumps(doc))
    assert main(["bias", "baseline", "--config", str(other), "--data", str(base_csv), "--out", str(tmp_path / "file")]) == 0
    flags = json.loads((tmp_path / "flags" / "analysis.json").read_text())
    assert flags == json.loads((tmp_path / "file" / "analysis.json").read_text())
    assert flags["pre_training_bias_metrics"]["facets"]["sex"][0]["value_or_threshold"] == "m"
    assert main(["bias", "baseline", "--config", str(cfg), "--data", str(base_csv), "--out", str(tmp_path / "x"), "--facet", "=m"]) == 2
