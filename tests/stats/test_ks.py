"""driftline.stats.ks_2samp against scipy.stats.ks_2samp, and the Kolmogorov-Smirnov
distributions behind its p-values against scipy.stats.kstwo / scipy.special."""

from __future__ import annotations

import math
import warnings
from fractions import Fraction
from typing import Any

import numpy as np
import polars as pl
import pytest
import scipy.special as sp
import scipy.stats as ss
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from driftline import _core, stats
from driftline.errors import EmptyInputError, InvalidArgumentError, InvalidInputError
from tests.conftest import huge, moderate, samples, ties

# Tolerances. The statistic is the same floating-point expression as scipy's (i/n1 - j/n2, or
# h/lcm after rounding to the lattice), so it agrees to rounding: 1e-12 absolute. p-values follow
# the same formulas and the same branch decisions as scipy but with our own arithmetic (operation
# order, how the Smirnov sum keeps precision), which agree to ~1e-12 relative in practice; the
# issue's bar is 1e-9. Below 1e-300 p-values are (near) subnormal and relative error is noise.
STAT_ATOL = 1e-12
P_RTOL = 1e-9
P_FLOOR = 1e-300

METHODS = ("auto", "exact", "asymp")
ALTERNATIVES = ("two-sided", "less", "greater")

# The worst relative p-value difference seen (reported by test_report_worst_error at the end).
WORST: dict[str, float] = {"ks_2samp": 0.0, "kstwo_sf": 0.0}


WORST_AT: dict[str, Any] = {}


def _record(kind: str, got: float, ref: float, context: Any = None) -> None:
    if ref > P_FLOOR and math.isfinite(got) and abs(got - ref) / ref > WORST[kind]:
        WORST[kind] = abs(got - ref) / ref
        WORST_AT[kind] = context


def assert_p_close(got: float, ref: float, kind: str, context: Any = None) -> None:
    if math.isnan(ref):
        assert math.isnan(got), context
    elif ref > P_FLOOR:
        _record(kind, got, ref, context)
        assert abs(got - ref) <= P_RTOL * ref, (got, ref, context)
    else:
        assert got <= 1e-290, (got, ref, context)


def _fallback_warnings(w: list[warnings.WarningMessage]) -> list[str]:
    return [str(x.message) for x in w if issubclass(x.category, RuntimeWarning) and "ks_2samp" in str(x.message)]


def scipy_ks(a: Any, b: Any, alternative: str, method: str) -> tuple[Any, list[str]]:
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        with np.errstate(all="ignore"):
            res = ss.ks_2samp(a, b, alternative=alternative, method=method, nan_policy="omit")
    return res, _fallback_warnings(w)


def ours(a: Any, b: Any, alternative: str, method: str) -> tuple[stats.KstestResult, list[str]]:
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        res = stats.ks_2samp(a, b, alternative=alternative, method=method)  # type: ignore[arg-type]
    return res, _fallback_warnings(w)


def assert_matches_scipy(a: Any, b: Any, alternative: str, method: str) -> None:
    ref, ref_w = scipy_ks(a, b, alternative, method)
    got, got_w = ours(a, b, alternative, method)
    ctx = (len(a), len(b), alternative, method, got, ref)
    assert abs(got.statistic - float(ref.statistic)) <= STAT_ATOL, ctx
    assert got.statistic_sign == int(ref.statistic_sign), ctx
    assert got.statistic_location == float(ref.statistic_location), ctx
    assert_p_close(got.pvalue, float(ref.pvalue), "ks_2samp", ctx)
    # Exact falls back to asymp (with a warning) exactly where scipy does.
    assert got_w == ref_w, ctx


def assert_all_combinations(a: Any, b: Any, methods: tuple[str, ...] = METHODS) -> None:
    for method in methods:
        for alternative in ALTERNATIVES:
            assert_matches_scipy(a, b, alternative, method)


# --- random and adversarial samples --------------------------------------------------------


@given(samples(max_size=40), samples(max_size=40))
def test_adversarial_samples_match_scipy(a: np.ndarray, b: np.ndarray) -> None:
    assert_all_combinations(a, b)


@given(
    hnp.arrays(np.float64, st.integers(1, 300), elements=ties),
    hnp.arrays(np.float64, st.integers(1, 300), elements=st.integers(-2, 4).map(float)),
)
def test_heavy_ties_match_scipy(a: np.ndarray, b: np.ndarray) -> None:
    assert_all_combinations(a, b)


