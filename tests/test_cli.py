"""The `driftline` command: help, baseline, monitor, and both demos."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from driftline.cli import main
from driftline.demo import run_demo, run_scenario


def test_help_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        main(["--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    for command in ("demo", "baseline", "monitor"):
        assert command in out
    with pytest.raises(SystemExit):
        main(["--version"])
    assert "driftline 0." in capsys.readouterr().out
    assert main([]) == 2


def test_baseline_then_monitor(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = np.random.default_rng(0)
    pl.DataFrame({"a": rng.normal(size=3000), "b": rng.choice(["x", "y"], 3000)}).write_csv(tmp_path / "train.csv", include_header=False)
    assert main(["baseline", "--data", str(tmp_path / "train.csv"), "--no-header", "--out", str(tmp_path / "base")]) == 0
    assert "baseline of 3000 rows, 2 columns" in capsys.readouterr().out
    cur = pl.DataFrame({"a": rng.normal(2, 1, 500), "b": rng.choice(["x", "y", "z"], 500)})
    cur.write_csv(tmp_path / "cur.csv", include_header=False)
    args = ["monitor", "--baseline", str(tmp_path / "base"), "--data", str(tmp_path / "cur.csv"), "--no-header", "--out", str(tmp_path / "run")]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.startswith("CompletedWithViolations") and "_c0: baseline_drift_check" in out and "_c1: categorical_values_check" in out
    assert main([*args, "--fail-on-violations"]) == 3
    run = json.loads((tmp_path / "run" / "monitoring_run.json").read_text())
    assert run["status"] == "CompletedWithViolations"
    assert main(["monitor", "--baseline", str(tmp_path / "nothing"), "--data", str(tmp_path / "cur.csv"), "--out", str(tmp_path / "r2")]) == 1
    assert "Failed" in capsys.readouterr().out


def test_scenario_demo_finds_the_four_problems_and_the_quality_drop(tmp_path: Path) -> None:
    text = run_scenario(tmp_path, progress=False)
    assert text.count("DETECTED (24/24 hours)") == 4 and "MISSED" not in text
    # every kind of flag on the clean days is counted and printed, and agrees with the runs' files
    assert "false alarms on the clean days 1 and 3 (48 runs):\n  constraint violations: 0\n" in text
    clean = [json.loads(p.read_text()) for p in (tmp_path / "monitoring").rglob("drift.json") if p.parts[-3] != "02"]
    assert len(clean) == 48
    flagged = sum(1 for d in clean if d["drifted_features"])
    assert f"runs whose drift verdict lists a feature: {flagged} of 48 " in text
    assert flagged <= 5  # Benjamini-Hochberg at alpha 0.05: about 2.4 of 48 clean runs expected at most
    js = [t for d in clean for t in d["tests"] if t["test"] == "jensenshannon"]
    assert f"jensenshannon {sum(t['drift'] for t in js)}/{len(js)} " in text
    assert "day 1 (2026-11-01): 24 runs: 24 Completed; 0 violations" in text
    assert (tmp_path / "summary.txt").read_text().strip() == text
    assert (tmp_path / "baseline" / "constraints.json").exists()
    assert len(list((tmp_path / "monitoring").rglob("monitoring_run.json"))) == 72
    # model quality: the estimate at each window's end raises the alarm on day two's four windows,
    # the labels confirm it a day later, and nothing fires on days one and three
    assert "alarms from the estimate at the window end: 4; confirmed by the labels a day later: 4; " \
           "windows violating the constraints once labelled: 4" in text
    rows = [line for line in text.splitlines() if line.startswith("  11-")]
    assert len(rows) == 12
    assert all(("ALERT" in r) == r.startswith("  11-02") for r in rows)
    mq = tmp_path / "model-quality"
    assert sorted(p.name for p in (mq / "baseline").iterdir()) == ["cbpe.json", "constraints.json", "model_quality.json", "statistics.json"]
    first = json.loads((mq / "estimated" / "2026" / "11" / "02" / "00" / "estimated_performance.json").read_text())
    assert first["metrics"]["recall"]["realised"] is None  # at the window's end no label has arrived
    assert [v["metric_name"] for v in first["estimated_violations"]] == ["recall", "f1"]
    later = json.loads((mq / "realised" / "2026" / "11" / "02" / "00" / "monitoring_run.json").read_text())
    assert later["status"] == "CompletedWithViolations" and later["merge"]["matched"] > 1100


def test_stats_demo_shows_every_statistic() -> None:
    text = run_demo(rows=5000)
    for name in ("ks_2samp", "ks_sketch", "wasserstein", "energy_distance", "psi", "kl_divergence", "jensenshannon",
                 "hellinger", "total_variation", "chi2_contingency", "G-test", "linf", "chisquare", "ndcg"):
        assert name in text, name
    assert "features with drift: amount, attributions, channel" in text


def _mq_table(tmp_path: Path, n: int = 800) -> Path:
    rng = np.random.default_rng(4)
    score = rng.uniform(0, 1, n).round(3)
    label = (rng.uniform(0, 1, n) < score).astype(int)
    frame = pl.DataFrame({"eventId": [f"e{i}" for i in range(n)], "label": label, "score": score,
                          "x": rng.normal(size=n).round(4), "prediction": (score * 10 + rng.normal(size=n)).round(3)})
    frame.write_csv(tmp_path / "table.csv")
    return tmp_path / "table.csv"


def test_model_quality_threshold_comes_from_the_baseline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = str(_mq_table(tmp_path))
    assert main(["model-quality", "baseline", "--data", table, "--problem-type", "BinaryClassification", "--ground-truth-attribute",
                 "label", "--probability-attribute", "score", "--probability-threshold-attribute", "0.3", "--out",
                 str(tmp_path / "b")]) == 0
    run = ["model-quality", "monitor", "--baseline", str(tmp_path / "b"), "--data", table, "--ground-truth-attribute", "label",
           "--probability-attribute", "score"]
    capsys.readouterr()
    # the same data as the baseline, judged at the baseline's threshold: no violation
    assert main([*run, "--out", str(tmp_path / "r1"), "--fail-on-violations"]) == 0
    stats = json.loads((tmp_path / "r1" / "statistics.json").read_text())["binary_classification_metrics"]
    base = json.loads((tmp_path / "b" / "statistics.json").read_text())["binary_classification_metrics"]
    assert stats["recall"]["value"] == base["recall"]["value"]
    capsys.readouterr()
    assert main([*run, "--probability-threshold-attribute", "0.5", "--out", str(tmp_path / "r2")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--probability-threshold-attribute" in err[0] and "--allow-threshold-change" in err[0]
    assert not (tmp_path / "r2").exists() or not list((tmp_path / "r2").iterdir())
    assert main([*run, "--probability-threshold-attribute", "0.5", "--allow-threshold-change", "--out", str(tmp_path / "r3")]) in (0, 3)


def test_plain_regression_baseline_from_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = str(_mq_table(tmp_path))
    assert main(["model-quality", "baseline", "--data", table, "--problem-type", "Regression", "--ground-truth-attribute", "x",
                 "--inference-attribute", "prediction", "--out", str(tmp_path / "reg")]) == 0
    assert "Regression baseline of 800 rows" in capsys.readouterr().out
    assert {"statistics.json", "constraints.json", "dle.json"} <= {p.name for p in (tmp_path / "reg").iterdir()}


def test_nested_json_lines_are_refused_naming_the_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [json.dumps({"a": i, "tags": ["x", "y"], "meta": {"k": 1}}) for i in range(5)]
    (tmp_path / "nested.jsonl").write_text("\n".join(rows) + "\n")
    assert main(["baseline", "--data", str(tmp_path / "nested.jsonl"), "--out", str(tmp_path / "b")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and ("tags" in err[0] or "meta" in err[0]) and "nested.jsonl" in err[0], err
    assert not (tmp_path / "b").exists() or not list((tmp_path / "b").iterdir())
