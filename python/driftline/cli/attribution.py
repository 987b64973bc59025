"""``driftline attribution``: feature-attribution drift (Clarify's Model Explainability Monitor).

``driftline attribution baseline`` writes the baseline's global SHAP values (``analysis.json``);
``driftline attribution monitor`` compares a window with it by NDCG.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from driftline.cli._common import EXIT_CODES, bounded, exit_code, iso_time, print_status

MODEL_HELP = ("the model as module:function (a callable over a batch: a 2-D numpy array, or a Polars frame with "
              "--model-input polars, in; 1-D or 2-D scores out); the current folder is on the import path")


def _sources(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", required=True, type=Path, help="Clarify analysis configuration JSON (headers, label, methods.shap)")
    p.add_argument("--data", required=True, help="the data to explain: a table (CSV, Parquet, JSON Lines) or capture folder")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--model", help=MODEL_HELP)
    src.add_argument("--attributions", help="SHAP values computed elsewhere: a table with one column per feature "
                     "(and optionally expected_value), one row per row of --data")
    p.add_argument("--model-input", choices=["numpy", "polars"], default="numpy", help="what the model is called with (default: numpy)")
    p.add_argument("--out", required=True, type=Path, help="output folder (new, empty, or an earlier output's)")


def register(sub: Any) -> None:
    p = sub.add_parser("attribution", help="feature-attribution drift: KernelSHAP and NDCG (Clarify's explainability monitor)",
                       description="Feature-attribution drift, file-compatible with SageMaker Clarify's Model Explainability Monitor.",
                       epilog=EXIT_CODES)
    inner = p.add_subparsers(dest="attribution_command", metavar="SUBCOMMAND", required=True)
    b = inner.add_parser("baseline", epilog=EXIT_CODES, help="global SHAP values of the baseline data (analysis.json)",
                         description="Explain the baseline data (driftline's KernelSHAP or supplied attributions) and write "
                         "analysis.json with explanations.kernel_shap.<label>.global_shap_values and expected_value, and "
                         "shap_background.json (the background used) with --model.")
    _sources(b)
    b.set_defaults(handler=run_baseline, command="driftline attribution baseline")
    m = inner.add_parser("monitor", epilog=EXIT_CODES, help="compare a window's attributions with the baseline (NDCG)",
                         description="Explain a window and compare its global SHAP values with the baseline's by NDCG; write "
                         "analysis.json, constraint_violations.json (feature_attribution_drift_check), metrics.json, "
                         "attribution_drift.json (each feature's change, Spearman) and monitoring_run.json.")
    m.add_argument("--baseline", required=True, type=Path, help="the attribution baseline folder (analysis.json)")
    _sources(m)
    m.add_argument("--threshold", type=bounded(float, 0, 1), default=0.9, help="NDCG below this is a violation (default: 0.9, Clarify's)")
    m.add_argument("--start", type=iso_time, help="window start for captured data, ISO 8601 (UTC if no offset)")
    m.add_argument("--end", type=iso_time, help="window end (exclusive), ISO 8601")
    m.add_argument("--fail-on-violations", action="store_true", help="exit with status 3 when there are violations")
    m.set_defaults(handler=run_monitor, command="driftline attribution monitor")


def _print_labels(analysis: Any) -> None:
    for label, entry in analysis["explanations"]["kernel_shap"].items():
        top = sorted(entry["global_shap_values"].items(), key=lambda kv: -abs(kv[1]))[:5]
        shown = ", ".join(f"{f} {v:.4g}" for f, v in top)
        print(f"  {label}: expected value {entry['expected_value']}, top features: {shown}")


def run_baseline(args: argparse.Namespace) -> int:
    from driftline.attribution import suggest_attribution_baseline

    result = suggest_attribution_baseline(args.config, args.data, model=args.model, attributions=args.attributions, out=args.out,
                                          model_input=args.model_input)
    n = len(result.attributions.values)
    print(f"Baseline written to {args.out}: {n} rows explained")
    _print_labels(result.analysis)
    return 0


def run_monitor(args: argparse.Namespace) -> int:
    from driftline.attribution import run_attribution_monitor

    result = run_attribution_monitor(args.baseline, args.config, args.data, model=args.model, attributions=args.attributions,
                                     out=args.out, threshold=args.threshold, start=args.start, end=args.end,
                                     model_input=args.model_input)
    scores = ", ".join(f"{k} NDCG {v:.4f}" for k, v in result.ndcg.items())
    print_status(result, f"{result.item_count} rows, {scores}, {len(result.violations)} violations")
    if result.drift is not None:
        for lab in result.drift["labels"]:
            moved = ", ".join(f"{c['feature']} {c['baseline']:.4g} -> {c['current']:.4g} (rank {c['baseline_rank']} -> {c['current_rank']})"
                              for c in lab["features"][:3])
            print(f"  {lab['label']}: Spearman {lab['spearman']}, largest changes: {moved}")
    for v in result.violations:
        print(f"  {v['label']}: {v['constraint_check_type']}: {v['description']}")
    return exit_code(result, args)
