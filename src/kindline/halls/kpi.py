"""Hall KPIs for a period [from, to), read from the event log (docs/halls.md
defines each figure; this module is that text in code).

The cohort is the tickets taken in the period; what became of them (called,
served, passed over, expired) is read from their later events up to now, so
a ticket taken at 19:58 and served after 20:00 counts on its day. Counter
time (open, busy) is clipped to the period. Care-station visits and classes
are read from their own logs, by the visit's time and the class's start.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from kindline.core.clock import Clock
from kindline.halls import eventlog as ev
from kindline.halls.models import CareVisit, ClassSignup, ElderClass, FollowUpVisit, HallEvent
from kindline.halls.types import HANDLING_TARGET_SECONDS, REMOTE_HOLD

CHUNK = 500
# How far before the period the counter log is read: counters are opened every
# day, and no visitor stays at a counter for a day.
COUNTER_LOOKBACK = timedelta(days=7)
BUSY_LOOKBACK = timedelta(days=1)


def p90(values: list[float]) -> float | None:
    """Nearest rank: the smallest value with at least 90% of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _stats(values: list[float]) -> dict[str, Any]:
    return {"count": len(values), "mean_seconds": round(sum(values) / len(values), 1) if values else None,
            "p90_seconds": p90(values)}


def _handling(values: list[float]) -> dict[str, Any]:
    within = sum(1 for v in values if v <= HANDLING_TARGET_SECONDS)
    stats = _stats(values)
    return {**stats, "within_target": within, "within_target_rate": _rate(within, len(values)),
            "mean_within_target": None if stats["mean_seconds"] is None
            else stats["mean_seconds"] <= HANDLING_TARGET_SECONDS}


def _events(session: Session, stmt) -> list[HallEvent]:
    return list(session.scalars(stmt.order_by(HallEvent.at, HallEvent.id)))


def _cohort(session: Session, start: datetime, end: datetime, hall_id: int | None) -> tuple[list, list]:
    stmt = select(HallEvent).where(HallEvent.event == ev.TAKEN, HallEvent.at >= start, HallEvent.at < end)
    if hall_id is not None:
        stmt = stmt.where(HallEvent.hall_id == hall_id)
    taken = _events(session, stmt)
    ids = [e.ticket_id for e in taken]
    later: list[HallEvent] = []
    for i in range(0, len(ids), CHUNK):
        later += _events(session, select(HallEvent).where(HallEvent.ticket_id.in_(ids[i:i + CHUNK]),
                                                          HallEvent.event != ev.TAKEN))
    later.sort(key=lambda e: (e.at, e.id))
    return taken, later


def _tickets(taken: list[HallEvent], clock: Clock) -> dict[str, Any]:
    visits = [e for e in taken if e.data.get("via") != "transfer"]
    by_category: dict[str, int] = defaultdict(int)
    by_hour: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for e in visits:
        by_category[e.data["category"]] += 1
        by_hour[e.data["category"]][f"{clock.local(e.at):%H}"] += 1
    return {"taken": len(visits), "green": sum(1 for e in visits if e.data.get("green")),
            "vip": sum(1 for e in visits if e.data.get("lane") == "vip"),
            "remote": sum(1 for e in visits if e.data.get("remote")),
            "transfers": len(taken) - len(visits),
            "by_category": dict(sorted(by_category.items())),
            "by_hour": {c: dict(sorted(h.items())) for c, h in sorted(by_hour.items())}}


def _outcomes(taken: list[HallEvent], later: list[HallEvent], now: datetime) -> dict[str, Any]:
    facts = {e.ticket_id: e.data for e in taken}
    waits: dict[str, list[float]] = defaultdict(list)
    handling: dict[str, list[float]] = defaultdict(list)
    seen_call: set[int] = set()
    no_shows = expired = 0
    for e in later:
        if e.event == ev.CALLED and e.ticket_id not in seen_call:
            seen_call.add(e.ticket_id)
            wait = float(e.data["wait_seconds"])
            waits[e.data["category"]].append(wait)
            waits["_all"].append(wait)
            waits[f"_{e.data['lane']}"].append(wait)
        elif e.event == ev.DONE:
            handling[e.data["category"]].append(float(e.data["handling_seconds"]))
            handling["_all"].append(float(e.data["handling_seconds"]))
        elif e.event == ev.NOSHOW:
            no_shows += 1
        elif e.event == ev.EXPIRED:
            expired += 1
    finished = {e.ticket_id for e in later if e.event in (*ev.LEAVES_COUNTER, ev.EXPIRED)}
    touched = {e.ticket_id for e in later}
    for e in taken:  # expiry is written when the hall is next read: a hold that ran out is counted anyway
        if e.data.get("remote") and e.ticket_id not in touched and e.at + REMOTE_HOLD <= now:
            expired += 1
            finished.add(e.ticket_id)
    categories = sorted({d["category"] for d in facts.values()})
    return {
        "waits": {"all": _stats(waits["_all"]), "green_channel": _stats(waits["_green"]),
                  "vip": _stats(waits["_vip"]), "ordinary": _stats(waits["_ordinary"]),
                  "by_category": {c: _stats(waits[c]) for c in categories},
                  "not_called": sum(1 for t in facts if t not in seen_call and t not in finished)},
        "handling": {"target_seconds": HANDLING_TARGET_SECONDS, "all": _handling(handling["_all"]),
                     "by_category": {c: _handling(handling[c]) for c in categories}},
        "no_shows": {"count": no_shows, "called": len(seen_call), "rate": _rate(no_shows, len(seen_call))},
        "expired": expired,
    }