@given(samples(max_size=50, elements=st.one_of(moderate, huge)), samples(max_size=50, elements=huge))
def test_magnitudes_near_1e300_match_scipy(a: np.ndarray, b: np.ndarray) -> None:
    assert_all_combinations(a, b)


@given(
    hnp.arrays(np.float64, st.integers(1, 60), elements=st.one_of(moderate, st.just(np.nan), st.just(np.inf), st.just(-np.inf))),
    hnp.arrays(np.float64, st.integers(1, 60), elements=st.one_of(ties, st.just(np.nan), st.just(np.inf))),
)
def test_nan_omitted_and_infinities_like_scipy(a: np.ndarray, b: np.ndarray) -> None:
    if np.isnan(a).all() or np.isnan(b).all():
        with pytest.raises(EmptyInputError):
            stats.ks_2samp(a, b)
        return
    assert_all_combinations(a, b)


@settings(max_examples=40)
@given(st.integers(1, 3000), st.integers(1, 60), st.floats(-1.0, 1.0), st.integers(0, 2**32 - 1))
def test_unequal_sizes_match_scipy(n1: int, n2: int, shift: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal(n1), rng.standard_normal(n2) + shift
    assert_all_combinations(a, b)
    assert_all_combinations(b, a)


@settings(max_examples=25)
@given(st.integers(1, 3000), st.floats(0.0, 0.6), st.integers(0, 2**32 - 1), st.booleans())
def test_equal_sizes_match_scipy(n: int, shift: float, seed: int, rounded: bool) -> None:
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal(n), rng.standard_normal(n) + shift
    if rounded:  # ties within and across samples
        a, b = np.round(a, 1), np.round(b, 1)
    assert_all_combinations(a, b)


@pytest.mark.parametrize(
    "a, b",
    [
        ([1.0], [2.0]),
        ([2.0], [1.0]),
        ([1.0], [1.0]),
        ([0.0], [-0.0]),
        ([3.0, 3.0, 3.0], [3.0, 3.0]),
        ([np.inf], [-np.inf]),
        ([np.inf, 1.0], [np.inf, np.inf, 2.0]),
        ([-np.inf, np.nan, 0.0], [np.nan, 0.0, np.inf]),
        ([5e-324, -5e-324, 0.0], [-0.0, 1e-300]),
        ([1.0, 2.0, 3.0, 4.0], [3.0, 4.0, 5.0, 6.0, 7.0]),
    ],
)
def test_small_and_degenerate_cases_match_scipy(a: list[float], b: list[float]) -> None:
    # includes one value each (asymp two-sided is NaN there: kstwo with round(1/2) = 0 values)
    assert_all_combinations(np.array(a), np.array(b))


def test_one_value_each_asymp_is_nan_like_scipy() -> None:
    assert math.isnan(stats.ks_2samp([1.0], [2.0], method="asymp").pvalue)


@pytest.mark.parametrize("n", [1, 2, 3, 7, 10, 50, 51, 100, 1000])
def test_interleaved_equal_sizes_d_is_one_over_n(n: int) -> None:
    # D = 1/n: h = 1, where the exact two-sided p-value is 1 up to rounding.
    a = np.arange(n) * 2.0
    assert_all_combinations(a, a + 1.0)
    assert_all_combinations(a + 1.0, a)


def _overflow_boundary(n: int) -> int:
    """Smallest m > n with binom(m + n, n) > DBL_MAX (where scipy's one-sided exact overflows)."""
    lmax = math.log(np.finfo(float).max)
    lnc = lambda m: math.lgamma(m + n + 1) - math.lgamma(n + 1) - math.lgamma(m + 1)  # noqa: E731
    lo, hi = n + 1, 10**9
    while lo < hi:
        mid = (lo + hi) // 2
        if lnc(mid) > lmax:
            hi = mid
        else:
            lo = mid + 1
    return lo


def exact_one_sided_pvalue(n1: int, n2: int, d: float) -> float:
    """P(D+ >= d) for sizes n1, n2 in exact integer arithmetic: count the lattice paths from (0, 0)
    to (m, n) that reach the boundary, by their first entry point (one per row), over binom(m+n, n)."""
    m, n = max(n1, n2), min(n1, n2)
    g = math.gcd(m, n)
    mg, ng = m // g, n // g
    h = round(d * mg * n)
    # a path first enters {ng x - mg y >= h} with a step right, at (x_j, j)
    xs = [(h + mg * j + ng - 1) // ng for j in range(n + 1)]
    rows = [j for j in range(n + 1) if xs[j] <= m]
    first: dict[int, int] = {}
    for j in rows:
        first[j] = math.comb(xs[j] + j, j) - sum(first[i] * math.comb(xs[j] - xs[i] + j - i, j - i) for i in first)
    total = sum(first[j] * math.comb(m - xs[j] + n - j, n - j) for j in rows)
    return float(Fraction(total, math.comb(m + n, n)))


@pytest.mark.parametrize("n", [80, 150, 300])
def test_one_sided_exact_fallback_at_the_same_sizes_as_scipy(n: int) -> None:
    m = _overflow_boundary(n)
    rng = np.random.default_rng(n)
    for size in (m - 1, m):
        a, b = rng.standard_normal(size), rng.standard_normal(n) + 0.2
        for alternative in ("less", "greater"):
            for x, y in ((a, b), (b, a)):
                ref, ref_w = scipy_ks(x, y, alternative, "exact")
                got, got_w = ours(x, y, alternative, "exact")
                assert (got.statistic, got.statistic_location, got.statistic_sign) == (ref.statistic, ref.statistic_location, ref.statistic_sign)
                assert got_w == ref_w  # the fallback to asymp happens at the same size
                if got_w:
                    assert_p_close(got.pvalue, float(ref.pvalue), "ks_2samp", (n, size))
                else:
                    # Far beyond method="auto"'s sizes (max 10000), scipy's path count loses up
                    # to ~4e-9 relative to cancellation (seen against exact integer counts); ours
                    # is a convex-combination recursion: compare with the exact count at 1e-12
                    # and with scipy at 1e-8.
                    assert got.pvalue == pytest.approx(exact_one_sided_pvalue(len(x), len(y), got.statistic), rel=1e-12)
                    assert got.pvalue == pytest.approx(float(ref.pvalue), rel=1e-8 if size > 10_000 else P_RTOL)
    # the boundary is where the warnings switch on
    assert not ours(rng.standard_normal(m - 1), rng.standard_normal(n), "greater", "exact")[1]
    assert ours(rng.standard_normal(m), rng.standard_normal(n), "greater", "exact")[1]


@settings(max_examples=40)
@given(st.integers(1, 150), st.integers(1, 600), st.floats(-1.0, 1.0), st.integers(0, 2**32 - 1), st.sampled_from(["less", "greater"]))
def test_one_sided_exact_equals_exact_integer_count(n1: int, n2: int, shift: float, seed: int, alternative: str) -> None:
    rng = np.random.default_rng(seed)
    a, b = np.round(rng.standard_normal(n1), 1), np.round(rng.standard_normal(n2) + shift, 1)
    got, fell_back = ours(a, b, alternative, "exact")
    if not fell_back:
        assert got.pvalue == pytest.approx(exact_one_sided_pvalue(n1, n2, got.statistic), rel=1e-12, abs=1e-300)


def test_lattice_too_large_falls_back_with_scipys_warning() -> None:
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal(50_000), rng.standard_normal(50_001)
    for alternative in ALTERNATIVES:
        assert_matches_scipy(a, b, alternative, "exact")
    with pytest.warns(RuntimeWarning, match="not possible with samples sizes 50000 and 50001"):
        stats.ks_2samp(a, b, method="exact")


def test_auto_switches_to_asymp_above_10000_like_scipy() -> None:
    rng = np.random.default_rng(4)
    for n1, n2 in [(10_000, 9_999), (10_001, 50), (10_000, 10_000)]:
        a, b = rng.standard_normal(n1), rng.standard_normal(n2) + 0.05
        for alternative in ALTERNATIVES:
            assert_matches_scipy(a, b, alternative, "auto")


@pytest.mark.parametrize("n1, n2", [(20_000, 30_000), (5_000, 200_000), (100_000, 3)])
def test_large_samples_with_ties_signed_zeros_and_infinities(n1: int, n2: int) -> None:
    # the radix-sort path and the multi-lane CDF walk, on heavily tied data
    rng = np.random.default_rng(n1 + n2)
    pool = np.array([-np.inf, -2.0, -1.0, -0.0, 0.0, 0.5, 1.0, 3.0, np.inf, np.nan])
    a = rng.choice(pool, n1) + np.where(rng.random(n1) < 0.3, rng.standard_normal(n1), 0.0)
    b = rng.choice(pool[::-1], n2, p=[0.02, 0.08, 0.1, 0.1, 0.2, 0.1, 0.1, 0.1, 0.1, 0.1])
    assert_all_combinations(a, b, methods=("auto", "asymp"))


def test_one_million_values_per_sample_asymp() -> None:
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal(1_000_000), rng.standard_normal(1_000_000) + 0.002
    for alternative in ALTERNATIVES:
        assert_matches_scipy(a, b, alternative, "auto")


# --- API: missing values, inputs, errors ---------------------------------------------------


def test_nan_policies() -> None:
    a, b = np.array([1.0, np.nan, 3.0]), np.array([2.0, 4.0])
    assert stats.ks_2samp(a, b) == stats.ks_2samp([1.0, 3.0], b)
    res = stats.ks_2samp(a, b, nan_policy="propagate")
    assert math.isnan(res.statistic) and math.isnan(res.pvalue) and math.isnan(res.statistic_location)
    assert res.statistic_sign == 0
    with pytest.raises(InvalidInputError, match="data1"):
        stats.ks_2samp(a, b, nan_policy="raise")
    with pytest.raises(InvalidArgumentError):
        stats.ks_2samp(a, b, nan_policy="ignore")  # type: ignore[arg-type]


def test_inputs_and_result_type() -> None:
    a, b = [1.0, 2.0, 5.0, None], pl.Series([2.5, 3.5, None, 9.0])
    res = stats.ks_2samp(pl.Series(a, dtype=pl.Float64), b)
    ref = ss.ks_2samp([1.0, 2.0, 5.0], [2.5, 3.5, 9.0])
    assert isinstance(res, stats.KstestResult) and isinstance(res, tuple)
    assert (res.statistic, res.pvalue) == pytest.approx((ref.statistic, ref.pvalue), rel=1e-12)
    assert isinstance(res.statistic_sign, int)
    statistic, pvalue, *_ = stats.ks_2samp(np.arange(5), np.arange(5, dtype=np.int32) + 2)
    assert statistic == pytest.approx(0.4)


def test_errors() -> None:
    with pytest.raises(EmptyInputError, match="data1"):
        stats.ks_2samp([], [1.0])
    with pytest.raises(EmptyInputError, match="data2"):
        stats.ks_2samp([1.0], [np.nan])
    with pytest.raises(InvalidArgumentError, match="alternative"):
        stats.ks_2samp([1.0], [2.0], alternative="bigger")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="method"):
        stats.ks_2samp([1.0], [2.0], method="approx")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError):
        stats.ks_2samp(np.ones((2, 2)), [1.0])
    # scipy's one-letter alternatives
    assert stats.ks_2samp([1.0], [2.0], alternative="g") == stats.ks_2samp([1.0], [2.0], alternative="greater")  # type: ignore[arg-type]


