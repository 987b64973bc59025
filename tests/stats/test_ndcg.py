"""Clarify's attribution-drift NDCG against sklearn.metrics.ndcg_score and the worked example."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.stats import rankdata
from sklearn.metrics import ndcg_score

from driftline import stats
from driftline.errors import EmptyInputError, InvalidArgumentError, InvalidInputError, LengthMismatchError

gain = st.one_of(st.floats(0, 1e3), st.sampled_from([0.0, 1.0, 0.5, 1e-300, 1e300]))
score = st.one_of(st.floats(-1e3, 1e3), st.sampled_from([0.0, 1.0, 0.5]))  # repeated values: ties


@st.composite
def attributions(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(2, 25))
    return draw(hnp.arrays(np.float64, n, elements=gain)), draw(hnp.arrays(np.float64, n, elements=score))


def _unit(b: np.ndarray) -> np.ndarray:
    """Gains scaled exactly (by a power of two) to a largest gain in [0.5, 1): NDCG does not
    change, and scikit-learn's discounted subnormal gains (5e-324 / log2(3)) no longer round."""
    big = float(b.max())
    return b / np.ldexp(1.0, np.frexp(big)[1]) if big > 0 else b


pytestmark = pytest.mark.filterwarnings("ignore:invalid value encountered in cast:RuntimeWarning")


# rtol 1e-12: both compute the same sums of n <= 25 terms, in different orders.
@given(attributions())
def test_matches_sklearn_with_ties(ab: tuple[np.ndarray, np.ndarray]) -> None:
    b, c = ab
    assume(np.isfinite(np.sum(b)))
    np.testing.assert_allclose(stats.ndcg(b, c), ndcg_score([_unit(b)], [c]), rtol=1e-12, atol=1e-15)


@st.composite
def untied(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(2, 25))
    return draw(hnp.arrays(np.float64, n, elements=gain)), draw(hnp.arrays(np.float64, n, elements=st.floats(-1e3, 1e3), unique=True))


@given(untied())
def test_matches_sklearn_ignore_ties(ab: tuple[np.ndarray, np.ndarray]) -> None:
    b, c = ab
    assume(np.isfinite(np.sum(b)))
    np.testing.assert_allclose(stats.ndcg(b, c, ignore_ties=True), ndcg_score([_unit(b)], [c], ignore_ties=True), rtol=1e-12, atol=1e-15)


def test_clarify_worked_example_and_bounds() -> None:
    # research notes: baseline SAT 0.70, GPA 0.50, rank 0.05; live order [rank, GPA, SAT] -> 0.6876
    assert stats.ndcg([0.70, 0.50, 0.05], [0.01, 0.2, 0.9]) == pytest.approx(0.6876, abs=5e-5)
    assert stats.ndcg([0.70, 0.50, 0.05], [0.5, 0.4, 0.1]) == 1.0
    assert stats.ndcg([0.0, 0.0], [1.0, 2.0]) == 0.0  # sklearn's convention for a zero ideal DCG
    assert stats.ndcg([0.3], [0.9]) == 1.0


def test_errors() -> None:
    with pytest.raises(LengthMismatchError):
        stats.ndcg([1.0, 2.0], [1.0])
    with pytest.raises(EmptyInputError):
        stats.ndcg([], [])
    with pytest.raises(InvalidArgumentError, match="current_attributions|current"):
        stats.ndcg([1.0, 2.0], [1.0, np.nan])


@given(attributions())
def test_ignore_ties_matches_sklearn_on_a_stable_argsort(ab: tuple[np.ndarray, np.ndarray]) -> None:
    # scikit-learn ranks by np.argsort(scores)[::-1]; numpy's default sort is not stable, so
    # with ties its result is defined only where that sort keeps ties in index order. Ranking
    # by ordinal ranks (ties in index order) removes the ties and gives that defined result.
    b, c = ab
    assume(np.isfinite(np.sum(b)))
    ours = stats.ndcg(b, c, ignore_ties=True)
    np.testing.assert_allclose(ours, ndcg_score([_unit(b)], [rankdata(c, method="ordinal")], ignore_ties=True), rtol=1e-12, atol=1e-15)
    if (np.argsort(c) == np.argsort(c, kind="stable")).all():
        np.testing.assert_allclose(ours, ndcg_score([_unit(b)], [c], ignore_ties=True), rtol=1e-12, atol=1e-15)


def test_ignore_ties_uninformative_ranking_is_not_perfect() -> None:
    # before the fix ties were taken first index first: an all-tied live ranking scored 1.0
    assert stats.ndcg([3.0, 2.0, 1.0], [0.0, 0.0, 0.0], ignore_ties=True) == pytest.approx(
        ndcg_score([[3.0, 2.0, 1.0]], [[0.0, 0.0, 0.0]], ignore_ties=True), rel=1e-15
    )
    assert stats.ndcg([3.0, 2.0, 1.0], [0.0, 0.0, 0.0], ignore_ties=True) < 0.8


def test_negative_gains_are_refused_like_sklearn() -> None:
    with pytest.raises(ValueError, match="negative"):
        ndcg_score([[1.0, -0.5]], [[1.0, 2.0]])
    with pytest.raises(InvalidInputError, match="`baseline_attributions`.*non-negative"):
        stats.ndcg([1.0, -0.5], [1.0, 2.0])
    assert stats.ndcg([1.0, -0.0], [1.0, 2.0]) == pytest.approx(ndcg_score([[1.0, 0.0]], [[1.0, 2.0]]))
