"""Tests that stay valid when results are looked at repeatedly.

**mSPRT** (mixture sequential probability ratio test; Johari, Pekelis and Walsh, "Always Valid
Inference", Operations Research 70(3), 2022). With the difference estimate Δ̂, its variance
V (σ²_c/n_c + σ²_v/n_v) and a normal mixture N(θ₀, τ²) over the effect, the mixture likelihood
ratio is

    Λ = sqrt(V / (V + τ²)) · exp(τ² (Δ̂ - θ₀)² / (2 V (V + τ²)))

(with n rows per arm and V = 2σ²/n this is the paper's and R ``mixtureSPRT``'s form). The
always-valid p-value is min(1, 1/Λ) (kept as a running minimum over looks by whoever looks
repeatedly); rejecting when Λ >= 1/α keeps the false-positive rate at or below α however often
one looks. The confidence sequence {θ₀ : Λ(θ₀) < 1/α} is Δ̂ ± sqrt(2V(V+τ²)/τ² · (ln(1/α) +
½ ln((V+τ²)/V))). τ is tuned as GrowthBook tunes its asymptotic confidence sequences
(Waudby-Smith et al. 2023): τ² = s²ρ² with s² = N·V the per-row variance, N the rows of both
arms, and ρ² = (-2 ln α + ln(-2 ln α + 1))/N*, so the sequence is tightest near N* rows
(``max_samples`` when given, else 5000).

**Group-sequential** (Lan and DeMets 1983) with O'Brien-Fleming-type alpha spending
α(t) = 2(1 - Φ(z_{1-α/2}/√t)) at information fraction t = n/n_max (each side spending α/2, as R ``ldbounds`` and
``gsDesign::sfLDOF`` do): the boundary at each look spends α(t_k) - α(t_{k-1}), computed by numerical integration of the z-statistics' joint
normal law over the looks so far (the recursive integration of Armitage, McPherson and Rowe).
Two-sided, symmetric, no futility bound.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from driftline.abtest.stats import norm_ppf, norm_sf
from driftline.errors import InvalidArgumentError

__all__ = ["GstLook", "Msprt", "gst_boundaries", "msprt", "msprt_rho2", "obrien_fleming_spending"]

F64 = npt.NDArray[np.float64]

DEFAULT_N_STAR = 5000


def msprt_rho2(alpha: float, n_star: float) -> float:
    """GrowthBook's ρ² for a sequence tightest near ``n_star`` rows."""
    a = -2.0 * math.log(alpha)
    return (a + math.log(a + 1.0)) / n_star


@dataclass(frozen=True)
class Msprt:
    """The mixture likelihood ratio, the always-valid p-value at this look and the confidence
    sequence's bounds."""

    likelihood_ratio: float
    pvalue: float
    ci_low: float
    ci_high: float
    tau2: float


def msprt(diff: float, var: float, n_total: float, alpha: float, n_star: float = DEFAULT_N_STAR, theta0: float = 0.0,
          tau2: float | None = None) -> Msprt:
    """The normal-mixture SPRT of one comparison at one look (module docs). ``var`` is the
    variance of ``diff`` (the squared standard error), ``n_total`` the rows of both arms."""
    if var <= 0 or not math.isfinite(var):
        raise InvalidArgumentError("the mSPRT needs a positive, finite variance of the difference")
    t2 = var * n_total * msprt_rho2(alpha, n_star) if tau2 is None else tau2
    log_lr = 0.5 * math.log(var / (var + t2)) + t2 * (diff - theta0) ** 2 / (2 * var * (var + t2))
    p = 1.0 if log_lr <= 0 else min(1.0, math.exp(-log_lr))
    half = math.sqrt(2 * var * (var + t2) / t2 * (math.log(1 / alpha) + 0.5 * math.log((var + t2) / var)))
    return Msprt(math.exp(min(log_lr, 700.0)), p, diff - half, diff + half, t2)


def msprt_log_lr(diff: F64, var: F64, tau2: F64 | float) -> F64:
    """Vectorised log Λ (θ₀ = 0), for simulations over many repetitions and looks."""
    return np.asarray(0.5 * np.log(var / (var + tau2)) + tau2 * diff**2 / (2 * var * (var + tau2)), np.float64)


