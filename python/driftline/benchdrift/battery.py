"""driftline's battery of drift tests, as the monitor runs them, over many repetitions at once.

Each test decides drift for every (reference, window) pair of a batch. The numeric tests and the
categorical ones reproduce the drift table (:mod:`driftline.data_quality.drift`) with its default
thresholds, by calling the same threshold functions: SageMaker's Robust L-infinity checks at the
default constraint 0.1 (``ks_sketch_robust``, ``linf_robust``), the calibrated thresholds of
``ks_sketch``, ``psi``, ``js`` and ``wasserstein`` (false-positive rate ~alpha on clean data), and
the p-value tests ``ks`` and ``chi2`` at alpha. Two fixed rules of thumb are added for comparison:
``psi_0.2`` (PSI > 0.2 on the baseline's deciles) and ``linf_0.1`` (L-infinity > 0.1 between
category frequencies, without the Robust correction).

The statistics of a whole batch come from one call into the Rust core
(``_core.battery_numeric`` / ``_core.battery_categorical``): the repetitions run in parallel, each
through the same kernels the monitor uses (sorted samples shared by KS and Wasserstein, the KLL
sketches with the profile's parameters, the histogram over the baseline sketch's deciles), and the
core reports the time each kernel took. A test's time per decision is the time of the kernels it
needs, as if it ran alone, plus its own (vectorised) decision.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from time import perf_counter
from typing import Any

import numpy as np
import numpy.typing as npt

from driftline import _core
from driftline.data_quality.baseline import DEFAULT_MONITORING_CONFIG
from driftline.data_quality.checks import robust_correction
from driftline.data_quality.drift import (
    DECILE_POINTS,
    PSI_THRESHOLD,
    WASSERSTEIN_GRID,
    _divergence_thresholds,
    _ks_critical,
    wasserstein_threshold_of,
)

__all__ = ["DEFAULT_TESTS", "TESTS", "BenchTest", "CategoricalBatch", "NumericBatch", "categorical_batch", "numeric_batch"]

F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]
KLL_K, KLL_C = 2048, 0.64  # the profile's sketch parameters (SageMaker's)
LINF_THRESHOLD = 0.1
COMPARISON_THRESHOLD = float(DEFAULT_MONITORING_CONFIG["distribution_constraints"]["comparison_threshold"])
CATEGORICAL_THRESHOLD = float(DEFAULT_MONITORING_CONFIG["distribution_constraints"]["categorical_comparison_threshold"])


@dataclass
class NumericBatch:
    """The statistics of a batch of numeric (reference, window) pairs (one entry per pair)."""

    n: int  # values per reference
    m: int  # values per window
    stats: dict[str, Any]  # the core's arrays (see ``_core.battery_numeric``)
    spread: F64  # the reference's standard deviation (numpy's, as the profile computes it)
    seconds: dict[str, float]  # kernel -> seconds summed over the batch (plus "spread")

    @property
    def reps(self) -> int:
        return len(self.spread)


@dataclass
class CategoricalBatch:
    """The statistics of a batch of category-count pairs."""

    n: F64  # reference totals
    m: F64  # window totals
    stats: dict[str, Any]
    seconds: dict[str, float]

    @property
    def reps(self) -> int:
        return len(self.n)


def numeric_batch(xs: F64, ys: F64) -> NumericBatch:
    """One core call for every row pair of ``xs`` (references) and ``ys`` (windows)."""
    x, y = np.ascontiguousarray(xs, dtype=np.float64), np.ascontiguousarray(ys, dtype=np.float64)
    stats = _core.battery_numeric(x, y, WASSERSTEIN_GRID, DECILE_POINTS, KLL_K, KLL_C, 1, 2)
    t = perf_counter()
    with np.errstate(all="ignore"):  # huge magnitudes overflow to an infinite spread, as in the profile
        spread = np.std(x, axis=1)
    seconds = dict(stats.pop("seconds"))
    seconds["spread"] = perf_counter() - t
    return NumericBatch(x.shape[1], y.shape[1], stats, spread, seconds)


def categorical_batch(reference_counts: Any, window_counts: Any) -> CategoricalBatch:
    a = np.ascontiguousarray(reference_counts, dtype=np.float64)
    b = np.ascontiguousarray(window_counts, dtype=np.float64)
    stats = _core.battery_categorical(a, b)
    return CategoricalBatch(a.sum(axis=1), b.sum(axis=1), stats, dict(stats.pop("seconds")))


def _each(fn: Callable[..., float], *columns: Any) -> F64:
    """``fn`` over the repetitions (the drift table's scalar threshold functions); repeated
    arguments (every repetition of a cell has the same sizes) are computed once."""
    cache: dict[tuple[Any, ...], float] = {}
    out = np.empty(len(columns[0]))
    for i, args in enumerate(zip(*columns, strict=True)):
        key = tuple(float(a) for a in args)
        if key not in cache:
            cache[key] = fn(*key)
        out[i] = cache[key]
    return out


# -- numeric tests -------------------------------------------------------------------------------


def ks_pvalue(b: NumericBatch, alpha: float) -> B:
    return np.asarray(b.stats["ks_pvalue"] < alpha)


def ks_sketch_calibrated(b: NumericBatch, alpha: float) -> B:
    s = b.stats
    critical = _each(lambda n, m: _ks_critical(n, m, alpha), s["sketch_n"], s["window_sketch_n"])
    return np.asarray(s["sketch_ks"] > np.maximum(COMPARISON_THRESHOLD, critical + s["sketch_ks_error"]))


def ks_sketch_robust(b: NumericBatch, alpha: float) -> B:
    s = b.stats
    correction = _each(robust_correction, s["sketch_n"], s["window_sketch_n"])
    return np.asarray(np.maximum(0.0, s["sketch_ks"] - correction) > COMPARISON_THRESHOLD)


def _divergence_limits(b: NumericBatch | CategoricalBatch, bins: Any, alpha: float, which: int) -> F64:
    n = np.full(b.reps, float(b.n)) if isinstance(b, NumericBatch) else b.n
    m = np.full(b.reps, float(b.m)) if isinstance(b, NumericBatch) else b.m
    return _each(lambda n_, m_, k: _divergence_thresholds(n_, m_, int(k), alpha)[which], n, m, bins)


def psi_calibrated_numeric(b: NumericBatch, alpha: float) -> B:
    bins = b.stats["bins"]
    has = bins > 0
    return np.asarray(has & (np.nan_to_num(b.stats["psi"], nan=-1.0) > _divergence_limits(b, np.maximum(bins, 1), alpha, 0)))


def psi_fixed_numeric(b: NumericBatch, alpha: float) -> B:
    return np.asarray((b.stats["bins"] > 0) & (np.nan_to_num(b.stats["psi"], nan=-1.0) > PSI_THRESHOLD))


def js_numeric(b: NumericBatch, alpha: float) -> B:
    bins = b.stats["bins"]
    return np.asarray((bins > 0) & (np.nan_to_num(b.stats["js"], nan=-1.0) > _divergence_limits(b, np.maximum(bins, 1), alpha, 1)))


def wasserstein_calibrated(b: NumericBatch, alpha: float) -> B:
    spread = b.spread
    with np.errstate(all="ignore"):
        normed = b.stats["wasserstein"] / spread
    q = b.stats["quantiles"]
    limits = np.array([wasserstein_threshold_of(q[i], float(spread[i]), float(b.n), float(b.m), alpha) for i in range(b.reps)])
    return np.asarray((spread > 0) & np.isfinite(normed) & (normed > limits))


# -- categorical tests ---------------------------------------------------------------------------


def chi2_pvalue(b: CategoricalBatch, alpha: float) -> B:
    p = b.stats["chi2_pvalue"]
    return np.asarray(np.isfinite(p) & (np.nan_to_num(p, nan=1.0) < alpha))


def linf_robust(b: CategoricalBatch, alpha: float) -> B:
    correction = _each(robust_correction, b.n, b.m)
    return np.asarray(np.maximum(0.0, b.stats["linf"] - correction) > CATEGORICAL_THRESHOLD)


def linf_fixed(b: CategoricalBatch, alpha: float) -> B:
    return np.asarray(b.stats["linf"] > LINF_THRESHOLD)


def psi_calibrated_categorical(b: CategoricalBatch, alpha: float) -> B:
    return np.asarray(b.stats["psi"] > _divergence_limits(b, b.stats["categories"], alpha, 0))


def psi_fixed_categorical(b: CategoricalBatch, alpha: float) -> B:
    return np.asarray(b.stats["psi"] > PSI_THRESHOLD)


def js_categorical(b: CategoricalBatch, alpha: float) -> B:
    return np.asarray(b.stats["js"] > _divergence_limits(b, b.stats["categories"], alpha, 1))


# -- the battery ---------------------------------------------------------------------------------

NumericDecide = Callable[[NumericBatch, float], B]
CategoricalDecide = Callable[[CategoricalBatch, float], B]
SKETCHES = ("kll_reference", "kll_window", "sketch_ks")
BINNED = ("kll_reference", "binning", "divergences")


@dataclass(frozen=True)
class BenchTest:
    """A test of the battery: its decisions over a batch, and the core's kernels it needs (its
    time per decision is theirs plus its own)."""

    name: str
    description: str
    numeric: NumericDecide | None = None
    categorical: CategoricalDecide | None = None
    numeric_kernels: tuple[str, ...] = ()
    categorical_kernels: tuple[str, ...] = ()

    def kernels(self, kind: str) -> tuple[str, ...]:
        return self.numeric_kernels if kind == "numeric" else self.categorical_kernels

    def decide(self, kind: str, batch: NumericBatch | CategoricalBatch, alpha: float) -> B:
        if kind == "numeric":
            assert self.numeric is not None and isinstance(batch, NumericBatch)
            return self.numeric(batch, alpha)
        assert self.categorical is not None and isinstance(batch, CategoricalBatch)
        return self.categorical(batch, alpha)


TESTS: dict[str, BenchTest] = {t.name: t for t in (
    BenchTest("ks", "two-sample Kolmogorov-Smirnov on the raw samples, p < alpha", numeric=ks_pvalue,
              numeric_kernels=("sort", "ks")),
    BenchTest("ks_sketch", "KS distance between KLL sketches > max(0.1, KS critical value at alpha + sketch error bound) "
              "(drift table, calibrated)", numeric=ks_sketch_calibrated, numeric_kernels=SKETCHES),
    BenchTest("ks_sketch_robust", "KLL L-infinity minus 1.8*sqrt((n+m)/nm) > 0.1 (SageMaker Robust; the drift table's "
              "default for windows over 1000)", numeric=ks_sketch_robust, numeric_kernels=SKETCHES),
    BenchTest("psi", "PSI over the baseline's deciles (or categories) > the drift table's calibrated threshold "
              "(max(0.2, chi-square quantile))", numeric=psi_calibrated_numeric, categorical=psi_calibrated_categorical,
              numeric_kernels=BINNED, categorical_kernels=("table", "psi")),
    BenchTest("psi_0.2", "PSI > 0.2, the rule of thumb (baseline deciles or categories)",
              numeric=psi_fixed_numeric, categorical=psi_fixed_categorical, numeric_kernels=BINNED, categorical_kernels=("table", "psi")),
    BenchTest("js", "Jensen-Shannon distance (base 2) > the drift table's calibrated threshold (max(0.1, ...))",
              numeric=js_numeric, categorical=js_categorical, numeric_kernels=BINNED, categorical_kernels=("table", "js")),
    BenchTest("wasserstein", "W1 / baseline std > the drift table's calibrated threshold (max(0.1, normal approximation))",
              numeric=wasserstein_calibrated, numeric_kernels=("sort", "wasserstein", "spread", "kll_reference", "quantiles")),
    BenchTest("chi2", "chi-square test of the 2 x k contingency table, p < alpha", categorical=chi2_pvalue,
              categorical_kernels=("table", "chi2")),
    BenchTest("linf_robust", "L-infinity between category frequencies minus 1.8*sqrt((n+m)/nm) > 0.1 (SageMaker "
              "Robust; the drift table's default for windows over 1000)", categorical=linf_robust, categorical_kernels=("table", "linf")),
    BenchTest("linf_0.1", "L-infinity between category frequencies > 0.1, without the Robust correction",
              categorical=linf_fixed, categorical_kernels=("table", "linf")),
)}
DEFAULT_TESTS = tuple(TESTS)
