"""Fixed-horizon statistics of two arms: the tests, the intervals, power, the SRM check,
multiple-testing corrections and CUPED.

Every function works on one comparison (control against one variant) and returns plain floats;
the distributions (normal, Student t) are computed here with the standard library (no scipy at
run time). Conventions: ``difference = variant - control``; ``relative_difference =
variant / control - 1``; two-sided p-values; intervals at level ``1 - alpha``.

References (each function's test compares with them): statsmodels ``proportions_ztest``,
``confint_proportions_2indep(method="wald")``, ``NormalIndPower`` / ``zt_ind_solve_power``,
``multipletests``; scipy ``ttest_ind(equal_var=False)``, ``mannwhitneyu(method="asymptotic")``,
``chisquare``, ``bootstrap(method="percentile")``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

from driftline import _core
from driftline.errors import InvalidArgumentError

__all__ = [
    "Comparison",
    "bootstrap_interval",
    "cuped",
    "delta_ratio_test",
    "holm",
    "mann_whitney",
    "norm_ppf",
    "norm_sf",
    "power_normal",
    "sample_size_normal",
    "srm_check",
    "t_ppf",
    "t_sf",
    "two_proportion_ztest",
    "welch_ttest",
]

F64 = npt.NDArray[np.float64]
_N = NormalDist()


# -- distributions ------------------------------------------------------------------------------


def norm_sf(z: float) -> float:
    """P(Z > z) for a standard normal Z (accurate in the tail: erfc)."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def norm_ppf(q: float) -> float:
    """The standard normal quantile."""
    return _N.inv_cdf(q)


def _betacf(a: float, b: float, x: float) -> float:
    """The continued fraction of the regularized incomplete beta (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def _betainc(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    ln_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(ln_front) * _betacf(a, b, x) / a
    return 1.0 - math.exp(ln_front) * _betacf(b, a, 1.0 - x) / b


def t_sf(t: float, df: float) -> float:
    """P(T > t) for Student's t with ``df`` degrees of freedom (``df = inf``: the normal)."""
    if math.isinf(df):
        return norm_sf(t)
    if math.isnan(t):
        return math.nan
    tail = 0.5 * _betainc(df / 2.0, 0.5, df / (df + t * t))
    return tail if t > 0 else 1.0 - tail


def t_ppf(q: float, df: float) -> float:
    """The quantile of Student's t (bisection on :func:`t_sf`, to machine precision)."""
    if math.isinf(df) or df > 1e7:
        return norm_ppf(q)
    if q == 0.5:
        return 0.0
    if q < 0.5:
        return -t_ppf(1.0 - q, df)
    lo, hi = 0.0, max(1.0, norm_ppf(q) * 2.0)
    while t_sf(hi, df) > 1.0 - q:
        hi *= 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if t_sf(mid, df) > 1.0 - q:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-14 * max(1.0, hi):
            break
    return 0.5 * (lo + hi)


