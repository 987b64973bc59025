"""False discovery rate control of many tests' p-values."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from driftline import _core
from driftline.errors import InvalidArgumentError

__all__ = ["false_discovery_control"]


def false_discovery_control(ps: Any, *, axis: int | None = 0, method: Literal["bh", "by"] = "bh") -> Any:
    """Adjusted p-values controlling the false discovery rate; matches
    ``scipy.stats.false_discovery_control`` (name, arguments, result, bit for bit).

    Along ``axis`` (``None``: the flattened input), with the ``m`` p-values sorted ascending,
    ``q_(j) = min_{t >= j} p_(t) · m / t``, clipped to [0, 1], each returned at its p-value's
    position: Benjamini and Hochberg (1995), "Controlling the false discovery rate", JRSS B 57,
    adjusted as R's ``p.adjust(method="BH")``. ``method="by"`` multiplies by ``Σ_{i<=m} 1/i``
    (Benjamini and Yekutieli 2001), valid under any dependence between the tests. Rejecting the
    tests with ``q < alpha`` keeps the expected share of false discoveries at most ``alpha``.
    Every value must lie in [0, 1] (NaN too is an :class:`~driftline.errors.InvalidArgumentError`,
    a ``ValueError``, as in scipy). Computed by ``rust/core/src/stats/fdr.rs``."""
    arr = np.asarray(ps)
    if not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)) or arr.dtype == np.bool_:
        raise InvalidArgumentError("`ps` must include only numbers between 0 and 1.")
    if not isinstance(method, str):
        raise InvalidArgumentError(f"Unrecognized `method` '{method}'.Method must be one of {{'bh', 'by'}}.")
    values: npt.NDArray[np.float64] = arr.astype(np.float64)
    if not np.all((values >= 0.0) & (values <= 1.0)):
        raise InvalidArgumentError("`ps` must include only numbers between 0 and 1.")
    if method.lower() not in ("bh", "by"):
        raise InvalidArgumentError(f"Unrecognized `method` '{method}'.Method must be one of {{'bh', 'by'}}.")
    if axis is None:
        axis, values = 0, values.ravel()
    if isinstance(axis, bool) or not isinstance(axis, int | np.integer):
        raise InvalidArgumentError("`axis` must be an integer or `None`")
    axis = int(axis)
    if values.size <= 1 or values.shape[axis] <= 1:
        return values[()] if values.ndim == 0 else values
    moved = np.moveaxis(values, axis, -1)
    rows = np.ascontiguousarray(moved).reshape(-1, moved.shape[-1])
    adjusted = _core.false_discovery_control(rows, method.lower()).reshape(moved.shape)
    return np.moveaxis(adjusted, -1, axis)
