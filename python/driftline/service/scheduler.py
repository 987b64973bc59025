"""The scheduler: runs every due (monitor, window) once, records it in the store, evaluates the
alerts and starts their actions.

Data flows one way: the monitors' runs -> the store -> alerts -> actions. Each execution is
claimed in the store under a lease (:meth:`Store.claim`, one transaction), so two schedulers on
one store never run the same window at the same time, and a window that completed is never run
again. While an execution runs, a heartbeat renews its lease; a scheduler killed mid-execution
stops renewing, and once the lease has expired the next pass marks the execution Failed
("interrupted") and runs the window again.
"""

from __future__ import annotations

import logging
import os
import queue
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from driftline.service import hostmetrics
from driftline.service._types import DONE, AlertEvent, Execution
from driftline.service.actions import Dispatcher
from driftline.service.alerts import evaluate, transition
from driftline.service.config import Config, MonitorConfig
from driftline.service.store import Store

__all__ = ["Due", "Scheduler", "run_window"]

log = logging.getLogger("driftline.schedule")


@dataclass(frozen=True)
class Due:
    """A window of a monitor that is due: scheduled at ``scheduled``, analysing [start, end)."""

    monitor: MonitorConfig
    scheduled: datetime
    start: datetime
    end: datetime


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def run_window(m: MonitorConfig, scheduled: datetime) -> tuple[str, str, int, dict[str, float], str]:
    """Run one window of a monitor through its run lifecycle: (status, reason, violations,
    metrics, output folder). Bad data fails the run with its reason; bad arguments (raised before
    any work) fail it too, here, so the scheduler records them."""
    start, end = m.window(scheduled)
    out = m.out_folder(scheduled)
    t0 = time.perf_counter()
    try:
        if m.type == "data-quality":
            from driftline.data_quality.monitor import run_monitor

            run: Any = run_monitor(m.baseline, m.data, out=out, start=start, end=end, **m.options)
            item_count = run.item_count
        elif m.type == "model-quality":
            from driftline.model_quality.monitor import run_model_quality_monitor

            run = run_model_quality_monitor(m.baseline, m.data, m.ground_truth, out=out, run_time=scheduled,
                                            start_offset=m.start_offset_text, end_offset=m.end_offset_text, **m.options)
            item_count = run.item_count
        elif m.type == "bias":
            from driftline.bias import run_bias_monitor

            assert m.analysis_config is not None  # the configuration requires it
            run = run_bias_monitor(m.baseline, m.analysis_config, m.data, ground_truth=m.ground_truth, out=out, start=start, end=end,
                                   **m.options)
            item_count = run.item_count
        elif m.type == "abtest":
            from driftline.abtest import run_abtest

            # an A/B test looks at all the traffic so far (each execution is one look); the window is recorded
            run = run_abtest(m.data, ground_truth=m.ground_truth, out=out, **m.options)
            item_count = run.item_count
        else:
            from driftline.attribution import run_attribution_monitor

            run = run_attribution_monitor(m.baseline, m.analysis_config, m.data, out=out, start=start, end=end, **m.options)
            item_count = run.item_count
    except Exception as e:  # an argument the monitor refuses: recorded as a failed execution
        return "Failed", f"{type(e).__name__}: {e}", 0, {}, str(out)
    reason = _redacted(m, run.reason, out)
    metrics = _abtest_metrics(run) if m.type == "abtest" else _metrics(run.metrics)
    try:
        from driftline.service.traffic import window_traffic

        metrics.update(window_traffic(m.data, start, end, m.events))
    except Exception as e:  # the traffic and KPI metrics never fail the model's run; the reason is logged
        log.warning("%s [%s, %s): traffic metrics not computed: %s", m.name, _iso(start), _iso(end), e)
    metrics["violations"] = float(len(run.violations))
    metrics["request_count"] = float(item_count)
    metrics["bad_records"] = float(run.bad_records)
    metrics["duration_seconds"] = time.perf_counter() - t0
    return run.status, reason, len(run.violations), metrics, str(out)


