"""Captured traffic in the {endpoint}/{variant}/yyyy/mm/dd/hh layout, joined with ground truth
by inference id."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from statsmodels.stats.proportion import proportions_ztest

from driftline.abtest import run_abtest
from driftline.cli import main


def _capture(root: Path, seed: int = 3) -> tuple[Path, Path, dict[str, tuple[int, int]]]:
    """Two variants; the challenger is right more often. Returns the capture root, the
    ground-truth folder, and per variant (correct, labelled)."""
    rng = np.random.default_rng(seed)
    cap, gt = root / "capture", root / "groundtruth"
    tally: dict[str, tuple[int, int]] = {}
    labels = []
    for variant, accuracy in (("champion", 0.70), ("challenger", 0.80)):
        folder = cap / "ep" / variant / "2026" / "11" / "01" / "00"
        folder.mkdir(parents=True)
        lines = []
        right = labelled = 0
        for i in range(1500):
            pred = int(rng.integers(0, 2))
            truth = pred if rng.random() < accuracy else 1 - pred
            iid = f"{variant}-{i}"
            lines.append(json.dumps({
                "captureData": {"endpointInput": {"observedContentType": "text/csv", "mode": "INPUT", "data": "1.0,2.0", "encoding": "CSV"},
                                "endpointOutput": {"observedContentType": "text/csv", "mode": "OUTPUT", "data": str(pred), "encoding": "CSV"}},
                "eventMetadata": {"eventId": f"e-{iid}", "inferenceId": iid, "inferenceTime": "2026-11-01T00:10:00Z"}, "eventVersion": "0"}))
            if i % 10 != 0:  # a tenth of the labels never arrive
                labels.append(json.dumps({"groundTruthData": {"data": str(truth), "encoding": "CSV"}, "eventMetadata": {"eventId": iid},
                                          "eventVersion": "0"}))
                labelled += 1
                right += pred == truth
        (folder / "part.jsonl").write_text("\n".join(lines) + "\n")
        tally[variant] = (right, labelled)
    (gt / "2026" / "11" / "01" / "02").mkdir(parents=True)
    (gt / "2026" / "11" / "01" / "02" / "labels.jsonl").write_text("\n".join(labels) + "\n")
    return cap, gt, tally


def test_capture_joined_with_ground_truth(tmp_path: Path) -> None:
    cap, gt, tally = _capture(tmp_path)
    run = run_abtest(cap, variant_column="variant", metrics=["correct:binary"], ground_truth=gt, weights="champion=1,challenger=1")
    assert run.status == "Completed", run.reason
    doc = run.to_dict()
    assert doc["variants"]["champion"]["n"] == 1500 and doc["variants"]["challenger"]["n"] == 1500
    e = doc["metrics"][0]
    (rc, nc), (rv, nv) = tally["champion"], tally["challenger"]
    assert (e["control_n"], e["variant_n"]) == (nc, nv)
    assert e["control_nulls"] == 150 and e["variant_nulls"] == 150  # labels not arrived: missing values
    assert e["pvalue"] == pytest.approx(proportions_ztest([rv, rc], [nv, nc])[1], rel=1e-9)
    assert e["decision"] == "variant_better"
    assert doc["capture"]["merge"]["matched"] == nc + nv and doc["capture"]["prediction"] == "_c0"


def test_capture_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cap, gt, _ = _capture(tmp_path)
    assert main(["abtest", "--data", str(cap), "--ground-truth", str(gt), "--variant-column", "variant", "--metric", "correct:binary",
                 "--control", "champion", "--out", str(tmp_path / "o")]) == 0
    doc = json.loads((tmp_path / "o" / "abtest.json").read_text())
    assert doc["decision"]["best_variant"] == "challenger"
