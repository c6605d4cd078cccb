"""Hotline KPIs for a period [from, to), read from the event log alone
(docs/hotline.md defines each figure exactly; this module is that text in code).

The cohort is the contacts that entered a human queue in the period; what
became of them (answered, abandoned, a callback, their handling) is read from
their later events up to `now`, so a contact that entered at 23:59 and was
answered after midnight counts on the day it called. Agents' time is clipped
to the period.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kindline.hotline import eventlog as ev
from kindline.hotline.models import HotlineEvent

SEGMENTS = ("vip", "ordinary", "elderly")
THRESHOLD_SECONDS = 20
TARGETS = {"vip": 0.90, "ordinary": 0.80, "elderly": None}  # DOMAIN.md: 90/20 and 80/20; elderly shown, no target
SHORT_ABANDON_SECONDS = 5
REPEAT_WINDOW = timedelta(days=7)
FCR_TARGET = 0.88
LONG_CALL_SECONDS = 600
BUSY = ("on_contact", "wrapup")
STAFFED = ("available", "ringing", "on_contact", "wrapup")
CHUNK = 2000
STORY_EVENTS = (ev.ARRIVE, ev.CONNECT, ev.ABANDON, ev.CALLBACK, ev.COMPLETEAGENT, ev.COMPLETECALLER, ev.WRAPUPEND,
                ev.DISPOSITION)


@dataclass
class Story:
    """One contact of the cohort, as its events tell it."""

    contact_id: int
    entered_at: datetime
    segment: str
    caller: str | None = None
    elder_rule: bool = False
    holdtime: int | None = None  # set when answered
    abandoned_wait: int | None = None
    callback: bool = False
    agent_id: int | None = None
    ended_at: datetime | None = None
    calltime: int | None = None
    wrapuptime: int | None = None
    resolved: bool | None = None

    @property
    def handled(self) -> int | None:
        if self.calltime is None or self.wrapuptime is None:
            return None
        return self.calltime + self.wrapuptime


@dataclass
class Level:
    within: int = 0
    answered: int = 0
    abandoned_after: int = 0
    abandoned_short: int = 0
    hold_total: int = 0
    handled: list[int] = field(default_factory=list)

    def as_dict(self, target: float | None) -> dict[str, Any]:
        counted = self.answered + self.abandoned_after
        abandoned = self.abandoned_after + self.abandoned_short
        return {
            "threshold_seconds": THRESHOLD_SECONDS, "target": target,
            "answered_within_threshold": self.within, "answered": self.answered,
            "abandoned_after_5s": self.abandoned_after, "abandoned_within_5s": self.abandoned_short,
            "service_level": _rate(self.within, counted),
            "asa_seconds": _mean_of(self.hold_total, self.answered),
            "abandonment_rate": _rate(abandoned, self.answered + abandoned),
            "handled": len(self.handled), "aht_seconds": _mean(self.handled),
        }


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _mean_of(total: float, count: int) -> float | None:
    return round(total / count, 1) if count else None


def _mean(values: list[int]) -> float | None:
    return _mean_of(sum(values), len(values))


def _stories(events: Iterable[Any], now: datetime, start: datetime, end: datetime) -> dict[int, Story]:
    stories = {e.contact_id: Story(e.contact_id, e.at, e.data.get("segment", "ordinary")) for e in events
               if e.event == ev.ENTERQUEUE and start <= e.at < end and e.at <= now}
    for event in events:
        story = stories.get(event.contact_id) if event.event in STORY_EVENTS and event.at <= now else None
        if story is None:
            continue
        data = event.data
        if event.event == ev.ARRIVE:
            story.caller, story.elder_rule = data.get("caller"), bool(data.get("elder_rule"))
        elif event.event == ev.CONNECT and story.holdtime is None:
            story.holdtime, story.agent_id = int(data.get("holdtime", 0)), event.agent_id
        elif event.event == ev.ABANDON:
            story.abandoned_wait = int(data.get("waittime", 0))
        elif event.event == ev.CALLBACK:
            story.callback = True
        elif event.event in (ev.COMPLETEAGENT, ev.COMPLETECALLER):
            story.ended_at, story.calltime = event.at, int(data.get("calltime", 0))
        elif event.event == ev.WRAPUPEND:
            story.wrapuptime = int(data.get("wrapuptime", 0))
        if event.event in (ev.WRAPUPEND, ev.DISPOSITION) and data.get("resolved") is not None:
            story.resolved = bool(data["resolved"])
    return stories


def _levels(stories: dict[int, Story]) -> dict[str, Level]:
    levels = {name: Level() for name in (*SEGMENTS, "all")}
    for story in stories.values():
        for level in (levels.setdefault(story.segment, Level()), levels["all"]):
            if story.handled is not None:
                level.handled.append(story.handled)
            if story.callback:
                continue  # the caller was not waiting on the line: counted apart
            if story.holdtime is not None:
                level.answered += 1
                level.hold_total += story.holdtime
                level.within += story.holdtime <= THRESHOLD_SECONDS
            elif story.abandoned_wait is not None:
                if story.abandoned_wait > SHORT_ABANDON_SECONDS:
                    level.abandoned_after += 1
                else:
                    level.abandoned_short += 1
    return levels


def _repeat_window(stories: dict[int, Story], now: datetime) -> tuple[datetime, datetime] | None:
    """(after, until]: where a new arrival of a handled caller can undo a first-contact resolution."""
    ends = [s.ended_at for s in stories.values() if s.holdtime is not None and s.ended_at is not None]
    return (min(ends), min(now, max(ends) + REPEAT_WINDOW)) if ends else None


def _fcr(events: Iterable[Any], stories: dict[int, Story], now: datetime) -> dict[str, Any]:
    handled = [s for s in stories.values() if s.holdtime is not None and s.ended_at is not None]
    window = _repeat_window(stories, now)
    arrivals: dict[str, list[datetime]] = defaultdict(list)
    for event in events if window else ():
        if event.event == ev.ARRIVE and window[0] < event.at <= window[1]:
            arrivals[event.data.get("caller")].append(event.at)
    resolved = repeated = window_open = 0
    for story in handled:
        if not story.resolved:
            continue
        again = any(story.ended_at < at <= story.ended_at + REPEAT_WINDOW for at in arrivals.get(story.caller, ()))
        if again:
            repeated += 1
            continue
        resolved += 1
        window_open += story.ended_at + REPEAT_WINDOW > now
    return {"handled": len(handled), "resolved_first_time": resolved, "resolved_but_called_again": repeated,
            "window_still_open": window_open, "rate": _rate(resolved, len(handled)), "target": FCR_TARGET,
            "repeat_window_days": REPEAT_WINDOW.days}


def _agent_time(events: Iterable[Any], now: datetime, start: datetime, end: datetime) -> dict[int, dict[str, float]]:
    """Seconds each agent spent busy and staffed in [start, min(end, now)); an
    agent's state before `start` is the last AGENTSTATE they had then."""
    stop = min(end, now)
    time: dict[int, dict[str, float]] = defaultdict(lambda: {"busy": 0.0, "staffed": 0.0})
    if stop <= start:
        return time
    state: dict[int, tuple[str, datetime]] = {}

    def close(agent_id: int, until: datetime) -> None:
        if agent_id in state:
            current, since = state[agent_id]
            span = (until - since).total_seconds()
            time[agent_id]["busy"] += span if current in BUSY else 0.0
            time[agent_id]["staffed"] += span if current in STAFFED else 0.0

    for event in events:
        if event.event != ev.AGENTSTATE or event.at >= stop:
            continue
        if event.at < start:
            state[event.agent_id] = (event.data.get("state", "offline"), start)
            continue
        close(event.agent_id, event.at)
        state[event.agent_id] = (event.data.get("state", "offline"), event.at)
    for agent_id in list(state):
        close(agent_id, stop)
    return time


