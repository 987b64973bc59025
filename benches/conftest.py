"""Shared data for the benchmarks: seeded samples, cached by size, and the reference results
computed once per session so a benchmark round times only the implementation under test."""

from __future__ import annotations

import functools
import os

import numpy as np
import pytest

SIZES = [
    pytest.param(100_000, id="1e5"),
    pytest.param(1_000_000, id="1e6"),
    pytest.param(10_000_000, id="1e7", marks=pytest.mark.slow),
]


@functools.lru_cache(maxsize=8)
def normal(n: int, seed: int = 0, shift: float = 0.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n) + shift
    x.flags.writeable = False
    return x


def threads() -> str:
    return os.environ.get("RAYON_NUM_THREADS", "all")
