"""``driftline bench-drift``: measure drift tests' false-alarm rate, power and time by simulation."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from driftline.cli._common import EXIT_CODES, bounded


def register(sub: Any) -> None:
    from driftline.benchdrift import SCENARIOS, TESTS
    from driftline.benchdrift.external import EXTERNAL_TESTS
    from driftline.benchdrift.run import DEFAULT_EXTERNAL, DEFAULT_SIZES, EXTERNAL_MAX_N, EXTERNAL_REPS

    p = sub.add_parser(
        "bench-drift",
        epilog=EXIT_CODES,
        help="benchmark drift tests: false-positive rate, power and time per test, on synthetic data or yours",
        description="Draw a reference sample and a window for every scenario, effect size and sample size, REPS times, and "
        "run every test of driftline's battery on each pair (the drift table's tests at their default thresholds, the "
        "p-value tests at alpha, the KLL-sketch tests; all repetitions of a cell in one call into the Rust core) and, "
        "for comparison, Evidently's and NannyML's default tests when those libraries are installed. Writes results.csv, results.json, power curves and the "
        "false-positive rate against sample size as PNG, and report.html (self-contained) into --out.",
    )
    p.add_argument("--tests", help=f"comma-separated tests: driftline's ({','.join(TESTS)}) and other libraries' "
                   f"({','.join(EXTERNAL_TESTS)}; their library installed). Default: all of driftline's, plus "
                   f"{' and '.join(DEFAULT_EXTERNAL)} when installed")
    p.add_argument("--external-reps", type=bounded(int, 1), default=EXTERNAL_REPS,
                   help="repetitions per cell for the other libraries' tests, which are called once per pair in Python "
                   "(default %(default)s; at most --reps)")
    p.add_argument("--external-max-n", type=bounded(int, 2), default=EXTERNAL_MAX_N,
                   help="leave the other libraries' tests out of cells larger than this (default %(default)s: they take "
                   "about a second per call at 10^6 values)")
    p.add_argument("--scenarios", help=f"comma-separated scenarios (default all: {','.join(SCENARIOS)})")
    p.add_argument("--effects", help="comma-separated effect sizes, in each scenario's natural units, used for every "
                   "drifting scenario (default: each scenario's own three)")
    p.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                   help="comma-separated sample sizes, reference and window alike (default %(default)s)")
    p.add_argument("--reps", type=bounded(int, 1), default=200, help="repetitions per cell (default 200)")
    p.add_argument("--alpha", type=bounded(float, 0, 1, lo_open=True, hi_open=True), default=0.05,
                   help="significance level of the p-value tests and the calibrated thresholds (default 0.05)")
    p.add_argument("--confidence", type=bounded(float, 0, 1, lo_open=True, hi_open=True), default=0.95,
                   help="confidence of the Clopper-Pearson intervals (default 0.95)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0); the same seed gives the same rates")
    p.add_argument("--reference", metavar="DATA", help="a CSV, Parquet or JSON Lines file: resample and perturb its data "
                   "instead of synthetic distributions")
    p.add_argument("--column", help="with --reference: the numeric column (default: the first numeric one)")
    p.add_argument("--category-column", help="with --reference: the categorical column (default: the first text column)")
    p.add_argument("--no-timing", action="store_true", help="leave seconds_per_test empty (the CSV is then byte-identical "
                   "for the same seed)")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.add_argument("--out", required=True, help="folder for the results and plots")
    p.set_defaults(handler=run, command="driftline bench-drift")


def run(args: argparse.Namespace) -> int:
    from driftline.benchdrift import bench_drift

    def progress(text: str) -> None:
        print(f"bench-drift: {text}", file=sys.stderr, flush=True)

    result = bench_drift(
        tests=args.tests, scenarios=args.scenarios, effects=args.effects, sizes=args.sizes, reps=args.reps,
        alpha=args.alpha, seed=args.seed, reference=args.reference, column=args.column,
        category_column=args.category_column, confidence=args.confidence, timing=not args.no_timing,
        external_reps=args.external_reps, external_max_n=args.external_max_n, out=args.out,
        progress=None if args.quiet else progress,
    )
    no_drift = [r for r in result.rows if r.scenario == "no_drift"]
    print(f"driftline bench-drift: {len(result.rows)} rows simulated in {result.elapsed_seconds:.1f} s; wrote {args.out}/results.csv, "
          f"results.json, report.html")
    if no_drift:
        print(f"false-positive rate under no drift (alpha {result.alpha:g}, {result.reps} reps):")
        sizes = sorted({r.n for r in no_drift})
        print("  " + "test".ljust(22) + "".join(f"n={n}".rjust(10) for n in sizes))
        for test, kind in dict.fromkeys((r.test, r.kind) for r in no_drift):
            cells = {r.n: r.rate for r in no_drift if r.test == test and r.kind == kind}
            print("  " + f"{test} ({kind[:3]})".ljust(22) + "".join(f"{cells[n]:.3f}".rjust(10) if n in cells else "".rjust(10) for n in sizes))
    for s in result.skipped:
        print(f"skipped {s['test']} ({s['description']}): {s['reason']}")
    return 0
