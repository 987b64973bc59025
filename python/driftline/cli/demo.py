"""``driftline demo``: the built-in scenario, or every statistic on two built-in samples."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from driftline.cli._common import bounded


def register(sub: Any) -> None:
    p = sub.add_parser(
        "demo",
        help="run the built-in scenario: data and model quality, bias and attribution drift, an A/B test, the scheduler",
        description="Write a credit-risk model's training data, three days of captured traffic (four data problems "
        "and one outcome problem injected on day two) and its ground truth (arriving a day late), build the baselines, "
        "run the 72 hourly data-quality monitors, the model-quality monitors of 6-hour windows (estimated at the "
        "window's end, realised when the labels arrive), a daily bias-drift and attribution-drift monitor, an A/B test "
        "of a challenger variant checked every hour, and the scheduler over the same days (its store, alerts, a "
        "webhook and a command action); print a summary with every flag raised on the clean days; files go to --out. "
        "With --stats, instead compare two built-in samples with every statistic in driftline.stats.",
    )
    p.add_argument("--seed", type=int, default=7, help="seed of the built-in data (default: 7)")
    p.add_argument("--out", type=Path, default=Path("demo-output"), help="output folder (default: ./demo-output)")
    p.add_argument("--stats", action="store_true", help="instead, compare two built-in samples with every statistic")
    p.add_argument("--rows", type=bounded(int, 10), default=50_000, help="with --stats: rows in the baseline sample (default: 50000)")
    p.set_defaults(handler=run, command="driftline demo")


def run(args: argparse.Namespace) -> int:
    from driftline.demo import run_demo, run_scenario

    print(run_demo(seed=args.seed, rows=args.rows) if args.stats else run_scenario(args.out, seed=args.seed))
    return 0
