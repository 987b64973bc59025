"""run_abtest end to end: formats, the SRM gate, decisions, the methods, events, CUPED, and
the degenerate inputs of issue 13."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest
from scipy import stats as ss
from statsmodels.stats.proportion import proportions_ztest

import driftline
from driftline.abtest import run_abtest
from driftline.errors import InvalidArgumentError


def _frame(n: int = 8000, seed: int = 1, lift: float = 0.03, shares: tuple[float, float] = (0.5, 0.5)) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    v = rng.choice(["A", "B"], n, p=list(shares))
    pre = rng.normal(50, 10, n)
    return pl.DataFrame({
        "variant": v,
        "user": np.arange(n),
        "converted": (rng.random(n) < np.where(v == "B", 0.10 + lift, 0.10)).astype(np.int64),
        "latency": rng.gamma(2.0, 20.0, n),
        "pre": pre,
        "spend": 0.8 * pre + rng.normal(0, 6, n),
        "clicks": rng.poisson(2, n).astype(np.float64),
        "views": (rng.poisson(5, n) + 1).astype(np.float64),
    })


METRICS = ["converted:binary", "latency:continuous:lower", "spend:continuous", "ctr:ratio=clicks/views"]


def _by_name(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in doc["metrics"]}


def test_document_shape_and_reference_values(tmp_path: Path) -> None:
    df = _frame()
    run = run_abtest(df, variant_column="variant", metrics=METRICS, out=tmp_path)
    assert run.status == "Completed", run.reason
    doc = json.loads((tmp_path / "abtest.json").read_text())
    assert doc == json.loads(json.dumps(run.to_dict()))
    assert set(doc) >= {"method", "alpha", "variants", "srm", "metrics", "decision"}
    assert doc["variants"]["A"]["weight_expected"] == 0.5 and doc["variants"]["A"]["n"] + doc["variants"]["B"]["n"] == 8000
    assert set(doc["srm"]) >= {"statistic", "pvalue", "mismatch"}
    keys = {"name", "type", "control", "variant", "control_mean", "variant_mean", "difference", "relative_difference", "ci_low",
            "ci_high", "pvalue", "adjusted_pvalue", "test", "decision"}
    for e in doc["metrics"]:
        assert keys <= set(e)
    m = _by_name(doc)
    a, b = df.filter(pl.col("variant") == "A"), df.filter(pl.col("variant") == "B")
    _, p = proportions_ztest([b["converted"].sum(), a["converted"].sum()], [b.height, a.height])
    assert m["converted"]["pvalue"] == pytest.approx(p, rel=1e-9)
    assert m["latency"]["pvalue"] == pytest.approx(ss.ttest_ind(b["latency"], a["latency"], equal_var=False).pvalue, rel=1e-9)
    ps = [e["pvalue"] for e in doc["metrics"]]
    from statsmodels.stats.multitest import multipletests
    assert [e["adjusted_pvalue"] for e in doc["metrics"]] == pytest.approx(multipletests(ps, method="holm")[1])
    assert m["converted"]["decision"] == "variant_better"
    assert doc["decision"]["decision"] == "variant_better" and doc["decision"]["suggested_weights"] == {"A": 0.0, "B": 1.0}
    record = json.loads((tmp_path / "monitoring_run.json").read_text())
    assert record["status"] == "Completed" and record["decision"] == "variant_better"


def test_exported_from_driftline() -> None:
    assert "run_abtest" in driftline.__all__ and driftline.run_abtest is run_abtest


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl", "pandas", "arrow"])
def test_input_formats_agree(tmp_path: Path, fmt: str) -> None:
    df = _frame(2000)
    ref = run_abtest(df, variant_column="variant", metrics=METRICS, bootstrap=0).to_dict()
    data: Any
    if fmt in ("csv", "parquet"):
        data = tmp_path / f"d.{fmt}"
        getattr(df, f"write_{fmt}")(data)
    elif fmt == "jsonl":
        data = tmp_path / "d.jsonl"
        df.write_ndjson(data)
    elif fmt == "pandas":
        data = df.to_pandas()
    else:
        data = df.to_arrow()
    got = run_abtest(data, variant_column="variant", metrics=METRICS, bootstrap=0).to_dict()
    assert [e["pvalue"] for e in got["metrics"]] == pytest.approx([e["pvalue"] for e in ref["metrics"]], rel=1e-9)


def test_direction_lower_is_better() -> None:
    df = _frame(lift=0.0).with_columns(latency=pl.when(pl.col("variant") == "B").then(pl.col("latency") - 10).otherwise(pl.col("latency")))
    m = _by_name(run_abtest(df, variant_column="variant", metrics=["latency:continuous:lower"]).to_dict())
    assert m["latency"]["decision"] == "variant_better"
    m = _by_name(run_abtest(df, variant_column="variant", metrics=["latency:continuous"]).to_dict())
    assert m["latency"]["decision"] == "control_better"


def test_srm_mismatch_invalidates_every_decision() -> None:
    df = _frame(10000, shares=(0.6, 0.4))
    run = run_abtest(df, variant_column="variant", metrics=METRICS, weights="A=0.5,B=0.5")
    doc = run.to_dict()
    assert doc["srm"]["mismatch"] and doc["srm"]["pvalue"] < 0.001
    assert all(e["decision"] == "invalid: sample ratio mismatch" for e in doc["metrics"])
    assert doc["decision"]["decision"] == "invalid: sample ratio mismatch"
    assert run.status == "CompletedWithViolations"


def test_unequal_weights_without_mismatch() -> None:
    df = _frame(10000, shares=(0.2, 0.8))
    doc = run_abtest(df, variant_column="variant", metrics=METRICS, weights={"A": 1, "B": 4}).to_dict()
    assert doc["variants"]["A"]["weight_expected"] == pytest.approx(0.2)
    assert not doc["srm"]["mismatch"]
    assert doc["srm"]["pvalue"] == pytest.approx(ss.chisquare([doc["variants"]["A"]["n"], doc["variants"]["B"]["n"]], [2000, 8000]).pvalue)


def test_variant_with_no_traffic() -> None:
    df = _frame(3000)
    doc = run_abtest(df, variant_column="variant", metrics=["converted:binary"], weights="A=1,B=1,C=1").to_dict()
    assert doc["variants"]["C"]["n"] == 0 and doc["srm"]["mismatch"]
    c = [e for e in doc["metrics"] if e["variant"] == "C"][0]
    assert c["pvalue"] is None and "'C' has no rows" in c["reason"]
    # a variant configured with weight 0 and no rows: no mismatch, a null with its reason
    doc = run_abtest(df, variant_column="variant", metrics=["converted:binary"], weights="A=1,B=1,C=0").to_dict()
    assert not doc["srm"]["mismatch"]
    c = [e for e in doc["metrics"] if e["variant"] == "C"][0]
    assert c["pvalue"] is None and c["decision"] is None and "'C' has no rows" in c["reason"]
    assert doc["decision"]["per_variant"]["C"] is None


def test_all_successes_and_zero_variance() -> None:
    df = pl.DataFrame({"variant": ["A", "B"] * 50, "ok": [1] * 100, "value": [3.0] * 100})
    doc = run_abtest(df, variant_column="variant", metrics=["ok:binary", "value:continuous"]).to_dict()
    for e in doc["metrics"]:
        assert e["pvalue"] is None and e["decision"] is None and "zero variance" in e["reason"]
        assert e["difference"] == 0.0
    assert doc["decision"]["decision"] is None


def test_one_variant_only_fails_with_its_name(tmp_path: Path) -> None:
    df = pl.DataFrame({"variant": ["A"] * 10, "ok": [1, 0] * 5})
    run = run_abtest(df, variant_column="variant", metrics=["ok:binary"], out=tmp_path)
    assert run.status == "Failed" and "one variant only ('A'" in run.reason
    assert sorted(p.name for p in tmp_path.iterdir()) == ["monitoring_run.json"]


def test_nulls_are_left_out_and_counted() -> None:
    df = _frame(4000)
    holes = df.with_columns(latency=pl.when(pl.col("user") % 7 == 0).then(None).otherwise(pl.col("latency")))
    e = _by_name(run_abtest(holes, variant_column="variant", metrics=["latency:continuous"]).to_dict())["latency"]
    dropped = holes.filter(pl.col("latency").is_not_null())
    a, b = dropped.filter(pl.col("variant") == "A")["latency"], dropped.filter(pl.col("variant") == "B")["latency"]
    assert e["pvalue"] == pytest.approx(ss.ttest_ind(b, a, equal_var=False).pvalue, rel=1e-9)
    assert e["control_nulls"] + e["variant_nulls"] == int((df["user"] % 7 == 0).sum())
    all_null = df.with_columns(latency=pl.when(pl.col("variant") == "B").then(None).otherwise(pl.col("latency")))
    e = _by_name(run_abtest(all_null, variant_column="variant", metrics=["latency:continuous"]).to_dict())["latency"]
    assert e["pvalue"] is None and "'B'" in e["reason"] and "missing in latency" in e["reason"]


def test_bad_columns_fail_the_run_naming_them() -> None:
    df = _frame(100)
    run = run_abtest(df, variant_column="variant", metrics=["nope:binary"])
    assert run.status == "Failed" and "'nope'" in run.reason
    run = run_abtest(df.with_columns(converted=pl.col("converted") * 2), variant_column="variant", metrics=["converted:binary"])
    assert run.status == "Failed" and "'converted'" in run.reason
    run = run_abtest(df, variant_column="arm", metrics=["converted:binary"])
    assert run.status == "Failed" and "'arm'" in run.reason


def test_bad_arguments_raise() -> None:
    df = _frame(100)
    for kwargs in ({"metrics": ["x:weird"]}, {"metrics": ["converted:binary"], "alpha": 1.5},
                   {"metrics": ["converted:binary"], "method": "gst"}, {"metrics": ["converted:binary"], "weights": "A=x"},
                   {"metrics": ["converted:binary"], "covariates": {"other": "pre"}}, {"metrics": []}):
        with pytest.raises(InvalidArgumentError):
            run_abtest(df, variant_column="variant", **kwargs)


def test_cuped_reports_the_variance_reduction() -> None:
    df = _frame(20000)
    plain = _by_name(run_abtest(df, variant_column="variant", metrics=["spend:continuous"], bootstrap=0).to_dict())["spend"]
    e = _by_name(run_abtest(df, variant_column="variant", metrics=["spend:continuous"], covariates={"spend": "pre"}, bootstrap=0).to_dict())["spend"]
    rho = float(np.corrcoef(df["spend"], df["pre"])[0, 1])
    assert e["cuped"]["variance_ratio"] == pytest.approx(1 - rho**2, abs=1e-3)
    assert e["test"] == "welch_ttest+cuped"
    assert (e["ci_high"] - e["ci_low"]) / (plain["ci_high"] - plain["ci_low"]) == pytest.approx((1 - rho**2) ** 0.5, rel=0.03)


def test_events_join_sums_per_key_and_fills_zero(tmp_path: Path) -> None:
    df = _frame(1000)
    events = pl.DataFrame({"user": [0, 0, 1, 5], "order_value": [10.0, 5.0, 7.0, 1.0]})
    path = tmp_path / "events.csv"
    events.write_csv(path)
    doc = run_abtest(df, variant_column="variant", metrics=["order_value:continuous"], events=path, join_key="user").to_dict()
    e = doc["metrics"][0]
    joined = df.join(events.group_by("user").agg(pl.col("order_value").sum()), on="user", how="left").fill_null(0.0)
    assert e["control_mean"] == pytest.approx(joined.filter(pl.col("variant") == "A")["order_value"].mean())
    assert e["control_n"] + e["variant_n"] == 1000


def test_keep_running_with_the_remaining_sample() -> None:
    df = _frame(2000, lift=0.0)
    doc = run_abtest(df, variant_column="variant", metrics=["converted:binary"], mde=0.1).to_dict()
    e = doc["metrics"][0]
    assert e["decision"] == "keep_running" and e["remaining_sample"] > 0
    assert e["remaining_sample"] == e["planning"]["required_sample"] - 2000
    assert doc["decision"]["decision"] == "keep_running" and doc["decision"]["remaining_sample"] == e["remaining_sample"]
    doc = run_abtest(df, variant_column="variant", metrics=["converted:binary"], method="msprt", max_samples=10000).to_dict()
    assert doc["metrics"][0]["decision"] == "keep_running" and doc["metrics"][0]["remaining_sample"] == 8000
    doc = run_abtest(df, variant_column="variant", metrics=["converted:binary"], method="gst", max_samples=2000).to_dict()
    assert doc["metrics"][0]["decision"] == "no_detectable_difference"


def test_sequential_methods_in_a_loop_over_batches() -> None:
    """Called after every batch: mSPRT and GST both stop on a clear effect."""
    df = _frame(20000, lift=0.04)
    stops: dict[str, int | None] = {"msprt": None, "gst": None}
    looks: list[int] = []
    for n in range(2000, 20001, 2000):
        part = df.head(n)
        for method in stops:
            if stops[method] is None:
                doc = run_abtest(part, variant_column="variant", metrics=["converted:binary"], method=method,  # type: ignore[arg-type]
                                 max_samples=20000, previous_looks=looks, bootstrap=0).to_dict()
                if doc["decision"]["decision"] == "variant_better":
                    stops[method] = n
        looks.append(n)
    assert stops["msprt"] is not None and stops["gst"] is not None
    assert stops["gst"] <= 20000


def test_bh_correction_and_mann_whitney_and_bootstrap_tests() -> None:
    df = _frame(3000)
    doc = run_abtest(df, variant_column="variant", correction="bh", bootstrap=500,
                     metrics=["latency:continuous:lower:mannwhitney", "spend:continuous:bootstrap", "converted:binary"]).to_dict()
    m = _by_name(doc)
    a, b = df.filter(pl.col("variant") == "A"), df.filter(pl.col("variant") == "B")
    assert m["latency"]["pvalue"] == pytest.approx(ss.mannwhitneyu(b["latency"], a["latency"], method="asymptotic").pvalue, rel=1e-9)
    assert m["spend"]["test"] == "bootstrap" and m["spend"]["ci_low"] == m["spend"]["bootstrap"]["ci_low"]
    from statsmodels.stats.multitest import multipletests
    ps = [e["pvalue"] for e in doc["metrics"]]
    assert [e["adjusted_pvalue"] for e in doc["metrics"]] == pytest.approx(multipletests(ps, method="fdr_bh")[1])


def test_three_variants_pick_the_best() -> None:
    rng = np.random.default_rng(9)
    n = 30000
    v = rng.choice(["A", "B", "C"], n)
    df = pd.DataFrame({"v": v, "ok": (rng.random(n) < np.select([v == "A", v == "B"], [0.10, 0.10], 0.13)).astype(int)})
    doc = run_abtest(df, variant_column="v", metrics=["ok:binary"], control="A").to_dict()
    assert doc["decision"]["best_variant"] == "C" and doc["decision"]["suggested_weights"]["C"] == 1.0
    assert len(doc["metrics"]) == 2


def test_binary_text_and_boolean_columns(tmp_path: Path) -> None:
    df = pl.DataFrame({"variant": ["A", "B"] * 6, "ok": ["true", "False", "1", "0", "", "yes", "no", "t", "f", "y", "n", None],
                       "flag": [True, False] * 6})
    doc = run_abtest(df, variant_column="variant", metrics=["ok:binary", "flag:binary"], bootstrap=0).to_dict()
    m = _by_name(doc)
    assert m["ok"]["control_n"] + m["ok"]["variant_n"] == 10 and m["ok"]["control_nulls"] + m["ok"]["variant_nulls"] == 2
    # A (even rows): true, 1, "", no, f, n -> 1, 1, missing, 0, 0, 0; B: False, 0, yes, t, y, None
    assert m["ok"]["control_mean"] == pytest.approx(2 / 5) and m["ok"]["variant_mean"] == pytest.approx(3 / 5)
    assert m["flag"]["control_mean"] == 1.0 and m["flag"]["variant_mean"] == 0.0


def test_previous_look_carries_the_running_minimum_and_the_looks(tmp_path: Path) -> None:
    df = _frame(12000, lift=0.02, seed=5)  # converted: p 0.86 at the first look, 0.89 at the second
    first = run_abtest(df.head(4000), variant_column="variant", metrics=["converted:binary", "latency:continuous"], method="msprt",
                       max_samples=12000, bootstrap=0, out=tmp_path / "look1")
    second = run_abtest(df.head(8000), variant_column="variant", metrics=["converted:binary", "latency:continuous"], method="msprt",
                        max_samples=12000, bootstrap=0, previous=tmp_path / "look1")
    alone = run_abtest(df.head(8000), variant_column="variant", metrics=["converted:binary", "latency:continuous"], method="msprt",
                       max_samples=12000, bootstrap=0)
    for e1, e2, ea in zip(first.metrics, second.metrics, alone.metrics):
        assert e2["pvalue"] == min(e1["pvalue"], ea["pvalue"])
        assert e2["pvalue_this_look"] == ea["pvalue"]
        assert e2["ci_low"] == max(e1["ci_low"], ea["ci_low"]) and e2["ci_high"] == min(e1["ci_high"], ea["ci_high"])
    assert second.metrics[0]["pvalue"] == first.metrics[0]["pvalue"] < alone.metrics[0]["pvalue"] < 1
    assert second.looks == [4000, 8000]
    g1 = run_abtest(df.head(4000), variant_column="variant", metrics=["converted:binary"], method="gst", max_samples=12000, bootstrap=0)
    g2 = run_abtest(df.head(8000), variant_column="variant", metrics=["converted:binary"], method="gst", max_samples=12000, bootstrap=0,
                    previous=g1)
    assert g2.looks == [4000, 8000] and g2.metrics[0]["gst"]["looks"] == 2
    ref = run_abtest(df.head(8000), variant_column="variant", metrics=["converted:binary"], method="gst", max_samples=12000, bootstrap=0,
                     previous_looks=[4000])
    assert g2.metrics[0]["gst"]["boundary"] == ref.metrics[0]["gst"]["boundary"]
    with pytest.raises(InvalidArgumentError, match="same method"):
        run_abtest(df, variant_column="variant", metrics=["converted:binary"], previous=g1)
