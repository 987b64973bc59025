"""driftline.stats chi-square family and the special functions behind it, against scipy
(hypothesis examples per test: the profile in tests/conftest.py).

Statistics are compared with rtol 1e-9. Where the statistic is a sum of signed terms (G-test,
Cressie-Read), scipy and driftline may round a term differently only through `x**lambda` (numpy
uses its own SIMD `pow` on some CPUs, driftline the C library's); the allowed difference then
adds the rounding bound of the formula, 2 eps sum |o (o/e)^lambda / c| (see `_stat_atol`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import scipy.special as sc
import scipy.stats as ss
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from driftline import _core
from driftline.errors import (
    EmptyInputError,
    InvalidArgumentError,
    InvalidCountError,
    LengthMismatchError,
)
from driftline.stats import chi2_contingency, chisquare, g_test, power_divergence

EPS = np.finfo(np.float64).eps
LAMBDA_NAMES: dict[Any, float] = {
    "pearson": 1.0,
    "log-likelihood": 0.0,
    "freeman-tukey": -0.5,
    "mod-log-likelihood": -1.0,
    "neyman": -2.0,
    "cressie-read": 2 / 3,
}
# scipy warns where its statistic is inf or NaN (zero counts with lambda_ <= -1/2)
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning:scipy.*")


def _stat_atol(f_obs: np.ndarray, f_exp: np.ndarray, lam: float) -> float:
    """Bound on the rounding difference of the statistic that comes from `r**lambda` alone."""
    if lam in (0.0, 1.0, -1.0, 2.0, 0.5):  # no pow: same operations as scipy
        return 0.0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        t = np.abs(f_obs * (f_obs / f_exp) ** lam / (0.5 * lam * (lam + 1)))
    return float(2 * EPS * np.nansum(t))


def _assert_result(ours: tuple[float, float], ref: tuple[float, float], df: float, atol: float = 0.0) -> None:
    stat, p = ours
    ref_stat, ref_p = float(ref[0]), float(ref[1])
    np.testing.assert_allclose(stat, ref_stat, rtol=1e-9, atol=atol, equal_nan=True)
    if df > 0 and (stat < 0 or ref_stat < 0):
        # A statistic rounded below 0 (exactly 0 in exact arithmetic) lies left of the support:
        # driftline's p-value is 1 there; scipy's chdtrc returns NaN (a documented difference).
        assert p == 1.0 if stat < 0 else p == pytest.approx(1.0, abs=1e-12)
        assert np.isnan(ref_p) or ref_p == pytest.approx(1.0, abs=1e-12)
        return
    if stat == ref_stat or not np.isfinite(stat):
        np.testing.assert_allclose(p, ref_p, rtol=1e-9, atol=1e-300, equal_nan=True)
    else:
        # the statistics differ by rounding: propagate the difference through the density
        slack = abs(stat - ref_stat) * float(ss.chi2.pdf(min(stat, ref_stat), df)) if df > 0 else 0.0
        np.testing.assert_allclose(p, ref_p, rtol=1e-9, atol=1e-300 + 2 * slack, equal_nan=True)


# ---------------------------------------------------------------- strategies

count_values = st.one_of(
    st.integers(0, 50).map(float),
    st.integers(0, 10**6).map(float),
    st.floats(1e-3, 1.0),
    st.integers(10**11, 10**12).map(float),
)


TINY_SCALE = 2.0**-500


def _check(ours: tuple[float, float], ref: Any, f_obs: np.ndarray, f_exp: np.ndarray | None, lam: float, df: float, atol: float = 0.0) -> None:
    """_assert_result against scipy; for frequencies all below 2^-500, where scipy's squares and
    powers underflow (driftline divides them by a power of two first, exactly), against the
    statistic in extended precision (80-bit long double reaches 1e-4951), within a few eps of
    the total frequency (the size of the terms that cancel)."""
    top = max(float(f_obs.max()), float(f_exp.max()) if f_exp is not None else 0.0)
    if top >= TINY_SCALE or top == 0.0:
        _assert_result(ours, ref, df, atol)
        return
    o = f_obs.astype(np.longdouble)
    e = f_exp.astype(np.longdouble) if f_exp is not None else np.full_like(o, o.sum() / o.size)
    with np.errstate(all="ignore"):
        if lam == 0:
            t = 2 * np.sum(np.where(o > 0, o * np.log(o / e), 0))
        elif lam == -1:
            t = 2 * np.sum(e * np.log(e / o))
        else:
            t = 2 / (lam * (lam + 1)) * np.sum(o * ((o / e) ** lam - 1))
    stat = float(t)
    p = float(ss.chi2.sf(stat, df)) if df > 0 else math.nan
    _assert_result(ours, (stat, p if df > 0 else float(ref[1])), df, atol + 64 * EPS * float(o.sum()) * (1 + abs(lam)))


@st.composite
def counts(draw: st.DrawFn, min_size: int = 1, max_size: int = 40, positive: bool = False) -> np.ndarray:
    scale = draw(count_values)
    n = draw(st.integers(min_size, max_size))
    lo = 1 if positive else 0
    kind = draw(st.sampled_from(["ints", "floats", "ties"]))
    if kind == "ties":
        return np.full(n, max(scale, 1.0) if positive else scale)
    if kind == "ints":
        hi = max(int(scale), lo + 1)
        return np.array(draw(st.lists(st.integers(lo, hi), min_size=n, max_size=n)), dtype=np.float64)
    arr = draw(hnp.arrays(np.float64, n, elements=st.floats(0.0, 1.0)))
    arr = arr * scale
    if positive:
        arr = arr + scale * 1e-3 + 1e-3
    return arr


@st.composite
def obs_and_exp(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    f_obs = draw(counts(positive=False))
    assume(f_obs.sum() > 0)
    w = draw(hnp.arrays(np.float64, f_obs.size, elements=st.floats(0.01, 100.0)))
    f_exp = w / w.sum() * f_obs.sum()
    # rescaling subnormal totals can round expected counts to 0 or break the sums' agreement:
    # such draws are not valid inputs for either implementation
    assume(np.all(f_exp > 0) and abs(f_exp.sum() - f_obs.sum()) <= 1e-9 * f_obs.sum())
    return f_obs, f_exp


numeric_lambda = st.floats(-3.0, 3.0).filter(lambda v: abs(v) > 1e-3 and abs(v + 1) > 1e-3)


# ---------------------------------------------------------------- special functions


def _grid() -> list[tuple[float, float]]:
    pts = []
    rng = np.random.default_rng(7)
    a_values = [0.5, 1.0, 1.5, 2.0, 5.0, 9.5, 10.0, 10.5, 50.0, 5e5, 5e5 + 0.5]
    a_values += list(np.logspace(-3, np.log10(5e5), 25)) + list(10 ** rng.uniform(-3, np.log10(5e5), 25))
    for a in a_values:
        s = math.sqrt(a)
        xs = [a * f for f in (1e-6, 0.01, 0.3, 0.5, 0.9, 0.99, 1.0, 1.01, 1.1, 1.5, 2, 5, 20)]
        xs += [a + d * s for d in (-30, -10, -3, -1, -0.3, 0, 0.3, 1, 3, 10, 30, 40)]
        xs += [1e-300, 1e-10, 0.1, 1.0, 1.49, 1.51, 3.0, 100.0, 700.0, 1e4]
        pts += [(float(a), float(x)) for x in xs if x > 0]
    return pts


GRID = _grid()


def test_gammaincc_and_gammainc_match_scipy_on_a_wide_grid() -> None:
    """rtol 1e-9 down to 1e-300: driftline's relative error against 50-digit mpmath is below
    3e-13 on this range, scipy's reaches 2.4e-11 (tails at a ~ 1e4..5e5), so 1e-9 leaves margin
    while any wrong branch or prefactor shows up as a difference of 1e-6 or more. Below 1e-300
    results are subnormal or nearly so and lose relative precision in both."""
    a, x = np.array(GRID).T
    q = np.array([_core.gammaincc(ai, xi) for ai, xi in GRID])
    p = np.array([_core.gammainc(ai, xi) for ai, xi in GRID])
    np.testing.assert_allclose(q, sc.gammaincc(a, x), rtol=1e-9, atol=1e-300)
    np.testing.assert_allclose(p, sc.gammainc(a, x), rtol=1e-9, atol=1e-300)
    assert ((q > 0) & (q < 1e-250)).sum() > 20, "the grid must reach the deep upper tail"
    assert ((p > 0) & (p < 1e-250)).sum() > 10, "the grid must reach the deep lower tail"


@pytest.mark.parametrize("df", [1, 2, 3, 10, 99, 1000, 12345, 10**5, 10**6])
def test_chi2_sf_matches_scipy_from_bulk_to_deep_tail(df: int) -> None:
    sd = math.sqrt(2 * df)
    xs = [df * 1e-9, df * 0.01, df * 0.5, df - sd, df, df + sd, df + 5 * sd, df + 20 * sd]
    xs += [df + k * sd for k in (40, 60, 80, 100, 200)] + [0.5, 1.0, 10.0, 100.0, 700.0, 1400.0]
    xs = [x for x in xs if x >= 0]  # below 0 scipy.stats.chi2.sf is 1, chdtrc (and chi2_sf) NaN
    ours = np.array([_core.chi2_sf(x, df) for x in xs])
    np.testing.assert_allclose(ours, ss.chi2.sf(xs, df), rtol=1e-9, atol=1e-300)


def _chi2_sf_closed_form(x: float, df: int) -> float:
    """Q(df/2, x/2) from its finite sums (integer df), in log space and summed exactly:
    a reference independent of both scipy and driftline."""
    h = x / 2
    if df % 2 == 0:
        terms = [math.exp(k * math.log(h) - math.lgamma(k + 1) - h) for k in range(df // 2)]
        return math.fsum(terms)
    terms = [math.erfc(math.sqrt(h))]
    terms += [math.exp((k - 0.5) * math.log(h) - math.lgamma(k + 0.5) - h) for k in range(1, (df + 1) // 2)]
    return math.fsum(terms)


@pytest.mark.parametrize("df", [1, 2, 3, 4, 7, 20, 21, 100, 101, 200])
def test_chi2_sf_equals_the_closed_form_for_integer_df(df: int) -> None:
    """rtol 1e-11: the reference itself rounds each term's exponent (|exponent| < 800, so
    < 2e-13) and math.erfc is within a few ulp."""
    xs = [0.01, 0.3, 1.0, df / 2, df - 1.0, float(df), df + 3.0, 2.0 * df + 10, 300.0, 1000.0, 1400.0]
    for x in xs:
        if x <= 0:
            continue
        ref = _chi2_sf_closed_form(x, df)
        if ref < 1e-300:
            continue
        assert _core.chi2_sf(x, df) == pytest.approx(ref, rel=1e-11), (x, df)


def test_gammaln_matches_scipy() -> None:
    x = np.concatenate([np.logspace(-300, 300, 200), np.linspace(0.01, 30, 300), -np.linspace(0.01, 30, 157)])
    ours = np.array([_core.gammaln(v) for v in x])
    np.testing.assert_allclose(ours, sc.gammaln(x), rtol=1e-13, atol=1e-15)


def test_special_function_edges_match_scipy() -> None:
    cases = [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (-1.0, 1.0), (1.0, -1.0), (np.nan, 1.0), (1.0, np.nan)]
    cases += [(1.0, np.inf), (np.inf, 1.0), (np.inf, np.inf), (1e300, 1e300)]
    for a, x in cases:
        np.testing.assert_equal(_core.gammaincc(a, x), sc.gammaincc(a, x), err_msg=f"Q({a}, {x})")
        np.testing.assert_equal(_core.gammainc(a, x), sc.gammainc(a, x), err_msg=f"P({a}, {x})")
    for df, x in [(0.0, 0.0), (0.0, 3.0), (3.0, 0.0), (-1.0, 1.0), (1.0, -1.0), (2.0, np.inf), (2.0, np.nan)]:
        np.testing.assert_equal(_core.chi2_sf(x, df), sc.chdtrc(df, x), err_msg=f"chi2_sf({x}, {df})")
    # P(a, x) = x^a / Gamma(1 + a) (1 + O(x)) -> 1 - 6.9e-298, which rounds to 1 (scipy: 1 - 1 ulp)
    assert _core.gammainc(1e-300, 1e-300) == pytest.approx(sc.gammainc(1e-300, 1e-300), rel=1e-15)


@pytest.mark.slow
def test_gammaincc_matches_scipy_at_huge_a() -> None:
    """Temme's expansion (a >= 1e9) and the long series just below it."""
    for a in (2e8, 9.99e8, 1e9, 1e10, 1e12):
        for d in (-0.1, 0.0, 0.5, 1.0, 3.0, 10.0, 30.0):
            x = a + d * math.sqrt(a)
            assert _core.gammaincc(a, x) == pytest.approx(sc.gammaincc(a, x), rel=1e-9), (a, d)


