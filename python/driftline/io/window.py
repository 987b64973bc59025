"""One entry for a monitor's input: :func:`read_window` reads the analysis window from whatever
``data`` is (a SageMaker capture folder or file, a table on disk, a table in memory) and hands
back its frames, its bad-record report and what it knows about the layout, so a monitor never
chooses a reader itself."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import polars as pl

from driftline.io._layout import TimeLike, check_window, to_utc
from driftline.io.capture import METADATA_COLUMNS, OutputColumnsPosition, is_capture, read_capture
from driftline.io.records import BadRecords, OnBadRecord
from driftline.io.tables import Batches, Table, iter_batches, read_table

__all__ = ["Window", "read_window"]

WindowKind = Literal["capture", "table", "memory"]


@dataclass
class Window:
    """The records of one analysis window. ``frames()`` yields them: the whole window once for
    captured data and in-memory tables (:attr:`in_memory`), batches of ``batch_rows`` for a
    table on disk, which may be larger than memory. :attr:`bad_records` is complete once the
    frames have been read. ``output_columns`` names the model-output columns of captured data;
    ``metadata_columns`` the capture's event columns (``eventId``, ``inferenceTime``...)."""

    kind: WindowKind
    output_columns: list[str] = field(default_factory=list)
    metadata_columns: list[str] = field(default_factory=list)
    _frame: pl.DataFrame | None = None
    _batches: Batches | None = None
    _bad: BadRecords | None = None
    _whole: Callable[[], Table] | None = None  # a table on disk read whole, for :meth:`collect`

    @property
    def in_memory(self) -> bool:
        return self._frame is not None

    @property
    def bad_records(self) -> BadRecords:
        if self._batches is not None:
            return self._batches.bad_records
        return self._bad if self._bad is not None else BadRecords()

    def frames(self) -> Iterator[pl.DataFrame]:
        if self._frame is not None:
            yield self._frame
        elif self._batches is not None:
            yield from self._batches

    def collect(self) -> pl.DataFrame:
        """The whole window as one frame (a table on disk is then read whole, with one schema,
        instead of streamed: for monitors that need every row at once, such as a join)."""
        if self._frame is not None:
            return self._frame
        assert self._whole is not None
        table = self._whole()
        self._frame, self._batches, self._bad = table.frame, None, table.bad_records
        return table.frame


def read_window(
    data: Any,
    *,
    start: TimeLike = None,
    end: TimeLike = None,
    on_bad_record: OnBadRecord = "fail",
    has_header: bool = True,
    output_columns_position: OutputColumnsPosition = "START",
    batch_rows: int = 500_000,
) -> Window:
    """The window ``[start, end)`` of ``data``: captured data filtered by inference time (a
    folder laid out ``{endpoint}/{variant}/yyyy/mm/dd/hh`` or a capture file), a table on disk
    (CSV, Parquet, JSON Lines: streamed in batches; tables are not filtered by time), or an
    in-memory table (Polars, pandas, PyArrow). Bad records fail the read (``on_bad_record``
    "fail", naming file and line) or are skipped and reported in :attr:`Window.bad_records`."""
    lo, hi = to_utc(start, "start (--start)"), to_utc(end, "end (--end)")
    check_window(lo, hi)
    if isinstance(data, str | Path) and is_capture(Path(data)):
        cap = read_capture(data, start=lo, end=hi, on_bad_record=on_bad_record, output_columns_position=output_columns_position)
        meta = [c for c in METADATA_COLUMNS if c in cap.frame.columns]
        return Window("capture", output_columns=list(cap.output_columns), metadata_columns=meta, _frame=cap.frame,
                      _bad=cap.bad_records)
    if isinstance(data, str | Path):
        batches = iter_batches(data, batch_rows=batch_rows, has_header=has_header, on_bad_record=on_bad_record)
        return Window("table", _batches=batches,
                      _whole=lambda: read_table(data, has_header=has_header, on_bad_record=on_bad_record))
    table = read_table(data, has_header=has_header, on_bad_record=on_bad_record)
    return Window("memory", _frame=table.frame, _bad=table.bad_records)