def _agents(stories: dict[int, Story], time: dict[int, dict[str, float]]) -> tuple[list[dict], dict[str, Any]]:
    measured: dict[int, list[int]] = defaultdict(list)
    elderly: dict[int, list[int]] = defaultdict(list)
    for story in stories.values():
        if story.agent_id is not None and story.handled is not None:
            (elderly if story.segment == "elderly" else measured)[story.agent_id].append(story.handled)
    rows = []
    for agent_id in sorted(set(measured) | set(elderly) | set(time)):
        busy, staffed = time[agent_id]["busy"], time[agent_id]["staffed"]
        rows.append({"agent_id": agent_id, "contacts": len(measured[agent_id]),
                     "aht_seconds": _mean(measured[agent_id]), "elderly_contacts": len(elderly[agent_id]),
                     "elderly_aht_seconds": _mean(elderly[agent_id]), "busy_seconds": round(busy, 1),
                     "staffed_seconds": round(staffed, 1), "occupancy": round(busy / staffed, 4) if staffed else None})
    busy = sum(t["busy"] for t in time.values())
    staffed = sum(t["staffed"] for t in time.values())
    return rows, {"busy_seconds": round(busy, 1), "staffed_seconds": round(staffed, 1),
                  "rate": round(busy / staffed, 4) if staffed else None}


