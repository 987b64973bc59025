"""``driftline model-quality baseline|monitor``: SageMaker's model-quality jobs, with its
parameter names."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from driftline.cli.baseline import add_spark_options
from driftline.cli._common import EXIT_CODES, bounded, exit_code, iso_time, print_status

# SageMaker's offsets start with "-": main passes them as --flag=value
DASH_VALUE_FLAGS = ("--start-time-offset", "--end-time-offset")
PROBLEM_TYPES = ["BinaryClassification", "MulticlassClassification", "Regression"]


def register(sub: Any) -> None:
    mq = sub.add_parser(
        "model-quality",
        help="model-quality baselines and monitors (predictions joined with delayed ground truth)",
        description="Model quality as SageMaker Model Monitor's model-quality jobs, with SageMaker's parameter names.",
    )
    mq_sub = mq.add_subparsers(dest="mq_command", metavar="COMMAND")
    b = mq_sub.add_parser(
        "baseline",
        epilog=EXIT_CODES,
        help="metrics of a labelled dataset with predictions: statistics.json and suggested constraints.json",
        description="Compute SageMaker's model-quality metrics of a labelled dataset holding the model's predictions and "
        "write statistics.json, suggested constraints.json and, for binary problems with a probability, cbpe.json "
        "(the calibration that estimates performance before labels arrive), for regression dle.json.",
    )
    b.add_argument("--data", required=True, help="a CSV, Parquet or JSON Lines table (file or folder)")
    b.add_argument("--out", required=True, type=Path, help="output folder (new, empty, or an earlier baseline's)")
    b.add_argument("--no-header", action="store_true", help="a CSV table without a header: attributes are column indices")
    _model_arguments(b, baseline=True)
    b.add_argument("--slack", type=bounded(float, 0), default=0.0,
                   help="loosen each suggested threshold by this many standard deviations (default 0: SageMaker's thresholds)")
    b.add_argument("--dle-features", default="",
                   help="regression: comma-separated feature columns for direct loss estimation (default: the prediction only)")
    b.add_argument("--tolerance", type=bounded(float, 0), default=0.0,
                   help="loosen each suggested threshold by this absolute amount (default 0: SageMaker's thresholds)")
    add_spark_options(b)
    b.set_defaults(handler=run_baseline, command="driftline model-quality baseline")

    m = mq_sub.add_parser(
        "monitor",
        epilog=EXIT_CODES,
        help="join a window of predictions with ground truth and check it against the baseline",
        description="Read the predictions in the analysis window (capture or table), join the ground truth on inferenceId "
        "(else eventId), compute the metrics and check the baseline's constraints. Writes statistics.json, "
        "constraint_violations.json, metrics.json, merge_report.json, estimated_performance.json (with a cbpe.json or "
        "dle.json in the baseline), segments.json (with --segment-by) and monitoring_run.json.",
    )
    m.add_argument("--baseline", required=True, type=Path, help="folder with constraints.json (and statistics.json, cbpe.json)")
    m.add_argument("--data", required=True, help="capture folder or file, or a table with eventId / inferenceId")
    m.add_argument("--ground-truth", help="ground-truth JSON Lines (file or folder laid out yyyy/mm/dd/hh), or a table with eventId and label")
    m.add_argument("--out", required=True, type=Path, help="output folder (new, empty, or an earlier run's)")
    m.add_argument("--start", type=iso_time, help="window start, ISO 8601 (UTC if no offset)")
    m.add_argument("--end", type=iso_time, help="window end (exclusive), ISO 8601")
    m.add_argument("--run-time", type=iso_time, help="the scheduled time the offsets count from (default: this hour)")
    m.add_argument("--start-time-offset", help="SageMaker's StartTimeOffset, e.g. -P8D or -PT5H")
    m.add_argument("--end-time-offset", help="SageMaker's EndTimeOffset, e.g. -P1D (default: PT0H)")
    m.add_argument("--segment-by", help="also compute the metrics per value of this column (e.g. variant)")
    m.add_argument("--on-bad-record", choices=["fail", "skip"], default="fail",
                   help="fail the run on bad records (default) or skip them with a report")
    m.add_argument("--output-columns-position", choices=["START", "END"], default="START",
                   help="where capture output columns go among the features (default: START)")
    m.add_argument("--no-header", action="store_true", help="a CSV table without a header")
    m.add_argument("--fail-on-violations", action="store_true", help="exit with status 3 when there are violations")
    m.add_argument("--allow-threshold-change", action="store_true",
                   help="accept a --probability-threshold-attribute other than the baseline's (refused by default)")
    _model_arguments(m, baseline=False)
    add_spark_options(m)
    m.set_defaults(handler=run_monitor, command="driftline model-quality monitor")


def _model_arguments(p: argparse.ArgumentParser, *, baseline: bool) -> None:
    p.add_argument("--problem-type", required=baseline, choices=PROBLEM_TYPES,
                   help="the problem type" + ("" if baseline else " (default: the baseline's)"))
    p.add_argument("--ground-truth-attribute", required=baseline,
                   help="the label column" + ("" if baseline else " (when --data already holds labels)"))
    p.add_argument("--inference-attribute", help="the predicted label or value: a column name, an output index or $.key")
    p.add_argument("--probability-attribute", help="binary problems: the positive class's probability (column, index or $.key)")
    p.add_argument("--probability-threshold-attribute", type=bounded(float, 0, 1),
                   help="the cut-off turning the probability into a label (default: " + ("0.5)" if baseline else "the baseline's, else 0.5)"))
    p.add_argument("--positive-label", help="binary problems: the positive class (default: 1, true, or the larger label)")
    p.add_argument("--bootstrap", type=bounded(int, 0, 100_000), default=200,
                   help="bootstrap resamples for confidence intervals (0: none; default 200)")
    p.add_argument("--seed", type=bounded(int, 0, 2**63 - 1), default=0, help="seed of the subsamples and resamples (default: 0)")


def run_baseline(args: argparse.Namespace) -> int:
    from driftline._outputs import OutputFolder
    from driftline.model_quality import BASELINE_FILES, suggest_model_quality_baseline

    if args.inference_attribute is None and args.probability_attribute is None:
        print("driftline model-quality baseline: error: give --inference-attribute or --probability-attribute "
              "(see driftline model-quality baseline --help)", file=sys.stderr)
        return 2
    OutputFolder(args.out, BASELINE_FILES, "model-quality baseline", inputs=[args.data], argument="--out")
    suggest: Any = suggest_model_quality_baseline
    data: Any = args.data
    if _spark(args):
        from driftline import spark

        suggest, data = spark.suggest_model_quality_baseline, _spark_frame(args)
    base = suggest(
        data, problem_type=args.problem_type, ground_truth_attribute=args.ground_truth_attribute,
        inference_attribute=args.inference_attribute, probability_attribute=args.probability_attribute,
        probability_threshold_attribute=args.probability_threshold_attribute, positive_label=args.positive_label,
        has_header=not args.no_header, slack=args.slack, tolerance=args.tolerance, bootstrap=args.bootstrap, seed=args.seed,
        dle_features=[f.strip() for f in args.dle_features.split(",") if f.strip()],
    )
    written = base.write(args.out, inputs=[args.data])
    print(f"{base.problem_type} baseline of {base.item_count} rows -> {args.out}: {', '.join(written)}")
    return 0


def _spark(args: argparse.Namespace) -> bool:
    from driftline.errors import InvalidArgumentError

    if args.spark_master and not args.spark:
        raise InvalidArgumentError("--spark-master needs --spark")
    return bool(args.spark)


def _spark_frame(args: argparse.Namespace) -> Any:
    """--data read with Spark (a table holding the labels and predictions)."""
    from driftline import spark

    session = spark.session(args.spark_master)
    return spark.read_data(session, args.data, has_header=not args.no_header)


def run_monitor(args: argparse.Namespace) -> int:
    from driftline.model_quality import run_model_quality_monitor

    monitor: Any = run_model_quality_monitor
    extra: dict[str, Any] = {"ground_truth": args.ground_truth}
    data: Any = args.data
    if _spark(args):
        from driftline import spark
        from driftline.errors import InvalidArgumentError

        if args.ground_truth is not None or args.ground_truth_attribute is None:
            raise InvalidArgumentError("--spark reads a table that holds its labels: give --ground-truth-attribute, not --ground-truth")
        monitor, data, extra = spark.run_model_quality_monitor, _spark_frame(args), {}
    run = monitor(
        args.baseline, data, **extra, inference_attribute=args.inference_attribute,
        probability_attribute=args.probability_attribute, probability_threshold_attribute=args.probability_threshold_attribute,
        ground_truth_attribute=args.ground_truth_attribute, positive_label=args.positive_label, start=args.start, end=args.end,
        run_time=args.run_time, start_offset=args.start_time_offset, end_offset=args.end_time_offset, segment_by=args.segment_by,
        on_bad_record=args.on_bad_record, output_columns_position=args.output_columns_position, has_header=not args.no_header,
        bootstrap=args.bootstrap, seed=args.seed, out=args.out, problem_type=args.problem_type,
        allow_threshold_change=args.allow_threshold_change,
    )
    print_status(run, run.merge.summary(), detail_when_failed=True)
    for v in run.violations:
        print(f"  {v.metric_name}: {v.description}")
    for name, e in run.estimated.items():
        realised = "" if e.get("realised") is None else f", realised {e['realised']:.4f}"
        print(f"  estimated {name}: {e['value']:.4f} [{e['lower']:.4f}, {e['upper']:.4f}]{realised}")
    for v in run.estimated_violations:
        print(f"  estimated violation: {v.description}")
    return exit_code(run, args)
