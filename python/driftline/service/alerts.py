"""Alert rules: pure functions from a monitor's recent history to an alert state (no I/O).

Both rules are CloudWatch-style "M out of N" alarms, the way SageMaker Model Monitor alerts work
(``datapoints_to_alert`` = M, ``evaluation_period`` = N):

- ``rule = "violations"``: the datapoints are the monitor's last N *finished* executions
  (newest first), and one breaches when it ended ``CompletedWithViolations``.
- ``rule = "threshold"``: the datapoints are the last N values of the metric ``alert.metric``
  (newest first), and one breaches when ``value <op> threshold``.

Missing data. SageMaker emits no metric for a failed execution, and CloudWatch's default treatment
of missing data ("missing") evaluates the window on the datapoints that are present. Here the
window is always the last N *slots* (a Failed or Stopped execution, or a NaN value, takes its slot
as a missing datapoint; older datapoints are never pulled in to replace it, so a monitor whose
recent runs all fail cannot stay in a state decided by stale data). Then, conservatively:

1. fewer than N slots exist at all -> ``InsufficientData``;
2. at least M present datapoints breach -> ``InAlert`` (missing ones cannot undo that evidence);
3. fewer than M datapoints are present -> ``InsufficientData`` (too little data to say either
   way; in particular a window of only failed executions, or only NaN values);
4. otherwise -> ``OK``.

Executions still ``Pending`` or ``InProgress`` are not finished: they are ignored (they take no
slot). See :func:`transition` for when a change of state fires actions.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from datetime import datetime

from driftline.service._types import Alert, AlertState, Execution

__all__ = ["MISSING_STATUSES", "evaluate", "transition"]

#: Finished execution statuses that count as a missing datapoint (no metric was emitted).
MISSING_STATUSES: tuple[str, ...] = ("Failed", "Stopped")
_UNFINISHED: tuple[str, ...] = ("Pending", "InProgress")

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le,
}


def _check(alert: Alert) -> None:
    n, m = alert.evaluation_period, alert.datapoints_to_alert
    if n < 1:
        raise ValueError(f"alert {alert.name!r}: evaluation_period must be >= 1, got {n}")
    if not 1 <= m <= n:
        raise ValueError(f"alert {alert.name!r}: datapoints_to_alert must be between 1 and "
                         f"evaluation_period ({n}), got {m}")


def _plural(k: int, word: str) -> str:
    return f"{k} {word}" if k == 1 else f"{k} {word}s"


def _decide(n: int, m: int, slots: Sequence[bool | None]) -> tuple[AlertState, int, int]:
    """``slots``: the window, newest first; True breaching, False not, None missing.
    Returns (state, breaching, present)."""
    breaching = sum(1 for s in slots if s is True)
    present = sum(1 for s in slots if s is not None)
    if len(slots) < n:
        return "InsufficientData", breaching, present
    if breaching >= m:
        return "InAlert", breaching, present
    if present < m:
        return "InsufficientData", breaching, present
    return "OK", breaching, present


def evaluate(alert: Alert, executions: list[Execution],
             series: list[tuple[datetime, float]]) -> tuple[AlertState, str]:
    """The state of ``alert`` and a one-line reason saying what was seen.

    ``executions``: the monitor's most recent executions, newest first (used by the
    ``violations`` rule); ``series``: the metric's most recent ``(time, value)`` datapoints,
    newest first (used by the ``threshold`` rule). Either may hold more than
    ``evaluation_period`` items; only the first ``evaluation_period`` count. See the module
    docstring for how missing data (failed executions, NaN values) counts.

    Raises ``ValueError`` for an alert that cannot be evaluated (``datapoints_to_alert`` not in
    ``1..evaluation_period``, a threshold rule without ``metric`` or ``threshold``, an unknown
    rule or operator).
    """
    _check(alert)
    n, m = alert.evaluation_period, alert.datapoints_to_alert
    if alert.rule == "violations":
        return _evaluate_violations(alert, n, m, executions)
    if alert.rule == "threshold":
        return _evaluate_threshold(alert, n, m, series)
    raise ValueError(f"alert {alert.name!r}: unknown rule {alert.rule!r}")


def _evaluate_violations(alert: Alert, n: int, m: int,
                         executions: list[Execution]) -> tuple[AlertState, str]:
    finished = [e for e in executions if e.status not in _UNFINISHED][:n]
    slots: list[bool | None] = [
        None if e.status in MISSING_STATUSES else e.status == "CompletedWithViolations" for e in finished
    ]
    state, breaching, present = _decide(n, m, slots)
    missing = len(slots) - present
    tail = f"(datapoints_to_alert={m})"
    if len(slots) < n:
        return state, (f"only {_plural(len(slots), 'finished execution')} of the {n} needed "
                       f"(evaluation_period={n})")
    failed = f"; {missing} failed, counted as missing" if missing else ""
    if state == "InsufficientData" and n == 1:
        return state, (f"the last execution ended {finished[0].status}, counted as missing "
                       "(datapoints_to_alert=1)")
    if state == "InsufficientData":
        return state, (f"{breaching} of the last {n} executions had violations and only {present} "
                       f"completed{failed}, fewer than datapoints_to_alert={m}")
    if n == 1:
        had = "had violations" if breaching else "had no violations"
        return state, f"the last execution {had} {tail}"
    return state, f"{breaching} of the last {n} executions had violations {tail}{failed}"


def _fmt(x: float) -> str:
    return f"{x:g}"


def _evaluate_threshold(alert: Alert, n: int, m: int,
                        series: list[tuple[datetime, float]]) -> tuple[AlertState, str]:
    if alert.metric is None or alert.threshold is None:
        raise ValueError(f"alert {alert.name!r}: a threshold rule needs both metric and threshold")
    try:
        op = _OPS[alert.op]
    except KeyError:
        raise ValueError(f"alert {alert.name!r}: unknown operator {alert.op!r}") from None
    threshold = float(alert.threshold)
    window = [float(v) for _, v in series[:n]]
    slots: list[bool | None] = [None if math.isnan(v) else op(v, threshold) for v in window]
    state, breaching, present = _decide(n, m, slots)
    missing = len(slots) - present
    rule = f"{alert.metric} {alert.op} {_fmt(threshold)}"
    if len(slots) < n:
        return state, (f"only {_plural(len(slots), 'datapoint')} of {alert.metric} of the {n} "
                       f"needed (evaluation_period={n})")
    gone = f"; {missing} missing (NaN)" if missing else ""
    last = f"{breaching} of the last {n} datapoints" if n > 1 else "the last datapoint"
    if state == "InAlert":
        # the newest breaching value: what the alert is about
        seen = next(v for v, s in zip(window, slots) if s is True)
        return state, (f"{alert.metric} = {_fmt(seen)} {alert.op} {_fmt(threshold)} in {last} "
                       f"(datapoints_to_alert={m}){gone}")
    if state == "InsufficientData" and n == 1:
        return state, f"the last datapoint of {alert.metric} is NaN, counted as missing (datapoints_to_alert=1)"
    if state == "InsufficientData":
        return state, (f"{rule} in {last} and only {present} present{gone}, "
                       f"fewer than datapoints_to_alert={m}")
    latest = next(v for v, s in zip(window, slots) if s is not None)
    if n == 1:
        return state, f"{alert.metric} = {_fmt(latest)}, not {alert.op} {_fmt(threshold)} (datapoints_to_alert=1)"
    return state, (f"{rule} in {last} (datapoints_to_alert={m}; latest "
                   f"{alert.metric} = {_fmt(latest)}){gone}")


def transition(previous: AlertState, new: AlertState) -> bool:
    """Whether a change from ``previous`` to ``new`` fires the alert's actions.

    Actions fire on every change of state, except ``InsufficientData -> OK``: a monitor that
    starts up (or recovers from a run of failures) and turns out fine is not news, and firing
    "OK" actions then would announce a recovery from an alarm that never went off. No change, no
    actions. (Which of the firing changes reach a given action is that action's ``on``.)
    """
    if previous == new:
        return False
    return not (previous == "InsufficientData" and new == "OK")
