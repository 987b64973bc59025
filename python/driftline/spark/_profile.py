"""Profiles of Spark DataFrames: one partial :class:`~driftline.profile.Profile` per partition,
computed by driftline's Rust core from Arrow record batches inside the Spark tasks
(``DataFrame.mapInArrow``: no row-wise Python), serialised (:mod:`driftline.spark._serde`) into
one binary cell per partition, and merged on the driver with :meth:`Profile.merge`.

Every partition's partial profile holds every column of the DataFrame, in its order, so an
empty partition contributes zero counts and the merged profile lists the columns as the
single-process profile does.
"""

from __future__ import annotations

import contextlib
import re
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from driftline.profile import Profile
from driftline.spark._serde import profile_from_bytes, profile_to_bytes
from driftline.stats import KllSketch

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame

__all__ = ["PartialProfiles", "describe", "merge_partials", "partial_profiles", "profile_spark", "tree_merged"]

_OUTPUT_SCHEMA = "partition INT, profile BINARY"
_SEED_STEP = 0x9E3779B1  # partitions' sketches make independent random choices (seed per column and partition)


def _sketch_seed(name: str, partition: int) -> int:
    return (zlib.crc32(name.encode("utf-8")) + partition * _SEED_STEP) % (1 << 32)


def _profile_partition(batches: Iterator[pa.RecordBatch], names: list[str], exclude: tuple[str, ...],
                       batch_rows: int) -> Iterator[pa.RecordBatch]:
    """Runs in a Spark task: the partition's batches through :meth:`Profile.update`, then ONE row
    (partition id, serialised partial profile)."""
    import polars as pl
    import pyarrow as pa
    from pyspark import TaskContext

    ctx = TaskContext.get()
    partition = ctx.partitionId() if ctx is not None else 0
    profile = Profile()
    skip = set(exclude)
    for name in names:  # every column, in the DataFrame's order, even when the partition is empty
        if name not in skip:
            col = profile._column(name)
            col.kll = KllSketch(col.kll_k, col.kll_c, _sketch_seed(name, partition))
    pending: list[pa.RecordBatch] = []
    rows = 0

    def flush() -> None:
        # Spark hands over small Arrow batches (spark.sql.execution.arrow.maxRecordsPerBatch, 10,000 rows by
        # default); profiling them in chunks of about `batch_rows` rows (as one process reads a file) pays the
        # per-batch cost of Profile.update once per chunk
        frame = pl.from_arrow(pa.Table.from_batches(pending))
        assert isinstance(frame, pl.DataFrame)
        profile.update(frame.rechunk(), exclude=exclude)
        pending.clear()

    for batch in batches:
        if batch.num_rows == 0:
            continue
        pending.append(batch)
        rows += batch.num_rows
        if rows >= batch_rows:
            flush()
            rows = 0
    if pending:
        flush()
    for col in profile.columns.values():
        if col.kll is not None and col.kll.is_empty and col.moments is None:
            col.kll = None  # as a single-process profile of a column without numbers: no sketch
    yield pa.RecordBatch.from_arrays([pa.array([partition], pa.int32()), pa.array([profile_to_bytes(profile)], pa.binary())],
                                     names=["partition", "profile"])


@dataclass
class PartialProfiles:
    """The partial profiles of a DataFrame's partitions (by partition id) and what they cost."""

    partials: list[tuple[int, bytes]]
    profile_seconds: float  # the Spark job: read, profile and serialise in the tasks, collect
    merge_seconds: float = 0.0  # deserialise and merge on the driver

    @property
    def bytes_total(self) -> int:
        return sum(len(b) for _, b in self.partials)


def partial_profiles(df: DataFrame, *, exclude: tuple[str, ...] = (), batch_rows: int = 500_000) -> PartialProfiles:
    """Run the Spark job: one serialised partial profile per partition, sorted by partition id.
    Each task profiles its Arrow batches in chunks of about ``batch_rows`` rows (memory per task:
    one chunk)."""
    t0 = time.perf_counter()
    with _task_errors():
        rows = _partials_df(df, exclude, batch_rows).collect()
    seconds = time.perf_counter() - t0
    partials = sorted((int(r["partition"]), bytes(r["profile"])) for r in rows)
    return PartialProfiles(partials, seconds)


