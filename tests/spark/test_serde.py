"""The profile's byte form (driftline.spark._serde): exact round trips, refusal of foreign bytes.
No Spark needed."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from driftline.errors import InvalidInputError
from driftline.profile import Profile
from driftline.spark import profile_from_bytes, profile_to_bytes
from driftline.spark._serde import FORMAT_VERSION, MAGIC


def _profile() -> Profile:
    rng = np.random.default_rng(0)
    n = 20_000
    return Profile.of(pl.DataFrame({
        "x": rng.normal(size=n),
        "k": rng.integers(0, 9, n),
        "s": rng.choice(["a", "b", "ü", "", "nan", "3"], n),
        "none": pl.Series([None] * n, dtype=pl.Float64),
        "t": rng.choice(["1.5", "inf", "x"], n),
    }))


def test_round_trip_is_exact() -> None:
    p = _profile()
    q = profile_from_bytes(profile_to_bytes(p))
    assert (q.item_count, q.kll_k, q.kll_c, q.category_cap, q.bad_records) == (p.item_count, p.kll_k, p.kll_c, p.category_cap, p.bad_records)
    assert list(q.columns) == list(p.columns)
    for name, a in p.columns.items():
        b = q.columns[name]
        assert (a.num_null, a.num_nan, a.num_inf, a.type_counts, a.category_counts, a.nonfinite_text, a.categories_exact) == \
            (b.num_null, b.num_nan, b.num_inf, b.type_counts, b.category_counts, b.nonfinite_text, b.categories_exact)
        assert np.array_equal(a.kmv, b.kmv) and b.kmv.dtype == np.uint64
        assert (a.moments is None) == (b.moments is None)
        if a.moments is not None and b.moments is not None:
            assert a.moments.to_state() == b.moments.to_state()  # bit for bit
        assert (a.kll is None) == (b.kll is None)
        if a.kll is not None and b.kll is not None:
            assert a.kll.to_bytes() == b.kll.to_bytes()
    # the round trip merges like the original
    assert profile_to_bytes(q.merge(p)) == profile_to_bytes(p.merge(p))


def test_foreign_bytes_are_refused() -> None:
    data = profile_to_bytes(_profile())
    assert data[:6] == MAGIC and data[6] == FORMAT_VERSION
    with pytest.raises(InvalidInputError, match="too short"):
        profile_from_bytes(b"DL")
    with pytest.raises(InvalidInputError, match="bad magic"):
        profile_from_bytes(b"X" + data[1:])
    with pytest.raises(InvalidInputError, match="version"):
        profile_from_bytes(data[:6] + bytes([FORMAT_VERSION + 1]) + data[7:])
    with pytest.raises(InvalidInputError):
        profile_from_bytes(data[:40])
    with pytest.raises(InvalidInputError):
        profile_from_bytes(data[:-100])
