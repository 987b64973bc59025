"""The checks of a data-quality run: SageMaker Model Monitor's six, with Deequ's semantics (which
SageMaker's analyzer runs): a data type, completeness or domain constraint holds when the
observed share is *at least* its threshold; numeric drift is the L-infinity distance between the
baseline's and the window's KLL sketches, ``Robust`` subtracting ``1.8 * sqrt((n + m) / (n m))``
(:func:`robust_correction`); categorical drift is the L-infinity distance between category
frequencies (``LInfinity``) or a chi-square goodness-of-fit p-value (``ChiSquared``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from driftline import stats
from driftline.data_quality.baseline import Baseline, BaselineFeature
from driftline.formats.sagemaker import FeatureViolation
from driftline.profile import ColumnProfile, Profile

__all__ = ["NUMERIC", "ROBUST_C", "Violation", "robust_correction", "run_checks"]

ROBUST_C = 1.8  # Deequ 2.0.2's constant: c(alpha) for alpha ~ 0.003
NUMERIC = ("Integral", "Fractional")


def robust_correction(n: float, m: float) -> float:
    """Deequ's ``Robust`` correction of an L-infinity distance between samples of ``n`` and ``m``
    values: ``ROBUST_C * sqrt((n + m) / (n m))``, the KS critical value at alpha ~ 0.003."""
    return ROBUST_C * math.sqrt((n + m) / (n * m))


@dataclass(frozen=True)
class Violation:
    feature_name: str
    constraint_check_type: str
    description: str

    def to_json(self) -> FeatureViolation:
        return {"feature_name": self.feature_name, "constraint_check_type": self.constraint_check_type, "description": self.description}


def _pct(x: float) -> str:
    return f"{100 * x:.10g}%"


# -- checks ------------------------------------------------------------------------------------


def threshold(cfg: dict[str, Any], feat: BaselineFeature, key: str) -> float:
    if key in feat.overrides:
        return float(feat.overrides[key])
    dist = cfg["distribution_constraints"]
    if key in dist:
        return float(dist[key])
    return float(cfg[key])


def kll_linf(base: BaselineFeature, cur: ColumnProfile, robust: bool) -> tuple[float, float, float] | None:
    if base.kll is None or cur.kll is None or base.kll.is_empty or cur.kll.is_empty:
        return None
    res = stats.ks_sketch(base.kll, cur.kll)
    n, m = base.kll.n, cur.kll.n
    correction = robust_correction(n, m)
    value = max(0.0, res.statistic - correction) if robust else res.statistic
    return value, res.statistic, res.error_bound


def frequencies(base: BaselineFeature, cur: ColumnProfile) -> tuple[list[str], np.ndarray, np.ndarray]:
    names = list(base.categories) + sorted(k for k in cur.categories if k not in base.categories)
    b = np.array([base.categories.get(k, 0) for k in names], dtype=np.float64)
    c = np.array([cur.categories.get(k, 0) for k in names], dtype=np.float64)
    return names, b, c


def _cat_linf(base: BaselineFeature, cur: ColumnProfile, robust: bool) -> tuple[float, float] | None:
    names, b, c = frequencies(base, cur)
    if not names or b.sum() == 0 or c.sum() == 0:
        return None
    simple = stats.linf(b, c)
    n, m = b.sum(), c.sum()
    value = max(0.0, simple - robust_correction(n, m)) if robust else simple
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


def run_checks(baseline: Baseline, current: Profile) -> tuple[list[Violation], dict[str, float]]:
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
            share, need = cur.type_share(expected), threshold(cfg, feat, "datatype_check_threshold")
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
            share, need = inside / cur.num_present, threshold(cfg, feat, "domain_content_threshold")
            if share < need:
                unknown = sorted(((k, v) for k, v in cur.categories.items() if k not in domain), key=lambda kv: (-kv[1], kv[0]))
                shown = ", ".join(f"{k!r} ({v})" for k, v in unknown[:5])
                violations.append(Violation(name, "categorical_values_check",
                    f"Value: {share} does not meet the constraint requirement! Expected at least {_pct(need)} of values "
                    f"in the baseline domain; values outside it: {shown}"))
        if not compare or not cur.num_present:
            continue
        if expected in NUMERIC:
            got = kll_linf(feat, cur, robust)
            if got is not None:
                value = got[0]
                drift_values[name] = value
                limit = threshold(cfg, feat, "comparison_threshold")
                if value > limit:
                    violations.append(Violation(name, "baseline_drift_check",
                        f"Numerical distance: {value} exceeds numerical threshold: {limit}"))
        elif feat.categories:
            limit = threshold(cfg, feat, "categorical_comparison_threshold")
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


