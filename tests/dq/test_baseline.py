"""Baselines in SageMaker's formats: statistics.json, suggested constraints.json, and reading
SageMaker-written files back."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from driftline.baseline import DEFAULT_MONITORING_CONFIG, load_baseline, suggest_baseline
from driftline.errors import InvalidInputError


def _frame(n: int = 2000, seed: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    return pl.DataFrame(
        {
            "_c0": rng.normal(10, 2, n).round(4).astype(str),
            "_c1": rng.integers(0, 100, n).astype(str),
            "_c2": rng.choice(["red", "green", "blue"], n),
            "_c3": np.where(rng.random(n) < 0.1, "", rng.normal(size=n).astype(str)),
        }
    )


def test_statistics_follow_sagemaker_schema() -> None:
    df = _frame()
    baseline, _ = suggest_baseline(df)
    doc = baseline.statistics
    assert doc["version"] == 0.0 and doc["dataset"] == {"item_count": 2000}
    f0 = doc["features"][0]
    assert f0["name"] == "_c0" and f0["inferred_type"] == "Fractional"
    num = f0["numerical_statistics"]
    x = df["_c0"].cast(pl.Float64).to_numpy()
    assert num["common"] == {"num_present": 2000, "num_missing": 0}
    assert num["mean"] == pytest.approx(x.mean(), rel=1e-12)
    assert num["sum"] == pytest.approx(x.sum(), rel=1e-12)
    assert num["std_dev"] == pytest.approx(x.std(), rel=1e-10)  # population std, as SageMaker
    assert (num["min"], num["max"]) == (x.min(), x.max())
    buckets = num["distribution"]["kll"]["buckets"]
    assert len(buckets) == 10
    assert buckets[0]["lower_bound"] == x.min() and buckets[-1]["upper_bound"] == pytest.approx(x.max())
    assert sum(b["count"] for b in buckets) == 2000  # exact: 2000 values fit in a k=2048 sketch
    np.testing.assert_array_equal([b["count"] for b in buckets], np.histogram(x, 10)[0])
    sketch = num["distribution"]["kll"]["sketch"]
    assert sketch["parameters"] == {"c": 0.64, "k": 2048.0}
    s2 = doc["features"][2]
    assert s2["inferred_type"] == "String"
    cats = {b["value"]: b["count"] for b in s2["string_statistics"]["distribution"]["categorical"]["buckets"]}
    assert cats == dict(zip(*np.unique(df["_c2"].to_numpy(), return_counts=True)))
    assert s2["string_statistics"]["distinct_count"] == 3.0


def test_suggested_constraints() -> None:
    df = _frame()
    baseline, _ = suggest_baseline(df)
    feats = {f["name"]: f for f in baseline.constraints["features"]}
    assert feats["_c0"]["completeness"] == 1.0 and feats["_c0"]["num_constraints"] == {"is_non_negative": True}
    assert feats["_c1"]["inferred_type"] == "Integral"
    assert feats["_c2"]["string_constraints"] == {"domains": ["blue", "green", "red"]}
    # ~90 % complete over 2000 rows: lower end of the 95 % interval, rounded down to 2 decimals
    p = feats["_c3"]["completeness"]
    present = int((df["_c3"] != "").sum()) / 2000
    assert p == math.floor((present - 1.96 * math.sqrt(present * (1 - present) / 2000)) * 100) / 100
    assert baseline.constraints["monitoring_config"] == DEFAULT_MONITORING_CONFIG


def test_written_baseline_round_trips_and_is_deterministic(tmp_path: Path) -> None:
    csv = tmp_path / "train.csv"
    _frame().write_csv(csv, include_header=False)
    a, _ = suggest_baseline(csv, has_header=False, batch_rows=300)
    b, _ = suggest_baseline(csv, has_header=False, batch_rows=300)
    a.write(tmp_path / "a")
    b.write(tmp_path / "b")
    for name in ("statistics.json", "constraints.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    loaded = load_baseline(tmp_path / "a")
    assert list(loaded.features) == ["_c0", "_c1", "_c2", "_c3"]
    f = loaded.features["_c0"]
    assert f.kll is not None and f.kll.n == 2000 and f.completeness == 1.0
    assert loaded.features["_c2"].domains == ["blue", "green", "red"]


def test_batches_give_the_same_baseline_as_one_pass(tmp_path: Path) -> None:
    csv = tmp_path / "train.csv"
    _frame(5000).write_csv(csv)
    one, _ = suggest_baseline(csv, batch_rows=10_000)
    seen: list[int] = []
    many, _ = suggest_baseline(csv, batch_rows=700, progress=seen.append)
    assert seen == [min(700 * (i + 1), 5000) for i in range(len(seen))] and seen[-1] == 5000
    for f1, f2 in zip(one.statistics["features"], many.statistics["features"], strict=True):
        assert f1["inferred_type"] == f2["inferred_type"]
        key = "numerical_statistics" if "numerical_statistics" in f1 else "string_statistics"
        assert f1[key]["common"] == f2[key]["common"]
        if key == "numerical_statistics":
            assert f1[key]["mean"] == pytest.approx(f2[key]["mean"], rel=1e-12)
            assert f1[key]["std_dev"] == pytest.approx(f2[key]["std_dev"], rel=1e-9)


def test_bad_baselines_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="statistics.json and/or constraints.json"):
        load_baseline(tmp_path)
    (tmp_path / "statistics.json").write_text('{"features": [ {"name": "a", ')
    with pytest.raises(InvalidInputError, match=r"statistics.json: line 1: not valid JSON"):
        load_baseline(tmp_path)
    with pytest.raises(InvalidInputError, match="no rows"):
        suggest_baseline(pl.DataFrame({"a": pl.Series([], dtype=pl.String)}))


@pytest.mark.shared
def test_sagemaker_written_baselines_load(shared_dir: Path, tmp_path: Path) -> None:
    ref = shared_dir / "reference" / "sagemaker"
    shutil.copy(ref / "constraints-numeric.json", tmp_path / "constraints.json")
    numeric = load_baseline(tmp_path)
    assert list(numeric.features) == [f"_c{i}" for i in range(6)]
    assert all(f.inferred_type == "Fractional" and f.completeness == 1.0 and f.is_non_negative for f in numeric.features.values())
    assert numeric.monitoring_config["distribution_constraints"]["comparison_method"] == "Robust"
    strings = tmp_path / "strings"
    strings.mkdir()
    shutil.copy(ref / "statistics-string-feature.json", strings / "statistics.json")
    shutil.copy(ref / "constraints-string-feature.json", strings / "constraints.json")
    b = load_baseline(strings)
    assert b.item_count == 418
    assert b.features["message"].categories == {"preproc-not-YET-supported-for-csv-json": 418}
    assert b.features["message"].domains == ["preproc-not-YET-supported-for-csv-json"]
    assert b.features["second_message"].domains == ["preproc-not-YET-supported-for-csv-json"]
    # SageMaker's own keys beside the ones driftline knows stay available
    assert b.monitoring_config["distribution_constraints"]["comparison_threshold"] == 1.0
    assert json.loads(json.dumps(b.constraints)) == b.constraints


# A baseline in SageMaker's own layout and number style ("version" : 0.0, counts as doubles,
# unsorted KLL compactor items, spaces before colons), written as its analyzer writes it.
SAGEMAKER_STYLE_STATISTICS = """{
  "version" : 0.0,
  "dataset" : { "item_count" : 8 },
  "features" : [ {
    "name" : "_c0", "inferred_type" : "Fractional",
    "numerical_statistics" : {
      "common" : { "num_present" : 8, "num_missing" : 0 },
      "mean" : 2.0, "sum" : 16.0, "std_dev" : 0.7071067811865476, "min" : 1.0, "max" : 3.0,
      "distribution" : { "kll" : {
        "buckets" : [ { "lower_bound" : 1.0, "upper_bound" : 2.0, "count" : 2.0 },
                      { "lower_bound" : 2.0, "upper_bound" : 3.0, "count" : 6.0 } ],
        "sketch" : { "parameters" : { "c" : 0.64, "k" : 2048.0 },
                     "data" : [ [ 3.0, 1.0, 2.0, 2.0, 3.0, 2.0, 1.0, 2.0 ] ] } } } }
  }, {
    "name" : "_c1", "inferred_type" : "String",
    "string_statistics" : {
      "common" : { "num_present" : 8, "num_missing" : 0 }, "distinct_count" : 2.0,
      "distribution" : { "categorical" : { "buckets" : [ { "value" : "a", "count" : 6 }, { "value" : "b", "count" : 2 } ] } } }
  } ]
}"""

SAGEMAKER_STYLE_CONSTRAINTS = """{
  "version" : 0.0,
  "features" : [ { "name" : "_c0", "inferred_type" : "Fractional", "completeness" : 1.0,
                   "num_constraints" : { "is_non_negative" : true } },
                 { "name" : "_c1", "inferred_type" : "String", "completeness" : 1.0,
                   "string_constraints" : { "domains" : [ "a", "b" ] } } ],
  "monitoring_config" : { "evaluate_constraints" : "Enabled", "emit_metrics" : "Enabled",
    "datatype_check_threshold" : 1.0, "domain_content_threshold" : 1.0,
    "distribution_constraints" : { "perform_comparison" : "Enabled", "comparison_threshold" : 0.1,
                                   "comparison_method" : "Simple" } }
}"""


def test_a_sagemaker_style_baseline_works_like_ours(tmp_path: Path) -> None:
    from driftline.monitor import run_monitor

    (tmp_path / "statistics.json").write_text(SAGEMAKER_STYLE_STATISTICS)
    (tmp_path / "constraints.json").write_text(SAGEMAKER_STYLE_CONSTRAINTS)
    b = load_baseline(tmp_path)
    kll = b.features["_c0"].kll
    assert kll is not None and kll.n == 8 and kll.buckets(2) == [(1.0, 2.0, 2), (2.0, 3.0, 6)]
    same = pl.DataFrame({"_c0": ["3.0", "1.0", "2.0", "2.0", "3.0", "2.0", "1.0", "2.0"], "_c1": list("aaaaaabb")})
    assert run_monitor(tmp_path, same).status == "Completed"
    shifted = pl.DataFrame({"_c0": ["3.0"] * 8, "_c1": list("aaaaaabb")})
    run = run_monitor(tmp_path, shifted)
    (v,) = [v for v in run.violations if v.constraint_check_type == "baseline_drift_check"]
    # Simple method: the plain L-infinity distance between the CDFs: |F(2) - G(2)| = 6/8
    assert v.feature_name == "_c0" and "Numerical distance: 0.75 exceeds numerical threshold: 0.1" in v.description


def test_bad_records_in_training_data(tmp_path: Path) -> None:
    csv = tmp_path / "train.csv"
    csv.write_text("1.0,a\n2.0,b\n3.0\n4.0,a\n")
    with pytest.raises(InvalidInputError, match=r"train.csv line 3"):
        suggest_baseline(csv, has_header=False)
    _, profile = suggest_baseline(csv, has_header=False, on_bad_record="skip")
    assert profile.item_count == 3 and profile.bad_records == 1


# -- missing values: one rule (null, empty, NaN, inf) ------------------------------------------


def _feature(doc: dict, name: str) -> dict:
    return next(f for f in doc["features"] if f["name"] == name)


def test_nan_text_counts_as_missing_like_empty_cells(tmp_path: Path) -> None:
    n = 1000
    values = [str(float(i)) for i in range(n)]
    frame = pl.DataFrame({
        "nan_text": [v if i % 2 else "nan" for i, v in enumerate(values)],
        "empty": [v if i % 2 else "" for i, v in enumerate(values)],
        "inf": [v if i % 2 else ("inf" if i % 4 else "-Infinity") for i, v in enumerate(values)],
    })
    baseline, _ = suggest_baseline(frame)
    stats = {f["name"]: f for f in baseline.statistics["features"]}
    for name in ("nan_text", "empty", "inf"):
        num = stats[name]["numerical_statistics"]
        assert stats[name]["inferred_type"] == "Fractional"
        assert num["common"] == {"num_present": 500, "num_missing": 500}, name
        assert num["sum"] == sum(float(v) for v in values[1::2]) and num["max"] == 999.0
        assert sum(b["count"] for b in num["distribution"]["kll"]["buckets"]) == 500
    cons = {f["name"]: f["completeness"] for f in baseline.constraints["features"]}
    assert cons["nan_text"] == cons["empty"] == cons["inf"] < 1.0


def test_a_window_with_nan_text_fails_completeness_as_with_empty_cells(tmp_path: Path) -> None:
    from driftline.monitor import run_monitor

    rng = np.random.default_rng(0)
    train = pl.DataFrame({"x": rng.normal(size=1000).astype(str)})
    baseline, _ = suggest_baseline(train)
    x = rng.normal(size=1000).astype(str)
    for missing in ("nan", "", "NaN", "inf"):
        window = pl.DataFrame({"x": np.where(np.arange(1000) % 2 == 0, missing, x)})
        run = run_monitor(baseline, window)
        checks = {v.constraint_check_type for v in run.violations}
        assert "completeness_check" in checks, missing
        assert "data_type_check" not in checks, missing
        feature = _feature(run.statistics, "x")["numerical_statistics"]
        assert feature["common"] == {"num_present": 500, "num_missing": 500}
        data = next(m for m in run.metrics if m["MetricName"] == "feature_data_x")
        assert data["StatisticValues"]["SampleCount"] == 500  # agrees with num_present


@pytest.mark.parametrize("column", [["nan"] * 4, ["NaN", "", None, "inf"], [float("nan")] * 4])
def test_an_all_nan_column_baselines_like_an_all_empty_one(column: list) -> None:
    frame = pl.DataFrame({"a": ["1", "2", "3", "4"], "b": pl.Series(column)})
    baseline, _ = suggest_baseline(frame)
    b = _feature(baseline.statistics, "b")
    assert b["inferred_type"] == "Unknown"
    assert b["string_statistics"]["common"] == {"num_present": 0, "num_missing": 4}
    assert _feature(baseline.constraints, "b")["completeness"] == 0.0


def test_twenty_thousand_column_csv_baselines(tmp_path: Path) -> None:
    # 51 s before profiles were vectorised across columns; correctness only (times: BENCHMARKS.md)
    width = 20_000
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"f{i}" for i in range(width)) + "\n" + ",".join(str(i % 7) if i % 5 else "a" for i in range(width)) + "\n")
    baseline, profile = suggest_baseline(path)
    features = baseline.statistics["features"]
    assert [f["name"] for f in features] == [f"f{i}" for i in range(width)]
    assert features[3]["inferred_type"] == "Integral" and features[3]["numerical_statistics"]["sum"] == 3.0
    assert features[5]["inferred_type"] == "String"
    assert all(c.num_present == 1 and c.num_missing == 0 for c in profile.columns.values())
    assert len(baseline.constraints["features"]) == width