# ---------------------------------------------------------------- goodness of fit


@given(f_obs=counts(), ddof=st.integers(0, 3))
def test_chisquare_uniform_expected_matches_scipy(f_obs: np.ndarray, ddof: int) -> None:
    assume(f_obs.sum() > 0)
    ours = chisquare(f_obs, ddof=ddof)
    _check(ours, ss.chisquare(f_obs, ddof=ddof), f_obs, None, 1.0, f_obs.size - 1 - ddof)


@given(data=obs_and_exp(), ddof=st.integers(0, 2))
def test_chisquare_given_expected_matches_scipy(data: tuple[np.ndarray, np.ndarray], ddof: int) -> None:
    f_obs, f_exp = data
    _check(chisquare(f_obs, f_exp, ddof), ss.chisquare(f_obs, f_exp, ddof), f_obs, f_exp, 1.0, f_obs.size - 1 - ddof)


@given(data=obs_and_exp(), name=st.sampled_from(sorted(LAMBDA_NAMES)))
def test_power_divergence_every_named_lambda_matches_scipy(data: tuple[np.ndarray, np.ndarray], name: Any) -> None:
    f_obs, f_exp = data
    ref = ss.power_divergence(f_obs, f_exp, lambda_=name)
    atol = _stat_atol(f_obs, f_exp, LAMBDA_NAMES[name])
    _check(power_divergence(f_obs, f_exp, lambda_=name), ref, f_obs, f_exp, LAMBDA_NAMES[name], f_obs.size - 1, atol)
    # the uniform default as well
    ref_u = ss.power_divergence(f_obs, lambda_=name)
    mean = np.full_like(f_obs, f_obs.mean())
    _check(power_divergence(f_obs, lambda_=name), ref_u, f_obs, None, LAMBDA_NAMES[name], f_obs.size - 1, _stat_atol(f_obs, mean, LAMBDA_NAMES[name]))


