"""Working-time calendars for SLA limits: around the clock, or business hours
on China's working days.

A limit of "8 working hours" on the business calendar, started on a Friday at
16:00, ends on Monday at 15:00 (or later, after a public holiday). Working days
come from chinesecalendar, which carries the State Council's holiday and
adjusted-workday (调休) schedule; years it does not yet know fall back to
Monday to Friday. Extra closed days (a local holiday) can be configured.

All arithmetic is done in the operator's local time and answered in the same
time zone as the input, so a due time is the same instant on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

MAX_DAYS = 3660  # a limit longer than ten years of working days is a configuration error


def _is_cn_workday(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year the package does not know yet
        return day.weekday() < 5


@dataclass(frozen=True)
class Calendar:
    """`opens`/`closes` None means around the clock (24x7)."""

    name: str
    tz: ZoneInfo
    opens: time | None = None
    closes: time | None = None
    closed_days: frozenset[date] = field(default_factory=frozenset)

    @property
    def around_the_clock(self) -> bool:
        return self.opens is None

    def _working(self, day: date) -> bool:
        return day not in self.closed_days and _is_cn_workday(day)

    def _window(self, day: date) -> tuple[datetime, datetime] | None:
        if not self._working(day):
            return None
        assert self.opens is not None and self.closes is not None
        return (datetime.combine(day, self.opens, self.tz), datetime.combine(day, self.closes, self.tz))

    def add(self, start: datetime, seconds: float) -> datetime:
        """The moment `seconds` of working time after `start`."""
        if self.around_the_clock:
            return start + timedelta(seconds=seconds)
        local = start.astimezone(self.tz)
        remaining = max(0.0, seconds)
        day = local.date()
        for _ in range(MAX_DAYS):
            window = self._window(day)
            if window is not None:
                begin = max(window[0], local)
                if begin < window[1]:
                    available = (window[1] - begin).total_seconds()
                    if remaining <= available:
                        return (begin + timedelta(seconds=remaining)).astimezone(start.tzinfo)
                    remaining -= available
            day += timedelta(days=1)
        raise ValueError(f"calendar {self.name}: no working time within {MAX_DAYS} days")

    def elapsed(self, start: datetime, end: datetime) -> float:
        """Working seconds between two moments (0 when end is not after start)."""
        if end <= start:
            return 0.0
        if self.around_the_clock:
            return (end - start).total_seconds()
        local_start, local_end = start.astimezone(self.tz), end.astimezone(self.tz)
        total, day = 0.0, local_start.date()
        while day <= local_end.date():
            window = self._window(day)
            if window is not None:
                begin, finish = max(window[0], local_start), min(window[1], local_end)
                if finish > begin:
                    total += (finish - begin).total_seconds()
            day += timedelta(days=1)
        return total
