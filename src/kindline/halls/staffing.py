"""How many counters a hall needs: per hour from the arrival forecast, and
now, from the queue on the floor ("the number of open counters follows the
customer flow", DOMAIN.md).

The plan is the workforce module's Erlang C (workforce/staffing.py), with
visitors as calls and counters as agents: the fewest counters that call
`target_level` of ordinary visitors within the wait target, at a handling
time of at most 8 minutes. The green channel is planned apart at a wait
target of zero seconds: care counters enough that `green_level` of green
visitors find one free on arrival (Erlang C's 1 − P(wait)), and at least one
whenever the hall expects anyone, since an elderly visitor may come any time.
Green visitors are also taken first at every other counter (calling.py), so
the rest wait little more than one handling time.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kindline.core.clock import Clock
from kindline.core.errors import Invalid
from kindline.halls import eventlog as ev
from kindline.halls import queue, service
from kindline.halls.models import Hall, HallEvent
from kindline.halls.types import HANDLING_TARGET_SECONDS
from kindline.workforce.staffing import agents_needed

WAIT_TARGET_SECONDS = 15 * 60  # ordinary visitors: 80% called within 15 minutes
TARGET_LEVEL = 0.8
GREEN_LEVEL = 0.8  # green visitors finding a care counter free on arrival
HISTORY_WEEKS = 4
HOUR = 3600.0


@dataclass(frozen=True)
class HourPlan:
    hour: int
    arrivals: float
    green_arrivals: float
    counters: int  # for ordinary and VIP visitors
    care_counters: int  # the green channel
    total: int
    service_level: float  # ordinary visitors called within the wait target
    expected_wait_seconds: float | None  # mean wait of ordinary visitors (None: cannot keep up)


def _check(name: str, value: float, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not low <= value <= high:
        raise Invalid("invalid_staffing_input", f"{name} 应在 {low} 与 {high} 之间。", f"invalid {name}: {value!r}",
                      {"field": name})
    return float(value)


def plan(arrivals: dict[int, float], *, green_share: float, aht_seconds: float = HANDLING_TARGET_SECONDS,
         wait_target_seconds: float = WAIT_TARGET_SECONDS, target_level: float = TARGET_LEVEL,
         green_level: float = GREEN_LEVEL) -> list[HourPlan]:
    """One row per hour of the forecast (hour of day -> expected arrivals)."""
    green_share = _check("green_share", green_share, 0, 1)
    aht = _check("aht_seconds", aht_seconds, 30, HANDLING_TARGET_SECONDS)
    _check("wait_target_seconds", wait_target_seconds, 0, 4 * HOUR)
    rows = []
    for hour in sorted(arrivals):
        if not isinstance(hour, int) or not 0 <= hour <= 23:
            raise Invalid("invalid_staffing_input", "小时应为 0 到 23。", f"invalid hour {hour!r}", {"field": "hour"})
        total = _check("arrivals", arrivals[hour], 0, 10_000)
        green = total * green_share
        ordinary = agents_needed(total - green, HOUR, aht, target_level, wait_target_seconds)
        care = agents_needed(green, HOUR, aht, green_level, 0) if green else None
        care_counters = max(1 if total > 0 else 0, care.agents if care else 0)
        asa = ordinary.forecast.asa_seconds
        rows.append(HourPlan(hour, round(total, 2), round(green, 2), ordinary.agents, care_counters,
                             ordinary.agents + care_counters, round(ordinary.forecast.service_level, 4),
                             None if math.isinf(asa) else round(asa, 1)))
    return rows


def forecast(session: Session, clock: Clock, hall: Hall, day: date) -> tuple[dict[int, float], float]:
    """Arrivals per hour expected on `day`: the mean of the same weekday over
    the last four weeks; and the green share seen then (0.2 with no history)."""
    counts: dict[int, int] = defaultdict(int)
    green = total = 0
    for weeks in range(1, HISTORY_WEEKS + 1):
        past = day - timedelta(weeks=weeks)
        start = datetime.combine(past, time(0), clock.tz)
        for event in session.scalars(select(HallEvent).where(
                HallEvent.hall_id == hall.id, HallEvent.event == ev.TAKEN, HallEvent.at >= start,
                HallEvent.at < start + timedelta(days=1))):
            if event.data.get("via") == "transfer":
                continue
            counts[clock.local(event.at).hour] += 1
            total += 1
            green += int(bool(event.data.get("green")))
    return ({hour: n / HISTORY_WEEKS for hour, n in sorted(counts.items())},
            round(green / total, 4) if total else 0.2)


def as_dicts(rows: list[HourPlan]) -> list[dict[str, Any]]:
    return [asdict(r) for r in rows]


def suggest(session: Session, clock: Clock, hall: Hall,
            wait_target_seconds: float = WAIT_TARGET_SECONDS) -> dict[str, Any]:
    """Should another counter open now? Yes when the queue on the floor would
    take longer than the wait target to clear at the open counters, or when
    the last hour's arrivals need more counters (Erlang C) than are open."""
    found = queue.floor(session, clock, hall)
    open_count = len(found.desks)
    backlog = sum(found.aht[w.category] for w in found.waiting)
    clear_seconds = backlog / open_count if open_count else (math.inf if found.waiting else 0.0)
    since = clock.now() - timedelta(hours=1)
    recent = [e for e in session.scalars(select(HallEvent).where(
        HallEvent.hall_id == hall.id, HallEvent.event == ev.TAKEN, HallEvent.at >= since))
        if e.data.get("via") != "transfer"]
    mix = [found.aht[e.data["category"]] for e in recent]
    aht = min(HANDLING_TARGET_SECONDS, sum(mix) / len(mix)) if mix else HANDLING_TARGET_SECONDS
    needed = agents_needed(len(recent), HOUR, aht, TARGET_LEVEL, wait_target_seconds).agents if recent else 0
    needed = max(needed, 1 if recent or found.waiting else 0)
    closed = [c for c in service.counters(session, hall.id) if not c.is_open]
    waiting_by_cat: dict[str, int] = defaultdict(int)
    for w in found.waiting:
        waiting_by_cat[w.category] += 1
    best = max(closed, key=lambda c: (sum(waiting_by_cat[k] for k in c.categories), -c.number), default=None)
    open_more = bool(closed) and (clear_seconds > wait_target_seconds or needed > open_count)
    longest = None if math.isinf(clear_seconds) else round(clear_seconds)
    if open_more:
        message = (f"排队{len(found.waiting)}人，开放窗口{open_count}个，"
                   f"{'无人办理' if longest is None else f'约{queue.minutes(longest)}分钟才能叫完'}："
                   f"建议开启{best.number}号窗口。")
    else:
        message = f"排队{len(found.waiting)}人，开放窗口{open_count}个，暂不需要增开窗口。"
    return {"hall_id": hall.id, "waiting": len(found.waiting), "open_counters": open_count,
            "arrivals_last_hour": len(recent), "counters_needed": needed, "clear_seconds": longest,
            "wait_target_seconds": wait_target_seconds, "open_another": open_more,
            "counter": best.number if open_more and best else None, "message": message}
