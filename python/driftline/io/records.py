"""Bad input records: what was wrong, where (file and 1-based line), and a run's full count.

A reader never drops a record silently. It collects every bad record while it scans (as a small
Polars frame, so millions of bad lines cost no Python objects), then builds one
:class:`BadRecords` report: the exact total, the count per kind, and the first ``limit`` records
in input order. With ``on_bad_record="fail"`` the reader raises
:class:`~driftline.errors.BadRecordError` carrying that report once the whole input was scanned.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, get_args

import polars as pl

from driftline.errors import BadRecordError, InvalidArgumentError

__all__ = [
    "BAD_KINDS",
    "DEFAULT_LIMIT",
    "BadKind",
    "BadRecord",
    "BadRecords",
    "OnBadRecord",
]

BadKind = Literal["json", "field_count", "payload", "time", "schema"]
"""``json``: the line is not valid JSON (truncated, invalid UTF-8). ``field_count``: a row has
more or fewer fields than the first good one (or than the given names). ``payload``: a capture
payload cannot be decoded (bad BASE64, unknown encoding, invalid inner CSV/JSON). ``time``: the
inference time is missing or not an ISO-8601 time. ``schema``: the record or file does not have
the expected layout (no ``captureData.endpointInput``, not a JSON object, a bad header)."""

BAD_KINDS: tuple[BadKind, ...] = get_args(BadKind)

OnBadRecord = Literal["fail", "skip"]

DEFAULT_LIMIT = 1000

# Column layout of the frames readers collect bad records in (``_order`` sorts by input order).
BAD_SCHEMA: dict[str, pl.DataType] = {
    "_order": pl.Int64(),
    "file": pl.String(),
    "line": pl.Int64(),
    "kind": pl.String(),
    "message": pl.String(),
}


@dataclass(frozen=True)
class BadRecord:
    """One bad input record: its file, its 1-based line, what kind of fault, and a message."""

    file: str
    line: int
    kind: BadKind
    message: str

    def __str__(self) -> str:
        return f"{self.file} line {self.line} ({self.kind}): {self.message}"


def _zero_counts() -> Mapping[BadKind, int]:
    return MappingProxyType(dict.fromkeys(BAD_KINDS, 0))


@dataclass(frozen=True)
class BadRecords:
    """The bad-record report of one read.

    ``total`` and ``counts`` (every kind, zeros included) are exact; ``records`` holds the first
    ``limit`` bad records in input order (file order, then line); ``files`` counts the files that
    had at least one.
    """

    total: int = 0
    counts: Mapping[BadKind, int] = field(default_factory=_zero_counts)
    records: tuple[BadRecord, ...] = ()
    files: int = 0
    limit: int = DEFAULT_LIMIT

    def __len__(self) -> int:
        return self.total

    def __bool__(self) -> bool:
        return self.total > 0

    @property
    def first(self) -> BadRecord | None:
        return self.records[0] if self.records else None

    @classmethod
    def from_frame(cls, frame: pl.DataFrame, limit: int = DEFAULT_LIMIT) -> BadRecords:
        """Build the report from a frame with :data:`BAD_SCHEMA` columns."""
        if limit < 0:
            raise InvalidArgumentError(f"`limit` must be >= 0, got {limit}")
        if frame.height == 0:
            return cls(limit=limit)
        per_kind = dict(frame.group_by("kind").len().iter_rows())
        unknown = set(per_kind) - set(BAD_KINDS)
        if unknown:
            raise InvalidArgumentError(f"unknown bad-record kinds {sorted(unknown)}")
        counts = MappingProxyType({k: int(per_kind.get(k, 0)) for k in BAD_KINDS})
        kept = frame.sort("_order", "line").head(limit)
        records = tuple(
            BadRecord(file=f, line=int(ln), kind=k, message=m)
            for f, ln, k, m in kept.select("file", "line", "kind", "message").iter_rows()
        )
        return cls(
            total=frame.height,
            counts=counts,
            records=records,
            files=frame["file"].n_unique(),
            limit=limit,
        )

    def summary(self) -> str:
        """One paragraph for people: how many, of which kinds, where the first one is."""
        if self.total == 0:
            return "No bad records."
        kinds = ", ".join(f"{k}: {n}" for k, n in self.counts.items() if n)
        where = f"in {self.files} file{'s' if self.files != 1 else ''}"
        text = f"{self.total} bad record{'s' if self.total != 1 else ''} {where} ({kinds})."
        if self.first is not None:
            text += f" The first is {self.first}."
        if len(self.records) < self.total:
            text += f" The report keeps the first {len(self.records)}."
        return text

    def raise_or_return(self, on_bad_record: OnBadRecord) -> BadRecords:
        """Raise :class:`BadRecordError` if there are bad records and the caller asked to fail."""
        if self.total and on_bad_record == "fail":
            raise BadRecordError(self)
        return self


def check_on_bad_record(value: str) -> OnBadRecord:
    if value == "fail":
        return "fail"
    if value == "skip":
        return "skip"
    raise InvalidArgumentError(f"`on_bad_record` (--on-bad-record) must be 'fail' or 'skip', got {value!r}")


def empty_bad_frame() -> pl.DataFrame:
    return pl.DataFrame(schema=BAD_SCHEMA)


def bad_frame(rows: list[tuple[int, str, int, str, str]]) -> pl.DataFrame:
    """A bad-record frame from ``(order, file, line, kind, message)`` tuples."""
    return pl.DataFrame(rows, schema=BAD_SCHEMA, orient="row")
