"""KLL sketch build and merge: driftline vs Apache DataSketches' kll_doubles_sketch at the same k.

Each test checks its result: the median the sketch returns must have a true rank within the
sketch's stated error bound (the same bound, DataSketches' fit, for both implementations).
"""

from __future__ import annotations

import functools
from typing import Any

import datasketches as dsk
import numpy as np
import pytest

from benches.conftest import SIZES, normal, threads
from driftline.stats import KllSketch

KS = [200, 2048]  # DataSketches' default and SageMaker's
PARTS = 100


@functools.lru_cache(maxsize=4)
def values(n: int) -> np.ndarray:
    # DataSketches' update rejects read-only arrays; both implementations get this writable copy
    return normal(n).copy()


@functools.lru_cache(maxsize=4)
def sorted_values(n: int) -> np.ndarray:
    return np.sort(normal(n))


def check_median(n: int, k: int, median: float) -> None:
    s = sorted_values(n)
    lo, hi = np.searchsorted(s, median, "left") / n, np.searchsorted(s, median, "right") / n
    eps = dsk.kll_doubles_sketch.get_normalized_rank_error(k, False)
    assert lo - eps <= 0.5 <= hi + eps, (median, lo, hi, eps)


def build(impl: str, k: int, x: np.ndarray) -> Any:
    if impl == "driftline":
        sk = KllSketch(k)
        sk.update(x)
        return sk
    ref = dsk.kll_doubles_sketch(k)
    ref.update(x)
    return ref


def median(impl: str, sk: Any) -> float:
    return float(sk.quantile(0.5) if impl == "driftline" else sk.get_quantile(0.5, True))


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("k", KS)
@pytest.mark.parametrize("impl", ["driftline", "datasketches"])
def test_kll_update(benchmark: Any, impl: str, k: int, n: int) -> None:
    benchmark.group = f"kll-update-{n:.0e}".replace("+0", "")
    benchmark.extra_info["threads"] = threads()
    sk = benchmark(build, impl, k, values(n))
    assert sk.n == n
    check_median(n, k, median(impl, sk))


@functools.lru_cache(maxsize=4)
def parts(impl: str, k: int, n: int) -> tuple[Any, ...]:
    return tuple(build(impl, k, p) for p in np.array_split(values(n), PARTS))


def merge_all(impl: str, k: int, sketches: tuple[Any, ...]) -> Any:
    out = KllSketch(k) if impl == "driftline" else dsk.kll_doubles_sketch(k)
    for sk in sketches:
        out.merge(sk)
    return out


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("k", KS)
@pytest.mark.parametrize("impl", ["driftline", "datasketches"])
def test_kll_merge(benchmark: Any, impl: str, k: int, n: int) -> None:
    """Merge 100 sketches of n/100 values each (built outside the timing)."""
    benchmark.group = "kll-merge"
    benchmark.extra_info["threads"] = threads()
    sketches = parts(impl, k, n)
    merged = benchmark(merge_all, impl, k, sketches)
    assert merged.n == n
    check_median(n, k, median(impl, merged))
