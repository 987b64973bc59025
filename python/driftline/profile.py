"""Profiles: mergeable per-column summaries of a dataset, the basis of baselines and monitors.

A :class:`Profile` is built batch by batch (:meth:`Profile.update`) and merged across files,
partitions or workers (:meth:`Profile.merge`): counts and moments merge exactly, quantiles within
the KLL sketch's rank-error bound, category counts exactly up to ``category_cap`` distinct values
(then as a Misra-Gries frequent-items summary), and distinct counts exactly up to 4096 values
(then as a k-minimum-values estimate, about 1.6 % standard error).

Types are inferred per value as Deequ (and so SageMaker Model Monitor) does on text: a value is
Integral if it reads as an integer, Fractional if it reads as a decimal or scientific number,
Boolean if it is ``true``/``false``, String otherwise; nulls and empty strings are missing.
Typed columns (Parquet, in-memory) map directly: integers are Integral, floats Fractional.

Missing values, one rule: a null, an empty (or blank) cell, and in a numeric column a non-finite
number (NaN, +inf, -inf as floats, or the text ``nan``/``inf``/``-inf``/``infinity`` in any case,
or a number too large for a float) are missing: they count in ``num_missing``, lower the
completeness, and stay out of the moments, the sketch and the histogram, so ``num_present`` is
the number of values in the moments. ``num_nan`` and ``num_inf`` count the non-finite ones. In a
column that is String (or Boolean mixed with them) such text is an ordinary string value.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import numpy as np
import polars as pl

from driftline import _core
from driftline.errors import InvalidInputError
from driftline.stats import KllSketch, Moments, moments

__all__ = ["ColumnProfile", "InferredType", "Profile", "TYPE_NAMES"]

InferredType = Literal["Integral", "Fractional", "String", "Boolean", "Unknown"]
TYPE_NAMES: tuple[str, ...] = ("Integral", "Fractional", "Boolean", "String")

_INTEGRAL = r"^[+-]?\d+$"
_NUMBER = r"^[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?$"
_NAN = r"^(?i)[+-]?nan$"
_INF = r"^(?i)[+-]?inf(inity)?$"
_BOOLEAN = r"^(?i)(true|false)$"
# The kind of a text value, in the order the checks apply.
MISSING, NAN, INF, INTEGRAL, FRACTIONAL, BOOLEAN, STRING = range(7)
_KINDS = 7
_HASH_SEED = 0x5EED
_KMV_K = 4096
PARALLEL_CELLS = 1 << 20  # batches with at least this many values profile columns in threads
DISTINCT_PATH_MAX = 50_000  # text batches with fewer distinct values are classified per value
WIDE_ROWS = 4096  # text columns of batches this short are profiled together (one Polars query per chunk)
WIDE_CELLS = 1 << 21  # values per chunk of columns profiled together (bounds the long frame's memory)
_HEAD_ROWS = 2048  # rows whose distinct count hints at a batch's cardinality
_U64 = np.uint64


def _kind_expr(v: pl.Expr, x: pl.Expr) -> pl.Expr:
    """Per stripped text value ``v`` with its number ``x`` (:func:`_number_expr`, computed once
    beforehand): its kind (MISSING .. STRING). A number that does not fit a float (``1e999``) is INF."""
    return (
        pl.when(v.is_null() | (v == "")).then(MISSING)
        .when(v.str.contains(_NAN)).then(NAN)
        .when(v.str.contains(_INF) | ~x.is_finite()).then(INF)
        .when(v.str.contains(_INTEGRAL)).then(INTEGRAL)
        .when(x.is_not_null()).then(FRACTIONAL)
        .when(v.str.contains(_BOOLEAN)).then(BOOLEAN)
        .otherwise(STRING)
        .cast(pl.UInt8)
    )


def _number_expr(v: pl.Expr) -> pl.Expr:
    """The value as a float where it reads as a decimal or scientific number, else null."""
    return pl.when(v.str.contains(_NUMBER)).then(v.cast(pl.Float64, strict=False))


def _by_value(counted: pl.DataFrame) -> pl.DataFrame:
    """From (column ``c``, raw text ``v``, count ``n``): one row per column and stripped value
    (stripping never adds distinct values), sorted so that every later step is deterministic,
    with its ``kind``, number ``x`` (NaN where none) and 64-bit hash ``h``."""
    v = pl.col("v")
    return (
        counted.with_columns(v.str.strip_chars())
        .group_by("c", "v").agg(pl.col("n").sum())
        .sort("c", "v")
        .with_columns(x=_number_expr(v), h=v.hash(seed=_HASH_SEED))
        .with_columns(kind=_kind_expr(v, pl.col("x")), x=pl.col("x").fill_null(float("nan")))
    )


def _seed_of(name: str) -> int:
    # one seed per column, so sketches of different columns make independent random choices
    return zlib.crc32(name.encode("utf-8"))


def _is_text(dtype: pl.DataType) -> bool:
    return dtype == pl.String or dtype == pl.Categorical or isinstance(dtype, pl.Enum)


@dataclass
class ColumnProfile:
    """Summary of one column. ``type_counts`` counts present values by inferred type;
    ``num_null`` counts nulls and empty values, ``num_nan`` and ``num_inf`` non-finite numbers
    (missing in a numeric column, see the module's rule); ``nonfinite_text`` counts the text of
    the non-finite ones (their categories if the column is String)."""

    name: str
    num_null: int = 0
    num_nan: int = 0
    num_inf: int = 0
    type_counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TYPE_NAMES, 0))
    moments: Moments | None = None
    kll: KllSketch | None = None
    category_counts: dict[str, int] = field(default_factory=dict)
    nonfinite_text: dict[str, int] = field(default_factory=dict)
    categories_exact: bool = True
    category_cap: int = 10_000
    # smallest 64-bit hashes of distinct present values (k-minimum-values)
    kmv: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=_U64))
    kll_k: int = 2048
    kll_c: float = 0.64

    @property
    def nonfinite_missing(self) -> bool:
        """Non-finite numbers are missing unless the column holds strings or booleans."""
        return self.numeric_so_far

    @property
    def num_present(self) -> int:
        typed = sum(self.type_counts.values())
        return typed if self.nonfinite_missing else typed + self.num_nan + self.num_inf

    @property
    def num_missing(self) -> int:
        return self.num_null + self.num_nan + self.num_inf if self.nonfinite_missing else self.num_null

    @property
    def categories(self) -> dict[str, int]:
        """Counts of present values by text (the non-finite texts only when they are present)."""
        if self.nonfinite_missing or not self.nonfinite_text:
            return self.category_counts
        out = dict(self.category_counts)
        for k, v in self.nonfinite_text.items():
            out[k] = out.get(k, 0) + v
        return out

    @property
    def inferred_type(self) -> InferredType:
        """Deequ's rule: all missing -> Unknown; any String (or Boolean mixed with numbers) ->
        String; else Boolean, Fractional, Integral in that order."""
        t = self.type_counts
        if self.num_present == 0:
            return "Unknown"
        strings = t["String"] + (0 if self.nonfinite_missing else self.num_nan + self.num_inf)
        if strings > 0 or (t["Boolean"] > 0 and (t["Integral"] > 0 or t["Fractional"] > 0)):
            return "String"
        if t["Boolean"] > 0:
            return "Boolean"
        if t["Fractional"] > 0:
            return "Fractional"
        return "Integral"

    @property
    def completeness(self) -> float:
        total = self.num_present + self.num_missing
        return self.num_present / total if total else 0.0

    def type_share(self, expected: str) -> float:
        """Share of present values compatible with ``expected`` (an Integral value is also a valid
        Fractional, anything is a valid String)."""
        if self.num_present == 0:
            return 1.0
        t = self.type_counts
        match expected:
            case "Integral":
                ok = t["Integral"]
            case "Fractional":
                ok = t["Integral"] + t["Fractional"]
            case "Boolean":
                ok = t["Boolean"]
            case _:
                ok = self.num_present
        return ok / self.num_present

    @property
    def distinct_count(self) -> float:
        """Exact up to 4096 distinct values, then the k-minimum-values estimate (in the core)."""
        return _core.kmv_estimate(np.ascontiguousarray(self.kmv, dtype=_U64), _KMV_K)

    @property
    def numeric_so_far(self) -> bool:
        return self.type_counts["String"] == 0 and self.type_counts["Boolean"] == 0

    # -- building ------------------------------------------------------------------------------

    def update(self, s: pl.Series) -> None:
        """Add one batch of this column's values."""
        dtype = s.dtype
        if dtype == pl.Null:
            self.num_null += len(s)
            return
        if _is_text(dtype):
            self._update_text(s.cast(pl.String))
        elif dtype == pl.Boolean:
            present = s.drop_nulls()
            self.num_null += len(s) - len(present)
            self.type_counts["Boolean"] += len(present)
            text = present.cast(pl.String).str.to_lowercase()
            self._update_hashes(text)
            self._update_categories(text)
        elif dtype.is_integer() or dtype.is_float() or dtype.is_decimal():
            self._update_typed_numbers(s)
        elif dtype.is_nested() or dtype == pl.Object:
            raise InvalidInputError(f"column {self.name!r} holds {dtype} values: a profile summarises one number or text per cell")
        else:
            # dates, times, durations...: profiled as their text form
            self._update_text(s.cast(pl.String))

    def _update_typed_numbers(self, s: pl.Series) -> None:
        present = s.drop_nulls()
        nan = inf = 0
        if s.dtype.is_float():
            finite = present.is_finite()
            nan = int(present.is_nan().sum())
            inf = len(present) - nan - int(finite.sum())
            if nan or inf:
                present = present.filter(finite)

        def counts() -> tuple[list[str], list[int]]:
            vc = present.rename("v").value_counts(sort=False, name="n").sort("v")
            return vc["v"].cast(pl.String).to_list(), vc["n"].to_list()

        self.add_typed(s.dtype.is_integer(), s.null_count(), nan, inf, present.cast(pl.Float64).to_numpy(),
                       present.hash(seed=_HASH_SEED).to_numpy(), counts)

    def add_typed(self, integer: bool, nulls: int, nan: int, inf: int, values: np.ndarray, hashes: np.ndarray,
                  counts: Callable[[], tuple[list[str], list[int]]]) -> None:
        """Add a batch of a typed number column: its null, NaN and inf counts, its finite values
        (as floats, in row order), their hashes (of the typed values) and, called only while
        the column's categories are still counted, its distinct values as text with their counts."""
        self.num_null += nulls
        self.num_nan += nan
        self.num_inf += inf
        self.type_counts["Integral" if integer else "Fractional"] += len(values)
        self._update_numbers(values)
        # typed numbers: distinct values are hashed as numbers; categories are counted (as
        # text) only while the column stays low-cardinality, which the distinct summary tells
        # (its estimate errs by ~1.6 %, far below the factor 2: a column past it would end
        # with more than `category_cap` values, so its categories would be dropped anyway)
        self._update_hashes(hashes)
        if self.categories_exact and self.distinct_count <= 2 * self.category_cap:
            add: dict[str, int] = {}
            for k, v in zip(*counts(), strict=True):
                add[k] = add.get(k, 0) + v
            self._add_category_counts(add)
        else:
            self.categories_exact = False
        if not self.categories_exact:
            self.category_counts = {}  # a high-cardinality number column: quantiles describe it

    def _update_text(self, s: pl.Series) -> None:
        # Per distinct value when the batch has few (stripping never adds distinct values, so
        # the raw count decides conservatively). The batch's head tells cheaply whether the
        # count is worth trying; an estimate settles doubtful cases. Both paths give the same
        # profile; the choice only costs time.
        if not (self.numeric_so_far and not self.categories_exact):
            head = s.head(_HEAD_ROWS)
            if head.n_unique() <= len(head) // 2 or cast(int, s.approx_n_unique()) <= DISTINCT_PATH_MAX:
                counted = s.rename("v").value_counts(sort=False, name="n")
                if counted.height <= DISTINCT_PATH_MAX:
                    d = _by_value(counted.with_columns(c=pl.lit(0, pl.UInt32)))
                    self.add_by_value(d["v"].to_list(), *_arrays(d))
                    return
        t = s.str.strip_chars()
        frame = pl.DataFrame({"v": t}).with_columns(x=_number_expr(pl.col("v"))).select(kind=_kind_expr(pl.col("v"), pl.col("x")), x="x")
        kind = frame["kind"].to_numpy()
        self._tally(np.bincount(kind, minlength=_KINDS))
        numeric = pl.Series((kind == INTEGRAL) | (kind == FRACTIONAL))
        if numeric.any():
            self._update_numbers(frame["x"].filter(numeric))
        nonfinite = pl.Series((kind == NAN) | (kind == INF))
        if nonfinite.any():
            vc = t.filter(nonfinite).rename("v").value_counts(sort=False, name="n").sort("v")
            self._add_nonfinite(vc["v"].to_list(), vc["n"].to_list())
        self._update_hashes(t.filter(pl.Series(kind != MISSING)))
        self._update_categories(t.filter(pl.Series(kind >= INTEGRAL)))

    def add_by_value(self, values: list[str | None], n: np.ndarray, kind: np.ndarray, x: np.ndarray, h: np.ndarray) -> None:
        """Add a batch given per distinct stripped value (sorted): its count ``n``, ``kind``, number
        ``x`` and hash ``h`` (:func:`_by_value`). The same profile as the row-wise path, faster for
        a low-cardinality batch: each distinct value is classified once and weighted by its count."""
        self._tally(np.bincount(kind, weights=n, minlength=_KINDS).astype(np.int64))
        numeric = (kind == INTEGRAL) | (kind == FRACTIONAL)
        if numeric.any():
            # rows grouped by value, in the values' sorted order: moments and the sketch see the
            # same multiset as the row-wise path (sketch choices may differ, within its bound)
            self._update_numbers(np.repeat(x[numeric], n[numeric]))
        nonfinite = (kind == NAN) | (kind == INF)
        if nonfinite.any():
            self._add_nonfinite([v for v, f in zip(values, nonfinite, strict=True) if f], n[nonfinite].tolist())
        present = kind != MISSING
        if present.any():
            self._update_hashes(h[present])
        keep = kind >= INTEGRAL
        if keep.any() and (self.categories_exact or not self.numeric_so_far):
            kept = [v for v, k in zip(values, keep, strict=True) if k and v is not None]
            self._add_category_counts(dict(zip(kept, n[keep].tolist(), strict=True)))
            if not self.categories_exact and self.numeric_so_far:
                self.category_counts = {}

    def _tally(self, counts: np.ndarray) -> None:
        """Add the counts of values by kind (MISSING .. STRING)."""
        c = [int(v) for v in counts]
        self.num_null += c[MISSING]
        self.num_nan += c[NAN]
        self.num_inf += c[INF]
        t = self.type_counts
        t["Integral"] += c[INTEGRAL]
        t["Fractional"] += c[FRACTIONAL]
        t["Boolean"] += c[BOOLEAN]
        t["String"] += c[STRING]

    def _add_nonfinite(self, texts: list[str | None], counts: list[int]) -> None:
        out = self.nonfinite_text
        for k, v in zip(texts, counts, strict=True):
            if k is None:
                continue
            if k in out or len(out) < self.category_cap:
                out[k] = out.get(k, 0) + v
            else:
                self.categories_exact = False  # overflowing numbers past the cap: counted, not named

    def _update_numbers(self, values: pl.Series | np.ndarray) -> None:
        if len(values) == 0:
            return
        m = moments(values)
        self.moments = m if self.moments is None else self.moments.merge(m)
        if self.kll is None:
            self.kll = KllSketch(self.kll_k, self.kll_c, _seed_of(self.name))
        self.kll.update(values)

    def _update_hashes(self, present: pl.Series | np.ndarray) -> None:
        """Add the batch's present values (or their hashes) to the KMV summary (one pass in Rust
        keeps the K smallest)."""
        if len(present) == 0:
            return
        raw = present if isinstance(present, np.ndarray) else present.hash(seed=_HASH_SEED).to_numpy()
        hashes = np.ascontiguousarray(raw, dtype=_U64)
        self.kmv = _core.kmv_update(np.ascontiguousarray(self.kmv, dtype=_U64), hashes, _KMV_K)

    def _update_categories(self, present: pl.Series) -> None:
        if len(present) == 0:
            return
        if not self.categories_exact and self.numeric_so_far:
            return  # a high-cardinality numeric column: quantiles describe it, not categories
        if self.numeric_so_far and cast(int, present.approx_n_unique()) > 2 * self.category_cap:
            # the counting below would end the same way (categories dropped, not exact); the
            # estimate's error is far below the factor 2
            self.categories_exact = False
            self.category_counts = {}
            return
        vc = present.rename("v").value_counts(sort=False, name="n").sort("v")
        cats: list[str] = vc["v"].to_list()
        counts = vc["n"].to_numpy().astype(np.int64)
        if len(cats) > self.category_cap:
            # only the batch's largest counts can survive the Misra-Gries cut below (ties in
            # value order, so the cut is deterministic)
            top = np.argsort(-counts, kind="stable")[: self.category_cap + 1]
            cats, counts = [cats[i] for i in top], counts[top]
            self.categories_exact = False
        self._add_category_counts(dict(zip(cats, counts.tolist(), strict=True)))
        if not self.categories_exact and self.numeric_so_far:
            self.category_counts = {}

    def _add_category_counts(self, add: dict[str, int]) -> None:
        cats = self.category_counts
        for k, v in add.items():
            cats[k] = cats.get(k, 0) + v
        if len(cats) > self.category_cap:
            # Misra-Gries (in the core): keep the `cap` largest counters, each lowered by the
            # first dropped one; ties in the items' sorted order, so the cut is deterministic.
            self.categories_exact = False
            items = sorted(cats)
            kept, cut = _core.misra_gries_cut(np.fromiter((cats[k] for k in items), dtype=_U64, count=len(items)), self.category_cap)
            self.category_counts = {items[i]: cats[items[i]] - cut for i in kept.tolist()}

    def merge(self, other: ColumnProfile) -> ColumnProfile:
        """The profile of the union of the two parts' rows (``self`` is not modified)."""
        out = ColumnProfile(self.name, category_cap=self.category_cap, kll_k=self.kll_k, kll_c=self.kll_c)
        out.num_null = self.num_null + other.num_null
        out.num_nan = self.num_nan + other.num_nan
        out.num_inf = self.num_inf + other.num_inf
        out.type_counts = {k: self.type_counts[k] + other.type_counts[k] for k in TYPE_NAMES}
        if self.moments is None or other.moments is None:
            out.moments = self.moments or other.moments
        else:
            out.moments = self.moments.merge(other.moments)
        if self.kll is not None:
            out.kll = self.kll.copy()
            if other.kll is not None:
                out.kll.merge(other.kll)
        elif other.kll is not None:
            out.kll = other.kll.copy()
        out.category_counts = dict(self.category_counts)
        out.categories_exact = self.categories_exact and other.categories_exact
        out._add_category_counts(other.category_counts)
        out.nonfinite_text = dict(self.nonfinite_text)
        out._add_nonfinite(list(other.nonfinite_text), list(other.nonfinite_text.values()))
        out.kmv = _core.kmv_update(np.ascontiguousarray(self.kmv, dtype=_U64), np.ascontiguousarray(other.kmv, dtype=_U64), _KMV_K)
        return out


def _sliced(texts: list[str], counts: list[int], lo: int, hi: int) -> Callable[[], tuple[list[str], list[int]]]:
    return lambda: (texts[lo:hi], counts[lo:hi])


def _arrays(d: pl.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The numpy columns n, kind, x, h of a :func:`_by_value` frame."""
    return (d["n"].to_numpy().astype(np.int64), d["kind"].to_numpy(), d["x"].to_numpy(), d["h"].to_numpy())


@dataclass
class Profile:
    """Per-column profiles of a dataset, in column order."""

    columns: dict[str, ColumnProfile] = field(default_factory=dict)
    item_count: int = 0
    kll_k: int = 2048
    kll_c: float = 0.64
    category_cap: int = 10_000
    bad_records: int = 0  # records of the source that were skipped as bad (not in the counts)

    @classmethod
    def of(cls, data: pl.DataFrame | Any, *, exclude: tuple[str, ...] = (), **kwargs: Any) -> Profile:
        """Profile of one in-memory table (Polars, or anything :func:`driftline.io.read_table` reads)."""
        p = cls(**kwargs)
        if not isinstance(data, pl.DataFrame):
            from driftline.io import read_table

            data = read_table(data).frame
        p.update(data, exclude=exclude)
        return p

    def _column(self, name: str) -> ColumnProfile:
        col = self.columns.get(name)
        if col is None:
            col = ColumnProfile(name, num_null=self.item_count, category_cap=self.category_cap, kll_k=self.kll_k, kll_c=self.kll_c)
            self.columns[name] = col
        return col

    def update(self, batch: pl.DataFrame, *, exclude: tuple[str, ...] = ()) -> None:
        """Add one batch of rows (columns not seen before start with the rows before as missing).

        Cost is linear in the batch's values: the text columns of a short batch (at most
        ``WIDE_ROWS`` rows) are profiled together, a chunk of columns per Polars query, so a
        wide table does not pay a per-column query cost."""
        skip = set(exclude)
        wide = batch.height <= WIDE_ROWS
        work: list[tuple[ColumnProfile, pl.Series]] = []
        together: list[ColumnProfile] = []
        numbers: dict[pl.DataType, list[ColumnProfile]] = {}  # typed number columns, by dtype (stacked together)
        for name, dtype in batch.schema.items():
            if name in skip:
                continue
            col = self._column(name)
            if wide and _is_text(dtype):
                together.append(col)
            elif wide and (dtype.is_integer() or dtype.is_float() or dtype.is_decimal()):
                numbers.setdefault(dtype, []).append(col)
            else:
                work.append((col, batch.get_column(name)))
        if len(together) > 1:
            self._update_together(batch, together)
        else:
            work.extend((c, batch.get_column(c.name)) for c in together)
        for cols in numbers.values():
            if len(cols) > 1:
                self._update_numbers_together(batch, cols)
            else:
                work.extend((c, batch.get_column(c.name)) for c in cols)
        if len(work) > 1 and batch.height * len(work) >= PARALLEL_CELLS:
            # Columns are independent: the Rust kernels and Polars release the GIL, so threads
            # profile several columns at once; each column's result is the same as sequentially.
            with ThreadPoolExecutor(max_workers=min(len(work), os.cpu_count() or 1)) as pool:
                list(pool.map(lambda cs: cs[0].update(cs[1]), work))
        else:
            for col, s in work:
                col.update(s)
        if len(self.columns) > batch.width - len(skip & set(batch.columns)):
            seen = set(batch.columns)
            for name, col in self.columns.items():
                if name not in seen:
                    col.num_null += batch.height
        self.item_count += batch.height

    def _update_together(self, batch: pl.DataFrame, cols: list[ColumnProfile]) -> None:
        """Text columns of a short batch, a chunk at a time: the chunk's values stacked in one
        long column, counted per (column, stripped value) and classified in one query, then
        each column adds its slice (:meth:`ColumnProfile.add_by_value`)."""
        rows = batch.height
        if rows == 0:
            return
        per_chunk = max(1, WIDE_CELLS // rows)
        for start in range(0, len(cols), per_chunk):
            chunk = cols[start : start + per_chunk]
            values = pl.concat([batch.get_column(c.name).cast(pl.String) for c in chunk], rechunk=False)
            index = np.repeat(np.arange(len(chunk), dtype=np.uint32), rows)
            d = _by_value(pl.DataFrame({"c": index, "v": values.rename("v"), "n": np.ones(len(index), dtype=np.uint32)}))
            bounds = np.searchsorted(d["c"].to_numpy(), np.arange(len(chunk) + 1))
            texts = d["v"].to_list()
            n, kind, x, h = _arrays(d)
            for j, col in enumerate(chunk):
                lo, hi = bounds[j], bounds[j + 1]
                col.add_by_value(texts[lo:hi], n[lo:hi], kind[lo:hi], x[lo:hi], h[lo:hi])

    def _update_numbers_together(self, batch: pl.DataFrame, cols: list[ColumnProfile]) -> None:
        """Typed number columns of one dtype in a short batch, a chunk at a time: stacked in one
        long column, counted and hashed in one pass, then each column adds its slice
        (:meth:`ColumnProfile.add_typed`): the same profile as column by column."""
        rows = batch.height
        if rows == 0:
            return
        per_chunk = max(1, WIDE_CELLS // rows)
        for start in range(0, len(cols), per_chunk):
            chunk = cols[start : start + per_chunk]
            v = pl.concat([batch.get_column(c.name) for c in chunk], rechunk=True).rename("v")
            m = len(chunk)
            null = v.is_null().to_numpy().reshape(m, rows)
            if v.dtype.is_float():
                nan = v.is_nan().fill_null(False).to_numpy().reshape(m, rows)
                keep = v.is_finite().fill_null(False).to_numpy()
            else:
                nan = np.zeros((m, rows), dtype=bool)
                keep = ~null.reshape(-1)
            x = v.cast(pl.Float64).to_numpy()
            h = v.hash(seed=_HASH_SEED).to_numpy()
            index = np.repeat(np.arange(m, dtype=np.uint32), rows)
            kept = pl.DataFrame({"c": index, "v": v}).filter(pl.Series(keep))
            d = kept.group_by("c", "v").agg(n=pl.len()).sort("c", "v")
            bounds = np.searchsorted(d["c"].to_numpy(), np.arange(m + 1))
            texts, ns = d["v"].cast(pl.String).to_list(), d["n"].to_list()
            nulls, nans, present = null.sum(axis=1), nan.sum(axis=1), keep.reshape(m, rows).sum(axis=1)
            for j, col in enumerate(chunk):
                sl = slice(j * rows, (j + 1) * rows)
                mask = keep[sl]
                lo, hi = bounds[j], bounds[j + 1]
                col.add_typed(v.dtype.is_integer(), int(nulls[j]), int(nans[j]), int(rows - nulls[j] - nans[j] - present[j]),
                              x[sl][mask], h[sl][mask], _sliced(texts, ns, int(lo), int(hi)))

    def merge(self, other: Profile) -> Profile:
        out = Profile(item_count=self.item_count + other.item_count, kll_k=self.kll_k, kll_c=self.kll_c,
                      category_cap=self.category_cap, bad_records=self.bad_records + other.bad_records)
        for name in list(self.columns) + [n for n in other.columns if n not in self.columns]:
            a = self.columns.get(name) or ColumnProfile(name, num_null=self.item_count, kll_k=self.kll_k, kll_c=self.kll_c)
            b = other.columns.get(name) or ColumnProfile(name, num_null=other.item_count, kll_k=self.kll_k, kll_c=self.kll_c)
            out.columns[name] = a.merge(b)
        return out
