"""driftline's battery of drift tests, as the monitor runs them.

Each test decides drift for one (reference, window) pair. The numeric tests and the categorical
ones reproduce the drift table (:mod:`driftline.data_quality.drift`) with its default thresholds, by
calling the same functions: SageMaker's Robust L-infinity checks at the default constraint 0.1
(``ks_sketch_robust``, ``linf_robust``), the calibrated thresholds of ``ks_sketch``, ``psi``,
``js`` and ``wasserstein`` (false-positive rate ~alpha on clean data), and the p-value tests
``ks`` and ``chi2`` at alpha. Two fixed rules of thumb are added for comparison: ``psi_0.2``
(PSI > 0.2 on the baseline's deciles) and ``linf_0.1`` (L-infinity > 0.1 between category
frequencies, without the Robust correction).

Inputs are precomputed lazily per repetition (:class:`Prep`: the KLL sketches, the deciles, the
binned counts) and shared between tests; a test's time is its own work plus the preparation it
used, i.e. what it would cost on its own.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Callable
from dataclasses import dataclass
from time import perf_counter
from typing import Any

import numpy as np
import numpy.typing as npt

from driftline import stats
from driftline.data_quality.baseline import DEFAULT_MONITORING_CONFIG, BaselineFeature
from driftline.data_quality.checks import robust_correction, threshold
from driftline.data_quality.drift import (
    PSI_THRESHOLD,
    _bins,
    _divergence_thresholds,
    _ks_critical,
    _wassersteinthreshold,
)
from driftline.errors import InvalidInputError

__all__ = ["DEFAULT_TESTS", "TESTS", "BenchTest", "Prep", "external_tests_skipped"]

F64 = npt.NDArray[np.float64]
KLL_K, KLL_C = 2048, 0.64  # the profile's sketch parameters (SageMaker's)
LINF_THRESHOLD = 0.1


class Prep:
    """Lazily computed inputs of one repetition, each timed once (exclusive of nested inputs)."""

    def __init__(self, builders: dict[str, Callable[[Prep], Any]], values: dict[str, Any]) -> None:
        self._builders = builders
        self._values = dict(values)
        self._seconds: dict[str, float] = {}
        self._nested = 0.0
        self.computed = 0.0  # total time spent building inputs so far
        self.used: set[str] = set()
        self._deps: dict[str, set[str]] = {}  # the inputs each input was built from (transitively)
        self._building: list[set[str]] = []

    def __getitem__(self, key: str) -> Any:
        if key not in self._values:
            self._building.append(set())
            outer, self._nested = self._nested, 0.0
            t0 = perf_counter()
            value = self._builders[key](self)
            dt = perf_counter() - t0
            own = dt - self._nested
            self._seconds[key] = own
            self.computed += own
            self._nested = outer + dt
            self._values[key] = value
            self._deps[key] = self._building.pop()
        got = {key} | self._deps.get(key, set())
        self.used |= got
        if self._building:
            self._building[-1].update(got)
        return self._values[key]

    def cost(self) -> float:
        return sum(self._seconds.get(k, 0.0) for k in self.used)


# -- numeric inputs ------------------------------------------------------------------------------


def _kll(values: F64, seed: int) -> stats.KllSketch:
    return stats.KllSketch.of(values, KLL_K, KLL_C, seed)


def _feature(p: Prep) -> BaselineFeature:
    ref: F64 = p["ref"]
    return BaselineFeature(name="x", inferred_type="Fractional", num_present=len(ref), std_dev=float(np.std(ref)), kll=p["ref_kll"])


def _binned(p: Prep) -> tuple[F64, F64] | None:
    """The drift table's binning (``drift._binned``): the baseline sketch's mass and the window's
    histogram over the baseline sketch's deciles."""
    edges = _bins(p["feature"])
    if edges is None:
        return None
    expected = np.clip(p["ref_kll"].pmf(edges[1:-1], inclusive=False), 0, None)
    actual = stats.histogram(p["cur"], edges)[0].astype(np.float64)
    if expected.sum() <= 0 or actual.sum() <= 0:
        return None
    return expected, actual