def _arrivals(events: Iterable[Any], now: datetime, start: datetime, end: datetime) -> dict[str, Any]:
    arrived = elder = self_served = 0
    people: set[Any] = set()
    for event in events:
        if not (start <= event.at < end and event.at <= now):
            continue
        if event.event == ev.ARRIVE:
            arrived += 1
            if event.data.get("elder_rule"):
                elder += 1
                people.add(event.data.get("customer_id") or event.data.get("caller"))
        elif event.event == ev.IVREND and event.data.get("outcome") == "self_service":
            self_served += 1
    return {"arrived": arrived, "self_served": self_served, "one_key": {"services": elder, "people": len(people)}}


def _rows(session: Session, *conditions: Any) -> list[HotlineEvent]:
    return list(session.scalars(select(HotlineEvent).where(*conditions)))


def _log(session: Session, now: datetime, start: datetime, end: datetime) -> list[HotlineEvent]:
    """The part of the log the figures of [start, end) need, in log order: the
    cohort's events, arrivals in the repeat window, agents' states."""
    found = _rows(session, HotlineEvent.event == ev.ENTERQUEUE, HotlineEvent.at >= start,
                  HotlineEvent.at < end, HotlineEvent.at <= now)
    ids = sorted({e.contact_id for e in found})
    for first in range(0, len(ids), CHUNK):
        found += _rows(session, HotlineEvent.contact_id.in_(ids[first:first + CHUNK]),
                       HotlineEvent.event.in_(STORY_EVENTS), HotlineEvent.at <= now)
    window = _repeat_window(_stories(sorted(found, key=lambda e: e.id), now, start, end), now)
    if window:
        found += _rows(session, HotlineEvent.event == ev.ARRIVE, HotlineEvent.at > window[0],
                       HotlineEvent.at <= window[1])
    found += _rows(session, HotlineEvent.event.in_((ev.ARRIVE, ev.IVREND)), HotlineEvent.at >= start,
                   HotlineEvent.at < end, HotlineEvent.at <= now)
    latest = (select(func.max(HotlineEvent.id)).where(HotlineEvent.event == ev.AGENTSTATE, HotlineEvent.at < start)
              .group_by(HotlineEvent.agent_id))
    found += _rows(session, HotlineEvent.id.in_(latest))
    found += _rows(session, HotlineEvent.event == ev.AGENTSTATE, HotlineEvent.at >= start,
                   HotlineEvent.at < min(end, now))
    return sorted({e.id: e for e in found}.values(), key=lambda e: e.id)


def compute(session: Session, now: datetime, start: datetime, end: datetime) -> dict[str, Any]:
    """The figures of [start, end) from the database's log (the API and the console)."""
    return from_events(_log(session, now, start, end), now, start, end)


def from_events(events: Sequence[Any], now: datetime, start: datetime, end: datetime) -> dict[str, Any]:
    """The figures of [start, end) from events in log order: rows of hl_events
    or any records with the same fields (at, event, contact_id, agent_id,
    data), such as the simulator's. One definition for the live hotline and
    the simulated one."""
    stories = _stories(events, now, start, end)
    levels = _levels(stories)
    agents, occupancy = _agents(stories, _agent_time(events, now, start, end))
    arrivals = _arrivals(events, now, start, end)
    elderly = [s for s in stories.values() if s.segment == "elderly"]
    one_key = [s for s in stories.values() if s.elder_rule]
    callbacks = [s for s in stories.values() if s.callback]
    measured = [s.handled for s in stories.values() if s.handled is not None and s.segment != "elderly"]
    return {
        "from": start.isoformat(), "to": end.isoformat(), "as_of": now.isoformat(),
        "contacts": {"arrived": arrivals["arrived"], "self_served_in_ivr": arrivals["self_served"],
                     "entered_queue": len(stories),
                     "answered": sum(s.holdtime is not None for s in stories.values()),
                     "abandoned": sum(s.abandoned_wait is not None for s in stories.values()),
                     "still_waiting": sum(s.holdtime is None and s.abandoned_wait is None and not s.callback
                                          for s in stories.values())},
        "by_segment": {name: levels[name].as_dict(TARGETS.get(name)) for name in SEGMENTS},
        "all": levels["all"].as_dict(None),
        "aht_agent_measured_seconds": _mean(measured),
        "elderly_handling": {"handled": len(levels["elderly"].handled), "aht_seconds": _mean(levels["elderly"].handled),
                             "long_calls": sum(1 for s in elderly if (s.calltime or 0) > LONG_CALL_SECONDS),
                             "long_call_seconds": LONG_CALL_SECONDS},
        "occupancy": occupancy,
        "first_contact_resolution": _fcr(events, stories, now),
        "one_key_elderly": {**arrivals["one_key"], "answered": sum(s.holdtime is not None for s in one_key)},
        "callbacks": {"requested": len(callbacks), "completed": sum(s.holdtime is not None for s in callbacks)},
        "agents": agents,
    }
