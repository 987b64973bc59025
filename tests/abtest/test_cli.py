"""`driftline abtest`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from driftline.abtest import run_abtest
from driftline.cli import main


def _write(tmp_path: Path, shares: tuple[float, float] = (0.5, 0.5)) -> Path:
    rng = np.random.default_rng(2)
    n = 6000
    v = rng.choice(["champion", "challenger"], n, p=list(shares))
    pre = rng.normal(10, 2, n)
    pl.DataFrame({"user": np.arange(n), "variant": v, "correct": (rng.random(n) < np.where(v == "challenger", 0.85, 0.80)).astype(int),
                  "latency_ms": rng.gamma(2, 20, n), "pre": pre, "spend": pre + rng.normal(0, 1, n)}).write_csv(tmp_path / "data.csv")
    pl.DataFrame({"user": [1, 2, 2, 7], "clicks": [1, 2, 1, 3]}).write_csv(tmp_path / "events.csv")
    return tmp_path / "data.csv"


def test_writes_both_files_and_equals_the_python_api(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _write(tmp_path)
    args = ["abtest", "--data", str(data), "--variant-column", "variant", "--metric", "correct:binary",
            "--metric", "latency_ms:continuous:lower", "--metric", "spend:continuous", "--metric", "clicks:continuous",
            "--covariate", "spend=pre", "--events", str(tmp_path / "events.csv"), "--join-key", "user",
            "--weights", "champion=1,challenger=1", "--alpha", "0.05", "--out", str(tmp_path / "out")]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.startswith("Completed: variant_better") and "sample ratio" in out
    doc = json.loads((tmp_path / "out" / "abtest.json").read_text())
    assert json.loads((tmp_path / "out" / "monitoring_run.json").read_text())["status"] == "Completed"
    api = run_abtest(data, variant_column="variant", metrics=["correct:binary", "latency_ms:continuous:lower", "spend:continuous",
                                                              "clicks:continuous"],
                     covariates={"spend": "pre"}, events=tmp_path / "events.csv", join_key="user", weights="champion=1,challenger=1")
    assert doc == json.loads(json.dumps(api.to_dict()))
    assert doc["control"] == "champion" and doc["decision"]["best_variant"] == "challenger"


@pytest.mark.parametrize("method", ["msprt", "gst"])
def test_sequential_methods(tmp_path: Path, method: str, capsys: pytest.CaptureFixture[str]) -> None:
    data = _write(tmp_path)
    assert main(["abtest", "--data", str(data), "--variant-column", "variant", "--metric", "correct:binary", "--method", method,
                 "--max-samples", "12000", "--previous-looks", "3000", "--out", str(tmp_path / "o")]) == 0
    doc = json.loads((tmp_path / "o" / "abtest.json").read_text())
    assert doc["method"] == method and doc["metrics"][0]["test"].startswith(method)


def test_srm_mismatch_exit_code_with_fail_on_violations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _write(tmp_path, shares=(0.6, 0.4))
    args = ["abtest", "--data", str(data), "--variant-column", "variant", "--metric", "correct:binary", "--out", str(tmp_path / "o")]
    assert main(args) == 0
    assert "MISMATCH" in capsys.readouterr().out
    assert main([*args, "--fail-on-violations"]) == 3


def test_usage_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _write(tmp_path)
    base = ["abtest", "--data", str(data), "--variant-column", "variant", "--out", str(tmp_path / "o")]
    for extra in (["--metric", "x:weird"], ["--metric", "correct:binary", "--method", "gst"],
                  ["--metric", "correct:binary", "--covariate", "nonsense"], ["--metric", "correct:binary", "--weights", "a"]):
        assert main(base + extra) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("driftline abtest: error:"), err


def test_failed_run_exit_code_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _write(tmp_path)
    assert main(["abtest", "--data", str(data), "--variant-column", "nope", "--metric", "correct:binary", "--out", str(tmp_path / "o")]) == 1
    assert "'nope'" in capsys.readouterr().out
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["monitoring_run.json"]
