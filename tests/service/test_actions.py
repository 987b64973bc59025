"""Actions: planning (placeholders, environment), and the dispatcher against a real local HTTP
receiver and real child processes."""

from __future__ import annotations

import json
import logging
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from driftline.service._types import Action, AlertEvent
from driftline.service.actions import Dispatcher, Planned, applies, plan, substitute

T0 = datetime(2026, 11, 1, tzinfo=timezone.utc)
AUDIT_KEYS = {"at", "monitor", "alert", "action", "kind", "target", "state", "outcome", "detail", "dry_run"}


def event(monitor: str = "churn-dq", **kw: Any) -> AlertEvent:
    base: dict[str, Any] = dict(monitor=monitor, model="churn", alert="drift", state="InAlert", previous="OK",
                                at=T0, reason="3 of the last 3 executions had violations",
                                window_start=datetime(2026, 10, 31, 23, tzinfo=timezone.utc), window_end=T0,
                                output="/data/out/churn-dq/2026-11-01T00")
    base.update(kw)
    return AlertEvent(**base)


# -- a real HTTP receiver ------------------------------------------------------------------------

@dataclass
class Receiver:
    url: str
    payloads: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # answers to give, in order; then 200
    delay: float = 0.0
    hits: int = 0


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver(url="")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with lock:
                rec.hits += 1
                status = rec.statuses.pop(0) if rec.statuses else 200
                if status < 400:
                    rec.payloads.append(json.loads(body))
            if rec.delay:
                time.sleep(rec.delay)
            try:
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")
            except OSError:
                pass

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    rec.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield rec
    server.shutdown()
    server.server_close()


