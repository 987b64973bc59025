"""The A/B statistics against statsmodels and scipy (the references named in each docstring)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as ss
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower, zt_ind_solve_power
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from driftline import _core
from driftline.abtest import stats as st
from driftline.errors import InvalidArgumentError
from driftline.stats import false_discovery_control


@pytest.mark.parametrize("t,df", [(0.3, 1.0), (2.1, 7.3), (-1.7, 30.0), (4.0, 2.5), (0.0, 12.0), (8.0, 1000.0)])
def test_t_sf_and_ppf_match_scipy(t: float, df: float) -> None:
    assert st.t_sf(t, df) == pytest.approx(ss.t.sf(t, df), rel=1e-10, abs=1e-300)
    for q in (0.6, 0.975, 0.995, 0.025):
        assert st.t_ppf(q, df) == pytest.approx(ss.t.ppf(q, df), rel=1e-9)


@pytest.mark.parametrize("counts", [(100, 1000, 130, 1000), (5, 40, 12, 60), (480, 5000, 520, 4800)])
def test_two_proportion_ztest_matches_statsmodels(counts: tuple[int, int, int, int]) -> None:
    cc, nc, cv, nv = counts
    r = st.two_proportion_ztest(cc, nc, cv, nv, alpha=0.05)
    z, p = proportions_ztest([cv, cc], [nv, nc])
    assert r.statistic == pytest.approx(z, rel=1e-12)
    assert r.pvalue == pytest.approx(p, rel=1e-10)
    lo, hi = confint_proportions_2indep(cv, nv, cc, nc, method="wald", compare="diff", alpha=0.05)
    assert (r.ci_low, r.ci_high) == (pytest.approx(lo, rel=1e-9), pytest.approx(hi, rel=1e-9))
    assert r.difference == pytest.approx(cv / nv - cc / nc)


def test_welch_ttest_matches_scipy_and_statsmodels() -> None:
    rng = np.random.default_rng(3)
    c, v = rng.normal(10, 2, 80), rng.normal(10.8, 4, 50)
    r = st.welch_ttest(c.mean(), c.var(ddof=1), c.size, v.mean(), v.var(ddof=1), v.size, alpha=0.1)
    ref = ss.ttest_ind(v, c, equal_var=False)
    assert r.statistic == pytest.approx(ref.statistic, rel=1e-12)
    assert r.pvalue == pytest.approx(ref.pvalue, rel=1e-9)
    lo, hi = CompareMeans(DescrStatsW(v), DescrStatsW(c)).tconfint_diff(alpha=0.1, usevar="unequal")
    assert (r.ci_low, r.ci_high) == (pytest.approx(lo, rel=1e-9), pytest.approx(hi, rel=1e-9))
    assert r.df == pytest.approx(ref.df, rel=1e-12)


def test_mann_whitney_matches_scipy_with_ties() -> None:
    rng = np.random.default_rng(4)
    c = rng.integers(0, 20, 300).astype(float)
    v = rng.integers(1, 21, 250).astype(float)
    u, p, effect = st.mann_whitney(c, v)
    ref = ss.mannwhitneyu(v, c, method="asymptotic", use_continuity=True)
    assert u == pytest.approx(ref.statistic)
    assert p == pytest.approx(ref.pvalue, rel=1e-9)
    assert effect == pytest.approx(ref.statistic / (300 * 250))


def test_delta_method_se_matches_monte_carlo_and_bootstrap() -> None:
    """No statsmodels reference for ratio metrics: the delta-method standard error of
    sum(num)/sum(den) must match the spread of the ratio over many simulated experiments."""
    rng = np.random.default_rng(5)
    n = 2000

    def arm(k: int) -> tuple[np.ndarray, np.ndarray]:
        views = rng.poisson(5, (k, n)) + 1.0
        clicks = rng.binomial(views.astype(int), 0.2).astype(float)
        return clicks, views
    num, den = arm(400)
    ratios = num.sum(axis=1) / den.sum(axis=1)
    r = st.delta_ratio_test(num[0], den[0], num[1], den[1])
    se_one_arm = r.se / math.sqrt(2)
    assert se_one_arm == pytest.approx(ratios.std(ddof=1), rel=0.12)
    b = st.bootstrap_interval(num[0], num[1], den_c=den[0], den_v=den[1], resamples=4000, seed=1)
    assert (b.ci_high - b.ci_low) == pytest.approx(r.ci_high - r.ci_low, rel=0.1)


def test_bootstrap_matches_scipy_percentile() -> None:
    rng = np.random.default_rng(6)
    c, v = rng.exponential(2.0, 400), rng.exponential(2.4, 300)
    b = st.bootstrap_interval(c, v, resamples=20000, seed=3)
    ref = ss.bootstrap((c, v), lambda x, y, axis=-1: y.mean(axis=axis) - x.mean(axis=axis), method="percentile",
                       n_resamples=20000, rng=np.random.default_rng(1), vectorized=True)
    width = ref.confidence_interval.high - ref.confidence_interval.low
    assert b.ci_low == pytest.approx(ref.confidence_interval.low, abs=0.03 * width)
    assert b.ci_high == pytest.approx(ref.confidence_interval.high, abs=0.03 * width)
    rel = ss.bootstrap((c, v), lambda x, y, axis=-1: y.mean(axis=axis) / x.mean(axis=axis) - 1, method="percentile",
                       n_resamples=20000, rng=np.random.default_rng(2), vectorized=True)
    rw = rel.confidence_interval.high - rel.confidence_interval.low
    assert b.relative_ci_low == pytest.approx(rel.confidence_interval.low, abs=0.03 * rw)
    assert b.relative_ci_high == pytest.approx(rel.confidence_interval.high, abs=0.03 * rw)
    # seeded: the same seed gives the same interval
    assert st.bootstrap_interval(c, v, resamples=500, seed=9) == st.bootstrap_interval(c, v, resamples=500, seed=9)


def test_bootstrap_kernel_errors_name_the_argument() -> None:
    with pytest.raises(InvalidArgumentError, match="num"):
        _core.bootstrap_means(np.array([1.0, np.nan]), None, 10, 0)
    with pytest.raises(InvalidArgumentError, match="draws"):
        _core.bootstrap_means(np.array([1.0]), None, 0, 0)


def test_srm_matches_scipy_chisquare() -> None:
    counts, weights = [5120, 4880], [1, 1]
    r = st.srm_check(counts, weights)
    ref = ss.chisquare(counts, [5000, 5000])
    assert r.statistic == pytest.approx(ref.statistic)
    assert r.pvalue == pytest.approx(ref.pvalue, rel=1e-9)
    assert not r.mismatch
    unequal = st.srm_check([2600, 7400], [0.25, 0.75])
    assert unequal.pvalue == pytest.approx(ss.chisquare([2600, 7400], [2500, 7500]).pvalue, rel=1e-9)
    assert not unequal.mismatch  # p = 0.02: flagged only below 0.001
    assert st.srm_check([2700, 7300], [0.25, 0.75]).mismatch  # p about 2e-6
    three = st.srm_check([3000, 3100, 2950], [1, 1, 1])
    assert three.pvalue == pytest.approx(ss.chisquare([3000, 3100, 2950]).pvalue, rel=1e-9)


@pytest.mark.parametrize("es,ratio,power", [(0.1, 1.0, 0.8), (0.05, 2.0, 0.9), (0.3, 0.5, 0.5)])
def test_power_and_sample_size_match_statsmodels(es: float, ratio: float, power: float) -> None:
    n = st.sample_size_normal(es, alpha=0.05, power=power, ratio=ratio)
    assert n == pytest.approx(zt_ind_solve_power(effect_size=es, alpha=0.05, power=power, ratio=ratio), rel=1e-6)
    assert n == pytest.approx(NormalIndPower().solve_power(effect_size=es, alpha=0.05, power=power, ratio=ratio), rel=1e-6)
    assert st.power_normal(es, 500, 0.05, ratio) == pytest.approx(NormalIndPower().power(es, 500, 0.05, ratio=ratio), rel=1e-9)
    assert math.isinf(st.sample_size_normal(0.0))


def test_holm_and_bh_match_statsmodels() -> None:
    p = np.array([0.001, 0.04, 0.03, 0.2, 0.0125, 0.5, 0.04])
    assert st.holm(p) == pytest.approx(multipletests(p, method="holm")[1], rel=1e-12)
    assert false_discovery_control(p) == pytest.approx(multipletests(p, method="fdr_bh")[1], rel=1e-12)
    assert st.holm([]) == []


def test_cuped_reduces_variance_by_rho_squared() -> None:
    rng = np.random.default_rng(7)
    rho, n = 0.7, 40000
    x = rng.normal(0, 1, n)
    y = rho * x + math.sqrt(1 - rho**2) * rng.normal(0, 1, n)
    half = n // 2
    r = st.cuped(y[:half], x[:half], y[half:] + 0.05, x[half:])
    assert r.variance_ratio == pytest.approx(1 - rho**2, abs=0.01)
    assert r.variance_reduction == pytest.approx(rho**2, abs=0.01)
    assert r.theta == pytest.approx(rho, abs=0.02)
    # the difference of means is kept (X has the same law in both arms), its variance shrinks
    raw = st.welch_ttest(y[:half].mean(), y[:half].var(ddof=1), half, (y[half:] + 0.05).mean(), y[half:].var(ddof=1), half)
    adj = st.welch_ttest(r.y_c.mean(), r.y_c.var(ddof=1), half, r.y_v.mean(), r.y_v.var(ddof=1), half)
    assert (adj.se / raw.se) ** 2 == pytest.approx(1 - rho**2, abs=0.02)
    assert adj.difference == pytest.approx(0.05, abs=3 * adj.se)


def test_zero_variance_is_a_null_with_its_reason() -> None:
    r = st.two_proportion_ztest(100, 100, 80, 80)
    assert r.pvalue is None and r.reason is not None and "zero variance" in r.reason
    w = st.welch_ttest(3.0, 0.0, 10, 3.0, 0.0, 12)
    assert w.pvalue is None and w.reason is not None
