"""Reading monitored data: SageMaker data capture (:func:`read_capture`), tables in CSV, Parquet,
JSON Lines or memory (:func:`read_table`), and files larger than memory in batches
(:func:`iter_batches`). Bad records are never dropped silently: every read reports them
(:class:`BadRecords`) and ``on_bad_record`` chooses between failing and skipping."""

from __future__ import annotations

from driftline.io._layout import check_window, to_utc
from driftline.io.capture import METADATA_COLUMNS, Capture, OutputColumnsPosition, is_capture, read_capture
from driftline.io.records import BAD_KINDS, BadKind, BadRecord, BadRecords, OnBadRecord
from driftline.io.tables import Batches, Table, TableFormat, iter_batches, read_table
from driftline.io.window import Window, read_window

__all__ = [
    "BAD_KINDS",
    "METADATA_COLUMNS",
    "BadKind",
    "BadRecord",
    "BadRecords",
    "Batches",
    "Capture",
    "OnBadRecord",
    "OutputColumnsPosition",
    "Table",
    "TableFormat",
    "Window",
    "check_window",
    "is_capture",
    "iter_batches",
    "read_capture",
    "read_table",
    "read_window",
    "to_utc",
]
