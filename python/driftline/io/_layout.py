"""The data-capture folder layout ``{endpoint}/{variant}/yyyy/mm/dd/hh/*.jsonl`` and the analysis
window ``[start, end)`` (research notes §2.3, §3.2): which files to read, pruned by hour folder
before any is opened, and what endpoint and variant each belongs to."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Union

from driftline.errors import InvalidArgumentError, InvalidInputError

PathLike = Union[str, "os.PathLike[str]"]
TimeLike = Union[datetime, str, None]

CAPTURE_SUFFIXES = (".jsonl",)


@dataclass(frozen=True)
class CaptureFile:
    path: str
    endpoint: str | None
    variant: str | None
    hour: datetime | None  # start of the hour folder the file is in, when it is in the layout


def to_utc(value: TimeLike, name: str) -> datetime | None:
    """A timezone-aware UTC datetime; naive datetimes and ISO strings without offset are UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            value = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
        except ValueError as exc:
            raise InvalidArgumentError(f"`{name}` must be an ISO-8601 time, got {text!r}") from exc
    if not isinstance(value, datetime):
        raise InvalidArgumentError(f"`{name}` must be a datetime or an ISO-8601 string, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def check_window(start: datetime | None, end: datetime | None) -> None:
    if start is not None and end is not None and not start < end:
        raise InvalidArgumentError(f"the window is empty or reversed: start {start.isoformat()} is not before end {end.isoformat()}")


def _overlaps(lo: datetime, hi: datetime, start: datetime | None, end: datetime | None) -> bool:
    return (end is None or lo < end) and (start is None or hi > start)


def _date_step(parts: tuple[int, ...], name: str) -> tuple[int, ...] | None:
    """The date prefix after descending into folder ``name`` below date prefix ``parts``, or
    None when ``name`` does not continue a ``yyyy/mm/dd/hh`` layout."""
    if len(parts) < 4 and name.isdigit() and len(name) == (4 if not parts else 2):
        candidate = (*parts, int(name))
        if _period(candidate) is not None:
            return candidate
    if len(name) == 4 and name.isdigit() and parts != ():
        return _date_step((), name)
    return None


def _period(parts: tuple[int, ...]) -> tuple[datetime, datetime] | None:
    """[first, last) instant of a year, month, day or hour folder; None if not a real date."""
    y, m, d, h = parts + (1, 1, 0)[len(parts) - 1 :] if parts else (0, 0, 0, 0)
    try:
        lo = datetime(y, m, d, h, tzinfo=timezone.utc)
    except ValueError:
        return None
    if len(parts) == 1:
        hi = lo.replace(year=y + 1) if y < 9999 else datetime.max.replace(tzinfo=timezone.utc)
    elif len(parts) == 2:
        hi = lo.replace(year=y + 1, month=1) if m == 12 else lo.replace(month=m + 1)
    elif len(parts) == 3:
        hi = lo + timedelta(days=1)
    else:
        hi = lo + timedelta(hours=1)
    return lo, hi


def layout_of(path: str) -> CaptureFile:
    """Endpoint, variant and hour of a file from its path, when its folders are
    ``{endpoint}/{variant}/yyyy/mm/dd/hh/``; None for what the path does not show."""
    parts = Path(os.path.abspath(path)).parts
    dirs = parts[:-1]
    if len(dirs) >= 4:
        y, m, d, h = dirs[-4:]
        if (len(y), len(m), len(d), len(h)) == (4, 2, 2, 2) and (y + m + d + h).isdigit():
            prefix = (int(y), int(m), int(d), int(h))
            period = _period(prefix)
            if period is not None:
                # dirs[0] is the root: a variant needs one folder above the year, an endpoint two
                variant = dirs[-5] if len(dirs) >= 6 else None
                endpoint = dirs[-6] if len(dirs) >= 7 else None
                return CaptureFile(path, endpoint, variant, period[0])
    return CaptureFile(path, None, None, None)


def window_files(source: PathLike | Sequence[PathLike], start: TimeLike, end: TimeLike) -> tuple[list[CaptureFile], datetime | None, datetime | None]:
    """The files of ``source`` that can hold records of the window ``[start, end)``, and the
    window's bounds as UTC datetimes (checked: start before end)."""
    lo, hi = to_utc(start, "start"), to_utc(end, "end")
    check_window(lo, hi)
    if isinstance(source, str) or not isinstance(source, Sequence):
        return capture_files(source, lo, hi), lo, hi
    return capture_files(list(source), lo, hi), lo, hi


def capture_files(source: PathLike | list[PathLike] | tuple[PathLike, ...], start: datetime | None, end: datetime | None) -> list[CaptureFile]:
    """The files to read: a file as given; a folder's ``*.jsonl`` files, walked in name order
    with year/month/day/hour folders outside ``[start, end)`` pruned before they are listed;
    a list of files or folders in the order given."""
    if isinstance(source, list | tuple):
        out: list[CaptureFile] = []
        for item in source:
            out.extend(capture_files(item, start, end))
        return out
    path = os.fspath(source)
    if os.path.isdir(path):
        found: list[CaptureFile] = []
        _walk(path, _date_prefix_of(path), start, end, found)
        return found
    if os.path.isfile(path):
        return [layout_of(path)]
    raise InvalidInputError(f"no such file or folder: {path}")


def _date_prefix_of(folder: str) -> tuple[int, ...]:
    """Date prefix of a folder that is itself inside the layout (e.g. a day folder given)."""
    parts: tuple[int, ...] = ()
    for name in Path(os.path.abspath(folder)).parts[1:]:
        parts = _date_step(parts, name) or ()
    return parts


def _walk(folder: str, parts: tuple[int, ...], start: datetime | None, end: datetime | None, found: list[CaptureFile]) -> None:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        raise InvalidInputError(f"cannot list {folder}: {exc}") from exc
    for entry in entries:
        if entry.is_dir():
            sub = _date_step(parts, entry.name) or ()
            period = _period(sub) if sub else None
            if period is not None and not _overlaps(*period, start, end):
                continue  # an hour (or day, month, year) folder outside the window
            _walk(entry.path, sub, start, end, found)
        elif entry.is_file() and entry.name.endswith(CAPTURE_SUFFIXES):
            found.append(layout_of(entry.path))
