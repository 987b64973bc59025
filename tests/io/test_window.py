"""read_window: one reader entry for every kind of monitor input."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from driftline.errors import BadRecordError, InvalidArgumentError
from driftline.io import read_window

T0 = datetime(2026, 11, 2, 10, tzinfo=UTC)


def _capture(path: Path, n: int, bad: bool = False) -> None:
    lines = []
    for i in range(n):
        meta = {"eventId": f"e{i}", "inferenceTime": (T0 + timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%SZ")}
        lines.append(json.dumps({"captureData": {
            "endpointInput": {"observedContentType": "text/csv", "mode": "INPUT", "encoding": "CSV", "data": f"{i},{i % 3}"},
            "endpointOutput": {"observedContentType": "text/csv", "mode": "OUTPUT", "encoding": "CSV", "data": "0.5"}},
            "eventMetadata": meta, "eventVersion": "0"}))
    if bad:
        lines.append("{truncated")
    path.write_text("\n".join(lines) + "\n")


def test_capture_window_is_filtered_by_time_and_held_in_memory(tmp_path: Path) -> None:
    _capture(tmp_path / "c.jsonl", 120)
    w = read_window(tmp_path / "c.jsonl", start=T0, end=T0 + timedelta(hours=1))
    frames = list(w.frames())
    assert w.kind == "capture" and w.in_memory and len(frames) == 1 and frames[0].height == 60
    assert w.output_columns == ["_c0"] and "eventId" in w.metadata_columns
    assert w.bad_records.total == 0


def test_table_on_disk_streams_in_batches_and_reports_bad_records_after(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("a,b\n" + "".join(f"{i},{i}\n" for i in range(1000)) + "1,2,3\n")
    w = read_window(tmp_path / "t.csv", batch_rows=300, on_bad_record="skip")
    assert w.kind == "table" and not w.in_memory
    heights = [f.height for f in w.frames()]
    assert sum(heights) == 1000 and max(heights) <= 300
    assert w.bad_records.total == 1
    with pytest.raises(BadRecordError):
        list(read_window(tmp_path / "t.csv", batch_rows=300).frames())


def test_in_memory_table_and_bad_times(tmp_path: Path) -> None:
    w = read_window(pl.DataFrame({"a": [1, 2, 3]}))
    assert w.kind == "memory" and [f.height for f in w.frames()] == [3]
    with pytest.raises(InvalidArgumentError, match="--start"):
        read_window(pl.DataFrame({"a": [1]}), start="yesterday")
    with pytest.raises(InvalidArgumentError, match="empty or reversed"):
        read_window(pl.DataFrame({"a": [1]}), start=T0, end=T0)


def test_collect_reads_a_table_on_disk_whole_with_its_bad_records(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("a,b\n" + "".join(f"{i},x{i}\n" for i in range(500)) + "1,2,3\n")
    w = read_window(tmp_path / "t.csv", batch_rows=100, on_bad_record="skip")
    frame = w.collect()
    assert frame.height == 500 and frame.columns == ["a", "b"] and w.bad_records.total == 1
    assert [f.height for f in w.frames()] == [500]  # now held in memory
