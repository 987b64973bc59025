"""``driftline monitor``: a data-quality run over a window of captured data."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from driftline.cli._common import EXIT_CODES, bounded, exit_code, iso_time, print_status, rows_progress
from driftline.cli.baseline import add_spark_options

if TYPE_CHECKING:
    from driftline.data_quality.monitor import MonitorRun


def register(sub: Any) -> None:
    p = sub.add_parser(
        "monitor",
        epilog=EXIT_CODES,
        help="check a window of captured data against a baseline",
        description="Run a data-quality monitor: read the window [start, end) of captured data (a SageMaker "
        "capture folder or file, or a table), compare it with the baseline and write statistics.json, "
        "constraint_violations.json, metrics.json, drift.json and monitoring_run.json.",
    )
    p.add_argument("--baseline", required=True, type=Path, help="folder with statistics.json and constraints.json")
    p.add_argument("--data", required=True, help="capture folder ({endpoint}/{variant}/yyyy/mm/dd/hh) or file, or a table")
    p.add_argument("--out", required=True, type=Path, help="output folder (new, empty, or an earlier run's)")
    p.add_argument("--start", type=iso_time, help="window start, ISO 8601 (UTC if no offset)")
    p.add_argument("--end", type=iso_time, help="window end (exclusive), ISO 8601")
    p.add_argument("--no-header", action="store_true", help="a CSV table without a header")
    p.add_argument("--on-bad-record", choices=["fail", "skip"], default="fail",
                   help="fail the run on bad records (default) or skip them with a report")
    p.add_argument("--output-columns-position", choices=["START", "END"], default="START",
                   help="where capture output columns go among the features (default: START)")
    p.add_argument("--baseline-data", help="the raw baseline data, for exact KS and Wasserstein tests")
    p.add_argument("--alpha", type=bounded(float, 0, 1, lo_open=True, hi_open=True), default=0.05,
                   help="false-positive rate of the drift tests: p-value tests and calibrated thresholds (default: 0.05)")
    p.add_argument("--fdr", action=argparse.BooleanOptionalAction, default=True,
                   help="adjust p-values across features (Benjamini-Hochberg), so a clean run is flagged with "
                   "probability at most --alpha (default: on)")
    p.add_argument("--batch-rows", type=bounded(int, 1), default=500_000, help="rows per batch of a table on disk (default: 500000)")
    p.add_argument("--fail-on-violations", action="store_true", help="exit with status 3 when there are violations")
    add_spark_options(p)
    p.set_defaults(handler=run, command="driftline monitor")


def run(args: argparse.Namespace) -> int:
    from driftline.data_quality.monitor import run_monitor
    from driftline.errors import InvalidArgumentError

    if args.spark_master and not args.spark:
        raise InvalidArgumentError("--spark-master needs --spark")
    if args.spark:
        return _run_spark(args)
    with rows_progress() as progress:
        result = run_monitor(
            args.baseline, args.data, out=args.out, start=args.start, end=args.end, on_bad_record=args.on_bad_record,
            has_header=not args.no_header, output_columns_position=args.output_columns_position,
            baseline_data=args.baseline_data, alpha=args.alpha, fdr=args.fdr, batch_rows=args.batch_rows, progress=progress,
        )
    return _report(result, args)


def _run_spark(args: argparse.Namespace) -> int:
    """``--spark``: the window read and profiled by Spark; the drift table's sketch-based tests only."""
    from driftline import spark
    from driftline.errors import InvalidArgumentError

    if args.baseline_data:
        raise InvalidArgumentError("--baseline-data (exact KS and Wasserstein tests) is not available with --spark: "
                                   "the drift table uses the sketch-based tests")
    session = spark.session(args.spark_master)
    frame = spark.read_data(session, args.data, has_header=not args.no_header, on_bad_record=args.on_bad_record)
    result = spark.run_monitor(args.baseline, frame, out=args.out, start=args.start, end=args.end, alpha=args.alpha,
                               fdr=args.fdr, source=args.data if "://" not in args.data else None, batch_rows=args.batch_rows)
    return _report(result, args)


def _report(result: MonitorRun, args: argparse.Namespace) -> int:
    print_status(result, f"{result.item_count} rows, {len(result.violations)} violations")
    for v in result.violations:
        print(f"  {v.feature_name}: {v.constraint_check_type}: {v.description}")
    return exit_code(result, args)