@given(data=obs_and_exp(), lam=numeric_lambda)
def test_power_divergence_numeric_lambda_matches_scipy(data: tuple[np.ndarray, np.ndarray], lam: float) -> None:
    f_obs, f_exp = data
    ref = ss.power_divergence(f_obs, f_exp, lambda_=lam)
    _check(power_divergence(f_obs, f_exp, lambda_=lam), ref, f_obs, f_exp, lam, f_obs.size - 1, _stat_atol(f_obs, f_exp, lam))


@given(data=obs_and_exp(), ddof=st.integers(0, 2))
def test_g_test_is_the_log_likelihood_divergence(data: tuple[np.ndarray, np.ndarray], ddof: int) -> None:
    f_obs, f_exp = data
    ref = ss.power_divergence(f_obs, f_exp, ddof, lambda_="log-likelihood")
    ours = g_test(f_obs, f_exp, ddof)
    _check(ours, ref, f_obs, f_exp, 0.0, f_obs.size - 1 - ddof)
    np.testing.assert_equal(tuple(ours), tuple(power_divergence(f_obs, f_exp, ddof, lambda_=0)))


def test_near_null_huge_counts_match_scipy() -> None:
    """Counts ~1e12 that fit their expectation: the statistic is O(k) and p-values are not 0,
    the hardest case for rounding (the terms of the G-test cancel to 1e-6 of their size)."""
    rng = np.random.default_rng(3)
    for k in (2, 7, 50, 1000):
        f_exp = rng.uniform(0.5, 1.5, k) * 1e12
        f_obs = np.round(f_exp + rng.normal(0, 1, k) * np.sqrt(f_exp))
        f_exp *= f_obs.sum() / f_exp.sum()
        for name, lam in LAMBDA_NAMES.items():
            ref = ss.power_divergence(f_obs, f_exp, lambda_=name)
            assert 1e-6 < ref.pvalue < 1 - 1e-6 or k == 2
            _assert_result(power_divergence(f_obs, f_exp, lambda_=name), ref, k - 1, _stat_atol(f_obs, f_exp, lam))


