"""``driftline baseline``: profile training data into statistics.json and constraints.json."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from driftline.cli._common import EXIT_CODES, bounded, rows_progress

if TYPE_CHECKING:
    from driftline.data_quality.baseline import Baseline


def add_spark_options(p: Any) -> None:
    """``--spark`` / ``--spark-master``: profile ``--data`` with Spark (driftline.spark), shared with ``monitor``."""
    p.add_argument("--spark", action="store_true",
                   help="read --data with Spark and profile it there, per partition (needs pyspark and Java 17+)")
    p.add_argument("--spark-master", metavar="URL",
                   help="Spark master for --spark (default: local[2]; e.g. spark://host:7077, yarn)")


def register(sub: Any) -> None:
    p = sub.add_parser(
        "baseline",
        epilog=EXIT_CODES,
        help="profile training data and write statistics.json and constraints.json",
        description="Profile a dataset (CSV, Parquet, JSON Lines; streamed in batches) and write SageMaker-style "
        "statistics.json and suggested constraints.json.",
    )
    p.add_argument("--data", required=True, help="a file or folder of CSV, Parquet or JSON Lines files")
    p.add_argument("--out", required=True, type=Path, help="output folder (new, empty, or an earlier baseline's)")
    p.add_argument("--no-header", action="store_true", help="CSV without a header: columns are named _c0, _c1, ...")
    p.add_argument("--batch-rows", type=bounded(int, 1), default=500_000, help="rows per batch (default: 500000)")
    p.add_argument("--on-bad-record", choices=["fail", "skip"], default="fail",
                   help="fail on bad records (default) or skip them with a report")
    add_spark_options(p)
    p.set_defaults(handler=run, command="driftline baseline")


def run(args: argparse.Namespace) -> int:
    from driftline._outputs import OutputFolder
    from driftline.data_quality.baseline import BASELINE_FILES
    from driftline.errors import InvalidArgumentError

    OutputFolder(args.out, BASELINE_FILES, "baseline", inputs=[args.data], argument="--out")  # refused before the work
    if args.spark_master and not args.spark:
        raise InvalidArgumentError("--spark-master needs --spark")
    if args.spark:
        from driftline import spark

        session = spark.session(args.spark_master)
        frame = spark.read_data(session, args.data, has_header=not args.no_header, on_bad_record=args.on_bad_record)
        baseline = spark.suggest_baseline(frame, source=args.data if "://" not in args.data else None, batch_rows=args.batch_rows)
    else:
        baseline = _local(args)
    return _report(baseline, args)


def _local(args: argparse.Namespace) -> Baseline:
    from driftline.data_quality.baseline import suggest_baseline

    with rows_progress() as progress:
        baseline = suggest_baseline(
            args.data, has_header=not args.no_header, batch_rows=args.batch_rows, progress=progress,
            on_bad_record=args.on_bad_record,
        )
    return baseline


def _report(baseline: Baseline, args: argparse.Namespace) -> int:
    profile = baseline.profile
    assert profile is not None  # a suggested baseline carries the profile it was made from
    baseline.write(args.out, argument="--out")
    print(f"baseline of {profile.item_count} rows, {len(profile.columns)} columns -> "
          f"{args.out / 'statistics.json'}, {args.out / 'constraints.json'}")
    if profile.bad_records:
        print(f"  skipped {profile.bad_records} bad records", file=sys.stderr)
    return 0
