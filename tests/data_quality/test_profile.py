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
        (["1.5", "2", "1e3", "-.5", "NaN"], (1, 3, 0, 0), "Fractional"),  # NaN is missing
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
    values = rng.choice(np.array(["1", "2.5", "x", "", "true", " 7 ", "-3", "1e2", "日本", "nan", " -Inf", "1e999"]), 20_000).tolist()
    values[::97] = [None] * len(values[::97])
    frame = pl.DataFrame({"v": pl.Series(values, dtype=pl.String)})
    by_value = Profile.of(frame).columns["v"]
    monkeypatch.setattr(profile_module, "DISTINCT_PATH_MAX", -1)
    row_wise = Profile.of(frame).columns["v"]
    assert (by_value.num_present, by_value.num_missing, by_value.type_counts) == (row_wise.num_present, row_wise.num_missing, row_wise.type_counts)
    assert (by_value.num_nan, by_value.num_inf, by_value.nonfinite_text) == (row_wise.num_nan, row_wise.num_inf, row_wise.nonfinite_text)
    assert by_value.categories == row_wise.categories and by_value.distinct_count == row_wise.distinct_count
    assert by_value.moments is not None and row_wise.moments is not None
    assert by_value.moments.count == row_wise.moments.count
    assert by_value.moments.mean == pytest.approx(row_wise.moments.mean, rel=1e-12)
    assert (by_value.moments.min, by_value.moments.max) == (row_wise.moments.min, row_wise.moments.max)


# -- missing values: null, empty, NaN and infinities are one rule -----------------------------


@pytest.mark.parametrize(
    "values",
    [
        ["1.5", "nan", "2.5", "NaN", " -nan ", "4"],  # text NaN in any case, stripped
        ["1.5", "inf", "2.5", "-Infinity", "INF", "4"],  # text infinities
        ["1.5", "", "2.5", None, "  ", "4"],  # empty, null, blank: the same counts
        ["1.5", "1e999", "2.5", "-1e999", "nan", "4"],  # numbers too large for a float
    ],
)
def test_non_finite_values_are_missing_in_a_numeric_column(values: list[str | None]) -> None:
    col = Profile.of(pl.DataFrame({"x": pl.Series(values, dtype=pl.String)})).columns["x"]
    assert (col.num_present, col.num_missing, col.completeness) == (3, 3, 0.5)
    assert col.inferred_type == "Fractional"
    assert col.moments is not None and col.moments.count == col.num_present
    assert (col.moments.sum, col.moments.min, col.moments.max) == (8.0, 1.5, 4.0)
    assert col.kll is not None and col.kll.n == 3
    assert col.num_nan + col.num_inf + col.num_null == 3


def test_nan_and_inf_are_counted_apart() -> None:
    text = Profile.of(pl.DataFrame({"x": ["1", "nan", "NaN", "inf", "-inf", ""]})).columns["x"]
    assert (text.num_nan, text.num_inf, text.num_null, text.num_missing, text.num_present) == (2, 2, 1, 5, 1)
    typed = Profile.of(pl.DataFrame({"x": [1.0, float("nan"), float("inf"), -float("inf"), None, 2.0]})).columns["x"]
    assert (typed.num_nan, typed.num_inf, typed.num_null, typed.num_missing, typed.num_present) == (1, 2, 1, 4, 2)
    assert typed.inferred_type == "Fractional"
    assert typed.moments is not None and (typed.moments.count, typed.moments.mean, typed.moments.max) == (2, 1.5, 2.0)


@pytest.mark.parametrize(
    "column",
    [pl.Series(["nan", "NaN", " nan "]), pl.Series([float("nan")] * 3), pl.Series(["inf", "", None]), pl.Series([float("inf"), None, float("nan")])],
)
def test_an_all_nan_column_is_all_missing(column: pl.Series) -> None:
    col = Profile.of(pl.DataFrame({"x": column})).columns["x"]
    assert (col.num_present, col.num_missing, col.inferred_type) == (0, 3, "Unknown")
    assert col.moments is None and col.kll is None and col.categories == {}