def test_long_inputs_use_the_parallel_sum_and_still_match_numpy() -> None:
    rng = np.random.default_rng(11)
    f_obs = rng.poisson(20.0, 300_001).astype(np.float64)
    f_exp = rng.uniform(10, 30, f_obs.size)
    f_exp *= f_obs.sum() / f_exp.sum()
    for ours, ref in [
        (chisquare(f_obs), ss.chisquare(f_obs)),
        (chisquare(f_obs, f_exp), ss.chisquare(f_obs, f_exp)),
        (g_test(f_obs, f_exp), ss.power_divergence(f_obs, f_exp, lambda_=0)),
    ]:
        assert ours.statistic == ref.statistic  # same order of additions as numpy.sum
        assert ours.pvalue == pytest.approx(ref.pvalue, rel=1e-9)


def test_single_category_and_ties() -> None:
    for f_obs in ([5.0], [3.0, 3.0, 3.0], [0.0, 4.0], [1e-3] * 7):
        _assert_result(chisquare(f_obs), ss.chisquare(f_obs), len(f_obs) - 1)
        _assert_result(g_test(f_obs), ss.power_divergence(f_obs, lambda_=0), len(f_obs) - 1)


def test_zero_observed_with_negative_lambda_follows_scipy() -> None:
    f_obs = np.array([0.0, 3.0, 4.0])
    for name in ("freeman-tukey", "mod-log-likelihood", "neyman"):
        ours = power_divergence(f_obs, lambda_=name)
        ref = ss.power_divergence(f_obs, lambda_=name)
        np.testing.assert_equal(tuple(ours), (float(ref.statistic), float(ref.pvalue)))


