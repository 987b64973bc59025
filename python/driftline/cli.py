"""The ``driftline`` command line.

Exit codes, the same for every command: 0 done (a monitor run Completed, with or without
violations); 1 a monitor run Failed (its ``monitoring_run.json`` and the console say why); 2 the
command could not run (a bad flag, bad input for a baseline, an output folder it may not write):
one line on stderr, never a traceback; 3 violations found and ``--fail-on-violations`` given.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

from driftline import __version__


EXIT_CODES = ("exit codes: 0 done (a run Completed, with or without violations); 1 a monitor run Failed "
              "(monitoring_run.json says why); 2 the command could not run (bad flags or input; one line on stderr); "
              "3 violations found with --fail-on-violations")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (exit 2) that points to --help."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _bounded(kind: type, lo: float | None = None, hi: float | None = None, lo_open: bool = False,
             hi_open: bool = False) -> Callable[[str], Any]:
    """An argparse type: a number of ``kind`` within the bounds, with a message that says them."""
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {'a whole number' if kind is int else 'a number'}, got {text!r}") from None
        if kind is float and not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
        if (lo is not None and (value < lo or (lo_open and value == lo))) or (hi is not None and (value > hi or (hi_open and value == hi))):
            left = "(" if lo_open else "["
            right = ")" if hi_open else "]"
            raise argparse.ArgumentTypeError(f"must be in {left}{lo if lo is not None else '-inf'}, {hi if hi is not None else 'inf'}{right}, got {text}")
        return value
    parse.__name__ = "number"
    return parse


def _time(text: str) -> str:
    """An argparse type: an ISO-8601 time (UTC when it has no offset), checked here so a typo is a
    usage error that names the flag."""
    from driftline.errors import InvalidArgumentError
    from driftline.io._layout import to_utc

    try:
        to_utc(text, "time")
    except InvalidArgumentError:
        raise argparse.ArgumentTypeError(f"expected an ISO-8601 time such as 2026-11-02T00:00Z, got {text!r}") from None
    return text


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="driftline",
        description="Monitor machine-learning models in production: drift statistics with a Rust core.",
        epilog=EXIT_CODES,
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
    demo.add_argument("--rows", type=_bounded(int, 10), default=50_000, help="with --stats: rows in the baseline sample (default: 50000)")

    base = sub.add_parser(
        "baseline",
        epilog=EXIT_CODES,
        help="profile training data and write statistics.json and constraints.json",
        description="Profile a dataset (CSV, Parquet, JSON Lines; streamed in batches) and write SageMaker-style "
        "statistics.json and suggested constraints.json.",
    )
    base.add_argument("--data", required=True, help="a file or folder of CSV, Parquet or JSON Lines files")
    base.add_argument("--out", required=True, type=Path, help="output folder")
    base.add_argument("--no-header", action="store_true", help="CSV without a header: columns are named _c0, _c1, ...")
    base.add_argument("--batch-rows", type=_bounded(int, 1), default=500_000, help="rows per batch (default: 500000)")
    base.add_argument("--on-bad-record", choices=["fail", "skip"], default="fail",
                      help="fail on bad records (default) or skip them with a report")

    mon = sub.add_parser(
        "monitor",
        epilog=EXIT_CODES,
        help="check a window of captured data against a baseline",
        description="Run a data-quality monitor: read the window [start, end) of captured data (a SageMaker "
        "capture folder or file, or a table), compare it with the baseline and write statistics.json, "
        "constraint_violations.json, metrics.json, drift.json and monitoring_run.json.",
    )
    mon.add_argument("--baseline", required=True, type=Path, help="folder with statistics.json and constraints.json")
    mon.add_argument("--data", required=True, help="capture folder ({endpoint}/{variant}/yyyy/mm/dd/hh) or file, or a table")
    mon.add_argument("--out", required=True, type=Path, help="output folder")
    mon.add_argument("--start", type=_time, help="window start, ISO 8601 (UTC if no offset)")
    mon.add_argument("--end", type=_time, help="window end (exclusive), ISO 8601")
    mon.add_argument("--no-header", action="store_true", help="a CSV table without a header")
    mon.add_argument("--on-bad-record", choices=["fail", "skip"], default="fail",
                     help="fail the run on bad records (default) or skip them with a report")
    mon.add_argument("--output-columns-position", choices=["START", "END"], default="START",
                     help="where capture output columns go among the features (default: START)")
    mon.add_argument("--baseline-data", help="the raw baseline data, for exact KS and Wasserstein tests")
    mon.add_argument("--alpha", type=_bounded(float, 0, 1, lo_open=True, hi_open=True), default=0.05,
                     help="false-positive rate of the drift tests: p-value tests and calibrated thresholds (default: 0.05)")
    mon.add_argument("--fdr", action=argparse.BooleanOptionalAction, default=True,
                     help="adjust p-values across features (Benjamini-Hochberg), so a clean run is flagged with "
                     "probability at most --alpha (default: on)")
    mon.add_argument("--batch-rows", type=_bounded(int, 1), default=500_000, help="rows per batch of a table on disk (default: 500000)")
    mon.add_argument("--fail-on-violations", action="store_true", help="exit with status 3 when there are violations")

    mq = sub.add_parser(
        "model-quality",
        help="model-quality baselines and monitors (predictions joined with delayed ground truth)",
        description="Model quality as SageMaker Model Monitor's model-quality jobs, with SageMaker's parameter names.",
    )
    mq_sub = mq.add_subparsers(dest="mq_command", metavar="COMMAND")
    mqb = mq_sub.add_parser(
        "baseline",
        epilog=EXIT_CODES,
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
        epilog=EXIT_CODES,
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
    mqm.add_argument("--start", type=_time, help="window start, ISO 8601 (UTC if no offset)")
    mqm.add_argument("--end", type=_time, help="window end (exclusive), ISO 8601")
    mqm.add_argument("--run-time", type=_time, help="the scheduled time the offsets count from (default: this hour)")
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
        p.add_argument("--probability-threshold-attribute", type=_bounded(float, 0, 1),
                       help="the cut-off turning the probability into a label (default: " + ("0.5)" if p is mqb else "the baseline's, else 0.5)"))
        p.add_argument("--positive-label", help="binary problems: the positive class (default: 1, true, or the larger label)")
        p.add_argument("--bootstrap", type=_bounded(int, 0, 100_000), default=200, help="bootstrap resamples for confidence intervals (0: none; default 200)")
        p.add_argument("--seed", type=int, default=0, help="seed of the subsamples and resamples (default: 0)")
    mqb.add_argument("--slack", type=_bounded(float, 0), default=0.0,
                     help="loosen each suggested threshold by this many standard deviations (default 0: SageMaker's thresholds)")
    mqb.add_argument("--dle-features", default="",
                     help="regression: comma-separated feature columns for direct loss estimation (default: the prediction only)")
    mqb.add_argument("--tolerance", type=_bounded(float, 0), default=0.0,
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
    command = {"demo": _demo, "baseline": _baseline, "monitor": _monitor}.get(args.command)
    if args.command == "model-quality":
        command = {"baseline": _mq_baseline, "monitor": _mq_monitor}.get(args.mq_command)
    if command is None:
        parser.print_help(sys.stderr)
        return 2
    name = " ".join(x for x in ("driftline", args.command, getattr(args, "mq_command", None)) if x)
    return _run(name, command, args)


def _run(name: str, command: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """The one path from an error to an exit code: a driftline error, bad input or a file system
    error is one line on stderr and exit code 2; a bug is one line too (with its type), never a
    traceback; Ctrl-C is 130."""
    from driftline.errors import DriftlineError

    try:
        return command(args)
    except KeyboardInterrupt:
        print(f"{name}: interrupted", file=sys.stderr)
        return 130
    except (DriftlineError, ValueError) as e:
        print(f"{name}: error: {_one_line(str(e))}", file=sys.stderr)
    except OSError as e:
        where = f" {e.filename}" if e.filename else ""
        print(f"{name}: error:{where}: {e.strerror or e}", file=sys.stderr)
    except Exception as e:  # a bug: still one line, and the exit code of a command that could not run
        print(f"{name}: internal error (please report): {type(e).__name__}: {_one_line(str(e))}", file=sys.stderr)
    return 2


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _demo(args: argparse.Namespace) -> int:
    from driftline.demo import run_demo, run_scenario

    print(run_demo(seed=args.seed, rows=args.rows) if args.stats else run_scenario(args.out, seed=args.seed))
    return 0


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
    from driftline._outputs import OutputFolder
    from driftline.baseline import suggest_baseline

    OutputFolder(args.out, BASELINE_FILES, "baseline", inputs=[args.data], argument="--out")  # refused before the work
    with _rows_progress() as progress:
        baseline, profile = suggest_baseline(
            args.data, has_header=not args.no_header, batch_rows=args.batch_rows, progress=progress,
            on_bad_record=args.on_bad_record,
        )
    baseline.write(args.out)
    print(f"baseline of {profile.item_count} rows, {len(profile.columns)} columns -> "
          f"{args.out / 'statistics.json'}, {args.out / 'constraints.json'}")
    if profile.bad_records:
        print(f"  skipped {profile.bad_records} bad records", file=sys.stderr)
    return 0


BASELINE_FILES = ("statistics.json", "constraints.json")
MQ_BASELINE_FILES = ("statistics.json", "constraints.json", "cbpe.json", "dle.json")


def _monitor(args: argparse.Namespace) -> int:
    from driftline.monitor import run_monitor

    with _rows_progress() as progress:
        run = run_monitor(
            args.baseline, args.data, out=args.out, start=args.start, end=args.end, on_bad_record=args.on_bad_record,
            has_header=not args.no_header, output_columns_position=args.output_columns_position,
            baseline_data=args.baseline_data, alpha=args.alpha, fdr=args.fdr, batch_rows=args.batch_rows, progress=progress,
        )
    if run.status == "Failed":
        print(f"Failed: {_one_line(run.reason)}")
    else:
        print(f"{run.status}: {run.item_count} rows, {len(run.violations)} violations")
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
    from driftline._outputs import OutputFolder
    from driftline.model_quality import suggest_model_quality_baseline

    if args.inference_attribute is None and args.probability_attribute is None:
        print("driftline model-quality baseline: error: give --inference-attribute or --probability-attribute "
              "(see driftline model-quality baseline --help)", file=sys.stderr)
        return 2
    OutputFolder(args.out, MQ_BASELINE_FILES, "model-quality baseline", inputs=[args.data], argument="--out")
    base = suggest_model_quality_baseline(
        args.data, problem_type=args.problem_type, ground_truth_attribute=args.ground_truth_attribute,
        inference_attribute=args.inference_attribute, probability_attribute=args.probability_attribute,
        probability_threshold_attribute=args.probability_threshold_attribute, positive_label=args.positive_label,
        has_header=not args.no_header, slack=args.slack, tolerance=args.tolerance, bootstrap=args.bootstrap, seed=args.seed,
        dle_features=[f.strip() for f in args.dle_features.split(',') if f.strip()],
    )
    base.write(args.out)
    written = sorted(p.name for p in args.out.iterdir() if p.name in MQ_BASELINE_FILES)
    rows = (base.statistics or {}).get("dataset", {}).get("item_count", "?")
    print(f"{base.problem_type} baseline of {rows} rows -> {args.out}: {', '.join(written)}")
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
    if run.status == "Failed":
        print(f"Failed: {_one_line(run.reason)} ({run.merge.summary()})")
    else:
        print(f"{run.status}: {run.merge.summary()}")
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
