"""The service store at a year of hourly executions for 100 monitors (876,000 rows, SQLite):
listing one monitor newest first and the last-N lookup the alert rules make after every execution.

The rows are bulk inserted straight into the store's file (one transaction) after Store.open
created the schema and its indexes; each benchmark checks what it got. No timing is asserted."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from driftline.service.store import Store, _ts

MONITORS = 100
HOURS = 8760
T0 = datetime(2025, 1, 1, tzinfo=UTC)

pytestmark = pytest.mark.slow  # building the 876,000 rows takes ~10 s


def _rows() -> Iterator[tuple[object, ...]]:
    times = [_ts(T0 + timedelta(hours=h)) for h in range(HOURS + 1)]
    for m in range(MONITORS):
        monitor = f"monitor-{m:03d}"
        for h in range(HOURS):
            status = "CompletedWithViolations" if h % 10 == 0 else "Completed"
            yield (monitor, "model", times[h], times[h + 1], times[h + 1], status, "", f"/out/{monitor}/{h}",
                   1 if h % 10 == 0 else 0, 1, times[h + 1], times[h + 1])


@pytest.fixture(scope="module")
def big_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path = tmp_path_factory.mktemp("store") / "year.db"
    Store.open(path).close()
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO executions (monitor, model, window_start, window_end, scheduled_time, status, reason, "
            "output, violations, attempts, started, ended) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", _rows())
    conn.execute("ANALYZE")
    conn.close()
    with Store.open(path) as s:
        assert s.counts()["executions"] == MONITORS * HOURS
        yield s


@pytest.mark.benchmark(group="store")
def test_executions_one_monitor_newest_50(benchmark, big_store: Store) -> None:  # type: ignore[no-untyped-def]
    got = benchmark(big_store.executions, "monitor-042", limit=50)
    assert len(got) == 50 and got[0].window_start == T0 + timedelta(hours=HOURS - 1)
    assert all(e.monitor == "monitor-042" for e in got)


@pytest.mark.benchmark(group="store")
def test_last_executions_5(benchmark, big_store: Store) -> None:  # type: ignore[no-untyped-def]
    got = benchmark(big_store.last_executions, "monitor-099", 5)
    assert [e.window_end for e in got] == [T0 + timedelta(hours=HOURS - k) for k in range(5)]


@pytest.mark.benchmark(group="store")
def test_completed_windows_one_monitor(benchmark, big_store: Store) -> None:  # type: ignore[no-untyped-def]
    got = benchmark(big_store.completed_windows, "monitor-000")
    assert len(got) == HOURS