def test_result_types() -> None:
    r = chisquare([10, 20, 30])
    assert r._fields == ("statistic", "pvalue")
    c = chi2_contingency([[10, 20], [30, 15]])
    assert c._fields == ("statistic", "pvalue", "dof", "expected_freq")
    assert isinstance(c.dof, int) and c.expected_freq.shape == (2, 2)


# ---------------------------------------------------------------- contingency tables


@st.composite
def tables(draw: st.DrawFn, max_dim: int = 6, ndim: int = 2) -> np.ndarray:
    shape = tuple(draw(st.integers(1, max_dim)) for _ in range(ndim))
    scale = draw(count_values)
    if draw(st.booleans()):
        hi = max(int(scale), 1)
        cells = draw(hnp.arrays(np.int64, shape, elements=st.integers(0, hi))).astype(np.float64)
    else:
        cells = draw(hnp.arrays(np.float64, shape, elements=st.floats(0.0, 1.0))) * max(scale, 1e-3)
    for axis in range(ndim):
        other = tuple(j for j in range(ndim) if j != axis)
        assume(np.all(cells.sum(axis=other) > 0))  # zero cells are fine, zero rows/columns are not
    return cells


def _scipy_contingency_or_raises(table: np.ndarray, **kwargs: Any) -> Any:
    """scipy's result, or None after checking that driftline raises where scipy raises
    ValueError (expected frequencies that underflow to zero) or returns non-finite expected
    frequencies (their denominator total^(ndim-1) underflows too)."""
    try:
        ref = ss.chi2_contingency(table, **kwargs)
        if np.all(np.isfinite(ref.expected_freq)):
            return ref
    except ValueError:
        pass
    with pytest.raises(InvalidArgumentError, match="expected frequenc"):
        chi2_contingency(table, **kwargs)
    return None


