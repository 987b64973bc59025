"""driftline.stats.false_discovery_control against scipy.stats.false_discovery_control: equal bit
for bit on random p-values (ties, 0 and 1, tiny values), along any axis, both methods."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from driftline import stats
from driftline.errors import InvalidArgumentError

pvalue = st.one_of(st.floats(0.0, 1.0), st.sampled_from([0.0, 1.0, 0.05, 0.5, 1e-300, 5e-324]))


@given(ps=hnp.arrays(np.float64, st.integers(0, 60), elements=pvalue), method=st.sampled_from(["bh", "by", "BH"]))
def test_equals_scipy_on_vectors(ps: np.ndarray, method: str) -> None:
    got = stats.false_discovery_control(ps, method=method)  # type: ignore[arg-type]
    want = scipy.stats.false_discovery_control(ps, method=method)
    np.testing.assert_array_equal(got, want)


@given(ps=hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=6), elements=pvalue),
       axis=st.sampled_from([0, 1, 2, -1, None]), method=st.sampled_from(["bh", "by"]))
def test_equals_scipy_along_an_axis(ps: np.ndarray, axis: int | None, method: str) -> None:
    if axis is not None and not -ps.ndim <= axis < ps.ndim:
        axis = 0
    got = stats.false_discovery_control(ps, axis=axis, method=method)  # type: ignore[arg-type]
    want = scipy.stats.false_discovery_control(ps, axis=axis, method=method)
    assert np.shape(got) == np.shape(want)
    np.testing.assert_array_equal(got, want)


def test_a_worked_example_and_lists() -> None:
    # sorted 0.005, 0.01, 0.03, 0.04, 0.5 times 5/1 .. 5/5, then the running minimum from the right
    got = stats.false_discovery_control([0.01, 0.04, 0.03, 0.005, 0.5])
    np.testing.assert_allclose(got, [0.025, 0.05, 0.05, 0.025, 0.5], rtol=1e-15)
    assert stats.false_discovery_control(0.3) == 0.3
    assert stats.false_discovery_control([0.3]).tolist() == [0.3]


@pytest.mark.parametrize("bad", [[0.1, np.nan], [0.1, 1.5], [-0.1, 0.2], ["a", "b"]])
def test_values_outside_the_unit_interval_are_errors(bad: list[object]) -> None:
    with pytest.raises(InvalidArgumentError, match="between 0 and 1"):
        stats.false_discovery_control(bad)
    with pytest.raises(ValueError):
        scipy.stats.false_discovery_control(bad)


def test_method_and_axis_are_checked() -> None:
    with pytest.raises(InvalidArgumentError, match="method"):
        stats.false_discovery_control([0.1, 0.2], method="holm")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="axis"):
        stats.false_discovery_control([0.1, 0.2], axis=0.5)  # type: ignore[arg-type]
