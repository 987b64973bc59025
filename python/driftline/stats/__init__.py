"""Drift statistics with scipy-like names, computed by driftline's Rust core.

Missing values (nulls and NaN) follow one policy everywhere, described in
:mod:`driftline._convert`: ``nan_policy="omit"`` by default.
"""

from __future__ import annotations

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

__all__ = [
    "Moments",
    "count_categories",
    "hellinger",
    "histogram",
    "jensenshannon",
    "js_divergence",
    "kl_divergence",
    "linf",
    "moments",
    "psi",
    "total_variation",
]
