"""The dashboard at scale: 100 models, each with an hourly data-quality monitor over a year
(876,000 executions; the last 30 days with 10 metrics each: traffic, host, drift per feature),
every tenth model InAlert. Pages are timed through Starlette's TestClient (in process, so the time
is the server's plus a negligible client). Goals (reported, not asserted): the all-models page
under 300 ms, every other page under 100 ms.

Run: ``.venv/bin/python -m pytest benches/test_bench_dashboard.py -m slow --benchmark-enable -s``."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from driftline.service.config import load_config
from driftline.service.store import Store, _ts

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

MODELS = 100
HOURS = 8760
METRIC_HOURS = 720
T0 = datetime(2025, 1, 1, tzinfo=UTC)
FEATURES = ("age", "income", "debt_ratio", "channel", "region")
METRICS = ("traffic_requests", "traffic_bad_record_rate", "host_cpu_percent", "host_memory_percent", "violations",
           *(f"feature_baseline_drift_{f}" for f in FEATURES))


def _executions() -> Iterator[tuple[object, ...]]:
    times = [_ts(T0 + timedelta(hours=h)) for h in range(HOURS + 1)]
    for m in range(MODELS):
        for h in range(HOURS):
            bad = h % 10 == 0
            yield (f"dq-{m:03d}", f"model-{m:03d}", times[h], times[h + 1], times[h + 1],
                   "CompletedWithViolations" if bad else "Completed", "", "", 1 if bad else 0, 1, times[h + 1], times[h + 1])


def _metrics(conn: sqlite3.Connection) -> Iterator[tuple[object, ...]]:
    first = _ts(T0 + timedelta(hours=HOURS - METRIC_HOURS + 1))
    for eid, monitor, time in conn.execute("SELECT id, monitor, window_end FROM executions WHERE window_end >= ?", (first,)):
        for k, name in enumerate(METRICS):
            yield (eid, monitor, time, name, float((eid * 7 + k) % 97) / 97.0)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from driftline.dashboard import create_app

    root = tmp_path_factory.mktemp("dashboard-bench")
    (root / "monitors.toml").write_text('[store]\npath = "year.db"\n' + "".join(
        f'\n[[monitors]]\nname = "dq-{m:03d}"\nmodel = "model-{m:03d}"\ntype = "data-quality"\nbaseline = "b"\ndata = "d"\n'
        f'schedule = "hourly"\nstart = "2025-01-01T00:00Z"\n\n[[monitors.alerts]]\nname = "violations"\n' for m in range(MODELS)))
    config = load_config(root / "monitors.toml")
    Store.open(config.store.target).close()
    conn = sqlite3.connect(config.store.target)
    with conn:
        conn.executemany("INSERT INTO executions (monitor, model, window_start, window_end, scheduled_time, status, reason, "
                         "output, violations, attempts, started, ended) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", _executions())
    with conn:
        conn.executemany("INSERT INTO metrics (execution_id, monitor, time, name, value) VALUES (?, ?, ?, ?, ?)", list(_metrics(conn)))
    with Store.open(config.store.target) as store:
        at = T0 + timedelta(hours=HOURS)
        for m in range(MODELS):
            state = "InAlert" if m % 10 == 0 else "OK"
            store.set_alert_state(f"dq-{m:03d}", "violations", state, "InsufficientData", at, "bench", None)
    conn.execute("ANALYZE")
    conn.close()
    return create_app(config)


PAGES = [
    pytest.param("/", id="all-models"),
    pytest.param("/?sort=violations&order=desc&per_page=100", id="all-models-sorted-100"),
    pytest.param("/models/model-050", id="model"),
    pytest.param("/monitors/dq-050", id="monitor-72-windows"),
    pytest.param("/monitors/dq-050?n=168", id="monitor-168-windows"),
    pytest.param("/executions/400000", id="execution"),
]


@pytest.mark.parametrize("path", PAGES)
def test_page(benchmark: Any, app: Any, path: str) -> None:
    from starlette.testclient import TestClient

    benchmark.group = "dashboard pages (100 models, 876,000 executions)"
    with TestClient(app) as client:
        assert client.get(path).status_code == 200
        r = benchmark.pedantic(client.get, args=(path,), rounds=10, warmup_rounds=1)
    assert r.status_code == 200
