"""The simulated event log: flat records during the run, event records at the edge.

Why two shapes: a simulated day appends tens of thousands of events, and
making a datetime, whole seconds and a data dict for each as it happened was
most of the run's time. So the run appends one flat tuple per step of a
contact's life, `(seconds, kind, contact_id, agent_id, queue, *figures)`, with
the figures raw (float seconds, the caller's number as an int), and the events
that always happen together at one instant share a record: the caller arrives
and enters the queue; the agent goes on the contact and it connects; the
contact completes, and (without wrap-up) the wrap-up ends and the agent is
free or off shift. `materialise` turns the whole log into the event records
kpi.from_events reads, the same events and fields the live hotline writes to
hl_events, in the same order, once, when a report asks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from kindline.hotline import eventlog as ev
from kindline.hotline.scenario import Scenario

# The kinds of record that stand for more than one event (the others are one event of that name).
CALL = "call"  # figures: number, segment, VIP level -> ARRIVE, ENTERQUEUE
ANSWER = "answer"  # figures: wait, priority, rule, stage -> AGENTSTATE on_contact, CONNECT
DONE = "done"  # figures: wait, talk, resolved, state -> COMPLETEAGENT, WRAPUPEND, AGENTSTATE (no wrap-up)
WRAP = "wrap"  # figures: wait, talk -> COMPLETEAGENT, AGENTSTATE wrapup
WRAPPED = "wrapped"  # figures: wrap-up, resolved, state -> WRAPUPEND, AGENTSTATE


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


Step = tuple[str, int | None, int | None, str | None, dict[str, Any]]  # event, contact, agent, queue, data


def _call(contact: int, _: None, queue: str, number: int, segment: str, vip_level: int) -> list[Step]:
    # Everyone the simulator marks elderly came by the elder rule (simulator.py says why).
    elderly = segment == "elderly"
    return [(ev.ARRIVE, contact, None, None,
             {"caller": f"1{number}", "segment": segment, "vip_level": vip_level, "elder_rule": elderly}),
            (ev.ENTERQUEUE, contact, None, queue, {"segment": segment, "via": "elder_rule" if elderly else "ivr"})]


def _state(agent: int, state: str, before: str) -> Step:
    return ev.AGENTSTATE, None, agent, None, {"state": state, "from": before}


def _answer(contact: int, agent: int, queue: str, wait: float, priority: int, rule: str, stage: int) -> list[Step]:
    return [_state(agent, "on_contact", "available"),
            (ev.CONNECT, contact, agent, queue,
             {"holdtime": int(wait), "ringtime": 0, "priority": priority, "rule": rule, "stage": stage})]


def _complete(contact: int, agent: int, queue: str, wait: float, talk: float) -> Step:
    return ev.COMPLETEAGENT, contact, agent, queue, {"holdtime": int(wait), "calltime": int(talk)}


def _wrapupend(contact: int, agent: int, queue: str, wrap: float, resolved: bool) -> Step:
    return ev.WRAPUPEND, contact, agent, queue, {"wrapuptime": int(wrap), "resolved": resolved, "auto": True}


def _done(contact: int, agent: int, queue: str, wait: float, talk: float, resolved: bool, state: str) -> list[Step]:
    return [_complete(contact, agent, queue, wait, talk), _wrapupend(contact, agent, queue, 0.0, resolved),
            _state(agent, state, "on_contact")]


def _wrap(contact: int, agent: int, queue: str, wait: float, talk: float) -> list[Step]:
    return [_complete(contact, agent, queue, wait, talk), _state(agent, "wrapup", "on_contact")]


def _wrapped(contact: int, agent: int, queue: str, wrap: float, resolved: bool, state: str) -> list[Step]:
    return [_wrapupend(contact, agent, queue, wrap, resolved), _state(agent, state, "wrapup")]


def _abandon(contact: int, _: None, queue: str, wait: float) -> list[Step]:
    return [(ev.ABANDON, contact, None, queue, {"waittime": int(wait)})]


def _agentstate(_: None, agent: int, __: None, state: str, before: str) -> list[Step]:
    return [_state(agent, state, before)]


# Each kind of record: its events, from (contact_id, agent_id, queue, *figures).
STEPS: dict[str, Callable[..., list[Step]]] = {
    CALL: _call, ANSWER: _answer, DONE: _done, WRAP: _wrap, WRAPPED: _wrapped, ev.ABANDON: _abandon,
    ev.AGENTSTATE: _agentstate,
}


def origin_of(scenario: Scenario) -> datetime:
    """Midnight of the scenario's day in Beijing time: virtual second 0."""
    day = scenario.day
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo("Asia/Shanghai"))


def materialise(log: list[tuple], origin: datetime) -> list[Event]:
    """Every event of the log as a record with a datetime and its data, ids from 1 in log order."""
    found: list[Event] = []
    for record in log:
        at = origin + timedelta(seconds=record[0])
        for step in STEPS[record[1]](*record[2:]):
            found.append(Event(len(found) + 1, at, *step))
    return found


def contacts_of(log: list[tuple]) -> list[tuple[float, float | None, str]]:
    """(arrived, waited seconds or None when never answered, segment) per contact, by contact id from 1."""
    found: list[list] = []
    for record in log:
        if record[1] == CALL:
            found.append([record[0], None, record[6]])
        elif record[1] == ANSWER:
            found[record[2] - 1][1] = record[5]
    return [(at, wait, segment) for at, wait, segment in found]
