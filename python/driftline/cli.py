"""The ``driftline`` command line."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

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
        help="run the built-in scenario: data-quality and model-quality monitoring of three days of traffic",
        description="Write a credit-risk model's training data, three days of captured traffic (four data problems "
        "injected on day two) and its ground truth (arriving a day late), build the baselines, run the 72 hourly "
        "data-quality monitors and the model-quality monitors of 6-hour windows (estimated at the window's end, "
        "realised when the labels arrive), and print a summary; files go to --out. With --stats, instead compare "
        "two built-in samples with every statistic in driftline.stats.",
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

    mq = sub.add_parser(
        "model-quality",
        help="model-quality baselines and monitors (predictions joined with delayed ground truth)",
        description="Model quality as SageMaker Model Monitor's model-quality jobs, with SageMaker's parameter names.",
    )
    mq_sub = mq.add_subparsers(dest="mq_command", metavar="COMMAND")
    mqb = mq_sub.add_parser(
        "baseline",
        help="metrics of a labelled dataset with predictions: statistics.json and suggested constraints.json",
        description="Compute SageMaker's model-quality metrics of a labelled dataset holding the model's predictions and "
        "write statistics.json, suggested constraints.json and, for binary problems with a probability, cbpe.json "
        "(the calibration that estimates performance before labels arrive).",
    )
    mqb.add_argument("--data", required=True, help="a CSV, Parquet or JSON Lines table (file or folder)")
    mqb.add_argument("--out", required=True, type=Path, help="output folder")
    mqb.add_argument("--no-header", action="store_true", help="a CSV table without a header: attributes are column indices")
    mqm = mq_sub.add_parser(
        "monitor",
        help="join a window of predictions with ground truth and check it against the baseline",
        description="Read the predictions in the analysis window (capture or table), join the ground truth on inferenceId "
        "(else eventId), compute the metrics and check the baseline's constraints. Writes statistics.json, "
        "constraint_violations.json, metrics.json, merge_report.json, estimated_performance.json (with a cbpe.json in the "
        "baseline), segments.json (with --segment-by) and monitoring_run.json.",
    )
    mqm.add_argument("--baseline", required=True, type=Path, help="folder with constraints.json (and statistics.json, cbpe.json)")
    mqm.add_argument("--data", required=True, help="capture folder or file, or a table with eventId / inferenceId")
    mqm.add_argument("--ground-truth", help="ground-truth JSON Lines (file or folder laid out yyyy/mm/dd/hh), or a table with eventId and label")
    mqm.add_argument("--out", required=True, type=Path, help="output folder")
    mqm.add_argument("--start", help="window start, ISO 8601 (UTC if no offset)")
    mqm.add_argument("--end", help="window end (exclusive), ISO 8601")
    mqm.add_argument("--run-time", help="the scheduled time the offsets count from (default: this hour)")
    mqm.add_argument("--start-time-offset", help="SageMaker's StartTimeOffset, e.g. -P8D or -PT5H")
    mqm.add_argument("--end-time-offset", help="SageMaker's EndTimeOffset, e.g. -P1D (default: PT0H)")
    mqm.add_argument("--segment-by", help="also compute the metrics per value of this column (e.g. variant)")
    mqm.add_argument("--on-bad-record", choices=["fail", "skip"], default="fail",
                     help="fail the run on bad records (default) or skip them with a report")
    mqm.add_argument("--output-columns-position", choices=["START", "END"], default="START",
                     help="where capture output columns go among the features (default: START)")
    mqm.add_argument("--no-header", action="store_true", help="a CSV table without a header")
    mqm.add_argument("--fail-on-violations", action="store_true", help="exit with status 3 when there are violations")
    for p in (mqb, mqm):
        p.add_argument("--problem-type", required=p is mqb, choices=["BinaryClassification", "MulticlassClassification", "Regression"],
                       help="the problem type" + (" (default: the baseline's)" if p is mqm else ""))
        p.add_argument("--ground-truth-attribute", required=p is mqb,
                       help="the label column" + (" (when --data already holds labels)" if p is mqm else ""))
        p.add_argument("--inference-attribute", help="the predicted label or value: a column name, an output index or $.key")
        p.add_argument("--probability-attribute", help="binary problems: the positive class's probability (column, index or $.key)")
        p.add_argument("--probability-threshold-attribute", type=float,
                       help="the cut-off turning the probability into a label (default: 0.5)")
        p.add_argument("--positive-label", help="binary problems: the positive class (default: 1, true, or the larger label)")
        p.add_argument("--bootstrap", type=int, default=200, help="bootstrap resamples for confidence intervals (0: none; default 200)")
        p.add_argument("--seed", type=int, default=0, help="seed of the subsamples and resamples (default: 0)")
    mqb.add_argument("--slack", type=float, default=0.0,
                     help="loosen each suggested threshold by this many standard deviations (default 0: SageMaker's thresholds)")
    mqb.add_argument("--dle-features", default="",
                     help="regression: comma-separated feature columns for direct loss estimation (default: the prediction only)")
    mqb.add_argument("--tolerance", type=float, default=0.0,
                     help="loosen each suggested threshold by this absolute amount (default 0: SageMaker's thresholds)")
    return parser


_OFFSET_FLAGS = ("--start-time-offset", "--end-time-offset")


def _join_offsets(argv: Sequence[str]) -> list[str]:
    """``--start-time-offset -P1D`` as ``--start-time-offset=-P1D``: argparse takes a value that
    starts with ``-`` for an option, and SageMaker's offsets all do."""
    out: list[str] = []
    it = iter(argv)
    for a in it:
        if a in _OFFSET_FLAGS:
            nxt = next(it, None)
            out.append(a if nxt is None else f"{a}={nxt}")
        else:
            out.append(a)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(_join_offsets(sys.argv[1:] if argv is None else argv))
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
    if args.command == "model-quality":
        if args.mq_command == "baseline":
            if args.inference_attribute is None and args.probability_attribute is None:
                parser.error("model-quality baseline needs --inference-attribute or --probability-attribute")
            return _mq_baseline(args)
        if args.mq_command == "monitor":
            return _mq_monitor(args)
    parser.print_help(sys.stderr)
    return 2


