"""Opening hours: per weekday, with special days (holidays, shortened days)
that replace their weekday; read on the injected clock in the operator's time
zone, so "open now" in a test or a simulation is the virtual clock's now.

A hall stores them as plain JSON (models.Hall); this module checks what is
stored, so a typo in a time is refused when the hall is saved, never found
out when an elderly visitor asks whether the hall is open.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from kindline.core.errors import Invalid

WEEKDAY_NAMES = {1: "周一", 2: "周二", 3: "周三", 4: "周四", 5: "周五", 6: "周六", 7: "周日"}
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")

Intervals = list[tuple[time, time | None]]  # None as the end: midnight


def _bad(what: str, value: object) -> Invalid:
    return Invalid("invalid_hours", f"营业时间格式不正确：{what}。", f"invalid opening hours: {what}: {value!r}",
                   {"value": str(value)})


def _time(text: str) -> time | None:
    if not isinstance(text, str) or not _HHMM.match(text):
        raise _bad("时间应为 HH:MM", text)
    return None if text == "24:00" else time.fromisoformat(text)


def _intervals(raw: object) -> Intervals:
    if not isinstance(raw, list):
        raise _bad("每天应为时段列表", raw)
    found: Intervals = []
    for pair in raw:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise _bad("时段应为 [开始, 结束]", pair)
        start, end = _time(pair[0]), _time(pair[1])
        if start is None or (end is not None and end <= start):
            raise _bad("结束须晚于开始", pair)
        found.append((start, end))
    found.sort()
    for (_, end), (start, _) in zip(found, found[1:]):
        if end is None or start < end:
            raise _bad("时段不能重叠", raw)
    return found


def check(hours: dict, special_days: dict) -> tuple[dict[str, list[list[str]]], dict[str, list[list[str]]]]:
    """The hours as stored, after checking every time; raises Invalid otherwise."""
    if not isinstance(hours, dict) or not isinstance(special_days, dict):
        raise _bad("应为对象", hours)
    weekly = {}
    for key, raw in hours.items():
        if str(key) not in {str(d) for d in WEEKDAY_NAMES}:
            raise _bad("星期应为 1 到 7", key)
        _intervals(raw)
        weekly[str(key)] = [list(pair) for pair in raw]
    special = {}
    for key, raw in special_days.items():
        try:
            date.fromisoformat(str(key))
        except ValueError:
            raise _bad("特殊日期应为 YYYY-MM-DD", key) from None
        _intervals(raw)
        special[str(key)] = [list(pair) for pair in raw]
    return weekly, special


@dataclass(frozen=True)
class Hours:
    weekly: dict[str, list[list[str]]]
    special: dict[str, list[list[str]]]

    def on(self, day: date) -> Intervals:
        """The day's opening intervals: the special day's when there is one."""
        raw = self.special.get(day.isoformat())
        if raw is None:
            raw = self.weekly.get(str(day.isoweekday()), [])
        return _intervals(raw)

    def is_open(self, local: datetime) -> bool:
        now = local.time()
        return any(start <= now and (end is None or now < end) for start, end in self.on(local.date()))

    def closes_at(self, local: datetime) -> datetime | None:
        """When the interval open now ends (None when closed now)."""
        now = local.time()
        for start, end in self.on(local.date()):
            if start <= now and (end is None or now < end):
                day = local.date() + timedelta(days=1) if end is None else local.date()
                return datetime.combine(day, end or time(0), tzinfo=local.tzinfo)
        return None

    def next_open(self, local: datetime, days: int = 14) -> datetime | None:
        """The next opening from `local` on (None: closed for the next two weeks)."""
        for offset in range(days + 1):
            day = local.date() + timedelta(days=offset)
            for start, _end in self.on(day):
                moment = datetime.combine(day, start, tzinfo=local.tzinfo)
                if moment > local:
                    return moment
        return None

    def text(self, day: date) -> str:
        """"09:00-12:00、13:30-17:30", or 休息."""
        spans = [f"{start:%H:%M}-{'24:00' if end is None else f'{end:%H:%M}'}" for start, end in self.on(day)]
        return "、".join(spans) or "休息"


def of(hall) -> Hours:
    return Hours(hall.hours or {}, hall.special_days or {})
