"""The ``driftline`` command line: one module per command, each on top of the Python API.

A command module has ``register(subparsers)``, which adds its parser and sets ``handler`` (the
function that runs it) and ``command`` (its name in messages); ``main`` parses, then runs the
handler through the one error-to-exit-code path of :mod:`driftline.cli._common`. Adding a command
is a new module and one line in ``COMMANDS``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from driftline import __version__
from driftline.cli import abtest, attribution, baseline, bench_drift, bias, dashboard, demo, executions, model_quality, monitor, report, schedule
from driftline.cli._common import EXIT_CODES, Parser, run_command

__all__ = ["main"]

COMMANDS = (demo, baseline, monitor, model_quality, bias, attribution, abtest, schedule, executions, dashboard, report, bench_drift)


def parser() -> Parser:
    p = Parser(prog="driftline", description="Monitor machine-learning models in production: drift statistics with a Rust core.",
               epilog=EXIT_CODES)
    p.add_argument("--version", action="version", version=f"driftline {__version__}")
    sub = p.add_subparsers(dest="command_name", metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub)
    return p


def _values_starting_with_dash(argv: Sequence[str]) -> list[str]:
    """``--flag -P1D`` as ``--flag=-P1D`` for the flags whose values start with ``-`` (SageMaker's
    time offsets): argparse would take such a value for an option."""
    flags = {f for command in COMMANDS for f in getattr(command, "DASH_VALUE_FLAGS", ())}
    out: list[str] = []
    it = iter(argv)
    for a in it:
        if a in flags:
            nxt = next(it, None)
            out.append(a if nxt is None else f"{a}={nxt}")
        else:
            out.append(a)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    p = parser()
    args = p.parse_args(_values_starting_with_dash(sys.argv[1:] if argv is None else argv))
    handler = getattr(args, "handler", None)
    if handler is None:
        p.print_help(sys.stderr)
        return 2
    return run_command(args.command, handler, args)
