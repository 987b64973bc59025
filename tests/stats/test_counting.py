"""Histograms, category counts and moments against numpy / collections.Counter."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
from collections import Counter
from fractions import Fraction

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from driftline import _core, stats
from driftline.errors import InvalidArgumentError
from tests.conftest import moderate, samples, ties


# Counts are integers: equality with numpy is exact, no tolerance.
@given(samples(min_size=0, elements=st.one_of(moderate, ties)), st.integers(1, 40))
def test_histogram_equal_width_matches_numpy(x: np.ndarray, bins: int) -> None:
    counts, edges = stats.histogram(x, bins)
    ref_counts, ref_edges = np.histogram(x, bins)
    np.testing.assert_array_equal(counts, ref_counts)
    np.testing.assert_array_equal(edges, ref_edges)


@given(
    samples(min_size=0, elements=st.one_of(moderate, ties, st.just(np.nan), st.just(np.inf))),
    st.lists(st.one_of(moderate, ties), min_size=2, max_size=12),
)
def test_histogram_explicit_edges_matches_numpy(x: np.ndarray, edges: list[float]) -> None:
    e = np.sort(np.array(edges))
    counts, out_edges = stats.histogram(x, e)
    # numpy drops NaN silently only when edges are explicit; compare on the non-NaN values
    ref, _ = np.histogram(x[~np.isnan(x)], e)
    np.testing.assert_array_equal(counts, ref)
    np.testing.assert_array_equal(out_edges, e)


@given(
    samples(min_size=0, elements=st.one_of(moderate, ties, st.just(np.nan), st.just(np.inf), st.just(-np.inf))),
    st.lists(st.one_of(moderate, ties), min_size=1, max_size=30),  # both sides of 16 bins
    st.integers(0, 2),
    st.integers(0, 2),
)
def test_histogram_open_outer_edges_matches_numpy(x: np.ndarray, inner: list[float], n_lo: int, n_hi: int) -> None:
    # quantile bins are open at both ends ([-inf, q1, ..., q9, inf]); the kernel grids the finite
    # edges and handles the open bins beside them: counts must equal numpy's exactly
    e = np.concatenate([np.full(n_lo, -np.inf), np.sort(np.array(inner)), np.full(n_hi, np.inf)])
    assume(len(e) >= 2)
    counts, _ = stats.histogram(x, e)
    ref, _ = np.histogram(x[~np.isnan(x)], e)
    np.testing.assert_array_equal(counts, ref)


def test_histogram_open_edges_large_parallel_path() -> None:
    x = np.random.default_rng(5).standard_normal(300_000)
    x[::1000] = np.inf
    x[1::1000] = -np.inf
    e = np.concatenate([[-np.inf], np.quantile(x[np.isfinite(x)], np.linspace(0.1, 0.9, 9)), [np.inf]])
    np.testing.assert_array_equal(stats.histogram(x, e)[0], np.histogram(x, e)[0])


@given(
    st.lists(st.integers(0, 2**64 - 1), max_size=40, unique=True),
    st.lists(st.one_of(st.integers(0, 2**64 - 1), st.integers(0, 50), st.just(2**64 - 1)), max_size=300),
    st.integers(1, 64),
)
def test_kmv_update_keeps_the_k_smallest_distinct(prev: list[int], hashes: list[int], k: int) -> None:
    from driftline import _core

    kmv = np.array(sorted(prev), dtype=np.uint64)[:k]
    h = np.array(hashes, dtype=np.uint64)
    want = np.union1d(kmv, h)[:k]  # the reference: sort, dedupe, truncate
    np.testing.assert_array_equal(_core.kmv_update(kmv, h, k), want)


def test_kmv_update_large_and_bad_input() -> None:
    from driftline import _core

    rng = np.random.default_rng(9)
    for distinct in (100, 5000, 10**6):  # below k, around k, far above k
        h = rng.integers(0, 2**63, size=distinct, dtype=np.uint64)[rng.integers(0, distinct, size=10**6)]
        np.testing.assert_array_equal(_core.kmv_update(np.zeros(0, np.uint64), h, 4096), np.unique(h)[:4096])
    with pytest.raises(InvalidArgumentError, match="sorted and distinct"):
        _core.kmv_update(np.array([3, 1], dtype=np.uint64), np.zeros(0, np.uint64), 4)


@given(samples(min_size=1, elements=moderate), st.floats(-10, 0), st.floats(0.1, 10), st.integers(1, 30))
def test_histogram_explicit_range(x: np.ndarray, lo: float, width: float, bins: int) -> None:
    counts, edges = stats.histogram(x, bins, range=(lo, lo + width))
    ref, ref_edges = np.histogram(x, bins, range=(lo, lo + width))
    np.testing.assert_array_equal(counts, ref)
    np.testing.assert_array_equal(edges, ref_edges)


def test_histogram_large_parallel_path() -> None:
    x = np.random.default_rng(3).standard_normal(1_000_003)
    edges = np.quantile(x, np.linspace(0, 1, 101))
    np.testing.assert_array_equal(stats.histogram(x, edges)[0], np.histogram(x, edges)[0])
    np.testing.assert_array_equal(stats.histogram(x, 100)[0], np.histogram(x, 100)[0])


def test_histogram_bad_input() -> None:
    with pytest.raises(InvalidArgumentError, match="monotonically"):
        stats.histogram([1.0, 2.0], [0.0, 2.0, 1.0])
    with pytest.raises(InvalidArgumentError, match="at least 2"):
        stats.histogram([1.0], [0.0])
    with pytest.raises(InvalidArgumentError, match="not finite"):
        stats.histogram([1.0, np.inf], 10)
    with pytest.raises(InvalidArgumentError, match="numeric"):
        stats.histogram(np.array(["a", "b"]), 3)
    with pytest.raises(InvalidArgumentError, match="bins"):
        stats.histogram([1.0], 0)


@given(samples(min_size=0, max_size=80))
def test_moments_match_numpy(x: np.ndarray) -> None:
    m = stats.moments(x)
    finite = x[np.isfinite(x)]
    assert m.count == finite.size
    assert m.nan == int(np.isnan(x).sum())
    assert m.pos_inf == int(np.isposinf(x).sum()) and m.neg_inf == int(np.isneginf(x).sum())
    if finite.size == 0:
        assert np.isnan(m.mean) and np.isnan(m.min) and m.sum == 0.0
        return
    with np.errstate(over="ignore", invalid="ignore"):
        ref_sum = float(np.sum(finite.astype(np.longdouble)))
        ref_mean = float(np.mean(finite.astype(np.longdouble)))
    assert m.min == finite.min() and m.max == finite.max()
    if np.isfinite(ref_sum) and np.abs(finite).max() < 1e300:
        # compensated sums: within a few ulps of the extended-precision sum, relative to sum|x|
        scale = float(np.sum(np.abs(finite))) or 1.0
        assert abs(m.sum - ref_sum) <= 1e-14 * scale
        assert abs(m.mean - ref_mean) <= 1e-14 * scale / finite.size + 1e-300
    if np.abs(finite).max() < 1e150 and finite.size > 1:
        ref_var = float(np.var(finite))
        # two-pass variance: relative 1e-9, or absolute relative to the scale of x^2
        assert abs(m.std_pop**2 - ref_var) <= 1e-9 * ref_var + 1e-12 * float(np.max(finite**2))
        ref_svar = float(np.var(finite, ddof=1))
        assert abs(m.std_sample**2 - ref_svar) <= 1e-9 * ref_svar + 2e-12 * float(np.max(finite**2))


@given(samples(min_size=0, max_size=60, elements=moderate), samples(min_size=0, max_size=60, elements=moderate))
def test_moments_merge_equals_whole(a: np.ndarray, b: np.ndarray) -> None:
    merged = stats.moments(a).merge(stats.moments(b))
    whole = stats.moments(np.concatenate([a, b]))
    assert merged.count == whole.count
    if whole.count:
        scale = max(1.0, float(np.abs(np.concatenate([a, b])).max()))
        assert merged.mean == pytest.approx(whole.mean, abs=1e-12 * scale)
        assert merged.m2 == pytest.approx(whole.m2, rel=1e-9, abs=1e-9 * scale**2)
        assert (merged.min, merged.max) == (whole.min, whole.max)
        assert merged.sum == pytest.approx(whole.sum, abs=1e-12 * scale * whole.count)


def test_moments_state_round_trip_and_nulls() -> None:
    s = pl.Series([1.0, None, 3.0, float("nan"), float("inf")])
    m = stats.moments(s)
    assert (m.count, m.nulls, m.nan, m.pos_inf) == (2, 1, 1, 1)
    assert (m.mean, m.std_pop, m.std_sample) == (2.0, 1.0, np.sqrt(2.0))
    again = stats.Moments.from_state(m.to_state())
    assert again.to_state() == m.to_state()
    assert stats.moments(pa.array([1, None, 2])).nulls == 1
    assert stats.moments(pd.Series([1.0, None, np.nan])).nulls == 2  # pandas: NaN is NA


def test_moments_parallel_path_merge_order_is_deterministic() -> None:
    x = np.random.default_rng(0).lognormal(size=2_000_000)
    a, b = stats.moments(x), stats.moments(x)
    assert a.to_state() == b.to_state()
    assert a.mean == pytest.approx(float(np.mean(x)), rel=1e-12)
    assert a.std_pop == pytest.approx(float(np.std(x)), rel=1e-10)


unicode_cat = st.text(min_size=0, max_size=6)


@given(st.lists(st.one_of(st.none(), unicode_cat, st.sampled_from(["a", "é", "日本", "🙂"])), max_size=60))
def test_count_categories_matches_counter(values: list[str | None]) -> None:
    expected = Counter(v for v in values if v is not None)
    nulls_expected = sum(v is None for v in values)
    for source in (
        values,
        pl.Series(values, dtype=pl.String),
        pa.array(values, type=pa.string()),
        pl.Series(values, dtype=pl.String).cast(pl.Categorical),
        pa.array(values, type=pa.string()).dictionary_encode(),
        pd.Series(values, dtype="category"),
    ):
        cats, counts, nulls = stats.count_categories(source)
        assert dict(zip(cats, counts.tolist())) == dict(expected), type(source)
        assert nulls == nulls_expected
        assert len(set(cats)) == len(cats)
    # first-appearance order for plain strings
    cats, _, _ = stats.count_categories(values)
    assert cats == list(dict.fromkeys(v for v in values if v is not None))


def test_count_categories_enum_keeps_unused_and_sliced_arrays() -> None:
    s = pl.Series(["b", "b", None], dtype=pl.Enum(["a", "b", "c"]))
    cats, counts, nulls = stats.count_categories(s)
    assert cats == ["a", "b", "c"] and counts.tolist() == [0, 2, 0] and nulls == 1
    arr = pa.array(["x", None, "y", "x", None, "z"]).slice(1, 4)
    cats, counts, nulls = stats.count_categories(arr)
    assert dict(zip(cats, counts.tolist())) == {"y": 1, "x": 1} and nulls == 2


def test_count_categories_large() -> None:
    rng = np.random.default_rng(5)
    values = rng.choice(np.array(["alpha", "beta", "gamma", "δέλτα"]), size=300_000)
    cats, counts, nulls = stats.count_categories(pl.Series(values))
    assert dict(zip(cats, counts.tolist())) == dict(Counter(values.tolist())) and nulls == 0


# --- hardening (issue 8) ---


def test_absurd_bins_raise_instead_of_aborting_the_interpreter() -> None:
    # In a subprocess: before the fix, histogram([1, 2], 10**9) killed the interpreter (SIGABRT).
    # The second call limits the address space so that the 2**24 + 1 edges (128 MiB) cannot be
    # allocated: the failed allocation must surface as OutOfMemoryError (a MemoryError).
    code = textwrap.dedent(
        """
        import resource
        from driftline import _core, errors, stats
        for call in (lambda: stats.histogram([1.0, 2.0], 10**9), lambda: stats.histogram([1.0], -1),
                     lambda: stats.histogram([1.0], 2**70), lambda: stats.KllSketch().buckets(10**12),
                     lambda: stats.KllSketch(k=2**40), lambda: _core.kmv_update(*[__import__("numpy").zeros(0, "u8")] * 2, 10**15)):
            try:
                call()
            except errors.InvalidArgumentError as e:
                assert "`bins`" in str(e) or "`n_buckets`" in str(e) or "`k`" in str(e), e
                print("bounded")
        used = int(open("/proc/self/statm").read().split()[0]) * resource.getpagesize()
        resource.setrlimit(resource.RLIMIT_AS, (used + (64 << 20), resource.getrlimit(resource.RLIMIT_AS)[1]))
        try:
            stats.histogram([1.0, 2.0], 2**24)
        except errors.OutOfMemoryError as e:
            assert isinstance(e, MemoryError) and "`bins`" in str(e), e
            print("out of memory")
        """
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n")[:-1] == ["bounded"] * 6 + ["out of memory"]


def test_count_codes_bounds_n_categories() -> None:
    with pytest.raises(InvalidArgumentError, match="n_categories"):
        _core.count_codes(np.array([0], dtype=np.uint32), 2**40)
    with pytest.raises(InvalidArgumentError, match="n_categories"):
        _core.count_codes(np.array([0], dtype=np.uint32), -1)
    # many categories over a long input: counted in chunks no smaller than the categories
    codes = np.arange(300_000, dtype=np.uint32) % 100_000
    counts, nulls = _core.count_codes(codes, 100_000)
    assert counts.tolist() == [3] * 100_000 and nulls == 0


def test_histogram_overflowing_range_has_finite_edges() -> None:
    # numpy makes NaN edges and raises "Too many bins"; driftline computes finite edges
    counts, edges = stats.histogram([-1.7e308, 0.0, 1.7e308], 4)
    assert counts.tolist() == [1, 0, 1, 1]
    np.testing.assert_allclose(edges, [-1.7e308, -0.85e308, 0.0, 0.85e308, 1.7e308], rtol=1e-15)
    counts, edges = stats.histogram([-1.797e308, 1.797e308], 1)
    assert counts.tolist() == [2] and np.isfinite(edges).all()


def test_histogram_too_many_bins_raises_like_numpy() -> None:
    x = [1.0, 1.0 + 2**-52]
    with pytest.raises(ValueError, match="Too many bins"):
        np.histogram(x, 10)
    with pytest.raises(InvalidArgumentError, match="Too many bins"):
        stats.histogram(x, 10)
    with pytest.raises(InvalidArgumentError, match="Too many bins"):
        stats.histogram(np.array(x, dtype=np.float32) + np.float32(1e6), 1000)


f32 = st.floats(width=32, allow_nan=False, allow_infinity=False)
f32_narrow = st.floats(min_value=1e6, max_value=1e6 + 4, width=32)


# Counts are integers: exact equality, as for float64.
@given(
    hnp.arrays(np.float32, st.integers(1, 60), elements=st.one_of(f32_narrow, st.floats(-10, 10, width=32), f32)),
    st.integers(1, 300),
    st.booleans(),
)
def test_histogram_float32_matches_numpy(x: np.ndarray, bins: int, with_range: bool) -> None:
    rng = (float(x.min()), float(x.max()) + 0.5) if with_range else None
    try:
        with np.errstate(all="ignore"):
            ref_counts, ref_edges = np.histogram(x, bins, range=rng)
    except (ValueError, IndexError):
        # numpy: "Too many bins" (or an IndexError from an overflowing float32 range): an error here too
        with pytest.raises(InvalidArgumentError):
            stats.histogram(x, bins, range=rng)
        return
    assume(np.isfinite(ref_edges).all())
    counts, edges = stats.histogram(x, bins, range=rng)
    np.testing.assert_array_equal(counts, ref_counts)
    assert ref_edges.dtype == np.float32
    np.testing.assert_array_equal(edges, ref_edges.astype(np.float64))
    for source in (pl.Series(x), pa.array(x), pd.Series(x)):
        np.testing.assert_array_equal(stats.histogram(source, bins, range=rng)[0], ref_counts)


def test_histogram_float32_follows_the_type_of_range() -> None:
    x = np.random.default_rng(1).normal(size=500).astype(np.float32)
    for rng in ((-1.1, 2.3), (np.float32(-1.1), np.float32(2.3)), (np.float64(-1.1), np.float64(2.3)), (-1, 2), (np.int64(-1), np.int64(2))):
        ref_counts, ref_edges = np.histogram(x, 37, range=rng)
        counts, edges = stats.histogram(x, 37, range=rng)
        np.testing.assert_array_equal(counts, ref_counts)
        np.testing.assert_array_equal(edges, ref_edges.astype(np.float64))


def test_histogram_float32_values_on_numpy_edges() -> None:
    # values lying on numpy's float32 edges: binned against float64 edges (driftline before the
    # fix) they land one bin off ([3, 0, 2, ...] instead of numpy's [2, 1, 1, ...])
    base = np.float32([0.1, 0.7])
    x = np.concatenate([base, np.histogram(base, 10)[1]]).astype(np.float32)
    ref_counts, ref_edges = np.histogram(x, 10)
    counts, edges = stats.histogram(x, 10)
    assert counts.tolist() == ref_counts.tolist() == [2, 1, 1, 1, 1, 1, 1, 1, 1, 3]
    np.testing.assert_array_equal(edges, ref_edges)


def _exact_moments(x: list[float]) -> tuple[float, float]:
    """Mean and population std from exact rational arithmetic, scaled by a power of two so
    that the float conversion cannot overflow."""
    fr = [Fraction(v) for v in x]
    mean = sum(fr) / len(fr)
    var = sum((v - mean) ** 2 for v in fr) / len(fr)
    k = 1000
    return float(mean), math.sqrt(float(var / 2 ** (2 * k))) * 2.0**k if var else 0.0


def test_moments_extreme_magnitudes() -> None:
    for x in ([1e-308, 5e-324, 1.797e308], [1e308, 1e308, -1e308], [1.797e308, -1.797e308], [5e-324, 1e-323, 1.5e-323, 0.0]):
        m = stats.moments(x)
        mean, std = _exact_moments(x)
        assert m.mean == pytest.approx(mean, rel=1e-15, abs=5e-324), x
        assert m.std_pop == pytest.approx(std, rel=1e-14, abs=5e-324), x
        parts = stats.moments(x[:1]).merge(stats.moments(x[1:]))
        assert parts.mean == pytest.approx(mean, rel=1e-15, abs=5e-324), x
        assert parts.std_pop == pytest.approx(std, rel=1e-14, abs=5e-324), x
    m = stats.moments([1e308, 1e308, -1e308])
    assert m.sum == pytest.approx(1e308, rel=1e-15)
    assert stats.moments([1.797e308, 1.797e308]).sum == np.inf  # the true sum overflows
    # ordinary data keep an unscaled state
    assert stats.moments([1.0, 2.0, 4.0]).to_state()[5:9] == [7.0, 0.0, 7.0 / 3.0, stats.moments([1.0, 2.0, 4.0]).m2]


def test_count_categories_nan_is_missing() -> None:
    for source in (
        [1.0, float("nan"), 1.0, None],
        np.array([1.0, np.nan, 1.0, np.nan]),
        np.array([1.0, np.nan, 1.0, np.nan], dtype=np.float32),
        pl.Series([1.0, float("nan"), 1.0, None]),
        pa.array([1.0, float("nan"), 1.0, None]),
        pa.chunked_array([[1.0, float("nan")], [1.0, None]]),
        pd.Series([1.0, np.nan, 1.0, None]),
        pa.array([1.0, float("nan"), 1.0, None]).dictionary_encode(),
    ):
        cats, counts, missing = stats.count_categories(source)
        assert len(cats) == 1 and cats[0].lower() != "nan" and counts.tolist() == [2], type(source)
        assert missing == 2, type(source)
