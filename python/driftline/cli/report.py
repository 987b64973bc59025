"""``driftline report``: one monitoring run as a self-contained HTML file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from driftline.cli._common import EXIT_CODES


def register(sub: Any) -> None:
    p = sub.add_parser("report", epilog=EXIT_CODES, help="write a self-contained HTML report of one run folder",
                       description="Write one HTML file (inline CSS and SVG, no script, no network) with the run's status, "
                       "violations, drift table, baseline-vs-current distribution per feature, and the model-quality, bias "
                       "and attribution sections the run has.")
    p.add_argument("--run", required=True, type=Path, help="the run's output folder (with monitoring_run.json)")
    p.add_argument("--out", required=True, type=Path, help="the HTML file to write")
    p.add_argument("--baseline", type=Path, help="the baseline folder (or its statistics.json) to compare with")
    p.add_argument("--config", type=Path, help="the service's TOML file: the baseline and the sensitive columns of the "
                   "monitor whose execution recorded this run folder")
    p.add_argument("--sensitive", action="append", default=[], metavar="COLUMN",
                   help="a column whose category values are shown only as hashed labels (repeatable)")
    p.set_defaults(handler=report, command="driftline report")


def _from_config(path: Path, run: Path) -> tuple[Path | None, tuple[str, ...]]:
    from driftline.dashboard.queries import open_readonly
    from driftline.service.config import load_config

    config = load_config(path)
    with open_readonly(config.store.target) as store:
        rows = store._read(store._sql("SELECT monitor FROM executions WHERE output = ? LIMIT 1"), (str(run.resolve()),))
    names = [str(rows[0][0])] if rows else ([config.monitors[0].name] if len(config.monitors) == 1 else [])
    for m in config.monitors:
        if m.name in names:
            return m.baseline, m.sensitive
    return None, ()


def report(args: argparse.Namespace) -> int:
    from driftline.report import write_report

    baseline: Path | None = args.baseline
    sensitive: list[str] = list(args.sensitive)
    if args.config is not None:
        b, s = _from_config(args.config, args.run)
        baseline = baseline or b
        sensitive += list(s)
    size = write_report(args.run, args.out, baseline=baseline, sensitive=sensitive)
    print(f"report -> {args.out} ({size / 1024:.0f} KiB{'' if baseline else '; no baseline given'})", file=sys.stderr)
    return 0