# --- the distributions ---------------------------------------------------------------------


def kstwo_branch(x: float, n: int) -> str:
    """Which formula scipy.stats.kstwo.sf uses at (x, n) (scipy/stats/_ksstats.py::_kolmogn)."""
    if x <= 0.5 / n or x >= 1.0:
        return "support"
    t = n * x
    if t <= 1.0:
        return "ruben-gambino-low-product" if n <= 140 else "ruben-gambino-low-stirling"
    if t >= n - 1:
        return "ruben-gambino-high"
    if x >= 0.5:
        return "2smirnov-x>=0.5"
    nxsquared = t * x
    if n <= 140:
        if nxsquared <= 0.754693:
            return "durbin-matrix"
        return "pomeranz" if nxsquared <= 4 else "2smirnov-small-n"
    if nxsquared >= 370.0:
        return "zero"
    if nxsquared >= 2.2:
        return "2smirnov" if n <= 1_000_000 else "2smirnov-asymptotic-n"
    if n <= 100_000 and n * x**1.5 <= 1.4:
        return "durbin-matrix-large-n"
    return "pelz-good"


def _kstwo_points() -> list[tuple[float, int]]:
    pts: list[tuple[float, int]] = []
    for n in [1, 2, 3, 5, 10, 37, 100, 139, 140, 141, 400, 2000, 20_000, 100_000, 100_001, 2_000_000]:
        xs = [0.3 / n, 0.5 / n, 0.7 / n, 1.0 / n, 1.3 / n, 0.3, 0.5, 0.77, 1 - 1.5 / n, 1 - 0.7 / n, 1.0]
        xs += [math.sqrt(c / n) for c in (0.001, 0.05, 0.3, 0.7, 1.0, 2.0, 3.9, 4.5, 10.0, 50.0, 200.0, 369.0, 371.0)]
        # either side of every threshold between two formulas
        for eps in (-1e-3, 1e-3):
            xs += [math.sqrt(c * (1 + eps) / n) for c in (0.754693, 4.0, 2.2, 18.0, 370.0)]
            xs += [(1.4 * (1 + eps) / n) ** (2 / 3), (1 + eps) / n, 1 - (1 + eps) / n, 0.5 * (1 + eps)]
        for x in xs:
            # scipy's own Smirnov sum takes ~0.3 s at n = 1e5; that branch is covered at n <= 2e4
            if 0 < x <= 1 and not (n >= 100_000 and kstwo_branch(x, n) == "2smirnov"):
                pts.append((x, n))
    return pts


