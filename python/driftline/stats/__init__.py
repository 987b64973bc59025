"""Drift statistics with scipy-like names, computed by driftline's Rust core.

Missing values (nulls and NaN) follow one policy everywhere, described in
:mod:`driftline._convert`: ``nan_policy="omit"`` by default.
"""

from __future__ import annotations

from driftline.stats._chisq import (
    Chi2ContingencyResult,
    PowerDivergenceResult,
    chi2_contingency,
    chisquare,
    g_test,
    power_divergence,
)
from driftline.stats._counting import Moments, count_categories, histogram, moments
from driftline.stats._distance import (
    hellinger,
    jensenshannon,
    js_divergence,
    kl_divergence,
    linf,
    psi,
    total_variation,
)
from driftline.stats._fdr import false_discovery_control
from driftline.stats._kll import KllSketch, KsSketchResult, ks_sketch
from driftline.stats._ks import KstestResult, ks_2samp
from driftline.stats._ndcg import ndcg
from driftline.stats._wasserstein import energy_distance, wasserstein_distance

__all__ = [
    "Chi2ContingencyResult",
    "KstestResult",
    "Moments",
    "PowerDivergenceResult",
    "chi2_contingency",
    "chisquare",
    "count_categories",
    "energy_distance",
    "false_discovery_control",
    "g_test",
    "hellinger",
    "histogram",
    "jensenshannon",
    "js_divergence",
    "kl_divergence",
    "KllSketch",
    "KsSketchResult",
    "ks_2samp",
    "ks_sketch",
    "linf",
    "moments",
    "ndcg",
    "power_divergence",
    "psi",
    "total_variation",
    "wasserstein_distance",
]
