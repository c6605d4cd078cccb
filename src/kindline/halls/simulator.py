"""The hall simulator: a day of a hall played on a virtual clock through the
same services the counters use (tickets.take, desk.call_next, desk.complete,
...), so the calling engine, the event log and the KPIs are the real ones.

Visitors arrive as a Poisson process at each hour's rate, with the scenario's
category mix, green-channel and VIP shares, log-normal handling times and a
share who never come when called (three calls, then passed over). Every
random draw about the visitors is made up front from a stream seeded by the
scenario's seed, so the same visitors come whatever the number of counters:
runs with 3, 4 and 5 counters differ only by the counters (common random
numbers), and the same seed prints the same figures every time.

`kindline simulate hall SCENARIO.yaml` runs it on a throw-away in-memory
database; the demo plays a day of its halls with it (demo/halls.py).
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from kindline.core.clock import VirtualClock
from kindline.core.errors import NotFound
from kindline.halls import calling, desk, kpi, queue, service, tickets
from kindline.halls.models import Hall
from kindline.halls.scenario import Scenario
from kindline.halls.tickets import Identity
from kindline.halls.types import REMOTE_HOLD

GROUP_WEIGHTS = {"elderly": 80, "disabled": 8, "pregnant": 7, "military": 5}
RECALL_EVERY = 60.0  # seconds between calls of a visitor who does not come
Who = Callable[[random.Random, str | None, bool], Identity]


@dataclass
class Visitor:
    at: datetime  # arrival at the hall
    category: str
    group: str | None
    vip: bool
    handling: float  # seconds at the counter
    walk: float  # seconds from the call to the counter
    no_show: bool
    remote_lead: float | None  # seconds before arriving that a remote ticket was taken


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def visitors(scenario: Scenario, tz) -> list[Visitor]:
    """The day's visitors, drawn from the scenario's seed alone."""
    rng = random.Random(f"{scenario.seed}:visitors")
    opens = datetime.combine(scenario.day, scenario.opens, tz)
    closes = datetime.combine(scenario.day, scenario.closes, tz)
    sigma = scenario.handling_spread
    found = []
    for hour in sorted(scenario.arrivals_per_hour):
        rate = scenario.arrivals_per_hour[hour]
        begin = max(opens, datetime.combine(scenario.day, scenario.opens.replace(hour=hour, minute=0), tz))
        end = min(closes, datetime.combine(scenario.day, scenario.opens.replace(hour=hour, minute=0), tz)
                  + timedelta(hours=1))
        moment = begin
        while rate > 0:
            moment += timedelta(seconds=rng.expovariate(rate / 3600.0))
            if moment >= end:
                break
            category = _pick(rng, scenario.category_mix)
            green = rng.random() < scenario.green_share
            vip = not green and rng.random() < scenario.vip_share
            mean = scenario.handling_minutes[category] * 60.0
            handling = rng.lognormvariate(math.log(mean) - sigma * sigma / 2, sigma) if sigma else mean
            remote = rng.random() < scenario.remote_share
            found.append(Visitor(moment, category, _pick(rng, GROUP_WEIGHTS) if green else None, vip,
                                 max(30.0, handling), rng.uniform(15, 45), rng.random() < scenario.no_show_share,
                                 rng.uniform(5, 40) * 60 if remote else None))
    return found


def _declared(_rng: random.Random, group: str | None, vip: bool) -> Identity:
    return Identity(green=group is not None, group=group, group_source="declared" if group else None, vip=vip)


class Day:
    """One day of one hall: the event loop on the virtual clock."""

    def __init__(self, session: Session, clock: VirtualClock, hall: Hall, scenario: Scenario,
                 counters: list[int], progress: Callable[[str], None] = lambda _: None, who: Who = _declared):
        self.session, self.clock, self.hall, self.scenario = session, clock, hall, scenario
        self.counters, self.progress, self.who = counters, progress, who
        self.rng = random.Random(f"{scenario.seed}:identities")
        self.events: list = []
        self.order = itertools.count()
        self.idle: set[int] = set()
        self.by_ticket: dict[int, Visitor] = {}
        self.taken = self.done = 0
        self.changed = False  # a ticket became callable or a counter free: worth a dispatch

    def at(self, moment: datetime, action: Callable[[], None]) -> None:
        heapq.heappush(self.events, (moment, next(self.order), action))

    def run(self) -> None:
        tz = self.clock.tz
        opens = datetime.combine(self.scenario.day, self.scenario.opens, tz)
        closes = datetime.combine(self.scenario.day, self.scenario.closes, tz)
        self.clock.set(opens)
        for number in self.counters:
            service.open_counter(self.session, self.clock, None, self.hall, number)
            self.idle.add(number)
        for visitor in visitors(self.scenario, tz):
            if visitor.remote_lead is None:
                self.at(visitor.at, lambda v=visitor: self._walk_in(v))
            else:
                self.at(max(opens, visitor.at - timedelta(seconds=visitor.remote_lead)),
                        lambda v=visitor: self._remote(v))
        for hour in range(opens.hour + 1, closes.hour + 1):
            self.at(opens.replace(hour=hour, minute=0), self._report)
        while self.events:
            moment, _, action = heapq.heappop(self.events)
            self.clock.set(max(moment, self.clock.now()))
            action()
            if self.changed:
                self.changed = False
                self._dispatch()
        self.clock.set(max(self.clock.now(), closes))
        for number in self.counters:
            service.close_counter(self.session, self.clock, None, self.hall, number)
        self.session.flush()

    def _report(self) -> None:
        local = self.clock.local_now()
        self.progress(f"  {local:%H:%M} 已取号 {self.taken}，已办结 {self.done}，窗口空闲 {len(self.idle)}")

    def _take(self, visitor: Visitor, channel: str):
        identity = self.who(self.rng, visitor.group, visitor.vip)
        ticket, _ = tickets.take(self.session, self.clock, None, self.hall, category=visitor.category,
                                 channel=channel, identity=identity)
        self.taken += 1
        self.by_ticket[ticket.id] = visitor
        self.changed = True
        return ticket

    def _walk_in(self, visitor: Visitor) -> None:
        ticket = self._take(visitor, "kiosk")
        if ticket.status == "called":  # the green channel, straight to a free care counter
            self._called(ticket.counter_number, ticket.id)

    def _remote(self, visitor: Visitor) -> None:
        ticket = self._take(visitor, "portal")
        if visitor.remote_lead is not None and visitor.remote_lead <= REMOTE_HOLD.total_seconds():
            self.at(visitor.at, lambda: self._check_in(ticket.id))

    def _check_in(self, ticket_id: int) -> None:
        ticket = tickets.get(self.session, self.hall, ticket_id)
        tickets.check_in(self.session, self.clock, None, self.hall, ticket)
        self.changed = True
        if ticket.status == "called":
            self._called(ticket.counter_number, ticket.id)

    def _dispatch(self) -> None:
        """Every free counter calls its next ticket. The floor is read first so
        that counters with nothing to call are not asked (a speed-up only:
        desk.call_next decides, with the same engine)."""
        if not self.idle:
            return
        found = queue.floor(self.session, self.clock, self.hall)
        if not found.waiting:
            return
        free = {d.number: d for d in found.desks}
        vip_desk_open = calling.vip_open(found.desks)
        for number in sorted(self.idle):
            if number not in free or calling.pick(free[number], found.waiting, vip_desk_open) is None:
                continue
            try:
                ticket = desk.call_next(self.session, self.clock, None, self.hall, number, found)
            except NotFound:
                continue
            self._called(number, ticket.id)

    def _called(self, number: int, ticket_id: int) -> None:
        self.idle.discard(number)
        visitor = self.by_ticket[ticket_id]
        now = self.clock.now()
        if visitor.no_show:
            for k in (1, 2):
                self.at(now + timedelta(seconds=RECALL_EVERY * k),
                        lambda: desk.recall(self.session, self.clock, None, self.hall, number))
            self.at(now + timedelta(seconds=RECALL_EVERY * 3), lambda: self._leave(number, passed=True))
            return
        began = now + timedelta(seconds=visitor.walk)
        self.at(began, lambda: desk.start(self.session, self.clock, None, self.hall, number))
        self.at(began + timedelta(seconds=visitor.handling), lambda: self._leave(number, passed=False))

    def _leave(self, number: int, passed: bool) -> None:
        if passed:
            desk.no_show(self.session, self.clock, None, self.hall, number)
        else:
            desk.complete(self.session, self.clock, None, self.hall, number, outcome="已办结（模拟）")
            self.done += 1
        self.idle.add(number)
        self.changed = True


def _sim_hall(session: Session, clock: VirtualClock, scenario: Scenario, count: int) -> tuple[Hall, list[int]]:
    weekly = {str(d): [[f"{scenario.opens:%H:%M}", f"{scenario.closes:%H:%M}"]] for d in range(1, 8)}
    hall = service.create_hall(session, clock, None, code=f"SIM-{count}", name=f"模拟营业厅（{count}个窗口）",
                               city="南京市", district="玄武区", address="模拟地址", lat=32.0486, lon=118.7979,
                               hours_=weekly, services=list(scenario.category_mix))
    for number, spec in enumerate(scenario.desks(count), start=1):
        service.add_counter(session, None, hall, number=number, kind=spec.kind,
                            categories=[c for c in spec.categories if c in hall.services] or list(hall.services))
    return hall, list(range(1, count + 1))


def run(session: Session, clock: VirtualClock, scenario: Scenario, count: int,
        progress: Callable[[str], None] = lambda _: None) -> dict[str, Any]:
    """Play the day with `count` open counters; answers the day's KPIs."""
    hall, numbers = _sim_hall(session, clock, scenario, count)
    Day(session, clock, hall, scenario, numbers, progress).run()
    start = datetime.combine(scenario.day, scenario.opens, clock.tz).replace(hour=0, minute=0)
    return kpi.compute(session, clock, start, start + timedelta(days=1), hall.id)


def summary(count: int, figures: dict[str, Any]) -> dict[str, Any]:
    waits, handling = figures["waits"], figures["handling"]["all"]
    used = [c["utilisation"] for c in figures["counters"] if c["utilisation"] is not None]
    return {"counters": count, "tickets": figures["tickets"]["taken"], "mean_wait_seconds": waits["all"]["mean_seconds"],
            "p90_wait_seconds": waits["all"]["p90_seconds"],
            "green_mean_wait_seconds": waits["green_channel"]["mean_seconds"],
            "mean_handling_seconds": handling["mean_seconds"], "no_shows": figures["no_shows"]["count"],
            "expired": figures["expired"],
            "utilisation": round(sum(used) / len(used), 4) if used else None}


def fewest_within(rows: list[dict[str, Any]], target_minutes: float) -> int | None:
    """The fewest counters whose mean wait stays within the target."""
    fits = [r["counters"] for r in rows
            if r["mean_wait_seconds"] is not None and r["mean_wait_seconds"] <= target_minutes * 60]
    return min(fits) if fits else None


