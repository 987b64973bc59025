"""The service's execution store, on SQLite and PostgreSQL (see conftest.py): leases and claims,
recovery, finishing with metrics, alert states and history, audit, prune, hostile names, and
opening errors."""

from __future__ import annotations

import math
import sqlite3
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from driftline.errors import InvalidArgumentError, InvalidInputError
from driftline.service.store import INTERRUPTED, SCHEMA_VERSION, LeaseLostError, Store, redact_url

T0 = datetime(2026, 11, 1, tzinfo=UTC)
H = timedelta(hours=1)


def w(i: int) -> tuple[datetime, datetime, datetime]:
    """Window i (hourly): start, end, scheduled time."""
    return T0 + i * H, T0 + (i + 1) * H, T0 + (i + 1) * H + timedelta(minutes=5)


def claim(s: Store, i: int, owner: str = "a", monitor: str = "m", lease: float = 60.0,
          now: datetime | None = None, model: str = "model-1"):  # type: ignore[no-untyped-def]
    start, end, sched = w(i)
    return s.claim(monitor, model, start, end, sched, owner, lease, now or sched)


def run(s: Store, i: int, status: str = "Completed", monitor: str = "m", metrics: dict[str, float] | None = None,
        violations: int = 0, output: str = "", owner: str = "a") -> int:
    e = claim(s, i, owner=owner, monitor=monitor)
    assert e is not None
    s.finish(e.id, owner, status, "", output, violations, w(i)[2] + timedelta(minutes=1), metrics or {})
    return int(e.id)


# ------------------------------------------------------------------------------- claim, lease
def test_claim_once_then_refused_while_leased(store: Store) -> None:
    e = claim(store, 0, owner="a")
    assert e is not None
    assert (e.status, e.attempts, e.monitor, e.model) == ("InProgress", 1, "m", "model-1")
    assert (e.window_start, e.window_end, e.scheduled_time) == w(0)
    assert e.started == w(0)[2] and e.started.tzinfo is not None and e.started.utcoffset() == timedelta(0)
    assert claim(store, 0, owner="b") is None
    assert claim(store, 0, owner="a") is None  # even its owner: the lease is live
    assert claim(store, 0, owner="b", now=w(0)[2] + timedelta(seconds=59)) is None
    assert len(store.executions("m")) == 1


def test_claim_takes_over_an_expired_lease(store: Store) -> None:
    e = claim(store, 0, owner="a", lease=30)
    assert e is not None
    later = w(0)[2] + timedelta(seconds=31)
    e2 = claim(store, 0, owner="b", now=later)
    assert e2 is not None and e2.id == e.id and e2.attempts == 2 and e2.started == later
    assert not store.renew(e.id, "a", 30, later)
    with pytest.raises(LeaseLostError, match="taken by 'b'"):
        store.finish(e.id, "a", "Completed", "", "", 0, later, {"x": 1.0})
    # the takeover's record is intact and a's metrics were not written
    got = store.executions("m", with_metrics=True)[0]
    assert (got.status, got.metrics) == ("InProgress", {})
    store.finish(e.id, "b", "Completed", "", "", 0, later, {"x": 2.0})
    assert store.metric_series("m", "x") == [(w(0)[1], 2.0)]


def test_done_windows_are_never_claimed_again(store: Store) -> None:
    run(store, 0, "Completed")
    run(store, 1, "CompletedWithViolations", violations=3)
    far = T0 + timedelta(days=30)
    assert claim(store, 0, owner="z", now=far) is None
    assert claim(store, 1, owner="z", now=far) is None
    assert store.completed_windows("m") == {w(0)[0], w(1)[0]}


def test_failed_windows_are_claimed_again_with_one_more_attempt(store: Store) -> None:
    eid = run(store, 0, "Failed", metrics={"old": 1.0})
    e = claim(store, 0, owner="b", now=T0 + timedelta(days=1), model="model-2")
    assert e is not None and e.id == eid
    assert (e.status, e.attempts, e.reason, e.model, e.ended) == ("InProgress", 2, "", "model-2", None)
    assert store.metric_names("m") == []  # the failed attempt's metrics are gone with it
    assert store.completed_windows("m") == set()


