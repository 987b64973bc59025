"""The error hierarchy, and proof that a panic in the core never reaches Python as a panic."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import driftline
from driftline import _core, errors, stats


def test_hierarchy() -> None:
    for cls in (errors.EmptyInputError, errors.LengthMismatchError, errors.InvalidCountError, errors.InvalidArgumentError):
        assert issubclass(cls, errors.InvalidInputError)
        assert issubclass(cls, errors.DriftlineError)
        assert issubclass(cls, ValueError)
    assert issubclass(errors.InternalError, errors.DriftlineError)
    assert not issubclass(errors.InternalError, ValueError)


def test_panic_becomes_internal_error() -> None:
    # _panic_in_kernel panics inside the same `run` wrapper every kernel goes through.
    with pytest.raises(errors.InternalError, match="deliberate panic"):
        _core._panic_in_kernel()


def test_version() -> None:
    assert driftline.__version__ == _core.__version__
    assert driftline.__version__.count(".") == 2


junk = st.one_of(
    st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=8),
    st.lists(st.integers(-(2**40), 2**40), max_size=8),
    st.just([]),
)


@given(junk, junk)
def test_no_kernel_lets_a_panic_through(a: list[float], b: list[float]) -> None:
    """Any input either works or raises a DriftlineError; nothing else escapes."""
    calls = [
        lambda: stats.histogram(a, b if len(b) else 3),
        lambda: stats.moments(a),
        lambda: stats.psi(a, b),
        lambda: stats.jensenshannon(a, b),
        lambda: stats.kl_divergence(a, b),
        lambda: stats.hellinger(a, b),
        lambda: stats.wasserstein_distance(a, b, b if len(b) == len(a) else None),
        lambda: stats.energy_distance(a, b),
        lambda: stats.ndcg(a, b),
        lambda: stats.count_categories([str(v) for v in a]),
    ]
    for call in calls:
        try:
            call()
        except errors.DriftlineError:
            pass


def test_count_codes_out_of_range_is_an_error() -> None:
    with pytest.raises(errors.InvalidArgumentError, match="index 1"):
        _core.count_codes(np.array([0, 7], dtype=np.uint32), 3)
