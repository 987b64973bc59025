"""Shared test configuration: hypothesis profiles, adversarial sample strategies, and the marked
group of tests that read ../shared (skipped when that folder is not beside the project)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

settings.register_profile(
    "default",
    max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=bool(os.environ.get("CI")),
)
settings.load_profile("default")

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if SHARED.is_dir():
        return
    skip = pytest.mark.skip(reason=f"{SHARED} is not present (marked group `shared`)")
    for item in items:
        if "shared" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return SHARED


# Floats from every corner: huge and tiny magnitudes, subnormals, signed zeros.
any_finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
moderate = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
ties = st.integers(min_value=-3, max_value=3).map(float)
huge = st.sampled_from([1e300, -1e300, 1.5e300, 1e-300, -1e-300, 5e-324, 0.0, -0.0])


def samples(min_size: int = 1, max_size: int = 60, elements: st.SearchStrategy[float] | None = None) -> st.SearchStrategy[np.ndarray]:
    """1-D float64 arrays mixing the adversarial element kinds above."""
    el = elements if elements is not None else st.one_of(moderate, ties, huge, any_finite)
    return hnp.arrays(np.float64, st.integers(min_size, max_size), elements=el)


def with_specials(arr: np.ndarray, draw_nan: bool, draw_inf: bool) -> np.ndarray:
    out = arr.copy()
    if out.size and draw_nan:
        out[0] = np.nan
    if out.size > 1 and draw_inf:
        out[-1] = np.inf
    return out
