"""The batched battery decides exactly as the drift table's own functions do, one repetition at a
time: the statistics from the core's batch kernels equal the single kernels' (KS, Wasserstein, KLL
sketches, deciles, PSI, Jensen-Shannon, chi-square, L-infinity), and every test's decisions equal
those built from the drift table's threshold functions, on samples with ties, tiny and huge
magnitudes, a constant reference and unseen categories."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from driftline import stats
from driftline.benchdrift.battery import TESTS, categorical_batch, numeric_batch
from driftline.data_quality.baseline import BaselineFeature
from driftline.data_quality.checks import robust_correction
from driftline.data_quality.drift import _bins, _divergence_thresholds, _ks_critical, _wassersteinthreshold

ALPHA = 0.05


def reference_numeric(ref: np.ndarray, cur: np.ndarray) -> dict[str, bool]:
    """Each numeric test decided on one pair with the drift table's functions."""
    rk, ck = stats.KllSketch.of(ref, 2048, 0.64, 1), stats.KllSketch.of(cur, 2048, 0.64, 2)
    with np.errstate(all="ignore"):
        std = float(np.std(ref))
    feat = BaselineFeature(name="x", inferred_type="Fractional", num_present=len(ref), std_dev=std, kll=rk)
    n, m = float(len(ref)), float(len(cur))
    sk = stats.ks_sketch(rk, ck)
    out = {
        "ks": stats.ks_2samp(ref, cur).pvalue < ALPHA,
        "ks_sketch": sk.statistic > max(0.1, _ks_critical(rk.n, ck.n, ALPHA) + sk.error_bound),
        "ks_sketch_robust": max(0.0, sk.statistic - robust_correction(rk.n, ck.n)) > 0.1,
    }
    edges = _bins(feat)
    assert edges is not None
    expected = np.clip(rk.pmf(edges[1:-1], inclusive=False), 0, None)
    actual = stats.histogram(cur, edges)[0].astype(np.float64)
    psi, js = stats.psi(expected, actual), stats.jensenshannon(expected, actual, base=2)
    limits = _divergence_thresholds(n, m, len(expected), ALPHA)
    out |= {"psi": psi > limits[0], "psi_0.2": psi > 0.2, "js": js > limits[1]}
    spread = feat.std_dev or 0.0
    normed = stats.wasserstein_distance(ref, cur) / spread if spread > 0 else float("nan")
    out["wasserstein"] = bool(spread > 0 and np.isfinite(normed) and normed > _wassersteinthreshold(feat, n, m, ALPHA))
    return {k: bool(v) for k, v in out.items()}


def reference_categorical(b: np.ndarray, c: np.ndarray) -> dict[str, bool]:
    seen = (b + c) > 0
    b, c = b[seen].astype(np.float64), c[seen].astype(np.float64)
    n, m = float(b.sum()), float(c.sum())
    limits = _divergence_thresholds(n, m, len(b), ALPHA)
    linf, psi, js = stats.linf(b, c), stats.psi(b, c), stats.jensenshannon(b, c, base=2)
    return {
        "chi2": len(b) >= 2 and stats.chi2_contingency(np.vstack([b, c]), correction=False).pvalue < ALPHA,
        "linf_robust": max(0.0, linf - robust_correction(n, m)) > 0.1,
        "linf_0.1": linf > 0.1,
        "psi": psi > limits[0],
        "psi_0.2": psi > 0.2,
        "js": js > limits[1],
    }


def batch_decisions(kind: str, batch: object) -> dict[str, np.ndarray]:
    return {t.name: t.decide(kind, batch, ALPHA) for t in TESTS.values() if (t.numeric if kind == "numeric" else t.categorical)}  # type: ignore[arg-type]


def check_numeric(xs: np.ndarray, ys: np.ndarray) -> None:
    batch = numeric_batch(xs, ys)
    got = batch_decisions("numeric", batch)
    for r in range(len(xs)):
        ref, cur = xs[r], ys[r]
        ks = stats.ks_2samp(ref, cur)
        assert (batch.stats["ks_statistic"][r], batch.stats["ks_pvalue"][r]) == (ks.statistic, ks.pvalue)
        assert batch.stats["wasserstein"][r] == stats.wasserstein_distance(ref, cur)
        with np.errstate(all="ignore"):
            assert batch.spread[r] == np.std(ref)
        want = reference_numeric(ref, cur)
        assert {k: bool(v[r]) for k, v in got.items()} == want, r


@pytest.mark.parametrize("n,m", [(2, 2), (7, 30), (400, 400), (5000, 3000)])
def test_numeric_decisions_equal_the_drift_tables(n: int, m: int) -> None:
    rng = np.random.default_rng(n + m)
    xs = rng.normal(size=(6, n))
    ys = rng.normal(size=(6, m)) + np.linspace(0, 1.5, 6)[:, None]
    check_numeric(xs, ys)


def test_numeric_edge_cases() -> None:
    rng = np.random.default_rng(3)
    ties = rng.integers(0, 4, size=(4, 500)).astype(np.float64)
    check_numeric(ties, rng.integers(0, 5, size=(4, 500)).astype(np.float64))
    check_numeric(rng.normal(size=(3, 300)) * 1e-300, rng.normal(size=(3, 300)) * 1e-300)
    check_numeric(rng.normal(size=(3, 300)) * 1e300, rng.normal(size=(3, 300)) * 1.2e300)
    constant = np.full((2, 100), 3.0)
    batch = numeric_batch(constant, rng.normal(size=(2, 100)))
    assert not TESTS["wasserstein"].decide("numeric", batch, ALPHA).any()  # no spread: no Wasserstein verdict
    check_numeric(constant, rng.normal(size=(2, 100)))


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 60), st.integers(2, 60), st.integers(0, 2**32 - 1), st.sampled_from([1.0, 1e-9, 1e12]))
def test_numeric_decisions_property(n: int, m: int, seed: int, scale: float) -> None:
    rng = np.random.default_rng(seed)
    xs = np.round(rng.normal(size=(3, n)), 1) * scale  # rounding makes ties
    ys = np.round(rng.normal(size=(3, m)) + rng.uniform(0, 2), 1) * scale
    check_numeric(xs, ys)


def test_categorical_decisions_equal_the_drift_tables() -> None:
    rng = np.random.default_rng(5)
    p = np.array([0.4, 0.25, 0.15, 0.12, 0.08, 0.0])
    q = np.array([0.3, 0.25, 0.15, 0.12, 0.08, 0.1])
    for n in (5, 50, 2000):
        b, c = rng.multinomial(n, p, size=8), rng.multinomial(n, q, size=8)
        batch = categorical_batch(b, c)
        got = batch_decisions("categorical", batch)
        for r in range(8):
            assert {k: bool(v[r]) for k, v in got.items()} == reference_categorical(b[r], c[r]), (n, r)
    one = categorical_batch(np.array([[5, 0]]), np.array([[7, 0]]))  # one category: no chi-square verdict
    assert not TESTS["chi2"].decide("categorical", one, ALPHA).any()


def test_kernel_times_are_reported() -> None:
    rng = np.random.default_rng(0)
    batch = numeric_batch(rng.normal(size=(3, 20000)), rng.normal(size=(3, 20000)))
    assert set(batch.seconds) >= {"sort", "ks", "wasserstein", "kll_reference", "kll_window", "binning", "spread"}
    assert all(v >= 0 for v in batch.seconds.values()) and batch.seconds["sort"] > 0
    assert set(categorical_batch(np.array([[3, 4]]), np.array([[4, 3]])).seconds) == {"table", "chi2", "linf", "psi", "js"}
