"""driftline.spark against one process on a real local Spark: profiles, baselines, monitor runs
and the command line, over many partitions (empty ones, one huge one), all-null columns and a
1,000-column table. See _compare.py for what is exact and what within which bound."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

import driftline
from driftline import spark as dspark
from driftline.profile import Profile
from driftline.spark import profile_spark
from tests.spark._compare import assert_profiles_match, assert_violations_match, schema_of

pytestmark = [pytest.mark.spark, pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")]

ROWS = 40_000


def _frame(rows: int = ROWS, seed: int = 0, shift: float = 0.0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    f = rng.normal(shift, 1.0, rows)
    f[rng.random(rows) < 0.01] = np.nan
    f[rng.random(rows) < 0.005] = np.inf
    f_mask = rng.random(rows) < 0.02
    cats = np.array(["red", "green", "blue", " blue ", "", "teal"])
    p = [0.4, 0.3, 0.1, 0.05, 0.05, 0.1] if not shift else [0.1, 0.3, 0.1, 0.05, 0.05, 0.4]
    text = np.array(["1", "2.5", "abc", "nan", "-3e2", "inf", "7"])
    return pl.DataFrame({
        "f": pl.Series(f).set(pl.Series(f_mask), None),
        "i": pl.Series(rng.integers(-50, 1000, rows), dtype=pl.Int64).set(pl.Series(rng.random(rows) < 0.03), None),
        "i32": pl.Series(rng.integers(0, 20, rows), dtype=pl.Int32),
        "hi": rng.lognormal(0, 1, rows) * 1000,  # high cardinality: estimated distinct count, no categories
        "cat": pl.Series(cats[rng.choice(len(cats), rows, p=p)]).set(pl.Series(rng.random(rows) < 0.02), None),
        "numtext": pl.Series(text[rng.integers(0, len(text), rows)]),
        "flag": pl.Series(rng.random(rows) < 0.3),
        "null_f": pl.Series([None] * rows, dtype=pl.Float64),
        "null_s": pl.Series([None] * rows, dtype=pl.String),
    })


def _skewed(spark: Any, frame: pl.DataFrame, partitions: int = 16) -> Any:
    """``frame`` in ``partitions`` partitions: ~70 % of the rows in one, the rest over a few,
    several partitions empty."""
    rng = np.random.default_rng(1)
    part = np.where(rng.random(frame.height) < 0.7, 0, rng.integers(1, 6, frame.height))
    sdf = spark.createDataFrame(frame.with_columns(_part=pl.Series(part, dtype=pl.Int32)).to_arrow())
    return sdf.repartition(partitions, "_part").drop("_part")


def _partition_sizes(sdf: Any) -> list[int]:
    from pyspark.sql import functions as F

    counts = {r["p"]: r["n"] for r in sdf.groupBy(F.spark_partition_id().alias("p")).count().withColumnRenamed("count", "n").collect()}
    return [counts.get(i, 0) for i in range(sdf.rdd.getNumPartitions())]


def _exact(frame: pl.DataFrame) -> dict[str, np.ndarray]:
    out = {}
    for name in ("f", "i", "i32", "hi"):
        s = frame[name].cast(pl.Float64)
        out[name] = s.filter(s.is_finite()).to_numpy()
    return out


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    return _frame()


@pytest.fixture(scope="module")
def skewed(spark: Any, frame: pl.DataFrame) -> Any:
    sdf = _skewed(spark, frame).cache()
    sizes = _partition_sizes(sdf)
    assert len(sizes) == 16 and sum(sizes) == frame.height
    assert sizes.count(0) >= 3, sizes  # empty partitions
    assert max(sizes) >= 0.6 * frame.height, sizes  # one huge partition
    return sdf


def test_profile_equals_single_process(skewed: Any, frame: pl.DataFrame) -> None:
    profile, parts = profile_spark(skewed)
    assert len(parts.partials) == 16  # one partial per partition, empty ones included
    assert_profiles_match(profile, Profile.of(frame), _exact(frame))
    # the all-null columns
    for name in ("null_f", "null_s"):
        col = profile.columns[name]
        assert col.num_missing == ROWS and col.num_present == 0 and col.inferred_type == "Unknown" and col.kll is None


def test_small_chunks_per_task(skewed: Any, frame: pl.DataFrame) -> None:
    # several Profile.update calls per task (chunks of 3,000 rows from 2,000-row Arrow batches)
    profile, _ = profile_spark(skewed, batch_rows=3000)
    assert_profiles_match(profile, Profile.of(frame), _exact(frame))


def test_tree_merge_on_executors(skewed: Any, frame: pl.DataFrame) -> None:
    profile, parts = profile_spark(skewed, tree_depth=2)
    assert [p for p, _ in parts.partials] == [-1]  # one merged profile reached the driver
    assert_profiles_match(profile, Profile.of(frame), _exact(frame))


def test_spark_null_type_column(spark: Any) -> None:
    from pyspark.sql import functions as F

    sdf = spark.range(0, 5000, numPartitions=7).withColumn("nothing", F.lit(None)).withColumn("x", F.col("id") * 2)
    profile, _ = profile_spark(sdf)
    local = Profile.of(pl.DataFrame({"id": np.arange(5000), "nothing": pl.Series([None] * 5000, dtype=pl.Null),
                                     "x": np.arange(5000) * 2}))
    assert_profiles_match(profile, local)


def test_wide_table(spark: Any) -> None:
    rows, width = 300, 1000
    rng = np.random.default_rng(7)
    cols: dict[str, Any] = {}
    for j in range(width):
        if j % 4 == 3:
            cols[f"c{j:04d}"] = pl.Series(rng.choice(["a", "b", "c", None], rows).tolist(), dtype=pl.String)
        elif j % 4 == 2:
            cols[f"c{j:04d}"] = pl.Series(rng.integers(0, 30, rows), dtype=pl.Int64)
        else:
            cols[f"c{j:04d}"] = pl.Series(rng.normal(j, 1, rows))
    frame = pl.DataFrame(cols)
    sdf = spark.createDataFrame(frame.to_arrow()).repartition(6)
    profile, parts = profile_spark(sdf)
    assert len(profile.columns) == width
    assert_profiles_match(profile, Profile.of(frame))
    assert parts.bytes_total > 0


def test_exclude(skewed: Any, frame: pl.DataFrame) -> None:
    profile, _ = profile_spark(skewed, exclude=("hi", "cat"))
    assert_profiles_match(profile, Profile.of(frame, exclude=("hi", "cat")))


def test_empty_dataframe_is_refused(spark: Any, frame: pl.DataFrame) -> None:
    sdf = spark.createDataFrame(frame.head(0).to_arrow())
    with pytest.raises(driftline.errors.InvalidInputError, match="no rows"):
        dspark.suggest_baseline(sdf)
    with pytest.raises(driftline.errors.InvalidArgumentError, match="Spark DataFrame"):
        dspark.suggest_baseline(frame)  # type: ignore[arg-type]


def _assert_docs_match(s: Any, p: Any) -> None:
    """statistics.json / constraints.json: same schema; same everything except floats from the
    moments (summation order) and the KLL buckets and sketch (within the sketch's bound)."""
    assert schema_of(s) == schema_of(p)
    assert s["dataset"] == p["dataset"] if "dataset" in p else True
    for fs, fp in zip(s["features"], p["features"], strict=True):
        assert fs["name"] == fp["name"] and fs["inferred_type"] == fp["inferred_type"]
        if "string_statistics" in fp:
            assert fs["string_statistics"] == fp["string_statistics"]
        if "numerical_statistics" in fp:
            ns, np_ = fs["numerical_statistics"], fp["numerical_statistics"]
            assert ns["common"] == np_["common"] and ns["min"] == np_["min"] and ns["max"] == np_["max"]
            for k in ("mean", "sum", "std_dev"):
                assert ns[k] == pytest.approx(np_[k], rel=1e-9, abs=1e-9 * max(abs(np_["min"]), abs(np_["max"]))), k
            bs, bp = ns["distribution"]["kll"]["buckets"], np_["distribution"]["kll"]["buckets"]
            n = np_["common"]["num_present"]
            assert [(b["lower_bound"], b["upper_bound"]) for b in bs] == [(b["lower_bound"], b["upper_bound"]) for b in bp]
            # bucket counts: each a difference of two ranks, each within the bound (0.00138 n) per sketch
            for b1, b2 in zip(bs, bp, strict=True):
                assert abs(b1["count"] - b2["count"]) <= 4 * 0.00138 * n + 2
        for key in ("completeness", "num_constraints", "string_constraints"):
            assert fs.get(key) == fp.get(key)


def test_suggest_baseline_equals_single_process(skewed: Any, frame: pl.DataFrame, tmp_path: Path) -> None:
    sb = dspark.suggest_baseline(skewed)
    pb = driftline.suggest_baseline(frame)
    assert sb.item_count == pb.item_count == ROWS
    assert sb.constraints == pb.constraints  # suggested constraints: exactly equal
    _assert_docs_match(sb.statistics, pb.statistics)
    sb.write(tmp_path / "spark")
    pb.write(tmp_path / "local")
    assert sorted(p.name for p in (tmp_path / "spark").iterdir()) == sorted(p.name for p in (tmp_path / "local").iterdir())


def _files(folder: Path) -> dict[str, Any]:
    return {p.name: json.loads(p.read_text()) for p in sorted(folder.iterdir()) if p.suffix == ".json"}


def test_run_monitor_equals_single_process(spark: Any, frame: pl.DataFrame, tmp_path: Path) -> None:
    baseline = driftline.suggest_baseline(frame)
    baseline.write(tmp_path / "baseline")
    current = _frame(20_000, seed=3, shift=0.5)
    path = tmp_path / "current.parquet"
    current.write_parquet(path)
    local = driftline.run_monitor(tmp_path / "baseline", str(path), out=tmp_path / "local")
    sdf = _skewed(spark, current, partitions=9)
    run = dspark.run_monitor(tmp_path / "baseline", sdf, out=tmp_path / "spark")
    assert run.status == local.status == "CompletedWithViolations"
    a, b = _files(tmp_path / "spark"), _files(tmp_path / "local")
    assert list(a) == list(b)
    for name in a:
        assert schema_of(a[name]) == schema_of(b[name]), name
    assert_violations_match(a["constraint_violations.json"]["violations"], b["constraint_violations.json"]["violations"])
    assert run.drifted_features == local.drifted_features and run.dataset_drift == local.dataset_drift
    assert "f" in run.drifted_features and "cat" in run.drifted_features
    ta = {(t["feature"], t["test"]): t for t in a["drift.json"]["tests"]}
    tb = {(t["feature"], t["test"]): t for t in b["drift.json"]["tests"]}
    assert list(ta) == list(tb)
    for key, t in tb.items():
        assert ta[key]["drift"] == t["drift"], key
        if key[0] in ("cat", "numtext", "flag", "i32") or t.get("statistic") is None:
            continue
        assert ta[key]["statistic"] == pytest.approx(t["statistic"], abs=0.01), key  # from sketches: within their bounds
    ma = {m["MetricName"]: m for m in a["metrics.json"]["metrics"]}
    mb = {m["MetricName"]: m for m in b["metrics.json"]["metrics"]}
    assert list(ma) == list(mb)
    ra, rb = a["monitoring_run.json"], b["monitoring_run.json"]
    for k in ("status", "item_count", "violations", "violations_by_check", "dataset_drift", "drifted_features"):
        assert ra[k] == rb[k], k


def test_run_monitor_failed_run(spark: Any, frame: pl.DataFrame, tmp_path: Path) -> None:
    baseline = driftline.suggest_baseline(frame)
    run = dspark.run_monitor(baseline, spark.createDataFrame(frame.head(0).to_arrow()), out=tmp_path / "run")
    assert run.status == "Failed" and "no data" in run.reason
    assert [p.name for p in (tmp_path / "run").iterdir()] == ["monitoring_run.json"]


def test_cli_spark(spark: Any, frame: pl.DataFrame, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from driftline.cli import main

    data = tmp_path / "train.parquet"
    frame.write_parquet(data)
    assert main(["baseline", "--spark", "--data", str(data), "--out", str(tmp_path / "b-spark")]) == 0
    assert main(["baseline", "--data", str(data), "--out", str(tmp_path / "b-local")]) == 0
    sb, lb = _files(tmp_path / "b-spark"), _files(tmp_path / "b-local")
    assert sb["constraints.json"] == lb["constraints.json"]
    _assert_docs_match(sb["statistics.json"], lb["statistics.json"])
    csv = tmp_path / "current.csv"
    _frame(5000, seed=4).write_csv(csv)
    code = main(["monitor", "--spark", "--spark-master", "local[2]", "--baseline", str(tmp_path / "b-spark"), "--data", str(csv),
                 "--out", str(tmp_path / "m-spark")])
    code_local = main(["monitor", "--baseline", str(tmp_path / "b-spark"), "--data", str(csv), "--out", str(tmp_path / "m-local")])
    assert code == code_local == 0
    ms, ml = _files(tmp_path / "m-spark"), _files(tmp_path / "m-local")
    assert_violations_match(ms["constraint_violations.json"]["violations"], ml["constraint_violations.json"]["violations"])
    assert ms["drift.json"]["drifted_features"] == ml["drift.json"]["drifted_features"]
    assert main(["monitor", "--spark", "--baseline", str(tmp_path / "b-spark"), "--data", str(csv), "--out", str(tmp_path / "x"),
                 "--baseline-data", str(data)]) == 2
    assert "not available with --spark" in capsys.readouterr().err
    assert main(["baseline", "--spark-master", "local[1]", "--data", str(data), "--out", str(tmp_path / "y")]) == 2


def test_read_data_by_extension(spark: Any, tmp_path: Path) -> None:
    frame = _frame(3000, seed=5).drop("null_f", "null_s", "flag")
    (tmp_path / "j").mkdir()
    frame.write_ndjson(tmp_path / "j" / "part-0.jsonl")
    frame.write_csv(tmp_path / "data.csv")
    for data in (str(tmp_path / "j"), str(tmp_path / "data.csv")):
        sdf = dspark.read_data(spark, data)
        assert_profiles_match(profile_spark(sdf)[0], driftline.suggest_baseline(data).profile)  # type: ignore[arg-type]
    (tmp_path / "j" / "other.csv").write_text("a\n1\n")
    with pytest.raises(driftline.errors.InvalidArgumentError, match="mixes formats"):
        dspark.read_data(spark, str(tmp_path / "j"))
    with pytest.raises(driftline.errors.InvalidArgumentError, match="cannot tell the format"):
        dspark.read_data(spark, str(tmp_path / "data.txt"))


def test_task_error_is_a_driftline_error(spark: Any) -> None:
    from pyspark.sql import functions as F

    sdf = spark.range(0, 100, numPartitions=2).withColumn("xs", F.array(F.col("id"), F.col("id")))
    with pytest.raises(driftline.errors.InvalidInputError, match="in a Spark task: column 'xs' holds"):
        profile_spark(sdf)
