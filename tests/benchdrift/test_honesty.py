"""The benchmark's honesty checks: p-value tests hold their level, power rises with effect and
sample size, the same seed gives the same table, and a distance-threshold test reports the
false-positive rate a direct simulation gives. Sizes up to 10^4, seeded."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from driftline.benchdrift import bench_drift, clopper_pearson
from driftline.benchdrift.report import csv_text

SIZES = (100, 1000, 10000)
ALPHA = 0.05
CONF = 0.999  # intervals in the checks: 99.9 % Clopper-Pearson


def test_clopper_pearson_matches_beta_quantiles() -> None:
    for k, n in [(0, 10), (1, 10), (7, 200), (200, 200), (37, 1000)]:
        lo, hi = clopper_pearson(k, n, 0.99)
        want_lo = 0.0 if k == 0 else sps.beta.ppf(0.005, k, n - k + 1)
        want_hi = 1.0 if k == n else sps.beta.ppf(0.995, k + 1, n - k)
        assert lo == pytest.approx(want_lo, abs=1e-9)
        assert hi == pytest.approx(want_hi, abs=1e-9)


def test_pvalue_tests_hold_alpha_under_no_drift_at_every_size() -> None:
    # 1000 repetitions: the 99.9 % interval is about alpha +/- 0.023
    r = bench_drift(tests=["ks", "chi2"], scenarios=["no_drift"], sizes=SIZES, reps=1000, alpha=ALPHA, seed=11,
                    confidence=CONF, timing=False)
    assert {(row.test, row.n) for row in r.rows} == {(t, n) for t in ("ks", "chi2") for n in SIZES}
    for row in r.rows:
        assert row.reps == 1000
        assert row.ci_low <= ALPHA <= row.ci_high, row
        assert row.false_alarms_per_day == pytest.approx(24 * row.rate)


MONOTONE_IN_N = ("ks", "chi2")  # pure significance tests; thresholds with floors (psi > max(0.2, q)) need not be


def _check_monotone(r: object, scenario: str, tests: set[str], in_n: bool) -> None:
    rows = [row for row in r.rows if row.scenario == scenario and row.test in tests]  # type: ignore[attr-defined]
    assert rows
    effects = sorted({row.effect for row in rows})
    sizes = sorted({row.n for row in rows})
    cell = {(row.test, row.effect, row.n): row for row in rows}
    for test in tests:
        for n in sizes:
            for a, b in zip(effects, effects[1:]):
                lo, hi = cell[test, a, n], cell[test, b, n]
                assert hi.ci_high >= lo.ci_low, (test, n, a, b, lo.rate, hi.rate)  # never significantly lower
        if in_n and test in MONOTONE_IN_N:
            for e in effects:
                for a, b in zip(sizes, sizes[1:]):
                    lo, hi = cell[test, e, a], cell[test, e, b]
                    assert hi.ci_high >= lo.ci_low, (test, e, a, b, lo.rate, hi.rate)
                assert cell[test, e, sizes[-1]].rate > cell[test, e, sizes[0]].rate
    # and it really rises: the largest effect at the largest n beats the smallest at the smallest n
    for test in tests:
        assert cell[test, effects[-1], sizes[-1]].rate > cell[test, effects[0], sizes[0]].rate + 0.2, test


def test_power_rises_with_effect_and_sample_size_numeric() -> None:
    numeric = {"ks", "ks_sketch", "ks_sketch_robust", "psi", "js", "wasserstein"}
    r = bench_drift(tests=sorted(numeric), scenarios=["mean_shift"], effects=[0.1, 0.25, 0.6], sizes=SIZES, reps=100,
                    seed=5, confidence=CONF, timing=False)
    _check_monotone(r, "mean_shift", numeric, in_n=True)


def test_power_rises_with_effect_and_sample_size_categorical() -> None:
    categorical = {"chi2", "linf_robust", "psi", "js"}
    r = bench_drift(tests=sorted(categorical), scenarios=["category_frequency_shift"], effects=[0.02, 0.06, 0.15],
                    sizes=SIZES, reps=200, seed=6, confidence=CONF, timing=False)
    _check_monotone(r, "category_frequency_shift", categorical, in_n=True)


def test_same_seed_same_table() -> None:
    kw = dict(tests=["ks", "psi_0.2", "chi2", "linf_0.1", "ks_sketch"], scenarios=["no_drift", "mean_shift", "new_category"],
              effects=[0.1], sizes=(100, 1000), reps=30, timing=False)
    a = csv_text(bench_drift(seed=3, **kw))  # type: ignore[arg-type]
    b = csv_text(bench_drift(seed=3, **kw))  # type: ignore[arg-type]
    c = csv_text(bench_drift(seed=4, **kw))  # type: ignore[arg-type]
    assert a.encode() == b.encode()
    assert a != c
    # with timing on, only seconds_per_test differs
    timed = csv_text(bench_drift(seed=3, **{**kw, "timing": True}))  # type: ignore[arg-type]
    strip = [line.split(",")[:9] + line.split(",")[10:] for line in a.splitlines()]
    assert strip == [line.split(",")[:9] + line.split(",")[10:] for line in timed.splitlines()]
    assert all(line.split(",")[9] for line in timed.splitlines()[1:])
    # the samples do not depend on which other tests run
    alone = bench_drift(seed=3, **{**kw, "tests": ["ks"]})  # type: ignore[arg-type]
    together = bench_drift(seed=3, **kw)  # type: ignore[arg-type]
    assert [(x.n, x.rejections) for x in alone.rows] == [(x.n, x.rejections) for x in together.rows if x.test == "ks"]


def _psi(e: np.ndarray, a: np.ndarray) -> float:
    p = np.maximum(e / e.sum(), 1e-4)
    q = np.maximum(a / a.sum(), 1e-4)
    return float(np.sum((q - p) * np.log(q / p)))


def _agree(k1: int, n1: int, k2: int, n2: int) -> None:
    """Two binomial estimates of one rate agree (two-proportion z-test, |z| < 3.29, i.e. 99.9 %)."""
    p = (k1 + k2) / (n1 + n2)
    se = math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
    assert se > 0 and abs(k1 / n1 - k2 / n2) / se < 3.29, (k1, n1, k2, n2)


def test_psi_rule_of_thumb_reports_its_real_false_positive_rate() -> None:
    """PSI > 0.2 on the reference's deciles, n = 100: the harness's no-drift rate is what a direct
    simulation (numpy only: empirical deciles, np.histogram, PSI with proportions floored at 1e-4)
    gives, and it is far above alpha, as the README states."""
    n, reps = 100, 400
    r = bench_drift(tests=["psi_0.2"], scenarios=["no_drift"], sizes=[n], reps=reps, seed=21, timing=False)
    row = r.row("psi_0.2", "no_drift", 0.0, n, kind="numeric")
    rng = np.random.default_rng(12345)
    hits = 0
    for _ in range(reps):
        x, y = rng.standard_normal(n), rng.standard_normal(n)
        inner = np.unique(np.quantile(x, np.linspace(0.1, 0.9, 9), method="inverted_cdf"))
        edges = np.concatenate([[-np.inf], inner, [np.inf]])
        e = np.array([np.sum((x >= lo) & (x < hi)) for lo, hi in zip(edges[:-1], edges[1:])], dtype=float)
        a = np.array([np.sum((y >= lo) & (y < hi)) for lo, hi in zip(edges[:-1], edges[1:])], dtype=float)
        hits += _psi(e, a) > 0.2
    _agree(row.rejections, reps, hits, reps)
    assert row.rate > 0.25  # the rule of thumb is no 5 % test on small windows
    assert row.ci_low > ALPHA


def test_linf_rule_of_thumb_reports_its_real_false_positive_rate() -> None:
    n, reps = 100, 400
    r = bench_drift(tests=["linf_0.1"], scenarios=["no_drift"], sizes=[n], reps=reps, seed=22, timing=False)
    row = r.row("linf_0.1", "no_drift", 0.0, n, kind="categorical")
    rng = np.random.default_rng(54321)
    p = np.array([0.40, 0.25, 0.15, 0.12, 0.08])
    b, c = rng.multinomial(n, p, size=reps), rng.multinomial(n, p, size=reps)
    hits = int(np.sum(np.max(np.abs(b / n - c / n), axis=1) > 0.1))
    _agree(row.rejections, reps, hits, reps)
    assert row.ci_low > ALPHA
