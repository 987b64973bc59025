"""mSPRT and group-sequential boundaries: the published O'Brien-Fleming table, and the seeded
peeking simulation of the issue.

Simulation (``SEED = 20261207``, ``REPS = 2500`` repetitions, ``LOOKS = 20`` looks after
batches of ``BATCH = 100`` rows per arm, normal rows with sd 1, variances estimated from the
data, alpha 0.05): the Monte-Carlo standard error of a rate is at most sqrt(0.25/2500) = 0.01
(0.0044 at 0.05). Vectorised over repetitions and looks with numpy (a few seconds)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from driftline.abtest import sequential as seq

SEED = 20261207
REPS = 2500
LOOKS = 20
BATCH = 100
ALPHA = 0.05


def test_obrien_fleming_boundaries_match_ldbounds() -> None:
    """Lan-DeMets O'Brien-Fleming, 5 equally spaced looks, two-sided 0.05 (R ldbounds /
    gsDesign sfLDOF): 4.877, 3.357, 2.680, 2.290, 2.031."""
    b = seq.gst_boundaries([0.2, 0.4, 0.6, 0.8, 1.0], 0.05)
    assert b == pytest.approx([4.8769, 3.3569, 2.6803, 2.2898, 2.0310], abs=2e-4)
    assert seq.gst_boundaries([0.5, 1.0], 0.05) == pytest.approx([2.9626, 1.9686], abs=2e-4)
    assert seq.gst_boundaries([1.0], 0.05) == pytest.approx([1.95996], abs=1e-4)
    assert float(seq.obrien_fleming_spending(1.0, 0.05)) == pytest.approx(0.05)


def test_msprt_scalar_agrees_with_vector_form_and_its_confidence_sequence() -> None:
    diff, var, n = 0.08, 0.0009, 4000.0
    m = seq.msprt(diff, var, n, ALPHA, n_star=5000)
    assert math.log(m.likelihood_ratio) == pytest.approx(float(seq.msprt_log_lr(np.array(diff), np.array(var), m.tau2)))
    # p < alpha exactly when 0 is outside the confidence sequence
    assert (m.pvalue < ALPHA) == (m.ci_low > 0 or m.ci_high < 0)
    edge = seq.msprt(diff, var, n, ALPHA, theta0=m.ci_high, tau2=m.tau2)
    assert edge.pvalue == pytest.approx(ALPHA, rel=1e-6)  # the sequence's edge is where Λ = 1/alpha
    # the paper's form with n rows per arm and known sigma: V = 2 sigma^2 / n
    sigma2, nn, tau2 = 1.3, 500.0, 0.02
    v = 2 * sigma2 / nn
    lam = math.sqrt(2 * sigma2 / (2 * sigma2 + nn * tau2)) * math.exp(nn**2 * tau2 * diff**2 / (4 * sigma2 * (2 * sigma2 + nn * tau2)))
    assert seq.msprt(diff, v, 2 * nn, ALPHA, tau2=tau2).likelihood_ratio == pytest.approx(lam, rel=1e-12)


def _simulate(effect: float, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Per repetition, the first look (1-based; 0: never) at which each procedure rejects."""
    shape = (REPS, LOOKS, BATCH)
    c = rng.standard_normal(shape)
    v = rng.standard_normal(shape) + effect
    n = BATCH * np.arange(1, LOOKS + 1, dtype=np.float64)

    def cum(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        s = np.cumsum(x.sum(axis=2), axis=1)
        q = np.cumsum((x * x).sum(axis=2), axis=1)
        mean = s / n
        return mean, (q - n * mean * mean) / (n - 1)
    mc, vc = cum(c)
    mv, vv = cum(v)
    diff = mv - mc
    var = vc / n + vv / n
    z = diff / np.sqrt(var)
    fixed = np.abs(z) >= 1.959963984540054
    total = 2 * n
    tau2 = var * total * seq.msprt_rho2(ALPHA, n_star=2 * BATCH * LOOKS)
    msprt = seq.msprt_log_lr(diff, var, tau2) >= math.log(1 / ALPHA)
    bounds = np.array(seq.gst_boundaries(list(np.arange(1, LOOKS + 1) / LOOKS), ALPHA))
    gst = np.abs(z) >= bounds

    def first(rej: np.ndarray) -> np.ndarray:
        return np.where(rej.any(axis=1), rej.argmax(axis=1) + 1, 0)
    return {"fixed": first(fixed), "msprt": first(msprt), "gst": first(gst), "fixed_final": fixed[:, -1]}


def test_peeking_simulation() -> None:
    rng = np.random.default_rng(SEED)
    aa = _simulate(0.0, rng)
    fpr = {k: float(np.mean(aa[k] > 0)) for k in ("fixed", "msprt", "gst")}
    mc_error = math.sqrt(0.25 / REPS)
    assert mc_error <= 0.01
    print(f"\nA/A, {REPS} repetitions, {LOOKS} looks: false-positive rate fixed-horizon peeking {fpr['fixed']:.4f}, "
          f"mSPRT {fpr['msprt']:.4f}, group-sequential {fpr['gst']:.4f}, fixed at the final look only {np.mean(aa['fixed_final']):.4f}")
    assert fpr["msprt"] <= ALPHA
    assert fpr["fixed"] > ALPHA + 3 * math.sqrt(ALPHA * (1 - ALPHA) / REPS)  # peeking inflates it, far beyond Monte-Carlo error
    assert fpr["gst"] <= ALPHA + 3 * math.sqrt(ALPHA * (1 - ALPHA) / REPS)
    assert float(np.mean(aa["fixed_final"])) == pytest.approx(ALPHA, abs=3 * math.sqrt(ALPHA * (1 - ALPHA) / REPS))

    ab = _simulate(0.15, rng)  # a real effect of 0.15 sd
    max_n = 2 * BATCH * LOOKS
    for k in ("msprt", "gst"):
        stopped = ab[k] > 0
        assert float(np.mean(stopped)) >= 0.95, k
        sizes = np.where(stopped, 2 * BATCH * ab[k], max_n)
        print(f"effect 0.15 sd: {k} stops in {np.mean(stopped):.4f} of repetitions, average sample {np.mean(sizes):.0f} "
              f"of at most {max_n} rows (both arms)")
        assert float(np.mean(sizes)) < max_n
