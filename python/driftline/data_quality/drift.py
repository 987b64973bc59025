"""The drift table of a data-quality run: every applicable test per feature, with thresholds
calibrated to the sample sizes, the default test that decides the verdict, and p-values adjusted
across features."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np

from driftline import stats
from driftline._outputs import finite_or_none
from driftline.data_quality.baseline import Baseline, BaselineFeature
from driftline.data_quality.checks import (
    NUMERIC,
    ROBUST_C,
    frequencies,
    kll_linf,
    robust_correction,
    threshold,
)
from driftline.formats.sagemaker import DriftRow
from driftline.profile import ColumnProfile, Profile

__all__ = ["DriftTest", "drift_table"]


@dataclass
class DriftTest:
    feature: str
    test: str
    statistic: float
    pvalue: float | None
    threshold: float
    drift: bool
    default: bool = False
    note: str = ""
    pvalue_adjusted: float | None = None

    def to_json(self) -> DriftRow:
        return {
            "feature": self.feature,
            "test": self.test,
            "statistic": finite_or_none(self.statistic),
            "pvalue": finite_or_none(self.pvalue),
            "pvalue_adjusted": finite_or_none(self.pvalue_adjusted),
            "threshold": self.threshold,
            "drift": bool(self.drift),
            "default": bool(self.default),
            "note": self.note,
        }


# -- drift table -------------------------------------------------------------------------------


DECILE_POINTS = np.linspace(0.1, 0.9, 9)  # the baseline sketch's quantiles that become bin edges
WASSERSTEIN_GRID = np.linspace(0.0005, 0.9995, 2000)  # the baseline quantiles behind the Wasserstein threshold


def _bins(base: BaselineFeature) -> np.ndarray | None:
    if base.kll is None or base.kll.is_empty:
        return None
    inner = np.unique(base.kll.quantiles(DECILE_POINTS))
    return np.concatenate([[-np.inf], inner, [np.inf]])


def _binned(base: BaselineFeature, edges: np.ndarray, values: np.ndarray | None, cur: ColumnProfile) -> tuple[np.ndarray, np.ndarray]:
    assert base.kll is not None
    # pmf(inclusive=False) puts x in [s_i, s_i+1), the histogram's half-open bins
    expected = base.kll.pmf(edges[1:-1], inclusive=False)
    if values is not None:
        actual = stats.histogram(values, edges)[0].astype(np.float64)
    else:
        assert cur.kll is not None
        actual = cur.kll.pmf(edges[1:-1], inclusive=False)
    return np.clip(expected, 0, None), actual


def _wasserstein_from_sketches(a: Any, b: Any, grid: int = 1000) -> float:
    q = (np.arange(grid) + 0.5) / grid
    with np.errstate(all="ignore"):  # huge magnitudes overflow to inf: the caller drops a non-finite distance
        return float(np.mean(np.abs(a.quantiles(q) - b.quantiles(q))))


@functools.lru_cache(maxsize=1024)
def _chi2_isf(alpha: float, dof: int) -> float:
    """The upper-``alpha`` quantile of chi-square(``dof``), by bisection on the core's survival
    function (to 1e-12 relative)."""
    from driftline import _core

    lo, hi = 0.0, max(1.0, float(dof))
    while _core.chi2_sf(hi, dof) > alpha:
        lo, hi = hi, 2 * hi
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if _core.chi2_sf(mid, dof) > alpha:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-12 * hi:
            break
    return hi


def _divergence_thresholds(n: float, m: float, bins: int, alpha: float) -> tuple[float, float]:
    """PSI and Jensen-Shannon (base-2 distance) thresholds whose false-positive rate on clean data
    is ``alpha`` (asymptotically): with no drift, ``PSI * nm/(n+m)`` is chi-square with
    ``bins - 1`` degrees of freedom, and the Jensen-Shannon divergence in nats is ``PSI / 8``
    (both are Pearson's statistic to second order). The conventional 0.2 and 0.1 are kept as
    floors, so large samples keep the usual rule."""
    q = _chi2_isf(alpha, max(bins - 1, 1)) * (1 / n + 1 / m)
    return max(PSI_THRESHOLD, q), max(JS_THRESHOLD, math.sqrt(q / (8 * math.log(2))))


def _ks_critical(n: float, m: float, alpha: float) -> float:
    """The asymptotic two-sample KS critical value ``sqrt(-ln(alpha/2)/2) * sqrt((n+m)/(nm))``."""
    return math.sqrt(-math.log(alpha / 2) / 2) * math.sqrt((n + m) / (n * m))


def _wassersteinthreshold(base: BaselineFeature, n: float, m: float, alpha: float) -> float:
    """A threshold for ``W1 / std`` with false-positive rate about ``alpha`` on clean data.

    With no drift ``sqrt(nm/(n+m)) * W1`` tends to ``T = integral |B(F(x))| dx`` (B a Brownian
    bridge), whose mean is ``sqrt(2/pi) * S`` and whose standard deviation is at most
    ``sqrt(1 - 2/pi) * S``, with ``S = integral sqrt(F(1-F)) dx`` taken from the baseline's
    quantiles; the threshold is that mean plus the normal quantile times that bound."""
    assert base.kll is not None
    return wasserstein_threshold_of(base.kll.quantiles(WASSERSTEIN_GRID), base.std_dev or 0.0, n, m, alpha)


def wasserstein_threshold_of(q: np.ndarray, spread: float, n: float, m: float, alpha: float) -> float:
    """:func:`_wassersteinthreshold` from the baseline's quantiles ``q`` at
    :data:`WASSERSTEIN_GRID` and its standard deviation ``spread`` (the drift-test benchmark
    computes them for many repetitions at once)."""
    u = WASSERSTEIN_GRID
    mid = 0.5 * (u[1:] + u[:-1])
    with np.errstate(all="ignore"):
        s = float(np.sum(np.sqrt(mid * (1 - mid)) * np.diff(q)))
    z = NormalDist().inv_cdf(1 - alpha)
    t = (math.sqrt(2 / math.pi) + z * math.sqrt(1 - 2 / math.pi)) * s / math.sqrt(n * m / (n + m))
    return max(WASSERSTEIN_THRESHOLD, t / spread) if spread > 0 and math.isfinite(t / spread) else WASSERSTEIN_THRESHOLD


PSI_THRESHOLD = 0.2  # the industry's rule of thumb; raised for small samples, see _divergence_thresholds
JS_THRESHOLD = 0.1
WASSERSTEIN_THRESHOLD = 0.1


def drift_table(
    baseline: Baseline,
    current: Profile,
    raw: dict[str, np.ndarray],
    baseline_raw: dict[str, np.ndarray],
    *,
    alpha: float,
    fdr: bool,
) -> list[DriftTest]:
    """Every applicable test per feature. The default tests (which decide the run's verdict) are
    SageMaker's robust L-infinity checks, or a p-value test for small samples; p-values are
    adjusted across features (Benjamini-Hochberg) unless ``fdr`` is off, so a clean run raises a
    p-value flag with probability at most ``alpha``. Every other test's threshold is calibrated
    to the sample sizes, so that its false-positive rate per feature on clean data is about
    ``alpha`` (the note says how)."""
    cfg = baseline.monitoring_config
    rows: list[DriftTest] = []
    calibrated = f"calibrated: false-positive rate ~{alpha:g} per feature on clean data"
    for name, feat in baseline.features.items():
        cur = current.columns.get(name)
        if cur is None or cur.num_present == 0:
            continue
        if feat.inferred_type in NUMERIC and feat.kll is not None and not feat.kll.is_empty \
                and cur.kll is not None and not cur.kll.is_empty:
            limit = threshold(cfg, feat, "comparison_threshold")
            got = kll_linf(feat, cur, robust=True)
            assert got is not None
            robust_value, simple, bound = got
            n, m = float(feat.kll.n), float(cur.kll.n)
            small = min(n, m) <= 1000 and name in baseline_raw and name in raw
            rows.append(DriftTest(name, "ks_sketch_robust", robust_value, None, limit, robust_value > limit, default=not small,
                                  note=f"L-infinity between KLL sketches minus {ROBUST_C}*sqrt((n+m)/(nm)) (SageMaker Robust)"))
            ks_limit = max(limit, _ks_critical(n, m, alpha) + bound)
            rows.append(DriftTest(name, "ks_sketch", simple, None, ks_limit, simple > ks_limit,
                                  note=f"error bound +/-{bound:.4g} (KLL rank error of both sketches); threshold: max(constraint, "
                                       f"KS critical value at alpha + bound), {calibrated}"))
            if name in baseline_raw and name in raw and len(baseline_raw[name]) and len(raw[name]):
                ks = stats.ks_2samp(baseline_raw[name], raw[name])
                rows.append(DriftTest(name, "ks_2samp", ks.statistic, ks.pvalue, alpha, ks.pvalue < alpha, default=small))
            edges = _bins(feat)
            if edges is not None:
                e, a = _binned(feat, edges, raw.get(name), cur)
                if e.sum() > 0 and a.sum() > 0:
                    psi_limit, js_limit = _divergence_thresholds(n, m, len(e), alpha)
                    psi = stats.psi(e, a)
                    rows.append(DriftTest(name, "psi", psi, None, psi_limit, psi > psi_limit,
                                          note=f"baseline deciles; proportions below 1e-4 raised to 1e-4; {calibrated}"))
                    js = stats.jensenshannon(e, a, base=2)
                    rows.append(DriftTest(name, "jensenshannon", js, None, js_limit, js > js_limit,
                                          note=f"base 2, baseline deciles; {calibrated}"))
            spread = feat.std_dev or 0.0
            if spread > 0:
                if name in baseline_raw and name in raw and len(baseline_raw[name]) and len(raw[name]):
                    w = stats.wasserstein_distance(baseline_raw[name], raw[name])
                else:
                    w = _wasserstein_from_sketches(feat.kll, cur.kll)
                normed = w / spread
                if math.isfinite(normed):  # a spread below ~1e-308 overflows: no row rather than a null with a verdict
                    w_limit = _wassersteinthreshold(feat, n, m, alpha)
                    rows.append(DriftTest(name, "wasserstein_normed", normed, None, w_limit, normed > w_limit,
                                          note=f"W1 / baseline std_dev; {calibrated} (normal approximation)"))
        elif feat.categories and cur.categories:
            limit = threshold(cfg, feat, "categorical_comparison_threshold")
            names, b, c = frequencies(feat, cur)
            n, m = float(b.sum()), float(c.sum())
            small = m <= 1000
            simple = stats.linf(b, c)
            robust_value = max(0.0, simple - robust_correction(n, m))
            rows.append(DriftTest(name, "linf_robust", robust_value, None, limit, robust_value > limit, default=not small,
                                  note="L-infinity between category frequencies (SageMaker LInfinity, Robust)"))
            if len(names) > 1:
                chi = stats.chi2_contingency(np.vstack([b, c]), correction=False)
                rows.append(DriftTest(name, "chi2_contingency", chi.statistic, chi.pvalue, alpha, chi.pvalue < alpha, default=small,
                                      note=f"dof {chi.dof}; baseline vs window counts"))
            psi_limit, js_limit = _divergence_thresholds(n, m, len(names), alpha)
            js = stats.jensenshannon(b, c, base=2)
            rows.append(DriftTest(name, "jensenshannon", js, None, js_limit, js > js_limit,
                                  note=f"base 2, category frequencies; {calibrated}"))
            psi = stats.psi(b, c)
            rows.append(DriftTest(name, "psi", psi, None, psi_limit, psi > psi_limit,
                                  note=f"categories; proportions below 1e-4 raised to 1e-4; {calibrated}"))
    if fdr:
        tested = [r for r in rows if r.pvalue is not None]
        if tested:
            for r, adj in zip(tested, stats.false_discovery_control([r.pvalue for r in tested if r.pvalue is not None], method="bh").tolist(), strict=True):
                r.pvalue_adjusted = adj
                r.drift = adj < r.threshold
    return rows