def test_renew_extends_the_lease(store: Store) -> None:
    e = claim(store, 0, owner="a", lease=10)
    assert e is not None
    t = w(0)[2]
    assert store.renew(e.id, "a", 100, t + timedelta(seconds=5))
    assert claim(store, 0, owner="b", now=t + timedelta(seconds=50)) is None  # would have expired at +10
    assert not store.renew(e.id, "b", 100, t)
    assert not store.renew(e.id + 1000, "a", 100, t)
    store.finish(e.id, "a", "Completed", "", "", 0, t, {})
    assert not store.renew(e.id, "a", 100, t)  # finished: nothing to renew


def test_recover_marks_expired_leases_failed(store: Store) -> None:
    a = claim(store, 0, owner="a", lease=10)
    b = claim(store, 1, owner="b", lease=1000)
    run(store, 2)
    assert a is not None and b is not None
    now = w(1)[2] + timedelta(seconds=20)  # a's lease (from w(0)[2]) expired, b's not
    got = store.recover(now)
    assert [g.id for g in got] == [a.id]
    assert (got[0].status, got[0].reason) == ("Failed", INTERRUPTED)
    assert store.recover(now) == []
    statuses = {e.window_start: e.status for e in store.executions("m")}
    assert statuses == {w(0)[0]: "Failed", w(1)[0]: "InProgress", w(2)[0]: "Completed"}
    with pytest.raises(LeaseLostError, match="Failed"):
        store.finish(a.id, "a", "Completed", "", "", 0, now, {})
    again = claim(store, 0, owner="c", now=now)
    assert again is not None and again.attempts == 2 and again.id == a.id


def _race(open_store: Callable[[], Store], n_threads: int, windows: int) -> list[list[int]]:
    stores = [open_store() for _ in range(n_threads)]
    barrier = threading.Barrier(n_threads)
    won: list[list[int]] = [[] for _ in range(n_threads)]
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        try:
            barrier.wait()
            for i in range(windows):
                e = claim(stores[k], i, owner=f"p{k}")
                if e is not None:
                    won[k].append(i)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return won


def test_racing_claimers_get_each_window_exactly_once(open_store: Callable[[], Store]) -> None:
    won = _race(open_store, 6, 25)
    all_won = sorted(i for ws in won for i in ws)
    assert all_won == list(range(25))
    rows = open_store().executions("m")
    assert len(rows) == 25 and all(e.attempts == 1 and e.status == "InProgress" for e in rows)


def _claim_in_process(path: str, owner: str, start: float, q: object) -> None:
    import time

    from driftline.service.store import Store as S

    while time.time() < start:
        time.sleep(0.001)
    got = []
    with S.open(path) as s:
        for i in range(20):
            if claim(s, i, owner=owner) is not None:
                got.append(i)
    q.put(got)  # type: ignore[attr-defined]


