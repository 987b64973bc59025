"""Deterministic generator of the data-quality benchmark dataset, written as Parquet row group by
row group so a dataset far larger than memory can be made (memory stays at about one chunk).

Columns (15): ten numeric with assorted distributions and five categorical text columns.

| column | type | distribution | null share |
|---|---|---|---|
| ``num_00`` | Float64 | normal(50, 10) | |
| ``num_01`` | Float64 | lognormal(0, 0.5) | |
| ``num_02`` | Float64 | exponential(scale 2) | |
| ``num_03`` | Float64 | uniform(-1, 1) | |
| ``num_04`` | Float64 | gamma(shape 2, scale 3) | 1 % |
| ``num_05`` | Float64 | Student t (5 dof) | |
| ``num_06`` | Int64 | Poisson(4) | |
| ``num_07`` | Int64 | uniform integers 0..999 | |
| ``num_08`` | Int64 | binomial(50, 0.3) | |
| ``num_09`` | Float64 | mixture 0.7 normal(-2, 1) + 0.3 normal(3, 0.5) | |
| ``cat_00`` .. ``cat_04`` | String | Zipf-like (p_i ~ 1/(i+1)) over 5, 10, 20, 35, 50 categories | ``cat_03``: 1 % |

The ``current`` variant draws from another random stream with three drifts injected, large
enough that every drift test of driftline, Evidently and NannyML flags them, while the twelve
other columns keep their distribution:

- ``num_00``: mean shifted by +0.5 standard deviations (normal(55, 10));
- ``num_01``: scaled by 1.5 (lognormal(ln 1.5, 0.5));
- ``cat_01``: the category probabilities reversed (the rarest category becomes the most frequent).

Determinism: chunk ``i`` of variant ``v`` with seed ``s`` is drawn from
``SeedSequence([s, v, i])``, so the same arguments give the same rows (and the same bytes), and
the first N rows do not depend on how many rows follow them.

Usage::

    python benches/datagen.py --rows 1000000 --out /tmp/dq/ref-1e6.parquet
    python benches/datagen.py --rows 1000000 --variant current --out /tmp/dq/cur-1e6.parquet
    python benches/datagen.py --gigabytes 10 --out /tmp/dq/ref-10g.parquet
    python benches/datagen.py --gigabytes 10 --rows-per-file 20000000 --out /tmp/dq/ref-10g/  # a folder of files
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

__all__ = [
    "CATEGORICAL",
    "CHUNK_ROWS",
    "DRIFTED",
    "NUMERIC",
    "SCHEMA",
    "chunk",
    "generate",
    "iter_chunks",
]

CHUNK_ROWS = 1_000_000  # rows per generated chunk = per Parquet row group
VARIANTS = {"reference": 0, "current": 1}

NUMERIC: dict[str, pa.DataType] = {
    "num_00": pa.float64(),
    "num_01": pa.float64(),
    "num_02": pa.float64(),
    "num_03": pa.float64(),
    "num_04": pa.float64(),
    "num_05": pa.float64(),
    "num_06": pa.int64(),
    "num_07": pa.int64(),
    "num_08": pa.int64(),
    "num_09": pa.float64(),
}
CATEGORY_COUNTS = {"cat_00": 5, "cat_01": 10, "cat_02": 20, "cat_03": 35, "cat_04": 50}
CATEGORICAL: dict[str, pa.DataType] = {name: pa.string() for name in CATEGORY_COUNTS}
SCHEMA = pa.schema([*NUMERIC.items(), *CATEGORICAL.items()])
NULL_SHARE = {"num_04": 0.01, "cat_03": 0.01}
DRIFTED = ("num_00", "num_01", "cat_01")  # the columns the current variant shifts


def _labels(name: str, k: int) -> pa.Array:
    return pa.array([f"{name}_{i:02d}" for i in range(k)], type=pa.string())


_LABELS = {name: _labels(name, k) for name, k in CATEGORY_COUNTS.items()}


def _zipf(k: int) -> np.ndarray:
    p = 1.0 / np.arange(1, k + 1)
    out: np.ndarray = p / p.sum()
    return out


def _probabilities(name: str, drift: bool) -> np.ndarray:
    p = _zipf(CATEGORY_COUNTS[name])
    return p[::-1].copy() if drift and name == "cat_01" else p


def chunk(index: int, rows: int, *, seed: int = 0, variant: str = "reference") -> pa.Table:
    """Rows ``[index * CHUNK_ROWS, index * CHUNK_ROWS + rows)`` of a variant, as an Arrow table."""
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {sorted(VARIANTS)}, got {variant!r}")
    drift = variant == "current"
    rng = np.random.default_rng(np.random.SeedSequence([seed, VARIANTS[variant], index]))
    n = rows
    values: dict[str, np.ndarray] = {
        "num_00": rng.normal(55.0 if drift else 50.0, 10.0, n),
        "num_01": rng.lognormal(np.log(1.5) if drift else 0.0, 0.5, n),
        "num_02": rng.exponential(2.0, n),
        "num_03": rng.uniform(-1.0, 1.0, n),
        "num_04": rng.gamma(2.0, 3.0, n),
        "num_05": rng.standard_t(5, n),
        "num_06": rng.poisson(4.0, n).astype(np.int64),
        "num_07": rng.integers(0, 1000, n, dtype=np.int64),
        "num_08": rng.binomial(50, 0.3, n).astype(np.int64),
        "num_09": np.where(rng.random(n) < 0.7, rng.normal(-2.0, 1.0, n), rng.normal(3.0, 0.5, n)),
    }
    columns: list[pa.Array] = []
    for name, dtype in NUMERIC.items():
        mask = rng.random(n) < NULL_SHARE[name] if name in NULL_SHARE else None
        columns.append(pa.array(values[name], type=dtype, mask=mask))
    for name in CATEGORICAL:
        codes = rng.choice(CATEGORY_COUNTS[name], size=n, p=_probabilities(name, drift)).astype(np.int32)
        col = _LABELS[name].take(pa.array(codes))
        if name in NULL_SHARE:
            mask = rng.random(n) < NULL_SHARE[name]
            col = pc.if_else(pa.array(mask), pa.scalar(None, pa.string()), col)
        columns.append(col)
    return pa.Table.from_arrays(columns, schema=SCHEMA)


def iter_chunks(rows: int, *, seed: int = 0, variant: str = "reference", start: int = 0) -> Iterator[pa.Table]:
    """The first ``rows`` rows (from chunk ``start`` on), one chunk of up to CHUNK_ROWS at a time."""
    index = start
    while rows > 0:
        n = min(rows, CHUNK_ROWS)
        yield chunk(index, n, seed=seed, variant=variant)
        rows -= n
        index += 1


def _metadata(seed: int, variant: str) -> dict[bytes, bytes]:
    return {b"driftline.datagen": json.dumps({"seed": seed, "variant": variant, "chunk_rows": CHUNK_ROWS}).encode()}


def generate(
    out: str | os.PathLike[str],
    *,
    rows: int | None = None,
    gigabytes: float | None = None,
    seed: int = 0,
    variant: str = "reference",
    rows_per_file: int | None = None,
    compression: str = "snappy",
    progress: bool = False,
) -> tuple[int, int, list[str]]:
    """Write the dataset to ``out`` (a ``.parquet`` file, or a folder of ``part-NNNNN.parquet``
    files of ``rows_per_file`` rows each) until ``rows`` rows or ``gigabytes`` * 1e9 bytes on disk
    are written. Returns (rows, bytes, files)."""
    if (rows is None) == (gigabytes is None):
        raise ValueError("give exactly one of rows and gigabytes")
    limit_bytes = None if gigabytes is None else int(gigabytes * 1e9)
    if rows_per_file is not None and rows_per_file % CHUNK_ROWS:
        raise ValueError(f"rows_per_file must be a multiple of {CHUNK_ROWS}")
    out = Path(out)
    folder = rows_per_file is not None or out.suffix != ".parquet"
    if folder:
        out.mkdir(parents=True, exist_ok=True)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
    schema = SCHEMA.with_metadata(_metadata(seed, variant))
    files: list[str] = []
    written_rows = done_bytes = 0
    writer: pq.ParquetWriter | None = None
    file_rows = 0
    t0 = time.perf_counter()
    index = 0
    try:
        while True:
            if rows is not None and written_rows >= rows:
                break
            current = done_bytes + (os.path.getsize(files[-1]) if writer is not None else 0)
            if limit_bytes is not None and current >= limit_bytes:
                break
            if writer is None or (rows_per_file is not None and file_rows >= rows_per_file):
                if writer is not None:
                    writer.close()
                    done_bytes += os.path.getsize(files[-1])
                path = out / f"part-{len(files):05d}.parquet" if folder else out
                files.append(str(path))
                writer = pq.ParquetWriter(path, schema, compression=compression)
                file_rows = 0
            n = CHUNK_ROWS if rows is None else min(CHUNK_ROWS, rows - written_rows)
            writer.write_table(chunk(index, n, seed=seed, variant=variant), row_group_size=CHUNK_ROWS)
            written_rows += n
            file_rows += n
            index += 1
            if progress and index % 10 == 0:
                size = done_bytes + os.path.getsize(files[-1])
                rate = written_rows / (time.perf_counter() - t0)
                print(f"  {written_rows:,} rows, {size / 1e9:.2f} GB, {rate:,.0f} rows/s", file=sys.stderr, flush=True)
    finally:
        if writer is not None:
            writer.close()
    total = sum(os.path.getsize(f) for f in files)
    return written_rows, total, files


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    size = ap.add_mutually_exclusive_group(required=True)
    size.add_argument("--rows", type=int, help="number of rows")
    size.add_argument("--gigabytes", type=float, help="write chunks until the output reaches this size (1 GB = 1e9 bytes)")
    ap.add_argument("--out", required=True, help="a .parquet file, or a folder (with --rows-per-file, or any path not ending in .parquet)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--variant", choices=sorted(VARIANTS), default="reference", help="'current' injects the drifts (num_00, num_01, cat_01)")
    ap.add_argument("--rows-per-file", type=int, default=None, help=f"split into files of this many rows (a multiple of {CHUNK_ROWS})")
    ap.add_argument("--compression", default="snappy")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    rows, nbytes, files = generate(
        args.out,
        rows=args.rows,
        gigabytes=args.gigabytes,
        seed=args.seed,
        variant=args.variant,
        rows_per_file=args.rows_per_file,
        compression=args.compression,
        progress=True,
    )
    dt = time.perf_counter() - t0
    print(json.dumps({"out": args.out, "files": len(files), "rows": rows, "bytes": nbytes, "seconds": round(dt, 1), "variant": args.variant, "seed": args.seed}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