@given(table=tables(), correction=st.booleans())
def test_chi2_contingency_matches_scipy(table: np.ndarray, correction: bool) -> None:
    ref = _scipy_contingency_or_raises(table, correction=correction)
    if ref is None:
        return
    ours = chi2_contingency(table, correction=correction)
    assert ours.dof == ref.dof
    np.testing.assert_array_equal(ours.expected_freq, ref.expected_freq)  # same margins, same order
    _assert_result((ours.statistic, ours.pvalue), (ref.statistic, ref.pvalue), ref.dof)


@given(table=tables(max_dim=4), name=st.sampled_from(sorted(LAMBDA_NAMES)), correction=st.booleans())
def test_chi2_contingency_with_lambda_matches_scipy(table: np.ndarray, name: Any, correction: bool) -> None:
    ref = _scipy_contingency_or_raises(table, correction=correction, lambda_=name)
    if ref is None:
        return
    ours = chi2_contingency(table, correction=correction, lambda_=name)
    atol = _stat_atol(table, ref.expected_freq, LAMBDA_NAMES[name]) if ref.dof else 0.0
    _assert_result((ours.statistic, ours.pvalue), (ref.statistic, ref.pvalue), ref.dof, atol)


@given(table=tables(max_dim=3, ndim=3), correction=st.booleans())
def test_chi2_contingency_three_way_matches_scipy(table: np.ndarray, correction: bool) -> None:
    ref = _scipy_contingency_or_raises(table, correction=correction)
    if ref is None:
        return
    ours = chi2_contingency(table, correction=correction)
    assert ours.dof == ref.dof
    np.testing.assert_allclose(ours.expected_freq, ref.expected_freq, rtol=1e-13)
    _assert_result((ours.statistic, ours.pvalue), (ref.statistic, ref.pvalue), ref.dof)


def test_chi2_contingency_shapes_1xk_kx1_2x2() -> None:
    for table in ([[3, 5, 9]], [[3], [5], [9]], [7, 1, 4], [[12, 5], [7, 9]], [[1, 0], [0, 1]], [[0.4, 0.1], [0.2, 0.3]]):
        for correction in (True, False):
            ref = ss.chi2_contingency(table, correction=correction)
            ours = chi2_contingency(table, correction=correction)
            assert (ours.dof, ours.expected_freq.shape) == (ref.dof, np.shape(table))
            _assert_result((ours.statistic, ours.pvalue), (ref.statistic, ref.pvalue), ref.dof)


def test_chi2_contingency_near_independence_with_huge_counts() -> None:
    rng = np.random.default_rng(5)
    for shape in ((2, 2), (3, 4), (10, 10)):
        exp = np.outer(rng.uniform(1, 2, shape[0]), rng.uniform(1, 2, shape[1])) * 1e11
        table = np.round(exp + rng.normal(0, 1, shape) * np.sqrt(exp))
        for correction in (True, False):
            ref = ss.chi2_contingency(table, correction=correction)
            ours = chi2_contingency(table, correction=correction)
            np.testing.assert_array_equal(ours.expected_freq, ref.expected_freq)
            _assert_result((ours.statistic, ours.pvalue), (ref.statistic, ref.pvalue), ref.dof)


