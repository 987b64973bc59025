"""``driftline abtest``: compare model variants (and business KPIs) with the control, with a
sample-ratio check first and tests that stay valid under peeking."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from driftline.cli._common import EXIT_CODES, bounded, exit_code, print_status


def register(sub: Any) -> None:
    p = sub.add_parser(
        "abtest",
        epilog=EXIT_CODES,
        help="A/B test of model variants: per-variant metrics against the control, SRM check, sequential tests",
        description="Compare each variant with the control on each metric. Checks the sample ratio against the configured "
        "weights first (a mismatch makes every decision 'invalid: sample ratio mismatch'), then tests each metric "
        "(binary: two-proportion z; continuous: Welch t, or :mannwhitney / :bootstrap; ratio: delta method), adjusts the "
        "p-values across metrics and variants, and decides. Writes abtest.json and monitoring_run.json.",
    )
    p.add_argument("--data", required=True, help="a CSV, Parquet or JSON Lines table with one row per request or user, or a "
                   "capture folder in the {endpoint}/{variant}/yyyy/mm/dd/hh layout (its variant column is 'variant')")
    p.add_argument("--ground-truth", help="captured traffic (--data a capture folder): ground truth joined by inference id, "
                   "giving the columns label, correct and abs_error")
    p.add_argument("--prediction", help="captured traffic: the model-output column compared with the label (default: the first)")
    p.add_argument("--threshold", type=bounded(float), help="captured traffic: correct means (prediction >= threshold) == "
                   "(label == --positive-label)")
    p.add_argument("--positive-label", default="1", help="captured traffic with --threshold: the positive label (default 1)")
    p.add_argument("--variant-column", required=True, help="the column naming each row's variant")
    p.add_argument("--metric", action="append", required=True, metavar="NAME:TYPE",
                   help="NAME:binary, NAME:continuous or NAME:ratio=NUM/DEN, then optionally :higher (default) or :lower, and "
                        "for continuous :welch (default), :mannwhitney or :bootstrap; repeat for several metrics")
    p.add_argument("--control", help="the control variant (default: the first in --weights, else the first name in sorted order)")
    p.add_argument("--weights", help="configured traffic weights, e.g. A=0.5,B=0.5 (relative; default equal)")
    p.add_argument("--alpha", type=bounded(float, 0, 1, lo_open=True, hi_open=True), default=0.05,
                   help="false-positive rate across metrics and variants (default 0.05)")
    p.add_argument("--method", choices=["fixed", "msprt", "gst"], default="fixed",
                   help="fixed: one planned look; msprt: always-valid p-values, look any time; "
                        "gst: O'Brien-Fleming group-sequential boundaries over --max-samples")
    p.add_argument("--max-samples", type=bounded(int, 2), help="the planned maximum sample (rows of all variants)")
    p.add_argument("--previous-looks", default="",
                   help="gst: comma-separated total sample sizes at the earlier looks (default: this is the first look)")
    p.add_argument("--previous", type=Path,
                   help="the previous look's abtest.json (or its folder): msprt keeps the running minimum p-value and the "
                        "intersected confidence sequence; gst takes the earlier looks from it")
    p.add_argument("--covariate", action="append", default=[], metavar="METRIC=COLUMN",
                   help="CUPED: a pre-period column for a metric (repeatable)")
    p.add_argument("--events", help="a business-event table joined on --join-key (numeric columns summed per key)")
    p.add_argument("--join-key", help="the column joining --data and --events")
    p.add_argument("--correction", choices=["holm", "bh", "none"], default="holm",
                   help="multiple-testing correction across metrics and variants (default holm)")
    p.add_argument("--power", type=bounded(float, 0, 1, lo_open=True, hi_open=True), default=0.8,
                   help="planned power, for the remaining sample of keep_running (default 0.8)")
    p.add_argument("--mde", type=bounded(float, 0, lo_open=True),
                   help="planned minimum detectable effect relative to the control mean (e.g. 0.05)")
    p.add_argument("--bootstrap", type=bounded(int, 0, 1_000_000), default=1000,
                   help="bootstrap resamples for the intervals (0: none; default 1000)")
    p.add_argument("--seed", type=bounded(int, 0, 2**63 - 1), default=0, help="seed of the bootstrap (default 0)")
    p.add_argument("--out", required=True, type=Path, help="output folder (new, empty, or an earlier run's)")
    p.add_argument("--fail-on-violations", action="store_true", help="exit with status 3 on a sample ratio mismatch")
    p.set_defaults(handler=run, command="driftline abtest")


def _covariates(items: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        metric, eq, column = item.partition("=")
        if not eq or not metric or not column:
            raise argparse.ArgumentTypeError(f"--covariate expects METRIC=COLUMN, got {item!r}")
        out[metric] = column
    return out


def _looks(text: str) -> list[int]:
    try:
        return [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--previous-looks expects comma-separated whole numbers, got {text!r}") from None


def run(args: argparse.Namespace) -> int:
    from driftline.abtest import run_abtest
    from driftline.errors import InvalidArgumentError

    try:
        covariates, looks = _covariates(args.covariate), _looks(args.previous_looks)
    except argparse.ArgumentTypeError as err:
        raise InvalidArgumentError(str(err)) from None
    result = run_abtest(
        args.data, variant_column=args.variant_column, metrics=args.metric, control=args.control, weights=args.weights,
        alpha=args.alpha, method=args.method, max_samples=args.max_samples, covariates=covariates, events=args.events,
        join_key=args.join_key, correction=args.correction, power=args.power, mde=args.mde, bootstrap=args.bootstrap,
        seed=args.seed, previous_looks=looks, previous=args.previous, ground_truth=args.ground_truth, prediction=args.prediction, threshold=args.threshold,
        positive_label=args.positive_label, out=args.out,
    )
    doc = result.to_dict()
    counts = ", ".join(f"{v} {x['n']}" for v, x in doc["variants"].items())
    decision = doc["decision"].get("decision") if doc["decision"] else None
    print_status(result, f"{decision} ({counts} rows) -> {args.out}")
    if doc["srm"]:
        s = doc["srm"]
        print(f"  sample ratio: chi-square p = {s['pvalue']:.3g}" + ("  MISMATCH: decisions are invalid" if s["mismatch"] else " (ok)"))
    for e in doc["metrics"]:
        if e["pvalue"] is None:
            print(f"  {e['name']} {e['variant']} vs {e['control']}: {e['decision'] or '-'} ({e['reason']})")
            continue
        rel = "" if e["relative_difference"] is None else f" ({e['relative_difference']:+.2%})"
        ci = "" if e["ci_low"] is None else f" [{e['ci_low']:.4g}, {e['ci_high']:.4g}]"
        adj = "" if e["adjusted_pvalue"] is None else f", adjusted {e['adjusted_pvalue']:.3g}"
        print(f"  {e['name']} {e['variant']} vs {e['control']}: {e['difference']:+.4g}{rel}{ci}, {e['test']} p = {e['pvalue']:.3g}{adj}: "
              f"{e['decision']}")
    if doc["decision"]:
        w = ", ".join(f"{k}={v:.3g}" for k, v in doc["decision"]["suggested_weights"].items())
        rem = doc["decision"].get("remaining_sample")
        print(f"  decision: {decision}; suggested weights {w}" + (f"; about {rem} more rows" if rem else ""))
    return exit_code(result, args)