def test_racing_processes_on_one_sqlite_file(tmp_path: Path) -> None:
    import multiprocessing as mp
    import time

    path = str(tmp_path / "race.db")
    Store.open(path).close()
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    start = time.time() + 2.0
    procs = [ctx.Process(target=_claim_in_process, args=(path, f"proc{k}", start, q)) for k in range(3)]
    for p in procs:
        p.start()
    results = [q.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(30)
    assert sorted(i for r in results for i in r) == list(range(20))


# --------------------------------------------------------------------------- finish, metrics
def test_finish_records_status_metrics_and_releases_the_lease(store: Store) -> None:
    e = claim(store, 0)
    assert e is not None
    ended = w(0)[2] + timedelta(minutes=2)
    store.finish(e.id, "a", "CompletedWithViolations", "2 features drifted", "/out/x", 2, ended,
                 {"drift": 0.25, "rows": 1000.0, "nan": math.nan, "inf": math.inf, "ninf": -math.inf})
    got = store.executions("m", with_metrics=True)[0]
    assert (got.status, got.reason, got.output, got.violations, got.ended) == (
        "CompletedWithViolations", "2 features drifted", "/out/x", 2, ended)
    assert got.metrics == {"drift": 0.25, "rows": 1000.0}
    assert store.executions("m")[0].metrics == {}  # only filled when asked
    assert store.metric_names("m") == ["drift", "rows"]
    assert claim(store, 0, owner="b", now=T0 + timedelta(days=9)) is None
    with pytest.raises(LeaseLostError):
        store.finish(e.id, "a", "Completed", "", "", 0, ended, {})  # finishing twice


def test_metric_series_newest_first(store: Store) -> None:
    for i in [3, 0, 2, 1]:
        run(store, i, metrics={"drift": i / 10, f"only{i}": 1.0})
    run(store, 4, monitor="other", metrics={"drift": 99.0})
    series = store.metric_series("m", "drift")
    assert series == [(w(i)[1], i / 10) for i in [3, 2, 1, 0]]
    assert store.metric_series("m", "drift", limit=2) == series[:2]
    assert store.metric_series("m", "nope") == []
    assert store.metric_names("m") == ["drift", "only0", "only1", "only2", "only3"]
    assert store.metric_series("other", "drift") == [(w(4)[1], 99.0)]


def test_finish_rejects_bad_status_and_naive_times(store: Store) -> None:
    e = claim(store, 0)
    assert e is not None
    with pytest.raises(InvalidArgumentError, match="status"):
        store.finish(e.id, "a", "Done", "", "", 0, T0, {})
    with pytest.raises(InvalidArgumentError, match="timezone-aware"):
        store.finish(e.id, "a", "Completed", "", "", 0, datetime(2026, 11, 1), {})
    with pytest.raises(InvalidArgumentError, match="timezone-aware"):
        store.claim("m", "x", datetime(2026, 1, 1), T0, T0, "a", 1, T0)
    # a failed validation changed nothing
    assert store.executions("m")[0].status == "InProgress"


def test_times_in_other_zones_are_stored_as_utc(store: Store) -> None:
    from datetime import timezone

    plus2 = timezone(timedelta(hours=2))
    start = datetime(2026, 11, 1, 2, 0, tzinfo=plus2)  # = T0
    e = store.claim("m", "x", start, start + H, start + H, "a", 1e6, start + H)
    assert e is not None and e.window_start == T0 and e.window_start.utcoffset() == timedelta(0)
    assert claim(store, 0, owner="b") is None  # the same window, given in UTC


# ------------------------------------------------------------------------------------ listing
def test_mark_pending_and_stopped(store: Store) -> None:
    start, end, sched = w(0)
    e = store.mark("m", "x", start, end, sched, "Pending", "dry run")
    assert e is not None and (e.status, e.reason, e.attempts) == ("Pending", "dry run", 0)
    e = store.mark("m", "x", start, end, sched, "Stopped", "stop requested")
    assert e is not None and e.status == "Stopped"
    got = claim(store, 0)
    assert got is not None and got.attempts == 1 and got.status == "InProgress"
    assert store.mark("m", "x", start, end, sched, "Pending", "dry run") is None  # live lease: left alone
    store.finish(got.id, "a", "Completed", "", "", 0, sched, {})
    assert store.mark("m", "x", start, end, sched, "Pending", "again") is None
    assert store.executions("m")[0].status == "Completed"
    with pytest.raises(InvalidArgumentError):
        store.mark("m", "x", *w(1), "Completed", "")


def test_executions_order_limit_since_and_monitor(store: Store) -> None:
    for i in [2, 0, 1, 4]:
        run(store, i)
    run(store, 3, monitor="n")
    store.mark("m", "x", *w(5), "Pending", "")
    got = store.executions("m")
    assert [e.window_start for e in got] == [w(i)[0] for i in [5, 4, 2, 1, 0]]
    assert [e.window_start for e in store.executions("m", limit=2)] == [w(5)[0], w(4)[0]]
    assert [e.window_start for e in store.executions("m", since=w(2)[0])] == [w(i)[0] for i in [5, 4, 2]]
    assert [(e.monitor, e.window_start) for e in store.executions()][:3] == [
        ("m", w(5)[0]), ("m", w(4)[0]), ("n", w(3)[0])]
    assert store.executions("nobody") == []
    assert store.executions("m", limit=0) == []
    with pytest.raises(InvalidArgumentError):
        store.executions("m", limit=-1)


def test_last_executions_are_finished_ones_newest_first(store: Store) -> None:
    run(store, 0, "Completed")
    run(store, 1, "CompletedWithViolations", violations=1)
    run(store, 2, "Failed")
    run(store, 3, "Stopped")
    claim(store, 4)  # in progress
    store.mark("m", "x", *w(5), "Pending", "")
    run(store, 6, monitor="n")
    last = store.last_executions("m", 5)
    assert [(e.window_start, e.status) for e in last] == [
        (w(2)[0], "Failed"), (w(1)[0], "CompletedWithViolations"), (w(0)[0], "Completed")]
    assert [e.window_start for e in store.last_executions("m", 2)] == [w(2)[0], w(1)[0]]
    assert store.last_executions("m", 0) == []
    assert store.completed_windows("m") == {w(0)[0], w(1)[0]}


# ------------------------------------------------------------------------------------- alerts
def test_alert_state_and_history(store: Store) -> None:
    assert store.alert_state("m", "drift") == ("InsufficientData", None)
    t1, t2, t3 = T0 + H, T0 + 2 * H, T0 + 3 * H
    store.set_alert_state("m", "drift", "OK", "InsufficientData", t1, "0 of 1", 11)
    store.set_alert_state("m", "drift", "InAlert", "OK", t2, "1 of 1 breached", 12)
    assert store.alert_state("m", "drift") == ("InAlert", t2)
    store.set_alert_state("m", "drift", "InAlert", "InAlert", t3, "still", None)
    assert store.alert_state("m", "drift") == ("InAlert", t2)  # since: when it became InAlert
    store.set_alert_state("n", "drift", "OK", "InsufficientData", t3, "", None)
    assert store.alert_state("m", "other") == ("InsufficientData", None)
    hist = store.alert_history("m")
    assert hist[0] == {"monitor": "m", "alert": "drift", "state": "InAlert", "previous": "InAlert",
                       "at": "2026-11-01T03:00:00Z", "reason": "still", "execution_id": None}
    assert [(h["state"], h["execution_id"]) for h in hist] == [("InAlert", None), ("InAlert", 12), ("OK", 11)]
    assert [h["monitor"] for h in store.alert_history()] == ["n", "m", "m", "m"]
    assert len(store.alert_history(limit=2)) == 2
    with pytest.raises(InvalidArgumentError):
        store.set_alert_state("m", "drift", "Alarm", "OK", t3, "", None)


def test_audit_newest_first(store: Store) -> None:
    store.add_audit(T0, "m", "drift", "hook", "webhook", "https://x/y", "InAlert", "ok", "200", False)
    store.add_audit(T0 + H, "m", "drift", "retrain", "retrain", "train.sh", "InAlert", "failed", "exit 2", True)
    got = store.audit()
    assert got[0] == {"at": "2026-11-01T01:00:00Z", "monitor": "m", "alert": "drift", "action": "retrain",
                      "kind": "retrain", "target": "train.sh", "state": "InAlert", "outcome": "failed",
                      "detail": "exit 2", "dry_run": True}
    assert got[1]["dry_run"] is False and got[1]["target"] == "https://x/y"
    assert store.audit(limit=1) == got[:1]


# -------------------------------------------------------------------------------------- prune
def test_prune_in_batches_with_metrics_and_outputs(store: Store, tmp_path: Path) -> None:
    outs = tmp_path / "outputs"
    for i in range(30):
        folder = outs / f"w{i}"
        folder.mkdir(parents=True)
        (folder / "report.json").write_text("{}")
        run(store, i, metrics={"x": float(i)}, output=str(folder))
    shared = outs / "shared"
    shared.mkdir()
    run(store, 30, output=str(shared))      # old
    run(store, 100, output=str(shared))     # kept: the folder stays
    run(store, 31, output=str(outs / "missing"))  # output folder never written: fine
    link = tmp_path / "link"
    target_dir = tmp_path / "precious"
    target_dir.mkdir()
    link.symlink_to(target_dir)
    run(store, 32, output=str(link))        # a link is not followed
    busy = claim(store, 33, owner="busy", lease=1e9)  # in progress: kept
    assert busy is not None
    store.set_alert_state("m", "a", "OK", "InsufficientData", T0, "", None)
    store.set_alert_state("m", "a", "InAlert", "OK", T0 + 200 * H, "", None)
    store.add_audit(T0, "m", "a", "h", "webhook", "u", "OK", "ok", "", False)
    store.add_audit(T0 + 200 * H, "m", "a", "h", "webhook", "u", "InAlert", "ok", "", False)

    now = T0 + 100 * H + timedelta(days=2)   # keep 2 days: windows ending before hour 100 go
    n = store.prune(2, now, batch=7, remove_outputs=True)
    assert n == 33
    left = store.executions("m")
    assert sorted(e.window_start for e in left) == [w(33)[0], w(100)[0]]
    assert store.metric_series("m", "x") == []
    assert not any((outs / f"w{i}").exists() for i in range(30))
    assert shared.is_dir() and link.is_symlink() and target_dir.is_dir()
    assert [h["at"] for h in store.alert_history()] == ["2026-11-09T08:00:00Z"]
    assert len(store.audit()) == 1
    assert store.counts()["executions"] == 2
    assert store.prune(2, now, batch=7, remove_outputs=True) == 0


def test_prune_keeps_outputs_unless_asked(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "o"
    folder.mkdir()
    run(store, 0, output=str(folder), metrics={"x": 1.0})
    assert store.prune(1, T0 + timedelta(days=3), batch=1) == 1
    assert folder.is_dir() and store.executions() == [] and store.counts()["metrics"] == 0
    with pytest.raises(InvalidArgumentError):
        store.prune(1, T0, batch=0)
    with pytest.raises(InvalidArgumentError):
        store.prune(-1, T0)


# --------------------------------------------------------------------------- hostile strings
HOSTILE = [
    "m'; DROP TABLE executions; --",
    'quote " and \\ backslash',
    "ünïcödé ☃ 監視 🚀",
    "percent %s %(x)s and ? marks",
    "",
]


@pytest.mark.parametrize("name", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_names_and_reasons_are_stored_verbatim(store: Store, name: str) -> None:
    e = claim(store, 0, monitor=name, model=name)
    assert e is not None and e.monitor == name
    store.finish(e.id, "a", "Failed", name + " reason", name, 0, T0, {name: 1.5})
    got = store.executions(name, with_metrics=True)
    assert len(got) == 1 and (got[0].monitor, got[0].model, got[0].reason, got[0].output) == (
        name, name, name + " reason", name)
    assert got[0].metrics == {name: 1.5}
    assert store.metric_names(name) == [name]
    store.set_alert_state(name, name, "OK", "InsufficientData", T0, name, e.id)
    assert store.alert_history(name)[0]["reason"] == name
    store.add_audit(T0, name, name, name, "command", name, "OK", "ok", name, False)
    assert store.audit()[0]["detail"] == name
    assert store.executions("m") == []  # other names did not match
    assert store.counts()["executions"] == 1


# ---------------------------------------------------------------------------------- opening
def test_reopen_keeps_data_and_backend(target: str) -> None:
    with Store.open(target) as s:
        run(s, 0, metrics={"x": 1.0})
        backend = s.backend
    assert backend == ("postgresql" if target.startswith("postgresql") else "sqlite")
    with Store.open(target) as s:
        assert [e.status for e in s.executions()] == ["Completed"]
        assert s.metric_series("m", "x") == [(w(0)[1], 1.0)]
    with pytest.raises(InvalidInputError, match="closed"):
        s.executions()


def test_sqlite_creates_the_folder_and_uses_wal(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "store.db"
    with Store.open(path) as s:
        assert s.backend == "sqlite"
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
    idx = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"executions_monitor_end", "metrics_monitor_name_time"} <= idx
    conn.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    Store.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE schema_version SET version = 99")
    conn.commit()
    conn.close()
    with pytest.raises(InvalidInputError, match="schema version 99"):
        Store.open(path)


def test_sqlite_opening_errors(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="folder") as e1:
        Store.open(tmp_path)
    assert str(tmp_path) in str(e1.value)
    afile = tmp_path / "file"
    afile.write_text("x")
    with pytest.raises(InvalidInputError, match="cannot create its folder"):
        Store.open(afile / "sub" / "db.sqlite")
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(InvalidInputError, match="junk.db") as e3:
        Store.open(junk)
    assert "\n" not in str(e3.value)
    with pytest.raises(InvalidInputError):
        Store.open("")


def test_postgres_opening_errors_hide_the_password(tmp_path: Path) -> None:
    pytest.importorskip("psycopg")
    url = f"postgresql://bob:s3cretpw@/nodb?host={tmp_path}&port=1"
    with pytest.raises(InvalidInputError) as e:
        Store.open(url)
    msg = str(e.value)
    assert "s3cretpw" not in msg and "bob:***@" in msg and "\n" not in msg
    with pytest.raises(InvalidInputError, match="cannot open the store"):
        Store.open("postgres://u:pw@localhost:notaport/db")
    with pytest.raises(InvalidInputError, match="cannot open the store"):
        Store.open("postgresql://x/db?nosuchoption=1")


def test_redact_url() -> None:
    assert redact_url("postgresql://u:p@h:5/d?sslmode=x") == "postgresql://u:***@h:5/d?sslmode=x"
    assert redact_url("postgresql://h/d?user=u&password=p&x=1") == "postgresql://h/d?user=u&password=***&x=1"
    assert redact_url("postgresql://u@h/d") == "postgresql://u@h/d"
