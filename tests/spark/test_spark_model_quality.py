"""Model quality of a Spark DataFrame holding labels and predictions: the same baseline and run
as one process on the same rows (exactly: same rows, same order, same seed)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from driftline.errors import InvalidInputError
from driftline.model_quality import run_model_quality_monitor, suggest_model_quality_baseline


def _frame(n: int, seed: int, shift: float = 0.0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    score = rng.random(n)
    label = (rng.random(n) < np.clip(score + shift, 0, 1)).astype(np.int64)
    return pl.DataFrame({"score": score, "label": label, "segment": rng.choice(["a", "b", "c"], n), "x": rng.normal(size=n)})


def test_baseline_and_monitor_equal_the_single_process(spark: Any, tmp_path: Path) -> None:
    from driftline import spark as dspark

    base_pl, cur_pl = _frame(6000, 1), _frame(4000, 2, shift=-0.2)
    # shuffled over partitions, then checkpointed so that every read sees the same row order
    base_df = spark.createDataFrame(base_pl.to_pandas()).repartition(7).localCheckpoint()
    cur_df = spark.createDataFrame(cur_pl.to_pandas()).repartition(5).localCheckpoint()
    # the rows as Spark holds them (repartition shuffles): the single-process reference reads the same order
    base_rows = dspark.collect_columns(base_df, ["label", "score"])
    cur_rows = dspark.collect_columns(cur_df, ["label", "score", "segment"])
    assert sorted(base_rows["score"].to_list()) == sorted(base_pl["score"].to_list())
    kw: dict[str, Any] = {"problem_type": "BinaryClassification", "ground_truth_attribute": "label", "probability_attribute": "score",
                          "probability_threshold_attribute": 0.5, "bootstrap": 50, "seed": 3,
                          "evaluation_time": datetime(2026, 11, 1, tzinfo=timezone.utc)}
    on_spark = dspark.suggest_model_quality_baseline(base_df, out=tmp_path / "spark-base", **kw)
    single = suggest_model_quality_baseline(base_rows, out=tmp_path / "single-base", **kw)
    assert on_spark.statistics == single.statistics and on_spark.constraints == single.constraints
    run_kw: dict[str, Any] = {"ground_truth_attribute": "label", "probability_attribute": "score", "bootstrap": 50, "seed": 3}
    r_spark = dspark.run_model_quality_monitor(tmp_path / "spark-base", cur_df, segment_by="segment", out=tmp_path / "spark-run", **run_kw)
    r_single = run_model_quality_monitor(tmp_path / "single-base", cur_rows, segment_by="segment", out=tmp_path / "single-run", **run_kw)
    assert r_spark.status == r_single.status == "CompletedWithViolations", r_spark.reason
    for name in ("constraint_violations.json", "metrics.json", "segments.json"):
        assert json.loads((tmp_path / "spark-run" / name).read_text()) == json.loads((tmp_path / "single-run" / name).read_text()), name
    a = json.loads((tmp_path / "spark-run" / "statistics.json").read_text())
    b = json.loads((tmp_path / "single-run" / "statistics.json").read_text())
    a.get("dataset", {}).pop("evaluation_time", None), b.get("dataset", {}).pop("evaluation_time", None)
    assert a["binary_classification_metrics"] == b["binary_classification_metrics"]
    # order-free metrics equal those of the original (unshuffled) rows too
    direct = suggest_model_quality_baseline(base_pl.select("label", "score"), **kw)
    for metric in ("accuracy", "recall", "precision", "auc"):
        assert on_spark.statistics["binary_classification_metrics"][metric]["value"] == pytest.approx(
            direct.statistics["binary_classification_metrics"][metric]["value"], rel=1e-12)


def test_missing_columns_are_named(spark: Any) -> None:
    from driftline import spark as dspark

    df = spark.createDataFrame(_frame(100, 3).to_pandas())
    with pytest.raises(InvalidInputError, match="'truth' is not a column"):
        dspark.suggest_model_quality_baseline(df, problem_type="BinaryClassification", ground_truth_attribute="truth",
                                              probability_attribute="score")
    with pytest.raises(InvalidInputError, match="9 is not a column index"):
        dspark.suggest_model_quality_baseline(df, problem_type="BinaryClassification", ground_truth_attribute=9)


def test_cli_model_quality_with_spark(spark: Any, tmp_path: Path) -> None:
    """`driftline model-quality baseline|monitor --spark` on CSV files gives the files the same
    commands give without Spark (one small file: Spark reads it as one partition, in file order)."""
    from driftline.cli import main

    _frame(3000, 4).write_csv(tmp_path / "base.csv")
    _frame(2000, 5, shift=-0.2).write_csv(tmp_path / "cur.csv")
    common = ["--problem-type", "BinaryClassification", "--ground-truth-attribute", "label", "--probability-attribute", "score",
              "--bootstrap", "20"]
    for spark_flag, tag in (([], "one"), (["--spark"], "spark")):
        assert main(["model-quality", "baseline", "--data", str(tmp_path / "base.csv"), "--out", str(tmp_path / f"b-{tag}"),
                     *common, *spark_flag]) == 0
        code = main(["model-quality", "monitor", "--baseline", str(tmp_path / f"b-{tag}"), "--data", str(tmp_path / "cur.csv"),
                     "--out", str(tmp_path / f"r-{tag}"), *common, *spark_flag])
        assert code == 0
    for name in ("constraint_violations.json", "metrics.json"):
        assert (tmp_path / "r-one" / name).read_text() == (tmp_path / "r-spark" / name).read_text(), name
    one = json.loads((tmp_path / "b-one" / "constraints.json").read_text())
    assert one == json.loads((tmp_path / "b-spark" / "constraints.json").read_text())
    assert main(["model-quality", "monitor", "--baseline", str(tmp_path / "b-one"), "--data", str(tmp_path / "cur.csv"),
                 "--out", str(tmp_path / "r-x"), "--ground-truth", str(tmp_path / "cur.csv"), *common, "--spark"]) == 2
