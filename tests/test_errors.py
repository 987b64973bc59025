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


def test_out_of_memory_error_is_a_memory_error_and_a_driftline_error() -> None:
    assert issubclass(errors.OutOfMemoryError, errors.DriftlineError)
    assert issubclass(errors.OutOfMemoryError, MemoryError)
    assert not issubclass(errors.OutOfMemoryError, ValueError)


def test_bad_record_message_names_the_cli_flag_too() -> None:
    from driftline.io.records import BadRecord, BadRecords

    first = BadRecord(file="a.jsonl", line=3, kind="json", message="truncated JSON")
    report = BadRecords(total=1, counts={"json": 1}, records=(first,), files=1)
    msg = str(errors.BadRecordError(report))
    assert "a.jsonl line 3 (json)" in msg
    assert "on_bad_record='skip'" in msg and "--on-bad-record skip" in msg
    assert isinstance(errors.BadRecordError(report), errors.InvalidInputError)


def test_size_arguments_name_themselves() -> None:
    # PyO3's own unsigned conversion raised an OverflowError naming nothing
    with pytest.raises(errors.InvalidArgumentError, match="`k`"):
        stats.KllSketch(k=-1)
    with pytest.raises(errors.InvalidArgumentError, match="`n_buckets`"):
        stats.KllSketch().buckets(0)
    with pytest.raises(errors.InvalidArgumentError, match="`bins`"):
        stats.histogram([1.0], 2**24 + 1)
    with pytest.raises(errors.InvalidArgumentError, match="`k`"):
        _core.kmv_update(np.zeros(0, np.uint64), np.zeros(0, np.uint64), -5)


def test_count_strings_validity_offset_cannot_overflow() -> None:
    offsets, data, bits = np.array([0, 1], dtype=np.int64), np.frombuffer(b"a", dtype=np.uint8), np.array([1], dtype=np.uint8)
    with pytest.raises(errors.InvalidArgumentError, match="validity"):
        _core.count_strings(offsets, data, bits, 2**64 - 1)  # offset + length wrapped around before
    with pytest.raises(errors.InvalidArgumentError, match="validity_offset"):
        _core.count_strings(offsets, data, bits, -1)
