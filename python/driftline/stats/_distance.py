"""Distances between two binned distributions (count or weight vectors over the same bins).

Each input is normalised to proportions. Inputs must be non-negative and finite with a positive
sum (else :class:`~driftline.errors.InvalidCountError` / :class:`~driftline.errors.EmptyInputError`).
"""

from __future__ import annotations

from typing import Any, Literal

from driftline import _core
from driftline._convert import to_counts

__all__ = ["hellinger", "jensenshannon", "js_divergence", "kl_divergence", "linf", "psi", "total_variation"]


def psi(
    expected: Any, actual: Any, *, empty_bins: Literal["floor", "smooth", "zeros"] = "floor", eps: float = 1e-4
) -> float:
    """Population stability index ``sum_i (a_i - e_i) * ln(a_i / e_i)`` over proportions.

    Empty bins (``ln(0)`` is undefined): ``"floor"`` (default) raises every proportion below
    ``eps`` to ``eps``, empty or not, without renormalising; ``"zeros"`` replaces only
    proportions that are exactly 0 by ``eps`` (Evidently's rule, with its eps = 1e-4);
    ``"smooth"`` adds ``eps`` to every count before normalising (Laplace smoothing). Every term
    is >= 0, so PSI is too. Common reading: < 0.1 stable, 0.1-0.25 moderate, > 0.25 drift.
    """
    return _core.psi(to_counts(expected, "expected"), to_counts(actual, "actual"), empty_bins, eps)


def kl_divergence(p: Any, q: Any, base: float | None = None) -> float:
    """Kullback-Leibler divergence ``sum p ln(p / q)``; equals ``scipy.stats.entropy(p, q, base=base)``
    (inf when a bin has ``q == 0 < p``). Summed as ``sum p ln(p / q) - p + q`` (the same value,
    as both sum to 1), whose terms are each >= 0, so rounding never makes it negative."""
    return _core.kl_divergence(to_counts(p, "p"), to_counts(q, "q"), base)


def js_divergence(p: Any, q: Any, base: float | None = None) -> float:
    """Jensen-Shannon divergence ``(KL(p||m) + KL(q||m)) / 2`` with ``m = (p + q) / 2``; the
    square of :func:`jensenshannon`."""
    return _core.js_divergence(to_counts(p, "p"), to_counts(q, "q"), base)


def jensenshannon(p: Any, q: Any, base: float | None = None) -> float:
    """Jensen-Shannon distance; equals ``scipy.spatial.distance.jensenshannon(p, q, base)``."""
    return _core.jensenshannon(to_counts(p, "p"), to_counts(q, "q"), base)


def hellinger(p: Any, q: Any) -> float:
    """Hellinger distance ``sqrt(sum (sqrt(p) - sqrt(q))^2 / 2)``, in [0, 1]."""
    return _core.hellinger(to_counts(p, "p"), to_counts(q, "q"))


def total_variation(p: Any, q: Any) -> float:
    """Total variation distance ``sum |p - q| / 2``, in [0, 1]."""
    return _core.total_variation(to_counts(p, "p"), to_counts(q, "q"))


def linf(p: Any, q: Any) -> float:
    """L-infinity distance ``max |p - q|`` between proportions (SageMaker's LInfinity method for
    categorical drift)."""
    return _core.linf(to_counts(p, "p"), to_counts(q, "q"))