KSTWO_POINTS = _kstwo_points()


def test_kstwo_points_cover_every_branch() -> None:
    branches = {kstwo_branch(x, n) for x, n in KSTWO_POINTS}
    assert branches == {
        "support",
        "ruben-gambino-low-product",
        "ruben-gambino-low-stirling",
        "ruben-gambino-high",
        "2smirnov-x>=0.5",
        "durbin-matrix",
        "pomeranz",
        "2smirnov-small-n",
        "zero",
        "2smirnov",
        "2smirnov-asymptotic-n",
        "durbin-matrix-large-n",
        "pelz-good",
    }


@pytest.mark.parametrize("x, n", KSTWO_POINTS, ids=[f"{kstwo_branch(x, n)}-n{n}-x{x:.3g}" for x, n in KSTWO_POINTS])
def test_kstwo_sf_matches_scipy_in_every_branch(x: float, n: int) -> None:
    assert_p_close(_core.kstwo_sf(x, float(n)), float(ss.kstwo.sf(x, n)), "kstwo_sf", (x, n))


@settings(max_examples=60)
@given(st.integers(1, 3000), st.floats(0.0, 1.0))
def test_kstwo_sf_matches_scipy_random(n: int, x: float) -> None:
    assert_p_close(_core.kstwo_sf(x, float(n)), float(ss.kstwo.sf(x, n)), "kstwo_sf", (x, n))


