"""A day of the hotline on a virtual clock, through the real routing engine.

Why it is built this way:
- One `routing.Router` lives for the whole run and is told of every arrival,
  abandonment and agent coming free, exactly as the live dispatcher's engine
  is; there is no second routing implementation to drift from the live one.
- The run appends the same event records as the live hotline (ARRIVE,
  ENTERQUEUE, CONNECT, COMPLETEAGENT, WRAPUPEND, ABANDON, AGENTSTATE) and the
  report is `kpi.from_events` over them, so a simulated service level means
  what the wallboard's means.
- Virtual time is float seconds from midnight of the scenario's day. The run
  appends compact flat records of raw figures (sim_log.py says which: events
  that always happen together share one); datetimes, whole seconds and data
  dicts are made at the edge, once, when a report asks for `Result.events`,
  and the per-contact figures likewise (`Result.contacts`).
- Everything random comes from random.Random(seed), in two streams: one for
  the callers (arrival times, segment, queue, number, patience, talk time, all
  drawn when they call) and one for the floor (wrap-up, resolution). The same
  scenario and seed give the same day, figure for figure; and two rosters
  with the same seed meet the very same callers, so "40 more seats" is
  compared on one day, not on two days' luck. Where a draw is written out
  (expovariate, randrange, choices) it is the very draw random's method makes.
- Why it is fast (several times ciw; bench/README.md): arrivals and ends of
  contacts, nearly every event, are handled in the loop itself with what they
  need in locals; the engine is kept settled, so each is one decision about
  the newcomer (Router.arrive, Router.free), not a look at every heap; the
  agenda is a heap of plain tuples, with the next arrival waiting beside it;
  per-contact and per-agent facts are lists indexed by id; and the cycle
  collector is paused for the run, which makes no reference cycles but
  allocates tuples by the hundred thousand.

Simplifications, said plainly: agents answer at once when offered (no ringing,
no missed offers), callers do not ask for callbacks, nobody passes the IVR
(every call enters a queue: the elderly the elder queue, the others by the
scenario's queue mix).
"""

from __future__ import annotations

import gc
import heapq
import itertools
import math
import random
from bisect import bisect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from kindline.hotline import eventlog as ev
from kindline.hotline import kpi
from kindline.hotline import policy as policies
from kindline.hotline.routing import Offer, ReadyAgent, Router, WaitingContact
from kindline.hotline.scenario import Scenario
from kindline.hotline.sim_log import ANSWER, CALL, DONE, WRAP, WRAPPED, Event, contacts_of, materialise, origin_of

__all__ = ["Event", "Result", "report", "run"]

# Event kinds of the simulation's agenda, in the order they run at the same instant.
_SHIFT_END, _END, _WRAPUP_END, _ABANDON, _SHIFT_START, _ARRIVAL, _DEADLINE = range(7)
ABANDON, AGENTSTATE = ev.ABANDON, ev.AGENTSTATE
_new = tuple.__new__  # a named tuple made without its generated __new__ (which parses arguments): 4x faster
_CALLERS = 9 * 10**9  # caller numbers are 1 followed by 10 digits, 1 000000000 to 9 999999999
_CALLER_BITS = _CALLERS.bit_length()


@dataclass
class Result:
    scenario: Scenario
    log: list[tuple]  # flat records in log order: (seconds, event, contact_id, agent_id, queue, *figures)
    end: float = 0.0

    def moment(self, seconds: float) -> datetime:
        return origin_of(self.scenario) + timedelta(seconds=seconds)

    @cached_property
    def events(self) -> list[Event]:
        """The log as event records with datetimes, made once when a report asks."""
        return materialise(self.log, origin_of(self.scenario))

    @cached_property
    def contacts(self) -> list[tuple[float, float | None, str]]:
        """(arrived, waited seconds or None when never answered, segment) per contact, in arrival order."""
        return contacts_of(self.log)


