"""Wasserstein-1 and energy distance against scipy.stats."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as ss
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from driftline import stats
from driftline.errors import EmptyInputError, InvalidArgumentError, InvalidCountError
from tests.conftest import moderate, samples, ties

# rtol 1e-9 (the bar): scipy sums with numpy's pairwise sum, driftline with a compensated
# sequential sum; both are within a few ulps of the exact sum of non-negative terms.
RTOL = 1e-9


@given(samples(elements=st.one_of(moderate, ties)), samples(elements=st.one_of(moderate, ties)))
def test_unweighted_matches_scipy(u: np.ndarray, v: np.ndarray) -> None:
    np.testing.assert_allclose(stats.wasserstein_distance(u, v), ss.wasserstein_distance(u, v), rtol=RTOL, atol=1e-300)
    np.testing.assert_allclose(stats.energy_distance(u, v), ss.energy_distance(u, v), rtol=RTOL, atol=1e-300)


@given(samples(), samples())
def test_adversarial_magnitudes_match_scipy(u: np.ndarray, v: np.ndarray) -> None:
    with np.errstate(all="ignore"):
        ref_w = ss.wasserstein_distance(u, v)
        ref_e = ss.energy_distance(u, v)
    np.testing.assert_allclose(stats.wasserstein_distance(u, v), ref_w, rtol=RTOL, atol=1e-300)
    np.testing.assert_allclose(stats.energy_distance(u, v), ref_e, rtol=RTOL, atol=1e-300)


@st.composite
def weighted(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(1, 40))
    x = draw(hnp.arrays(np.float64, n, elements=st.one_of(moderate, ties)))
    w = draw(hnp.arrays(np.float64, n, elements=st.one_of(st.floats(0, 100), st.just(0.0))))
    assume(w.sum() > 0)
    return x, w


@given(weighted(), weighted())
def test_weighted_matches_scipy(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> None:
    (u, uw), (v, vw) = a, b
    # Cumulative weights are summed in a different order within tied values, so each CDF step
    # may differ by a few ulps; over the data's span that is an absolute error of ~eps * span.
    span = float(np.ptp(np.concatenate([u, v])))
    np.testing.assert_allclose(stats.wasserstein_distance(u, v, uw, vw), ss.wasserstein_distance(u, v, uw, vw), rtol=RTOL, atol=1e-13 * max(span, 1.0))
    np.testing.assert_allclose(stats.energy_distance(u, v, uw, vw), ss.energy_distance(u, v, uw, vw), rtol=RTOL, atol=1e-13 * np.sqrt(max(span, 1.0)))


@pytest.mark.parametrize(
    "u, v",
    [([0.0, np.inf], [1.0, 2.0]), ([np.inf, np.inf], [1.0, 2.0]), ([-np.inf, 0.0], [0.0]), ([1.0], [1.0]), ([5.0], [5.0, 5.0])],
)
def test_infinities_and_point_masses_like_scipy(u: list[float], v: list[float]) -> None:
    with np.errstate(all="ignore"):
        ref = ss.wasserstein_distance(u, v)
    np.testing.assert_equal(stats.wasserstein_distance(u, v), ref)


def test_large_inputs() -> None:
    rng = np.random.default_rng(11)
    u, v = rng.normal(size=1_000_000), rng.normal(0.05, 1.1, size=999_999)
    np.testing.assert_allclose(stats.wasserstein_distance(u, v), ss.wasserstein_distance(u, v), rtol=RTOL)
    np.testing.assert_allclose(stats.energy_distance(u, v), ss.energy_distance(u, v), rtol=RTOL)


def test_nan_policy() -> None:
    u, v = np.array([1.0, np.nan, 3.0]), np.array([2.0, 4.0])
    assert stats.wasserstein_distance(u, v) == pytest.approx(ss.wasserstein_distance([1.0, 3.0], v))
    assert np.isnan(stats.wasserstein_distance(u, v, nan_policy="propagate"))
    with pytest.raises(ValueError, match="nan_policy='raise'"):
        stats.energy_distance(u, v, nan_policy="raise")
    with pytest.raises(InvalidArgumentError, match="nan_policy"):
        stats.energy_distance(u, v, nan_policy="drop")  # type: ignore[arg-type]


def test_errors() -> None:
    with pytest.raises(EmptyInputError, match="u_values"):
        stats.wasserstein_distance([], [1.0])
    with pytest.raises(InvalidCountError, match="v_weights"):
        stats.wasserstein_distance([1.0], [1.0, 2.0], None, [1.0, -2.0])
    with pytest.raises(InvalidArgumentError, match="positive"):
        stats.energy_distance([1.0], [1.0], [0.0], None)
    with pytest.raises(ValueError, match="same length"):
        stats.energy_distance([1.0, 2.0], [1.0], [1.0], None)