NUMERIC_PREP: dict[str, Callable[[Prep], Any]] = {
    "ref_kll": lambda p: _kll(p["ref"], 1),
    "cur_kll": lambda p: _kll(p["cur"], 2),
    "feature": _feature,
    "binned": _binned,
    "ks_sketch": lambda p: stats.ks_sketch(p["ref_kll"], p["cur_kll"]),
}


def _sizes(p: Prep) -> tuple[float, float]:
    return float(len(p["ref"])), float(len(p["cur"]))


def ks_pvalue(p: Prep, alpha: float) -> bool:
    return bool(stats.ks_2samp(p["ref"], p["cur"]).pvalue < alpha)


def ks_sketch_robust(p: Prep, alpha: float) -> bool:
    res = p["ks_sketch"]
    n, m = float(p["ref_kll"].n), float(p["cur_kll"].n)
    limit = threshold(DEFAULT_MONITORING_CONFIG, p["feature"], "comparison_threshold")
    return bool(max(0.0, res.statistic - robust_correction(n, m)) > limit)


def ks_sketch_calibrated(p: Prep, alpha: float) -> bool:
    res = p["ks_sketch"]
    n, m = float(p["ref_kll"].n), float(p["cur_kll"].n)
    limit = threshold(DEFAULT_MONITORING_CONFIG, p["feature"], "comparison_threshold")
    return bool(res.statistic > max(limit, _ks_critical(n, m, alpha) + res.error_bound))


def _numeric_psi(p: Prep) -> tuple[float, int] | None:
    binned = p["binned"]
    if binned is None:
        return None
    e, a = binned
    return stats.psi(e, a), len(e)


def psi_calibrated_numeric(p: Prep, alpha: float) -> bool:
    got = _numeric_psi(p)
    if got is None:
        return False
    n, m = _sizes(p)
    return bool(got[0] > _divergence_thresholds(n, m, got[1], alpha)[0])


def psi_fixed_numeric(p: Prep, alpha: float) -> bool:
    got = _numeric_psi(p)
    return got is not None and bool(got[0] > PSI_THRESHOLD)


def js_numeric(p: Prep, alpha: float) -> bool:
    binned = p["binned"]
    if binned is None:
        return False
    e, a = binned
    n, m = _sizes(p)
    return bool(stats.jensenshannon(e, a, base=2) > _divergence_thresholds(n, m, len(e), alpha)[1])


def wasserstein_calibrated(p: Prep, alpha: float) -> bool:
    feat: BaselineFeature = p["feature"]
    spread = feat.std_dev or 0.0
    if spread <= 0:
        return False
    normed = stats.wasserstein_distance(p["ref"], p["cur"]) / spread
    if not math.isfinite(normed):
        return False
    n, m = _sizes(p)
    return bool(normed > _wassersteinthreshold(feat, n, m, alpha))


# -- categorical inputs (counts) -----------------------------------------------------------------


def _table(p: Prep) -> tuple[F64, F64]:
    """Reference and window counts over the categories seen in either (the drift table's
    ``frequencies``: baseline categories plus the window's new ones)."""
    b, c = np.asarray(p["ref_counts"], dtype=np.float64), np.asarray(p["cur_counts"], dtype=np.float64)
    seen = (b + c) > 0
    return b[seen], c[seen]


CATEGORICAL_PREP: dict[str, Callable[[Prep], Any]] = {"table": _table}


def _cat_sizes(p: Prep) -> tuple[F64, F64, float, float]:
    b, c = p["table"]
    return b, c, float(b.sum()), float(c.sum())


def chi2_pvalue(p: Prep, alpha: float) -> bool:
    b, c = p["table"]
    if len(b) < 2:
        return False
    return bool(stats.chi2_contingency(np.vstack([b, c]), correction=False).pvalue < alpha)


def linf_robust(p: Prep, alpha: float) -> bool:
    b, c, n, m = _cat_sizes(p)
    limit = float(DEFAULT_MONITORING_CONFIG["distribution_constraints"]["categorical_comparison_threshold"])
    return bool(max(0.0, stats.linf(b, c) - robust_correction(n, m)) > limit)


