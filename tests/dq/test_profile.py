"""Profiles: Deequ's type inference, exact merges, sketches within their bounds."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from driftline.profile import ColumnProfile, Profile


@pytest.mark.parametrize(
    "values, counts, inferred",
    [
        (["1", "-2", "+3", " 4 "], (4, 0, 0, 0), "Integral"),
        (["1.5", "2", "1e3", "-.5", "NaN"], (1, 4, 0, 0), "Fractional"),
        (["true", "False", "TRUE"], (0, 0, 3, 0), "Boolean"),
        (["true", "1"], (1, 0, 1, 0), "String"),  # Boolean mixed with numbers
        (["1", "abc", "2.5"], (1, 1, 0, 1), "String"),
        (["", None, "  "], (0, 0, 0, 0), "Unknown"),
        (["日本", "é", "🙂"], (0, 0, 0, 3), "String"),
    ],
)
def test_type_inference_on_text(values: list[str | None], counts: tuple[int, int, int, int], inferred: str) -> None:
    col = ColumnProfile("x")
    col.update(pl.Series(values, dtype=pl.String))
    t = col.type_counts
    assert (t["Integral"], t["Fractional"], t["Boolean"], t["String"]) == counts
    assert col.inferred_type == inferred
    assert col.num_present == sum(counts)
    assert col.num_missing == len(values) - sum(counts)


def test_typed_columns_and_numeric_summary() -> None:
    df = pl.DataFrame({"i": [1, 2, None, 4], "f": [0.5, None, None, 2.5], "b": [True, False, None, True]})
    p = Profile.of(df)
    assert p.columns["i"].inferred_type == "Integral" and p.columns["i"].num_missing == 1
    assert p.columns["f"].inferred_type == "Fractional" and p.columns["f"].completeness == 0.5
    assert p.columns["b"].inferred_type == "Boolean" and p.columns["b"].categories == {"true": 2, "false": 1}
    m = p.columns["i"].moments
    assert m is not None and (m.count, m.mean, m.min, m.max) == (3, 7 / 3, 1.0, 4.0)
    kll = p.columns["i"].kll
    assert kll is not None and kll.n == 3


def test_type_share() -> None:
    col = ColumnProfile("x")
    col.update(pl.Series(["1", "2.5", "a", "3"]))
    assert col.type_share("Integral") == 0.5
    assert col.type_share("Fractional") == 0.75
    assert col.type_share("String") == 1.0


@given(
    st.lists(st.one_of(st.none(), st.integers(-5, 5).map(str), st.floats(-10, 10).map(lambda v: f"{v:.3f}"), st.sampled_from(["a", "ß", "", "true"])), max_size=40),
    st.lists(st.one_of(st.none(), st.integers(-5, 5).map(str), st.sampled_from(["b", "a", ""])), max_size=40),
)
def test_merge_equals_whole(a: list[str | None], b: list[str | None]) -> None:
    whole = Profile.of(pl.DataFrame({"x": pl.Series(a + b, dtype=pl.String)}))
    parts = Profile.of(pl.DataFrame({"x": pl.Series(a, dtype=pl.String)})).merge(Profile.of(pl.DataFrame({"x": pl.Series(b, dtype=pl.String)})))
    w, p = whole.columns["x"], parts.columns["x"]
    assert parts.item_count == whole.item_count == len(a) + len(b)
    assert (p.num_present, p.num_missing, p.type_counts, p.categories) == (w.num_present, w.num_missing, w.type_counts, w.categories)
    assert p.distinct_count == w.distinct_count
    assert p.inferred_type == w.inferred_type
    if w.moments is not None:
        assert p.moments is not None and p.moments.count == w.moments.count
        assert p.moments.mean == pytest.approx(w.moments.mean, rel=1e-12, abs=1e-12)
        assert p.kll is not None and w.kll is not None and p.kll.n == w.kll.n


def test_batches_add_up_and_new_columns_count_earlier_rows_missing() -> None:
    p = Profile()
    p.update(pl.DataFrame({"a": ["1", "2"]}))
    p.update(pl.DataFrame({"a": ["3"], "b": ["x"]}))
    assert p.item_count == 3
    assert (p.columns["b"].num_present, p.columns["b"].num_missing) == (1, 2)
    p.update(pl.DataFrame({"b": ["y"]}))
    assert p.columns["a"].num_missing == 1


def test_distinct_count_estimate_and_heavy_hitters() -> None:
    rng = np.random.default_rng(1)
    values = rng.integers(0, 200_000, size=400_000).astype(str)
    col = ColumnProfile("x", category_cap=1000)
    for chunk in np.array_split(values, 4):
        col.update(pl.Series(np.concatenate([chunk, np.full(20_000, "HOT")])))
    exact = len(set(values.tolist()) | {"HOT"})
    # k-minimum-values with k=4096: standard error ~ 1/sqrt(k) = 1.6 %; 6 % is ~4 sigma
    assert col.distinct_count == pytest.approx(exact, rel=0.06)
    # numeric-looking high-cardinality values drop category tracking; strings keep heavy hitters
    strings = ColumnProfile("s", category_cap=100)
    words = np.array([f"w{i}" for i in range(5000)])
    for _ in range(3):
        strings.update(pl.Series(np.concatenate([rng.choice(words, 10_000), np.full(5_000, "HOT")])))
    assert not strings.categories_exact
    assert max(strings.categories, key=lambda k: strings.categories[k]) == "HOT"


def test_per_value_and_row_wise_text_paths_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    import driftline.profile as profile_module

    rng = np.random.default_rng(3)
    values = rng.choice(np.array(["1", "2.5", "x", "", "true", " 7 ", "-3", "1e2", "日本"]), 20_000).tolist()
    values[::97] = [None] * len(values[::97])
    frame = pl.DataFrame({"v": pl.Series(values, dtype=pl.String)})
    by_value = Profile.of(frame).columns["v"]
    monkeypatch.setattr(profile_module, "DISTINCT_PATH_MAX", -1)
    row_wise = Profile.of(frame).columns["v"]
    assert (by_value.num_present, by_value.num_missing, by_value.type_counts) == (row_wise.num_present, row_wise.num_missing, row_wise.type_counts)
    assert by_value.categories == row_wise.categories and by_value.distinct_count == row_wise.distinct_count
    assert by_value.moments is not None and row_wise.moments is not None
    assert by_value.moments.count == row_wise.moments.count
    assert by_value.moments.mean == pytest.approx(row_wise.moments.mean, rel=1e-12)
    assert (by_value.moments.min, by_value.moments.max) == (row_wise.moments.min, row_wise.moments.max)