def _clip(spans: list[tuple[datetime, datetime]], start: datetime, end: datetime) -> float:
    return sum(max(0.0, (min(b, end) - max(a, start)).total_seconds()) for a, b in spans)


def _counters(session: Session, start: datetime, end: datetime, now: datetime,
              hall_id: int | None) -> list[dict[str, Any]]:
    """Open time from the COUNTER events, busy time from a ticket's first call
    at a counter to its leaving it (done, passed over, transferred); either
    still running is counted up to now."""
    stop = min(end, now)
    stmt = select(HallEvent).where(
        HallEvent.at < end, HallEvent.counter_number.is_not(None),
        or_(and_(HallEvent.event == ev.COUNTER, HallEvent.at >= start - COUNTER_LOOKBACK),
            and_(HallEvent.event.in_((ev.CALLED, *ev.LEAVES_COUNTER)), HallEvent.at >= start - BUSY_LOOKBACK)))
    if hall_id is not None:
        stmt = stmt.where(HallEvent.hall_id == hall_id)
    opened: dict[tuple[int, int], datetime | None] = {}
    open_spans: dict[tuple[int, int], list] = defaultdict(list)
    busy_from: dict[int, tuple[tuple[int, int], datetime]] = {}
    busy_spans: dict[tuple[int, int], list] = defaultdict(list)
    for e in _events(session, stmt):
        key = (e.hall_id, e.counter_number)
        if e.event == ev.COUNTER:
            if e.data.get("state") == "open" and opened.get(key) is None:
                opened[key] = e.at
            elif e.data.get("state") == "closed" and opened.get(key) is not None:
                open_spans[key].append((opened[key], e.at))
                opened[key] = None
        elif e.event == ev.CALLED:
            busy_from[e.ticket_id] = (key, e.at)
        elif e.ticket_id in busy_from:
            began_key, began = busy_from.pop(e.ticket_id)
            busy_spans[began_key].append((began, e.at))
    for key, since in opened.items():
        if since is not None:
            open_spans[key].append((since, stop))
    for key, since in busy_from.values():
        busy_spans[key].append((since, stop))
    found = []
    for key in sorted(set(open_spans) | set(busy_spans)):
        open_s, busy_s = _clip(open_spans[key], start, stop), _clip(busy_spans[key], start, stop)
        if open_s or busy_s:
            found.append({"hall_id": key[0], "counter": key[1], "open_seconds": round(open_s),
                          "busy_seconds": round(busy_s), "utilisation": _rate(round(busy_s), round(open_s))})
    return found


def _care(session: Session, start: datetime, end: datetime, hall_id: int | None) -> dict[str, Any]:
    stmt = select(CareVisit.service, CareVisit.group).where(CareVisit.at >= start, CareVisit.at < end)
    if hall_id is not None:
        stmt = stmt.where(CareVisit.hall_id == hall_id)
    rows = session.execute(stmt).all()
    by_service: dict[str, int] = defaultdict(int)
    by_group: dict[str, int] = defaultdict(int)
    for service, group in rows:
        by_service[service] += 1
        by_group[group] += 1
    return {"visits": len(rows), "by_service": dict(sorted(by_service.items())),
            "by_group": dict(sorted(by_group.items()))}


def _classes(session: Session, start: datetime, end: datetime, hall_id: int | None) -> dict[str, Any]:
    stmt = select(ElderClass.id).where(ElderClass.starts_at >= start, ElderClass.starts_at < end)
    if hall_id is not None:
        stmt = stmt.where(ElderClass.hall_id == hall_id)
    ids = list(session.scalars(stmt))
    rows = list(session.scalars(select(ClassSignup).where(ClassSignup.class_id.in_(ids)))) if ids else []
    visits = list(session.scalars(select(FollowUpVisit).where(
        FollowUpVisit.signup_id.in_([s.id for s in rows])))) if rows else []
    by_channel: dict[str, int] = defaultdict(int)
    for signup in rows:
        by_channel[signup.channel] += 1
    attended = sum(1 for s in rows if s.attended)
    return {"classes": len(ids), "signed_up": len(rows), "attended": attended,
            "attendance_rate": _rate(attended, len(rows)), "by_channel": dict(sorted(by_channel.items())),
            "followup_group": sum(1 for s in rows if s.followup_group),
            "follow_up_visits": len(visits), "follow_ups_solved": sum(1 for v in visits if v.solved),
            "follow_up_solved_rate": _rate(sum(1 for v in visits if v.solved), len(visits))}


def compute(session: Session, clock: Clock, start: datetime, end: datetime, hall_id: int | None = None
            ) -> dict[str, Any]:
    taken, later = _cohort(session, start, end, hall_id)
    return {"from": start.isoformat(), "to": end.isoformat(), "hall_id": hall_id,
            "tickets": _tickets(taken, clock), **_outcomes(taken, later, clock.now()),
            "counters": _counters(session, start, end, clock.now(), hall_id),
            "care_station": _care(session, start, end, hall_id),
            "classes": _classes(session, start, end, hall_id)}