def _redacted(m: MonitorConfig, reason: str, out: Path) -> str:
    """The run's reason with the raw values of the monitor's sensitive columns (those its baseline's
    and its window's statistics list) replaced by hashed labels, before it goes into the store."""
    if not m.sensitive:
        return reason
    import json

    from driftline._redact import redactor

    docs: list[Any] = []
    for p in (m.baseline / "statistics.json" if m.baseline.is_dir() else m.baseline, out / "statistics.json"):
        try:
            docs.append(json.loads(p.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return redactor(m.sensitive, *docs)(reason)


def _abtest_metrics(run: Any) -> dict[str, float]:
    """An A/B run's figures as metrics: the sample-ratio check's p-value and, per metric and
    variant against the control, the difference and its p-value (``abtest_<metric>_difference[<variant>]``)."""
    out: dict[str, float] = {}
    if run.srm and isinstance(run.srm.get("pvalue"), int | float):
        out["abtest_srm_pvalue"] = float(run.srm["pvalue"])
    for e in run.metrics:
        for key in ("difference", "pvalue"):
            v = e.get(key)
            if isinstance(v, int | float):
                out[f"abtest_{e['name']}_{key}[{e['variant']}]"] = float(v)
    return out


def _metrics(cloudwatch: list[Any]) -> dict[str, float]:
    """A run's CloudWatch metrics as name -> value (the average of a statistic set). A metric
    with dimensions (bias: stage, facet, value; attribution: label) is stored under its name with
    the dimensions' values, e.g. ``bias_metric_DPL[Pre-training,region,east]``."""
    out: dict[str, float] = {}
    for m in cloudwatch:
        name = m["MetricName"]
        dims = m.get("Dimensions")
        if isinstance(dims, dict) and dims:
            keep = [str(v) for k, v in sorted(dims.items()) if k not in ("Label", "LabelValue", "ValueType")]
            name = f"{name}[{','.join(keep)}]" if keep else name
        if "Value" in m and isinstance(m["Value"], int | float):
            out[name] = float(m["Value"])
        elif "StatisticValues" in m:
            out[name] = float(m["StatisticValues"]["Average"])
    return out


class Scheduler:
    """Runs a configuration's monitors against its store. ``owner`` names this process in leases;
    ``dry_run`` runs nothing and starts no action, and only reports what is due."""

    def __init__(self, config: Config, store: Store, *, owner: str | None = None, lease_seconds: float = 60.0,
                 dry_run: bool = False, retry_failed: bool = False, echo: Callable[[str], None] | None = None,
                 runner: Callable[[MonitorConfig, datetime], tuple[str, str, int, dict[str, float], str]] = run_window) -> None:
        self.config = config
        self.store = store
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}"
        self.lease_seconds = lease_seconds
        self.dry_run = dry_run
        self.retry_failed = retry_failed
        self.echo = echo or (lambda s: None)
        self.runner = runner
        self._audits: queue.Queue[dict[str, Any]] = queue.Queue()
        self.dispatcher = Dispatcher(self._audits.put, dry_run=dry_run)
        self.stop_requested = threading.Event()

    # -- what is due --------------------------------------------------------------------------

    def due(self, at: datetime) -> list[Due]:
        """Every window scheduled at or before ``at`` whose analysis window starts at or after the
        monitor's ``start``, has ended by ``at``, and has not run to an end, in time order.

        A window has run to an end when it Completed (with or without violations) or Failed for
        a reason of its own (bad data, a missing baseline): such a failure is final, as in
        SageMaker, and ``retry_failed`` runs it again. A window whose execution was interrupted
        (its process died, see :meth:`Store.recover`) or Stopped is due again."""
        out: list[Due] = []
        for m in self.config.monitors:
            finished = {e.window_start for e in self.store.executions(m.name, since=m.start)
                        if e.status in DONE or (e.status == "Failed" and not self.retry_failed and not e.reason.startswith("interrupted"))}
            for t in m.schedule.times(m.start - m.start_offset, at):
                start, end = m.window(t)
                if start >= m.start and end <= at and start not in finished:
                    out.append(Due(m, t, start, end))
        out.sort(key=lambda d: (d.scheduled, d.monitor.name))
        return out

    # -- running --------------------------------------------------------------------------------

    def run_once(self, at: datetime | None = None) -> list[Execution]:
        """Run every due window (the backfill after downtime), oldest first; returns the
        executions this call finished. Stops early, between executions, when a stop is requested."""
        at = at or _utcnow()
        for e in self.store.recover(_utcnow()):
            self.echo(f"{e.monitor} {_iso(e.window_start)}: marked Failed (interrupted); it runs again")
        finished: list[Execution] = []
        due = self.due(at)
        if not self.dry_run:
            for d in due:  # the backlog is visible in the store (Pending) before it runs
                self.store.mark(d.monitor.name, d.monitor.model, d.start, d.end, d.scheduled, "Pending", "due; waiting for its turn")
        for k, d in enumerate(due):
            if self.stop_requested.is_set():
                if not self.dry_run:
                    for rest in due[k:]:
                        self.store.mark(rest.monitor.name, rest.monitor.model, rest.start, rest.end, rest.scheduled, "Stopped",
                                        "the scheduler was stopped before this window ran; it runs at the next start")
                break
            if self.dry_run:
                self.echo(f"would run {d.monitor.name} [{_iso(d.start)}, {_iso(d.end)}) -> {d.monitor.out_folder(d.scheduled)}")
                continue
            ran = self._execute(d)
            if ran is not None:
                finished.append(ran)
        self._prune()
        self.flush()
        return finished

    def _execute(self, d: Due) -> Execution | None:
        m = d.monitor
        claimed = self.store.claim(m.name, m.model, d.start, d.end, d.scheduled, self.owner, self.lease_seconds, _utcnow())
        if claimed is None:
            return None  # completed meanwhile, or another scheduler holds it
        stop = threading.Event()
        beat = threading.Thread(target=self._heartbeat, args=(claimed.id, stop), daemon=True)
        beat.start()
        try:
            status, reason, violations, metrics, output = self.runner(m, d.scheduled)
        finally:
            stop.set()
            beat.join()
        metrics.update(hostmetrics.sample())
        ended = _utcnow()
        self.store.finish(claimed.id, self.owner, status, reason, output, violations, ended, metrics)
        self.echo(f"{m.name} [{_iso(d.start)}, {_iso(d.end)}): {status}" + (f" ({violations} violations)" if violations else "")
                  + (f": {reason}" if status == "Failed" else ""))
        self._alerts(m, claimed.id, d, output)
        self.flush()
        return Execution(id=claimed.id, monitor=m.name, model=m.model, window_start=d.start, window_end=d.end,
                         scheduled_time=d.scheduled, status=status, reason=reason, output=output,  # type: ignore[arg-type]
                         violations=violations, attempts=claimed.attempts, started=claimed.started, ended=ended, metrics=metrics)

    def _heartbeat(self, execution_id: int, stop: threading.Event) -> None:
        # own connection: a store object is used by one thread at a time
        with Store.open(self.config.store.target) as store:
            while not stop.wait(self.lease_seconds / 3):
                if not store.renew(execution_id, self.owner, self.lease_seconds, _utcnow()):
                    log.warning("lost the lease of execution %s", execution_id)
                    return

    def _alerts(self, m: MonitorConfig, execution_id: int, d: Due, output: str) -> None:
        for alert in m.alerts:
            n = alert.evaluation_period
            recent = self.store.last_executions(m.name, n)
            series = self.store.metric_series(m.name, alert.metric, n) if alert.metric else []
            state, reason = evaluate(alert, recent, series)
            previous, _ = self.store.alert_state(m.name, alert.name)
            if state == previous:
                continue
            at = _utcnow()
            self.store.set_alert_state(m.name, alert.name, state, previous, at, reason, execution_id)
            self.echo(f"alert {m.name}/{alert.name}: {previous} -> {state}: {reason}")
            if not transition(previous, state):  # type: ignore[arg-type]
                continue
            event = AlertEvent(monitor=m.name, model=m.model, alert=alert.name, state=state, previous=previous,  # type: ignore[arg-type]
                               at=at, reason=reason, window_start=d.start, window_end=d.end, output=output)
            for action in m.actions:
                if state in action.on and (not action.alerts or alert.name in action.alerts):
                    self.dispatcher.dispatch(action, event)

    def flush(self, wait: bool = False) -> None:
        """Write the finished actions' audit records to the store (the store is used by this
        thread only; actions run on the dispatcher's threads)."""
        if wait:
            self.dispatcher.close(wait=True)
            self.dispatcher = Dispatcher(self._audits.put, dry_run=self.dry_run)
        while True:
            try:
                rec = self._audits.get_nowait()
            except queue.Empty:
                return
            self.store.add_audit(**rec)

    def _prune(self) -> None:
        keep = self.config.store.keep_days
        if keep is not None:
            n = self.store.prune(keep, _utcnow(), remove_outputs=self.config.store.remove_outputs)
            if n:
                self.echo(f"pruned {n} executions older than {keep:g} days")

    def next_due_time(self, after: datetime) -> datetime:
        """When the next window of any monitor becomes due (its analysis window has ended)."""
        best: datetime | None = None
        for m in self.config.monitors:
            t = m.schedule.next_time(max(after, m.start))
            # a window is due when it has ended: scheduled + end_offset
            while m.window(t)[1] <= after:
                t = m.schedule.next_time(t + timedelta(seconds=1))
            ready = max(t, m.window(t)[1])
            best = ready if best is None or ready < best else best
        assert best is not None
        return best

    def run_forever(self, *, poll_seconds: float = 30.0) -> None:
        """Run due windows, wait for the next due time, repeat, until :attr:`stop_requested` is
        set (SIGTERM/SIGINT in the CLI): the current execution finishes first."""
        while not self.stop_requested.is_set():
            self.run_once(_utcnow())
            if self.stop_requested.is_set():
                break
            wait = (self.next_due_time(_utcnow()) - _utcnow()).total_seconds()
            # at least a second between passes: a window held by another scheduler is due but not ours to run
            self.stop_requested.wait(min(max(wait, 1.0), poll_seconds))
        self.flush(wait=True)


def _iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")

