"""The ``driftline`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

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
    demo.add_argument("--seed", type=int, default=7, help="seed of the built-in samples (default: 7)")
    demo.add_argument("--rows", type=int, default=50_000, help="rows in the baseline sample (default: 50000)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "demo":
        from driftline.demo import run_demo

        if args.rows < 10:
            parser.error("--rows must be at least 10")
        print(run_demo(seed=args.seed, rows=args.rows))
        return 0
    parser.print_help(sys.stderr)
    return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
