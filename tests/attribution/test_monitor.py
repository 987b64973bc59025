"""Attribution baselines and monitor runs: Clarify's files, NDCG as ndcg_score, Spearman and
per-feature changes, the CLI's exit codes, Clarify config fields, bad input named."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from driftline.attribution import load_config, run_attribution_monitor, spearman, suggest_attribution_baseline
from driftline.cli import main
from driftline.errors import InvalidArgumentError, InvalidInputError

FEATURES = ["a", "b", "c", "d", "e"]
W = np.array([3.0, 2.0, 1.0, 0.5, 0.1])


def model(x: Any) -> np.ndarray:
    return np.asarray(x) @ W


def shifted(x: Any) -> np.ndarray:
    return np.asarray(x) @ W[::-1]


def table(n: int, seed: int) -> pl.DataFrame:
    x = np.random.default_rng(seed).normal(size=(n, 5))
    return pl.DataFrame(x, schema=FEATURES, orient="row").with_columns(pl.Series("target", (x[:, 0] > 0).astype(np.int64)))


CONFIG = {"version": "1.0", "headers": ["target", *FEATURES], "label": "target",
          "methods": {"shap": {"num_samples": 64, "agg_method": "mean_abs", "seed": 3, "num_clusters": 6}}}


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "attr_models.py").write_text(textwrap.dedent("""
        import numpy as np
        W = np.array([3.0, 2.0, 1.0, 0.5, 0.1])
        def predict(x):
            return np.asarray(x) @ W
        def shifted(x):
            return np.asarray(x) @ W[::-1]
        def raises(x):
            raise ValueError("model is down")
    """))
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("attr_models", None)
    table(200, 0).write_csv(tmp_path / "train.csv")
    table(80, 1).write_csv(tmp_path / "day1.csv")
    (tmp_path / "cfg.json").write_text(json.dumps(CONFIG))
    return tmp_path


def read(p: Path) -> Any:
    return json.loads(p.read_text())


def test_cli_baseline_and_monitor_clean_and_drifted(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["attribution", "baseline", "--config", "cfg.json", "--data", "train.csv", "--model", "attr_models:predict", "--out", "base"]) == 0
    analysis = read(workdir / "base/analysis.json")
    entry = analysis["explanations"]["kernel_shap"]["label0"]
    assert list(entry["global_shap_values"]) == FEATURES  # the label is not a feature
    assert isinstance(entry["expected_value"], float)
    bg = read(workdir / "base/shap_background.json")
    assert len(bg["rows"]) == 6 and sum(bg["weights"]) == pytest.approx(1)

    assert main(["attribution", "monitor", "--baseline", "base", "--config", "cfg.json", "--data", "day1.csv",
                 "--model", "attr_models:predict", "--out", "run1"]) == 0
    run1 = read(workdir / "run1/monitoring_run.json")
    assert run1["status"] == "Completed" and run1["ndcg"]["label0"] > 0.99 and run1["item_count"] == 80
    assert read(workdir / "run1/constraint_violations.json") == {"version": "1.0", "violations": []}

    code = main(["attribution", "monitor", "--baseline", "base", "--config", "cfg.json", "--data", "day1.csv",
                 "--model", "attr_models:shifted", "--out", "run2", "--fail-on-violations"])
    assert code == 3
    out = workdir / "run2"
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["analysis.json", "attribution_drift.json", "constraint_violations.json", "metrics.json", "monitoring_run.json"])
    (v,) = read(out / "constraint_violations.json")["violations"]
    assert v["label"] == "label0" and v["metric_name"] == "shap" and v["constraint_check_type"] == "feature_attribution_drift_check"
    assert v["description"].startswith("Feature attribution drift 0.") and v["description"].endswith("exceeds threshold 0.9")
    metrics = {m["MetricName"]: m for m in read(out / "metrics.json")["metrics"]}
    assert set(metrics) == {f"feature_{f}" for f in FEATURES} | {"ExpectedValue"}
    assert {d["Name"]: d["Value"] for d in metrics["ExpectedValue"]["Dimensions"]}["ValueType"] == "ExpectedValue"
    drift = read(out / "attribution_drift.json")["labels"][0]
    assert drift["drift"] and drift["spearman"] == pytest.approx(-1.0)
    moved = {c["feature"]: c for c in drift["features"]}
    assert moved["a"]["baseline_rank"] == 1 and moved["a"]["current_rank"] == 5
    assert moved["e"]["change"] > 0 and moved["a"]["change"] < 0
    # NDCG is sklearn's ndcg_score with the baseline as relevance
    from sklearn.metrics import ndcg_score

    base_vals = [analysis["explanations"]["kernel_shap"]["label0"]["global_shap_values"][f] for f in FEATURES]
    cur_vals = [read(out / "analysis.json")["explanations"]["kernel_shap"]["label0"]["global_shap_values"][f] for f in FEATURES]
    assert drift["ndcg"] == pytest.approx(ndcg_score([base_vals], [cur_vals]), abs=1e-12)
    text = capsys.readouterr().out
    assert "CompletedWithViolations" in text and "a " in text


def test_threshold_flag_and_api_with_paths(workdir: Path) -> None:
    base = suggest_attribution_baseline(workdir / "cfg.json", workdir / "train.csv", model=model, out=workdir / "b")
    assert base.background is not None
    run = run_attribution_monitor(workdir / "b", workdir / "cfg.json", table(80, 1).to_pandas(), model=shifted, threshold=0.1)
    assert run.status == "Completed" and run.ndcg["label0"] < 0.9


def test_supplied_attributions(workdir: Path) -> None:
    x = table(50, 2).select(FEATURES).to_numpy()
    pl.DataFrame(x * W, schema=FEATURES, orient="row").with_columns(pl.lit(0.25).alias("expected_value")).write_csv(workdir / "att.csv")
    table(50, 2).write_csv(workdir / "base_data.csv")
    assert main(["attribution", "baseline", "--config", "cfg.json", "--data", "base_data.csv", "--attributions", "att.csv", "--out", "ab"]) == 0
    entry = read(workdir / "ab/analysis.json")["explanations"]["kernel_shap"]["label0"]
    assert entry["expected_value"] == 0.25
    np.testing.assert_allclose([entry["global_shap_values"][f] for f in FEATURES], np.abs(x * W).mean(axis=0))
    assert not (workdir / "ab/shap_background.json").exists()
    # window attributions with a column that is not a feature: the run fails naming it
    pl.DataFrame(x * W, schema=["a", "b", "c", "d", "zz"], orient="row").write_csv(workdir / "bad.csv")
    assert main(["attribution", "monitor", "--baseline", "ab", "--config", "cfg.json", "--data", "base_data.csv",
                 "--attributions", "bad.csv", "--out", "r"]) == 1
    reason = read(workdir / "r/monitoring_run.json")["reason"]
    assert "bad.csv" in reason and "'e'" in reason and "'zz'" in reason
    assert [p.name for p in (workdir / "r").iterdir()] == ["monitoring_run.json"]
    with pytest.raises(InvalidInputError, match="has 49 rows but the data 50"):
        suggest_attribution_baseline(CONFIG, table(50, 2), attributions=pl.read_csv(workdir / "att.csv").head(49))


def test_config_background_rows_and_file(workdir: Path, tmp_path: Path) -> None:
    rows_with_label = [[0, 0.0, 0.0, 0.0, 0.0, 0.0], [1, 1.0, 1.0, 1.0, 1.0, 1.0]]
    cfg = {**CONFIG, "methods": {"shap": {"baseline": rows_with_label, "num_samples": 100}}}
    res = suggest_attribution_baseline(cfg, table(20, 3), model=model)
    assert res.background is not None and res.background["rows"] == [[0.0] * 5, [1.0] * 5]
    assert res.analysis["explanations"]["kernel_shap"]["label0"]["expected_value"] == pytest.approx(W.sum() / 2)
    (workdir / "bg.csv").write_text("0,0,0,0,0\n1,1,1,1,1\n")
    cfg_file = {**CONFIG, "methods": {"shap": {"baseline": "bg.csv", "num_samples": 100}}}
    res2 = suggest_attribution_baseline(cfg_file, table(20, 3), model=model)
    assert res2.analysis == res.analysis
    with pytest.raises(InvalidInputError, match="baseline row 0 has 3 values"):
        suggest_attribution_baseline({**CONFIG, "methods": {"shap": {"baseline": [[1, 2, 3]]}}}, table(20, 3), model=model)


@pytest.mark.parametrize("agg", ["median", "mean_sq"])
def test_agg_methods(agg: str) -> None:
    cfg = {**CONFIG, "methods": {"shap": {"agg_method": agg, "baseline": [[0.0] * 5], "num_samples": 100}}}
    data = table(40, 4)
    res = suggest_attribution_baseline(cfg, data, model=model)
    x = data.select(FEATURES).to_numpy()
    expect = np.median(x * W, axis=0) if agg == "median" else ((x * W) ** 2).mean(axis=0)
    got = res.analysis["explanations"]["kernel_shap"]["label0"]["global_shap_values"]
    np.testing.assert_allclose([got[f] for f in FEATURES], expect, atol=1e-9)


def test_bad_config_and_arguments(workdir: Path) -> None:
    with pytest.raises(InvalidInputError, match="methods.shap.agg_method must be one of"):
        load_config({"methods": {"shap": {"agg_method": "max"}}})
    with pytest.raises(InvalidInputError, match="methods.shap.num_samples"):
        load_config({"methods": {"shap": {"num_samples": -1}}})
    with pytest.raises(InvalidInputError, match="does not exist"):
        load_config(workdir / "nope.json")
    with pytest.raises(InvalidArgumentError, match="exactly one of"):
        suggest_attribution_baseline(CONFIG, table(5, 0))
    with pytest.raises(InvalidArgumentError, match="cannot import module 'no_such_module'"):
        suggest_attribution_baseline(CONFIG, table(5, 0), model="no_such_module:f")
    assert main(["attribution", "baseline", "--config", "cfg.json", "--data", "train.csv", "--model", "attr_models:nothing", "--out", "x"]) == 2


def test_bad_window_data_fails_the_run_naming_the_column(workdir: Path) -> None:
    suggest_attribution_baseline(CONFIG, table(100, 0), model=model, out=workdir / "b")
    missing = run_attribution_monitor(workdir / "b", {**CONFIG, "headers": ["target", *FEATURES, "f"]}, table(10, 1), model=model)
    assert missing.status == "Failed" and "no column 'f'" in missing.reason
    text = table(10, 1).with_columns(pl.lit("high").alias("c"))
    bad = run_attribution_monitor(workdir / "b", CONFIG, text, model=model)
    assert bad.status == "Failed" and "column 'c' is not numeric" in bad.reason
    raises = run_attribution_monitor(workdir / "b", CONFIG, table(10, 1), model="attr_models:raises", out=workdir / "r")
    assert raises.status == "Failed" and "raised ValueError" in raises.reason and "model is down" in raises.reason
    assert read(workdir / "r/monitoring_run.json")["status"] == "Failed"


def test_spearman() -> None:
    assert spearman(np.array([1.0, 2, 3]), np.array([10.0, 20, 30])) == pytest.approx(1)
    assert spearman(np.array([1.0, 2, 3]), np.array([3.0, 2, 1])) == pytest.approx(-1)
    assert spearman(np.array([1.0, 1, 1]), np.array([3.0, 2, 1])) is None


def test_capture_window_is_filtered_by_time(tmp_path: Path) -> None:
    """A SageMaker data-capture file: inputs by position take the config's features, the model's
    captured output and the event metadata are not features, the window is [start, end)."""
    from datetime import UTC, datetime, timedelta

    t0 = datetime(2026, 11, 2, 10, tzinfo=UTC)
    rng = np.random.default_rng(7)
    lines = []
    for i in range(120):
        x = rng.normal(size=5)
        lines.append(json.dumps({"captureData": {
            "endpointInput": {"observedContentType": "text/csv", "mode": "INPUT", "encoding": "CSV", "data": ",".join(f"{v:.6f}" for v in x)},
            "endpointOutput": {"observedContentType": "text/csv", "mode": "OUTPUT", "encoding": "CSV", "data": "0.5"}},
            "eventMetadata": {"eventId": f"e{i}", "inferenceTime": (t0 + timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%SZ")},
            "eventVersion": "0"}))
    (tmp_path / "capture.jsonl").write_text("\n".join(lines) + "\n")
    suggest_attribution_baseline(CONFIG, table(100, 0), model=model, out=tmp_path / "b")
    run = run_attribution_monitor(tmp_path / "b", CONFIG, tmp_path / "capture.jsonl", model=model, start=t0, end=t0 + timedelta(hours=1))
    assert run.status == "Completed", run.reason
    assert run.item_count == 60 and run.ndcg["label0"] > 0.99


def test_local_shap_values_are_saved_as_clarify_does_and_replaced_by_the_next_run(workdir: Path) -> None:
    cfg: dict[str, Any] = json.loads(json.dumps(CONFIG))
    cfg["methods"]["shap"]["save_local_shap_values"] = True
    (workdir / "local.json").write_text(json.dumps(cfg))
    base = suggest_attribution_baseline(workdir / "local.json", workdir / "train.csv", model=model, out=workdir / "b")
    local = pl.read_csv(workdir / "b/explanations_shap/out.csv")
    # Clarify's layout: one row per row of the data, a column <feature>_<label>
    assert local.columns == [f"{f}_label0" for f in FEATURES] and local.height == 200
    np.testing.assert_array_equal(local.to_numpy(), base.attributions.values[:, :, 0])  # written exactly
    # the global values in analysis.json are the local ones aggregated (mean_abs)
    entry = read(workdir / "b/analysis.json")["explanations"]["kernel_shap"]["label0"]["global_shap_values"]
    np.testing.assert_allclose([entry[f] for f in FEATURES], np.abs(local.to_numpy()).mean(axis=0), rtol=1e-12)

    assert main(["attribution", "monitor", "--baseline", "b", "--config", "local.json", "--data", "day1.csv",
                 "--model", "attr_models:predict", "--out", "run"]) == 0
    window = pl.read_csv(workdir / "run/explanations_shap/out.csv")
    assert window.columns == local.columns and window.height == 80
    # linear model: each local value is w_i (x_i - E_background[x_i]), so rows differ as the data do
    x = pl.read_csv(workdir / "day1.csv").select(FEATURES).to_numpy()
    np.testing.assert_allclose(np.diff(window.to_numpy(), axis=0), np.diff(x, axis=0) * W, atol=1e-8)

    # a later run without the option into the same folder leaves no stale local values behind
    assert main(["attribution", "monitor", "--baseline", "b", "--config", "cfg.json", "--data", "day1.csv",
                 "--model", "attr_models:predict", "--out", "run"]) == 0
    assert not (workdir / "run/explanations_shap").exists()
    assert sorted(p.name for p in (workdir / "run").iterdir()) == sorted(
        ["analysis.json", "attribution_drift.json", "constraint_violations.json", "metrics.json", "monitoring_run.json"])
    # and a failed run with the option writes only monitoring_run.json
    assert main(["attribution", "monitor", "--baseline", "b", "--config", "local.json", "--data", "day1.csv",
                 "--model", "attr_models:raises", "--out", "run"]) == 1
    assert [p.name for p in (workdir / "run").iterdir()] == ["monitoring_run.json"]


def test_local_values_of_several_labels_and_clashing_names() -> None:
    from driftline.attribution.baseline import Attributions, local_values_csv

    values = np.arange(2 * 3 * 2, dtype=np.float64).reshape(2, 3, 2) / 7
    values[0, 0, 0] = 1e-300
    att = Attributions(values, [0.0, 1.0], ["x", "ünï", "z,q"], ["label0", "label1"])
    back = pl.read_csv(local_values_csv(att))
    assert back.columns == ["x_label0", "ünï_label0", "z,q_label0", "x_label1", "ünï_label1", "z,q_label1"]
    np.testing.assert_array_equal(back.to_numpy(), np.concatenate([values[:, :, 0], values[:, :, 1]], axis=1))
    with pytest.raises(InvalidInputError, match="two columns named 'a_b_c'"):
        local_values_csv(Attributions(values[:, :2, :2], [0.0, 0.0], ["a_b", "a"], ["c", "b_c"]))
