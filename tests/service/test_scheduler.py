"""The scheduler over a real SQLite store: backfill in time order, each window completed once,
failures final unless retried, racing schedulers, alerts starting actions, a dry run, and a
scheduler killed with SIGKILL mid-execution (a real subprocess) whose window runs again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from driftline.service.config import MonitorConfig, load_config
from driftline.service.scheduler import Scheduler
from driftline.service.store import Store

UTC = timezone.utc
START = datetime(2026, 11, 1, tzinfo=UTC)

CONFIG = """\
[store]
path = "state.db"

[[monitors]]
name = "a"
type = "data-quality"
baseline = "baseline"
data = "capture"
schedule = "hourly"
start = "2026-11-01T00:00Z"

[[monitors.alerts]]
name = "violations"
datapoints_to_alert = 2
evaluation_period = 2

[[monitors.actions]]
kind = "command"
on = ["InAlert", "OK"]
command = [{python}, "-c", "import sys; open(sys.argv[1], 'a').write(sys.argv[2] + ' ' + sys.argv[3] + '\\\\n')", {log}, "{{state}}", "{{window_start}}"]

[[monitors]]
name = "b"
type = "data-quality"
baseline = "baseline"
data = "capture"
schedule = "every 2 hours"
start = "2026-11-01T00:00Z"
"""


def config_file(tmp_path: Path) -> Path:
    p = tmp_path / "monitors.toml"
    p.write_text(CONFIG.format(python=json.dumps(sys.executable), log=json.dumps(str(tmp_path / "actions.log"))), encoding="utf-8")
    return p


class FakeRunner:
    """Stands in for the monitors: records what ran; windows starting at the hours listed in
    ``violating`` have 2 violations, those in ``failing`` fail."""

    def __init__(self, violating: set[int] = frozenset(), failing: set[int] = frozenset(), delay: float = 0.0) -> None:  # type: ignore[assignment]
        self.ran: list[tuple[str, datetime]] = []
        self.violating, self.failing, self.delay = violating, failing, delay
        self.lock = threading.Lock()

    def __call__(self, m: MonitorConfig, scheduled: datetime) -> tuple[str, str, int, dict[str, float], str]:
        with self.lock:
            self.ran.append((m.name, scheduled))
        time.sleep(self.delay)
        hour = int((m.window(scheduled)[0] - START).total_seconds() // 3600)  # the window's first hour
        if hour in self.failing:
            return "Failed", "the capture folder holds no record in the window", 0, {}, ""
        v = 2 if hour in self.violating else 0
        return ("CompletedWithViolations" if v else "Completed"), "", v, {"request_count": 100.0 + hour}, f"runs/{m.name}/{hour}"


def test_backfill_runs_every_due_window_once_in_time_order(tmp_path: Path) -> None:
    config = load_config(config_file(tmp_path))
    runner = FakeRunner()
    with Store.open(config.store.target) as store:
        s = Scheduler(config, store, runner=runner)
        done = s.run_once(START + timedelta(hours=6))
        # by scheduled time: a's windows [0-1) .. [5-6) run at 1..6, b's 2-hour windows at 2, 4, 6
        assert [(e.monitor, e.window_start.hour) for e in done] == [
            ("a", 0), ("a", 1), ("b", 0), ("a", 2), ("a", 3), ("b", 2), ("a", 4), ("a", 5), ("b", 4)]
        assert [t for _, t in runner.ran] == sorted(t for _, t in runner.ran)
        assert s.run_once(START + timedelta(hours=6)) == []  # nothing is due twice
        more = s.run_once(START + timedelta(hours=7, minutes=30))  # the next hour only
        assert [(e.monitor, e.window_start.hour) for e in more] == [("a", 6)]
        rows = store.executions("a")
        assert len(rows) == 7 and {e.status for e in rows} == {"Completed"} and all(e.attempts == 1 for e in rows)
        assert store.metric_series("a", "request_count")[0][1] == 106.0


def test_failures_are_final_unless_retried_and_the_dry_run_runs_nothing(tmp_path: Path) -> None:
    config = load_config(config_file(tmp_path))
    with Store.open(config.store.target) as store:
        dry = FakeRunner()
        lines: list[str] = []
        assert Scheduler(config, store, runner=dry, dry_run=True, echo=lines.append).run_once(START + timedelta(hours=2)) == []
        assert dry.ran == [] and store.executions() == [] and len([x for x in lines if x.startswith("would run")]) == 3
        runner = FakeRunner(failing={1})
        Scheduler(config, store, runner=runner).run_once(START + timedelta(hours=3))
        failed = [e for e in store.executions("a") if e.status == "Failed"]
        assert [e.window_start.hour for e in failed] == [1] and "no record" in failed[0].reason
        again = FakeRunner()
        assert Scheduler(config, store, runner=again).run_once(START + timedelta(hours=3)) == []
        retried = Scheduler(config, store, runner=again, retry_failed=True).run_once(START + timedelta(hours=3))
        assert [(e.monitor, e.window_start.hour, e.status, e.attempts) for e in retried] == [("a", 1, "Completed", 2)]


def test_two_schedulers_on_one_store_never_run_a_window_twice(tmp_path: Path) -> None:
    config = load_config(config_file(tmp_path))
    runner = FakeRunner(delay=0.01)
    at = START + timedelta(hours=12)

    errors: list[BaseException] = []

    def one() -> None:
        try:
            with Store.open(config.store.target) as store:
                Scheduler(config, store, runner=runner, owner=f"t{threading.get_ident()}").run_once(at)
        except BaseException as e:  # noqa: BLE001 (reported below)
            errors.append(e)

    threads = [threading.Thread(target=one) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(runner.ran) == len(set(runner.ran)) == 12 + 6
    with Store.open(config.store.target) as store:
        assert len(store.executions()) == 18


def test_alerts_change_state_and_start_their_actions(tmp_path: Path) -> None:
    config = load_config(config_file(tmp_path))
    runner = FakeRunner(violating={2, 3, 4})
    with Store.open(config.store.target) as store:
        s = Scheduler(config, store, runner=runner)
        s.run_once(START + timedelta(hours=8))
        s.flush(wait=True)
        history = list(reversed(store.alert_history("a")))
        assert [(h["previous"], h["state"]) for h in history] == [("InsufficientData", "OK"), ("OK", "InAlert"), ("InAlert", "OK")]
        audit = list(reversed(store.audit()))
        assert [(r["state"], r["outcome"]) for r in audit] == [("InAlert", "ok"), ("OK", "ok")]
    log = (tmp_path / "actions.log").read_text().splitlines()
    assert log == ["InAlert 2026-11-01T03:00:00Z", "OK 2026-11-01T05:00:00Z"]


KILLED = """
import sys, time
from pathlib import Path
from datetime import datetime, timezone
from driftline.service.config import load_config
from driftline.service.scheduler import Scheduler
from driftline.service.store import Store

