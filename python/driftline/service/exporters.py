"""Metrics out of the store in the formats monitoring tools read: Prometheus' text exposition
format (an endpoint served with the standard ``prometheus_client`` library) and CloudWatch
``PutMetricData`` request bodies (JSON files an AWS CLI or SDK call can send as they are).

Both read the store only. Prometheus gets, per monitor, the metrics of its latest finished
execution (``driftline_metric{model=..., monitor=..., name=...}``), the window end they belong
to, the executions by status, and each alert's state (1 for the current one).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from driftline.errors import InvalidInputError
from driftline.service._types import ALERT_STATES, EXECUTION_STATUSES
from driftline.service.config import Config
from driftline.service.store import Store

__all__ = ["cloudwatch_requests", "serve_prometheus", "write_cloudwatch"]

PUT_METRIC_DATA_MAX = 1000  # CloudWatch's limit of datapoints per PutMetricData request


class _Collector:
    """A prometheus_client collector that reads the store at every scrape (its own connection)."""

    def __init__(self, config: Config) -> None:
        self.config = config

    def describe(self) -> list[Any]:
        return []  # unchecked collector: the metric set depends on the store's content

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        value = GaugeMetricFamily("driftline_metric", "A metric of the latest finished execution of a monitor",
                                  labels=["model", "monitor", "name"])
        window = GaugeMetricFamily("driftline_last_window_end_seconds", "End of the latest finished execution's window (Unix time)",
                                   labels=["model", "monitor"])
        runs = GaugeMetricFamily("driftline_executions", "Executions in the store by status", labels=["model", "monitor", "status"])
        alerts = GaugeMetricFamily("driftline_alert_state", "1 for the alert's current state", labels=["model", "monitor", "alert", "state"])
        with Store.open(self.config.store.target) as store:
            for m in self.config.monitors:
                last = store.last_executions(m.name, 1)
                done = [e for e in last if e.status != "Failed"]
                if done:
                    e = done[0]
                    window.add_metric([m.model, m.name], e.window_end.timestamp())
                    for name, v in sorted(_latest_metrics(store, m.name, e.window_end).items()):
                        value.add_metric([m.model, m.name, name], v)
                counts: dict[str, int] = dict.fromkeys(EXECUTION_STATUSES, 0)
                for e in store.executions(m.name):
                    counts[e.status] = counts.get(e.status, 0) + 1
                for status, n in counts.items():
                    runs.add_metric([m.model, m.name, status], n)
                for a in m.alerts:
                    state, _ = store.alert_state(m.name, a.name)
                    for s in ALERT_STATES:
                        alerts.add_metric([m.model, m.name, a.name, s], 1.0 if s == state else 0.0)
        yield from (value, window, runs, alerts)


def _latest_metrics(store: Store, monitor: str, window_end: datetime) -> dict[str, float]:
    out: dict[str, float] = {}
    for name in store.metric_names(monitor):
        series = store.metric_series(monitor, name, 1)
        if series and series[0][0] == window_end and math.isfinite(series[0][1]):
            out[name] = series[0][1]
    return out


def serve_prometheus(config: Config, host: str, port: int) -> Any:
    """Serve ``/metrics`` on ``host:port`` (a daemon thread); returns the server (``.server_port``,
    ``.shutdown()``)."""
    try:
        from prometheus_client import CollectorRegistry, start_http_server
    except ImportError:
        raise InvalidInputError("--metrics-port needs the prometheus-client package: pip install 'driftline[service]'") from None
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Collector(config))
    try:
        server, _thread = start_http_server(port, addr=host, registry=registry)
    except OSError as e:
        raise InvalidInputError(f"--metrics-port: cannot listen on {host}:{port}: {e.strerror or e}") from None
    return server


def cloudwatch_requests(config: Config, store: Store, since: datetime | None = None) -> list[dict[str, Any]]:
    """Every stored metric (of windows ending after ``since``) as CloudWatch ``PutMetricData``
    request bodies: namespace ``driftline/<model>``, dimensions Monitor (and Model), the window's
    end as the timestamp; at most 1000 datapoints per request."""
    requests: list[dict[str, Any]] = []
    for m in config.monitors:
        data: list[dict[str, Any]] = []
        for name in store.metric_names(m.name):
            for t, v in reversed(store.metric_series(m.name, name)):
                if (since is None or t > since) and math.isfinite(v):
                    data.append({"MetricName": name, "Dimensions": [{"Name": "Model", "Value": m.model}, {"Name": "Monitor", "Value": m.name}],
                                 "Timestamp": t.isoformat().replace("+00:00", "Z"), "Value": v, "Unit": "None"})
        data.sort(key=lambda d: (d["Timestamp"], d["MetricName"]))
        for i in range(0, len(data), PUT_METRIC_DATA_MAX):
            requests.append({"Namespace": f"driftline/{m.model}", "MetricData": data[i : i + PUT_METRIC_DATA_MAX]})
    return requests


def write_cloudwatch(config: Config, store: Store, out: str | Path, since: datetime | None = None) -> list[Path]:
    """:func:`cloudwatch_requests` as files ``put-metric-data-0001.json`` ... in ``out`` (new or
    empty, or holding only earlier such files, which are replaced)."""
    folder = Path(out)
    if folder.exists() and any(not p.name.startswith("put-metric-data-") for p in folder.iterdir()):
        raise InvalidInputError(f"{folder}: holds files other than put-metric-data-*.json; give a new or empty folder")
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("put-metric-data-*.json"):
        old.unlink()
    paths = []
    for i, req in enumerate(cloudwatch_requests(config, store, since), start=1):
        p = folder / f"put-metric-data-{i:04d}.json"
        p.write_text(json.dumps(req, indent=1, ensure_ascii=False), encoding="utf-8")
        paths.append(p)
    return paths