def test_kstwo_sf_invalid_arguments_like_scipy() -> None:
    for x, n in [(0.5, 0.0), (0.5, 2.5), (np.nan, 5.0), (0.5, np.nan), (-1.0, 3.0), (2.0, 3.0)]:
        with np.errstate(divide="ignore"):
            ref = float(ss.kstwo.sf(x, n))
        got = _core.kstwo_sf(x, n)
        assert (math.isnan(got) and math.isnan(ref)) or got == ref, (x, n, got, ref)


@pytest.mark.parametrize("n", [1, 2, 9, 10, 11, 50, 500, 10_000, 999_999, 1_000_001, 10**8])
def test_smirnov_matches_scipy(n: int) -> None:
    # every branch: x <= 1/n, x >= 1 - 1/n, the short upper sum (small x), the lower sum, the
    # asymptotic form for n > 1e6, exp(..) underflow, and the x = 0 / 1 ends.
    xs = [0.0, 0.5 / n, 1.0 / n, 1.5 / n, 0.4 / math.sqrt(n), 1 / math.sqrt(n), 3 / math.sqrt(n), 0.2, 0.5, 1 - 1.0 / n, 1 - 0.5 / n, 1.0]
    if n > 10_000:  # scipy's sum is slow for large n; stay near the terms that matter
        xs = [x for x in xs if x < 2 / n or x > 1 - 2 / n or n > 1_000_000]
    for x in xs:
        if 0 <= x <= 1:
            assert_p_close(_core.smirnov(n, x), float(sp.smirnov(n, x)), "kstwo_sf", (n, x))
    assert math.isnan(_core.smirnov(0, 0.5)) and math.isnan(_core.smirnov(5, 1.5))


@given(st.floats(0.0, 40.0))
def test_kolmogorov_matches_scipy(y: float) -> None:
    assert_p_close(_core.kolmogorov(y), float(sp.kolmogorov(y)), "kstwo_sf", y)


def test_report_worst_error() -> None:
    # Runs last in this file: the worst relative p-value differences seen above (pytest -s shows it).
    print(f"\nworst relative p-value difference vs scipy: {WORST} at {WORST_AT}")
    assert all(v <= P_RTOL for v in WORST.values())

