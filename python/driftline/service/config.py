"""The monitoring service's configuration: one TOML file.

```toml
[store]
path = "driftline.db"            # embedded SQLite (default); or url = "postgresql://..."
keep_days = 90                   # optional: prune executions, metrics and history older than this
remove_outputs = false           # with keep_days: also delete the pruned executions' output folders

[[monitors]]
name = "credit-data-quality"
model = "credit-risk"
type = "data-quality"            # data-quality | model-quality | bias | attribution | abtest
baseline = "baseline/"
data = "capture/credit-risk/"    # ground_truth = "..." for model quality (and bias)
# bias and attribution monitors also name Clarify's analysis configuration:
# analysis_config = "analysis_config.json"
schedule = "hourly"              # hourly | daily | "every 6 hours" | cron | SageMaker's cron(...)
start = "2026-11-01T00:00Z"
start_offset = "-PT1H"
end_offset = "PT0H"
out = "runs/{monitor}/{window_start}"
sensitive = ["diagnosis"]         # optional: columns whose raw values reports and the dashboard never show

[monitors.options]               # keyword arguments of the monitor (run_monitor / run_model_quality_monitor)
on_bad_record = "skip"

[[monitors.alerts]]
name = "violations"
datapoints_to_alert = 2
evaluation_period = 3

[[monitors.actions]]
kind = "webhook"
url = "http://127.0.0.1:9000/hook"
```

Relative paths are relative to the config file's folder. Every error names the file, the line
and the field: ``monitors.toml:14: monitors[2] ("credit-dq").schedule: ...``.
"""

from __future__ import annotations

import inspect
import math
import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from driftline.errors import InvalidInputError
from driftline.service._types import ACTION_KINDS, ALERT_STATES, Action, Alert
from driftline.service.schedules import Schedule, parse_offset, parse_schedule
from driftline.service.traffic import EventsConfig, parse_stats

__all__ = ["MONITOR_TYPES", "Config", "ConfigError", "MonitorConfig", "StoreConfig", "load_config"]

MONITOR_TYPES = ("data-quality", "model-quality", "bias", "attribution", "abtest")
_OUT_FIELDS = ("monitor", "model", "window_start", "window_end", "scheduled_time")


class ConfigError(InvalidInputError):
    """A configuration file that cannot be used; the message names the file, line and field."""


@dataclass(frozen=True)
class StoreConfig:
    target: str  # a SQLite file path or a postgresql:// URL
    keep_days: float | None = None
    remove_outputs: bool = False


@dataclass(frozen=True)
class MonitorConfig:
    name: str
    model: str
    type: str
    baseline: Path
    data: Path
    schedule: Schedule
    start: datetime
    start_offset: timedelta
    end_offset: timedelta
    start_offset_text: str
    end_offset_text: str
    out: str  # template, see out_folder
    ground_truth: Path | None = None
    analysis_config: Path | None = None  # Clarify's analysis configuration (bias, attribution)
    options: dict[str, Any] = field(default_factory=dict)
    alerts: tuple[Alert, ...] = ()
    actions: tuple[Action, ...] = ()
    events: EventsConfig | None = None
    base_dir: Path = Path(".")
    sensitive: tuple[str, ...] = ()  # columns whose raw values never show (reports, dashboard)

    def window(self, scheduled: datetime) -> tuple[datetime, datetime]:
        """The analysis window of the execution scheduled at ``scheduled`` (SageMaker's offsets)."""
        return scheduled + self.start_offset, scheduled + self.end_offset

    def out_folder(self, scheduled: datetime) -> Path:
        """The execution's output folder: the ``out`` template with ``{monitor}``, ``{model}``,
        ``{window_start}``, ``{window_end}``, ``{scheduled_time}`` (times as ``2026-11-01T00-00-00Z``,
        safe in file names) filled in, relative to the config file's folder."""
        start, end = self.window(scheduled)
        values = {"monitor": _safe(self.name), "model": _safe(self.model), "window_start": _stamp(start),
                  "window_end": _stamp(end), "scheduled_time": _stamp(scheduled)}
        text = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], self.out)
        return self.base_dir / text


@dataclass(frozen=True)
class Config:
    path: Path
    store: StoreConfig
    monitors: tuple[MonitorConfig, ...]

    def monitor(self, name: str) -> MonitorConfig:
        for m in self.monitors:
            if m.name == name:
                return m
        raise ConfigError(f"{self.path}: no monitor named {name!r} (the file has: {', '.join(m.name for m in self.monitors)})")


