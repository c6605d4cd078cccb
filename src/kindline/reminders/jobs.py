"""The monthly low-usage hint (套餐建议): on the 25th at 10:00 local, each line
that has used less than 40% of its plan's voice, SMS or data this cycle gets
one SMS naming which (a hint that a cheaper plan may fit).

A durable timer per cycle ("reminders.low_usage", keyed by the cycle) runs it
and, in the same transaction, sets next month's, so the chain survives
restarts and fires once however many workers run. `ensure_scheduled` starts the
chain (idempotent: call it at start-up); `low_usage` runs one cycle now.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kindline.core import cycles, timers
from kindline.core.clock import Clock
from kindline.customers.models import Line
from kindline.reminders import rules
from kindline.reminders.service import notify
from kindline.usage import service as usage

LOW_USAGE = "reminders.low_usage"


def due_at(clock: Clock, cycle: str) -> datetime:
    """The cycle's low-usage moment: the 25th at 10:00, operator time."""
    config = rules.current()
    year, month = cycles.parse(cycle)
    return datetime.combine(date(year, month, config.low_usage_day), config.low_usage_at, tzinfo=clock.tz)


def _schedule(session: Session, clock: Clock, cycle: str) -> timers.Timer:
    return timers.schedule(session, clock, LOW_USAGE, cycle, due_at(clock, cycle), {"cycle": cycle})


def ensure_scheduled(session: Session, clock: Clock) -> timers.Timer:
    """The next low-usage run: this cycle's if its moment is still ahead, else next cycle's."""
    cycle = cycles.current(clock)
    if clock.now() >= due_at(clock, cycle):
        cycle = cycles.following(cycle)
    return _schedule(session, clock, cycle)


def low_resources(allowances, percent: int) -> list[str]:
    """The kinds of a plan used below `percent` (kinds the plan does not
    include, and kinds topped up with upgrade packs, are not "low")."""
    return [a.kind for a in allowances if a.total > 0 and not a.upgrades and a.used * 100 < percent * a.total]


def low_usage(session: Session, clock: Clock, cycle: str) -> int:
    """Send low_usage to every active primary mobile line opened before the
    cycle (a line opened during it has not had a month to use its plan);
    answers how many were sent now (a rerun sends none again)."""
    config = rules.current()
    start = cycles.starts_at(clock, cycle)
    candidates = session.scalars(select(Line).where(
        Line.kind == "mobile", Line.status == "active", Line.primary_line_id.is_(None), Line.activated_at < start)
        .order_by(Line.id))
    sent = 0
    for line in candidates:
        low = low_resources(usage.allowances(session, clock, line, cycle), config.low_usage_percent)
        if low and notify(session, clock, line, "low_usage", cycle=cycle, params={"resources": low}) is not None:
            sent += 1
    return sent


def _run(session: Session, clock: Clock, timer: timers.Timer) -> None:
    cycle = timer.payload["cycle"]
    low_usage(session, clock, cycle)
    _schedule(session, clock, cycles.following(cycle))


def install() -> None:
    timers.register(LOW_USAGE, _run)
