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

from driftline.data_quality.baseline import DEFAULT_MONITORING_CONFIG, load_baseline, suggest_baseline
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
    baseline = suggest_baseline(df)
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
    baseline = suggest_baseline(df)
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
    a = suggest_baseline(csv, has_header=False, batch_rows=300)
    b = suggest_baseline(csv, has_header=False, batch_rows=300)
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
    one = suggest_baseline(csv, batch_rows=10_000)
    seen: list[int] = []
    many = suggest_baseline(csv, batch_rows=700, progress=seen.append)
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
    with pytest.raises(InvalidInputError, match=r"statistics.json: line 1 column 30: not valid JSON"):
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
    stats_only, cons_only, pair = tmp_path / "stats", tmp_path / "cons", tmp_path / "pair"
    for d in (stats_only, cons_only, pair):
        d.mkdir()
    for d in (stats_only, pair):
        shutil.copy(ref / "statistics-string-feature.json", d / "statistics.json")
    for d in (cons_only, pair):
        shutil.copy(ref / "constraints-string-feature.json", d / "constraints.json")
    s = load_baseline(stats_only)
    assert s.item_count == 418
    assert s.features["message"].categories == {"preproc-not-YET-supported-for-csv-json": 418}
    b = load_baseline(cons_only)
    assert b.features["message"].domains == ["preproc-not-YET-supported-for-csv-json"]
    assert b.features["second_message"].domains == ["preproc-not-YET-supported-for-csv-json"]
    # the two reference files describe different features (1 and 2): not one baseline
    with pytest.raises(InvalidInputError, match=r"statistics.json and .*constraints.json disagree: feature 1 is absent in one and 'second_message'"):
        load_baseline(pair)
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
    from driftline.data_quality.monitor import run_monitor

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
    profile = suggest_baseline(csv, has_header=False, on_bad_record="skip").profile
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
    baseline = suggest_baseline(frame)
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
    from driftline.data_quality.monitor import run_monitor

    rng = np.random.default_rng(0)
    train = pl.DataFrame({"x": rng.normal(size=1000).astype(str)})
    baseline = suggest_baseline(train)
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
    baseline = suggest_baseline(frame)
    b = _feature(baseline.statistics, "b")
    assert b["inferred_type"] == "Unknown"
    assert b["string_statistics"]["common"] == {"num_present": 0, "num_missing": 4}
    assert _feature(baseline.constraints, "b")["completeness"] == 0.0


def test_twenty_thousand_column_csv_baselines(tmp_path: Path) -> None:
    # 51 s before profiles were vectorised across columns; correctness only (times: BENCHMARKS.md)
    width = 20_000
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"f{i}" for i in range(width)) + "\n" + ",".join(str(i % 7) if i % 5 else "a" for i in range(width)) + "\n")
    baseline = suggest_baseline(path)
    profile = baseline.profile
    features = baseline.statistics["features"]
    assert [f["name"] for f in features] == [f"f{i}" for i in range(width)]
    assert features[3]["inferred_type"] == "Integral" and features[3]["numerical_statistics"]["sum"] == 3.0
    assert features[5]["inferred_type"] == "String"
    assert all(c.num_present == 1 and c.num_missing == 0 for c in profile.columns.values())
    assert len(baseline.constraints["features"]) == width


# -- a baseline's files are validated when loaded ----------------------------------------------


