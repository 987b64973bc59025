"""Monitoring runs: the six SageMaker checks, statuses, outputs, drift table and bad input."""

from __future__ import annotations

import json
import math
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import scipy.stats as ss

from driftline.data_quality.baseline import Baseline, suggest_baseline
from driftline.data_quality import ROBUST_C, run_monitor
from driftline.profile import Profile
from driftline.stats import ks_sketch


def _data(n: int, seed: int, shift: float = 0.0, new_cat: float = 0.0, missing: float = 0.0, junk: float = 0.0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(shift, 1, n).round(6).astype(str)
    k = rng.integers(0, 10, n).astype(str)
    k = np.where(rng.random(n) < junk, "oops", k)
    c = rng.choice(["a", "b", "c"], n)
    c = np.where(rng.random(n) < new_cat, "zzz", c)
    m = np.where(rng.random(n) < missing, "", rng.uniform(0, 1, n).round(4).astype(str))
    return pl.DataFrame({"x": x, "k": k, "c": c, "m": m})


@pytest.fixture(scope="module")
def baseline() -> Baseline:
    return suggest_baseline(_data(5000, 0))


def _checks(run_violations: list) -> set[tuple[str, str]]:  # type: ignore[type-arg]
    return {(v.feature_name, v.constraint_check_type) for v in run_violations}


def test_clean_window_completes_without_violations(baseline: Baseline, tmp_path: Path) -> None:
    run = run_monitor(baseline, _data(2000, 1), out=tmp_path)
    assert run.status == "Completed", run.violations
    assert json.loads((tmp_path / "constraint_violations.json").read_text()) == {"violations": []}
    assert json.loads((tmp_path / "monitoring_run.json").read_text())["status"] == "Completed"
    assert not run.dataset_drift


def test_each_check_fires(baseline: Baseline, tmp_path: Path) -> None:
    cur = _data(2000, 2, shift=1.0, new_cat=0.2, missing=0.4, junk=0.1).with_columns(extra=pl.lit("e")).drop("m")
    cur = cur.with_columns(m=pl.Series(np.where(np.random.default_rng(3).random(2000) < 0.4, "", "0.5")))
    run = run_monitor(baseline, cur.drop("m").with_columns(cur["m"]), out=tmp_path)
    got = _checks(run.violations)
    assert ("x", "baseline_drift_check") in got
    assert ("c", "categorical_values_check") in got
    assert ("m", "completeness_check") in got
    assert ("k", "data_type_check") in got
    assert ("extra", "extra_column_check") in got
    missing = run_monitor(baseline, cur.drop("x"))
    assert ("x", "missing_column_check") in _checks(missing.violations)
    assert run.status == "CompletedWithViolations"
    doc = json.loads((tmp_path / "constraint_violations.json").read_text())
    assert {(v["feature_name"], v["constraint_check_type"]) for v in doc["violations"]} == got
    k = next(v for v in run.violations if v.constraint_check_type == "data_type_check")
    assert "Expected data type: Integral" in k.description and "of data is Integral" in k.description


def test_drift_distance_is_deequs_robust_linf(baseline: Baseline) -> None:
    cur = _data(3000, 4, shift=0.3)
    run = run_monitor(baseline, cur)
    base_sketch = baseline.features["x"].kll
    assert base_sketch is not None
    # the window's own sketch (the profile feeds it grouped by value, so its compaction choices
    # differ from a sketch fed row by row; both are within the KLL bound)
    cur_sketch = Profile.of(cur).columns["x"].kll
    assert cur_sketch is not None and cur_sketch.n == 3000
    simple = ks_sketch(base_sketch, cur_sketch).statistic
    expected = max(0.0, simple - ROBUST_C * np.sqrt((base_sketch.n + 3000) / (base_sketch.n * 3000)))
    metric = next(m for m in run.metrics if m["MetricName"] == "feature_baseline_drift_x")
    assert metric["Value"] == pytest.approx(expected, abs=1e-12)
    row = next(d for d in run.drift if d.feature == "x" and d.test == "ks_sketch_robust")
    assert row.statistic == pytest.approx(expected, abs=1e-12)


def test_drift_table_exact_tests_with_raw_baseline_and_fdr(baseline: Baseline) -> None:
    base_df, cur = _data(5000, 0), _data(800, 5, shift=0.15)
    run = run_monitor(baseline, cur, baseline_data=base_df, fdr=True)
    ks = next(d for d in run.drift if d.feature == "x" and d.test == "ks_2samp")
    ref = ss.ks_2samp(base_df["x"].cast(pl.Float64).to_numpy(), cur["x"].cast(pl.Float64).to_numpy())
    assert ks.statistic == pytest.approx(ref.statistic, abs=1e-12)
    assert ks.pvalue == pytest.approx(ref.pvalue, rel=1e-9)
    assert ks.default  # small window with raw data: the KS p-value decides
    tested = [d for d in run.drift if d.pvalue is not None]
    adjusted = ss.false_discovery_control([d.pvalue for d in tested], method="bh")
    np.testing.assert_allclose([d.pvalue_adjusted for d in tested], adjusted, rtol=1e-12)
    w = next(d for d in run.drift if d.feature == "x" and d.test == "wasserstein_normed")
    base_x = base_df["x"].cast(pl.Float64).to_numpy()
    assert w.statistic == pytest.approx(ss.wasserstein_distance(base_x, cur["x"].cast(pl.Float64).to_numpy()) / base_x.std(), rel=1e-9)


def test_empty_window_fails_and_leaves_no_partial_output(baseline: Baseline, tmp_path: Path) -> None:
    run_monitor(baseline, _data(500, 1), out=tmp_path)
    assert (tmp_path / "statistics.json").exists()
    run = run_monitor(baseline, _data(500, 1).head(0), out=tmp_path)
    assert run.status == "Failed" and "no data in the analysis window" in run.reason
    assert sorted(p.name for p in tmp_path.iterdir()) == ["monitoring_run.json"]
    assert json.loads((tmp_path / "monitoring_run.json").read_text())["status"] == "Failed"


def _capture_line(t: datetime, x: str, out: str = "0.5") -> str:
    return json.dumps({
        "captureData": {
            "endpointInput": {"observedContentType": "text/csv", "mode": "INPUT", "data": x, "encoding": "CSV"},
            "endpointOutput": {"observedContentType": "text/csv", "mode": "OUTPUT", "data": out, "encoding": "CSV"},
        },
        "eventMetadata": {"eventId": f"id-{t.timestamp()}", "inferenceTime": t.strftime("%Y-%m-%dT%H:%M:%SZ")},
        "eventVersion": "0",
    })


def test_capture_windows_and_bad_records(tmp_path: Path) -> None:
    rng = np.random.default_rng(9)
    train = pl.DataFrame({"_c0": rng.uniform(0, 1, 2000).round(3).astype(str), "_c1": rng.normal(size=2000).round(3).astype(str)})
    baseline = suggest_baseline(train)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    hour = tmp_path / "cap" / "ep" / "AllTraffic" / "2026" / "01" / "01" / "00"
    hour.mkdir(parents=True)
    lines = [_capture_line(t0 + timedelta(seconds=i), f"{rng.normal():.3f}", f"{rng.uniform():.3f}") for i in range(300)]
    lines.insert(10, '{"captureData": {"endpointInput"')  # truncated JSON at line 11
    (hour / "a.jsonl").write_text("\n".join(lines) + "\n")
    failed = run_monitor(baseline, tmp_path / "cap", start=t0, end=t0 + timedelta(hours=1), out=tmp_path / "o1")
    assert failed.status == "Failed"
    assert "a.jsonl line 11" in failed.reason and "json" in failed.reason
    assert not (tmp_path / "o1" / "statistics.json").exists()
    ok = run_monitor(baseline, tmp_path / "cap", start=t0, end=t0 + timedelta(hours=1), on_bad_record="skip", out=tmp_path / "o2")
    assert ok.status in ("Completed", "CompletedWithViolations") and ok.item_count == 300
    summary = json.loads((tmp_path / "o2" / "monitoring_run.json").read_text())
    assert summary["bad_records"] == 1 and "line 11" in summary["bad_records_summary"]
    empty = run_monitor(baseline, tmp_path / "cap", start=t0 + timedelta(hours=5), end=t0 + timedelta(hours=6), on_bad_record="skip")
    assert empty.status == "Failed" and "no data" in empty.reason


def test_outputs_are_deterministic(baseline: Baseline, tmp_path: Path) -> None:
    cur = _data(1500, 6, shift=0.5, new_cat=0.1)
    run_monitor(baseline, cur, out=tmp_path / "a")
    run_monitor(baseline, cur, out=tmp_path / "b")
    for f in ("statistics.json", "constraint_violations.json", "metrics.json", "drift.json", "monitoring_run.json"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f


@pytest.mark.shared
def test_monitor_against_a_sagemaker_written_baseline(shared_dir: Path, tmp_path: Path) -> None:
    ref = shared_dir / "reference" / "sagemaker"
    shutil.copy(ref / "statistics-string-feature.json", tmp_path / "statistics.json")
    shutil.copy(ref / "constraints-string-feature.json", tmp_path / "constraints.json")
    value = "preproc-not-YET-supported-for-csv-json"
    good = pl.DataFrame({"message": [value] * 50})
    # the two reference files come from different examples: constraints.json lists a second
    # feature that statistics.json lacks, and such a pair is refused rather than re-aligned
    refused = run_monitor(tmp_path, good)
    assert refused.status == "Failed" and "statistics.json" in refused.reason and "constraints.json" in refused.reason
    cons = json.loads((tmp_path / "constraints.json").read_text())
    cons["features"] = [f for f in cons["features"] if f["name"] == "message"]
    (tmp_path / "constraints.json").write_text(json.dumps(cons))
    assert run_monitor(tmp_path, good).status == "Completed"
    bad = pl.DataFrame({"message": [value] * 40 + ["other"] * 10})
    run = run_monitor(tmp_path, bad)
    assert ("message", "categorical_values_check") in _checks(run.violations)
    numeric = tmp_path / "numeric"
    numeric.mkdir()
    shutil.copy(ref / "constraints-numeric.json", numeric / "constraints.json")
    frame = pl.DataFrame({f"_c{i}": ["1.5", "2.0", "x"] for i in range(6)})
    run = run_monitor(numeric, frame)
    assert {c for _, c in _checks(run.violations)} == {"data_type_check"}


def test_a_table_on_disk_streams_in_batches_with_the_same_verdicts(baseline: Baseline, tmp_path: Path) -> None:
    cur = _data(3000, 8, shift=0.6, new_cat=0.15)
    path = tmp_path / "window.csv"
    cur.write_csv(path)
    streamed = run_monitor(baseline, path, batch_rows=400)
    in_memory = run_monitor(baseline, cur)
    assert streamed.item_count == in_memory.item_count == 3000
    assert _checks(streamed.violations) == _checks(in_memory.violations)
    common = lambda run: [f.get("numerical_statistics", f.get("string_statistics"))["common"] for f in run.statistics["features"]]  # noqa: E731
    assert common(streamed) == common(in_memory)
    # progress: called after every batch with the rows profiled so far
    seen: list[int] = []
    run_monitor(baseline, path, batch_rows=400, progress=seen.append)
    assert seen == [*range(400, 3000, 400), 3000]


def test_clean_windows_flag_at_the_stated_rate() -> None:
    """With no drift, each calibrated drift test flags a feature about alpha of the time and the
    run's verdict (p-values adjusted across features) flags at most alpha of the runs. 300 clean
    windows of 200 rows: the bound is alpha plus three binomial standard errors (0.088 at 0.05),
    where the uncalibrated thresholds flagged Jensen-Shannon in 23 % of clean rows."""
    rng = np.random.default_rng(11)

    def sample(n: int) -> pl.DataFrame:
        return pl.DataFrame({
            "x": rng.normal(0, 1, n), "y": rng.lognormal(0, 1, n), "z": rng.uniform(-5, 5, n),
            "c": rng.choice(["a", "b", "c", "d"], n, p=[0.4, 0.3, 0.2, 0.1]),
            "d": rng.choice(["p", "q"], n),
        })

    base = suggest_baseline(sample(20_000))
    reps, alpha = 300, 0.05
    flags: dict[str, list[int]] = {}
    flagged_runs = 0
    for _ in range(reps):
        run = run_monitor(base, sample(200), alpha=alpha)
        flagged_runs += bool(run.drifted_features)
        for t in run.drift:
            k = flags.setdefault(t.test, [0, 0])
            k[0] += t.drift
            k[1] += 1
    bound = alpha + 3 * math.sqrt(alpha * (1 - alpha) / reps)
    assert flagged_runs / reps <= bound
    for test in ("jensenshannon", "psi", "wasserstein_normed", "ks_sketch", "chi2_contingency"):
        hits, n = flags[test]
        assert hits / n <= bound, (test, hits, n)
    # and the same tests do flag a real shift
    shifted = sample(200).with_columns(pl.col("x") + 0.6, pl.lit("a").alias("c"))
    run = run_monitor(base, shifted, alpha=alpha)
    hit = {(t.feature, t.test) for t in run.drift if t.drift}
    assert {("x", "jensenshannon"), ("x", "wasserstein_normed"), ("c", "psi"), ("c", "chi2_contingency")} <= hit
    assert {"x", "c"} <= set(run.drifted_features)


@pytest.mark.parametrize("scale", [1e-310, 1e-300, 1e300, 1.7e308])
def test_extreme_magnitudes_give_finite_rows_and_no_warnings(scale: float, recwarn: pytest.WarningsRecorder) -> None:
    """Values near the ends of the float range: every drift row has a finite statistic (a
    distance that overflows is left out, never written as null beside a verdict) and no numpy
    warning reaches the user."""
    rng = np.random.default_rng(5)
    base = suggest_baseline(pl.DataFrame({"v": rng.uniform(-1, 1, 3000) * scale}))
    run = run_monitor(base, pl.DataFrame({"v": rng.uniform(-1, 1, 300) * scale}))
    assert run.status in ("Completed", "CompletedWithViolations"), run.reason
    assert run.drift and all(math.isfinite(t.statistic) and math.isfinite(t.threshold) for t in run.drift)
    assert all(json.loads(json.dumps(t.to_json()))["statistic"] is not None for t in run.drift)
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]