# -- one comparison -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """A two-arm comparison. ``se`` is the standard error of the difference (the sequential
    tests use it); ``pvalue`` is None when the test is undefined, with ``reason``."""

    test: str
    control_mean: float
    variant_mean: float
    difference: float
    relative_difference: float | None
    se: float
    statistic: float | None
    pvalue: float | None
    ci_low: float | None
    ci_high: float | None
    relative_ci_low: float | None = None
    relative_ci_high: float | None = None
    df: float | None = None
    reason: str | None = None


def _relative(mc: float, mv: float, var_c: float, n_c: float, var_v: float, n_v: float, crit: float
              ) -> tuple[float | None, float | None, float | None]:
    """Relative difference mv/mc - 1 and its delta-method interval (GrowthBook's
    Var = s_v²/(m_c² n_v) + s_c² m_v²/(m_c⁴ n_c)); None when the control mean is 0."""
    if mc == 0:
        return None, None, None
    rel = mv / mc - 1.0
    var = var_v / (mc * mc * n_v) + var_c * mv * mv / (mc ** 4 * n_c)
    half = crit * math.sqrt(var)
    return rel, rel - half, rel + half


def _zero_variance(test: str, mc: float, mv: float) -> Comparison:
    rel = None if mc == 0 else mv / mc - 1.0
    return Comparison(test, mc, mv, mv - mc, rel, 0.0, None, None, None, None,
                      reason=f"zero variance in both arms (every value is {mc:g} in control, {mv:g} in the variant): no test is defined")


def two_proportion_ztest(count_c: float, n_c: float, count_v: float, n_v: float, alpha: float = 0.05) -> Comparison:
    """The two-proportion z-test: the statistic uses the pooled proportion under the null (as
    statsmodels' ``proportions_ztest`` with ``prop_var=False``); the interval of the difference
    is Wald's (unpooled, ``confint_proportions_2indep(method="wald")``). Assumes independent
    Bernoulli rows and enough successes and failures in each arm (about 10) for the normal
    approximation."""
    pc, pv = count_c / n_c, count_v / n_v
    var_c, var_v = pc * (1 - pc), pv * (1 - pv)
    pooled = (count_c + count_v) / (n_c + n_v)
    se0 = math.sqrt(pooled * (1 - pooled) * (1 / n_c + 1 / n_v))
    se = math.sqrt(var_c / n_c + var_v / n_v)
    if se0 == 0:
        return _zero_variance("two_proportion_ztest", pc, pv)
    z = (pv - pc) / se0
    crit = norm_ppf(1 - alpha / 2)
    rel, rlo, rhi = _relative(pc, pv, var_c, n_c, var_v, n_v, crit)
    return Comparison("two_proportion_ztest", pc, pv, pv - pc, rel, se, z, 2 * norm_sf(abs(z)),
                      pv - pc - crit * se, pv - pc + crit * se, rlo, rhi)


def welch_ttest(mean_c: float, var_c: float, n_c: float, mean_v: float, var_v: float, n_v: float,
                alpha: float = 0.05, test: str = "welch_ttest") -> Comparison:
    """Welch's t-test from each arm's mean, sample variance (ddof 1) and size, with
    Welch-Satterthwaite degrees of freedom (``scipy.stats.ttest_ind(equal_var=False)``).
    Assumes independent rows and means near normal (the central limit theorem: fine for large
    arms unless the metric is very heavy-tailed); does not assume equal variances."""
    a, b = var_c / n_c, var_v / n_v
    se = math.sqrt(a + b)
    if se == 0:
        return _zero_variance(test, mean_c, mean_v)
    df = (a + b) ** 2 / ((a * a / (n_c - 1) if n_c > 1 else 0.0) + (b * b / (n_v - 1) if n_v > 1 else 0.0))
    t = (mean_v - mean_c) / se
    crit = t_ppf(1 - alpha / 2, df)
    rel, rlo, rhi = _relative(mean_c, mean_v, var_c, n_c, var_v, n_v, crit)
    d = mean_v - mean_c
    return Comparison(test, mean_c, mean_v, d, rel, se, t, 2 * t_sf(abs(t), df), d - crit * se, d + crit * se, rlo, rhi, df)


def _rank(x: F64) -> F64:
    """Ranks 1..n, ties averaged (``scipy.stats.rankdata``)."""
    order = np.argsort(x, kind="mergesort")
    s = x[order]
    new = np.r_[True, s[1:] != s[:-1]]
    group = np.cumsum(new) - 1
    starts = np.flatnonzero(new)
    ends = np.r_[starts[1:], s.size]
    avg = (starts + ends + 1) / 2.0
    ranks = np.empty(x.size)
    ranks[order] = avg[group]
    return ranks


def mann_whitney(x_c: F64, x_v: F64) -> tuple[float, float, float]:
    """Mann-Whitney U of the variant against the control with the normal approximation, tie
    correction and continuity correction (``scipy.stats.mannwhitneyu(x_v, x_c,
    method="asymptotic")``). Returns (U of the variant, p-value, the common-language effect
    P(variant > control) + P(tie)/2). Assumes independent rows; tests whether one arm tends to
    give larger values (not a difference in means)."""
    n1, n2 = x_v.size, x_c.size
    ranks = _rank(np.concatenate([x_v, x_c]))
    u1 = float(ranks[:n1].sum() - n1 * (n1 + 1) / 2.0)
    mu = n1 * n2 / 2.0
    _, counts = np.unique(np.concatenate([x_v, x_c]), return_counts=True)
    n = n1 + n2
    tie = float((counts.astype(np.float64) ** 3 - counts).sum())
    s = math.sqrt(n1 * n2 / 12.0 * ((n + 1) - tie / (n * (n - 1))))
    if s == 0:
        return u1, 1.0, 0.5
    u = max(u1, n1 * n2 - u1)
    z = (u - mu - 0.5) / s
    return u1, min(1.0, 2 * norm_sf(z)), u1 / (n1 * n2)


def delta_ratio_test(num_c: F64, den_c: F64, num_v: F64, den_v: F64, alpha: float = 0.05) -> Comparison:
    """A ratio metric sum(num)/sum(den) per arm (e.g. clicks per session, revenue per order)
    compared with the delta method: with per-row means μ_N, μ_D, variances σ²_N, σ²_D and
    covariance σ_ND, Var(R) ≈ (σ²_N/μ_D² - 2 μ_N σ_ND/μ_D³ + μ_N² σ²_D/μ_D⁴)/n; a z-test on
    the difference. Assumes independent rows (the randomisation unit is the row) and a
    denominator mean well away from 0."""
    def arm(num: F64, den: F64) -> tuple[float, float, int]:
        n = num.size
        mn, md = float(num.mean()), float(den.mean())
        if md == 0:
            raise InvalidArgumentError("the ratio's denominator sums to 0 in an arm: the ratio is undefined")
        vn, vd = float(num.var(ddof=1)) if n > 1 else 0.0, float(den.var(ddof=1)) if n > 1 else 0.0
        cov = float(np.cov(num, den, ddof=1)[0, 1]) if n > 1 else 0.0
        r = mn / md
        var = (vn / md**2 - 2 * mn * cov / md**3 + mn**2 * vd / md**4)
        return r, max(var, 0.0), n
    rc, vc, nc = arm(num_c, den_c)
    rv, vv, nv = arm(num_v, den_v)
    se = math.sqrt(vc / nc + vv / nv)
    if se == 0:
        return _zero_variance("delta_method_ztest", rc, rv)
    z = (rv - rc) / se
    crit = norm_ppf(1 - alpha / 2)
    rel, rlo, rhi = _relative(rc, rv, vc, nc, vv, nv, crit)
    return Comparison("delta_method_ztest", rc, rv, rv - rc, rel, se, z, 2 * norm_sf(abs(z)),
                      rv - rc - crit * se, rv - rc + crit * se, rlo, rhi)


# -- bootstrap ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BootstrapInterval:
    """Percentile intervals of the difference and relative difference, and the bootstrap
    p-value 2·(min(#{d* <= 0}, #{d* >= 0}) + 1)/(B + 1) (never 0: at least 2/(B + 1))."""

    ci_low: float
    ci_high: float
    relative_ci_low: float | None
    relative_ci_high: float | None
    pvalue: float
    resamples: int


def bootstrap_interval(x_c: F64, x_v: F64, *, den_c: F64 | None = None, den_v: F64 | None = None,
                       alpha: float = 0.05, resamples: int = 2000, seed: int = 0) -> BootstrapInterval:
    """Bootstrap percentile intervals of ``mean(x_v) - mean(x_c)`` and of the relative
    difference (ratio metrics: of ``sum(num)/sum(den)`` per arm), each arm resampled on its own
    (``scipy.stats.bootstrap(method="percentile")`` with two samples). The resampling runs in
    the Rust core (``_core.bootstrap_means``: all resamples in one call, seeded). Assumes
    independent rows; makes no normality assumption, but percentile intervals undercover for
    small arms (below about 30 rows) and heavy tails."""
    mc_num, mc_den = _core.bootstrap_means(np.ascontiguousarray(x_c, np.float64), None if den_c is None else np.ascontiguousarray(den_c, np.float64),
                                           resamples, seed)
    mv_num, mv_den = _core.bootstrap_means(np.ascontiguousarray(x_v, np.float64), None if den_v is None else np.ascontiguousarray(den_v, np.float64),
                                           resamples, seed ^ 0x5DEECE66D)
    c = mc_num if den_c is None else mc_num / mc_den
    v = mv_num if den_v is None else mv_num / mv_den
    d = v - c
    lo, hi = (float(q) for q in np.quantile(d, [alpha / 2, 1 - alpha / 2]))
    rlo: float | None = None
    rhi: float | None = None
    if np.all(c != 0):
        r = v / c - 1.0
        rlo, rhi = (float(q) for q in np.quantile(r, [alpha / 2, 1 - alpha / 2]))
    below, above = float(np.sum(d <= 0)), float(np.sum(d >= 0))
    p = min(1.0, 2 * (min(below, above) + 1) / (resamples + 1))
    return BootstrapInterval(lo, hi, rlo, rhi, p, resamples)


# -- CUPED ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cuped:
    """CUPED's adjusted values per arm, θ, and the pooled variance ratio Var(Y_adj)/Var(Y)
    (about 1 - ρ²) and reduction (1 - the ratio, about ρ²)."""

    y_c: F64
    y_v: F64
    theta: float
    variance_ratio: float
    variance_reduction: float
    correlation: float


def cuped(y_c: F64, x_c: F64, y_v: F64, x_v: F64) -> Cuped:
    """CUPED (Deng et al. 2013): θ = cov(Y, X)/var(X) pooled over both arms, and
    Y_adj = Y - θ(X - mean(X)) with the pooled mean of X, so each arm's mean keeps its scale and
    the difference of means is unbiased when X is measured before exposure. The variance
    ratio is Var(Y_adj)/Var(Y) over the pooled rows, which is 1 - ρ² for θ estimated from them.
    A covariate without variance leaves Y unchanged (θ = 0)."""
    y = np.concatenate([y_c, y_v])
    x = np.concatenate([x_c, x_v])
    vx = float(x.var(ddof=1)) if x.size > 1 else 0.0
    vy = float(y.var(ddof=1)) if y.size > 1 else 0.0
    if vx == 0 or vy == 0:
        return Cuped(y_c, y_v, 0.0, 1.0, 0.0, 0.0)
    cov = float(np.cov(y, x, ddof=1)[0, 1])
    theta = cov / vx
    mx = float(x.mean())
    adj_c, adj_v = y_c - theta * (x_c - mx), y_v - theta * (x_v - mx)
    ratio = float(np.concatenate([adj_c, adj_v]).var(ddof=1)) / vy
    return Cuped(adj_c, adj_v, theta, ratio, 1.0 - ratio, cov / math.sqrt(vx * vy))


# -- sample ratio mismatch --------------------------------------------------------------------


@dataclass(frozen=True)
class Srm:
    statistic: float
    pvalue: float
    mismatch: bool


def srm_check(counts: Sequence[float], weights: Sequence[float], threshold: float = 0.001) -> Srm:
    """Pearson's chi-square of the arms' row counts against the shares the weights give
    (weight / Σ weights, as SageMaker splits traffic), df = arms - 1 (``scipy.stats.chisquare``);
    a mismatch when p < ``threshold`` (0.001, GrowthBook's default). Assumes rows are the
    randomisation unit and counted independently."""
    obs = np.asarray(counts, np.float64)
    w = np.asarray(weights, np.float64)
    expected = obs.sum() * w / w.sum()
    stat = float(((obs - expected) ** 2 / expected).sum())
    p = float(_core.chi2_sf(stat, float(obs.size - 1)))
    return Srm(stat, p, p < threshold)


# -- power and sample size --------------------------------------------------------------------


def power_normal(effect_size: float, nobs1: float, alpha: float = 0.05, ratio: float = 1.0) -> float:
    """Power of the two-sided two-sample z-test for a standardized effect ``effect_size``
    (difference / sd), ``nobs1`` control rows and ``ratio * nobs1`` variant rows
    (statsmodels ``NormalIndPower().power``, both rejection tails counted)."""
    nobs = 1.0 / (1.0 / nobs1 + 1.0 / (ratio * nobs1))
    crit = norm_ppf(1 - alpha / 2)
    shift = abs(effect_size) * math.sqrt(nobs)
    return norm_sf(crit - shift) + (1.0 - norm_sf(-crit - shift))


def sample_size_normal(effect_size: float, alpha: float = 0.05, power: float = 0.8, ratio: float = 1.0) -> float:
    """Control rows needed for ``power`` (statsmodels ``zt_ind_solve_power(effect_size,
    alpha=alpha, power=power, ratio=ratio)``; the variant needs ``ratio`` times as many). Infinite
    for a zero effect."""
    if effect_size == 0 or not math.isfinite(effect_size):
        return math.inf
    crit = norm_ppf(1 - alpha / 2)
    zb = norm_ppf(power)
    k = (1.0 + 1.0 / ratio)
    n = k * ((crit + zb) / abs(effect_size)) ** 2  # one-tail closed form: the start of the search
    lo, hi = n * 0.5, n * 1.5
    while power_normal(effect_size, hi, alpha, ratio) < power:
        hi *= 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if power_normal(effect_size, mid, alpha, ratio) < power:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-10 * hi:
            break
    return 0.5 * (lo + hi)


# -- multiple testing -------------------------------------------------------------------------


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values (``multipletests(method="holm")``): controls the
    family-wise error rate under any dependence."""
    p = np.asarray(pvalues, np.float64)
    m = p.size
    if m == 0:
        return []
    order = np.argsort(p, kind="mergesort")
    adj = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    out = np.empty(m)
    out[order] = adj
    return [float(v) for v in out]
