"""Every bias metric equals smclarify 0.5's value (1e-9) on random tables: several facets,
categorical and threshold facets and labels, multi-class labels, strata for CDDL/CDDPL, FT."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from driftline.bias import bias_analysis
from driftline.bias.metrics import encode_labels
from driftline.clarify import parse_analysis_config
from tests.bias.reference import available, smclarify_analysis

pytestmark = pytest.mark.skipif(not available(), reason="smclarify 0.5 (the test reference) is not importable")


def _value(v: Any) -> float | None:
    if v is None:
        return None
    if isinstance(v, str):
        return {"Infinity": np.inf, "-Infinity": -np.inf}[v]
    return float(v)


def assert_same(frame: pl.DataFrame, doc: dict[str, Any]) -> None:
    cfg = parse_analysis_config(doc)
    mine = bias_analysis(frame, cfg)
    ref = smclarify_analysis(frame.to_pandas(), cfg)
    assert set(ref) == {k for k in mine if k != "version"}
    for stage, sref in ref.items():
        for facet, values in sref["facets"].items():
            got = mine[stage]["facets"][facet]  # type: ignore[literal-required]
            assert [v["value_or_threshold"] for v in got] == [v["value_or_threshold"] for v in values], (stage, facet)
            for gv, rv in zip(got, values, strict=True):
                assert [m["name"] for m in gv["metrics"]] == [m["name"] for m in rv["metrics"]]
                for gm, rm in zip(gv["metrics"], rv["metrics"], strict=True):
                    where = (stage, facet, rv["value_or_threshold"], rm["name"], rm.get("error"), gm.get("error"))
                    assert gm["description"] == rm["description"]
                    a, b = _value(gm["value"]), _value(rm["value"])
                    assert (a is None) == (b is None), where
                    if a is not None and b is not None:
                        if np.isinf(b):
                            assert a == b, where
                        else:
                            assert abs(a - b) <= 1e-9, (where, a, b)
                    if a is None:
                        assert gm["error"], where


def random_table(seed: int, n: int, n_classes: int, n_facet: int, continuous_label: bool) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    skew = rng.uniform(0.05, 0.95)
    facet = rng.choice([f"v{i}" for i in range(n_facet)], n)
    age = rng.normal(40, 12, n).round(1)
    if continuous_label:
        y = rng.normal(0, 1, n) + (facet == "v0") * skew
        p = y + rng.normal(0, 0.7, n)
    else:
        y = rng.integers(0, n_classes, n)
        flip = rng.random(n) < skew
        p = np.where(flip, rng.integers(0, n_classes, n), y)
    return pl.DataFrame({
        "x1": rng.normal(size=n), "x2": rng.integers(0, 3, n), "race": facet, "age": age,
        "small": rng.integers(0, 3, n), "stratum": rng.integers(0, 4, n), "y": y, "p": p,
    })


CASES = [
    # (label values, facets, group variable)
    ([1], [{"name_or_index": "race"}], "stratum"),
    ([1, 2], [{"name_or_index": "race", "value_or_threshold": ["v1"]}, {"name_or_index": "age", "value_or_threshold": [45]}], "stratum"),
    ([0], [{"name_or_index": "small"}, {"name_or_index": "race", "value_or_threshold": ["v0", "v2"]}], None),
    ([2], [{"name_or_index": "age", "value_or_threshold": [30.5]}, {"name_or_index": "small", "value_or_threshold": [1]}], "race"),
]


@pytest.mark.parametrize("case", range(len(CASES)))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_seeded_tables_equal_smclarify(case: int, seed: int) -> None:
    labels, facets, group = CASES[case]
    frame = random_table(seed * 10 + case, 250, 3, 3 + seed, continuous_label=False)
    doc = {"label": "y", "label_values_or_threshold": labels, "facet": facets, "predicted_label": "p",
           **({"group_variable": group} if group else {})}
    assert_same(frame, doc)


@pytest.mark.parametrize("seed", [0, 1])
def test_threshold_label_equals_smclarify(seed: int) -> None:
    frame = random_table(seed, 300, 2, 3, continuous_label=True)
    doc = {"label": "y", "label_values_or_threshold": [0.3], "predicted_label": "p", "group_variable": "stratum",
           "facet": [{"name_or_index": "race"}, {"name_or_index": "age", "value_or_threshold": [40]}]}
    assert_same(frame, doc)


def test_string_labels_and_pretraining_only() -> None:
    rng = np.random.default_rng(5)
    n = 200
    frame = pl.DataFrame({"x": rng.normal(size=n), "sex": rng.choice(["m", "f", "x"], n),
                          "y": rng.choice(["good", "bad", "unknown"], n)})
    assert_same(frame, {"label": "y", "label_values_or_threshold": ["good"], "facet": [{"name_or_index": "sex"}],
                        "methods": {"pre_training_bias": {"methods": "all"}}})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(12, 80), n_classes=st.integers(2, 4), n_facet=st.integers(2, 5),
       positive=st.integers(0, 3), threshold=st.floats(20, 60), grouped=st.booleans())
def test_random_tables_equal_smclarify(seed: int, n: int, n_classes: int, n_facet: int, positive: int, threshold: float,
                                       grouped: bool) -> None:
    """Small random tables reach the undefined cases too (empty groups, no common label class,
    no positive prediction in a group, infinite ratios)."""
    frame = random_table(seed, n, n_classes, n_facet, continuous_label=False)
    doc: dict[str, Any] = {"label": "y", "label_values_or_threshold": [positive % n_classes], "predicted_label": "p",
                           "facet": [{"name_or_index": "race"}, {"name_or_index": "age", "value_or_threshold": [round(threshold, 1)]}]}
    if grouped:
        doc["group_variable"] = "stratum"
    # smclarify raises for the whole report when no prediction is positive: driftline reports nulls
    cfg = parse_analysis_config(doc)
    labels = encode_labels(frame["y"], cfg.label_values_or_threshold, frame["p"])
    if labels.predicted is not None and not labels.predicted.any():
        mine = bias_analysis(frame, cfg)
        for v in mine["post_training_bias_metrics"]["facets"]["race"]:
            assert all(m["value"] is None and "no positive predicted label" in m["error"] for m in v["metrics"])
        return
    assert_same(frame, doc)


def test_boolean_facet_categorical_label_and_method_subset() -> None:
    rng = np.random.default_rng(9)
    n = 300
    frame = pl.DataFrame({"x": rng.normal(size=n), "member": rng.random(n) < 0.3,
                          "y": pl.Series(rng.choice(["lo", "mid", "hi"], n)).cast(pl.Categorical),
                          "p": pl.Series(rng.choice(["lo", "mid", "hi"], n)).cast(pl.Categorical)})
    assert_same(frame, {"label": "y", "label_values_or_threshold": ["hi"], "predicted_label": "p", "facet": [{"name_or_index": "member"}],
                        "methods": {"pre_training_bias": {"methods": ["CI", "KL"]}, "post_training_bias": {"methods": ["DI", "FT", "TE"]}}})
