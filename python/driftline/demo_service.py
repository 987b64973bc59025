"""The demo's monitoring-service part: the scenario's monitors described in a TOML file (data
quality hourly, model quality every 6 hours a day behind the traffic, bias daily), run by the
scheduler over the three days (``schedule run-once``), with an alert on each monitor's violations
and, on the data-quality one, two actions: a webhook to a local receiver (a thread of the demo, on
loopback) and a command (the running Python, writing a line per alert change into ``actions.log``).
"""

from __future__ import annotations

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

__all__ = ["run_service_demo"]

CONFIG = """\
# The demo scenario's data-quality monitor as the scheduler runs it (see the README's
# "Monitoring as a service"). Paths are relative to this file.
[store]
path = "driftline.db"

[[monitors]]
name = "credit-data-quality"
model = "{model}"
type = "data-quality"
baseline = "../baseline"
data = "../data/capture"
schedule = "hourly"
start = "{start}"
out = "runs/{{monitor}}/{{window_start}}"

# InAlert when 3 of the last 3 hours had constraint violations; OK again when fewer do.
[[monitors.alerts]]
name = "violations"
datapoints_to_alert = 3
evaluation_period = 3

[[monitors.actions]]
name = "notify"
kind = "webhook"
url = "{url}"
on = ["InAlert", "OK"]
timeout = 5
retries = 2
backoff = 0.2

[[monitors.actions]]
name = "log-alert"
kind = "command"
on = ["InAlert", "OK"]
command = [{python}, "-c", "import sys; open(sys.argv[1], 'a', encoding='utf-8').write(' '.join(sys.argv[2:]) + '\\\\n')", "actions.log", "{{window_start}}", "{{monitor}}", "{{state}}"]

# Model quality as SageMaker schedules it: every 6 hours, over the window that ended a day
# earlier (the labels arrive a day late).
[[monitors]]
name = "credit-model-quality"
model = "{model}"
type = "model-quality"
baseline = "../model-quality/baseline"
data = "../data/capture"
ground_truth = "../data/groundtruth"
schedule = "every 6 hours"
start = "{start}"
start_offset = "-P1DT6H"
end_offset = "-P1D"
out = "runs/{{monitor}}/{{window_start}}"

[monitors.options]
probability_attribute = "0"
probability_threshold_attribute = {threshold}
bootstrap = 0

[[monitors.alerts]]
name = "violations"

# Bias drift of the facet region = east, daily, Clarify's analysis configuration.
[[monitors]]
name = "credit-bias"
model = "{model}"
type = "bias"
baseline = "../clarify/bias/baseline"
analysis_config = "../clarify/bias_analysis_config.json"
data = "../data/capture"
ground_truth = "../data/groundtruth"
schedule = "daily"
start = "{start}"
out = "runs/{{monitor}}/{{window_start}}"

[monitors.options]
rule = "confidence-interval"

[[monitors.alerts]]
name = "violations"

# The champion/challenger A/B test (the demo's A/B traffic): every 6 hours one look at all the
# traffic so far, mSPRT (valid however often it is checked).
[[monitors]]
name = "credit-abtest"
model = "{model}"
type = "abtest"
data = "../abtest/data/capture"
ground_truth = "../abtest/data/groundtruth"
schedule = "every 6 hours"
start = "{start}"
out = "runs/{{monitor}}/{{window_start}}"

[monitors.options]
variant_column = "variant"
metrics = ["converted:binary", "order_value:continuous", "correct:binary"]
control = "champion"
weights = {{ champion = 1.0, challenger = 1.0 }}
method = "msprt"
events = "../abtest/data/events.csv"
join_key = "inferenceId"
bootstrap = 0
"""


class _Receiver(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            type(self).received.append(json.loads(body))
        except ValueError:
            pass
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def run_service_demo(sc: Any, out: Path) -> list[str]:
    """Write ``out/monitors.toml``, run the scheduler over the scenario's hours, and describe
    what the store then holds."""
    from driftline.service.config import load_config
    from driftline.service.scheduler import Scheduler
    from driftline.service.store import Store

    out.mkdir(parents=True, exist_ok=True)
    _Receiver.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/driftline-hook"
        config_path = out / "monitors.toml"
        from driftline.scenario import DECISION_THRESHOLD

        config_path.write_text(CONFIG.format(model=sc.endpoint, start=sc.start.isoformat().replace("+00:00", "Z"), url=url,
                                             python=json.dumps(sys.executable), threshold=DECISION_THRESHOLD), encoding="utf-8")
        config = load_config(config_path)
        # the command action writes relative to its working folder: run it in `out`
        lines: list[str] = []
        with Store.open(config.store.target) as store:
            scheduler = Scheduler(config, store)
            import os

            cwd = os.getcwd()
            os.chdir(out)
            try:
                done = scheduler.run_once(sc.end)
                again = scheduler.run_once(sc.end)  # idempotent: nothing is due twice
                scheduler.flush(wait=True)
            finally:
                os.chdir(cwd)
            history = list(reversed(store.alert_history()))
            audit = list(reversed(store.audit()))
        lines.append(f"monitoring service: `driftline schedule run-once --config {config_path} --at {sc.end.isoformat().replace('+00:00', 'Z')}`")
        for m in config.monitors:
            mine = [e for e in done if e.monitor == m.name]
            by_status: dict[str, int] = {}
            for e in mine:
                by_status[e.status] = by_status.get(e.status, 0) + 1
            lines.append(f"  {m.name} ({m.type}, {m.schedule.text}): {len(mine)} executions "
                         f"({', '.join(f'{n} {s}' for s, n in sorted(by_status.items()))})")
        lines.append(f"  recorded in {config.store.target}; a second run-once ran {len(again)}")
        for h in history:
            lines.append(f"  alert {h['monitor']}/{h['alert']}: {h['previous']} -> {h['state']} at window "
                         f"{_window_of(done, h['execution_id'])}: {h['reason']}")
        for r in audit:
            lines.append(f"  action {r['monitor']}/{r['action']} ({r['kind']}) on {r['state']}: {r['outcome']}")
        lines.append(f"  webhook receiver got {len(_Receiver.received)} POSTs: "
                     + ", ".join(f"{p['state']}@{p['window_start']}" for p in _Receiver.received))
        log = out / "actions.log"
        if log.exists():
            lines.append(f"  command action wrote {log}: {len(log.read_text(encoding='utf-8').splitlines())} lines")
        lines.append(f"  see: driftline executions --config {config_path}; driftline alerts --config {config_path}")
        return lines
    finally:
        server.shutdown()
        server.server_close()


def _window_of(done: list[Any], execution_id: Any) -> str:
    for e in done:
        if e.id == execution_id:
            return str(e.window_start.strftime("%m-%d %H:00"))
    return "?"
