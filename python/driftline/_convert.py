"""Turn user inputs (numpy, Polars, PyArrow, pandas, sequences) into the flat numpy buffers the
Rust core borrows.

Policy for missing values, the same for every kernel: a null (Polars/Arrow/pandas) becomes NaN,
and NaN is a missing value. ``nan_policy`` says what a statistic does with missing values:
``"omit"`` (the default) leaves them out, ``"propagate"`` returns NaN when there are any,
``"raise"`` raises :class:`~driftline.errors.InvalidInputError`. Infinities are ordinary values.

A C-contiguous float64 numpy array (or a null-free, single-chunk float64 Polars Series or
PyArrow array) is passed without a copy; anything else is converted once.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from driftline.errors import InvalidArgumentError, InvalidInputError

NanPolicy = Literal["omit", "propagate", "raise"]
NAN_POLICIES = ("omit", "propagate", "raise")

F64Array = npt.NDArray[np.float64]


def _module_name(x: object) -> str:
    return type(x).__module__.split(".", 1)[0]


def to_float64(x: Any, name: str) -> F64Array:
    """A 1-D C-contiguous float64 view (or, where the input needs it, copy) of ``x``."""
    mod = _module_name(x)
    try:
        if mod == "polars":
            import polars as pl

            if isinstance(x, pl.DataFrame | pl.LazyFrame):
                raise InvalidArgumentError(f"`{name}` must be one column, got a {type(x).__name__}")
            if not (x.dtype.is_numeric() or x.dtype == pl.Boolean):
                raise InvalidArgumentError(f"`{name}` must be numeric, got Polars dtype {x.dtype}")
            if x.dtype != pl.Float64:
                x = x.cast(pl.Float64)
            arr = x.to_numpy()  # zero-copy for a null-free single chunk; nulls become NaN
        elif mod == "pyarrow":
            import pyarrow as pa

            if isinstance(x, pa.ChunkedArray):
                x = x.combine_chunks()
            if not (pa.types.is_integer(x.type) or pa.types.is_floating(x.type) or pa.types.is_boolean(x.type)):
                raise InvalidArgumentError(f"`{name}` must be numeric, got Arrow type {x.type}")
            if x.type != pa.float64():
                x = x.cast(pa.float64())
            arr = x.to_numpy(zero_copy_only=False)
        elif mod == "pandas":
            arr = x.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            arr = np.asarray(x)
            if arr.dtype == object or arr.dtype.kind in "USV":
                raise InvalidArgumentError(f"`{name}` must be numeric, got numpy dtype {arr.dtype}")
            if arr.dtype.kind == "c":
                raise InvalidArgumentError(f"`{name}` must be real, got complex values")
    except (TypeError, ValueError) as e:
        if isinstance(e, InvalidInputError):
            raise
        raise InvalidArgumentError(f"`{name}` cannot be read as numbers: {e}") from e
    arr = np.asarray(arr)
    if arr.ndim != 1:
        if arr.ndim == 0:
            raise InvalidArgumentError(f"`{name}` must be 1-D, got a scalar")
        raise InvalidArgumentError(f"`{name}` must be 1-D, got shape {arr.shape}")
    return np.ascontiguousarray(arr, dtype=np.float64)


def is_float32(x: Any) -> bool:
    """Whether ``x`` holds float32 values (numpy, Polars, PyArrow, pandas), for which numpy's
    histogram computes in float32."""
    mod = _module_name(x)
    if mod == "polars":
        import polars as pl

        return isinstance(x, pl.Series) and x.dtype == pl.Float32
    if mod == "pyarrow":
        import pyarrow as pa

        return bool(getattr(x, "type", None) == pa.float32())
    dtype = getattr(x, "dtype", None)
    if dtype is None:
        return False
    try:
        return bool(np.dtype(dtype) == np.float32)
    except TypeError:
        return str(dtype) == "Float32"  # pandas' nullable Float32


def check_nan_policy(nan_policy: str) -> None:
    if nan_policy not in NAN_POLICIES:
        raise InvalidArgumentError(f"nan_policy must be one of {NAN_POLICIES}, got {nan_policy!r}")


def has_missing(name: str, x: F64Array, nan_policy: str) -> bool:
    """Apply ``nan_policy`` to ``x``: True when the result must be NaN ("propagate")."""
    check_nan_policy(nan_policy)
    if nan_policy == "omit":
        return False
    if np.isnan(x).any():
        if nan_policy == "raise":
            raise InvalidInputError(f"`{name}` holds missing values (NaN or null) and nan_policy='raise'")
        return True
    return False


def to_counts(x: Any, name: str) -> F64Array:
    """Counts or weights as float64; validity (finite, non-negative) is checked by the core."""
    return to_float64(x, name)
