"""Schedules: fixed periods, 5-field cron (checked against croniter, the reference Python cron
implementation) and SageMaker's cron(...) expressions."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from driftline.service.schedules import parse_offset, parse_schedule

UTC = timezone.utc
T0 = datetime(2026, 11, 1, 0, 30, tzinfo=UTC)  # a Sunday


def test_fixed_periods_are_aligned_to_the_epoch() -> None:
    assert parse_schedule("hourly").times(T0, T0 + timedelta(hours=3)) == [datetime(2026, 11, 1, h, tzinfo=UTC) for h in (1, 2, 3)]
    assert parse_schedule("daily").next_time(T0) == datetime(2026, 11, 2, tzinfo=UTC)
    assert parse_schedule("every 6 hours").times(T0, datetime(2026, 11, 2, tzinfo=UTC)) == [
        datetime(2026, 11, 1, h, tzinfo=UTC) for h in (6, 12, 18)] + [datetime(2026, 11, 2, tzinfo=UTC)]
    assert parse_schedule("Every 15 Minutes").next_time(T0) == T0  # on a boundary: that time itself
    assert parse_schedule("hourly").default_start_offset == "-PT1H"
    assert parse_schedule("every 2 days").default_start_offset == "-P2D"


def test_sagemaker_cron_expressions() -> None:
    hourly = parse_schedule("cron(0 * ? * * *)")
    assert hourly.times(T0, T0 + timedelta(hours=2)) == [datetime(2026, 11, 1, 1, tzinfo=UTC), datetime(2026, 11, 1, 2, tzinfo=UTC)]
    assert parse_schedule("cron(0 8 ? * * *)").next_time(T0) == datetime(2026, 11, 1, 8, tzinfo=UTC)
    # AWS counts days of the week from 1 = Sunday: 2 is Monday
    assert parse_schedule("cron(0 8 ? * 2 *)").next_time(T0) == datetime(2026, 11, 2, 8, tzinfo=UTC)
    assert parse_schedule("cron(0 0/6 ? * * *)").times(T0, T0 + timedelta(hours=12)) == [
        datetime(2026, 11, 1, 6, tzinfo=UTC), datetime(2026, 11, 1, 12, tzinfo=UTC)]
    assert parse_schedule("cron(0 * ? * * *)").default_start_offset == "-PT1H"


@pytest.mark.parametrize("bad, words", [
    ("hourlyy", "unknown schedule"),
    ("every 0 hours", "at least 1"),
    ("61 * * * *", "outside"),
    ("0 24 * * *", "outside"),
    ("0 0 31 2 *", "never fires"),
    ("cron(0 * ? * *)", "6 fields"),
    ("cron(0 * ? * * 2027)", "year"),
    ("0 0 * * FUNDAY", "not a number"),
    ("*/0 * * * *", "at least 1"),
])
def test_bad_schedules_say_why(bad: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        parse_schedule(bad)


CRON_FIELDS = st.tuples(
    st.sampled_from(["0", "*/15", "5,35", "0-10/5", "*"]),
    st.sampled_from(["*", "0", "9-17", "*/6", "1,13"]),
    st.sampled_from(["*", "1", "15", "1-7", "31"]),
    st.sampled_from(["*", "1", "2", "JAN-MAR", "*/4"]),
    st.sampled_from(["*", "0", "1-5", "MON,FRI", "7", "SAT"]),
)


@settings(max_examples=150, deadline=None)
@given(CRON_FIELDS, st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)))
def test_cron_equals_croniter(fields: tuple[str, ...], start: datetime) -> None:
    croniter = pytest.importorskip("croniter").croniter
    expr = " ".join(fields)
    start = start.replace(tzinfo=UTC, second=0, microsecond=0)
    try:
        ours = parse_schedule(expr)
    except ValueError as e:  # e.g. the 31st of February: refused as never firing
        assert "never fires" in str(e)
        assume(False)
        return
    ref = croniter(expr, start - timedelta(minutes=1))
    t = start
    for _ in range(5):
        want = ref.get_next(datetime)
        got = ours.next_time(t)
        assert got == want, (expr, t)
        t = got + timedelta(minutes=1)


def test_offsets() -> None:
    assert parse_offset("-PT1H") == -timedelta(hours=1)
    assert parse_offset("-P1DT12H30M") == -timedelta(days=1, hours=12, minutes=30)
    assert parse_offset("PT0H") == timedelta(0)
    with pytest.raises(ValueError, match="ISO-8601 duration"):
        parse_offset("1 hour")
