"""`driftline demo`: the scenario and the statistics demo."""

from __future__ import annotations

import json
from pathlib import Path

from driftline.demo import run_demo, run_scenario



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
    # bias drift (region east's outcomes change on day two) and attribution drift (debt_ratio mostly
    # empty, income shifted): both flagged on day two only
    days = [line for line in text.splitlines() if line.startswith("  day ") and "bias" in line]
    assert [d.split(":")[0] for d in days] == ["  day 1", "  day 2", "  day 3"]
    assert days[0].startswith("  day 1: bias Completed; attribution Completed")
    assert days[2].startswith("  day 3: bias Completed; attribution Completed")
    assert "bias CompletedWithViolations (" in days[1] and "DPL" in days[1] and "attribution CompletedWithViolations (NDCG 0.8" in days[1]
    violations = json.loads((tmp_path / "clarify" / "bias" / "day-2" / "constraint_violations.json").read_text())["violations"]
    assert {v["facet"] for v in violations} == {"region"} and {v["constraint_check_type"] for v in violations} == {"bias_drift_check"}
    att = json.loads((tmp_path / "clarify" / "attribution" / "day-2" / "constraint_violations.json").read_text())["violations"]
    assert [v["constraint_check_type"] for v in att] == ["feature_attribution_drift_check"]
    # the A/B test: the sample-ratio check every hour, the always-valid p-value falling, both sequential methods deciding
    assert "A/B demo: champion vs challenger" in text and "SRM p" in text
    assert "mSPRT decides at hour" in text and "variant_better" in text and "group-sequential design" in text
    # the scheduled part: the alert fires on day two and returns to OK on day three, with its actions
    assert "alert credit-data-quality/violations: OK -> InAlert at window 11-02" in text
    assert "alert credit-data-quality/violations: InAlert -> OK at window 11-03" in text
    assert "credit-data-quality (data-quality, hourly): 72 executions (48 Completed, 24 CompletedWithViolations)" in text
    # model quality a day behind: the windows of days 1 and 2; day two's violate the constraints
    assert "credit-model-quality (model-quality, every 6 hours): 8 executions (4 Completed, 4 CompletedWithViolations)" in text
    assert "credit-bias (bias, daily): 3 executions (2 Completed, 1 CompletedWithViolations)" in text
    assert "credit-abtest (abtest, every 6 hours): 12 executions (12 Completed)" in text
    assert "webhook receiver got 2 POSTs" in text and "a second run-once ran 0" in text


def test_stats_demo_shows_every_statistic() -> None:
    text = run_demo(rows=5000)
    for name in ("ks_2samp", "ks_sketch", "wasserstein", "energy_distance", "psi", "kl_divergence", "jensenshannon",
                 "hellinger", "total_variation", "chi2_contingency", "G-test", "linf", "chisquare", "ndcg"):
        assert name in text, name
    assert "features with drift: amount, attributions, channel" in text