def _stamp(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H-%M-%SZ")


def _safe(name: str) -> str:
    """A name as one path component: separators and control characters replaced."""
    return re.sub(r"[/\\\x00-\x1f]", "_", name).replace("..", "_") or "_"


# -- locating fields in the text ------------------------------------------------------------------


class _Lines:
    """Line numbers of tables and keys, found by scanning the TOML text (tomllib keeps none):
    ``(table path, index within its array, key) -> line``."""

    def __init__(self, text: str) -> None:
        self.where: dict[tuple[str, int, int, str], int] = {}
        self.tables: dict[tuple[str, int, int], int] = {}
        counts: dict[str, int] = {}
        ctx = ("", -1, -1)
        monitor = -1
        for no, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            m = re.match(r"^\[\[\s*([\w.]+)\s*\]\]", line) or re.match(r"^\[\s*([\w.]+)\s*\]", line)
            if m:
                name = m.group(1)
                if name == "monitors":
                    monitor += 1
                    counts = {}
                    ctx = ("monitors", monitor, -1)
                elif name.startswith("monitors."):
                    sub = name.split(".", 1)[1]
                    if line.startswith("[["):
                        counts[sub] = counts.get(sub, -1) + 1
                    ctx = (f"monitors.{sub}", monitor, counts.get(sub, 0))
                else:
                    ctx = (name, -1, -1)
                self.tables.setdefault(ctx, no)
                continue
            k = re.match(r"^([A-Za-z0-9_-]+|\"[^\"]*\")\s*=", line)
            if k:
                self.where.setdefault((*ctx, k.group(1).strip('"')), no)

    def line(self, table: str, monitor: int, index: int, key: str | None) -> int | None:
        if key is not None and (table, monitor, index, key) in self.where:
            return self.where[(table, monitor, index, key)]
        return self.tables.get((table, monitor, index))


class _Reader:
    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = _Lines(text)

    def error(self, where: tuple[str, int, int], label: str, key: str | None, message: str) -> ConfigError:
        line = self.lines.line(*where, key)
        at = f"{self.path}:{line}" if line else f"{self.path}"
        field_name = f"{label}.{key}" if key else label
        return ConfigError(f"{at}: {field_name}: {message}")


def _get(r: _Reader, table: dict[str, Any], where: tuple[str, int, int], label: str, key: str, kind: type | tuple[type, ...],
         *, required: bool = False, default: Any = None) -> Any:
    if key not in table:
        if required:
            raise r.error(where, label, None, f"the field {key!r} is required")
        return default
    value = table[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        ok = False
    else:
        ok = isinstance(value, kinds)
    if not ok:
        names = " or ".join({str: "a string", int: "a whole number", float: "a number", bool: "true or false", list: "a list",
                             dict: "a table"}[k] for k in kinds)
        raise r.error(where, label, key, f"must be {names}, got {value!r}")
    return value


def _unknown(r: _Reader, table: dict[str, Any], allowed: set[str], where: tuple[str, int, int], label: str) -> None:
    for key in table:
        if key not in allowed:
            raise r.error(where, label, key, f"unknown field (known: {', '.join(sorted(allowed))})")


def _time(r: _Reader, value: Any, where: tuple[str, int, int], label: str, key: str) -> datetime:
    from driftline.io import to_utc

    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise r.error(where, label, key, f"{value.isoformat()} has no time zone: write it with Z or an offset")
        return value.astimezone(timezone.utc)
    try:
        t = to_utc(str(value), key)
    except Exception as e:
        raise r.error(where, label, key, str(e)) from None
    assert t is not None
    return t


def load_config(path: str | Path) -> Config:
    """Read and validate a configuration file. Raises :class:`ConfigError` naming the file, line
    and field of the first problem."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{p}: no such configuration file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{p}: cannot be read: {e}") from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"line (\d+)", str(e))
        raise ConfigError(f"{p}:{m.group(1) if m else '?'}: not valid TOML: {e}") from None
    r = _Reader(p, text)
    base_dir = p.resolve().parent
    _unknown(r, doc, {"store", "monitors"}, ("", -1, -1), "(top level)")
    store = _store(r, doc.get("store", {}), base_dir)
    raw_monitors = doc.get("monitors")
    if not isinstance(raw_monitors, list) or not raw_monitors:
        raise r.error(("", -1, -1), "monitors", None, "the file describes no monitor: add a [[monitors]] table")
    monitors: list[MonitorConfig] = []
    seen: dict[str, int] = {}
    for i, table in enumerate(raw_monitors):
        mc = _monitor(r, table, i, base_dir)
        if mc.name in seen:
            raise r.error(("monitors", i, -1), f"monitors[{i + 1}]", "name", f"{mc.name!r} is also the name of monitors[{seen[mc.name] + 1}]")
        seen[mc.name] = i
        monitors.append(mc)
    return Config(p, store, tuple(monitors))


def _store(r: _Reader, table: Any, base_dir: Path) -> StoreConfig:
    where = ("store", -1, -1)
    if not isinstance(table, dict):
        raise r.error(where, "store", None, "must be a table ([store])")
    _unknown(r, table, {"path", "url", "keep_days", "remove_outputs"}, where, "store")
    path = _get(r, table, where, "store", "path", str)
    url = _get(r, table, where, "store", "url", str)
    if path is not None and url is not None:
        raise r.error(where, "store", "url", "give either path (SQLite) or url (PostgreSQL), not both")
    if url is not None and not re.match(r"^postgres(ql)?://", url):
        raise r.error(where, "store", "url", f"must be a postgresql:// URL, got {url!r} (a SQLite file is given as path)")
    target = url if url is not None else str(base_dir / (path or "driftline.db"))
    keep = _get(r, table, where, "store", "keep_days", (int, float))
    if keep is not None and not (math.isfinite(keep) and keep > 0):
        raise r.error(where, "store", "keep_days", f"must be a positive number of days, got {keep!r}")
    remove = _get(r, table, where, "store", "remove_outputs", bool, default=False)
    return StoreConfig(target, None if keep is None else float(keep), remove)


_MONITOR_FIELDS = {"name", "model", "type", "baseline", "data", "ground_truth", "schedule", "start", "start_offset", "end_offset",
                   "out", "options", "alerts", "actions", "events", "analysis_config", "sensitive"}


def _monitor(r: _Reader, table: Any, i: int, base_dir: Path) -> MonitorConfig:
    where = ("monitors", i, -1)
    label = f"monitors[{i + 1}]"
    if not isinstance(table, dict):
        raise r.error(where, label, None, "must be a table")
    name = _get(r, table, where, label, "name", str, required=True)
    if not name.strip():
        raise r.error(where, label, "name", "must not be empty")
    label = f"monitors[{i + 1}] ({name!r})"
    _unknown(r, table, _MONITOR_FIELDS, where, label)
    kind = _get(r, table, where, label, "type", str, required=True)
    if kind not in MONITOR_TYPES:
        raise r.error(where, label, "type", f"unknown monitor type {kind!r} (available: {', '.join(MONITOR_TYPES)})")
    model = _get(r, table, where, label, "model", str, default=name)
    # an A/B test compares its variants with each other: it has no baseline
    baseline = base_dir / _get(r, table, where, label, "baseline", str, required=kind != "abtest", default="")
    data = base_dir / _get(r, table, where, label, "data", str, required=True)
    gt = _get(r, table, where, label, "ground_truth", str)
    if kind == "model-quality" and gt is None:
        raise r.error(where, label, None, "a model-quality monitor needs ground_truth (the labels' folder or table)")
    if kind not in ("model-quality", "bias", "abtest") and gt is not None:
        raise r.error(where, label, "ground_truth", f"only model-quality, bias and abtest monitors read ground truth (this one is {kind})")
    analysis = _get(r, table, where, label, "analysis_config", str)
    if kind in ("bias", "attribution") and analysis is None:
        raise r.error(where, label, None, f"a {kind} monitor needs analysis_config (Clarify's analysis configuration JSON)")
    if kind not in ("bias", "attribution") and analysis is not None:
        raise r.error(where, label, "analysis_config", f"only bias and attribution monitors read an analysis configuration (this one is {kind})")
    try:
        schedule = parse_schedule(_get(r, table, where, label, "schedule", str, required=True))
    except ValueError as e:
        raise r.error(where, label, "schedule", str(e)) from None
    start = _time(r, _get(r, table, where, label, "start", (str, datetime), required=True), where, label, "start")
    offsets = {}
    for key, default in (("start_offset", schedule.default_start_offset), ("end_offset", "PT0H")):
        text = _get(r, table, where, label, key, str, default=default)
        try:
            offsets[key] = (parse_offset(text), text)
        except ValueError as e:
            raise r.error(where, label, key, str(e)) from None
    if offsets["start_offset"][0] >= offsets["end_offset"][0]:
        raise r.error(where, label, "end_offset", f"the window [{offsets['start_offset'][1]}, {offsets['end_offset'][1]}) is empty: "
                      "end_offset must be after start_offset")
    out = _get(r, table, where, label, "out", str, default="runs/{monitor}/{window_start}")
    for m in re.finditer(r"\{([^}]*)\}", out):
        if m.group(1) not in _OUT_FIELDS:
            raise r.error(where, label, "out", f"unknown placeholder {{{m.group(1)}}} (available: "
                          f"{', '.join('{' + f + '}' for f in _OUT_FIELDS)})")
    if "{window_start}" not in out and "{scheduled_time}" not in out:
        raise r.error(where, label, "out", "must contain {window_start} or {scheduled_time}: each execution needs its own folder")
    options = _get(r, table, where, label, "options", dict, default={})
    _check_options(r, kind, options, i, label)
    # options that name files are relative to the configuration file, like its other paths
    options = {k: str(base_dir / v) if k in _PATH_OPTIONS and isinstance(v, str) and v else v for k, v in options.items()}
    alerts = tuple(_alert(r, a, i, j, label) for j, a in enumerate(_get(r, table, where, label, "alerts", list, default=[])))
    names = [a.name for a in alerts]
    if len(set(names)) != len(names):
        raise r.error(("monitors.alerts", i, 0), f"{label}.alerts", "name", "two alerts of this monitor have the same name")
    actions = tuple(_action(r, a, i, j, label, set(names)) for j, a in enumerate(_get(r, table, where, label, "actions", list, default=[])))
    events = _events(r, _get(r, table, where, label, "events", dict), i, label, base_dir)
    sensitive = _get(r, table, where, label, "sensitive", list, default=[])
    if not all(isinstance(c, str) and c for c in sensitive):
        raise r.error(where, label, "sensitive", f"must be a list of column names (strings), got {sensitive!r}")
    return MonitorConfig(name=name, model=model, type=kind, baseline=baseline, data=data, schedule=schedule, start=start,
                         start_offset=offsets["start_offset"][0], end_offset=offsets["end_offset"][0],
                         start_offset_text=offsets["start_offset"][1], end_offset_text=offsets["end_offset"][1], out=out,
                         ground_truth=None if gt is None else base_dir / gt,
                         analysis_config=None if analysis is None else base_dir / analysis, options=dict(options), alerts=alerts, actions=actions,
                         events=events, base_dir=base_dir, sensitive=tuple(dict.fromkeys(sensitive)))


def _events(r: _Reader, table: dict[str, Any] | None, i: int, label: str, base_dir: Path) -> EventsConfig | None:
    """``[monitors.events]``: a business-event table joined by inference id (see service.traffic)."""
    if table is None:
        return None
    where = ("monitors.events", i, 0)
    label = f"{label}.events"
    _unknown(r, table, {"path", "join_key", "metrics"}, where, label)
    path = base_dir / _get(r, table, where, label, "path", str, required=True)
    key = _get(r, table, where, label, "join_key", str, default="inferenceId")
    raw = _get(r, table, where, label, "metrics", dict, default={})
    metrics = []
    mwhere = ("monitors.events.metrics", i, 0)
    for column, stats in raw.items():
        if not isinstance(stats, str):
            raise r.error(mwhere, f"{label}.metrics", column, f"must be a string such as \"mean\" or \"p50,p99\", got {stats!r}")
        try:
            metrics.append((column, parse_stats(stats)))
        except ValueError as e:
            raise r.error(mwhere, f"{label}.metrics", column, str(e)) from None
    return EventsConfig(path, key, tuple(metrics))


_PATH_OPTIONS = {"events", "baseline_data", "attributions"}

# The monitor's own arguments that the service sets itself (the window, the files).
_RESERVED = {"baseline", "data", "ground_truth", "out", "start", "end", "run_time", "start_offset", "end_offset", "progress", "config"}


def _check_options(r: _Reader, kind: str, options: dict[str, Any], i: int, label: str) -> None:
    fn: Any
    if kind == "data-quality":
        from driftline.data_quality.monitor import run_monitor as fn
    elif kind == "model-quality":
        from driftline.model_quality.monitor import run_model_quality_monitor as fn
    elif kind == "bias":
        from driftline.bias import run_bias_monitor as fn
    elif kind == "abtest":
        from driftline.abtest import run_abtest as fn
    else:
        from driftline.attribution import run_attribution_monitor as fn
    allowed = set(inspect.signature(fn).parameters) - _RESERVED
    where = ("monitors.options", i, 0)
    for key in options:
        if key not in allowed:
            raise r.error(where, f"{label}.options", key, f"not an option of a {kind} monitor (options: {', '.join(sorted(allowed))})")


def _alert(r: _Reader, table: Any, i: int, j: int, label: str) -> Alert:
    where = ("monitors.alerts", i, j)
    label = f"{label}.alerts[{j + 1}]"
    if not isinstance(table, dict):
        raise r.error(where, label, None, "must be a table")
    _unknown(r, table, {"name", "rule", "datapoints_to_alert", "evaluation_period", "metric", "op", "threshold"}, where, label)
    name = _get(r, table, where, label, "name", str, required=True)
    metric = _get(r, table, where, label, "metric", str)
    threshold = _get(r, table, where, label, "threshold", (int, float))
    rule = _get(r, table, where, label, "rule", str, default="threshold" if metric is not None else "violations")
    if rule not in ("violations", "threshold"):
        raise r.error(where, label, "rule", f"must be \"violations\" (SageMaker's rule) or \"threshold\", got {rule!r}")
    if rule == "threshold" and (metric is None or threshold is None):
        raise r.error(where, label, "metric" if metric is None else "threshold", "a threshold rule needs both metric and threshold")
    if threshold is not None and not math.isfinite(threshold):
        raise r.error(where, label, "threshold", f"must be a finite number, got {threshold!r}")
    op = _get(r, table, where, label, "op", str, default=">")
    if op not in (">", ">=", "<", "<="):
        raise r.error(where, label, "op", f"must be one of > >= < <=, got {op!r}")
    n = _get(r, table, where, label, "evaluation_period", int, default=1)
    m = _get(r, table, where, label, "datapoints_to_alert", int, default=n)
    if n < 1:
        raise r.error(where, label, "evaluation_period", f"must be at least 1, got {n}")
    if not 1 <= m <= n:
        raise r.error(where, label, "datapoints_to_alert", f"must be between 1 and evaluation_period ({n}), got {m}")
    return Alert(name=name, rule=rule, datapoints_to_alert=m, evaluation_period=n, metric=metric, op=op,
                 threshold=None if threshold is None else float(threshold))


def _action(r: _Reader, table: Any, i: int, j: int, label: str, alerts: set[str]) -> Action:
    where = ("monitors.actions", i, j)
    label = f"{label}.actions[{j + 1}]"
    if not isinstance(table, dict):
        raise r.error(where, label, None, "must be a table")
    _unknown(r, table, {"name", "kind", "on", "url", "command", "timeout", "retries", "backoff", "alerts"}, where, label)
    kind = _get(r, table, where, label, "kind", str, required=True)
    if kind not in ACTION_KINDS:
        raise r.error(where, label, "kind", f"must be one of {', '.join(ACTION_KINDS)}, got {kind!r}")
    on = _get(r, table, where, label, "on", (str, list), default=["InAlert"])
    on = [on] if isinstance(on, str) else on
    for s in on:
        if s not in ALERT_STATES:
            raise r.error(where, label, "on", f"states are {', '.join(ALERT_STATES)}, got {s!r}")
    url = _get(r, table, where, label, "url", str)
    command = _get(r, table, where, label, "command", list)
    if kind == "webhook":
        if url is None or not re.match(r"^https?://", url):
            raise r.error(where, label, "url", "a webhook needs an http:// or https:// url")
    else:
        if not command or not all(isinstance(a, str) for a in command):
            raise r.error(where, label, "command", f"a {kind} action needs command = [\"program\", \"arg\", ...] "
                          "(a list of strings, run without a shell)")
    timeout = _get(r, table, where, label, "timeout", (int, float), default=10.0 if kind == "webhook" else 3600.0)
    if not (math.isfinite(timeout) and timeout > 0):
        raise r.error(where, label, "timeout", f"must be a positive number of seconds, got {timeout!r}")
    retries = _get(r, table, where, label, "retries", int, default=3 if kind == "webhook" else 0)
    if not 0 <= retries <= 20:
        raise r.error(where, label, "retries", f"must be between 0 and 20, got {retries}")
    backoff = _get(r, table, where, label, "backoff", (int, float), default=1.0)
    if not (math.isfinite(backoff) and backoff >= 0):
        raise r.error(where, label, "backoff", f"must be a non-negative number of seconds, got {backoff!r}")
    only = _get(r, table, where, label, "alerts", list, default=[])
    for a in only:
        if a not in alerts:
            raise r.error(where, label, "alerts", f"this monitor has no alert named {a!r}")
    name = _get(r, table, where, label, "name", str, default=f"{kind}-{j + 1}")
    return Action(kind=kind, on=tuple(on), url=url, command=tuple(command or ()), timeout=float(timeout), retries=retries,
                  backoff=float(backoff), alerts=tuple(only), name=name)
