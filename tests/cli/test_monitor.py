"""`driftline baseline` then `driftline monitor` on a table."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from driftline.cli import main



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
