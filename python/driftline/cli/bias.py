"""``driftline bias baseline|monitor``: SageMaker Clarify's bias metrics and bias-drift monitor,
configured by Clarify's own analysis configuration file."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from driftline.cli._common import EXIT_CODES, bounded, exit_code, iso_time, print_status


def register(sub: Any) -> None:
    bias = sub.add_parser("bias", help="bias metrics (SageMaker Clarify's) and bias-drift monitoring",
                          description="Clarify's pre- and post-training bias metrics (smclarify 0.5's values) and "
                          "SageMaker's bias-drift monitor, configured by Clarify's analysis configuration JSON.")
    bsub = bias.add_subparsers(dest="bias_command", metavar="COMMAND")
    b = bsub.add_parser("baseline", epilog=EXIT_CODES, help="bias metrics of a labelled table: analysis.json and constraints.json",
                        description="Compute the bias metrics of --data and write Clarify's analysis.json and the monitor's "
                        "constraints.json into --out.")
    b.add_argument("--config", required=True, type=Path, help="Clarify analysis configuration JSON (analysis_config.json)")
    b.add_argument("--data", required=True, help="a CSV, Parquet or JSON Lines table with the label, facets and predictions")
    b.add_argument("--out", required=True, type=Path, help="output folder (new, empty, or an earlier bias baseline's)")
    b.add_argument("--no-header", action="store_true", help="a CSV table without a header")
    _overrides(b)
    b.set_defaults(handler=run_baseline, command="driftline bias baseline")

    m = bsub.add_parser("monitor", epilog=EXIT_CODES, help="a window's bias metrics against the baseline",
                        description="Compute the window's bias metrics and check them against the baseline: writes analysis.json, "
                        "constraint_violations.json (bias_drift_check), metrics.json (bias_metric_<NAME>) and monitoring_run.json.")
    m.add_argument("--baseline", required=True, type=Path, help="bias baseline folder (constraints.json)")
    m.add_argument("--config", required=True, type=Path, help="Clarify analysis configuration JSON")
    m.add_argument("--data", required=True, help="capture folder or file, or a table (with the labels unless --ground-truth)")
    m.add_argument("--ground-truth", help="ground-truth JSON Lines (folder yyyy/mm/dd/hh) or a table with eventId and label")
    m.add_argument("--start", type=iso_time, help="window start, ISO 8601 (UTC if no offset)")
    m.add_argument("--end", type=iso_time, help="window end (exclusive), ISO 8601")
    m.add_argument("--out", required=True, type=Path, help="output folder (new, empty, or an earlier bias run's)")
    m.add_argument("--rule", choices=["worse-than-baseline", "confidence-interval"], default="worse-than-baseline",
                   help="violation rule: SageMaker's 'worse than the baseline' (default) or the bootstrap confidence interval "
                   "disjoint from the allowed range")
    m.add_argument("--bootstrap", type=bounded(int, 2, 100_000), default=500, help="bootstrap resamples (confidence-interval rule)")
    m.add_argument("--confidence", type=bounded(float, 0, 1, lo_open=True, hi_open=True), default=0.95, help="interval confidence")
    m.add_argument("--seed", type=bounded(int, 0, 2**63 - 1), default=0, help="bootstrap seed (default 0)")
    m.add_argument("--no-header", action="store_true", help="a CSV table without a header")
    m.add_argument("--fail-on-violations", action="store_true", help="exit with status 3 when there are violations")
    _overrides(m)
    m.set_defaults(handler=run_monitor, command="driftline bias monitor")


def _overrides(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("overriding fields of the configuration file")
    g.add_argument("--label", help="the label column (config: label)")
    g.add_argument("--label-values", help="comma-separated positive label values, or one threshold (config: label_values_or_threshold)")
    g.add_argument("--facet", action="append", metavar="NAME[=V1,V2]",
                   help="a facet column and its sensitive values or threshold; without values, one-vs-rest for each value "
                   "(repeatable; replaces the config's facet list)")
    g.add_argument("--group-variable", help="the strata column of CDDL and CDDPL (config: group_variable)")
    g.add_argument("--predicted-label", help="the model's predicted-label column (config: predicted_label)")
    g.add_argument("--probability", help="the model's probability column (config: probability)")
    g.add_argument("--probability-threshold", type=bounded(float, 0, 1), help="a probability above it is a positive prediction "
                   "(config: probability_threshold)")


def _value(text: str) -> Any:
    """A value on the command line as the JSON config would hold it: a number when it reads as one."""
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def _config(args: argparse.Namespace) -> Any:
    """The configuration file with the command line's overrides applied."""
    from driftline.clarify.config import FacetConfig, load_analysis_config

    cfg = load_analysis_config(args.config)
    facets = None
    if args.facet:
        facets = []
        for f in args.facet:
            name, _, values = f.partition("=")
            if not name:
                raise ValueError(f"--facet {f!r}: give NAME or NAME=V1,V2")
            facets.append(FacetConfig(name, [_value(v) for v in values.split(",")] if values else None))
    labels = None if args.label_values is None else [_value(v) for v in args.label_values.split(",")]
    return cfg.with_overrides(label=args.label, label_values_or_threshold=labels, facets=facets, group_variable=args.group_variable,
                              predicted_label=args.predicted_label, probability=args.probability,
                              probability_threshold=args.probability_threshold)


def run_baseline(args: argparse.Namespace) -> int:
    from driftline.bias import suggest_bias_baseline

    base = suggest_bias_baseline(args.data, _config(args), out=args.out, has_header=not args.no_header)
    stages = [s for s in ("pre_training_bias_metrics", "post_training_bias_metrics") if s in base.analysis]
    print(f"bias baseline ({', '.join(stages)}) -> {args.out}: analysis.json, constraints.json")
    return 0


def run_monitor(args: argparse.Namespace) -> int:
    from driftline.bias import run_bias_monitor

    run = run_bias_monitor(args.baseline, _config(args), args.data, ground_truth=args.ground_truth, out=args.out, start=args.start,
                           end=args.end, rule=args.rule, bootstrap_resamples=args.bootstrap, confidence=args.confidence,
                           seed=args.seed, has_header=not args.no_header)
    print_status(run, f"{run.item_count} rows, {len(run.violations)} violations ({run.rule})")
    for v in run.violations:
        print(f"  {v['facet']}={v['facet_value']} {v['metric_name']}: {v['description']}")
    return exit_code(run, args)