config = load_config(sys.argv[1])
marker = Path(sys.argv[2])

def runner(m, scheduled):
    if scheduled.hour == 2 and m.name == "a":
        marker.write_text("started")
        time.sleep(120)  # killed here
    return "Completed", "", 0, {}, ""

with Store.open(config.store.target) as store:
    Scheduler(config, store, runner=runner, lease_seconds=1.0).run_once(datetime(2026, 11, 1, 4, tzinfo=timezone.utc))
"""


def test_sigkill_mid_execution_loses_nothing(tmp_path: Path) -> None:
    path = config_file(tmp_path)
    script = tmp_path / "killed.py"
    script.write_text(KILLED, encoding="utf-8")
    marker = tmp_path / "started"
    proc = subprocess.Popen([sys.executable, str(script), str(path), str(marker)], env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None, "the scheduler ended before the execution started"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    config = load_config(path)
    with Store.open(config.store.target) as store:
        running = [e for e in store.executions("a") if e.status == "InProgress"]
        assert [e.window_start.hour for e in running] == [1]  # window [1, 2) was scheduled at 02:00
        time.sleep(1.5)  # its lease (1 s) expires: nobody renews it any more
        runner = FakeRunner()
        lines: list[str] = []
        Scheduler(config, store, runner=runner, echo=lines.append).run_once(START + timedelta(hours=4))
        assert any("marked Failed (interrupted)" in x for x in lines)
        a = {e.window_start.hour: e for e in store.executions("a")}
        b = {e.window_start.hour: e for e in store.executions("b")}
    assert sorted(a) == [0, 1, 2, 3] and sorted(b) == [0, 2]  # no window skipped
    assert all(e.status == "Completed" for e in [*a.values(), *b.values()])
    assert a[1].attempts == 2 and all(e.attempts == 1 for h, e in a.items() if h != 1)  # run again once, nothing duplicated
    assert ("a", START + timedelta(hours=2)) in runner.ran


def test_the_backlog_is_pending_and_a_stop_leaves_the_rest_stopped(tmp_path: Path) -> None:
    config = load_config(config_file(tmp_path))
    with Store.open(config.store.target) as store:
        seen: list[list[str]] = []

        class Watching(FakeRunner):
            def __call__(self, m: MonitorConfig, scheduled: datetime) -> tuple[str, str, int, dict[str, float], str]:
                with Store.open(config.store.target) as other:  # what another reader sees meanwhile
                    seen.append(sorted({e.status for e in other.executions()}))
                if len(self.ran) == 2:
                    s.stop_requested.set()  # as SIGTERM does: the current execution finishes
                return super().__call__(m, scheduled)

        s = Scheduler(config, store, runner=Watching())
        done = s.run_once(START + timedelta(hours=4))
        assert len(done) == 3 and seen[0] == ["InProgress", "Pending"]
        statuses = {(e.monitor, e.window_start.hour): e.status for e in store.executions()}
        assert sorted(statuses.values()).count("Stopped") == 6 - 3 and "Pending" not in statuses.values()
        # the next start runs the stopped windows
        again = Scheduler(config, store, runner=FakeRunner()).run_once(START + timedelta(hours=4))
        assert len(again) == 3 and {e.status for e in store.executions()} == {"Completed"}


def test_run_forever_stops_when_asked(tmp_path: Path) -> None:
    config = load_config(config_file(tmp_path))
    with Store.open(config.store.target) as store:
        s = Scheduler(config, store, runner=FakeRunner())
        t = threading.Thread(target=s.run_forever, kwargs={"poll_seconds": 0.2})
        t.start()
        time.sleep(0.5)
        s.stop_requested.set()
        t.join(timeout=10)
        assert not t.is_alive()
        # it caught up with every window due now (from 2026-11-01 on)
        assert len(store.executions("a")) >= 24


def _cli(*args: Any, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "import sys; from driftline.cli import main; sys.exit(main(sys.argv[1:]))", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=120)


def test_cli_lists_and_errors(tmp_path: Path) -> None:
    path = config_file(tmp_path)
    config = load_config(path)
    with Store.open(config.store.target) as store:
        Scheduler(config, store, runner=FakeRunner(violating={2, 3})).run_once(START + timedelta(hours=4))
    r = _cli("executions", "--config", path, "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert [(x["monitor"], x["window_start"]) for x in rows][:3] == [
        ("a", "2026-11-01T03:00:00Z"), ("a", "2026-11-01T02:00:00Z"), ("b", "2026-11-01T02:00:00Z")]
    assert {"monitor", "window_start", "window_end", "status", "reason", "output", "violations"} <= set(rows[0])
    r = _cli("alerts", "--config", path, "--json", cwd=tmp_path)
    assert r.returncode == 0 and json.loads(r.stdout)["states"][0]["state"] == "InAlert"
    r = _cli("executions", "--config", path, "--monitor", "zzz", cwd=tmp_path)
    assert r.returncode == 2 and "no monitor named 'zzz'" in r.stderr and "Traceback" not in r.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text(path.read_text(encoding="utf-8").replace('schedule = "hourly"', 'schedule = "sometimes"'), encoding="utf-8")
    r = _cli("schedule", "run-once", "--config", bad, cwd=tmp_path)
    assert r.returncode == 2 and f"{bad}:9: monitors[1] ('a').schedule: unknown schedule" in r.stderr, r.stderr
    r = _cli("executions", "--config", path, "--cloudwatch-dir", tmp_path / "cw", cwd=tmp_path)
    assert r.returncode == 0
    body = json.loads((tmp_path / "cw" / "put-metric-data-0001.json").read_text())
    assert body["Namespace"] == "driftline/a" and body["MetricData"][0]["Dimensions"][1] == {"Name": "Monitor", "Value": "a"}


def test_a_failure_reason_keeps_no_sensitive_value_in_the_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A monitor with sensitive columns: a run's reason quoting one of their values (those its
    baseline's statistics list) is stored with the value's hashed label."""
    import driftline.data_quality.monitor as dq
    from driftline._redact import hashed
    from driftline.data_quality.monitor import MonitorRun

    (tmp_path / "baseline").mkdir()
    (tmp_path / "baseline" / "statistics.json").write_text(json.dumps({"features": [{
        "name": "diagnosis", "inferred_type": "String", "string_statistics": {
            "common": {"num_present": 2, "num_missing": 0}, "distinct_count": 2.0,
            "distribution": {"categorical": {"buckets": [{"value": "HIV", "count": 1}, {"value": "flu", "count": 1}]}}}}]}))
    text = config_file(tmp_path).read_text(encoding="utf-8").replace('schedule = "hourly"', 'schedule = "hourly"\nsensitive = ["diagnosis"]', 1)
    (tmp_path / "monitors.toml").write_text(text, encoding="utf-8")
    config = load_config(tmp_path / "monitors.toml")

    def failing(*args: Any, **kwargs: Any) -> MonitorRun:
        return MonitorRun(status="Failed", reason="bad record at line 3: diagnosis 'HIV' unreadable (flu, HIVX)")

    monkeypatch.setattr(dq, "run_monitor", failing)
    with Store.open(config.store.target) as store:
        Scheduler(config, store).run_once(START + timedelta(hours=2))
        reasons = {e.monitor: e.reason for e in store.executions()}
    assert reasons["a"] == f"bad record at line 3: diagnosis '{hashed('HIV')}' unreadable ({hashed('flu')}, HIVX)"
    assert reasons["b"] == "bad record at line 3: diagnosis 'HIV' unreadable (flu, HIVX)"  # no sensitive columns
