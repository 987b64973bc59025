"""SageMaker's analysis window: ``-P8D`` / ``-PT5H`` offsets from the run time."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from driftline.errors import (
    InvalidArgumentError,
)
from driftline.model_quality._common import _FLAGS, _arg

_DURATION = re.compile(
    r"^(?P<sign>[+-])?P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


def parse_offset(text: str, name: str = "time offset") -> timedelta:
    """An ISO-8601 duration with an optional sign, as SageMaker's ``StartTimeOffset`` /
    ``EndTimeOffset`` (``-P8D``, ``-P1D``, ``-PT5H``, ``-P1DT12H``, ``PT0H``); ``name`` is the
    argument named in the error."""
    m = _DURATION.match(text.strip()) if isinstance(text, str) else None
    if m is None or text.strip().rstrip("T").endswith(("P", "-P", "+P")) or text.strip().endswith("T"):
        raise InvalidArgumentError(f"{_arg(name)} {text!r} is not an ISO-8601 duration like '-P1D' or '-PT5H'")
    parts = {k: float(v) for k, v in m.groupdict().items() if k != "sign" and v is not None}
    delta = timedelta(weeks=parts.get("weeks", 0), days=parts.get("days", 0), hours=parts.get("hours", 0),
                      minutes=parts.get("minutes", 0), seconds=parts.get("seconds", 0))
    return -delta if m.group("sign") == "-" else delta


def analysis_window(run_time: datetime | str, start_offset: str, end_offset: str) -> tuple[datetime, datetime]:
    """``[run_time + start_offset, run_time + end_offset)``: a job at 2020-01-09T13:00 with
    ``-P8D`` / ``-P1D`` analyses 2020-01-01T13:00 to 2020-01-08T13:00."""
    from driftline.io import to_utc

    t = to_utc(run_time, "run_time")
    assert t is not None
    try:
        start, end = t + parse_offset(start_offset, "start_offset"), t + parse_offset(end_offset, "end_offset")
    except OverflowError:
        raise InvalidArgumentError(f"the window [{start_offset}, {end_offset}) from {t.isoformat()} leaves the calendar (years 1 to 9999)") from None
    if start >= end:
        raise InvalidArgumentError(f"the window [{start_offset}, {end_offset}) is empty: the start offset ({_FLAGS['start_offset']}) must "
                                   f"come before the end offset ({_FLAGS['end_offset']})")
    return start, end