def test_nan_text_in_a_string_column_is_a_string() -> None:
    col = Profile.of(pl.DataFrame({"x": ["a", "nan", "b", "nan", "inf", ""]})).columns["x"]
    assert (col.num_present, col.num_missing, col.inferred_type) == (5, 1, "String")
    assert col.categories == {"a": 1, "b": 1, "nan": 2, "inf": 1}
    assert col.distinct_count == 4.0
    assert col.type_share("String") == 1.0
    # a column that turns String in a later batch: its earlier "nan" become strings too
    p = Profile()
    p.update(pl.DataFrame({"x": ["1", "nan"]}))
    assert (p.columns["x"].num_present, p.columns["x"].inferred_type) == (1, "Integral")
    p.update(pl.DataFrame({"x": ["abc"]}))
    assert (p.columns["x"].num_present, p.columns["x"].num_missing, p.columns["x"].inferred_type) == (3, 0, "String")
    assert p.columns["x"].categories == {"1": 1, "nan": 1, "abc": 1}


def test_merge_keeps_non_finite_counts() -> None:
    a = Profile.of(pl.DataFrame({"x": ["1", "nan", "inf"]}))
    b = Profile.of(pl.DataFrame({"x": ["2", "NaN", ""]}))
    whole = Profile.of(pl.DataFrame({"x": ["1", "nan", "inf", "2", "NaN", ""]})).columns["x"]
    m = a.merge(b).columns["x"]
    assert (m.num_nan, m.num_inf, m.num_null, m.num_present, m.num_missing) == (whole.num_nan, whole.num_inf, whole.num_null, 2, 4)


# -- wide tables: the text columns of a short batch are profiled together ----------------------


def _assert_same_columns(a: Profile, b: Profile) -> None:
    assert list(a.columns) == list(b.columns) and a.item_count == b.item_count
    for name, x in a.columns.items():
        y = b.columns[name]
        assert (x.num_present, x.num_missing, x.num_nan, x.num_inf, x.type_counts) == (y.num_present, y.num_missing, y.num_nan, y.num_inf, y.type_counts), name
        assert (x.categories, x.categories_exact, x.distinct_count, x.inferred_type) == (y.categories, y.categories_exact, y.distinct_count, y.inferred_type), name
        assert (x.moments is None) == (y.moments is None), name
        if x.moments is not None and y.moments is not None:
            assert (x.moments.count, x.moments.min, x.moments.max) == (y.moments.count, y.moments.min, y.moments.max)
            assert x.moments.sum == pytest.approx(y.moments.sum, rel=1e-12)
            assert x.kll is not None and y.kll is not None
            assert x.kll.to_bytes() == y.kll.to_bytes(), name


def test_wide_batches_profile_the_same_as_column_by_column(monkeypatch: pytest.MonkeyPatch) -> None:
    import driftline.profile as profile_module

    rng = np.random.default_rng(5)
    pool = np.array(["1", "2.5", "x", "", "true", " 7 ", "-3", "1e2", "nan", "INF", "1e999", "日本"])
    frame = pl.DataFrame({f"c{i}": pl.Series(rng.choice(pool[: 3 + i % 10], 300).tolist(), dtype=pl.String) for i in range(40)})
    special = np.array([np.nan, np.inf, -np.inf, 0.5, -0.0, 0.0])
    typed = {
        **{f"f{i}": pl.Series(np.where(rng.random(300) < 0.1, rng.choice(special, 300), rng.normal(size=300).round(i % 3))) for i in range(6)},
        **{f"i{i}": pl.Series(rng.integers(0, 5 + 40 * i, 300)) for i in range(4)},
        "f32": pl.Series(rng.normal(size=300), dtype=pl.Float32), "f32b": pl.Series(rng.normal(size=300), dtype=pl.Float32),
        "i_null": pl.Series([None if k % 7 == 0 else k % 9 for k in range(300)], dtype=pl.Int64),
        "f_null": pl.Series([None if k % 5 == 0 else float(k % 4) for k in range(300)], dtype=pl.Float64),
    }
    frame = frame.with_columns(pl.Series("nulls", [None] * 300, dtype=pl.String), **typed)
    for cap in (10_000, 20):  # 20: categories of the wider number columns are dropped on the way
        monkeypatch.setattr(profile_module, "WIDE_ROWS", 4096)
        monkeypatch.setattr(profile_module, "WIDE_CELLS", 1000)  # several chunks of columns
        together = Profile(category_cap=cap)
        for part in frame.iter_slices(100):
            together.update(part)
        monkeypatch.setattr(profile_module, "WIDE_ROWS", -1)  # every column on its own
        alone = Profile(category_cap=cap)
        for part in frame.iter_slices(100):
            alone.update(part)
        _assert_same_columns(together, alone)