def _partials_df(df: DataFrame, exclude: tuple[str, ...], batch_rows: int) -> DataFrame:
    names = list(df.columns)
    excl = tuple(exclude)

    def task(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        return _profile_partition(batches, names, excl, batch_rows)

    return df.mapInArrow(task, _OUTPUT_SCHEMA)


@contextlib.contextmanager
def _task_errors() -> Iterator[None]:
    """A driftline input error raised in a Spark task (a column of arrays, say) reaches the caller
    as the same error with its message, not as a Java stack trace."""
    try:
        yield
    except Exception as e:
        if type(e).__name__ != "PythonException":
            raise
        text = str(e)
        found = re.findall(r"driftline\.errors\.(\w+): (.*)", text)
        if not found:
            raise
        name, message = found[-1]
        import driftline.errors as errors

        kind = getattr(errors, name, None)
        if not (isinstance(kind, type) and issubclass(kind, errors.DriftlineError)):
            raise
        raise kind(f"in a Spark task: {message.strip()}") from None


def _merge_bytes(a: bytes, b: bytes) -> bytes:
    return profile_to_bytes(profile_from_bytes(a).merge(profile_from_bytes(b)))


def tree_merged(df: DataFrame, *, exclude: tuple[str, ...] = (), batch_rows: int = 500_000, depth: int = 2) -> PartialProfiles:
    """The partial profiles merged on the executors (``RDD.treeReduce`` of ``depth`` levels), so
    only one profile reaches the driver: for many partitions of a wide table, whose partials
    together would not fit the driver. Returns one "partial" (partition -1), the merge."""
    t0 = time.perf_counter()
    partials = _partials_df(df, exclude, batch_rows).rdd.map(lambda r: bytes(r["profile"]))
    try:
        with _task_errors():
            merged = partials.treeReduce(_merge_bytes, depth=depth)
    except ValueError:  # no partitions at all
        return PartialProfiles([], time.perf_counter() - t0)
    return PartialProfiles([(-1, merged)], time.perf_counter() - t0)


def _normalise(profile: Profile) -> Profile:
    """Restore what a single pass keeps: a numeric column whose categories were dropped as
    high-cardinality keeps none (a merge can leave the Misra-Gries survivors behind)."""
    for col in profile.columns.values():
        if col.numeric_so_far and not col.categories_exact:
            col.category_counts = {}
    return profile


def merge_partials(parts: PartialProfiles, names: list[str], exclude: tuple[str, ...] = ()) -> Profile:
    """Deserialise and merge the partial profiles in partition order (deterministic for a given
    partitioning); records the time in ``parts.merge_seconds``."""
    t0 = time.perf_counter()
    merged: Profile | None = None
    for _, data in parts.partials:
        p = profile_from_bytes(data)
        merged = p if merged is None else merged.merge(p)
    if merged is None:  # a DataFrame with no partitions at all
        merged = Profile()
        for name in names:
            if name not in exclude:
                merged._column(name)
    parts.merge_seconds = time.perf_counter() - t0
    return _normalise(merged)


def profile_spark(df: DataFrame, *, exclude: tuple[str, ...] = (), batch_rows: int = 500_000,
                  tree_depth: int = 0) -> tuple[Profile, PartialProfiles]:
    """The profile of a Spark DataFrame (equal to ``Profile.of`` of the same rows in one process:
    counts, types, category counts and distinct summaries exactly, moments up to summation
    order, quantiles within the KLL bound) and the partial profiles it was merged from.
    ``tree_depth`` > 0 merges on the executors instead (:func:`tree_merged`)."""
    if tree_depth > 0:
        parts = tree_merged(df, exclude=exclude, batch_rows=batch_rows, depth=tree_depth)
    else:
        parts = partial_profiles(df, exclude=exclude, batch_rows=batch_rows)
    return merge_partials(parts, list(df.columns), tuple(exclude)), parts


def describe(parts: PartialProfiles) -> dict[str, Any]:
    """Sizes and timings of a profiling job, for logs and benchmarks."""
    return {"partitions": len(parts.partials), "bytes": parts.bytes_total,
            "profile_seconds": parts.profile_seconds, "merge_seconds": parts.merge_seconds}
