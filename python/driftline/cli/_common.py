"""What every command shares: the parser that reports a usage error in one line, argument
types with their bounds, the terminal progress line, and the one path from a result or an error
to an exit code.

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
from collections.abc import Callable, Iterator
from typing import Any, NoReturn

EXIT_CODES = ("exit codes: 0 done (a run Completed, with or without violations); 1 a monitor run Failed "
              "(monitoring_run.json says why); 2 the command could not run (bad flags or input; one line on stderr); "
              "3 violations found with --fail-on-violations")


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (exit 2) that points to --help."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def bounded(kind: type, lo: float | None = None, hi: float | None = None, lo_open: bool = False,
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


def iso_time(text: str) -> str:
    """An argparse type: an ISO-8601 time (UTC when it has no offset), checked here so a typo is a
    usage error that names the flag."""
    from driftline.errors import InvalidArgumentError
    from driftline.io import to_utc

    try:
        to_utc(text, "time")
    except InvalidArgumentError:
        raise argparse.ArgumentTypeError(f"expected an ISO-8601 time such as 2026-11-02T00:00Z, got {text!r}") from None
    return text


def run_command(name: str, command: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
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
        print(f"{name}: error: {one_line(str(e))}", file=sys.stderr)
    except OSError as e:
        where = f" {e.filename}" if e.filename else ""
        print(f"{name}: error:{where}: {e.strerror or e}", file=sys.stderr)
    except Exception as e:  # a bug: still one line, and the exit code of a command that could not run
        print(f"{name}: internal error (please report): {type(e).__name__}: {one_line(str(e))}", file=sys.stderr)
    return 2


def one_line(text: str) -> str:
    return " ".join(text.split())


@contextlib.contextmanager
def rows_progress() -> Iterator[Callable[[int], None] | None]:
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


def print_status(run: Any, detail: str, *, detail_when_failed: bool = False) -> None:
    """A run's first line: a failed run's reason first, else its status and ``detail``."""
    if run.status == "Failed":
        print(f"Failed: {one_line(run.reason)}" + (f" ({detail})" if detail_when_failed else ""))
    else:
        print(f"{run.status}: {detail}")


def exit_code(run: Any, args: argparse.Namespace) -> int:
    """After a run's lines: its bad-record report, then 1 if it failed, 3 if it found violations
    and ``--fail-on-violations`` asks to fail on them, else 0."""
    if run.bad_records:
        print(f"  {run.bad_records_summary}")
    if run.status == "Failed":
        return 1
    return 3 if (args.fail_on_violations and run.violations) else 0