@contextlib.contextmanager
def _rows_progress() -> Iterator[Callable[[int], None] | None]:
    """A callback that shows the rows profiled so far on a terminal (None elsewhere); the line
    is ended when the block ends, however it ends."""
    if not sys.stderr.isatty():
        yield None
        return

    def show(rows: int) -> None:
        print(f"\r  profiled {rows:,} rows", end="", file=sys.stderr, flush=True)

    try:
        yield show
    finally:
        print(file=sys.stderr)


def _baseline(args: argparse.Namespace) -> int:
    from driftline.baseline import suggest_baseline
    from driftline.errors import DriftlineError

    try:
        with _rows_progress() as progress:
            baseline, profile = suggest_baseline(
                args.data, has_header=not args.no_header, batch_rows=args.batch_rows, progress=progress,
                on_bad_record=args.on_bad_record,
            )
    except DriftlineError as e:
        print(f"driftline baseline: error: {e}", file=sys.stderr)
        return 1
    baseline.write(args.out)
    print(f"baseline of {profile.item_count} rows, {len(profile.columns)} columns -> "
          f"{args.out / 'statistics.json'}, {args.out / 'constraints.json'}")
    if profile.bad_records:
        print(f"  skipped {profile.bad_records} bad records", file=sys.stderr)
    return 0


def _monitor(args: argparse.Namespace) -> int:
    from driftline.monitor import run_monitor

    with _rows_progress() as progress:
        run = run_monitor(
            args.baseline, args.data, out=args.out, start=args.start, end=args.end, on_bad_record=args.on_bad_record,
            has_header=not args.no_header, output_columns_position=args.output_columns_position,
            baseline_data=args.baseline_data, alpha=args.alpha, fdr=args.fdr, progress=progress,
        )
    print(f"{run.status}: {run.item_count} rows, {len(run.violations)} violations" + (f" ({run.reason})" if run.status == "Failed" else ""))
    for v in run.violations:
        print(f"  {v.feature_name}: {v.constraint_check_type}: {v.description}")
    return _exit_code(run, args)


def _exit_code(run: Any, args: argparse.Namespace) -> int:
    """After a run's lines: its bad-record report, then 1 if it failed, 3 if it found violations
    and ``--fail-on-violations`` asks to fail on them, else 0."""
    if run.bad_records:
        print(f"  {run.bad_records_summary}")
    if run.status == "Failed":
        return 1
    return 3 if (args.fail_on_violations and run.violations) else 0


def _mq_baseline(args: argparse.Namespace) -> int:
    from driftline.errors import DriftlineError
    from driftline.model_quality import suggest_model_quality_baseline

    try:
        base = suggest_model_quality_baseline(
            args.data, problem_type=args.problem_type, ground_truth_attribute=args.ground_truth_attribute,
            inference_attribute=args.inference_attribute, probability_attribute=args.probability_attribute,
            probability_threshold_attribute=args.probability_threshold_attribute, positive_label=args.positive_label,
            has_header=not args.no_header, slack=args.slack, tolerance=args.tolerance, bootstrap=args.bootstrap, seed=args.seed,
            dle_features=[f.strip() for f in args.dle_features.split(',') if f.strip()],
        )
    except (DriftlineError, ValueError, OSError) as e:
        print(f"driftline model-quality baseline: error: {e}", file=sys.stderr)
        return 1
    base.write(args.out)
    assert base.statistics is not None
    written = ["statistics.json", "constraints.json"] + (["cbpe.json"] if base.cbpe is not None else []) + (["dle.json"] if base.dle is not None else [])
    print(f"{base.problem_type} baseline of {base.statistics['dataset']['item_count']} rows -> {args.out}: {', '.join(written)}")
    return 0


def _mq_monitor(args: argparse.Namespace) -> int:
    from driftline.model_quality import run_model_quality_monitor

    run = run_model_quality_monitor(
        args.baseline, args.data, args.ground_truth, inference_attribute=args.inference_attribute,
        probability_attribute=args.probability_attribute, probability_threshold_attribute=args.probability_threshold_attribute,
        ground_truth_attribute=args.ground_truth_attribute, positive_label=args.positive_label, start=args.start, end=args.end,
        run_time=args.run_time, start_offset=args.start_time_offset, end_offset=args.end_time_offset, segment_by=args.segment_by,
        on_bad_record=args.on_bad_record, output_columns_position=args.output_columns_position, has_header=not args.no_header,
        bootstrap=args.bootstrap, seed=args.seed, out=args.out, problem_type=args.problem_type,
    )
    print(f"{run.status}: {run.merge.summary()}" + (f" ({run.reason})" if run.status == "Failed" else ""))
    for v in run.violations:
        print(f"  {v.metric_name}: {v.description}")
    for name, e in run.estimated.items():
        realised = "" if e.get("realised") is None else f", realised {e['realised']:.4f}"
        print(f"  estimated {name}: {e['value']:.4f} [{e['lower']:.4f}, {e['upper']:.4f}]{realised}")
    for v in run.estimated_violations:
        print(f"  estimated violation: {v.description}")
    return _exit_code(run, args)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