def obrien_fleming_spending(t: F64 | float, alpha: float) -> F64:
    """The two-sided alpha spent by information fraction ``t`` with Lan-DeMets
    O'Brien-Fleming-type spending, as R ``ldbounds``, ``gsDesign::sfLDOF`` and Spotify's port
    split it: each side spends α_s(t) = 2(1 - Φ(z_{1-α/4}/√t)) of its α/2, so the total is
    2·α_s(t) (0 at t = 0, α at t = 1)."""
    tt = np.clip(np.asarray(t, np.float64), 0.0, 1.0)
    z = norm_ppf(1 - alpha / 4)
    safe = np.where(tt > 0, tt, 1.0)
    out = np.where(tt > 0, 4 * _norm_sf_vec(z / np.sqrt(safe)), 0.0)
    return np.asarray(out, np.float64)


def _norm_sf_vec(z: F64) -> F64:
    """Vectorised P(Z > z): Numerical Recipes' ``erfcc`` (Chebyshev fit, relative error below
    1.2e-7 everywhere), enough for boundaries to 5 decimals."""
    x = np.abs(z) / math.sqrt(2.0)
    t = 1.0 / (1.0 + 0.5 * x)
    poly = (-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (
        0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))))
    erfc = t * np.exp(poly)
    return np.asarray(np.where(z >= 0, 0.5 * erfc, 1.0 - 0.5 * erfc), np.float64)


def _simpson(a: float, b: float, points: int) -> tuple[F64, F64]:
    """Nodes and Simpson weights on [a, b] (``points`` odd)."""
    x = np.linspace(a, b, points)
    w = np.ones(points)
    w[1:-1:2], w[2:-1:2] = 4.0, 2.0
    return x, w * (b - a) / (3 * (points - 1))


def gst_boundaries(fractions: Sequence[float], alpha: float, points: int = 801) -> list[float]:
    """Two-sided z boundaries c_k at the information ``fractions`` (increasing, in (0, 1]) with
    O'Brien-Fleming-type spending: P(|Z_j| < c_j for j < k, |Z_k| >= c_k) = α(t_k) - α(t_{k-1})
    under the null. The score S_k = Z_k √t_k is a Brownian motion in t; the sub-density of S_k
    on the continuation region is carried from look to look on a Simpson grid, and the crossing
    probability at look k is integrated against it in closed form (normal tails), so each c_k
    is a bisection on a smooth function."""
    t = np.asarray(fractions, np.float64)
    if t.size == 0 or np.any(t <= 0) or np.any(t > 1) or np.any(np.diff(t) <= 0):
        raise InvalidArgumentError("the looks' information fractions must be increasing and in (0, 1]")
    spend = obrien_fleming_spending(t, alpha)
    increments = np.diff(np.r_[0.0, spend])
    bounds: list[float] = []
    nodes: F64 | None = None  # the previous continuation region's grid, its weights x density
    mass: F64 | None = None
    t_prev = 0.0
    for k, tk in enumerate(t):
        dt = float(tk - t_prev)
        sd = math.sqrt(dt)

        def outside(c: float) -> float:
            s = c * math.sqrt(tk)
            if nodes is None or mass is None:
                return 2 * norm_sf(c)
            return float((mass * (_norm_sf_vec((s - nodes) / sd) + _norm_sf_vec((s + nodes) / sd))).sum())

        target = float(increments[k])
        if target <= 0:
            c = math.inf
        else:
            lo, hi = 0.0, 40.0
            for _ in range(80):
                mid = 0.5 * (lo + hi)
                if outside(mid) > target:
                    lo = mid
                else:
                    hi = mid
            c = 0.5 * (lo + hi)
        bounds.append(c)
        s = min(c, 40.0) * math.sqrt(tk)
        x, w = _simpson(-s, s, points)
        if nodes is None or mass is None:
            dens = np.exp(-x**2 / (2 * tk)) / math.sqrt(2 * math.pi * tk)
        else:
            dens = (np.exp(-(x[:, None] - nodes[None, :]) ** 2 / (2 * dt)) / math.sqrt(2 * math.pi * dt)) @ mass
        nodes, mass, t_prev = x, w * dens, float(tk)
    return bounds


@dataclass(frozen=True)
class GstLook:
    """This look's information fraction, boundary and the nominal alpha it spends."""

    fraction: float
    boundary: float
    looks: int


def gst_look(previous: Sequence[float], n_total: float, max_samples: float, alpha: float) -> GstLook:
    """The boundary at the current look after looks at ``previous`` total sample sizes."""
    sizes = [float(s) for s in previous if 0 < s < n_total] + [float(n_total)]
    fractions = [min(s / max_samples, 1.0) for s in sizes]
    fractions = [f for i, f in enumerate(fractions) if i == 0 or f > fractions[i - 1]]
    bounds = gst_boundaries(fractions, alpha)
    return GstLook(fractions[-1], bounds[-1], len(fractions))
