"""Run, its status and reason, and :func:`execute`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypeVar

from driftline._outputs import OutputFolder
from driftline.errors import BadRecordError, DriftlineError

__all__ = ["KeepPartialResults", "Run", "Status", "execute"]

Status = Literal["Completed", "CompletedWithViolations", "Failed"]
RECORD = "monitoring_run.json"


class KeepPartialResults(DriftlineError):
    """Raised by a monitor's body to fail its run with a reason while keeping what it computed
    so far (e.g. a model-quality window with predictions but no labels yet keeps its estimates)."""


def iso(t: datetime | None) -> str | None:
    """A UTC time as SageMaker writes it (``2026-11-02T00:00:00Z``)."""
    return t.isoformat().replace("+00:00", "Z") if t else None


@dataclass
class Run:
    """What every monitoring run has: its status and reason, its window, its violations and its
    bad-record report. Subclasses add their results, say which files they write
    (:meth:`output_files`) and what a failure discards (:meth:`discard`)."""

    status: Status = "Failed"
    reason: str = ""
    start: datetime | None = None
    end: datetime | None = None
    violations: list[Any] = field(default_factory=list)
    bad_records: int = 0
    bad_records_summary: str = ""

    def add_bad_records(self, report: Any, source: str | None = None) -> None:
        """Count a reader's bad-record report (``driftline.io.records.BadRecords``), whether the
        read went on (skip) or failed: the run's count then agrees with its reason."""
        if not report.total:
            return
        self.bad_records += report.total
        part = report.summary() if source is None else f"{source}: {report.summary()}"
        self.bad_records_summary = f"{self.bad_records_summary} {part}" if self.bad_records_summary else part

    def complete(self) -> None:
        self.status = "CompletedWithViolations" if self.violations else "Completed"
        self.reason = f"Job completed successfully with {len(self.violations)} violations." if self.violations else ""

    def fail(self, error: BaseException, context: str = "") -> None:
        """Failed, with the reason first: the error's message for bad input, ``internal error``
        and the error's type for a bug."""
        self.status = "Failed"
        if isinstance(error, BadRecordError) and not self.bad_records:
            self.add_bad_records(error.report)
        known = isinstance(error, DriftlineError | OSError | ValueError)
        self.reason = context + (str(error) if known else f"internal error: {type(error).__name__}: {error}")
        if not isinstance(error, KeepPartialResults):
            self.violations = []
            self.discard()

    def discard(self) -> None:
        """Drop the results a failed run must not report (a subclass's)."""

    def output_files(self) -> dict[str, Any]:
        """The run's files other than its record (name -> JSON document), for its status."""
        return {}

    def summary(self) -> dict[str, Any]:
        """``monitoring_run.json``."""
        return {"status": self.status, "reason": self.reason, "start": iso(self.start), "end": iso(self.end)}


R = TypeVar("R", bound=Run)


def execute(run: R, folder: OutputFolder | None, body: Callable[[], None]) -> R:
    """Run ``body`` (which fills ``run``), set the status from how it ended, and write the run's
    files and record into ``folder`` (staged, renamed into place together). Never raises for what
    the body raises; a folder that cannot be written fails the run, whose record is then the
    only file written."""
    try:
        body()
        run.complete()
    except Exception as e:  # a run records Failed with its reason instead of dying half-written
        run.fail(e)
    if folder is not None:
        try:
            folder.publish({**run.output_files(), RECORD: run.summary()})
        except (ValueError, OSError) as e:  # e.g. a full disk: the outputs are not half there
            run.fail(e, context="writing the outputs failed: ")
            folder.publish({RECORD: run.summary()})
    return run
