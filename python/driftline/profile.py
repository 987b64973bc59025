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
"""

from __future__ import annotations

import os
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import numpy as np
import polars as pl

from driftline import _core
from driftline.stats import KllSketch, Moments, moments

__all__ = ["ColumnProfile", "InferredType", "Profile", "TYPE_NAMES"]

InferredType = Literal["Integral", "Fractional", "String", "Boolean", "Unknown"]
TYPE_NAMES: tuple[str, ...] = ("Integral", "Fractional", "Boolean", "String")

_INTEGRAL = r"^[+-]?\d+$"
_FRACTIONAL = r"^[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?$|^(?i)[+-]?(nan|inf|infinity)$"
_BOOLEAN = r"^(?i)(true|false)$"
_KMV_K = 4096
PARALLEL_CELLS = 1 << 20  # batches with at least this many values profile columns in threads
DISTINCT_PATH_MAX = 50_000  # text batches with fewer distinct values are classified per value
_HEAD_ROWS = 2048  # rows whose distinct count hints at a batch's cardinality
_U64 = np.uint64


def _classify(values: pl.Series) -> pl.DataFrame:
    """Per value: missing (null or empty), integral, fractional (numeric but not integral),
    boolean; each regex runs once over the values."""
    v = pl.col("v")
    return (
        pl.DataFrame({"v": values})
        .select(missing=v.is_null() | (v == ""), integral=v.str.contains(_INTEGRAL),
                numeric=v.str.contains(_FRACTIONAL), boolean=v.str.contains(_BOOLEAN))
        .select("missing", "integral", fractional=pl.col("numeric") & ~pl.col("integral"), boolean="boolean")
    )


def _value_counts(values: pl.Series) -> tuple[pl.Series, np.ndarray, int]:
    """Distinct non-null values (sorted, so that every later step is deterministic), their
    counts, and the number of nulls."""
    vc = values.rename("v").value_counts(sort=False, name="n")
    nulls = vc.filter(pl.col("v").is_null())["n"].sum()
    vc = vc.filter(pl.col("v").is_not_null()).sort("v")
    return vc["v"], vc["n"].to_numpy().astype(np.int64), int(nulls or 0)


def _seed_of(name: str) -> int:
    # one seed per column, so sketches of different columns make independent random choices
    return zlib.crc32(name.encode("utf-8"))


@dataclass
class ColumnProfile:
    """Summary of one column. ``type_counts`` counts present values by inferred type."""

    name: str
    num_present: int = 0
    num_missing: int = 0
    type_counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TYPE_NAMES, 0))
    moments: Moments | None = None
    kll: KllSketch | None = None
    categories: dict[str, int] = field(default_factory=dict)
    categories_exact: bool = True
    category_cap: int = 10_000
    # smallest 64-bit hashes of distinct present values (k-minimum-values)
    kmv: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=_U64))
    kll_k: int = 2048
    kll_c: float = 0.64

    @property
    def inferred_type(self) -> InferredType:
        """Deequ's rule: all missing -> Unknown; any String (or Boolean mixed with numbers) ->
        String; else Boolean, Fractional, Integral in that order."""
        t = self.type_counts
        if self.num_present == 0:
            return "Unknown"
        if t["String"] > 0 or (t["Boolean"] > 0 and (t["Integral"] > 0 or t["Fractional"] > 0)):
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
        if len(self.kmv) < _KMV_K:
            return float(len(self.kmv))
        kth = float(self.kmv[_KMV_K - 1]) / float(2**64)
        return (_KMV_K - 1) / kth if kth > 0 else float(len(self.kmv))

    # -- building ------------------------------------------------------------------------------

    def update(self, s: pl.Series) -> None:
        """Add one batch of this column's values."""
        dtype = s.dtype
        if dtype == pl.Null:
            self.num_missing += len(s)
            return
        if dtype == pl.String or dtype == pl.Categorical or isinstance(dtype, pl.Enum):
            self._update_text(s.cast(pl.String))
        elif dtype == pl.Boolean:
            present = s.drop_nulls()
            self.num_missing += len(s) - len(present)
            self.num_present += len(present)
            self.type_counts["Boolean"] += len(present)
            self._update_categories(present.cast(pl.String).str.to_lowercase())
        elif dtype.is_integer() or dtype.is_float() or dtype.is_decimal():
            nulls = s.null_count()
            self.num_missing += nulls
            self.num_present += len(s) - nulls
            self.type_counts["Integral" if dtype.is_integer() else "Fractional"] += len(s) - nulls
            present = s.drop_nulls()
            self._update_numbers(present.cast(pl.Float64))
            # typed numbers: distinct values are hashed as numbers; categories are counted (as
            # text) only while the column stays low-cardinality, which the distinct summary tells
            # (its estimate errs by ~1.6 %, far below the factor 2: a column past it would end
            # with more than `category_cap` values, so its categories would be dropped anyway)
            self._update_distinct(present)
            if self.categories_exact and self.distinct_count <= 2 * self.category_cap:
                # count the numbers, then write the few distinct ones as text
                values, counts, _ = _value_counts(present)
                add: dict[str, int] = {}
                for k, v in zip(values.cast(pl.String).to_list(), counts.tolist(), strict=True):
                    add[k] = add.get(k, 0) + v
                self._add_category_counts(add)
            else:
                self.categories_exact = False
            if not self.categories_exact:
                self.categories = {}  # a high-cardinality number column: quantiles describe it
        else:
            # dates, lists, structs...: profiled as their text form
            self._update_text(s.cast(pl.String))

    def _update_text(self, s: pl.Series) -> None:
        # Per distinct value when the batch has few (stripping never adds distinct values, so
        # the raw count decides conservatively). The batch's head tells cheaply whether the
        # count is worth trying; an estimate settles doubtful cases. Both paths give the same
        # profile; the choice only costs time.
        if not (self.numeric_so_far and not self.categories_exact):
            head = s.head(_HEAD_ROWS)
            if head.n_unique() <= len(head) // 2 or cast(int, s.approx_n_unique()) <= DISTINCT_PATH_MAX:
                counted = _value_counts(s)
                if len(counted[0]) <= DISTINCT_PATH_MAX:
                    self._update_text_by_value(len(s), *counted)
                    return
        t = s.str.strip_chars()
        frame = _classify(t)
        counts = frame.select(pl.all().fill_null(False).sum()).row(0, named=True)
        missing = int(counts["missing"])
        self.num_missing += missing
        self.num_present += len(s) - missing
        self.type_counts["Integral"] += int(counts["integral"])
        self.type_counts["Fractional"] += int(counts["fractional"])
        self.type_counts["Boolean"] += int(counts["boolean"])
        self.type_counts["String"] += len(s) - missing - int(counts["integral"] + counts["fractional"] + counts["boolean"])
        numeric_mask = (frame["integral"] | frame["fractional"]).fill_null(False)
        if numeric_mask.any():
            self._update_numbers(t.filter(numeric_mask).cast(pl.Float64, strict=False).drop_nulls())
        present = t.filter(~frame["missing"].fill_null(True))
        self._update_categories(present)

    def _update_text_by_value(self, rows: int, values: pl.Series, c: np.ndarray, nulls: int) -> None:
        """The same as the row-wise path for a low-cardinality batch of ``rows`` rows, faster:
        given its distinct values and their counts (:func:`_value_counts`), strip and classify
        each distinct value once, weight by its count."""
        stripped = values.str.strip_chars()
        if (stripped != values).any():
            merged = pl.DataFrame({"v": stripped, "n": c}).group_by("v").agg(pl.col("n").sum()).sort("v")
            values, c = merged["v"], merged["n"].to_numpy().astype(np.int64)
        kinds = _classify(values)
        masks = {k: kinds[k].to_numpy() for k in kinds.columns}
        missing = int(nulls) + int(c[masks["missing"]].sum())
        n_int, n_frac, n_bool = (int(c[masks[k]].sum()) for k in ("integral", "fractional", "boolean"))
        self.num_missing += missing
        self.num_present += rows - missing
        self.type_counts["Integral"] += n_int
        self.type_counts["Fractional"] += n_frac
        self.type_counts["Boolean"] += n_bool
        self.type_counts["String"] += rows - missing - n_int - n_frac - n_bool
        numeric = masks["integral"] | masks["fractional"]
        if numeric.any():
            parsed = values.filter(pl.Series(numeric)).cast(pl.Float64, strict=False).to_numpy()
            # rows grouped by value, in the values' sorted order: moments and the sketch see the
            # same multiset as the row-wise path (sketch choices may differ, within its bound)
            self._update_numbers(pl.Series(np.repeat(parsed, c[numeric])))
        keep = ~masks["missing"]
        if keep.any():
            present = values.filter(pl.Series(keep))
            self._update_distinct(present)
            if self.categories_exact or not self.numeric_so_far:
                self._add_category_counts(dict(zip(present.to_list(), c[keep].tolist(), strict=True)))
                if not self.categories_exact and self.numeric_so_far:
                    self.categories = {}

    def _update_numbers(self, values: pl.Series) -> None:
        if len(values) == 0:
            return
        m = moments(values)
        self.moments = m if self.moments is None else self.moments.merge(m)
        if self.kll is None:
            self.kll = KllSketch(self.kll_k, self.kll_c, _seed_of(self.name))
        self.kll.update(values)

    def _update_distinct(self, present: pl.Series) -> None:
        """Add the batch's hashes to the KMV summary (one pass in Rust keeps the K smallest)."""
        if len(present) == 0:
            return
        hashes = np.ascontiguousarray(present.hash(seed=0x5EED).to_numpy(), dtype=_U64)
        self.kmv = _core.kmv_update(np.ascontiguousarray(self.kmv, dtype=_U64), hashes, _KMV_K)

    @property
    def numeric_so_far(self) -> bool:
        return self.type_counts["String"] == 0 and self.type_counts["Boolean"] == 0

    def _update_categories(self, present: pl.Series) -> None:
        if len(present) == 0:
            return
        self._update_distinct(present)
        if not self.categories_exact and self.numeric_so_far:
            return  # a high-cardinality numeric column: quantiles describe it, not categories
        if self.numeric_so_far and cast(int, present.approx_n_unique()) > 2 * self.category_cap:
            # the counting below would end the same way (categories dropped, not exact); the
            # estimate's error is far below the factor 2
            self.categories_exact = False
            self.categories = {}
            return
        values, counts, _ = _value_counts(present)
        cats: list[str] = values.to_list()
        if len(cats) > self.category_cap:
            # only the batch's largest counts can survive the Misra-Gries cut below (ties in
            # value order, so the cut is deterministic)
            top = np.argsort(-counts, kind="stable")[: self.category_cap + 1]
            cats, counts = [cats[i] for i in top], counts[top]
            self.categories_exact = False
        self._add_category_counts(dict(zip(cats, counts.tolist(), strict=True)))
        if not self.categories_exact and self.numeric_so_far:
            self.categories = {}

    def _add_category_counts(self, add: dict[str, int]) -> None:
        cats = self.categories
        for k, v in add.items():
            cats[k] = cats.get(k, 0) + v
        if len(cats) > self.category_cap:
            # Misra-Gries: keep the `cap` largest counters, each lowered by the first dropped one.
            self.categories_exact = False
            ordered = sorted(cats.items(), key=lambda kv: (-kv[1], kv[0]))
            cut = ordered[self.category_cap][1]
            self.categories = {k: v - cut for k, v in ordered[: self.category_cap] if v > cut}

    def merge(self, other: ColumnProfile) -> ColumnProfile:
        """The profile of the union of the two parts' rows (``self`` is not modified)."""
        out = ColumnProfile(self.name, category_cap=self.category_cap, kll_k=self.kll_k, kll_c=self.kll_c)
        out.num_present = self.num_present + other.num_present
        out.num_missing = self.num_missing + other.num_missing
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
        out.categories = dict(self.categories)
        out.categories_exact = self.categories_exact and other.categories_exact
        out._add_category_counts(other.categories)
        merged = np.union1d(self.kmv, other.kmv)
        out.kmv = merged[:_KMV_K]
        return out


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

    def update(self, batch: pl.DataFrame, *, exclude: tuple[str, ...] = ()) -> None:
        """Add one batch of rows (columns not seen before start with the rows before as missing)."""
        work = []
        for name in batch.columns:
            if name in exclude:
                continue
            col = self.columns.get(name)
            if col is None:
                col = ColumnProfile(name, num_missing=self.item_count, category_cap=self.category_cap, kll_k=self.kll_k, kll_c=self.kll_c)
                self.columns[name] = col
            work.append((col, batch[name]))
        if len(work) > 1 and batch.height * len(work) >= PARALLEL_CELLS:
            # Columns are independent: the Rust kernels and Polars release the GIL, so threads
            # profile several columns at once; each column's result is the same as sequentially.
            with ThreadPoolExecutor(max_workers=min(len(work), os.cpu_count() or 1)) as pool:
                list(pool.map(lambda cs: cs[0].update(cs[1]), work))
        else:
            for col, s in work:
                col.update(s)
        for name, col in self.columns.items():
            if name not in batch.columns:
                col.num_missing += batch.height
        self.item_count += batch.height

    def merge(self, other: Profile) -> Profile:
        out = Profile(item_count=self.item_count + other.item_count, kll_k=self.kll_k, kll_c=self.kll_c,
                      category_cap=self.category_cap, bad_records=self.bad_records + other.bad_records)
        for name in list(self.columns) + [n for n in other.columns if n not in self.columns]:
            a = self.columns.get(name) or ColumnProfile(name, num_missing=self.item_count, kll_k=self.kll_k, kll_c=self.kll_c)
            b = other.columns.get(name) or ColumnProfile(name, num_missing=other.item_count, kll_k=self.kll_k, kll_c=self.kll_c)
            out.columns[name] = a.merge(b)
        return out
