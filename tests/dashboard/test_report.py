"""``driftline report``: one self-contained HTML file per run."""

from __future__ import annotations

import glob
import json
import re
from pathlib import Path

import pytest

from driftline.cli import main
from driftline.dashboard._templates import hashed
from driftline.report import render_report

from .conftest import Demo

RUN = "service/runs/credit-data-quality/2026-11-02T15-00-00Z"


def _no_external(html: str) -> None:
    assert not re.search(r"""(src|href|action|xlink:href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    assert "http://" not in html and "https://" not in html
    assert "<script" not in html.lower() and "@import" not in html and "url(" not in html


def test_cli_report_is_self_contained(demo: Demo, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report.html"
    assert main(["report", "--run", str(demo.root / RUN), "--out", str(out), "--config", str(demo.config_path)]) == 0
    html = out.read_text(encoding="utf-8")
    _no_external(html)
    assert out.stat().st_size < 200_000
    for section in ('id="violations"', 'id="drift"', 'id="features"'):
        assert section in html
    assert "Baseline (shaded)" in html and html.count("<svg") >= 7
    assert "categorical_values_check" in html and "kiosk" in html
    assert "report ->" in capsys.readouterr().err


def test_sensitive_columns_are_hashed(demo: Demo) -> None:
    html = render_report(demo.root / RUN, baseline=demo.root / "baseline", sensitive=["_c5"])
    assert "kiosk" not in html and "branch" not in html  # values of _c5, also in the violation's description
    assert hashed("kiosk") in html
    assert "_c5" in html  # the column and its statistics still show


def test_without_baseline(demo: Demo) -> None:
    html = render_report(demo.root / RUN)
    assert "The baseline is not known" in html
    _no_external(html)


def test_model_quality_bias_attribution(demo: Demo) -> None:
    mq = Path(sorted(glob.glob(str(demo.root / "model-quality" / "realised" / "**" / "statistics.json"), recursive=True))[0]).parent
    html = render_report(mq)
    assert "Confusion matrix" in html and "ROC curve" in html and "Precision-recall curve" in html
    _no_external(html)



def _write(folder: Path, files: dict[str, object]) -> Path:
    folder.mkdir(parents=True)
    for name, doc in files.items():
        (folder / name).write_text(json.dumps(doc), encoding="utf-8")
    return folder


def test_bias_and_attribution_sections(tmp_path: Path) -> None:
    record = {"status": "CompletedWithViolations", "reason": "r", "start": "2026-11-02T00:00:00Z", "end": "2026-11-03T00:00:00Z"}
    metric = {"name": "DPL", "description": "Difference in Positive Proportions in Labels (DPL)", "value": -0.245}
    bias = _write(tmp_path / "bias", {
        "monitoring_run.json": record,
        "analysis.json": {"pre_training_bias_metrics": {"label": "label", "facets": {"region": [
            {"value_or_threshold": "east", "metrics": [metric]}]}}},
        "constraint_violations.json": {"version": "1.0", "violations": [
            {"facet": "region", "facet_value": "east", "metric_name": "DPL", "constraint_check_type": "bias_drift_check",
             "description": "DPL -0.245 is outside [-0.1, 0.1]"}]}})
    html = render_report(bias)
    assert 'id="bias"' in html and "DPL" in html and "outside [-0.1, 0.1]" in html
    assert hashed("east") in render_report(bias, sensitive=["region"]) and "east" not in render_report(bias, sensitive=["region"])
    attribution = _write(tmp_path / "attribution", {
        "monitoring_run.json": record,
        "attribution_drift.json": {"labels": [{"label": "label0", "ndcg": 0.86, "threshold": 0.9, "drift": True, "features": [
            {"feature": "debt_ratio", "baseline": 0.45, "current": 0.14, "change": -0.31, "baseline_rank": 1, "current_rank": 3}]}]}})
    html = render_report(attribution)
    assert 'id="attribution"' in html and "debt_ratio" in html and "NDCG" in html
    _no_external(html)


def test_not_a_run_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--run", str(tmp_path), "--out", str(tmp_path / "r.html")]) == 2
    assert "monitoring_run.json" in capsys.readouterr().err
