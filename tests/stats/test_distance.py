"""Binned distances against scipy and the textbook formulas."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.spatial.distance as ssd
import scipy.stats as ss
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from driftline import stats
from driftline.errors import EmptyInputError, InvalidArgumentError, InvalidCountError, LengthMismatchError

count = st.one_of(st.integers(0, 5).map(float), st.floats(0, 1e6), st.sampled_from([1e-300, 1e300, 0.0]))


@st.composite
def count_pair(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(1, 30))
    p = draw(hnp.arrays(np.float64, n, elements=count))
    q = draw(hnp.arrays(np.float64, n, elements=count))
    assume(p.sum() > 0 and q.sum() > 0 and np.isfinite(p.sum()) and np.isfinite(q.sum()))
    return p, q


# rtol 1e-12: the same formula in a different summation order differs by a few ulps per term.
RTOL = 1e-12


@given(count_pair(), st.sampled_from([None, 2.0, 10.0]))
def test_js_and_kl_match_scipy(pq: tuple[np.ndarray, np.ndarray], base: float | None) -> None:
    p, q = pq
    # The divergence is a sum of O(1) terms that cancel when p ~ q, so scipy's own result carries
    # an absolute error of about n * eps; compare divergences to that, distances via sqrt.
    ref = ssd.jensenshannon(p, q, base)
    np.testing.assert_allclose(stats.js_divergence(p, q, base), ref**2, rtol=1e-10, atol=len(p) * 4e-16)
    d = stats.jensenshannon(p, q, base)
    assert d == pytest.approx(ref, rel=1e-10, abs=len(p) * 4e-16 / max(d + ref, 1e-300))
    # KL is summed as non-negative terms p ln(p/q) - p + q; the added -p + q cancel only to the
    # rounding of the two normalisations (about n * eps), like the cancellation in scipy's sum
    np.testing.assert_allclose(stats.kl_divergence(p, q, base), ss.entropy(p, q, base=base), rtol=RTOL, atol=len(p) * 4e-16)


@given(count_pair())
def test_hellinger_tvd_linf_formulas(pq: tuple[np.ndarray, np.ndarray]) -> None:
    p, q = pq
    pn, qn = p / p.sum(), q / q.sum()
    np.testing.assert_allclose(stats.hellinger(p, q), np.sqrt(np.sum((np.sqrt(pn) - np.sqrt(qn)) ** 2) / 2), rtol=RTOL, atol=1e-15)
    np.testing.assert_allclose(stats.total_variation(p, q), np.abs(pn - qn).sum() / 2, rtol=RTOL, atol=1e-15)
    np.testing.assert_allclose(stats.linf(p, q), np.abs(pn - qn).max(), rtol=RTOL, atol=1e-15)
    assert 0.0 <= stats.hellinger(p, q) <= 1.0 + 1e-12
    assert stats.linf(p, q) <= stats.total_variation(p, q) + 1e-15


@given(count_pair(), st.sampled_from([1e-4, 1e-6, 0.01]))
def test_psi_formula_and_empty_bin_policies(pq: tuple[np.ndarray, np.ndarray], eps: float) -> None:
    e, a = pq
    en, an = np.maximum(e / e.sum(), eps), np.maximum(a / a.sum(), eps)
    np.testing.assert_allclose(stats.psi(e, a, eps=eps), np.sum((an - en) * np.log(an / en)), rtol=1e-10, atol=1e-14)
    es, as_ = (e + eps) / (e + eps).sum(), (a + eps) / (a + eps).sum()
    np.testing.assert_allclose(
        stats.psi(e, a, empty_bins="smooth", eps=eps), np.sum((as_ - es) * np.log(as_ / es)), rtol=1e-10, atol=1e-14
    )
    assert stats.psi(e, a) >= 0.0


def test_identical_distributions_are_at_distance_zero() -> None:
    p = np.array([3.0, 0.0, 7.0])
    for f in (stats.jensenshannon, stats.hellinger, stats.total_variation, stats.linf, stats.psi, stats.kl_divergence):
        assert f(p, 2 * p) == pytest.approx(0.0, abs=1e-15)


def test_errors_name_the_argument() -> None:
    with pytest.raises(LengthMismatchError, match="`p` and `q`"):
        stats.linf([1, 2], [1, 2, 3])
    with pytest.raises(InvalidCountError, match="`q`.*-1.*index 1"):
        stats.hellinger([1, 2], [1, -1])
    with pytest.raises(InvalidCountError, match="NaN at index 0"):
        stats.total_variation([np.nan, 1], [1, 1])
    with pytest.raises(EmptyInputError, match="`p`"):
        stats.jensenshannon([0, 0], [1, 1])
    with pytest.raises(EmptyInputError):
        stats.jensenshannon([], [])
    with pytest.raises(InvalidArgumentError, match="empty_bins"):
        stats.psi([1], [1], empty_bins="drop")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="base"):
        stats.kl_divergence([1, 1], [1, 1], base=1.0)
    # errors are also ValueErrors, as in scipy
    with pytest.raises(ValueError):
        stats.linf([1], [1, 1])


def test_kl_divergence_is_never_negative() -> None:
    p, q = [0.3, 0.3, 0.4], [0.3 + 1e-15, 0.3, 0.4 - 1e-15]
    # before the fix: -2.2e-17 (sum of p ln(p/q) over re-normalised proportions); the true
    # value is about 3e-30
    kl = stats.kl_divergence(p, q)
    assert 0.0 <= kl < 1e-28
    assert stats.js_divergence(p, q) >= 0.0 and stats.psi(p, q) >= 0.0


@given(count_pair(), st.sampled_from([None, 2.0]))
def test_divergences_are_non_negative(pq: tuple[np.ndarray, np.ndarray], base: float | None) -> None:
    p, q = pq
    for value in (
        stats.kl_divergence(p, q, base),
        stats.js_divergence(p, q, base),
        stats.psi(p, q),
        stats.psi(p, q, empty_bins="zeros"),
        stats.psi(p, q, empty_bins="smooth"),
    ):
        assert value >= 0.0


def test_psi_zeros_rule_is_evidentlys() -> None:
    # Evidently replaces only proportions that are exactly 0 (by 1e-4); "floor" raises every
    # proportion below eps, so a bin with 1e-5 differs between the two rules
    e = np.array([50_000.0, 49_999.0, 1.0])
    a = np.array([1.0, 1.0, 0.0])
    en, an = e / e.sum(), a / a.sum()

    def evidently(r: float, c: float) -> float:
        r, c = (r or 1e-4), (c or 1e-4)
        return (r - c) * np.log(r / c)

    want = sum(evidently(float(x), float(y)) for x, y in zip(en, an))
    assert stats.psi(e, a, empty_bins="zeros") == pytest.approx(want, rel=1e-12)
    assert stats.psi(e, a) != pytest.approx(want, rel=1e-3)
    with pytest.raises(InvalidArgumentError, match="zeros"):
        stats.psi(e, a, empty_bins="nope")  # type: ignore[arg-type]