def free_port() -> int:
    """A port with nothing listening on it (bound then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Audit:
    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []
        self.done = threading.Event()

    def __call__(self, record: dict[str, Any]) -> None:
        self.records.append(record)
        self.done.set()

    def one(self) -> dict[str, Any]:
        assert len(self.records) == 1, self.records
        rec = self.records[0]
        assert set(rec) == AUDIT_KEYS
        assert rec["at"].tzinfo is not None and rec["at"].utcoffset().total_seconds() == 0
        return rec


def run_one(action: Action, ev: AlertEvent | None = None, dry_run: bool = False) -> dict[str, Any]:
    audit = Audit()
    d = Dispatcher(audit, dry_run=dry_run)
    d.dispatch(action, ev or event())
    assert d.close(timeout=30)
    return audit.one()


def webhook(url: str, **kw: Any) -> Action:
    return Action(kind="webhook", url=url, **{"name": "notify", "timeout": 2.0, "retries": 2, "backoff": 0.05, **kw})


# -- planning ------------------------------------------------------------------------------------

def test_substitute_is_one_pass_and_leaves_other_braces() -> None:
    values = {"monitor": "{alert}", "alert": "A"}
    assert substitute("{monitor}-{alert}", values) == "{alert}-A"
    assert substitute("{unknown} {monitor.__class__} {0} {} {{monitor}} {monitor!r}", values) == \
        "{unknown} {monitor.__class__} {0} {} {{alert}} {monitor!r}"
    assert substitute('{"k": {"j": 1}}', values) == '{"k": {"j": 1}}'


def test_plan_command_placeholders_and_env() -> None:
    action = Action(kind="command", name="page",
                    command=("notify", "--monitor={monitor}", "{model}", "{alert}", "{window_start}",
                             "{window_end}", "{state}", "{reason}", "{output}", "{nope}"))
    p = plan(action, event())
    assert p == Planned(
        kind="command",
        target=("notify", "--monitor=churn-dq", "churn", "drift", "2026-10-31T23:00:00Z", "2026-11-01T00:00:00Z",
                "InAlert", "3 of the last 3 executions had violations", "/data/out/churn-dq/2026-11-01T00", "{nope}"),
        env={"DRIFTLINE_MONITOR": "churn-dq", "DRIFTLINE_MODEL": "churn", "DRIFTLINE_ALERT": "drift",
             "DRIFTLINE_WINDOW_START": "2026-10-31T23:00:00Z", "DRIFTLINE_WINDOW_END": "2026-11-01T00:00:00Z",
             "DRIFTLINE_STATE": "InAlert", "DRIFTLINE_REASON": "3 of the last 3 executions had violations",
             "DRIFTLINE_OUTPUT": "/data/out/churn-dq/2026-11-01T00"},
        payload=event().to_json() | {"action": "page"},
    )
    assert p.display.startswith("notify --monitor=churn-dq churn drift")


def test_plan_retrain_and_webhook() -> None:
    p = plan(Action(kind="retrain", command=("train", "{model}")), event(window_start=None, window_end=None))
    assert p.target == ("train", "churn")
    assert p.env["DRIFTLINE_RETRAIN"] == "1" and p.env["DRIFTLINE_WINDOW_START"] == ""
    w = plan(Action(kind="webhook", url="http://h/x?m={monitor}", name="n"), event())
    assert w.target == "http://h/x?m={monitor}" and w.env == {} and w.payload["action"] == "n"
    with pytest.raises(ValueError):
        plan(Action(kind="webhook"), event())
    with pytest.raises(ValueError):
        plan(Action(kind="command"), event())


def test_applies() -> None:
    a = Action(kind="webhook", url="http://x", on=("InAlert",), alerts=("drift",))
    assert applies(a, event())
    assert not applies(a, event(state="OK"))
    assert not applies(a, event(alert="other"))
    assert applies(Action(kind="webhook", url="http://x", on=("OK", "InAlert")), event(alert="other", state="OK"))


# -- webhooks ------------------------------------------------------------------------------------

def test_webhook_success(receiver: Receiver) -> None:
    rec = run_one(webhook(receiver.url))
    assert receiver.payloads == [event().to_json() | {"action": "notify"}]
    assert rec["outcome"] == "ok" and rec["detail"] == "HTTP 200 after 1 attempt"
    assert (rec["monitor"], rec["alert"], rec["action"], rec["kind"], rec["target"], rec["state"], rec["dry_run"]) == \
        ("churn-dq", "drift", "notify", "webhook", receiver.url, "InAlert", False)


def test_webhook_retries_then_succeeds(receiver: Receiver) -> None:
    receiver.statuses = [500, 500]
    rec = run_one(webhook(receiver.url, retries=3))
    assert receiver.hits == 3 and len(receiver.payloads) == 1
    assert rec["outcome"] == "ok" and rec["detail"] == "HTTP 200 after 3 attempts"


def test_webhook_http_errors_exhaust_retries(receiver: Receiver) -> None:
    receiver.statuses = [503, 503, 503, 503]
    rec = run_one(webhook(receiver.url, retries=2))
    assert receiver.hits == 3
    assert rec["outcome"] == "failed" and rec["detail"] == "HTTP 503 after 3 attempts"


def test_webhook_receiver_down_fails_and_dispatch_does_not_block() -> None:
    audit = Audit()
    d = Dispatcher(audit)
    action = webhook(f"http://127.0.0.1:{free_port()}/hook", retries=3, backoff=0.15)  # waits 0.15+0.3+0.6 s
    t = time.perf_counter()
    d.dispatch(action, event())
    took = time.perf_counter() - t
    assert not audit.done.is_set()  # still retrying in the background
    assert took < 0.15  # well under the first backoff (1.05 s of backoff in all)
    assert d.close(timeout=30)
    rec = audit.one()
    assert rec["outcome"] == "failed" and rec["detail"].endswith("after 4 attempts")
    assert "refused" in rec["detail"].lower()


def test_webhook_slow_receiver_times_out(receiver: Receiver) -> None:
    receiver.delay = 1.0
    rec = run_one(webhook(receiver.url, timeout=0.2, retries=1))
    assert receiver.hits == 2
    assert rec["outcome"] == "timeout" and rec["detail"] == "timed out after 2 attempts"


def test_close_with_timeout_stops_retrying() -> None:
    audit = Audit()
    d = Dispatcher(audit)
    d.dispatch(webhook(f"http://127.0.0.1:{free_port()}/", retries=5, backoff=30.0), event())
    t = time.perf_counter()
    assert not d.close(timeout=0.2)
    assert audit.done.wait(10) and time.perf_counter() - t < 10
    rec = audit.one()
    assert rec["outcome"] == "failed" and "dispatcher closed" in rec["detail"]
    d.dispatch(webhook("http://127.0.0.1:1/"), event())  # after close: ignored, no error
    time.sleep(0.05)
    assert len(audit.records) == 1


# -- commands ------------------------------------------------------------------------------------

RECORD = ("import json, os, sys; "
          "json.dump({'argv': sys.argv[1:], 'env': {k: v for k, v in os.environ.items() if k.startswith('DRIFTLINE_')}}, "
          "open(sys.argv[1], 'w'))")


def test_command_gets_argv_and_env(tmp_path: Path) -> None:
    out = tmp_path / "seen.json"
    action = Action(kind="command", name="cmd",
                    command=(sys.executable, "-c", RECORD, str(out), "{monitor}", "{state}", "w={window_end}"))
    rec = run_one(action)
    assert rec["outcome"] == "ok" and rec["detail"] == "exit 0" and rec["kind"] == "command"
    assert rec["target"] == f"{sys.executable} -c {RECORD} {out} churn-dq InAlert w=2026-11-01T00:00:00Z"
    seen = json.loads(out.read_text())
    assert seen["argv"] == [str(out), "churn-dq", "InAlert", "w=2026-11-01T00:00:00Z"]
    assert seen["env"] == dict(plan(action, event()).env)
    assert "DRIFTLINE_RETRAIN" not in seen["env"]


def test_retrain_gets_retrain_flag(tmp_path: Path) -> None:
    out = tmp_path / "seen.json"
    rec = run_one(Action(kind="retrain", command=(sys.executable, "-c", RECORD, str(out))))
    assert rec["outcome"] == "ok" and rec["kind"] == "retrain"
    assert json.loads(out.read_text())["env"]["DRIFTLINE_RETRAIN"] == "1"


@pytest.mark.parametrize("name", ["x; rm -rf {tmp}/victim", "$(touch {tmp}/pwned)", "`touch {tmp}/pwned`",
                                  "a\" && touch {tmp}/pwned; echo \"", "x | touch {tmp}/pwned", "-rf --now"])
def test_injection_is_one_literal_argument(tmp_path: Path, name: str) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep").write_text("x")
    monitor = name.replace("{tmp}", str(tmp_path))
    out = tmp_path / "seen.json"
    rec = run_one(Action(kind="command", command=(sys.executable, "-c", RECORD, str(out), "{monitor}", "m={monitor}")),
                  event(monitor=monitor))
    assert rec["outcome"] == "ok"
    seen = json.loads(out.read_text())
    assert seen["argv"] == [str(out), monitor, f"m={monitor}"]
    assert seen["env"]["DRIFTLINE_MONITOR"] == monitor
    assert sorted(p.name for p in tmp_path.iterdir()) == ["seen.json", "victim"]
    assert (victim / "keep").read_text() == "x"


def test_command_failure_keeps_stderr_tail() -> None:
    code = "import sys; sys.stderr.write('x' * 5000 + 'THE END'); sys.exit(3)"
    rec = run_one(Action(kind="command", command=(sys.executable, "-c", code)))
    assert rec["outcome"] == "failed" and rec["detail"].startswith("exit 3; stderr: x")
    assert rec["detail"].endswith("THE END")
    assert len(rec["detail"].split("stderr: ", 1)[1]) <= 2048


def test_command_timeout() -> None:
    code = "import sys, time; sys.stderr.write('working'); sys.stderr.flush(); time.sleep(30)"
    t = time.perf_counter()
    rec = run_one(Action(kind="command", command=(sys.executable, "-c", code), timeout=0.5))
    assert time.perf_counter() - t < 15
    assert rec["outcome"] == "timeout" and rec["detail"].startswith("timed out after 0.5 s")


def test_missing_executable(tmp_path: Path) -> None:
    rec = run_one(Action(kind="command", command=(str(tmp_path / "no-such-program"), "{monitor}")))
    assert rec["outcome"] == "failed" and rec["detail"] == f"not found: {tmp_path / 'no-such-program'}"


def test_bad_action_is_audited_as_failed() -> None:
    rec = run_one(Action(kind="command", name="empty"))
    assert rec["outcome"] == "failed" and "needs a command" in rec["detail"] and rec["action"] == "empty"


# -- dry run, and errors that must not reach the caller -------------------------------------------

def test_dry_run_runs_nothing(tmp_path: Path, receiver: Receiver) -> None:
    out = tmp_path / "seen.json"
    cmd = run_one(Action(kind="retrain", name="r", command=(sys.executable, "-c", RECORD, str(out), "{model}")),
                  dry_run=True)
    hook = run_one(webhook(receiver.url), dry_run=True)
    assert not out.exists() and receiver.hits == 0
    assert cmd["outcome"] == "dry-run" and cmd["dry_run"] is True
    assert cmd["detail"] == f"would run: {sys.executable} -c {RECORD} {out} churn"
    assert hook["outcome"] == "dry-run" and hook["detail"] == f"would POST to {receiver.url}"


def test_exceptions_never_reach_the_caller(caplog: pytest.LogCaptureFixture) -> None:
    def broken_audit(record: dict[str, Any]) -> None:
        raise RuntimeError("audit store is down")

    d = Dispatcher(broken_audit, dry_run=True)
    with caplog.at_level(logging.ERROR, logger="driftline.service.actions"):
        d.dispatch(Action(kind="command", command=("x",)), event())
        assert d.close(timeout=10)
    assert any("audit" in r.getMessage() and r.exc_info for r in caplog.records)


def test_many_actions_run_concurrently(receiver: Receiver) -> None:
    receiver.delay = 0.3
    audit = Audit()
    d = Dispatcher(audit, max_workers=4)
    t = time.perf_counter()
    for i in range(4):
        d.dispatch(webhook(receiver.url, name=f"n{i}"), event())
    assert d.close(timeout=30)
    assert time.perf_counter() - t < 1.1  # 4 x 0.3 s in parallel, not in a row
    assert sorted(r["action"] for r in audit.records) == ["n0", "n1", "n2", "n3"]
    assert all(r["outcome"] == "ok" for r in audit.records)


