"""The execution store of the monitoring service: executions (one per monitor and window), their
metrics, alert states and their history, and the audit log of actions.

One schema for two backends, chosen by :meth:`Store.open`:

- SQLite (default): a file path; WAL mode and a busy timeout so that several processes (a
  scheduler and the CLI, or two schedulers) share the file.
- PostgreSQL: a ``postgresql://`` or ``postgres://`` URL (needs ``psycopg`` 3:
  ``pip install 'driftline[postgres]'``).

The SQL is portable: times are TEXT in one fixed-width form (``2026-11-01T00:00:00.000000Z``,
always UTC, so text order is time order), counts are INTEGER/BIGINT, values DOUBLE PRECISION; the
statements use ``?`` placeholders, turned into ``%s`` for psycopg. Every public method is its own
transaction. Datetimes given to the store must be timezone-aware (converted to UTC); the store
returns them in UTC.

Leases: :meth:`Store.claim` makes one process the owner of a (monitor, window) for
``lease_seconds``; it renews with :meth:`Store.renew` and ends with :meth:`Store.finish`, which
refuses (:class:`LeaseLostError`) when the lease went to someone else meanwhile.
:meth:`Store.recover` marks executions whose lease expired (their process stopped) as Failed so
that they are claimed again.
"""

from __future__ import annotations

import math
import re
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, cast
from urllib.parse import urlsplit, urlunsplit

from driftline.errors import DriftlineError, InvalidArgumentError, InvalidInputError
from driftline.service._types import ALERT_STATES, DONE, Execution, ExecutionStatus

__all__ = ["FINISHED", "INTERRUPTED", "SCHEMA_VERSION", "LeaseLostError", "Store", "redact_url"]

SCHEMA_VERSION = 1
FINISHED: tuple[str, ...] = ("Completed", "CompletedWithViolations", "Failed")
INTERRUPTED = "interrupted (the process running it stopped before it finished)"
# Statuses mark() may record (a row that was not run); finish() accepts FINISHED + Stopped.
_MARKABLE = ("Pending", "Stopped", "Failed")
_FINISHABLE = ("Completed", "CompletedWithViolations", "Failed", "Stopped")

Backend = Literal["sqlite", "postgresql"]


class LeaseLostError(DriftlineError, RuntimeError):
    """The execution's lease is no longer held by the caller (it expired and was recovered, or
    another process claimed the window): its result is not recorded."""


# ----------------------------------------------------------------------------------------- times
def _utc(t: datetime, what: str = "time") -> datetime:
    if not isinstance(t, datetime):
        raise InvalidArgumentError(f"{what} must be a datetime, got {type(t).__name__}")
    if t.tzinfo is None or t.utcoffset() is None:
        raise InvalidArgumentError(f"{what} must be timezone-aware (UTC), got naive {t.isoformat()}")
    return t.astimezone(UTC)


def _ts(t: datetime, what: str = "time") -> str:
    """The stored form: fixed width, so that text order is time order in both databases."""
    d = _utc(t, what)
    return (f"{d.year:04d}-{d.month:02d}-{d.day:02d}T{d.hour:02d}:{d.minute:02d}:{d.second:02d}"
            f".{d.microsecond:06d}Z")


def _ts_opt(t: datetime | None, what: str = "time") -> str | None:
    return None if t is None else _ts(t, what)


def _dt(s: str) -> datetime:
    return datetime.fromisoformat(s).astimezone(UTC)


def _dt_opt(s: str | None) -> datetime | None:
    return None if s is None else _dt(s)


def _show(s: str) -> str:
    """The shown form of a stored time: ``2026-11-01T00:00:00Z`` (fraction only when not zero)."""
    return _dt(s).isoformat().replace("+00:00", "Z")


# ------------------------------------------------------------------------------------------ urls
_PG_URL = re.compile(r"^postgres(ql)?://", re.IGNORECASE)


