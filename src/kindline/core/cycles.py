"""Billing cycles: the natural month in the operator's time zone, named "YYYY-MM".

Fees, allowances, bills and "once per cycle" reminders all count by it, so
one module says where a cycle starts and ends.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from kindline.core.clock import Clock
from kindline.core.errors import Invalid

_CYCLE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def cycle_of(clock: Clock, moment: datetime) -> str:
    """The cycle a moment falls in, on the operator's calendar."""
    local = clock.local(moment)
    return f"{local.year:04d}-{local.month:02d}"


def current(clock: Clock) -> str:
    return cycle_of(clock, clock.now())


def parse(cycle: str) -> tuple[int, int]:
    match = _CYCLE.match(cycle or "")
    if not match:
        raise Invalid("invalid_cycle", "账期格式应为“年-月”，如 2026-11。", f"bad cycle {cycle!r}")
    return int(match.group(1)), int(match.group(2))


def first_day(cycle: str) -> date:
    year, month = parse(cycle)
    return date(year, month, 1)


def shift(cycle: str, months: int) -> str:
    year, month = parse(cycle)
    index = year * 12 + (month - 1) + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def previous(cycle: str) -> str:
    return shift(cycle, -1)


def following(cycle: str) -> str:
    return shift(cycle, 1)


def starts_at(clock: Clock, cycle: str) -> datetime:
    """The cycle's first moment (local midnight on the 1st), as an aware time."""
    year, month = parse(cycle)
    return datetime(year, month, 1, tzinfo=clock.tz)


def bounds(clock: Clock, cycle: str) -> tuple[datetime, datetime]:
    """[start, end) of the cycle."""
    return starts_at(clock, cycle), starts_at(clock, following(cycle))
