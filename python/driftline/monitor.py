"""Data-quality monitoring runs: the current window against a baseline, with SageMaker Model
Monitor's six checks and outputs, plus driftline's per-feature drift table.

A run writes into its output folder:

- ``statistics.json``: the current window's statistics (SageMaker schema);
- ``constraint_violations.json``: ``{"violations": [{feature_name, constraint_check_type,
  description}]}`` with data_type_check, completeness_check, baseline_drift_check,
  missing_column_check, extra_column_check and categorical_values_check;
- ``metrics.json``: the CloudWatch-equivalent metrics (``feature_data_*``, ``feature_non_null_*``,
  ``feature_baseline_drift_*``);
- ``drift.json``: every applicable test per feature (statistic, p-value, threshold, verdict),
  the default test's verdict, optional Benjamini-Hochberg adjustment, the dataset verdict;
- ``monitoring_run.json``: status (``Completed``, ``CompletedWithViolations`` or ``Failed`` with
  its reason), window, counts and bad-record report.

Check semantics follow Deequ (which SageMaker's analyzer runs): a data type, completeness or
domain constraint holds when the observed share is *at least* its threshold; numeric drift is the
L-infinity distance between the baseline's and the window's KLL sketches, ``Robust`` subtracting
``1.8 * sqrt((n + m) / (n m))``; categorical drift is the L-infinity distance between category
frequencies (``LInfinity``) or a chi-square goodness-of-fit p-value (``ChiSquared``).

A run that fails writes only ``monitoring_run.json`` (status Failed and the reason): every other
file is written to a staging folder first and moved in place only when the run succeeded.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from statistics import NormalDist
from typing import Any, Literal

import numpy as np
import polars as pl

from driftline import stats
from driftline._outputs import OutputFolder
from driftline.baseline import Baseline, BaselineFeature, load_baseline, statistics_json
from driftline.errors import DriftlineError, InvalidArgumentError
from driftline.io._layout import check_window, to_utc
from driftline.profile import ColumnProfile, Profile
from driftline.runs import Run, execute

__all__ = ["MonitorRun", "Violation", "DriftTest", "run_monitor", "ROBUST_C"]

ROBUST_C = 1.8  # Deequ 2.0.2's constant: c(alpha) for alpha ~ 0.003
NUMERIC = ("Integral", "Fractional")
RUN_FILES = ("statistics.json", "constraint_violations.json", "metrics.json", "drift.json", "monitoring_run.json")


@dataclass(frozen=True)
class Violation:
    feature_name: str
    constraint_check_type: str
    description: str

    def to_json(self) -> dict[str, str]:
        return {"feature_name": self.feature_name, "constraint_check_type": self.constraint_check_type, "description": self.description}


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

    def to_json(self) -> dict[str, Any]:
        def num(x: float | None) -> float | None:
            return None if x is None or not math.isfinite(x) else float(x)

        return {
            "feature": self.feature,
            "test": self.test,
            "statistic": num(self.statistic),
            "pvalue": num(self.pvalue),
            "pvalue_adjusted": num(self.pvalue_adjusted),
            "threshold": self.threshold,
            "drift": bool(self.drift),
            "default": bool(self.default),
            "note": self.note,
        }


@dataclass
class MonitorRun(Run):
    """A data-quality run: the window's statistics, the checks' violations, the drift table and
    the CloudWatch-equivalent metrics."""

    drift: list[DriftTest] = field(default_factory=list)
    metrics: list[dict[str, Any]] = field(default_factory=list)
    statistics: dict[str, Any] = field(default_factory=dict)
    item_count: int = 0
    dataset_drift: bool = False
    drifted_features: list[str] = field(default_factory=list)
    alpha: float = 0.05
    fdr: bool = True

    def discard(self) -> None:
        self.drift, self.metrics = [], []

    def output_files(self) -> dict[str, Any]:
        if self.status == "Failed":
            return {}
        return {
            "statistics.json": self.statistics,
            "constraint_violations.json": {"violations": [v.to_json() for v in self.violations]},
            "metrics.json": {"metrics": self.metrics},
            "drift.json": {"alpha": self.alpha, "fdr": self.fdr, "dataset_drift": self.dataset_drift,
                           "drifted_features": self.drifted_features, "tests": [d.to_json() for d in self.drift]},
        }

    def summary(self) -> dict[str, Any]:
        return {
            **super().summary(),
            "item_count": self.item_count,
            "violations": len(self.violations),
            "violations_by_check": _count_by(v.constraint_check_type for v in self.violations),
            "bad_records": self.bad_records,
            "bad_records_summary": self.bad_records_summary,
            "dataset_drift": self.dataset_drift,
            "drifted_features": self.drifted_features,
        }


def _count_by(items: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for i in items:
        out[i] = out.get(i, 0) + 1
    return dict(sorted(out.items()))


def _pct(x: float) -> str:
    return f"{100 * x:.10g}%"


# -- reading the window ----------------------------------------------------------------------


def _is_capture(source: Path) -> bool:
    if source.is_dir():
        return any(p.suffix == ".jsonl" for p in source.rglob("*.jsonl"))
    if source.suffix == ".jsonl":
        with open(source, encoding="utf-8", errors="replace") as f:
            head = f.read(4096)
        return "captureData" in head or "eventMetadata" in head
    return False


def _positional(frame: pl.DataFrame, baseline: Baseline) -> pl.DataFrame:
    """Capture payloads give `_c0.._cN`; a baseline with header names is matched by position
    (SageMaker requires the same features in the same order)."""
    names = list(baseline.features)
    cols = frame.columns
    if cols and all(re.fullmatch(r"_c\d+", c) for c in cols) and not all(re.fullmatch(r"_c\d+", n) for n in names):
        return frame.rename({c: names[i] for i, c in enumerate(cols) if i < len(names)})
    return frame


# -- checks ------------------------------------------------------------------------------------


def _threshold(cfg: dict[str, Any], feat: BaselineFeature, key: str) -> float:
    if key in feat.overrides:
        return float(feat.overrides[key])
    dist = cfg["distribution_constraints"]
    if key in dist:
        return float(dist[key])
    return float(cfg[key])


def _kll_linf(base: BaselineFeature, cur: ColumnProfile, robust: bool) -> tuple[float, float, float] | None:
    if base.kll is None or cur.kll is None or base.kll.is_empty or cur.kll.is_empty:
        return None
    res = stats.ks_sketch(base.kll, cur.kll)
    n, m = base.kll.n, cur.kll.n
    correction = ROBUST_C * math.sqrt((n + m) / (n * m))
    value = max(0.0, res.statistic - correction) if robust else res.statistic
    return value, res.statistic, res.error_bound


def _frequencies(base: BaselineFeature, cur: ColumnProfile) -> tuple[list[str], np.ndarray, np.ndarray]:
    names = list(base.categories) + sorted(k for k in cur.categories if k not in base.categories)
    b = np.array([base.categories.get(k, 0) for k in names], dtype=np.float64)
    c = np.array([cur.categories.get(k, 0) for k in names], dtype=np.float64)
    return names, b, c


def _cat_linf(base: BaselineFeature, cur: ColumnProfile, robust: bool) -> tuple[float, float] | None:
    names, b, c = _frequencies(base, cur)
    if not names or b.sum() == 0 or c.sum() == 0:
        return None
    simple = stats.linf(b, c)
    n, m = b.sum(), c.sum()
    value = max(0.0, simple - ROBUST_C * math.sqrt((n + m) / (n * m))) if robust else simple
    return value, simple


def _cat_chisquare(base: BaselineFeature, cur: ColumnProfile) -> float | None:
    """Goodness of fit of the window's counts to the baseline's proportions over the baseline's
    categories (as Deequ's ChiSquared: unseen categories are left out, categories whose expected
    count is below 5 are pooled); None when fewer than 2 categories remain."""
    names = list(base.categories)
    b = np.array([base.categories[k] for k in names], dtype=np.float64)
    c = np.array([cur.categories.get(k, 0) for k in names], dtype=np.float64)
    if b.sum() == 0 or c.sum() == 0:
        return None
    expected = b / b.sum() * c.sum()
    small = expected < 5
    if small.any():
        expected = np.append(expected[~small], expected[small].sum())
        c = np.append(c[~small], c[small].sum())
        if expected[-1] == 0:
            expected, c = expected[:-1], c[:-1]
    if len(expected) < 2:
        return None
    return float(stats.chisquare(c, expected).pvalue)


def _checks(baseline: Baseline, current: Profile) -> tuple[list[Violation], dict[str, float]]:
    cfg = baseline.monitoring_config
    violations: list[Violation] = []
    drift_values: dict[str, float] = {}
    dist = cfg["distribution_constraints"]
    compare = str(dist.get("perform_comparison", "Enabled")) == "Enabled"
    robust = str(dist.get("comparison_method", "Robust")).lower() == "robust"
    cat_method = str(dist.get("categorical_drift_method", "LInfinity"))
    n_cur, n_base = len(current.columns), len(baseline.features)
    for name, feat in baseline.features.items():
        cur = current.columns.get(name)
        if cur is None:
            violations.append(Violation(name, "missing_column_check",
                f"There are missing columns in current dataset. Number of columns in current dataset: {n_cur}, "
                f"Number of columns in baseline constraints: {n_base}"))
            continue
        if cur.num_present == 0 and feat.num_present > 0 and feat.completeness is None:
            pass
        expected = feat.inferred_type
        if expected in (*NUMERIC, "Boolean") and cur.num_present:
            share, need = cur.type_share(expected), _threshold(cfg, feat, "datatype_check_threshold")
            if share < need:
                violations.append(Violation(name, "data_type_check",
                    f"Data type match requirement is not met. Expected data type: {expected}, Expected match: {_pct(need)}. "
                    f"Observed: Only {_pct(share)} of data is {expected}."))
        if feat.completeness is not None and cur.completeness < feat.completeness:
            violations.append(Violation(name, "completeness_check",
                f"Data completeness requirement is not met. Expected completeness: {_pct(feat.completeness)}. "
                f"Observed: Only {_pct(cur.completeness)} of data is complete."))
        if feat.domains and cur.num_present:
            domain = set(feat.domains)
            inside = sum(v for k, v in cur.categories.items() if k in domain)
            share, need = inside / cur.num_present, _threshold(cfg, feat, "domain_content_threshold")
            if share < need:
                unknown = sorted(((k, v) for k, v in cur.categories.items() if k not in domain), key=lambda kv: (-kv[1], kv[0]))
                shown = ", ".join(f"{k!r} ({v})" for k, v in unknown[:5])
                violations.append(Violation(name, "categorical_values_check",
                    f"Value: {share} does not meet the constraint requirement! Expected at least {_pct(need)} of values "
                    f"in the baseline domain; values outside it: {shown}"))
        if not compare or not cur.num_present:
            continue
        if expected in NUMERIC:
            got = _kll_linf(feat, cur, robust)
            if got is not None:
                value = got[0]
                drift_values[name] = value
                limit = _threshold(cfg, feat, "comparison_threshold")
                if value > limit:
                    violations.append(Violation(name, "baseline_drift_check",
                        f"Numerical distance: {value} exceeds numerical threshold: {limit}"))
        elif feat.categories:
            limit = _threshold(cfg, feat, "categorical_comparison_threshold")
            if cat_method == "ChiSquared":
                p = _cat_chisquare(feat, cur)
                if p is not None:
                    drift_values[name] = p
                    if p < limit:
                        violations.append(Violation(name, "baseline_drift_check",
                            f"Categorical drift p-value (chi-square): {p} is below categorical threshold: {limit}"))
            else:
                got2 = _cat_linf(feat, cur, robust)
                if got2 is not None:
                    drift_values[name] = got2[0]
                    if got2[0] > limit:
                        violations.append(Violation(name, "baseline_drift_check",
                            f"Categorical distance: {got2[0]} exceeds categorical threshold: {limit}"))
    for name in current.columns:
        if name not in baseline.features:
            violations.append(Violation(name, "extra_column_check",
                f"There are extra columns in current dataset. Number of columns in current dataset: {n_cur}, "
                f"Number of columns in baseline constraints: {n_base}"))
    return violations, drift_values


# -- drift table -------------------------------------------------------------------------------


def _bins(base: BaselineFeature) -> np.ndarray | None:
    if base.kll is None or base.kll.is_empty:
        return None
    inner = np.unique(base.kll.quantiles(np.linspace(0.1, 0.9, 9)))
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


def _bh(pvalues: list[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values (step-up, monotone)."""
    p = np.asarray(pvalues, dtype=np.float64)
    n = len(p)
    order = np.argsort(p, kind="stable")
    adj = p[order] * n / np.arange(1, n + 1)
    adj = np.minimum.accumulate(adj[::-1])[::-1]
    out = np.empty(n)
    out[order] = np.clip(adj, 0, 1)
    return out.tolist()


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