def linf_fixed(p: Prep, alpha: float) -> bool:
    b, c, _, _ = _cat_sizes(p)
    return bool(stats.linf(b, c) > LINF_THRESHOLD)


def psi_calibrated_categorical(p: Prep, alpha: float) -> bool:
    b, c, n, m = _cat_sizes(p)
    return bool(stats.psi(b, c) > _divergence_thresholds(n, m, len(b), alpha)[0])


def psi_fixed_categorical(p: Prep, alpha: float) -> bool:
    b, c, _, _ = _cat_sizes(p)
    return bool(stats.psi(b, c) > PSI_THRESHOLD)


def js_categorical(p: Prep, alpha: float) -> bool:
    b, c, n, m = _cat_sizes(p)
    return bool(stats.jensenshannon(b, c, base=2) > _divergence_thresholds(n, m, len(b), alpha)[1])


# -- the battery ---------------------------------------------------------------------------------

Decide = Callable[[Prep, float], bool]


@dataclass(frozen=True)
class BenchTest:
    name: str
    description: str
    numeric: Decide | None = None
    categorical: Decide | None = None


TESTS: dict[str, BenchTest] = {t.name: t for t in (
    BenchTest("ks", "two-sample Kolmogorov-Smirnov on the raw samples, p < alpha", numeric=ks_pvalue),
    BenchTest("ks_sketch", "KS distance between KLL sketches > max(0.1, KS critical value at alpha + sketch error bound) "
              "(drift table, calibrated)", numeric=ks_sketch_calibrated),
    BenchTest("ks_sketch_robust", "KLL L-infinity minus 1.8*sqrt((n+m)/nm) > 0.1 (SageMaker Robust; the drift table's "
              "default for windows over 1000)", numeric=ks_sketch_robust),
    BenchTest("psi", "PSI over the baseline's deciles (or categories) > the drift table's calibrated threshold "
              "(max(0.2, chi-square quantile))", numeric=psi_calibrated_numeric, categorical=psi_calibrated_categorical),
    BenchTest("psi_0.2", "PSI > 0.2, the rule of thumb (baseline deciles or categories)",
              numeric=psi_fixed_numeric, categorical=psi_fixed_categorical),
    BenchTest("js", "Jensen-Shannon distance (base 2) > the drift table's calibrated threshold (max(0.1, ...))",
              numeric=js_numeric, categorical=js_categorical),
    BenchTest("wasserstein", "W1 / baseline std > the drift table's calibrated threshold (max(0.1, normal approximation))",
              numeric=wasserstein_calibrated),
    BenchTest("chi2", "chi-square test of the 2 x k contingency table, p < alpha", categorical=chi2_pvalue),
    BenchTest("linf_robust", "L-infinity between category frequencies minus 1.8*sqrt((n+m)/nm) > 0.1 (SageMaker "
              "Robust; the drift table's default for windows over 1000)", categorical=linf_robust),
    BenchTest("linf_0.1", "L-infinity between category frequencies > 0.1, without the Robust correction",
              categorical=linf_fixed),
)}
DEFAULT_TESTS = tuple(TESTS)

EXTERNAL = {"evidently": "Evidently's default drift tests", "nannyml": "NannyML's default univariate drift methods"}


def external_tests_skipped() -> list[dict[str, str]]:
    """The comparison tests of other libraries that this run leaves out, each with its reason."""
    out = []
    for module, what in EXTERNAL.items():
        if importlib.util.find_spec(module) is None:
            reason = f"{module} is not installed"
        else:
            reason = f"{module} is installed, but the benchmark has no adapter for it yet"
        out.append({"test": module, "description": what, "reason": reason})
    return out


def resolve_tests(names: list[str] | tuple[str, ...] | None) -> list[BenchTest]:
    if names is None:
        return list(TESTS.values())
    unknown = [n for n in names if n not in TESTS]
    if unknown:
        raise InvalidInputError(f"unknown test(s) {', '.join(unknown)}; known: {', '.join(TESTS)}")
    return [TESTS[n] for n in dict.fromkeys(names)]
