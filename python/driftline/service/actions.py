"""Automated actions run when an alert changes state: webhooks, commands and retrain commands.

:func:`plan` turns an :class:`~driftline.service._types.Action` and an
:class:`~driftline.service._types.AlertEvent` into what would run (a :class:`Planned`, pure, no
I/O); a :class:`Dispatcher` runs it on a background thread pool and hands the outcome to an
audit callback. Nothing here goes through a shell: a command is an argument list given to
``subprocess.run`` as a list, and placeholders are substituted inside each argument, so a value
(a monitor name, a reason) reaches the command as (part of) one literal argument, whatever
characters it holds.

Placeholders: ``{monitor} {model} {alert} {window_start} {window_end} {state} {reason}
{output}``, plus ``{previous}`` (the state before the change). Substitution is one pass of a
regular expression over ``{name}`` with ``name`` a word: known names are replaced, unknown ones
(``{foo}``) and anything else with braces (``{monitor.__class__}``, ``{0}``, JSON text) are left
exactly as written; there are no escapes (``{{`` stays ``{{``), and a substituted value is never
substituted again. Times are ISO-8601 UTC with ``Z``; a missing window is the empty string. A
webhook's ``url`` is used as written (no placeholders).
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import subprocess
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from driftline.service._types import Action, ActionKind, AlertEvent

__all__ = ["BACKOFF_CAP", "STDERR_TAIL", "Dispatcher", "Planned", "applies", "plan", "substitute"]

log = logging.getLogger(__name__)

#: Longest wait between two tries of a webhook, in seconds.
BACKOFF_CAP = 60.0
#: How much of a command's stderr (its end, in bytes) goes into the audit record.
STDERR_TAIL = 2048
_RESPONSE_LIMIT = 64 * 1024
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Planned:
    """What an action would do for an event.

    ``target``: the URL of a webhook, or the argument list of a command (placeholders
    substituted). ``env``: the ``DRIFTLINE_*`` variables added to the command's environment
    (empty for a webhook). ``payload``: the JSON body of a webhook (``event.to_json()`` plus
    ``"action"``); for a command the same values, for the record.
    """

    kind: ActionKind
    target: str | tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)
    payload: Mapping[str, Any] = field(default_factory=dict)

    @property
    def display(self) -> str:
        """The target for people: the URL, or the arguments joined with spaces."""
        return self.target if isinstance(self.target, str) else " ".join(self.target)


def _iso(x: datetime | None) -> str:
    return x.isoformat().replace("+00:00", "Z") if x else ""


def _values(event: AlertEvent) -> dict[str, str]:
    return {"monitor": event.monitor, "model": event.model, "alert": event.alert,
            "window_start": _iso(event.window_start), "window_end": _iso(event.window_end),
            "state": event.state, "previous": event.previous, "reason": event.reason,
            "output": event.output}


def substitute(text: str, values: Mapping[str, str]) -> str:
    """``text`` with each ``{name}`` whose name is in ``values`` replaced, in one pass; every
    other brace left as it is. No attribute or index access, no format specs, no escapes."""
    def one(m: re.Match[str]) -> str:
        return values.get(m.group(1), m.group(0))

    return _PLACEHOLDER.sub(one, text)


def applies(action: Action, event: AlertEvent) -> bool:
    """Whether ``action`` is meant for ``event``: the new state is in ``action.on`` and the alert
    is in ``action.alerts`` (an empty ``alerts``: every alert of the monitor). The dispatcher does
    not filter; its caller does, with this."""
    return event.state in action.on and (not action.alerts or event.alert in action.alerts)


def plan(action: Action, event: AlertEvent) -> Planned:
    """What ``action`` does for ``event`` (no I/O). Raises ``ValueError`` for a webhook without
    ``url`` or a command without arguments."""
    values = _values(event)
    payload: dict[str, Any] = event.to_json() | {"action": action.name}
    if action.kind == "webhook":
        if not action.url:
            raise ValueError(f"action {action.name!r}: a webhook needs a url")
        return Planned(kind="webhook", target=action.url, env={}, payload=payload)
    if action.kind not in ("command", "retrain"):
        raise ValueError(f"action {action.name!r}: unknown kind {action.kind!r}")
    if not action.command:
        raise ValueError(f"action {action.name!r}: a {action.kind} action needs a command")
    argv = tuple(substitute(str(a), values) for a in action.command)
    env = {f"DRIFTLINE_{k.upper()}": v for k, v in values.items() if k != "previous"}
    if action.kind == "retrain":
        env["DRIFTLINE_RETRAIN"] = "1"
    return Planned(kind=action.kind, target=argv, env=env, payload=payload)


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _tail(data: bytes | str | None) -> str:
    if not data:
        return ""
    raw = data.encode("utf-8", "replace") if isinstance(data, str) else data
    return raw[-STDERR_TAIL:].decode("utf-8", "replace").strip()


def _is_timeout(exc: BaseException) -> bool:
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return True
    return isinstance(exc, urllib.error.URLError) and isinstance(exc.reason, (TimeoutError, socket.timeout))


def _describe(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code}"
    if _is_timeout(exc):
        return "timed out"
    if isinstance(exc, urllib.error.URLError):
        return _short(str(exc.reason), 150)
    return _short(f"{type(exc).__name__}: {exc}", 150)


class Dispatcher:
    """Runs actions in the background and audits each outcome once.

    ``audit`` receives one dict per dispatched action, with keys ``at`` (tz-aware UTC
    ``datetime``), ``monitor``, ``alert``, ``action`` (its name), ``kind``, ``target`` (the URL,
    or the arguments joined with spaces), ``state``, ``outcome`` (``"ok"``, ``"failed"``,
    ``"timeout"`` or ``"dry-run"``), ``detail`` (short text: HTTP status and tries, exit code
    and the end of stderr, ...) and ``dry_run``. ``audit`` is called from worker threads.

    With ``dry_run`` nothing runs or is sent; the audit record says what would have.
    ``dispatch`` never blocks and never raises: the work, including :func:`plan`, runs on a pool
    of ``max_workers`` threads, and any exception (in the action or in ``audit``) is logged.
    """

    def __init__(self, audit: Callable[[dict[str, Any]], None], dry_run: bool = False,
                 max_workers: int = 4) -> None:
        self._audit = audit
        self.dry_run = dry_run
        self._pool = ThreadPoolExecutor(max_workers=max(1, max_workers), thread_name_prefix="driftline-action")
        self._lock = threading.Lock()
        self._pending: set[Future[None]] = set()
        self._closed = False
        self._stop = threading.Event()

    def __enter__(self) -> Dispatcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def dispatch(self, action: Action, event: AlertEvent) -> None:
        """Start ``action`` for ``event`` in the background; returns at once."""
        try:
            with self._lock:
                if self._closed:
                    log.warning("dispatcher closed: action %r for %s/%s not run", action.name,
                                event.monitor, event.alert)
                    return
                fut = self._pool.submit(self._run, action, event)
                self._pending.add(fut)
            fut.add_done_callback(self._done)
        except Exception:
            log.exception("could not dispatch action %r", action.name)

    def _done(self, fut: Future[None]) -> None:
        with self._lock:
            self._pending.discard(fut)

    def close(self, wait: bool = True, timeout: float | None = None) -> bool:
        """Accept no more actions. With ``wait``, wait (up to ``timeout`` seconds, None: for
        ever) for the dispatched ones to finish; if some are still running then, webhooks stop
        retrying (a command still runs to its own timeout). Returns whether all had finished."""
        with self._lock:
            self._closed = True
            pending = set(self._pending)
        self._pool.shutdown(wait=False)
        if not wait:
            return not pending
        _, not_done = wait_futures(pending, timeout=timeout)
        if not_done:
            self._stop.set()
            return False
        return True

    # -- the work, on a worker thread ------------------------------------------------------------

    def _run(self, action: Action, event: AlertEvent) -> None:
        kind: str = action.kind
        target = action.url or " ".join(action.command)
        try:
            planned = plan(action, event)
            kind, target = planned.kind, planned.display
            if self.dry_run:
                verb = "would POST to" if planned.kind == "webhook" else "would run:"
                outcome, detail = "dry-run", f"{verb} {planned.display}"
            elif planned.kind == "webhook":
                outcome, detail = self._webhook(action, planned)
            else:
                outcome, detail = self._command(action, planned)
        except Exception as exc:
            log.exception("action %r for %s/%s failed", action.name, event.monitor, event.alert)
            outcome, detail = "failed", _short(f"{type(exc).__name__}: {exc}")
        record: dict[str, Any] = {
            "at": datetime.now(timezone.utc), "monitor": event.monitor, "alert": event.alert,
            "action": action.name, "kind": kind, "target": target, "state": event.state,
            "outcome": outcome, "detail": detail, "dry_run": self.dry_run,
        }
        try:
            self._audit(record)
        except Exception:
            log.exception("audit of action %r for %s/%s failed", action.name, event.monitor, event.alert)

    def _webhook(self, action: Action, planned: Planned) -> tuple[str, str]:
        assert isinstance(planned.target, str)
        body = json.dumps(dict(planned.payload)).encode("utf-8")
        tries = 1 + max(0, action.retries)
        last: BaseException | None = None
        attempt = 0
        for attempt in range(1, tries + 1):
            if attempt > 1:
                delay = min(BACKOFF_CAP, max(0.0, action.backoff) * 2 ** (attempt - 2))
                if self._stop.wait(delay):
                    break
            req = urllib.request.Request(planned.target, data=body, method="POST", headers={
                "Content-Type": "application/json", "User-Agent": "driftline"})
            try:
                with urllib.request.urlopen(req, timeout=action.timeout) as resp:
                    status = int(resp.status)
                    resp.read(_RESPONSE_LIMIT)
                if status < 400:  # urllib raises HTTPError for >= 400; kept as a guard
                    return "ok", f"HTTP {status} after {_plural_tries(attempt)}"
                last = RuntimeError(f"HTTP {status}")
            except Exception as exc:
                last = exc
                log.info("webhook %r try %d/%d: %s", action.name, attempt, tries, _describe(exc))
        stopped = " (dispatcher closed)" if self._stop.is_set() and attempt < tries else ""
        outcome = "timeout" if last is not None and _is_timeout(last) else "failed"
        what = _describe(last) if last is not None else "not tried"
        return outcome, f"{what} after {_plural_tries(attempt)}{stopped}"

    def _command(self, action: Action, planned: Planned) -> tuple[str, str]:
        assert isinstance(planned.target, tuple)
        argv = list(planned.target)
        try:
            proc = subprocess.run(argv, env=os.environ | dict(planned.env), timeout=action.timeout,
                                  capture_output=True, stdin=subprocess.DEVNULL, check=False)
        except subprocess.TimeoutExpired as exc:
            err = _tail(exc.stderr)
            return "timeout", f"timed out after {action.timeout:g} s" + (f"; stderr: {err}" if err else "")
        except FileNotFoundError:
            return "failed", f"not found: {argv[0]}"
        except PermissionError:
            return "failed", f"not executable: {argv[0]}"
        err = _tail(proc.stderr)
        code = proc.returncode
        what = f"exit {code}" if code >= 0 else f"killed by signal {-code}"
        return ("ok" if code == 0 else "failed"), what + (f"; stderr: {err}" if err else "")


def _plural_tries(k: int) -> str:
    return "1 attempt" if k == 1 else f"{k} attempts"