def _wasserstein_threshold(base: BaselineFeature, n: float, m: float, alpha: float) -> float:
    """A threshold for ``W1 / std`` with false-positive rate about ``alpha`` on clean data.

    With no drift ``sqrt(nm/(n+m)) * W1`` tends to ``T = integral |B(F(x))| dx`` (B a Brownian
    bridge), whose mean is ``sqrt(2/pi) * S`` and whose standard deviation is at most
    ``sqrt(1 - 2/pi) * S``, with ``S = integral sqrt(F(1-F)) dx`` taken from the baseline's
    quantiles; the threshold is that mean plus the normal quantile times that bound."""
    assert base.kll is not None
    u = np.linspace(0.0005, 0.9995, 2000)
    q = base.kll.quantiles(u)
    mid = 0.5 * (u[1:] + u[:-1])
    with np.errstate(all="ignore"):
        s = float(np.sum(np.sqrt(mid * (1 - mid)) * np.diff(q)))
    z = NormalDist().inv_cdf(1 - alpha)
    t = (math.sqrt(2 / math.pi) + z * math.sqrt(1 - 2 / math.pi)) * s / math.sqrt(n * m / (n + m))
    spread = base.std_dev or 0.0
    return max(WASSERSTEIN_THRESHOLD, t / spread) if spread > 0 and math.isfinite(t / spread) else WASSERSTEIN_THRESHOLD