def redact_url(url: str) -> str:
    """``url`` with its password (in the user part or a ``password=`` parameter) replaced by ***."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            userinfo, host = netloc.rsplit("@", 1)
            if ":" in userinfo:
                userinfo = userinfo.split(":", 1)[0] + ":***"
            netloc = f"{userinfo}@{host}"
        query = re.sub(r"(?i)(^|&)(password=)[^&]*", r"\1\2***", parts.query)
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    except ValueError:
        return re.sub(r"(?i)(://[^:/@]*:)[^@]*@", r"\1***@", url)


def _password(url: str) -> str | None:
    try:
        pw = urlsplit(url).password
    except ValueError:
        return None
    return pw or None


def _one_line(msg: object) -> str:
    return "; ".join(line.strip() for line in str(msg).strip().splitlines() if line.strip()) or "unknown error"


# ---------------------------------------------------------------------------------------- schema
_ID = "@ID@"  # the auto-increment primary key, per backend
_ID_SQL: dict[str, str] = {
    "sqlite": "INTEGER PRIMARY KEY AUTOINCREMENT",  # AUTOINCREMENT: ids never reused after prune
    "postgresql": "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
}

_SCHEMA: tuple[str, ...] = (
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)",
    f"""CREATE TABLE IF NOT EXISTS executions (
        id {_ID},
        monitor TEXT NOT NULL,
        model TEXT NOT NULL,
        window_start TEXT NOT NULL,
        window_end TEXT NOT NULL,
        scheduled_time TEXT NOT NULL,
        status TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        output TEXT NOT NULL DEFAULT '',
        violations BIGINT NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 0,
        started TEXT,
        ended TEXT,
        lease_owner TEXT,
        lease_until TEXT,
        UNIQUE (monitor, window_start))""",
    # last_executions (monitor, finished, newest window_end first)
    "CREATE INDEX IF NOT EXISTS executions_monitor_end ON executions (monitor, window_end)",
    # executions() over all monitors newest first
    "CREATE INDEX IF NOT EXISTS executions_start ON executions (window_start)",
    # prune
    "CREATE INDEX IF NOT EXISTS executions_end ON executions (window_end)",
    # recover
    "CREATE INDEX IF NOT EXISTS executions_status_lease ON executions (status, lease_until)",
    """CREATE TABLE IF NOT EXISTS metrics (
        execution_id BIGINT NOT NULL,
        monitor TEXT NOT NULL,
        time TEXT NOT NULL,
        name TEXT NOT NULL,
        value DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (execution_id, name))""",
    "CREATE INDEX IF NOT EXISTS metrics_monitor_name_time ON metrics (monitor, name, time)",
    """CREATE TABLE IF NOT EXISTS alert_states (
        monitor TEXT NOT NULL,
        alert TEXT NOT NULL,
        state TEXT NOT NULL,
        since TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (monitor, alert))""",
    f"""CREATE TABLE IF NOT EXISTS alert_history (
        id {_ID},
        monitor TEXT NOT NULL,
        alert TEXT NOT NULL,
        state TEXT NOT NULL,
        previous TEXT NOT NULL,
        at TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        execution_id BIGINT)""",
    "CREATE INDEX IF NOT EXISTS alert_history_at ON alert_history (at)",
    "CREATE INDEX IF NOT EXISTS alert_history_monitor_at ON alert_history (monitor, at)",
    f"""CREATE TABLE IF NOT EXISTS audit (
        id {_ID},
        at TEXT NOT NULL,
        monitor TEXT NOT NULL,
        alert TEXT NOT NULL,
        action TEXT NOT NULL,
        kind TEXT NOT NULL,
        target TEXT NOT NULL,
        state TEXT NOT NULL,
        outcome TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '',
        dry_run INTEGER NOT NULL DEFAULT 0)""",
    "CREATE INDEX IF NOT EXISTS audit_at ON audit (at)",
)

_COLS = ("id, monitor, model, window_start, window_end, scheduled_time, status, reason, output, "
         "violations, attempts, started, ended")
_HISTORY_KEYS = ("monitor", "alert", "state", "previous", "at", "reason", "execution_id")
_AUDIT_KEYS = ("at", "monitor", "alert", "action", "kind", "target", "state", "outcome", "detail", "dry_run")
_CHUNK = 500  # ids per IN (...) list (SQLite's variable limit is far above)


def _execution(row: Sequence[Any]) -> Execution:
    return Execution(
        id=int(row[0]), monitor=row[1], model=row[2], window_start=_dt(row[3]), window_end=_dt(row[4]),
        scheduled_time=_dt(row[5]), status=cast(ExecutionStatus, row[6]), reason=row[7] or "",
        output=row[8] or "", violations=int(row[9]), attempts=int(row[10]), started=_dt_opt(row[11]),
        ended=_dt_opt(row[12]),
    )


def _marks(n: int) -> str:
    return ", ".join("?" * n)


def _limit(limit: int | None) -> int | None:
    if limit is None:
        return None
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise InvalidArgumentError(f"limit must be a non-negative integer or None, got {limit!r}")
    return limit


class Store:
    """The service's database. Open with :meth:`Store.open`; use as a context manager or call
    :meth:`close`. One connection per Store; its methods may be called from several threads (they
    take turns)."""

    def __init__(self, conn: Any, backend: Backend, target: str) -> None:
        self._conn = conn
        self._backend: Backend = backend
        self._target = target
        self._lock = threading.RLock()
        self._closed = False

    # ---------------------------------------------------------------------------- opening
    @classmethod
    def open(cls, target: str | Path) -> Store:
        """A ``postgresql://`` / ``postgres://`` URL opens PostgreSQL, anything else is a SQLite
        file (its folder is created). Raises :class:`InvalidInputError` naming the target when the
        store cannot be opened."""
        if isinstance(target, str) and _PG_URL.match(target.strip()):
            return cls._open_postgres(target.strip())
        if not isinstance(target, (str, Path)) or str(target).strip() == "":
            raise InvalidInputError(f"the store must be a file path or a postgresql:// URL, got {target!r}")
        return cls._open_sqlite(Path(target))

    @classmethod
    def _open_sqlite(cls, path: Path) -> Store:
        path = path.expanduser()
        where = f"cannot open the store {str(path)!r}"
        if path.is_dir():
            raise InvalidInputError(f"{where}: it is a folder (give a file path, e.g. {str(path / 'driftline.db')!r})")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise InvalidInputError(f"{where}: cannot create its folder: {e.strerror or e}") from None
        # Switching to WAL and creating the schema take the database's lock; SQLite does not
        # always wait for it there (busy_timeout is not consulted for every lock), so a process
        # that opens the store while another one does retries for up to 30 s.
        deadline = time.monotonic() + 30.0
        while True:
            conn: sqlite3.Connection | None = None
            try:
                conn = sqlite3.connect(str(path), timeout=30.0, isolation_level=None, check_same_thread=False)
                conn.execute("PRAGMA busy_timeout = 30000")
                conn.execute("PRAGMA journal_mode = WAL").fetchone()
                conn.execute("PRAGMA synchronous = NORMAL")
                conn.execute("PRAGMA foreign_keys = OFF")
                store = cls(conn, "sqlite", str(path))
                store._create_schema()
                return store
            except sqlite3.OperationalError as e:
                if conn is not None:
                    conn.close()
                if "locked" in str(e) and time.monotonic() < deadline:
                    time.sleep(0.01)
                    continue
                raise InvalidInputError(f"{where}: {_one_line(e)}") from None
            except sqlite3.Error as e:
                if conn is not None:
                    conn.close()
                raise InvalidInputError(f"{where}: {_one_line(e)}") from None

    @classmethod
    def _open_postgres(cls, url: str) -> Store:
        shown = redact_url(url)
        where = f"cannot open the store {shown}"
        try:
            import psycopg
        except ImportError:
            raise InvalidInputError(
                f"{where}: PostgreSQL stores need the psycopg package (pip install 'driftline[postgres]' "
                "or pip install 'psycopg[binary]')") from None
        pw = _password(url)

        def clean(e: BaseException) -> str:
            msg = _one_line(e)
            return msg.replace(pw, "***") if pw else msg

        conn: Any = None
        try:
            conn = psycopg.connect(url, autocommit=True, connect_timeout=10)
            store = cls(conn, "postgresql", shown)
            store._create_schema()
            return store
        except psycopg.Error as e:
            if conn is not None:
                conn.close()
            raise InvalidInputError(f"{where}: {clean(e)}") from None
        except (ValueError, TypeError) as e:  # malformed URL parsed by libpq's wrapper
            raise InvalidInputError(f"{where}: {clean(e)}") from None

    def _create_schema(self) -> None:
        with self._tx() as cur:
            if self._backend == "postgresql":
                # Two processes creating the tables at once would collide in the catalogue.
                cur.execute("SELECT pg_advisory_xact_lock(7340591)")
            for stmt in _SCHEMA:
                cur.execute(stmt.replace(_ID, _ID_SQL[self._backend]))
            cur.execute("SELECT MAX(version) FROM schema_version")
            row = cur.fetchone()
            version = None if row is None else row[0]
            if version is None:
                cur.execute(self._sql("INSERT INTO schema_version (version) VALUES (?)"), (SCHEMA_VERSION,))
            elif int(version) > SCHEMA_VERSION:
                raise InvalidInputError(
                    f"the store {self._target} has schema version {version}, newer than this driftline's "
                    f"({SCHEMA_VERSION}): upgrade driftline")

    # -------------------------------------------------------------------------- plumbing
    @property
    def backend(self) -> Backend:
        return self._backend

    @property
    def target(self) -> str:
        """The file path or the URL (password hidden)."""
        return self._target

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self._backend}: {self._target})"

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self._backend == "postgresql" else sql

    @contextmanager
    def _tx(self, write: bool = True) -> Iterator[_Cursor]:
        """One transaction; for a write SQLite takes the write lock at once (BEGIN IMMEDIATE) so
        that a read followed by a write never deadlocks with another writer."""
        with self._lock:
            if self._closed:
                raise InvalidInputError(f"the store {self._target} is closed")
            if self._backend == "sqlite":
                cur = self._conn.cursor()
                cur.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                try:
                    yield _Cursor(cur, self)
                except BaseException:
                    if self._conn.in_transaction:
                        cur.execute("ROLLBACK")
                    raise
                else:
                    cur.execute("COMMIT")
                finally:
                    cur.close()
            else:
                with self._conn.transaction(), self._conn.cursor() as cur:
                    yield _Cursor(cur, self)

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._tx(write=False) as cur:
            cur.execute(sql, params)
            return cur.fetchall()

    # ------------------------------------------------------------------------ executions
    def _locked_row(self, cur: _Cursor, monitor: str, ws: str) -> tuple[Any, ...] | None:
        """(id, status, lease_until) of an existing (monitor, window) row, locked for this
        transaction (PostgreSQL: FOR UPDATE; SQLite's transaction already holds the write lock)."""
        lock = " FOR UPDATE" if self._backend == "postgresql" else ""
        cur.execute(f"SELECT id, status, lease_until FROM executions WHERE monitor = ? AND window_start = ?{lock}", (monitor, ws))
        row: tuple[Any, ...] | None = cur.fetchone()
        return row

    def claim(self, monitor: str, model: str, window_start: datetime, window_end: datetime,
              scheduled_time: datetime, owner: str, lease_seconds: float, now: datetime) -> Execution | None:
        """Make ``owner`` the runner of (monitor, window_start) until ``now + lease_seconds``.

        Returns None when the window is done (Completed, CompletedWithViolations) or InProgress
        under a lease that has not expired (whoever holds it); otherwise creates the execution or
        takes over the existing one (Pending, Stopped, Failed, or an expired InProgress) as
        InProgress with one more attempt, and returns it. Atomic: of several processes claiming the
        same window, one gets it."""
        ws, we, st, nw = _ts(window_start, "window_start"), _ts(window_end, "window_end"), \
            _ts(scheduled_time, "scheduled_time"), _ts(now, "now")
        until = _ts(_utc(now) + timedelta(seconds=float(lease_seconds)))
        with self._tx() as cur:
            cur.execute(
                f"INSERT INTO executions (monitor, model, window_start, window_end, scheduled_time, status, "
                f"attempts, started, lease_owner, lease_until) VALUES (?, ?, ?, ?, ?, 'InProgress', 1, ?, ?, ?) "
                f"ON CONFLICT (monitor, window_start) DO NOTHING RETURNING {_COLS}",
                (monitor, model, ws, we, st, nw, owner, until))
            row = cur.fetchone()
            if row is not None:
                return _execution(row)
            got = self._locked_row(cur, monitor, ws)
            if got is None:  # deleted between the two statements (prune): nothing to take
                return None
            eid, status, lease_until = got
            if status in DONE or (status == "InProgress" and lease_until is not None and lease_until > nw):
                return None
            cur.execute(
                f"UPDATE executions SET model = ?, window_end = ?, scheduled_time = ?, status = 'InProgress', "
                f"reason = '', output = '', violations = 0, attempts = attempts + 1, started = ?, ended = NULL, "
                f"lease_owner = ?, lease_until = ? WHERE id = ? RETURNING {_COLS}",
                (model, we, st, nw, owner, until, eid))
            row = cur.fetchone()
            cur.execute("DELETE FROM metrics WHERE execution_id = ?", (eid,))
            return None if row is None else _execution(row)

    def renew(self, execution_id: int, owner: str, lease_seconds: float, now: datetime) -> bool:
        """Extend the lease to ``now + lease_seconds``; False when it is no longer ``owner``'s."""
        until = _ts(_utc(now, "now") + timedelta(seconds=float(lease_seconds)))
        with self._tx() as cur:
            cur.execute("UPDATE executions SET lease_until = ? WHERE id = ? AND lease_owner = ? AND status = 'InProgress'",
                        (until, int(execution_id), owner))
            return bool(cur.rowcount == 1)

    def finish(self, execution_id: int, owner: str, status: str, reason: str, output: str, violations: int,
               ended: datetime, metrics: dict[str, float]) -> None:
        """Record the end of an execution ``owner`` holds: its status, reason, output folder,
        violation count and metrics (NaN and infinite values are not stored); the lease is
        released. Raises :class:`LeaseLostError` when ``owner`` no longer holds it."""
        if status not in _FINISHABLE:
            raise InvalidArgumentError(f"finish: status must be one of {', '.join(_FINISHABLE)}, got {status!r}")
        en = _ts(ended, "ended")
        values: list[tuple[str, float]] = []
        for name, value in (metrics or {}).items():
            try:
                v = float(value)
            except (TypeError, ValueError):
                raise InvalidArgumentError(f"finish: metric {name!r} is not a number: {value!r}") from None
            if math.isfinite(v):
                values.append((str(name), v))
        with self._tx() as cur:
            cur.execute(
                "UPDATE executions SET status = ?, reason = ?, output = ?, violations = ?, ended = ?, "
                "lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ? AND status = 'InProgress' "
                "RETURNING monitor, window_end",
                (status, reason or "", output or "", int(violations), en, int(execution_id), owner))
            row = cur.fetchone()
            if row is None:
                cur.execute("SELECT status, lease_owner FROM executions WHERE id = ?", (int(execution_id),))
                now_row = cur.fetchone()
                if now_row is None:
                    why = "it is no longer in the store"
                elif now_row[0] != "InProgress":
                    why = f"it is now {now_row[0]}" + (" (its lease expired)" if now_row[0] == "Failed" else "")
                else:
                    why = f"its lease was taken by {now_row[1]!r}"
                raise LeaseLostError(f"execution {execution_id} is not held by {owner!r}: {why}; its result is not recorded")
            monitor, time = row
            cur.execute("DELETE FROM metrics WHERE execution_id = ?", (int(execution_id),))
            if values:
                cur.executemany("INSERT INTO metrics (execution_id, monitor, time, name, value) VALUES (?, ?, ?, ?, ?)",
                                [(int(execution_id), monitor, time, n, v) for n, v in values])

    def recover(self, now: datetime) -> list[Execution]:
        """InProgress executions whose lease expired become Failed (reason :data:`INTERRUPTED`);
        returns them, so that they are claimed again."""
        nw = _ts(now, "now")
        with self._tx() as cur:
            cur.execute(
                f"UPDATE executions SET status = 'Failed', reason = ?, ended = ?, lease_owner = NULL, lease_until = NULL "
                f"WHERE status = 'InProgress' AND (lease_until IS NULL OR lease_until <= ?) RETURNING {_COLS}",
                (INTERRUPTED, nw, nw))
            rows = cur.fetchall()
        return sorted((_execution(r) for r in rows), key=lambda e: (e.monitor, e.window_start))

    def mark(self, monitor: str, model: str, window_start: datetime, window_end: datetime, scheduled_time: datetime,
             status: str, reason: str) -> Execution | None:
        """Record (monitor, window) as Pending, Stopped or Failed without running it (dry runs, stop
        requests). A done execution, or one InProgress under a live lease, is left alone (returns
        None); otherwise returns the row as recorded."""
        if status not in _MARKABLE:
            raise InvalidArgumentError(f"mark: status must be one of {', '.join(_MARKABLE)}, got {status!r}")
        ws, we, st = _ts(window_start, "window_start"), _ts(window_end, "window_end"), _ts(scheduled_time, "scheduled_time")
        with self._tx() as cur:
            cur.execute(
                f"INSERT INTO executions (monitor, model, window_start, window_end, scheduled_time, status, reason) "
                f"VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (monitor, window_start) DO NOTHING RETURNING {_COLS}",
                (monitor, model, ws, we, st, status, reason or ""))
            row = cur.fetchone()
            if row is not None:
                return _execution(row)
            got = self._locked_row(cur, monitor, ws)
            if got is None:
                return None
            eid, old, lease_until = got
            if old in DONE or (old == "InProgress" and lease_until is not None):
                return None
            cur.execute(
                f"UPDATE executions SET model = ?, window_end = ?, scheduled_time = ?, status = ?, reason = ? "
                f"WHERE id = ? RETURNING {_COLS}", (model, we, st, status, reason or "", eid))
            row = cur.fetchone()
            return None if row is None else _execution(row)

    def get(self, execution_id: int, *, with_metrics: bool = False) -> Execution | None:
        """One execution by id (None when absent)."""
        rows = self._read(f"SELECT {_COLS} FROM executions WHERE id = ?", (int(execution_id),))
        out = [_execution(r) for r in rows]
        if with_metrics:
            self._fill_metrics(out)
        return out[0] if out else None

    def executions(self, monitor: str | None = None, limit: int | None = None, since: datetime | None = None, *,
                   with_metrics: bool = False) -> list[Execution]:
        """Executions newest window first (of one monitor, or all), those whose window starts at or
        after ``since``; ``with_metrics`` fills :attr:`Execution.metrics`."""
        lim = _limit(limit)
        where: list[str] = []
        params: list[Any] = []
        if monitor is not None:
            where.append("monitor = ?")
            params.append(monitor)
        if since is not None:
            where.append("window_start >= ?")
            params.append(_ts(since, "since"))
        sql = f"SELECT {_COLS} FROM executions"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY window_start DESC" + (", monitor" if monitor is None else "")
        if lim is not None:
            sql += " LIMIT ?"
            params.append(lim)
        out = [_execution(r) for r in self._read(sql, params)]
        if with_metrics:
            self._fill_metrics(out)
        return out

    def last_executions(self, monitor: str, n: int, *, with_metrics: bool = False) -> list[Execution]:
        """The ``n`` most recent finished executions (Completed, CompletedWithViolations, Failed)
        of ``monitor`` by window end, newest first."""
        lim = _limit(n)
        rows = self._read(
            f"SELECT {_COLS} FROM executions WHERE monitor = ? AND status IN ({_marks(len(FINISHED))}) "
            f"ORDER BY window_end DESC LIMIT ?", (monitor, *FINISHED, lim))
        out = [_execution(r) for r in rows]
        if with_metrics:
            self._fill_metrics(out)
        return out

    def completed_windows(self, monitor: str) -> set[datetime]:
        """The window starts of ``monitor`` that are done (Completed, CompletedWithViolations)."""
        rows = self._read(f"SELECT window_start FROM executions WHERE monitor = ? AND status IN ({_marks(len(DONE))})",
                          (monitor, *DONE))
        return {_dt(r[0]) for r in rows}

    def _fill_metrics(self, execs: list[Execution]) -> None:
        by_id = {e.id: e for e in execs}
        ids = list(by_id)
        for i in range(0, len(ids), _CHUNK):
            part = ids[i:i + _CHUNK]
            for eid, name, value in self._read(
                    f"SELECT execution_id, name, value FROM metrics WHERE execution_id IN ({_marks(len(part))})", part):
                by_id[int(eid)].metrics[name] = float(value)

    # --------------------------------------------------------------------------- metrics
    def metric_series(self, monitor: str, name: str, limit: int | None = None) -> list[tuple[datetime, float]]:
        """(window end, value) of metric ``name`` of ``monitor``, newest first."""
        lim = _limit(limit)
        sql = "SELECT time, value FROM metrics WHERE monitor = ? AND name = ? ORDER BY time DESC, execution_id DESC"
        params: list[Any] = [monitor, name]
        if lim is not None:
            sql += " LIMIT ?"
            params.append(lim)
        return [(_dt(t), float(v)) for t, v in self._read(sql, params)]

    def metric_names(self, monitor: str) -> list[str]:
        """The metric names ``monitor`` has recorded, sorted."""
        return sorted(r[0] for r in self._read("SELECT DISTINCT name FROM metrics WHERE monitor = ?", (monitor,)))

    # ---------------------------------------------------------------------------- alerts
    def alert_state(self, monitor: str, alert: str) -> tuple[str, datetime | None]:
        """(state, since when); ("InsufficientData", None) for an alert never set."""
        rows = self._read("SELECT state, since FROM alert_states WHERE monitor = ? AND alert = ?", (monitor, alert))
        if not rows:
            return "InsufficientData", None
        return str(rows[0][0]), _dt(rows[0][1])

    def set_alert_state(self, monitor: str, alert: str, state: str, previous: str, at: datetime, reason: str,
                        execution_id: int | None) -> None:
        """Set the alert's state (``since`` moves to ``at`` only when the state changes) and append
        the change to the alert history."""
        for what, s in (("state", state), ("previous", previous)):
            if s not in ALERT_STATES:
                raise InvalidArgumentError(f"set_alert_state: {what} must be one of {', '.join(ALERT_STATES)}, got {s!r}")
        ts = _ts(at, "at")
        eid = None if execution_id is None else int(execution_id)
        with self._tx() as cur:
            cur.execute(
                "INSERT INTO alert_states (monitor, alert, state, since, reason) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (monitor, alert) DO UPDATE SET since = CASE WHEN alert_states.state = excluded.state "
                "THEN alert_states.since ELSE excluded.since END, state = excluded.state, reason = excluded.reason",
                (monitor, alert, state, ts, reason or ""))
            cur.execute(
                "INSERT INTO alert_history (monitor, alert, state, previous, at, reason, execution_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)", (monitor, alert, state, previous, ts, reason or "", eid))

    def alert_states(self, monitor: str | None = None) -> list[dict[str, Any]]:
        """Current alert states (keys monitor, alert, state, since (ISO text), reason)."""
        sql = "SELECT monitor, alert, state, since, reason FROM alert_states"
        params: tuple[Any, ...] = ()
        if monitor is not None:
            sql += " WHERE monitor = ?"
            params = (monitor,)
        rows = self._read(sql + " ORDER BY monitor, alert", params)
        return [{"monitor": m, "alert": a, "state": s, "since": _show(t), "reason": r} for m, a, s, t, r in rows]

    def alert_history(self, monitor: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        """Alert state changes, newest first (keys monitor, alert, state, previous, at (ISO text),
        reason, execution_id)."""
        lim = _limit(limit)
        sql = "SELECT monitor, alert, state, previous, at, reason, execution_id FROM alert_history"
        params: list[Any] = []
        if monitor is not None:
            sql += " WHERE monitor = ?"
            params.append(monitor)
        sql += " ORDER BY at DESC, id DESC"
        if lim is not None:
            sql += " LIMIT ?"
            params.append(lim)
        out = []
        for row in self._read(sql, params):
            d = dict(zip(_HISTORY_KEYS, row, strict=True))
            d["at"] = _show(d["at"])
            d["execution_id"] = None if d["execution_id"] is None else int(d["execution_id"])
            out.append(d)
        return out

    # ----------------------------------------------------------------------------- audit
    def add_audit(self, at: datetime, monitor: str, alert: str, action: str, kind: str, target: str, state: str,
                  outcome: str, detail: str, dry_run: bool) -> None:
        """Append one action attempt to the audit log."""
        with self._tx() as cur:
            cur.execute(
                "INSERT INTO audit (at, monitor, alert, action, kind, target, state, outcome, detail, dry_run) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (_ts(at, "at"), monitor, alert, action, kind, target, state, outcome, detail or "", 1 if dry_run else 0))

    def audit(self, limit: int | None = None) -> list[dict[str, Any]]:
        """The audit log newest first (keys at (ISO text), monitor, alert, action, kind, target,
        state, outcome, detail, dry_run (bool))."""
        lim = _limit(limit)
        sql = f"SELECT {', '.join(_AUDIT_KEYS)} FROM audit ORDER BY at DESC, id DESC"
        params: list[Any] = []
        if lim is not None:
            sql += " LIMIT ?"
            params.append(lim)
        out = []
        for row in self._read(sql, params):
            d = dict(zip(_AUDIT_KEYS, row, strict=True))
            d["at"] = _show(d["at"])
            d["dry_run"] = bool(d["dry_run"])
            out.append(d)
        return out

    # ----------------------------------------------------------------------------- prune
    def prune(self, keep_days: float, now: datetime, batch: int = 1000, remove_outputs: bool = False) -> int:
        """Delete executions whose window ended before ``now - keep_days`` (not those InProgress),
        with their metrics, ``batch`` rows per transaction so that claims are never held up long;
        with ``remove_outputs``, also their output folders (a recorded output that is a folder, not
        a link, and that no remaining execution records). Alert history and audit entries older than
        that go too. Returns the number of executions deleted."""
        if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
            raise InvalidArgumentError(f"prune: batch must be a positive integer, got {batch!r}")
        keep = float(keep_days)
        if not math.isfinite(keep) or keep < 0:
            raise InvalidArgumentError(f"prune: keep_days must be a non-negative number, got {keep_days!r}")
        cutoff = _ts(_utc(now, "now") - timedelta(days=keep))
        deleted = 0
        while True:
            outputs: list[str] = []
            with self._tx() as cur:
                cur.execute("SELECT id, output FROM executions WHERE window_end < ? AND status <> 'InProgress' "
                            "ORDER BY window_end LIMIT ?", (cutoff, batch))
                rows = cur.fetchall()
                if not rows:
                    break
                ids = [int(r[0]) for r in rows]
                for i in range(0, len(ids), _CHUNK):
                    part = ids[i:i + _CHUNK]
                    cur.execute(f"DELETE FROM metrics WHERE execution_id IN ({_marks(len(part))})", part)
                    cur.execute(f"DELETE FROM executions WHERE id IN ({_marks(len(part))})", part)
                deleted += len(ids)
                if remove_outputs:
                    for out in sorted({r[1] for r in rows if r[1]}):
                        cur.execute("SELECT 1 FROM executions WHERE output = ? LIMIT 1", (out,))
                        if cur.fetchone() is None:
                            outputs.append(out)
            for out in outputs:
                p = Path(out)
                if p.is_dir() and not p.is_symlink() and p.resolve() != Path(p.resolve().anchor):
                    shutil.rmtree(p, ignore_errors=True)
            if len(rows) < batch:
                break
        for table in ("alert_history", "audit"):
            while True:
                with self._tx() as cur:
                    cur.execute(f"DELETE FROM {table} WHERE id IN (SELECT id FROM {table} WHERE at < ? LIMIT ?)",
                                (cutoff, batch))
                    n = cur.rowcount
                if n < batch:
                    break
        return deleted

    def counts(self) -> dict[str, int]:
        """Rows per table (for status displays and tests)."""
        out: dict[str, int] = {}
        for table in ("executions", "metrics", "alert_states", "alert_history", "audit"):
            out[table] = int(self._read(f"SELECT COUNT(*) FROM {table}")[0][0])
        return out


class _Cursor:
    """A cursor that writes ``?`` placeholders in the backend's style."""

    def __init__(self, cur: Any, store: Store) -> None:
        self._cur = cur
        self._store = store

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._cur.execute(self._store._sql(sql), tuple(params))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._cur.executemany(self._store._sql(sql), [tuple(r) for r in rows])

    def fetchone(self) -> tuple[Any, ...] | None:
        row = self._cur.fetchone()
        return None if row is None else tuple(row)

    def fetchall(self) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self._cur.fetchall()]

    @property
    def rowcount(self) -> int:
        return int(self._cur.rowcount)
