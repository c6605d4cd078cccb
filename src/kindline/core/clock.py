"""Clocks: domain code asks a Clock for the time and never reads the wall clock.

The system clock serves production. The virtual clock serves demos, simulations
and acceptance tests: it stands still at the time it was given until it is
advanced or set, so the same SLA and reminder code runs on either.
"""

from __future__ import annotations

import threading
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from kindline.core.errors import Invalid


class Clock:
    """Base clock: aware UTC `now()`, and the operator's local view of it."""

    virtual = False

    def __init__(self, tz: str = "Asia/Shanghai") -> None:
        self.tz = ZoneInfo(tz)

    def now(self) -> datetime:  # pragma: no cover - overridden
        raise NotImplementedError

    def local_now(self) -> datetime:
        return self.now().astimezone(self.tz)

    def today(self) -> date:
        """The operator's calendar date: ages and cycles are counted on it."""
        return self.local_now().date()

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.tz)


class SystemClock(Clock):
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class VirtualClock(Clock):
    """A clock that moves only when told to."""

    virtual = True

    def __init__(self, start: datetime, tz: str = "Asia/Shanghai") -> None:
        super().__init__(tz)
        self._lock = threading.Lock()
        self._now = self._aware(start)

    def _aware(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.tz)
        return moment.astimezone(timezone.utc)

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> datetime:
        if seconds < 0:
            raise Invalid("clock_backwards", "虚拟时钟不能倒退。", "the virtual clock cannot go back")
        with self._lock:
            self._now += timedelta(seconds=seconds)
            return self._now

    def set(self, moment: datetime) -> datetime:
        with self._lock:
            self._now = self._aware(moment)
            return self._now


def parse_iso(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise Invalid("invalid_time", "时间格式不正确，应为 ISO 8601。", f"not an ISO 8601 time: {text!r}") from exc


def moment_of(text: str | None, clock: Clock, default: datetime) -> datetime:
    """A report's bound from a query: an ISO date (00:00 that day, local time)
    or time (without an offset: local time); `default` when none is given."""
    if not text:
        return default
    try:
        if len(text.strip()) == 10:
            return datetime.combine(date.fromisoformat(text.strip()), time(0), clock.tz)
        found = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise Invalid("invalid_time", "时间格式不正确，应为 ISO 8601 日期或时间。",
                      f"not an ISO 8601 date or time: {text!r}") from exc
    return found if found.tzinfo else found.replace(tzinfo=clock.tz)


def clock_from_setting(setting: str, tz: str) -> Clock:
    """`real` or `virtual:<ISO time>` (a time without offset is read in `tz`)."""
    if setting == "real":
        return SystemClock(tz)
    if setting.startswith("virtual:"):
        return VirtualClock(parse_iso(setting.removeprefix("virtual:")), tz)
    raise ValueError(f"KINDLINE_CLOCK must be 'real' or 'virtual:<ISO time>', not {setting!r}")