PSI_THRESHOLD = 0.2  # the industry's rule of thumb; raised for small samples, see _divergence_thresholds
JS_THRESHOLD = 0.1
WASSERSTEIN_THRESHOLD = 0.1


def _drift_table(
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
            limit = _threshold(cfg, feat, "comparison_threshold")
            got = _kll_linf(feat, cur, robust=True)
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
                    w_limit = _wasserstein_threshold(feat, n, m, alpha)
                    rows.append(DriftTest(name, "wasserstein_normed", normed, None, w_limit, normed > w_limit,
                                          note=f"W1 / baseline std_dev; {calibrated} (normal approximation)"))
        elif feat.categories and cur.categories:
            limit = _threshold(cfg, feat, "categorical_comparison_threshold")
            names, b, c = _frequencies(feat, cur)
            n, m = float(b.sum()), float(c.sum())
            small = m <= 1000
            simple = stats.linf(b, c)
            robust_value = max(0.0, simple - ROBUST_C * math.sqrt((n + m) / (n * m)))
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
            for r, adj in zip(tested, _bh([r.pvalue for r in tested if r.pvalue is not None]), strict=True):
                r.pvalue_adjusted = adj
                r.drift = adj < r.threshold
    return rows


def _metrics(current: Profile, drift_values: dict[str, float], emit: bool) -> list[dict[str, Any]]:
    if not emit:
        return []
    out: list[dict[str, Any]] = []
    for name, col in current.columns.items():
        if col.moments is not None and col.moments.count:
            m = col.moments
            out.append({"MetricName": f"feature_data_{name}", "StatisticValues": {
                "SampleCount": m.count, "Sum": m.sum, "Minimum": m.min, "Maximum": m.max, "Average": m.mean}})
        out.append({"MetricName": f"feature_non_null_{name}", "Value": col.completeness})
        if name in drift_values:
            out.append({"MetricName": f"feature_baseline_drift_{name}", "Value": drift_values[name]})
    return out


# -- the run -----------------------------------------------------------------------------------


def _numeric_values(frame: pl.DataFrame, names: list[str]) -> dict[str, np.ndarray]:
    out = {}
    for n in names:
        if n in frame.columns:
            s = frame[n]
            if s.dtype == pl.String:
                s = s.str.strip_chars().cast(pl.Float64, strict=False)
            elif s.dtype.is_numeric():
                s = s.cast(pl.Float64)
            else:
                continue
            out[n] = s.filter(s.is_finite()).to_numpy()  # NaN and ±inf are missing, as in the profile
    return out


def run_monitor(
    baseline: str | Path | Baseline,
    data: Any,
    *,
    out: str | Path | None = None,
    start: datetime | str | None = None,
    end: datetime | str | None = None,
    on_bad_record: Literal["fail", "skip"] = "fail",
    has_header: bool = True,
    output_columns_position: Literal["START", "END"] = "START",
    baseline_data: Any = None,
    alpha: float = 0.05,
    fdr: bool = True,
    dataset_drift_share: float = 0.5,
    batch_rows: int = 500_000,
    progress: Callable[[int], None] | None = None,
) -> MonitorRun:
    """Run a data-quality monitor over ``data`` (a capture folder or file, a table path, or an
    in-memory table) in the window [start, end), against ``baseline``; write the outputs to
    ``out`` when given. A table on disk streams through in batches of ``batch_rows``, so it
    may be larger than memory. ``baseline_data`` (the raw training data) enables exact KS and
    Wasserstein tests in the drift table. ``alpha`` is the false-positive rate of the drift
    table's p-value tests (adjusted across features with Benjamini-Hochberg unless ``fdr`` is
    False) and of its calibrated distance thresholds. ``progress`` is called with the rows
    profiled so far after each batch.

    Bad arguments (a time that is not ISO 8601, ``alpha`` outside (0, 1), an ``out`` that is a
    file or holds files a monitor run does not write, such as a baseline or the input data)
    raise :class:`~driftline.errors.InvalidArgumentError` before anything is read or written.
    Bad data never raises: the run is Failed with its reason, and ``out`` then holds only
    ``monitoring_run.json``."""
    if not (isinstance(alpha, float | int) and 0 < alpha < 1):
        raise InvalidArgumentError(f"alpha (--alpha) must be between 0 and 1 (exclusive), got {alpha!r}")
    if not (isinstance(dataset_drift_share, float | int) and 0 < dataset_drift_share <= 1):
        raise InvalidArgumentError(f"dataset_drift_share must be in (0, 1], got {dataset_drift_share!r}")
    if not (isinstance(batch_rows, int) and batch_rows >= 1):
        raise InvalidArgumentError(f"batch_rows (--batch-rows) must be a positive whole number, got {batch_rows!r}")
    run = MonitorRun(start=to_utc(start, "start (--start)"), end=to_utc(end, "end (--end)"), alpha=alpha, fdr=fdr)
    check_window(run.start, run.end)
    folder = None if out is None else OutputFolder(out, RUN_FILES, "monitor run", inputs=[baseline, data, baseline_data], argument="out (--out)")

    def body() -> None:
        base = load_baseline(baseline)
        numeric = [n for n, f in base.features.items() if f.inferred_type in NUMERIC]
        current, raw = _profile_window(data, base, run, numeric, on_bad_record, has_header, output_columns_position, batch_rows, progress)
        if current.item_count == 0:
            raise DriftlineError("no data in the analysis window (an empty window fails, as in SageMaker)")
        run.item_count = current.item_count
        run.statistics = statistics_json(current)
        cfg = base.monitoring_config
        run.violations, drift_values = _checks(base, current)
        if str(cfg.get("evaluate_constraints", "Enabled")) != "Enabled":
            run.violations = []
        base_raw: dict[str, np.ndarray] = {}
        if baseline_data is not None:
            from driftline.io import read_table

            bframe = baseline_data if isinstance(baseline_data, pl.DataFrame) else read_table(baseline_data, has_header=has_header).frame
            base_raw = _numeric_values(_positional(bframe, base), numeric)
        run.drift = _drift_table(base, current, raw, base_raw, alpha=alpha, fdr=fdr)
        run.drifted_features = sorted({d.feature for d in run.drift if d.default and d.drift} | {v.feature_name for v in run.violations if v.constraint_check_type == "baseline_drift_check"})
        compared = {d.feature for d in run.drift if d.default}
        run.dataset_drift = bool(compared) and len(run.drifted_features) / len(compared) >= dataset_drift_share
        run.metrics = _metrics(current, drift_values, str(cfg.get("emit_metrics", "Enabled")) == "Enabled")

    return execute(run, folder, body)


def _profile_window(
    data: Any,
    base: Baseline,
    run: MonitorRun,
    numeric: list[str],
    on_bad_record: Literal["fail", "skip"],
    has_header: bool,
    position: Literal["START", "END"],
    batch_rows: int,
    progress: Callable[[int], None] | None = None,
) -> tuple[Profile, dict[str, np.ndarray]]:
    """Profile of the window, and its raw numeric values when the window is held in memory
    (capture windows and in-memory tables). A table on disk streams through in batches, so
    it may be larger than memory; its drift table then bins with the window's sketch."""
    from driftline.io import METADATA_COLUMNS, iter_batches, read_capture

    current = Profile()
    if isinstance(data, str | Path) and _is_capture(Path(data)):
        cap = read_capture(data, start=run.start, end=run.end, on_bad_record=on_bad_record, output_columns_position=position)
        frame = _positional(cap.frame.drop([c for c in METADATA_COLUMNS if c in cap.frame.columns]), base)
        run.bad_records, run.bad_records_summary = cap.bad_records.total, cap.bad_records.summary() if cap.bad_records.total else ""
        current.update(frame)
        if progress is not None:
            progress(current.item_count)
        return current, _numeric_values(frame, numeric)
    if isinstance(data, str | Path):
        batches = iter_batches(data, batch_rows=batch_rows, has_header=has_header, on_bad_record=on_bad_record)
        for batch in batches:
            current.update(_positional(batch, base))
            if progress is not None:
                progress(current.item_count)
        bad = batches.bad_records
        run.bad_records, run.bad_records_summary = bad.total, bad.summary() if bad.total else ""
        return current, {}
    from driftline.io import read_table

    table = read_table(data, has_header=has_header, on_bad_record=on_bad_record)
    frame = _positional(table.frame, base)
    current.update(frame)
    return current, _numeric_values(frame, numeric)
