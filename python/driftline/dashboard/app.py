"""The dashboard's Starlette application: four levels of pages over the execution store.

- ``/``: all models (per monitor type the status and its time, the last execution, violation
  counts, the infrastructure summary; missing or inactive monitors flagged); query parameters
  ``q`` (model name contains), ``status`` (InAlert, OK, Inactive, flagged), ``sort`` (model,
  status, last, violations), ``order`` (asc, desc), ``page``, ``per_page``;
- ``/models/{model}``: its monitors and schedules, alert states and history with the actions
  they started, infrastructure and business metrics over time;
- ``/monitors/{monitor}``: each metric over time, the feature-by-window drift heat map, the
  violations table, the alerts and their actions (``n``: how many recent windows, default 72);
- ``/executions/{id}``: the execution's report (the run folder the store recorded for it), and
  ``/executions/{id}/report.html``, the same report as a self-contained file.

Read-only: the store is opened read-only, every route answers GET (and HEAD) only, and the only
files read are the run files in output folders the store recorded and the configured baselines.
With a token, every request needs ``Authorization: Bearer TOKEN`` or the cookie set by visiting
any page once with ``?token=TOKEN``. Every request is logged (``driftline.dashboard.access``:
method, path, status, client; never the query string, which may hold the token).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from markupsafe import Markup
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from driftline.dashboard import svg
from driftline.dashboard._templates import CSP, css, environment
from driftline.dashboard.queries import INFRA_METRICS, MonitorSummary, monitor_summary, open_readonly
from driftline.errors import DriftlineError
from driftline.service._types import Execution
from driftline.service.config import Config, MonitorConfig
from driftline.service.store import Store

__all__ = ["MONITOR_KINDS", "create_app"]

ACCESS_LOG = logging.getLogger("driftline.dashboard.access")
COOKIE = "driftline_token"
# The four SageMaker monitor types, as the overview's columns: (config type, label).
MONITOR_KINDS: tuple[tuple[str, str], ...] = (("data-quality", "data quality"), ("model-quality", "model quality"),
                                              ("bias", "bias drift"), ("attribution", "attribution drift"))
_RANK = {"InAlert": 0, "Inactive": 1, "OK": 2, "None": 3}
_PER_PAGE = 50

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _abtest_row(store: Any, m: MonitorConfig) -> dict[str, Any]:
    """An A/B-test monitor's latest look: its execution and the decision its ``abtest.json`` holds
    (the fixed file name in the folder the store recorded; nothing from the request)."""
    last = store.last_executions(m.name, 1)
    row: dict[str, Any] = {"m": m, "execution": last[0] if last else None, "decision": None, "srm": None, "best": None}
    if last and last[0].output:
        try:
            doc = json.loads((Path(last[0].output) / "abtest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            doc = None
        if isinstance(doc, dict):
            decision = doc.get("decision") or {}
            row["decision"] = decision.get("decision")
            row["best"] = decision.get("best_variant")
            row["srm"] = (doc.get("srm") or {}).get("mismatch")
    return row


def _iso(t: datetime | None) -> str:
    if t is None:
        return ""
    return t.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


@dataclass
class _Status:
    state: str  # None, Inactive, OK, InAlert
    since: datetime | None
    monitors: list[str]


class _Data:
    """The configuration and the store, with the per-request queries."""

    def __init__(self, config: Config, store: Store) -> None:
        self.config = config
        self.store = store
        self.models: dict[str, list[MonitorConfig]] = {}
        for m in config.monitors:
            self.models.setdefault(m.model, []).append(m)
        self.by_name = {m.name: m for m in config.monitors}
        self._redactors: dict[str, Callable[[Any], str]] = {}

    def redact(self, m: MonitorConfig | None) -> Callable[[Any], str]:
        """For a monitor with sensitive columns: a function hiding their values known from its
        baseline's statistics in a text (execution reasons); otherwise str."""
        if m is None or not m.sensitive:
            return lambda x: "" if x is None else str(x)
        key = m.name
        if key not in self._redactors:
            from driftline._redact import redactor

            stats: Any = None
            p = m.baseline / "statistics.json" if m.baseline.is_dir() else m.baseline
            try:
                stats = json.loads(p.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                stats = None
            self._redactors[key] = redactor(m.sensitive, stats)
        return self._redactors[key]

    def monitor_status(self, m: MonitorConfig, summary: MonitorSummary, alerts: list[dict[str, Any]]) -> _Status:
        if summary.last_id is None or summary.last_status in ("Failed", "Stopped"):
            return _Status("Inactive", summary.last_end, [m.name])
        firing = [a for a in alerts if a["state"] == "InAlert"]
        if firing:
            return _Status("InAlert", min(datetime.fromisoformat(a["since"].replace("Z", "+00:00")) for a in firing), [m.name])
        ok = [a for a in alerts if a["state"] == "OK"]
        if ok:
            return _Status("OK", max(datetime.fromisoformat(a["since"].replace("Z", "+00:00")) for a in ok), [m.name])
        return _Status("OK", summary.last_end, [m.name])

    def overview_rows(self) -> list[dict[str, Any]]:
        alerts: dict[str, list[dict[str, Any]]] = {}
        for a in self.store.alert_states():
            alerts.setdefault(a["monitor"], []).append(a)
        rows = []
        for model, monitors in self.models.items():
            kinds: dict[str, _Status] = {}
            last: tuple[datetime, int, str, str] | None = None
            infra: dict[str, float] = {}
            violations = with_violations = recent = 0
            inactive: list[str] = []
            for m in monitors:
                s = monitor_summary(self.store, m.name)
                st = self.monitor_status(m, s, alerts.get(m.name, []))
                if st.state == "Inactive":
                    inactive.append(m.name)
                prev = kinds.get(m.type)
                if prev is None or _RANK[st.state] < _RANK[prev.state]:
                    kinds[m.type] = _Status(st.state, st.since, (prev.monitors if prev else []) + st.monitors)
                else:
                    prev.monitors.append(m.name)
                if s.last_end is not None and s.last_id is not None and (last is None or s.last_end > last[0]):
                    last = (s.last_end, s.last_id, s.last_status or "", m.name)
                    infra = s.infra
                violations += s.recent_violations
                with_violations += s.recent_with_violations
                recent += s.recent_executions
            cells: list[dict[str, Any]] = []
            for kind, label in MONITOR_KINDS:
                st = kinds.get(kind, _Status("None", None, []))
                cells.append({"kind": kind, "label": label, "state": st.state, "since": _iso(st.since), "monitors": st.monitors})
            missing = [label for kind, label in MONITOR_KINDS if kind not in kinds]
            worst = min((_RANK[c["state"]] for c in cells if c["state"] != "None"), default=_RANK["None"])
            rows.append({"model": model, "cells": cells, "worst": worst, "last": last, "last_time": _iso(last[0]) if last else "",
                         "violations": violations, "with_violations": with_violations, "recent": recent, "infra": infra,
                         "missing": missing, "inactive": inactive, "flagged": bool(missing or inactive)})
        return rows


def _int(request: Request, name: str, default: int, lo: int, hi: int) -> int:
    raw = request.query_params.get(name)
    try:
        v = int(raw) if raw is not None else default
    except ValueError:
        v = default
    return max(lo, min(hi, v))


def _page(template: str, **ctx: Any) -> HTMLResponse:
    html = environment().get_template(template).render(css=Markup(css()), **ctx)
    return HTMLResponse(html)


def _feature_of(metric: str) -> tuple[str, str]:
    """(group, feature) of a metric name: feature metrics are grouped by feature."""
    for prefix in ("feature_baseline_drift_", "feature_non_null_", "feature_data_"):
        if metric.startswith(prefix):
            return prefix.rstrip("_"), metric[len(prefix):]
    return "", metric


def create_app(config: Config, store: Store | None = None, *, token: str | None = None) -> Starlette:
    """The dashboard for ``config``'s store (opened read-only unless ``store`` is given)."""
    data = _Data(config, store if store is not None else open_readonly(config.store.target))

    def overview(request: Request) -> Response:
        rows = data.overview_rows()
        q = request.query_params.get("q", "").strip()
        status = request.query_params.get("status", "")
        if q:
            rows = [r for r in rows if q.lower() in r["model"].lower()]
        if status == "flagged":
            rows = [r for r in rows if r["flagged"]]
        elif status in _RANK:
            rows = [r for r in rows if any(c["state"] == status for c in r["cells"])]
        sort = request.query_params.get("sort", "status")
        if sort not in ("model", "status", "last", "violations"):
            sort = "status"
        order = request.query_params.get("order", "desc" if sort in ("last", "violations") else "asc")
        if order not in ("asc", "desc"):
            order = "asc"
        keys: dict[str, Callable[[dict[str, Any]], Any]] = {
            "model": lambda r: r["model"], "status": lambda r: (r["worst"], r["model"]),
            "last": lambda r: (r["last"][0].timestamp() if r["last"] else -math.inf, r["model"]),
            "violations": lambda r: (r["violations"], r["model"])}
        rows.sort(key=keys[sort], reverse=order == "desc")
        per_page = _int(request, "per_page", _PER_PAGE, 1, 500)
        pages = max(1, math.ceil(len(rows) / per_page))
        page = _int(request, "page", 1, 1, pages)
        shown = rows[(page - 1) * per_page: page * per_page]
        base = {"q": q, "status": status, "sort": sort, "order": order, "per_page": per_page}

        def link(**changes: Any) -> str:
            params = {**base, **changes}
            return "?" + urlencode({k: v for k, v in params.items() if v not in ("", None)})

        sort_links = {k: link(sort=k, order="desc" if sort == k and order == "asc" else "asc", page=1)
                      for k in ("model", "status", "last", "violations")}
        return _page("overview.html", title="All models", rows=shown, total=len(rows), page=page, pages=pages,
                     prev=link(page=page - 1) if page > 1 else None, next=link(page=page + 1) if page < pages else None,
                     sort_links=sort_links, q=q, status=status, sort=sort, order=order, per_page=per_page, kinds=MONITOR_KINDS,
                     infra_names=INFRA_METRICS, monitors=len(config.monitors))

    def model_page(request: Request) -> Response:
        model = request.path_params["model"]
        monitors = data.models.get(model)
        if monitors is None:
            raise HTTPException(404, "no such model")
        names = {m.name for m in monitors}
        states = [a for a in data.store.alert_states() if a["monitor"] in names]
        history = sorted((h for m in monitors for h in data.store.alert_history(m.name, limit=100)),
                         key=lambda h: h["at"], reverse=True)
        audit = [a for a in data.store.audit(limit=1000) if a["monitor"] in names][:200]
        charts = []
        for m in monitors:
            for name in data.store.metric_names(m.name):
                if name.startswith("feature_"):
                    continue
                series = list(reversed(data.store.metric_series(m.name, name, limit=168)))
                charts.append({"monitor": m.name, "name": name, "last": series[-1][1] if series else None,
                               "chart": svg.line([(_iso(t), v) for t, v in series], width=420, height=90, title=name)})
        rows = []
        for m in monitors:
            s = monitor_summary(data.store, m.name)
            st = data.monitor_status(m, s, [a for a in states if a["monitor"] == m.name])
            rows.append({"m": m, "summary": s, "status": st.state, "since": _iso(st.since), "last_time": _iso(s.last_end)})
        abtests = [_abtest_row(data.store, m) for m in monitors if m.type == "abtest"]
        return _page("model.html", title=f"Model {model}", model=model, monitors=rows, states=states, history=history,
                     audit=audit, charts=charts, abtests=abtests)

    def monitor_page(request: Request) -> Response:
        name = request.path_params["monitor"]
        m = data.by_name.get(name)
        if m is None:
            raise HTTPException(404, "no such monitor")
        n = _int(request, "n", 72, 1, 2000)
        execs = list(reversed(data.store.executions(name, limit=n, with_metrics=True)))
        metric_names = sorted({k for e in execs for k in e.metrics})
        groups: dict[str, list[dict[str, Any]]] = {}
        for metric in metric_names:
            group, feature = _feature_of(metric)
            pts = [(_iso(e.window_start), e.metrics[metric]) for e in execs if metric in e.metrics]
            groups.setdefault(feature if group else "", []).append(
                {"name": metric, "chart": svg.line(pts, width=360, height=90, title=metric), "last": pts[-1][1] if pts else None})
        drift_features = [metric[len("feature_baseline_drift_"):] for metric in metric_names if metric.startswith("feature_baseline_drift_")]
        heat = None
        if drift_features and execs:
            columns = [(_iso(e.window_start), f"/executions/{e.id}") for e in execs]
            values = [[e.metrics.get("feature_baseline_drift_" + f) for e in execs] for f in drift_features]
            heat = svg.heatmap(drift_features, columns, values)
        violations = [e for e in reversed(execs) if e.violations > 0 or e.status == "Failed"]
        redact = data.redact(m)
        reasons = {e.id: redact(e.reason) for e in execs}
        history = data.store.alert_history(name, limit=200)
        audit = [a for a in data.store.audit(limit=2000) if a["monitor"] == name][:200]
        by_id = {e.id: e for e in execs}
        for h in history:
            eid = h["execution_id"]
            e = by_id.get(eid) if eid is not None else None
            if e is None and eid is not None:
                e = data.store.get(eid)
            h["window"] = _iso(e.window_start) if e else ""
        return _page("monitor.html", title=f"Monitor {name}", m=m, model=m.model, n=n, execs=list(reversed(execs)),
                     features=sorted((k, v) for k, v in groups.items() if k), other=groups.get("", []), heat=heat,
                     violations=violations, history=history, audit=audit, states=data.store.alert_states(name), iso=_iso,
                     reasons=reasons)

    def _execution(request: Request) -> tuple[Execution, MonitorConfig | None, Path | None]:
        eid = request.path_params["eid"]
        e = data.store.get(eid, with_metrics=True)
        if e is None:
            raise HTTPException(404, "no such execution")
        m = data.by_name.get(e.monitor)
        # The only folder read: the one the store recorded for this execution.
        folder = Path(e.output) if e.output else None
        if folder is not None and not (folder / "monitoring_run.json").is_file():
            folder = None
        return e, m, folder

    def _report_kwargs(m: MonitorConfig | None) -> dict[str, Any]:
        if m is None:
            return {"baseline": None, "sensitive": ()}
        return {"baseline": m.baseline, "sensitive": m.sensitive}

    def execution_page(request: Request) -> Response:
        from driftline.report import build_report, render_report_body

        e, m, folder = _execution(request)
        body: Markup | None = None
        error = ""
        redact = data.redact(m)
        if folder is not None:
            try:
                ctx = build_report(folder, **_report_kwargs(m))
                redact = ctx["redact"]
                body = render_report_body(ctx)
            except DriftlineError as err:
                error = redact(str(err))
        return _page("execution.html", title=f"Execution {e.id}", e=e, m=m, model=e.model, body=body, error=error, iso=_iso,
                     has_report=folder is not None, reason=redact(e.reason))

    def execution_report(request: Request) -> Response:
        from driftline.report import render_report

        e, m, folder = _execution(request)
        if folder is None:
            raise HTTPException(404, "this execution has no run folder")
        html = render_report(folder, title=f"driftline report: {e.monitor} {_iso(e.window_start)}", **_report_kwargs(m))
        return HTMLResponse(html, headers={"Content-Disposition": f'attachment; filename="report-{e.id}.html"'})

    async def not_found(request: Request, exc: Exception) -> Response:
        code = exc.status_code if isinstance(exc, HTTPException) else 500
        detail = exc.detail if isinstance(exc, HTTPException) else "error"
        html = environment().get_template("error.html").render(css=Markup(css()), title=str(code), code=code, detail=detail)
        return HTMLResponse(html, status_code=code)

    routes = [
        Route("/", overview, methods=["GET"]),
        Route("/models/{model:path}", model_page, methods=["GET"]),
        Route("/monitors/{monitor:path}", monitor_page, methods=["GET"]),
        Route("/executions/{eid:int}", execution_page, methods=["GET"]),
        Route("/executions/{eid:int}/report.html", execution_report, methods=["GET"]),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: not_found},
                    middleware=[Middleware(_Guard, token=token)])
    app.state.store = data.store
    return app


