"""Two-sample Kolmogorov-Smirnov test, computed by driftline's Rust core."""

from __future__ import annotations

import math
import warnings
from typing import Any, Literal, NamedTuple

import numpy as np

from driftline import _core
from driftline._convert import F64Array, has_missing, to_float64

__all__ = ["KstestResult", "ks_2samp"]


class KstestResult(NamedTuple):
    """Result of :func:`ks_2samp`; the fields of scipy's ``KstestResult``."""

    statistic: float
    pvalue: float
    #: The value at which the two empirical CDFs are farthest apart (in the tested direction).
    statistic_location: float
    #: +1 when the statistic is ``max(F1 - F2)``, -1 when it is ``max(F2 - F1)``; 0 when the
    #: result is NaN (``nan_policy="propagate"`` with missing values; scipy gives NaN there).
    statistic_sign: int


def ks_2samp(
    data1: Any,
    data2: Any,
    alternative: Literal["two-sided", "less", "greater"] = "two-sided",
    method: Literal["auto", "exact", "asymp"] = "auto",
    *,
    nan_policy: Literal["omit", "propagate", "raise"] = "omit",
) -> KstestResult:
    """Two-sample Kolmogorov-Smirnov test; matches ``scipy.stats.ks_2samp``.

    With ``F1``, ``F2`` the empirical CDFs of the two samples (evaluated at every observed value,
    ties included), the statistic is ``D+ = max(F1 - F2)`` for ``alternative="greater"``,
    ``D- = max(F2 - F1)`` for ``"less"`` and ``max(D+, D-)`` for ``"two-sided"``.

    p-values, as scipy computes them:

    - ``method="exact"``: lattice-path counts on the grid of ``lcm(n1, n2)`` (Hodges 1958); ``D``
      is first rounded to that grid.
    - ``method="asymp"``: two-sided ``kstwo.sf(D, round(n1 n2 / (n1 + n2)))`` (the finite-n
      one-sample distribution); one-sided ``exp(-2 z^2 - 2 z (m + 2n) / sqrt(m n (m + n)) / 3)``
      with ``z = D sqrt(mn / (m + n))``, ``m >= n`` (Hodges, eq. 5.3).
    - ``method="auto"``: exact when both samples hold at most 10 000 values, else asymp.

    When the exact computation is impossible (``lcm(n1, n2)`` too large) or overflows, the
    asymptotic p-value is returned with a :class:`RuntimeWarning`, as scipy does.

    Statistic, location and sign equal scipy's; p-values agree with scipy to ~1e-12 relative
    (tested to 1e-9 for p > 1e-300). Missing values (NaN, nulls) follow ``nan_policy``
    (see :mod:`driftline._convert`); ``"omit"`` gives scipy's ``nan_policy="omit"`` result.
    Infinities are ordinary values. An input with no non-missing value raises
    :class:`~driftline.errors.EmptyInputError`.

    Speed (``benches/test_bench_ks.py``, 2-core EPYC VM shared with other jobs, one thread,
    normal samples): 30 ms at 10^6 values per sample (scipy: 220 ms) and 0.49 s at 10^7
    (scipy: 3.9 s); the samples are radix-sorted, the CDFs merged in one pass.
    """
    a = to_float64(data1, "data1")
    b = to_float64(data2, "data2")
    if has_missing("data1", a, nan_policy) | has_missing("data2", b, nan_policy):
        return KstestResult(math.nan, math.nan, math.nan, 0)
    statistic, pvalue, location, sign, _, fallback = _core.ks_2samp(a, b, alternative, method)
    if fallback is not None:
        warnings.warn(_fallback_message(fallback, a, b), RuntimeWarning, stacklevel=2)
    return KstestResult(statistic, pvalue, location, sign)


def _fallback_message(reason: str, a: F64Array, b: F64Array) -> str:
    if reason == "lattice_too_large":
        n1, n2 = (int(np.count_nonzero(~np.isnan(x))) for x in (a, b))
        return f"Exact ks_2samp calculation not possible with samples sizes {n1} and {n2}. Switching to 'asymp'."
    return "ks_2samp: Exact calculation unsuccessful. Switching to method=asymp."