def test_chi2_contingency_accepts_polars_and_pandas() -> None:
    pl = pytest.importorskip("polars")
    pd = pytest.importorskip("pandas")
    t = np.array([[10, 20, 30], [6, 9, 17]])
    ref = chi2_contingency(t)
    for obj in (pl.DataFrame(t, schema=["a", "b", "c"], orient="row"), pd.DataFrame(t)):
        assert chi2_contingency(obj).statistic == ref.statistic


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("f_obs", "f_exp", "error"),
    [
        ([1.0, -1.0, 3.0], None, InvalidCountError),
        ([1.0, np.nan, 3.0], None, InvalidCountError),
        ([1.0, np.inf, 3.0], None, InvalidCountError),
        ([1.0, 2.0, 3.0], [2.0, -1.0, 5.0], InvalidCountError),
        ([1.0, 2.0, 3.0], [2.0, np.nan, 4.0], InvalidCountError),
        ([1.0, 2.0, 3.0], [3.0, 3.0], LengthMismatchError),
        ([1.0, 2.0, 3.0], [3.0, 3.0, 0.0], InvalidArgumentError),
        ([1.0, 2.0, 3.0], [1.0, 2.0, 4.0], InvalidArgumentError),  # sums differ (scipy raises too)
        ([0.0, 0.0], None, InvalidArgumentError),
        ([], None, EmptyInputError),
        ([[1.0, 2.0], [3.0, 4.0]], None, InvalidArgumentError),
    ],
)
def test_goodness_of_fit_rejects_bad_input(f_obs: list[float], f_exp: list[float] | None, error: type) -> None:
    with pytest.raises(error):
        chisquare(f_obs, f_exp)


def test_sum_check_has_scipys_tolerance() -> None:
    f_obs = np.array([10.0, 20.0, 30.0])
    ok = f_obs * (1 + 1e-9)
    bad = f_obs * (1 + 1e-7)
    assert chisquare(f_obs, ok).statistic == pytest.approx(ss.chisquare(f_obs, ok).statistic, rel=1e-9)
    with pytest.raises(ValueError):
        ss.chisquare(f_obs, bad)
    with pytest.raises(InvalidArgumentError, match="relative tolerance"):
        chisquare(f_obs, bad)


def test_bad_lambda_and_ddof() -> None:
    with pytest.raises(InvalidArgumentError, match="valid names"):
        power_divergence([1, 2, 3], lambda_="chi2")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError):
        power_divergence([1, 2, 3], lambda_=[1.0])  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError):
        power_divergence([1, 2, 3], lambda_=float("nan"))
    with pytest.raises(InvalidArgumentError):
        chisquare([1, 2, 3], ddof=1.5)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="valid names"):
        chi2_contingency([[1, 2], [3, 4]], lambda_="chi2")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("table", "match"),
    [
        ([[1, 0], [2, 0]], "column 1"),
        ([[0, 0, 0], [2, 3, 1]], "row 0"),
        (np.zeros((2, 2)), "row 0"),
        (np.zeros((2, 2, 2)) + np.array([1.0, 0.0]), "index 1 along axis 2"),
        ([[1e-200, 1e-200], [1e-200, 1e-200]], "not representable"),
        (np.full((2, 2, 2), 2.2e-312), "not representable"),
    ],
)
def test_chi2_contingency_names_the_empty_row_or_column(table: object, match: str) -> None:
    with pytest.raises(InvalidArgumentError, match=match):
        chi2_contingency(table)


@pytest.mark.parametrize(
    ("table", "error"),
    [
        ([[1, -2], [3, 4]], InvalidCountError),
        ([[1, np.nan], [3, 4]], InvalidCountError),
        (np.zeros((0, 2)), EmptyInputError),
        (5.0, InvalidArgumentError),
        ([["a", "b"]], InvalidArgumentError),
    ],
)
def test_chi2_contingency_rejects_bad_tables(table: object, error: type) -> None:
    with pytest.raises(error):
        chi2_contingency(table)
