"""Profile a Parquet file or folder with ``driftline.suggest_baseline`` in batches and
report rows, wall time, rows/s and peak memory.

Peak memory is read two ways: ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` (the kernel's
high-water mark of resident memory, KiB on Linux) and a sampler thread that reads ``VmRSS`` and
``VmHWM`` from ``/proc/self/status`` every ``--sample-ms`` milliseconds, so the report also shows
the memory after imports and how RSS evolves while the batches stream. Memory is that of this
process alone (no child processes are started).

Usage::

    python benches/datagen.py --gigabytes 10 --out /tmp/dq/ref-10g.parquet
    python benches/scale_profile.py /tmp/dq/ref-10g.parquet --batch-rows 500000 --out /tmp/dq/baseline-10g
    python benches/scale_profile.py /tmp/dq/ref-10g.parquet --read-only     # I/O alone: iter_batches, no profiling
    python benches/scale_profile.py /tmp/dq/ref-10g.parquet --parquet-pre-buffer off  # what-if: the proposed fix
    python benches/scale_profile.py /tmp/dq/ref-1e6.parquet --cprofile /tmp/dq/prof.out  # where the time goes

The last line of output is one JSON object with every number (for BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import threading
import time
from pathlib import Path
from typing import Any

_T0 = time.perf_counter()


def _status_kib(field: str) -> int:
    """A ``/proc/self/status`` memory field in KiB (0 where /proc is missing)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _maxrss_kib() -> int:
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r // 1024 if sys.platform == "darwin" else r  # bytes on macOS, KiB on Linux


class RssSampler(threading.Thread):
    """Samples VmRSS every ``interval`` seconds; keeps the maximum and a coarse trace."""

    def __init__(self, interval: float) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.peak_kib = 0
        self.trace: list[tuple[float, int]] = []  # (seconds since start, VmRSS KiB), one a second
        self._stop_event = threading.Event()

    def run(self) -> None:
        last = -1.0
        while not self._stop_event.is_set():
            rss = _status_kib("VmRSS")
            self.peak_kib = max(self.peak_kib, rss)
            now = time.perf_counter() - _T0
            if now - last >= 1.0:
                self.trace.append((round(now, 1), rss))
                last = now
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def _mib(kib: int) -> float:
    return round(kib / 1024, 1)


def _input_bytes(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*.parquet"))
    return path.stat().st_size


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("path", type=Path, help="a Parquet file or a folder of them")
    ap.add_argument("--batch-rows", type=int, default=500_000, help="rows per batch (suggest_baseline's batch_rows)")
    ap.add_argument("--out", type=Path, default=None, help="write statistics.json and constraints.json here")
    ap.add_argument("--read-only", action="store_true", help="only stream the batches (driftline.io.iter_batches), no profile")
    ap.add_argument("--cprofile", type=Path, default=None, help="run under cProfile, dump the stats here and print the top 15")
    ap.add_argument("--sample-ms", type=float, default=50.0, help="VmRSS sampling interval")
    ap.add_argument("--limit-gb", type=float, default=2.0, help="the peak RSS goal in GB (1e9 bytes), for the verdict line")
    ap.add_argument(
        "--parquet-pre-buffer",
        choices=["default", "off"],
        default="default",
        help="'off': a what-if run with pyarrow.parquet.ParquetFile(..., pre_buffer=False), the fix proposed in "
        "DQ_BENCHMARKS.md (driftline.io.tables opens Parquet files with pyarrow's default pre_buffer=True, whose "
        "read cache keeps every row group read until the file is closed, so RSS grows with the file's size)",
    )
    args = ap.parse_args(argv)

    sampler = RssSampler(args.sample_ms / 1000)
    sampler.start()
    before_import = _status_kib("VmRSS")

    import polars as pl
    import pyarrow as pa

    import driftline
    from driftline.data_quality.baseline import suggest_baseline
    from driftline.io import iter_batches

    if args.parquet_pre_buffer == "off":
        import pyarrow.parquet as pq

        class _NoPreBuffer(pq.ParquetFile):  # type: ignore[misc]
            def __init__(self, source: Any, *a: Any, **kw: Any) -> None:
                kw.setdefault("pre_buffer", False)
                super().__init__(source, *a, **kw)

        pq.ParquetFile = _NoPreBuffer  # looked up at call time by driftline.io.tables._parquet_frames

    after_import = _status_kib("VmRSS")
    rows = 0
    t0 = time.perf_counter()
    if args.read_only:
        for batch in iter_batches(args.path, batch_rows=args.batch_rows):
            rows += batch.height
    else:
        def run() -> Any:
            return suggest_baseline(args.path, batch_rows=args.batch_rows)

        if args.cprofile is not None:
            import cProfile
            import pstats

            prof = cProfile.Profile()
            baseline = prof.runcall(run)
            prof.dump_stats(args.cprofile)
            pstats.Stats(str(args.cprofile), stream=sys.stderr).sort_stats("tottime").print_stats(15)
        else:
            baseline = run()
        rows = baseline.profile.item_count
        if args.out is not None:
            baseline.write(args.out)
    wall = time.perf_counter() - t0
    sampler.stop()
    peak_hwm = _status_kib("VmHWM")
    peak_ru = _maxrss_kib()
    peak = max(peak_hwm, peak_ru, sampler.peak_kib)

    result = {
        "path": str(args.path),
        "input_bytes": _input_bytes(args.path),
        "mode": "read-only" if args.read_only else "suggest_baseline",
        "parquet_pre_buffer": args.parquet_pre_buffer,
        "batch_rows": args.batch_rows,
        "rows": rows,
        "wall_s": round(wall, 2),
        "rows_per_s": round(rows / wall) if wall > 0 else None,
        "mb_per_s": round(_input_bytes(args.path) / 1e6 / wall, 1) if wall > 0 else None,
        "rss_before_import_mib": _mib(before_import),
        "rss_after_import_mib": _mib(after_import),
        "peak_rss_mib_ru_maxrss": _mib(peak_ru),
        "peak_rss_mib_vmhwm": _mib(peak_hwm),
        "peak_rss_mib_sampled": _mib(sampler.peak_kib),
        "under_limit": peak * 1024 <= args.limit_gb * 1e9,
        "rss_trace_mib": [(t, _mib(k)) for t, k in sampler.trace[:: max(1, len(sampler.trace) // 20)]],
        "versions": {
            "driftline": getattr(driftline, "__version__", "dev"),
            "polars": pl.__version__,
            "pyarrow": pa.__version__,
            "python": platform.python_version(),
        },
        "cpus": os.cpu_count(),
    }
    print(
        f"{result['mode']}: {rows:,} rows in {wall:.1f} s = {result['rows_per_s']:,} rows/s "
        f"({result['mb_per_s']} MB/s of Parquet); peak RSS {_mib(peak):,.0f} MiB "
        f"(after imports {_mib(after_import):,.0f} MiB) -> {'under' if result['under_limit'] else 'OVER'} {args.limit_gb} GB",
        file=sys.stderr,
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
