"""The ``driftline`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from driftline import __version__


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="driftline",
        description="Monitor machine-learning models in production: drift statistics with a Rust core.",
    )
    parser.add_argument("--version", action="version", version=f"driftline {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = sub.add_parser(
        "demo",
        help="compare two built-in samples with every drift statistic and print a table",
        description="Compare a built-in baseline sample with a shifted current sample (numeric and "
        "categorical) using every statistic in driftline.stats, and print a table.",
    )
    demo.add_argument("--seed", type=int, default=7, help="seed of the built-in data (default: 7)")
    demo.add_argument("--out", type=Path, default=Path("demo-output"), help="output folder (default: ./demo-output)")
    demo.add_argument("--stats", action="store_true", help="instead, compare two built-in samples with every statistic")
    demo.add_argument("--rows", type=int, default=50_000, help="with --stats: rows in the baseline sample (default: 50000)")

    base = sub.add_parser(
        "baseline",
        help="profile training data and write statistics.json and constraints.json",
        description="Profile a dataset (CSV, Parquet, JSON Lines; streamed in batches) and write SageMaker-style "
        "statistics.json and suggested constraints.json.",
    )
    base.add_argument("--data", required=True, help="a file or folder of CSV, Parquet or JSON Lines files")
    base.add_argument("--out", required=True, type=Path, help="output folder")
    base.add_argument("--no-header", action="store_true", help="CSV without a header: columns are named _c0, _c1, ...")
    base.add_argument("--batch-rows", type=int, default=500_000, help="rows per batch (default: 500000)")
    base.add_argument("--on-bad-record", choices=["fail", "skip"], default="fail",
                      help="fail on bad records (default) or skip them with a report")

    mon = sub.add_parser(
        "monitor",
        help="check a window of captured data against a baseline",
        description="Run a data-quality monitor: read the window [start, end) of captured data (a SageMaker "
        "capture folder or file, or a table), compare it with the baseline and write statistics.json, "
        "constraint_violations.json, metrics.json, drift.json and monitoring_run.json.",
    )
    mon.add_argument("--baseline", required=True, type=Path, help="folder with statistics.json and constraints.json")
    mon.add_argument("--data", required=True, help="capture folder ({endpoint}/{variant}/yyyy/mm/dd/hh) or file, or a table")
    mon.add_argument("--out", required=True, type=Path, help="output folder")
    mon.add_argument("--start", help="window start, ISO 8601 (UTC if no offset)")
    mon.add_argument("--end", help="window end (exclusive), ISO 8601")
    mon.add_argument("--no-header", action="store_true", help="a CSV table without a header")
    mon.add_argument("--on-bad-record", choices=["fail", "skip"], default="fail",
                     help="fail the run on bad records (default) or skip them with a report")
    mon.add_argument("--output-columns-position", choices=["START", "END"], default="START",
                     help="where capture output columns go among the features (default: START)")
    mon.add_argument("--baseline-data", help="the raw baseline data, for exact KS and Wasserstein tests")
    mon.add_argument("--alpha", type=float, default=0.05, help="significance level of p-value tests (default: 0.05)")
    mon.add_argument("--fdr", action="store_true", help="Benjamini-Hochberg adjustment of p-values across features")
    mon.add_argument("--fail-on-violations", action="store_true", help="exit with status 3 when there are violations")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "demo":
        from driftline.demo import run_demo, run_scenario

        if args.stats:
            if args.rows < 10:
                parser.error("--rows must be at least 10")
            print(run_demo(seed=args.seed, rows=args.rows))
        else:
            print(run_scenario(args.out, seed=args.seed))
        return 0
    if args.command == "baseline":
        return _baseline(args)
    if args.command == "monitor":
        return _monitor(args)
    parser.print_help(sys.stderr)
    return 2


def _baseline(args: argparse.Namespace) -> int:
    from driftline.baseline import suggest_baseline
    from driftline.errors import DriftlineError

    def progress(rows: int) -> None:
        print(f"\r  profiled {rows:,} rows", end="", file=sys.stderr, flush=True)

    show = sys.stderr.isatty()
    try:
        baseline, profile = suggest_baseline(
            args.data, has_header=not args.no_header, batch_rows=args.batch_rows, progress=progress if show else None,
            on_bad_record=args.on_bad_record,
        )
    except DriftlineError as e:
        print(f"driftline baseline: error: {e}", file=sys.stderr)
        return 1
    finally:
        if show:
            print(file=sys.stderr)
    baseline.write(args.out)
    print(f"baseline of {profile.item_count} rows, {len(profile.columns)} columns -> "
          f"{args.out / 'statistics.json'}, {args.out / 'constraints.json'}")
    if profile.bad_records:
        print(f"  skipped {profile.bad_records} bad records", file=sys.stderr)
    return 0


def _monitor(args: argparse.Namespace) -> int:
    from driftline.monitor import run_monitor

    def progress(rows: int) -> None:
        print(f"\r  profiled {rows:,} rows", end="", file=sys.stderr, flush=True)

    show = sys.stderr.isatty()
    try:
        run = run_monitor(
            args.baseline, args.data, out=args.out, start=args.start, end=args.end, on_bad_record=args.on_bad_record,
            has_header=not args.no_header, output_columns_position=args.output_columns_position,
            baseline_data=args.baseline_data, alpha=args.alpha, fdr=args.fdr, progress=progress if show else None,
        )
    finally:
        if show:
            print(file=sys.stderr)
    print(f"{run.status}: {run.item_count} rows, {len(run.violations)} violations" + (f" ({run.reason})" if run.status == "Failed" else ""))
    for v in run.violations:
        print(f"  {v.feature_name}: {v.constraint_check_type}: {v.description}")
    if run.bad_records:
        print(f"  {run.bad_records_summary}")
    if run.status == "Failed":
        return 1
    return 3 if (args.fail_on_violations and run.violations) else 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
