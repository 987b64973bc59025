"""Infrastructure and business metrics of a window, stored beside the model's metrics and usable
in alert rules:

- from captured data (SageMaker's data-capture layout): ``traffic_requests`` (records in the
  window), ``traffic_requests_per_minute``, ``traffic_bad_record_rate`` (records that could not
  be read, over all records: malformed requests and payloads);
- from an event table joined by inference id (``[monitors.events]``): any column summarised over
  the window's requests, e.g. click-through (``clicked = "mean"``), conversions (``converted =
  "sum"``), order value, or latency and errors when the serving side logs them
  (``latency_ms = "p50,p90,p99"``, ``error = "mean"``). Stored as ``kpi_<column>_<stat>``.

Statistics: ``mean``, ``sum``, ``count``, ``min``, ``max``, ``pNN`` (the NN-th percentile,
linear interpolation as numpy's default). Events whose join key matches no captured request of
the window are not counted; ``kpi_matched_share`` is the share of the window's requests with an
event.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl

__all__ = ["EventsConfig", "STATS", "parse_stats", "window_traffic"]

STATS = ("mean", "sum", "count", "min", "max")


@dataclass(frozen=True)
class EventsConfig:
    path: Path
    join_key: str = "inferenceId"
    metrics: tuple[tuple[str, tuple[str, ...]], ...] = ()


def parse_stats(text: str) -> tuple[str, ...]:
    """``"mean"`` or ``"p50,p90,p99"`` -> the statistics; ValueError naming an unknown one."""
    out = []
    for part in (p.strip() for p in text.split(",")):
        if part in STATS or re.fullmatch(r"p(100|\d{1,2}(\.\d+)?)", part):
            out.append(part)
        else:
            raise ValueError(f"unknown statistic {part!r} (use {', '.join(STATS)} or pNN such as p99)")
    if not out:
        raise ValueError("no statistic given")
    return tuple(out)


def _stat(s: pl.Series, stat: str) -> float | None:
    s = s.cast(pl.Float64, strict=False).drop_nulls().drop_nans()
    if stat == "count":
        return float(len(s))
    if len(s) == 0:
        return None
    if stat.startswith("p"):
        v = s.quantile(float(stat[1:]) / 100, interpolation="linear")
    else:
        v = getattr(s, stat)()
    return None if v is None or not math.isfinite(float(v)) else float(v)


def window_traffic(data: Path, start: datetime, end: datetime, events: EventsConfig | None = None) -> dict[str, float]:
    """The window's traffic metrics (empty when ``data`` is not captured traffic)."""
    from driftline.io import is_capture, read_table, read_window

    if not is_capture(Path(data)):
        return {}
    w = read_window(data, start=start, end=end, on_bad_record="skip")
    frame = w.collect()
    n, bad = frame.height, w.bad_records.total if w.bad_records is not None else 0
    minutes = max((end - start).total_seconds() / 60.0, 1e-9)
    out = {"traffic_requests": float(n), "traffic_requests_per_minute": n / minutes,
           "traffic_bad_record_rate": bad / (n + bad) if n + bad else 0.0}
    if events is None:
        return out
    table = read_table(events.path).frame
    if events.join_key not in table.columns:
        raise ValueError(f"{events.path}: no column {events.join_key!r} to join on (columns: {', '.join(table.columns)})")
    ids = frame.select(pl.col("inferenceId").cast(pl.String).alias("_key")).drop_nulls().unique()
    joined = table.with_columns(pl.col(events.join_key).cast(pl.String).alias("_key")).join(ids, on="_key", how="semi")
    out["kpi_matched_share"] = joined.select(pl.col("_key").n_unique()).item() / ids.height if ids.height else 0.0
    for column, stats in events.metrics:
        if column not in table.columns:
            raise ValueError(f"{events.path}: no column {column!r} (columns: {', '.join(table.columns)})")
        for stat in stats:
            v = _stat(joined.get_column(column), stat)
            if v is not None:
                out[f"kpi_{column}_{stat}"] = v
    return out
