"""The A/B demo: a challenger with better conversion, found by both sequential methods."""

from __future__ import annotations

import json
from pathlib import Path

from driftline.abtest.demo import run_ab_demo


def test_demo_converges_to_the_challenger(tmp_path: Path) -> None:
    lines: list[str] = []
    runs = run_ab_demo(tmp_path / "data", tmp_path / "out", hours=24, rows_per_hour=600, echo=lines.append)
    last = runs[-1].to_dict()
    assert last["decision"]["decision"] == "variant_better" and last["decision"]["best_variant"] == "challenger"
    assert all(not r.to_dict()["srm"]["mismatch"] for r in runs)
    assert any("mSPRT decides" in x for x in lines) and any("group-sequential design" in x and "variant_better" in x for x in lines)
    # every look wrote its files; the p-value only goes down from look to look
    ps = [json.loads((tmp_path / "out" / f"msprt-h{k + 1:02d}" / "abtest.json").read_text())["metrics"][0]["pvalue"] for k in range(len(runs))]
    assert ps == sorted(ps, reverse=True)
