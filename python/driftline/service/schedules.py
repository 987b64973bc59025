"""Schedules: when a monitor's executions are due.

A schedule is one of

- ``hourly`` (every hour on the hour), ``daily`` (every day at 00:00 UTC);
- ``every N minutes|hours|days`` (N >= 1; times are the multiples of the period counted from
  1970-01-01T00:00Z, so ``every 6 hours`` is 00:00, 06:00, 12:00, 18:00 UTC);
- a standard 5-field cron expression ``minute hour day-of-month month day-of-week``
  (``*``, lists, ranges, steps, month and day names; day of week 0-7 with 0 and 7 Sunday; when
  both day fields are restricted a day matches either, as in Vixie cron);
- SageMaker's ``cron(Minutes Hours Day-of-month Month Day-of-week Year)`` as Model Monitor's
  ``ScheduleExpression`` takes it, e.g. ``cron(0 * ? * * *)`` hourly, ``cron(0 8 ? * * *)`` daily
  at 08:00 (``?`` is ``*``; its day of week counts 1-7 from Sunday; the year must be ``*``).

Times are UTC. Each execution analyses ``[scheduled + start_offset, scheduled + end_offset)``
(SageMaker's offsets); the default start offset is minus the schedule's period.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from driftline.model_quality.window import parse_offset as _parse_offset

__all__ = ["Schedule", "parse_offset", "parse_schedule"]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MONTHS = {m: i + 1 for i, m in enumerate("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split())}
_DAYS = {d: i for i, d in enumerate("SUN MON TUE WED THU FRI SAT".split())}


def parse_offset(text: str) -> timedelta:
    """An ISO-8601 duration with an optional sign (``-PT1H``, ``-P1D``, ``PT0H``); ValueError otherwise."""
    try:
        return _parse_offset(text, "offset")
    except Exception as e:
        raise ValueError(str(e)) from None


def _duration_text(d: timedelta) -> str:
    s = int(d.total_seconds())
    if s % 86400 == 0:
        return f"-P{s // 86400}D"
    if s % 3600 == 0:
        return f"-PT{s // 3600}H"
    return f"-PT{s // 60}M"


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule: ``text`` as written, either a fixed ``period`` or cron field sets."""

    text: str
    period: timedelta | None = None
    minutes: frozenset[int] = frozenset()
    hours: frozenset[int] = frozenset()
    days: frozenset[int] = frozenset()
    months: frozenset[int] = frozenset()
    weekdays: frozenset[int] = frozenset()  # 0 = Sunday
    days_restricted: bool = False
    weekdays_restricted: bool = False

    @property
    def default_start_offset(self) -> str:
        """Minus the schedule's period (for cron, the gap between its first two times in 2001)."""
        if self.period is not None:
            return _duration_text(self.period)
        t0 = self.next_time(datetime(2001, 1, 1, tzinfo=timezone.utc))
        return _duration_text(self.next_time(t0 + timedelta(minutes=1)) - t0)

    def _day_matches(self, t: datetime) -> bool:
        dom = t.day in self.days
        dow = (t.isoweekday() % 7) in self.weekdays
        if self.days_restricted and self.weekdays_restricted:
            return dom or dow
        return dom and dow

    def next_time(self, after: datetime) -> datetime:
        """The first scheduled time at or after ``after``."""
        if self.period is not None:
            p = self.period
            k = -((_EPOCH - after) // p)  # ceil((after - epoch) / p)
            return _EPOCH + k * p
        t = after.astimezone(timezone.utc)
        if t.second or t.microsecond:
            t = t.replace(second=0, microsecond=0) + timedelta(minutes=1)
        limit = t + timedelta(days=366 * 5)
        while t < limit:
            if t.month not in self.months:
                t = (t.replace(day=1, hour=0, minute=0) + timedelta(days=32)).replace(day=1)
            elif not self._day_matches(t):
                t = t.replace(hour=0, minute=0) + timedelta(days=1)
            elif t.hour not in self.hours:
                t = t.replace(minute=0) + timedelta(hours=1)
            elif t.minute not in self.minutes:
                t += timedelta(minutes=1)
            else:
                return t
        raise ValueError(f"the schedule {self.text!r} never fires")

    def times(self, start: datetime, until: datetime) -> list[datetime]:
        """The scheduled times ``start <= t <= until``, in order."""
        out: list[datetime] = []
        t = self.next_time(start)
        while t <= until:
            out.append(t)
            t = self.next_time(t + timedelta(seconds=1))
        return out


def _field(text: str, lo: int, hi: int, names: dict[str, int] | None, what: str, shift: int = 0) -> tuple[frozenset[int], bool]:
    """One cron field: the set of values and whether it restricts anything (not ``*``)."""
    values: set[int] = set()
    if text in ("*", "?"):
        return frozenset(range(lo, hi + 1)), False

    def number(s: str) -> int:
        u = s.upper()
        if names and u in names:
            return names[u]
        if not s.isdigit():
            raise ValueError(f"{what} {s!r} is not a number{' or a name' if names else ''}")
        return int(s) + shift

    for part in text.split(","):
        m = re.fullmatch(r"(\*|[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?)(?:/(\d+))?", part)
        if not m:
            raise ValueError(f"{what} {part!r} is not a cron field (use *, 5, 1-5, */15, 0-30/10 or lists of them)")
        span, step = m.group(1), int(m.group(2) or 1)
        if step < 1:
            raise ValueError(f"{what} step must be at least 1")
        if span == "*":
            a, b = lo, hi
        elif "-" in span:
            a, b = (number(x) for x in span.split("-"))
        else:
            a = number(span)
            b = hi if m.group(2) else a
        if not (lo <= a <= hi and lo <= b <= hi and a <= b):
            raise ValueError(f"{what} {part!r} is outside {lo}-{hi - shift if shift else hi}")
        values.update(range(a, b + 1, step))
    return frozenset(values), True


def parse_schedule(text: str) -> Schedule:
    """Parse a schedule (see the module documentation); ValueError with the reason otherwise."""
    s = text.strip()
    low = s.lower()
    if low == "hourly":
        return Schedule(s, period=timedelta(hours=1))
    if low == "daily":
        return Schedule(s, period=timedelta(days=1))
    m = re.fullmatch(r"every\s+(\d+)\s+(minute|hour|day)s?", low)
    if m:
        n = int(m.group(1))
        if n < 1:
            raise ValueError(f"{text!r}: the period must be at least 1 {m.group(2)}")
        return Schedule(s, period=timedelta(**{m.group(2) + "s": n}))
    aws = re.fullmatch(r"cron\((.*)\)", s, flags=re.IGNORECASE)
    fields = (aws.group(1) if aws else s).split()
    if aws:
        if len(fields) != 6:
            raise ValueError(f"{text!r}: SageMaker's cron(...) has 6 fields (minutes hours day-of-month month day-of-week year)")
        if fields[5] not in ("*", "?"):
            raise ValueError(f"{text!r}: the year field must be * (a schedule that stops in a given year is not supported)")
        minute, hour, dom, month, dow = fields[:5]
        # AWS counts days of the week 1-7 from Sunday; standard cron 0-6
        weekdays, wr = _field(dow, 0, 6, _DAYS, "day of week", shift=-1) if dow not in ("*", "?") else (frozenset(range(7)), False)
    elif len(fields) == 5:
        minute, hour, dom, month, dow = fields
        weekdays, wr = _field(dow, 0, 7, _DAYS, "day of week")
        weekdays = frozenset(d % 7 for d in weekdays)
    else:
        raise ValueError(f"unknown schedule {text!r}: use hourly, daily, 'every N hours', a cron expression "
                         "('0 * * * *') or SageMaker's cron(0 * ? * * *)")
    try:
        minutes, _ = _field(minute, 0, 59, None, "minute")
        hours, _ = _field(hour, 0, 23, None, "hour")
        days, dr = _field(dom, 1, 31, None, "day of month")
        months, _ = _field(month, 1, 12, _MONTHS, "month")
    except ValueError as e:
        raise ValueError(f"{text!r}: {e}") from None
    sched = Schedule(s, minutes=minutes, hours=hours, days=days, months=months, weekdays=weekdays,
                     days_restricted=dr, weekdays_restricted=wr)
    sched.next_time(datetime(2001, 1, 1, tzinfo=timezone.utc))  # raises if it never fires (e.g. 31 February)
    return sched