def _cookie_value(token: str) -> str:
    return hmac.new(token.encode("utf-8"), b"driftline-dashboard-cookie", hashlib.sha256).hexdigest()


_HEADERS = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"), (b"x-frame-options", b"DENY"), (b"cache-control", b"no-store")]


class _Guard:
    """ASGI middleware: GET/HEAD only, the token, security headers, the access log."""

    def __init__(self, app: ASGIApp, token: str | None = None) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)  # lifespan
            return
        status = {"code": 0}

        async def send_wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = int(message["status"])
                headers = [h for h in message.get("headers", []) if h[0].lower() not in {k for k, _ in _HEADERS}]
                message["headers"] = headers + _HEADERS
            await send(message)

        try:
            if scope["method"] not in ("GET", "HEAD"):
                await _plain(send_wrapped, 405, "read-only: GET only", [(b"allow", b"GET, HEAD")])
            elif self.token is not None and not self._authorized(scope):
                redirect = self._token_redirect(scope)
                if redirect is not None:
                    await _plain(send_wrapped, 303, "", redirect)
                else:
                    await _plain(send_wrapped, 401, "a token is needed: Authorization: Bearer TOKEN or ?token=TOKEN",
                                 [(b"www-authenticate", b"Bearer")])
            else:
                await self.app(scope, receive, send_wrapped)
        finally:
            client = scope.get("client")
            who = f"{client[0]}:{client[1]}" if client else "-"
            ACCESS_LOG.info("%s %s %s %s", scope["method"], scope.get("path", ""), status["code"] or 500, who)

    def _authorized(self, scope: Scope) -> bool:
        assert self.token is not None
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer ") and hmac.compare_digest(auth[7:].strip().encode(), self.token.encode()):
            return True
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:
            return False
        got = cookie.get(COOKIE)
        return got is not None and hmac.compare_digest(got.value.encode(), _cookie_value(self.token).encode())

    def _token_redirect(self, scope: Scope) -> list[tuple[bytes, bytes]] | None:
        """``?token=`` right: a redirect to the same page without it, setting the cookie."""
        assert self.token is not None
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        given = [v for k, v in query if k == "token"]
        if not given or not hmac.compare_digest(given[0].encode(), self.token.encode()):
            return None
        rest = urlencode([(k, v) for k, v in query if k != "token"])
        location = quote(scope.get("root_path", "") + scope.get("path", "/")) + (f"?{rest}" if rest else "")
        cookie = f"{COOKIE}={_cookie_value(self.token)}; HttpOnly; SameSite=Strict; Path=/"
        return [(b"location", location.encode("latin-1", "replace")), (b"set-cookie", cookie.encode())]


async def _plain(send: Send, code: int, text: str, headers: list[tuple[bytes, bytes]]) -> None:
    body = text.encode("utf-8")
    await send({"type": "http.response.start", "status": code,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()), *headers]})
    await send({"type": "http.response.body", "body": body})
