"""Read-only access to the execution store for the dashboard.

:func:`open_readonly` opens a SQLite store with ``mode=ro`` (the database file cannot be written
through this connection) or a PostgreSQL store in read-only transactions; the functions below are
the queries the overview needs beyond :class:`~driftline.service.store.Store`'s API, each one an
indexed lookup per monitor (``executions (monitor, window_end)``, the metrics' primary key).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from driftline.errors import InvalidInputError
from driftline.service.store import FINISHED, Store

__all__ = ["INFRA_METRICS", "MonitorSummary", "monitor_summary", "open_readonly"]

INFRA_METRICS = ("traffic_requests", "traffic_requests_per_minute", "traffic_bad_record_rate", "host_cpu_percent",
                 "host_memory_percent")


def open_readonly(target: str) -> Store:
    """The store at ``target`` opened for reading only."""
    if target.startswith(("postgresql://", "postgres://")):
        store = Store.open(target)
        store._conn.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        return store
    path = Path(target).expanduser().resolve()
    if not path.is_file():
        raise InvalidInputError(f"cannot open the store {str(path)!r}: no such file (run the scheduler first)")
    try:
        conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, timeout=30.0, isolation_level=None,
                               check_same_thread=False)
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.execute("PRAGMA query_only = ON")
    except sqlite3.Error as e:
        raise InvalidInputError(f"cannot open the store {str(path)!r} read-only: {e}") from None
    return Store(conn, "sqlite", str(path))


@dataclass
class MonitorSummary:
    monitor: str
    last_id: int | None = None
    last_status: str | None = None
    last_end: datetime | None = None
    recent_executions: int = 0
    recent_with_violations: int = 0
    recent_violations: int = 0
    infra: dict[str, float] = field(default_factory=dict)


def _read(store: Store, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    return store._read(store._sql(sql), params)


def monitor_summary(store: Store, monitor: str, recent: int = 24) -> MonitorSummary:
    """The last finished execution of ``monitor``, the violations of its ``recent`` last finished
    executions, and the infrastructure metrics of the last one."""
    marks = ", ".join("?" * len(FINISHED))
    rows = _read(store, f"SELECT id, status, window_end, violations FROM executions WHERE monitor = ? AND status IN ({marks}) "
                 "ORDER BY window_end DESC LIMIT ?", (monitor, *FINISHED, recent))
    s = MonitorSummary(monitor)
    if not rows:
        return s
    s.last_id, s.last_status = int(rows[0][0]), str(rows[0][1])
    s.last_end = datetime.fromisoformat(str(rows[0][2]))
    s.recent_executions = len(rows)
    s.recent_with_violations = sum(1 for r in rows if int(r[3]) > 0)
    s.recent_violations = sum(int(r[3]) for r in rows)
    names = ", ".join("?" * len(INFRA_METRICS))
    for name, value in _read(store, f"SELECT name, value FROM metrics WHERE execution_id = ? AND name IN ({names})",
                             (s.last_id, *INFRA_METRICS)):
        s.infra[str(name)] = float(value)
    return s
