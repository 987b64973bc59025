"""Records shared by the parts of the monitoring service (config, store, scheduler, alerts,
actions): plain dataclasses, no behaviour, so that every part can be tested on its own.

Times are timezone-aware UTC ``datetime`` objects everywhere in Python; the store writes them as
ISO-8601 text with ``Z`` (``2026-11-01T00:00:00Z``), which sorts as time in SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

__all__ = [
    "ACTION_KINDS", "ALERT_STATES", "EXECUTION_STATUSES", "Action", "ActionKind", "Alert", "AlertEvent",
    "AlertState", "Execution", "ExecutionStatus",
]

ExecutionStatus = Literal["Pending", "InProgress", "Completed", "CompletedWithViolations", "Failed", "Stopped"]
EXECUTION_STATUSES: tuple[str, ...] = ("Pending", "InProgress", "Completed", "CompletedWithViolations", "Failed", "Stopped")
DONE: tuple[str, ...] = ("Completed", "CompletedWithViolations")
AlertState = Literal["InAlert", "OK", "InsufficientData"]
ALERT_STATES: tuple[str, ...] = ("InAlert", "OK", "InsufficientData")
ActionKind = Literal["webhook", "command", "retrain"]
ACTION_KINDS: tuple[str, ...] = ("webhook", "command", "retrain")


@dataclass(frozen=True)
class Alert:
    """One ``[[monitors.alerts]]`` entry.

    - ``rule = "violations"`` (SageMaker's rule): InAlert when at least ``datapoints_to_alert`` of
      the last ``evaluation_period`` executions had violations (CompletedWithViolations), OK when
      fewer, InsufficientData while fewer than ``evaluation_period`` executions finished.
    - ``rule = "threshold"``: on metric ``metric`` (a name the runs emit, e.g.
      ``feature_baseline_drift_age`` or ``request_count``): a datapoint breaches when
      ``value <op> threshold`` (op one of ``>``, ``>=``, ``<``, ``<=``); InAlert when at least
      ``datapoints_to_alert`` of the last ``evaluation_period`` datapoints breach.
    """

    name: str
    rule: Literal["violations", "threshold"] = "violations"
    datapoints_to_alert: int = 1
    evaluation_period: int = 1
    metric: str | None = None
    op: Literal[">", ">=", "<", "<="] = ">"
    threshold: float | None = None


@dataclass(frozen=True)
class Action:
    """One ``[[monitors.actions]]`` entry, started when an alert of its monitor changes state to
    one of ``on``. ``webhook``: POST a JSON payload to ``url`` (``timeout`` seconds per try,
    ``retries`` more tries with exponential backoff from ``backoff`` seconds). ``command`` and
    ``retrain``: run ``command`` (an argument list, never a shell) with placeholders
    ``{monitor} {model} {alert} {window_start} {window_end} {state} {reason} {output}``
    substituted per argument and the same values in ``DRIFTLINE_*`` environment variables
    (``DRIFTLINE_MONITOR`` ...); ``retrain`` is a command that also gets ``DRIFTLINE_RETRAIN=1``.
    ``alerts`` limits it to some alerts of the monitor (empty: all)."""

    kind: ActionKind
    on: tuple[AlertState, ...] = ("InAlert",)
    url: str | None = None
    command: tuple[str, ...] = ()
    timeout: float = 10.0
    retries: int = 3
    backoff: float = 1.0
    alerts: tuple[str, ...] = ()
    name: str = ""


@dataclass
class Execution:
    """One (monitor, window) execution as the store keeps it."""

    id: int
    monitor: str
    model: str
    window_start: datetime
    window_end: datetime
    scheduled_time: datetime
    status: ExecutionStatus
    reason: str = ""
    output: str = ""
    violations: int = 0
    attempts: int = 0
    started: datetime | None = None
    ended: datetime | None = None
    metrics: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class AlertEvent:
    """An alert's change of state: what actions receive (and the JSON payload of a webhook)."""

    monitor: str
    model: str
    alert: str
    state: AlertState
    previous: AlertState
    at: datetime
    reason: str
    window_start: datetime | None = None
    window_end: datetime | None = None
    output: str = ""

    def to_json(self) -> dict[str, Any]:
        def t(x: datetime | None) -> str | None:
            return x.isoformat().replace("+00:00", "Z") if x else None

        return {"monitor": self.monitor, "model": self.model, "alert": self.alert, "state": self.state,
                "previous": self.previous, "at": t(self.at), "reason": self.reason,
                "window_start": t(self.window_start), "window_end": t(self.window_end), "output": self.output}
