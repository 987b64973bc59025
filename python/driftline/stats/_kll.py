"""KLL quantile sketches in SageMaker Model Monitor's form, computed by driftline's Rust core
(``rust/core/src/kll.rs``; binding ``rust/python/src/kll.rs``).

A :class:`KllSketch` summarises the finite values of a numeric column in a few thousand items:
ranks, quantiles and CDFs of the whole column within a small, stated rank error. Sketches merge
(per file, per partition, per Spark task), serialise to bytes, and read and write the ``sketch``
object of SageMaker's ``statistics.json``
(``{"parameters": {"c": 0.64, "k": 2048.0}, "data": [[...], ...]}``, one list per compactor
level, level ``h`` weighing ``2^h``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from driftline import _core
from driftline._convert import F64Array, to_float64

if TYPE_CHECKING:
    from typing import Self

__all__ = ["KllSketch", "KsSketchResult", "ks_sketch"]


def _values(x: Any, name: str) -> F64Array:
    if isinstance(x, float | int | np.floating | np.integer) and not isinstance(x, bool):
        return np.array([x], dtype=np.float64)
    return to_float64(x, name)


class KllSketch(_core.KllSketch):
    """KLL quantile sketch (Karnin, Lang & Liberty 2016) with SageMaker's parameters by default.

    ``KllSketch(k=2048, c=0.64, seed=0)``: ``k`` is the sketch size (capacity of the top
    compactor level, 8..65536) and ``c`` the shrinking factor of the levels below it (0.5 < c <= 1).
    The same input and seed give the same sketch, byte for byte; give independent parts different
    seeds when you merge them, so that their random choices are independent.

    - ``update(values)`` takes numpy arrays, Polars/pandas Series, PyArrow arrays, sequences or one
      number. Only finite values are sketched; NaN (and nulls), +inf and -inf are counted in
      ``nan_count``, ``pos_inf_count`` and ``neg_inf_count``. ``n``, ``min`` and ``max`` are exact.
      The stream is cut into blocks that grow with it (``max(256, k)`` values, then 1/8 of the
      values seen so far); each block is sketched on its own and merged into the sketch when it is
      complete, which is more accurate than plain streaming. Whole blocks inside one ``update`` are
      sketched in parallel. The result depends only on the sequence of values and the seed: not
      on the number of threads, nor on how the values are split into ``update`` calls.
    - ``merge(other)`` adds another sketch with the same ``k`` and ``c`` (in place, like
      DataSketches).
    - ``rank(x, inclusive=True)`` / ``ranks(xs)``: fraction of the values ``<= x`` (``< x`` when
      ``inclusive=False``). ``quantile(q, inclusive=True)`` / ``quantiles(qs)``: DataSketches'
      semantics (inclusive: the smallest retained item whose cumulative weight is
      ``>= ceil(q*n)``; exclusive: ``> floor(q*n)``); ``q = 0`` and ``q = 1`` give the exact
      min and max. Note that DataSketches' Python API defaults to ``inclusive=False``.
    - ``cdf(split_points)`` / ``pmf(split_points)``: as DataSketches' ``get_cdf`` / ``get_pmf``
      (``m`` increasing split points give ``m + 1`` values).
    - ``buckets(n_buckets=10)``: SageMaker's ``distribution.kll.buckets`` as Deequ 2.0.2 computes
      them: ``(lower_bound, upper_bound, count)``, equal width between min and max, upper bounds
      exclusive except for the last bucket. ``n_buckets`` is at most ``2**24``. Where
      ``(max - min) * n_buckets`` overflows (Deequ gives inf or NaN) the bounds are computed from
      halves and stay finite, the outer ones equal to min and max.
    - ``normalized_rank_error(pmf=False)``: 99% bound on the rank error, DataSketches' fits
      ``2.296 / k^0.9723`` (single-sided) or ``2.446 / k^0.9433`` (``pmf=True``); 0 while the
      sketch is exact. At k = 2048 the single-sided bound is 0.00138.
    - ``to_bytes()`` / ``KllSketch.from_bytes(b)``: the whole state (versioned, checksummed);
      pickling uses it. ``to_sagemaker()`` / ``KllSketch.from_sagemaker(obj, min=None, max=None)``:
      SageMaker's ``sketch`` object (a dict; ``from_sagemaker`` also takes its JSON text or the
      enclosing ``kll`` object). Pass SageMaker's ``min`` / ``max`` statistics when loading, since
      the sketch's items need not include the extremes.

    Queries on an empty sketch raise :class:`~driftline.errors.EmptyInputError`.
    """

    __slots__ = ()

    @classmethod
    def of(cls, values: Any, k: int = 2048, c: float = 0.64, seed: int = 0) -> Self:
        """A new sketch of ``values``."""
        sketch = cls(k, c, seed)
        sketch.update(values)
        return sketch

    def update(self, values: Any) -> None:
        super().update(_values(values, "values"))

    def quantiles(self, qs: Any, inclusive: bool = True) -> F64Array:
        return super().quantiles(to_float64(qs, "qs"), inclusive)

    def ranks(self, xs: Any, inclusive: bool = True) -> F64Array:
        return super().ranks(to_float64(xs, "xs"), inclusive)

    def cdf(self, split_points: Any, inclusive: bool = True) -> F64Array:
        return super().cdf(to_float64(split_points, "split_points"), inclusive)

    def pmf(self, split_points: Any, inclusive: bool = True) -> F64Array:
        return super().pmf(to_float64(split_points, "split_points"), inclusive)


class KsSketchResult(NamedTuple):
    statistic: float
    error_bound: float


def ks_sketch(a: _core.KllSketch, b: _core.KllSketch) -> KsSketchResult:
    """Two-sample Kolmogorov-Smirnov distance between the data two KLL sketches describe.

    ``statistic = max_x |F_a(x) - F_b(x)|`` over the union of the sketches' retained items, with
    ``F`` a sketch's inclusive normalised rank; this is Deequ's ``linf_simple`` for KLL sketches
    (SageMaker's ``baseline_drift_check`` distance for numeric features), and, because the step
    CDFs change only at retained items, the sup over all ``x``.

    ``error_bound = a.normalized_rank_error() + b.normalized_rank_error()``: with probability at
    least 98% (each term is a 99% bound), ``|statistic - D| <= error_bound``, where ``D`` is the
    exact two-sample KS statistic of the finite values the two sketches saw
    (``scipy.stats.ks_2samp(x, y).statistic``). It is 0 when both sketches are exact.
    """
    statistic, error_bound = _core.ks_sketch(a, b)
    return KsSketchResult(statistic, error_bound)
