"""`driftline model-quality baseline` and `monitor`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from driftline.cli import main



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
