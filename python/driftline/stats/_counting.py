"""Counting: histograms, category counts and mergeable moments."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from driftline import _core
from driftline._convert import F64Array, is_float32, to_float64
from driftline._core import Moments
from driftline.errors import EmptyInputError, InvalidArgumentError

__all__ = ["Moments", "count_categories", "histogram", "moments"]


def histogram(
    x: Any, bins: int | Any = 10, range: tuple[float, float] | None = None
) -> tuple[npt.NDArray[np.uint64], F64Array]:
    """Counts of ``x`` in bins; same arguments, result and bin semantics as ``numpy.histogram``.

    ``bins`` is a number of equal-width bins over ``range`` (default: the smallest and largest
    value of ``x``) or a monotonically increasing sequence of edges. Bins are half-open
    ``[e[i], e[i+1])`` except the last, which is closed. Missing values are not counted.

    Counts and edges equal numpy's exactly: equal-width edges are computed as ``numpy.linspace``
    does, and for float32 data (numpy, Polars, Arrow, pandas) in float32 arithmetic as numpy
    does, the edges then being numpy's float32 edges (returned as float64). Where numpy raises
    ``Too many bins for data range`` (edges that cannot increase), so does this function
    (:class:`~driftline.errors.InvalidArgumentError`). Differences from numpy: NaN is left out
    of the automatic range (numpy raises); where ``max - min`` overflows float64 (numpy makes NaN
    edges and raises) the edges are computed without overflow and the counts are exact for them;
    ``bins`` may be at most ``2**24`` (16,777,216; ``driftline._core.MAX_BINS``), beyond which
    :class:`~driftline.errors.InvalidArgumentError` names ``bins``, and an allocation that still
    fails raises :class:`~driftline.errors.OutOfMemoryError` (a ``MemoryError``).
    """
    values = to_float64(x, "x")
    if np.ndim(bins) == 0:
        if isinstance(bins, bool) or not isinstance(bins, int | np.integer):
            raise InvalidArgumentError(f"`bins` must be an int or a sequence of edges, got {bins!r}")
        from_data = range is None
        if range is None:
            mm = _core.min_max(values)
            if mm is None:
                lo, hi = 0.0, 1.0  # numpy's range for an empty input (Python numbers, as given)
                from_data = False
            else:
                lo, hi = mm
            if not (np.isfinite(lo) and np.isfinite(hi)):
                raise InvalidArgumentError(f"autodetected range of [{lo}, {hi}] is not finite; pass `range`")
        else:
            lo, hi = float(range[0]), float(range[1])
        if is_float32(x) and _float32_edges(range):
            # numpy's arithmetic follows the range's type too: float32 throughout for float32
            # scalars (as for a range taken from the data), float64 edges rounded to float32 for
            # Python numbers
            f32_range = range is not None and all(isinstance(v, np.float32) for v in range)
            return _core.histogram_uniform_f32(values, int(bins), lo, hi, not (from_data or f32_range))
        return _core.histogram_uniform(values, int(bins), lo, hi)
    edges = to_float64(bins, "bins")
    return _core.histogram_edges(values, edges), edges


def _float32_edges(range: tuple[float, float] | None) -> bool:
    """Whether numpy computes float32 edges for float32 data and this ``range``: Python numbers
    and float32 scalars keep float32; numpy float64 or int64 scalars promote to float64."""
    if range is None:
        return True
    scalars = [v for v in range if isinstance(v, np.generic)]
    return not scalars or np.result_type(*scalars, np.float32) == np.float32


def moments(x: Any) -> Moments:
    """Count, nulls, NaN, +/-inf counts, sum, mean, population and sample std, min and max of
    the finite values of ``x``. ``Moments.merge`` combines parts exactly (Chan et al. 1979).

    Extreme magnitudes: the sums are held in units of a power of two near the largest magnitude
    (1 for values within 2**-300 .. 2**300), so the mean and standard deviation are right
    wherever they are representable: ``moments([1e308, 1e308, -1e308])`` has mean 3.33e307 and
    ``moments([1e-308, 5e-324, 1.797e308]).std_pop`` is 8.47e307. ``sum`` (and ``m2``) are inf
    where the true value exceeds the float range. Tested against exact rational arithmetic in
    ``tests/stats/test_extreme.py`` (within a few eps of the largest magnitude)."""
    nulls = _null_count(x)
    return Moments.of(to_float64(x, "x"), nulls)


def _null_count(x: Any) -> int:
    mod = type(x).__module__.split(".", 1)[0]
    if mod == "polars":
        return int(x.null_count())
    if mod == "pyarrow":
        return int(x.null_count)
    if mod == "pandas":
        return int(x.isna().sum())  # pandas itself does not tell NaN from null in float columns
    return 0


def count_categories(values: Any) -> tuple[list[str], npt.NDArray[np.uint64], int]:
    """Distinct categories of ``values``, their counts, and the number of missing values.

    Missing values are nulls (None, Polars/Arrow nulls, pandas NA) and float NaN: they are
    counted in the third value, never as a category (NaN is missing everywhere in driftline).

    Accepts Polars String/Categorical/Enum series, PyArrow string or dictionary arrays, pandas
    series (categorical or not), numpy arrays and sequences. Categories are returned as strings
    in order of first appearance (dictionary order for categorical inputs, where categories
    that never occur are dropped, except for a Polars Enum, whose fixed categories are all kept).
    """
    import pyarrow as pa

    keep_all = False
    mod = type(values).__module__.split(".", 1)[0]
    if mod == "polars":
        import polars as pl

        keep_all = isinstance(values.dtype, pl.Enum)
        arr = values.to_arrow()
    elif mod == "pyarrow":
        arr = values
    elif mod == "pandas":
        arr = pa.array(values, from_pandas=True)
    else:
        seq = values.tolist() if isinstance(values, np.ndarray) else list(values)
        arr = pa.array([None if _is_missing(v) else str(v) for v in seq], type=pa.large_string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_dictionary(arr.type) and pa.types.is_floating(arr.type.value_type):
        arr = arr.dictionary_decode()  # NaN in the dictionary: decode, so it becomes missing below
    if pa.types.is_floating(arr.type):
        import pyarrow.compute as pc

        arr = pc.if_else(pc.is_nan(arr), pa.scalar(None, arr.type), arr)
    if pa.types.is_dictionary(arr.type):
        return _count_dictionary(arr, keep_all)
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type) or pa.types.is_string_view(arr.type)):
        arr = arr.cast(pa.large_string())
    elif not pa.types.is_large_string(arr.type):
        arr = arr.cast(pa.large_string())
    return _count_large_strings(arr)


def _is_missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and v != v)


def _count_large_strings(arr: Any) -> tuple[list[str], npt.NDArray[np.uint64], int]:
    n = len(arr)
    validity, offsets_buf, data_buf = arr.buffers()[:3]
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[arr.offset : arr.offset + n + 1] if n else np.zeros(1, np.int64)
    data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    bits = np.frombuffer(validity, dtype=np.uint8) if (validity is not None and arr.null_count) else None
    return _core.count_strings(np.ascontiguousarray(offsets), data, bits, arr.offset)


def _count_dictionary(arr: Any, keep_all: bool) -> tuple[list[str], npt.NDArray[np.uint64], int]:
    import pyarrow as pa

    dictionary = arr.dictionary
    if not pa.types.is_large_string(dictionary.type):
        dictionary = dictionary.cast(pa.large_string())
    names: list[str] = dictionary.to_pylist()
    indices = arr.indices
    null_code = -1 if pa.types.is_signed_integer(indices.type) else None
    if null_code is None and arr.null_count:
        indices = indices.cast(pa.int64())
        null_code = -1
    codes = indices.fill_null(null_code).to_numpy(zero_copy_only=False) if arr.null_count else indices.to_numpy(zero_copy_only=False)
    counts, nulls = _core.count_codes(np.ascontiguousarray(codes), len(names), null_code)
    if keep_all:
        return names, counts, int(nulls)
    present = np.flatnonzero(counts)
    if len(names) == 0 and len(arr) > int(nulls):
        raise EmptyInputError("dictionary array has codes but no dictionary")
    return [names[i] for i in present], counts[present], int(nulls)
