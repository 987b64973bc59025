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


def test_scenario_demo_finds_the_four_problems_and_nothing_else(tmp_path: Path) -> None:
    text = run_scenario(tmp_path, progress=False)
    assert text.count("DETECTED (24/24 hours)") == 4 and "MISSED" not in text
    assert "false alarms on days 1 and 3: 0" in text
    assert "day 1 (2026-11-01): 24 runs: 24 Completed; 0 violations" in text
    assert (tmp_path / "summary.txt").read_text().strip() == text
    assert (tmp_path / "baseline" / "constraints.json").exists()
    assert len(list((tmp_path / "monitoring").rglob("monitoring_run.json"))) == 72


def test_stats_demo_shows_every_statistic() -> None:
    text = run_demo(rows=5000)
    for name in ("ks_2samp", "ks_sketch", "wasserstein", "energy_distance", "psi", "kl_divergence", "jensenshannon",
                 "hellinger", "total_variation", "chi2_contingency", "G-test", "linf", "chisquare", "ndcg"):
        assert name in text, name
    assert "features with drift: amount, attributions, channel" in text