def _write_pair(folder: Path, statistics: dict | None, constraints: dict | None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if statistics is not None:
        (folder / "statistics.json").write_text(json.dumps(statistics))
    if constraints is not None:
        (folder / "constraints.json").write_text(json.dumps(constraints))
    return folder


def _docs() -> tuple[dict, dict]:
    baseline = suggest_baseline(pl.DataFrame({"age": ["31", "45", "27", "52"], "city": ["a", "b", "a", "a"]}))
    return json.loads(json.dumps(baseline.statistics)), json.loads(json.dumps(baseline.constraints))


@pytest.mark.parametrize("change", ["rename", "drop", "swap"])
def test_statistics_and_constraints_of_different_baselines_are_refused(tmp_path: Path, change: str) -> None:
    stats, cons = _docs()
    if change == "rename":
        cons["features"][1]["name"] = "town"
        first = "feature 1 is 'city' in one and 'town' in the other"
    elif change == "drop":
        del stats["features"][1]
        first = "feature 1 is absent in one and 'city' in the other"
    else:  # a numeric and a string column swapped: re-aligned by position they would be compared wrongly
        cons["features"].reverse()
        first = "feature 0 is 'age' in one and 'city' in the other"
    folder = _write_pair(tmp_path / "b", stats, cons)
    with pytest.raises(InvalidInputError) as info:
        load_baseline(folder)
    message = str(info.value)
    assert str(folder / "statistics.json") in message and str(folder / "constraints.json") in message
    assert first in message


def _set(doc: dict, path: str, value: object) -> None:
    keys = [int(k) if k.isdigit() else k for k in path.split(".")]
    for k in keys[:-1]:
        doc = doc[k]
    doc[keys[-1]] = value


@pytest.mark.parametrize(
    "file, path, value, message",
    [
        ("constraints", "features.0.completeness", 5, "constraints.json: features[0] 'age': completeness 5 is not in [0, 1]"),
        ("constraints", "features.0.completeness", "high", "features[0] 'age': completeness 'high' is not a finite number"),
        ("constraints", "features.1.inferred_type", "Text", "features[1] 'city': inferred_type 'Text' is not one of"),
        ("constraints", "features.1.name", "age", "constraints.json: features[1] repeats the feature name 'age'"),
        ("constraints", "features.0.name", "", "constraints.json: features[0] needs a non-empty string name, got ''"),
        ("constraints", "features.0.num_constraints.is_non_negative", "yes", "num_constraints.is_non_negative 'yes' is not true or false"),
        ("constraints", "features.1.string_constraints", {"domains": "a"}, "string_constraints.domains must be a JSON list"),
        ("constraints", "monitoring_config.distribution_constraints.comparison_threshold", "high",
         "constraints.json: monitoring_config.distribution_constraints.comparison_threshold 'high' is not a finite number"),
        ("constraints", "monitoring_config.distribution_constraints.comparison_threshold", -0.1, "comparison_threshold -0.1 is not in [0, 1]"),
        ("constraints", "monitoring_config.datatype_check_threshold", float("nan"), "datatype_check_threshold nan is not a finite number"),
        ("constraints", "monitoring_config.distribution_constraints.comparison_method", "Fancy", "comparison_method 'Fancy' is not one of 'Robust', 'Simple'"),
        ("constraints", "features.0.monitoringConfigOverrides", {"comparison_threshold": "0.2"},
         "features[0] 'age': monitoringConfigOverrides.comparison_threshold '0.2' is not a finite number"),
        ("constraints", "features", {"age": {}}, "constraints.json: features must be a JSON list"),
        ("statistics", "dataset.item_count", -4, "statistics.json: dataset.item_count -4 is not a non-negative integer"),
        ("statistics", "features.0.numerical_statistics.common.num_present", 2.5,
         "statistics.json: features[0] 'age': numerical_statistics.common.num_present 2.5 is not a non-negative integer"),
        ("statistics", "features.0.numerical_statistics.mean", float("inf"), "numerical_statistics.mean inf is not a finite number"),
        ("statistics", "features.0.numerical_statistics.std_dev", -1.0, "numerical_statistics.std_dev -1.0 is not >= 0"),
        ("statistics", "features.0.numerical_statistics.min", 99.0, "numerical_statistics.min 99.0 is above max 52.0"),
        ("statistics", "features.0.numerical_statistics.distribution.kll.buckets.3.count", -2.0,
         "numerical_statistics.distribution.kll.buckets[3].count -2.0 is not >= 0"),
        ("statistics", "features.0.numerical_statistics.distribution.kll.sketch.data", [[1.0, "x"]],
         "numerical_statistics.distribution.kll.sketch.data[0] holds a value that is not a finite number"),
        ("statistics", "features.0.numerical_statistics.distribution.kll.sketch.parameters", {"c": 0.64, "k": 1},
         "numerical_statistics.distribution.kll.sketch is not a valid KLL sketch"),
        ("statistics", "features.1.string_statistics.distribution.categorical.buckets.0.count", -1,
         "features[1] 'city': string_statistics.distribution.categorical.buckets[0].count -1 is not a non-negative integer"),
        ("statistics", "features.1.inferred_type", None, "features[1] 'city': inferred_type None is not one of"),
    ],
)
def test_every_field_of_a_baseline_is_validated(tmp_path: Path, file: str, path: str, value: object, message: str) -> None:
    stats, cons = _docs()
    _set(stats if file == "statistics" else cons, path, value)
    folder = _write_pair(tmp_path / "b", stats, cons)
    with pytest.raises(InvalidInputError) as info:
        load_baseline(folder)
    assert message in str(info.value)


def test_thresholds_are_floats_for_the_monitor(tmp_path: Path) -> None:
    stats, cons = _docs()
    cons["monitoring_config"]["distribution_constraints"]["comparison_threshold"] = 1
    cons["features"][0]["monitoringConfigOverrides"] = {"comparison_threshold": 0, "evaluate_constraints": "Enabled"}
    b = load_baseline(_write_pair(tmp_path / "b", stats, cons))
    assert b.monitoring_config["distribution_constraints"]["comparison_threshold"] == 1.0
    assert isinstance(b.monitoring_config["distribution_constraints"]["comparison_threshold"], float)
    assert b.features["age"].overrides == {"comparison_threshold": 0.0, "evaluate_constraints": "Enabled"}
    assert isinstance(b.features["age"].overrides["comparison_threshold"], float)


def test_an_unreadable_baseline_file_is_named(tmp_path: Path) -> None:
    stats, cons = _docs()
    folder = _write_pair(tmp_path / "b", None, cons)
    (folder / "statistics.json").write_bytes(b'{"version": 0.0,\n "features": "\xff\xfe\x00binary"}')
    with pytest.raises(InvalidInputError, match=r"b/statistics.json: line 2: not UTF-8 text"):
        load_baseline(folder)
    (folder / "statistics.json").write_text('{"version": 0.0,\n  "features": [,]}')
    with pytest.raises(InvalidInputError, match=r"b/statistics.json: line 2 column 16: not valid JSON"):
        load_baseline(folder)
    (folder / "statistics.json").write_text("[1, 2]")
    with pytest.raises(InvalidInputError, match=r"b/statistics.json: expected a JSON object, got list"):
        load_baseline(folder)


# -- suggest_baseline's argument and Baseline.write ----------------------------------------------


def test_data_that_is_not_a_table_names_the_argument(tmp_path: Path) -> None:
    from driftline.errors import InvalidArgumentError

    for bad, what in (({"a": [1, 2]}, "got a dict"), (42, "got a int"), ([1, 2], "got a list of int")):
        with pytest.raises(InvalidArgumentError, match=r"`data` \(--data\) must be a path .* " + what):
            suggest_baseline(bad)
    with pytest.raises(InvalidInputError) as info:
        suggest_baseline(pl.DataFrame({"a": pl.Series([], dtype=pl.String), "b": pl.Series([], dtype=pl.Int64)}))
    assert str(info.value) == "data has no rows (only a header: 2 columns): a baseline needs at least one row"
    header_only = tmp_path / "header.csv"
    header_only.write_text("a,b,c\n")
    with pytest.raises(InvalidInputError, match=r"header.csv' has no rows \(only a header: 3 columns\)"):
        suggest_baseline(header_only)


def test_a_header_only_csv_of_200000_columns_is_refused_quickly(tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text(",".join(f"c{i}" for i in range(200_000)) + "\n")
    with pytest.raises(InvalidInputError, match=r"has no rows \(only a header: 200000 columns\)"):
        suggest_baseline(path)


def test_write_takes_a_str_and_refuses_foreign_files_and_the_data_folder(tmp_path: Path) -> None:
    from driftline.errors import InvalidArgumentError

    data = tmp_path / "data"
    data.mkdir()
    (data / "train.csv").write_text("a,b\n1,x\n2,y\n")
    baseline = suggest_baseline(data)
    out = str(tmp_path / "out")
    baseline.write(out)
    baseline.write(out)  # an earlier baseline's folder is replaced
    assert sorted(p.name for p in Path(out).iterdir()) == ["constraints.json", "statistics.json"]
    assert load_baseline(out).features["a"].inferred_type == "Integral"
    (Path(out) / "notes.txt").write_text("mine")
    with pytest.raises(InvalidArgumentError, match=r"already holds files a baseline does not write \(notes.txt\)"):
        baseline.write(out)
    with pytest.raises(InvalidArgumentError, match=r"is inside the input"):
        baseline.write(data / "baseline")
    assert sorted(p.name for p in data.iterdir()) == ["train.csv"]
