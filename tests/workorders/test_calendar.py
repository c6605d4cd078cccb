"""Working-time calendars: around the clock, and business hours on China's
working days (public holidays and adjusted workdays from chinesecalendar)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from kindline.workorders.calendar import Calendar

TZ = ZoneInfo("Asia/Shanghai")
OFFICE = Calendar("business_hours", TZ, time(9, 0), time(17, 30))


def at(*parts) -> datetime:
    return datetime(*parts, tzinfo=TZ)


def test_around_the_clock_is_plain_addition():
    calendar = Calendar("around_the_clock", TZ)
    assert calendar.add(at(2026, 11, 27, 16), 8 * 3600) == at(2026, 11, 28, 0)
    assert calendar.elapsed(at(2026, 11, 27, 16), at(2026, 11, 28, 0)) == 8 * 3600


def test_friday_afternoon_plus_eight_working_hours_is_monday_afternoon():
    # 16:00-17:30 on Friday 27 November is 1.5 h; the other 6.5 h run from 09:00 on Monday.
    assert OFFICE.add(at(2026, 11, 27, 16), 8 * 3600) == at(2026, 11, 30, 15, 30)


def test_national_day_is_skipped_and_the_adjusted_saturday_works():
    # 30 September 17:00 + 1 h: half an hour that day, then 1-7 October are holidays.
    assert OFFICE.add(at(2026, 9, 30, 17), 3600) == at(2026, 10, 8, 9, 30)
    # Saturday 10 October 2026 is an adjusted workday (调休).
    assert OFFICE.elapsed(at(2026, 10, 10, 0), at(2026, 10, 11, 0)) == 8.5 * 3600


def test_configured_closed_days_count_as_holidays():
    closed = Calendar("local", TZ, time(9, 0), time(17, 30), frozenset({at(2026, 11, 30).date()}))
    assert closed.add(at(2026, 11, 27, 16), 8 * 3600) == at(2026, 12, 1, 15, 30)


def test_a_start_outside_hours_begins_at_the_next_opening():
    assert OFFICE.add(at(2026, 11, 24, 20), 60) == at(2026, 11, 25, 9, 1)


@settings(max_examples=60, deadline=None)
@given(start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 1)),
       seconds=st.integers(min_value=0, max_value=30 * 86400))
def test_elapsed_undoes_add(start, seconds):
    begin = start.replace(tzinfo=TZ)
    end = OFFICE.add(begin, seconds)
    assert end >= begin
    assert abs(OFFICE.elapsed(begin, end) - seconds) < 1e-6
    assert OFFICE.add(begin, seconds + 1) > end - timedelta(microseconds=1)
