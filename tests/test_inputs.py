"""Input conversion: numpy dtypes, Polars, PyArrow, pandas; zero-copy where the buffer allows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from driftline import stats
from driftline._convert import to_float64
from driftline.errors import InvalidArgumentError

VALUES = [3.0, 1.0, 2.0, 2.0, 5.0]


@pytest.mark.parametrize(
    "source",
    [
        np.array(VALUES),
        np.array(VALUES, dtype=np.float32),
        np.array(VALUES, dtype=np.int64),
        np.array(VALUES, dtype=np.int8),
        np.array(VALUES, dtype=np.uint16),
        np.array(VALUES)[::-1][::-1],
        np.array([3.0, 0, 1.0, 0, 2.0, 0, 2.0, 0, 5.0])[::2],  # strided: copied
        pl.Series(VALUES),
        pl.Series([int(v) for v in VALUES], dtype=pl.Int32),
        pl.Series(VALUES, dtype=pl.Float32),
        pa.array(VALUES),
        pa.chunked_array([VALUES[:2], VALUES[2:]]),
        pa.array([int(v) for v in VALUES], type=pa.int16()),
        pd.Series(VALUES),
        VALUES,
        tuple(VALUES),
    ],
    ids=lambda s: f"{type(s).__module__.split('.')[0]}-{getattr(s, 'dtype', getattr(s, 'type', ''))}",
)
def test_every_source_gives_the_same_result(source: object) -> None:
    ref = np.array(source, dtype=np.float64) if isinstance(source, np.ndarray) else np.array(VALUES)
    assert stats.moments(source).to_state() == stats.moments(ref).to_state()
    assert stats.wasserstein_distance(source, [0.0, 1.0]) == stats.wasserstein_distance(ref, [0.0, 1.0])


def test_booleans_are_numbers() -> None:
    assert stats.moments(np.array([True, False, True])).mean == pytest.approx(2 / 3)
    assert stats.moments(pl.Series([True, None, False])).count == 2


def test_zero_copy_for_float64_buffers() -> None:
    x = np.arange(10.0)
    assert to_float64(x, "x") is x
    s = pl.Series(np.arange(10.0))
    assert np.shares_memory(to_float64(s, "x"), s.to_numpy())
    a = pa.array(np.arange(10.0))
    out = to_float64(a, "x")
    assert out.ctypes.data == a.buffers()[1].address


def test_nulls_become_missing() -> None:
    for src in (pl.Series([1.0, None, 3.0]), pa.array([1, None, 3]), pd.Series([1.0, None, 3.0])):
        out = to_float64(src, "x")
        assert np.isnan(out[1]) and out[0] == 1.0 and out[2] == 3.0


@pytest.mark.parametrize(
    "bad, match",
    [
        (np.array(["a", "b"]), "numeric"),
        (np.array([1 + 2j]), "real"),
        (np.zeros((2, 2)), "1-D"),
        (np.float64(3.0), "scalar"),
        (pl.Series(["a"]), "Polars dtype String"),
        (pl.DataFrame({"a": [1.0]}), "one column"),
        (pa.array(["a"]), "Arrow type string"),
        ([1.0, "x"], "numeric|numbers"),
    ],
)
def test_bad_inputs_name_the_argument(bad: object, match: str) -> None:
    with pytest.raises(InvalidArgumentError, match=match) as info:
        stats.wasserstein_distance(bad, [1.0])
    assert "`u_values`" in str(info.value)
