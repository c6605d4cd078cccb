"""A day of the hotline on a virtual clock, through the real routing engine.

Why it is built this way:
- One `routing.Router` lives for the whole run and is told of every arrival,
  abandonment and agent coming free, exactly as the live dispatcher's engine
  is; there is no second routing implementation to drift from the live one.
- The run appends the same event records as the live hotline (ARRIVE,
  ENTERQUEUE, CONNECT, COMPLETEAGENT, WRAPUPEND, ABANDON, AGENTSTATE) and the
  report is `kpi.from_events` over them, so a simulated service level means
  what the wallboard's means.
- Virtual time is float seconds from midnight of the scenario's day; events
  carry datetimes (day + seconds) because the KPI code reads datetimes.
- Everything random comes from random.Random(seed), in two streams: one for
  the callers (arrival times, segment, queue, number, patience, talk time, all
  drawn when they call) and one for the floor (wrap-up, resolution). The same
  scenario and seed give the same day, figure for figure; and two rosters
  with the same seed meet the very same callers, so "40 more seats" is
  compared on one day, not on two days' luck.

Simplifications, said plainly: agents answer at once when offered (no ringing,
no missed offers), callers do not ask for callbacks, nobody passes the IVR
(every call enters a queue: the elderly the elder queue, the others by the
scenario's queue mix).
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from kindline.hotline import eventlog as ev
from kindline.hotline import kpi
from kindline.hotline import policy as policies
from kindline.hotline.routing import ReadyAgent, Router, WaitingContact
from kindline.hotline.scenario import Scenario

# Event kinds of the simulation's agenda, in the order they run at the same instant.
_SHIFT_END, _END, _WRAPUP_END, _ABANDON, _SHIFT_START, _ARRIVAL, _DEADLINE = range(7)


@dataclass(slots=True)
class Event:
    """One record of the simulated log: the fields of hl_events that kpi.py reads."""

    id: int
    at: datetime
    event: str
    contact_id: int | None
    agent_id: int | None
    queue: str | None
    data: dict[str, Any]


@dataclass(slots=True)
class _Agent:
    ready: ReadyAgent
    off_at: float
    state: str = "offline"


@dataclass
class Result:
    scenario: Scenario
    log: list[tuple]  # (seconds, event, contact_id, agent_id, queue, data) in log order
    # (arrived, waited seconds or None when abandoned, segment) per contact, in arrival order
    contacts: list[tuple[float, float | None, str]] = field(default_factory=list)
    end: float = 0.0

    def moment(self, seconds: float) -> datetime:
        return _origin(self.scenario) + timedelta(seconds=seconds)

    @cached_property
    def events(self) -> list[Event]:
        """The log as event records with datetimes, made once when a report asks
        (the run itself only appends tuples: most of a run's time went there)."""
        origin = _origin(self.scenario)
        return [Event(number, origin + timedelta(seconds=at), event, contact_id, agent_id, queue, data)
                for number, (at, event, contact_id, agent_id, queue, data) in enumerate(self.log, start=1)]


def _origin(scenario: Scenario) -> datetime:
    return datetime(scenario.day.year, scenario.day.month, scenario.day.day, tzinfo=ZoneInfo("Asia/Shanghai"))


def run(scenario: Scenario, policy: policies.Policy | None = None,
        progress: Callable[[int], None] | None = None, progress_step: int = 10) -> Result:
    """Play the day to its end (the last arrival served or gone)."""
    policy = policy or policies.load(scenario.policy_file)
    return _Day(scenario, policy, progress, progress_step).play()


class _Day:
    def __init__(self, scenario: Scenario, policy: policies.Policy, progress: Callable[[int], None] | None,
                 step: int) -> None:
        self.s, self.policy, self.progress, self.step = scenario, policy, progress, step
        self.calls = random.Random(scenario.seed)  # the callers: the same whatever the roster
        self.rng = random.Random(f"{scenario.seed}/floor")
        self.talk_of: dict[int, float] = {}
        self.router = Router(policy)  # the one engine of the whole day
        self.origin = _origin(scenario)
        self.events: list[tuple] = []
        self.agenda: list[tuple[float, int, int, Any]] = []
        self.seq = 0
        self.agents: dict[int, _Agent] = {}
        self.waiting: dict[int, WaitingContact] = {}
        self.contacts: list[tuple[float, float | None, str]] = []
        self.deadline_at: float | None = None
        queues = list(scenario.queue_mix)
        self.queues, self.weights = queues, [scenario.queue_mix[q] for q in queues]
        for q in queues + [policy.elder_queue]:
            if q not in policy.queues:
                raise ValueError(f"queue {q} is not in the routing policy")

    # -- the agenda ------------------------------------------------------------------------------------
    def at(self, when: float, kind: int, what: Any) -> None:
        self.seq += 1
        heapq.heappush(self.agenda, (when, kind, self.seq, what))

    def log(self, now: float, event: str, contact_id: int | None = None, agent_id: int | None = None,
            queue: str | None = None, **data: Any) -> None:
        self.events.append((now, event, contact_id, agent_id, queue, data))

    def play(self) -> Result:
        s = self.s
        agent_id = 0
        for shift in s.roster:
            for _ in range(shift.count):
                agent_id += 1
                self.agents[agent_id] = _Agent(ReadyAgent(agent_id, shift.skills, shift.expert, shift.start), shift.end)
                self.at(shift.start, _SHIFT_START, agent_id)
                self.at(shift.end, _SHIFT_END, agent_id)
        expected = sum(s.arrivals.values()) or 1.0
        self.at(min(s.arrivals), _ARRIVAL, (min(s.arrivals), 0))
        shown, arrived = 0, 0
        handlers = {_ARRIVAL: self.arrival, _ABANDON: self.abandon, _END: self.end, _WRAPUP_END: self.wrapup_end,
                    _SHIFT_START: self.shift_start, _SHIFT_END: self.shift_end, _DEADLINE: self.deadline}
        now = 0.0
        while self.agenda:
            now, kind, _, what = heapq.heappop(self.agenda)
            if handlers[kind](now, what):
                self.dispatch(now)
            if kind == _ARRIVAL and self.progress and len(self.contacts) > arrived:
                arrived = len(self.contacts)
                done = min(99, int(100 * arrived / expected))
                if done >= shown + self.step:
                    shown = done - done % self.step
                    self.progress(shown)
        if self.progress:
            self.progress(100)
        return Result(s, self.events, self.contacts, now)

    # -- callers ---------------------------------------------------------------------------------------
    # Each handler answers whether the engine may have a new match (so dispatch runs only then).
    def arrival(self, now: float, what: tuple[float, int]) -> bool:
        """A caller arrives; then the next arrival is drawn (Poisson, rate piecewise constant per interval)."""
        interval, contact_id = what
        if contact_id:
            self.enter(now, contact_id)
        self.draw_next(now, interval)
        return bool(contact_id)

    def draw_next(self, now: float, interval: float) -> None:
        s, t = self.s, now
        while interval in s.arrivals:
            rate = s.arrivals[interval] / s.interval_seconds
            end = interval + s.interval_seconds
            if rate > 0:
                t += self.calls.expovariate(rate)
                if t < end:
                    self.at(t, _ARRIVAL, (interval, len(self.contacts) + 1))
                    return
            interval, t = end, end  # memoryless: start afresh at the next interval

    def enter(self, now: float, contact_id: int) -> None:
        s, rng = self.s, self.calls
        draw = rng.random()
        segment = "elderly" if draw < s.elderly_share else "vip" if draw < s.elderly_share + s.vip_share else "ordinary"
        queue = (self.policy.elder_queue if segment == "elderly" else self.queues[0] if len(self.queues) == 1
                 else rng.choices(self.queues, self.weights)[0])
        contact = WaitingContact(contact_id, queue, segment, now, s.vip_level if segment == "vip" else 0)
        caller = f"1{rng.randrange(10**9, 10**10)}"
        self.log(now, ev.ARRIVE, contact_id, caller=caller, segment=segment, vip_level=contact.vip_level,
                 elder_rule=segment == "elderly")
        self.log(now, ev.ENTERQUEUE, contact_id, queue=queue, segment=segment,
                 via="elder_rule" if segment == "elderly" else "ivr")
        self.contacts.append((now, None, segment))
        self.waiting[contact_id] = contact
        self.router.add_contact(contact, now)
        patience = s.patience_seconds.get(segment)
        gives_up = rng.expovariate(1 / patience) if patience else None
        self.talk_of[contact_id] = self.talk(segment)
        if gives_up is not None:
            self.at(now + gives_up, _ABANDON, contact_id)

    def abandon(self, now: float, contact_id: int) -> bool:
        contact = self.waiting.pop(contact_id, None)
        if contact is not None and self.router.remove_contact(contact_id):
            del self.talk_of[contact_id]
            self.log(now, ev.ABANDON, contact_id, queue=contact.queue, waittime=int(now - contact.enqueued_at))
        return False

    # -- agents ----------------------------------------------------------------------------------------
    def state(self, now: float, agent: _Agent, state: str) -> None:
        self.events.append((now, ev.AGENTSTATE, None, agent.ready.id, None, {"state": state, "from": agent.state}))
        agent.state = state

    def free(self, now: float, agent: _Agent) -> None:
        self.state(now, agent, "available")
        agent.ready = ReadyAgent(agent.ready.id, agent.ready.skills, agent.ready.expert, now)
        self.router.add_agent(agent.ready)

    def shift_start(self, now: float, agent_id: int) -> bool:
        self.free(now, self.agents[agent_id])
        return True

    def shift_end(self, now: float, agent_id: int) -> bool:
        agent = self.agents[agent_id]
        if agent.state == "available":  # busy agents finish their contact and wrap-up first
            self.router.remove_agent(agent_id)
            self.state(now, agent, "offline")
        return False

    def dispatch(self, now: float) -> None:
        """Every match the engine makes now; then wake again when a routing timeout may open new agents."""
        router = self.router
        while router.waiting_count() and router.available_count() and (offer := router.next_offer(now)) is not None:
            contact = self.waiting.pop(offer.contact_id)
            agent = self.agents[offer.agent_id]
            wait = now - contact.enqueued_at
            self.contacts[offer.contact_id - 1] = (contact.enqueued_at, wait, contact.segment)
            self.state(now, agent, "on_contact")
            self.log(now, ev.CONNECT, offer.contact_id, offer.agent_id, offer.queue, holdtime=int(wait), ringtime=0,
                     priority=offer.priority, rule=offer.rule, stage=offer.stage)
            self.at(now + self.talk_of.pop(offer.contact_id), _END, (offer.agent_id, offer.contact_id, offer.queue, wait, now))
        if router.waiting_count() and router.available_count():
            due = router.next_deadline()
            if due is not None and (self.deadline_at is None or due < self.deadline_at or self.deadline_at <= now):
                self.deadline_at = due
                self.at(due, _DEADLINE, None)

    def deadline(self, now: float, _: None) -> bool:
        self.deadline_at = None
        return True

    def talk(self, segment: str) -> float:
        mean = self.s.handling_seconds[segment]
        if self.s.handling == "exponential":
            return self.calls.expovariate(1 / mean)
        sigma = self.s.handling_spread
        return self.calls.lognormvariate(math.log(mean) - sigma * sigma / 2, sigma)

    def end(self, now: float, what: tuple[int, int, str, float, float]) -> bool:
        agent_id, contact_id, queue, wait, answered = what
        agent = self.agents[agent_id]
        self.log(now, ev.COMPLETEAGENT, contact_id, agent_id, queue, holdtime=int(wait), calltime=int(now - answered))
        mean = self.s.wrapup_seconds
        if mean <= 0:
            return self.wrapup_end(now, (agent_id, contact_id, queue, now))
        self.state(now, agent, "wrapup")
        wrap = self.rng.expovariate(1 / mean) if self.s.handling == "exponential" else mean
        self.at(now + wrap, _WRAPUP_END, (agent_id, contact_id, queue, now))
        return False

    def wrapup_end(self, now: float, what: tuple[int, int, str, float]) -> bool:
        agent_id, contact_id, queue, ended = what
        agent = self.agents[agent_id]
        self.log(now, ev.WRAPUPEND, contact_id, agent_id, queue, wrapuptime=int(now - ended),
                 resolved=self.rng.random() < self.s.resolved_share, auto=True)
        if now >= agent.off_at:
            self.state(now, agent, "offline")
            return False
        self.free(now, agent)
        return True


def report(result: Result) -> dict[str, Any]:
    """The KPI report of the whole day: kpi.from_events over the simulated log."""
    origin = _origin(result.scenario)
    end = origin + timedelta(days=1)
    return kpi.from_events(result.events, max(end, result.moment(result.end)), origin, end)