def run(scenario: Scenario, policy: policies.Policy | None = None,
        progress: Callable[[int], None] | None = None, progress_step: int = 10) -> Result:
    """Play the day to its end (the last arrival served or gone)."""
    policy = policy or policies.load(scenario.policy_file)
    collecting = gc.isenabled()
    gc.disable()  # the run makes no reference cycles, yet the collector kept scanning its new tuples
    try:
        return _Day(scenario, policy, progress, progress_step).play()
    finally:
        if collecting:
            gc.enable()


class _Day:
    """The day's state. The handlers run once or more per caller, so they read
    what they need into locals and make no object per event but the log record."""

    def __init__(self, scenario: Scenario, policy: policies.Policy, progress: Callable[[int], None] | None,
                 step: int) -> None:
        s = scenario
        self.s, self.policy, self.progress, self.step = s, policy, progress, step
        calls = random.Random(s.seed)  # the callers: the same whatever the roster
        floor = random.Random(f"{s.seed}/floor")
        self.draw, self.bits, self.floor_draw = calls.random, calls.getrandbits, floor.random
        self.calls = calls
        self.router = Router(policy)  # the one engine of the whole day
        self.events: list[tuple] = []
        self.agenda: list[tuple[float, int, int, Any]] = []
        self.seq = itertools.count(1)
        self.arrived_at: list[float] = [0.0]  # by contact id (1..n; 0 unused)
        self.talk_of: list[float] = [0.0]
        self.deadline_at: float | None = None
        self.interval = self.interval_end = self.rate = 0.0  # the forecast interval arrivals are drawn in
        queues = list(s.queue_mix)
        self.queues, self.cum_weights = queues, list(itertools.accumulate(s.queue_mix[q] for q in queues))
        for q in queues + [policy.elder_queue]:
            if q not in policy.queues:
                raise ValueError(f"queue {q} is not in the routing policy")
        self.segments = {seg: self.segment(seg) for seg in ("elderly", "vip", "ordinary")}
        self.wrap_rate = 1 / s.wrapup_seconds if s.wrapup_seconds > 0 else 0.0
        # A policy without routing timeouts for these queues never needs a wake-up to decide again.
        self.timeouts = any(len(policy.rule_for(q, seg).targets) > 1 for q in queues + [policy.elder_queue]
                            for seg in policies.SEGMENTS)
        # The agents, by id (1..n; 0 unused): their skills, tier and end of shift.
        self.skills: list[dict[str, int]] = [{}]
        self.expert: list[bool] = [False]
        self.off_at: list[float] = [0.0]

    def segment(self, segment: str) -> tuple:
        """What a caller of the segment brings, worked out once: (segment, queue or None
        when drawn from the mix, VIP level, 1/patience or None, 1/talk, lognormal mu)."""
        s = self.s
        queue = self.policy.elder_queue if segment == "elderly" else self.queues[0] if len(self.queues) == 1 else None
        patience, mean = s.patience_seconds.get(segment), s.handling_seconds[segment]
        return (segment, queue, s.vip_level if segment == "vip" else 0, 1 / patience if patience else None,
                1 / mean, math.log(mean) - s.handling_spread * s.handling_spread / 2)

    # -- the agenda ------------------------------------------------------------------------------------
    def at(self, when: float, kind: int, what: Any) -> None:
        heapq.heappush(self.agenda, (when, kind, next(self.seq), what))

    def play(self) -> Result:
        """The agenda's events in time order. Callers arriving and contacts ending
        are nearly every event, so they are handled in the loop itself; the rest
        go to their handlers. The engine keeps itself settled (every decision
        taken), so an arrival or an agent coming free is one decision about the
        newcomer; all of them run only if it was not (after a routing timeout)."""
        s = self.s
        for shift in s.roster:
            for _ in range(shift.count):
                agent_id = len(self.skills)
                self.skills.append(shift.skills)
                self.expert.append(shift.expert)
                self.off_at.append(shift.end)
                self.at(shift.start, _SHIFT_START, agent_id)
                self.at(shift.end, _SHIFT_END, agent_id)
        self.draw_interval(min(s.arrivals))
        # the rarer events, each answering the engine's offer for an agent coming free (or None)
        others = {_SHIFT_END: self.shift_end, _ABANDON: self.abandon, _SHIFT_START: self.shift_start,
                  _DEADLINE: self.deadline}
        router, agenda, events, arrived_at, talk_of = self.router, self.agenda, self.events, self.arrived_at, self.talk_of
        pop, push, log, seq = heapq.heappop, heapq.heappush, math.log, self.seq
        arrive, free, next_offer, wake_at = router.arrive, router.free, router.next_offer, router.wake_at
        draw, bits, draw_floor, resolved_share = self.draw, self.bits, self.floor_draw, s.resolved_share
        segments = self.segments["elderly"], self.segments["vip"], self.segments["ordinary"]
        elderly_share, vip_share, timeouts = s.elderly_share, s.elderly_share + s.vip_share, self.timeouts
        exponential, wrap_rate, off_at = s.handling == "exponential", self.wrap_rate, self.off_at
        skills, expert = self.skills, self.expert
        ticks = self.ticks()
        # The next arrival waits beside the agenda rather than in it (one heap push and pop less per
        # caller), and runs in the agenda's order: after the other kinds of event at the same instant.
        now, next_at, next_id, inf = 0.0, self.interval, 0, math.inf  # first, a marker: no caller
        while True:
            if agenda and ((top := agenda[0])[0] < next_at or top[0] == next_at and top[1] < _ARRIVAL):
                now, kind, _, what = pop(agenda)
            elif next_at != inf:
                now, kind, what = next_at, _ARRIVAL, next_id
            else:
                break
            if kind == _ARRIVAL:
                offer = None
                if what:  # a caller (none at the start marker, 0): who, drawn in this order from the
                    # callers' stream: segment, queue, number, patience, talk
                    roll = draw()
                    segment, queue, vip, patience, talk_rate, talk_mu = segments[
                        0 if roll < elderly_share else 1 if roll < vip_share else 2]
                    if queue is None:
                        queue = self.choose_queue()
                    number = bits(_CALLER_BITS)  # random.randrange(10**9, 10**10), the same draws
                    while number >= _CALLERS:
                        number = bits(_CALLER_BITS)
                    events.append((now, CALL, what, None, queue, 10**9 + number, segment, vip))
                    arrived_at.append(now)
                    gives_up = -log(1.0 - draw()) / patience if patience else None
                    talk_of.append(-log(1.0 - draw()) / talk_rate if exponential
                                   else self.calls.lognormvariate(talk_mu, s.handling_spread))
                    if gives_up is not None:
                        push(agenda, (now + gives_up, _ABANDON, next(seq), what))
                    offer = arrive(_new(WaitingContact, (what, queue, segment, now, vip, False)), now)
                    if ticks is not None:
                        ticks(what)
                # the next caller: Poisson, the rate piecewise constant per forecast interval
                rate, next_id = self.rate, len(arrived_at)
                if not (rate > 0 and (next_at := now - log(1.0 - draw()) / rate) < self.interval_end):
                    next_at = self.draw_next(self.interval_end)  # memoryless: start afresh at the next interval
            elif kind == _END or kind == _WRAPUP_END:
                if kind == _END:
                    agent_id, contact_id, queue, wait, answered = what
                    if wrap_rate:
                        events.append((now, WRAP, contact_id, agent_id, queue, wait, now - answered))
                        wrap = -log(1.0 - draw_floor()) / wrap_rate if exponential else s.wrapup_seconds
                        push(agenda, (now + wrap, _WRAPUP_END, next(seq), (agent_id, contact_id, queue, now)))
                        continue
                else:
                    agent_id, contact_id, queue, ended = what
                # wrap-up over: resolved or not; then the agent is free again, or off shift
                resolved, off = draw_floor() < resolved_share, now >= off_at[agent_id]
                state = "offline" if off else "available"
                if kind == _END:
                    events.append((now, DONE, contact_id, agent_id, queue, wait, now - answered, resolved, state))
                else:
                    events.append((now, WRAPPED, contact_id, agent_id, queue, now - ended, resolved, state))
                if off:
                    continue
                offer = free(_new(ReadyAgent, (agent_id, skills[agent_id], expert[agent_id], now)), now)
            else:
                offer = others[kind](now, what)
            # The decisions: the engine's offer for the newcomer, and more only if it was not settled.
            if offer is None and not router.settled:
                offer = next_offer(now)
            while offer is not None:  # the agent answers at once; the call ends after its talk time
                contact_id, agent_id, queue = offer[0], offer[1], offer[2]
                wait = now - arrived_at[contact_id]
                events.append((now, ANSWER, contact_id, agent_id, queue, wait, offer[3], offer[4], offer[5]))
                push(agenda, (now + talk_of[contact_id], _END, next(seq), (agent_id, contact_id, queue, wait, now)))
                offer = None if router.settled else next_offer(now)
            if timeouts and (due := wake_at()) is not None:
                self.wake(due, now)
        if self.progress:
            self.progress(100)
        return Result(s, self.events, now)

    def ticks(self) -> Callable[[int], None] | None:
        """Reports progress every `step` per cent of the expected callers."""
        progress, step = self.progress, self.step
        if progress is None:
            return None
        expected = sum(self.s.arrivals.values()) or 1.0
        shown = 0

        def tick(arrived: int) -> None:
            nonlocal shown
            done = min(99, int(100 * arrived / expected))
            if done >= shown + step:
                shown = done - done % step
                progress(shown)
        return tick

    # -- callers ---------------------------------------------------------------------------------------
    # Each handler answers whether the engine may have a new match (so a decision runs only then).
    def choose_queue(self) -> str:
        """random.choices(queues, weights), without remaking the cumulative weights per caller."""
        cum = self.cum_weights
        return self.queues[bisect(cum, self.draw() * (cum[-1] + 0.0), 0, len(cum) - 1)]

    def draw_interval(self, interval: float) -> None:
        s = self.s
        self.interval, self.interval_end = interval, interval + s.interval_seconds
        self.rate = s.arrivals.get(interval, 0.0) / s.interval_seconds

    def draw_next(self, t: float) -> float:
        """When the first arrival from `t`, the start of an interval, on comes (inf: none, past the forecast)."""
        while t in self.s.arrivals:
            self.draw_interval(t)
            if self.rate > 0:
                t += -math.log(1.0 - self.draw()) / self.rate  # random.expovariate(rate), without the call
                if t < self.interval_end:
                    return t
            t = self.interval_end
        self.rate = 0.0
        return math.inf

    def abandon(self, now: float, contact_id: int) -> None:
        contact = self.router.remove_contact(contact_id)
        if contact is not None:
            self.events.append((now, ABANDON, contact_id, None, contact.queue, now - contact.enqueued_at))

    # -- agents ----------------------------------------------------------------------------------------
    def shift_start(self, now: float, agent_id: int) -> Offer | None:
        self.events.append((now, AGENTSTATE, None, agent_id, None, "available", "offline"))
        return self.router.free(_new(ReadyAgent, (agent_id, self.skills[agent_id], self.expert[agent_id], now)), now)

    def shift_end(self, now: float, agent_id: int) -> None:
        """Off shift if available (the engine's agents are the available ones); busy
        agents finish their contact and wrap-up first."""
        if self.router.remove_agent(agent_id):
            self.events.append((now, AGENTSTATE, None, agent_id, None, "offline", "available"))

    # -- decisions -------------------------------------------------------------------------------------
    def wake(self, due: float, now: float) -> None:
        """Decide again at `due`, when a routing timeout may open agents to a contact
        waiting (unless a wake-up is already due before)."""
        if self.deadline_at is None or due < self.deadline_at or self.deadline_at <= now:
            self.deadline_at = due
            self.at(due, _DEADLINE, None)

    def deadline(self, now: float, _: None) -> None:
        self.deadline_at = None
        self.router.advance(now)  # contacts move on to their next targets; the loop decides


def report(result: Result) -> dict[str, Any]:
    """The KPI report of the whole day: kpi.from_events over the simulated log."""
    origin = origin_of(result.scenario)
    end = origin + timedelta(days=1)
    return kpi.from_events(result.events, max(end, result.moment(result.end)), origin, end)
