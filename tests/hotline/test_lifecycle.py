"""Live contacts through the services and the timers: experts first, a routing
timeout that widens the target, strict priority then first come, the longest
idle agent, the no-answer rule, callbacks, abandonment and wrap-up."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kindline.core.db import transaction
from kindline.core.errors import Conflict
from kindline.customers import service as customers
from kindline.hotline import agents, eventlog, service
from kindline.hotline.models import HotlineEvent
from tests.concurrency import at_once
from tests.hotline.conftest import SEVENTY, agent_of, contact_of


def call(runtime, number, queue=None):
    """An arrival; an ordinary caller then picks `queue` in the IVR."""
    with transaction(runtime.sessions) as session:
        contact, made, _ = service.arrive(session, runtime.clock, number, "10000")
        if queue and made.action == "ivr":
            service.leave_ivr(session, runtime.clock, contact, path=["main:6"], outcome="queue", queue=queue)
        return contact.id


def do(runtime, action, contact_id, **kw):
    with transaction(runtime.sessions) as session:
        return getattr(service, action)(session, runtime.clock, service.get(session, contact_id, lock=True), **kw)


def set_state(runtime, agent_id, state, reason=""):
    with transaction(runtime.sessions) as session:
        service.set_agent_state(session, runtime.clock, agents.get(session, agent_id), state, reason)


def log_of(runtime, contact_id):
    with runtime.sessions() as session:
        return [(e.event, e.agent_id) for e in session.scalars(
            select(HotlineEvent).where(HotlineEvent.contact_id == contact_id).order_by(HotlineEvent.id))]


def test_an_elderly_caller_rings_a_service_expert_and_wraps_up(runtime, seat, caller, tick):
    junior = seat({"general": 5})  # idle longer, but not an expert
    tick(10)
    expert = seat({"general": 4}, expert=True, wrapup=20)
    contact_id = call(runtime, caller(SEVENTY).phone)
    assert contact_of(runtime, contact_id).agent_id == expert.agent_id
    assert agent_of(runtime, expert.agent_id).state == "ringing"
    tick(3)
    do(runtime, "answer", contact_id, staff_id=expert.staff_id)
    tick(1500)  # the elderly take long: 25 minutes
    do(runtime, "end", contact_id, by="caller")
    do(runtime, "dispose", contact_id, resolved=True, staff_id=expert.staff_id)
    assert agent_of(runtime, expert.agent_id).state == "wrapup"
    tick(20)  # the wrap-up time runs out
    contact = contact_of(runtime, contact_id)
    assert (contact.status, contact.resolved) == ("done", True)
    assert agent_of(runtime, expert.agent_id).state == "available"
    assert agent_of(runtime, junior.agent_id).state == "available"
    assert [e for e, _ in log_of(runtime, contact_id)] == [
        eventlog.ARRIVE, eventlog.ENTERQUEUE, eventlog.OFFER, eventlog.CONNECT, eventlog.COMPLETECALLER,
        eventlog.DISPOSITION, eventlog.WRAPUPEND]
    with runtime.sessions() as session:
        connect = session.scalar(select(HotlineEvent).where(HotlineEvent.event == eventlog.CONNECT))
        wrapup = session.scalar(select(HotlineEvent).where(HotlineEvent.event == eventlog.WRAPUPEND))
    assert connect.data["holdtime"] == 3 and wrapup.data == {"wrapuptime": 20, "resolved": True, "auto": True}


def test_after_sixty_seconds_any_agent_with_the_skill_takes_the_elderly(runtime, seat, caller, tick):
    junior = seat({"general": 3})
    contact_id = call(runtime, caller(SEVENTY).phone)
    tick(59.99)
    assert contact_of(runtime, contact_id).status == "queued"
    tick(0.02)
    contact = contact_of(runtime, contact_id)
    assert (contact.status, contact.agent_id) == ("offered", junior.agent_id)
    assert [e for e, _ in log_of(runtime, contact_id)][-2:] == [eventlog.NEXTTARGET, eventlog.OFFER]


def test_strict_priority_then_first_come(runtime, seat, caller, tick):
    vip = caller()
    with transaction(runtime.sessions) as session:
        customers.set_vip_level(session, runtime.clock, customers.get(session, vip.customer_id), 1, actor=None,
                                reason="测试")
    first = call(runtime, caller().phone, "GENERAL")
    tick(5)
    second = call(runtime, vip.phone, "GENERAL")
    tick(5)
    third = call(runtime, caller().phone, "GENERAL")
    a = seat({"general": 3}, available=False)
    b = seat({"general": 3}, available=False)
    set_state(runtime, b.agent_id, "available")  # b now idle, a offline
    assert contact_of(runtime, second).agent_id == b.agent_id  # VIP first although it came later
    set_state(runtime, a.agent_id, "available")
    assert contact_of(runtime, first).agent_id == a.agent_id
    assert contact_of(runtime, third).status == "queued"
    last = seat()
    assert contact_of(runtime, third).agent_id == last.agent_id


def test_the_longest_idle_agent_gets_the_next_call(runtime, seat, caller, tick):
    first, second, third = seat(), seat(), seat()
    set_state(runtime, first.agent_id, "break")
    tick(30)
    set_state(runtime, first.agent_id, "available")  # back: now the most recently idle
    contact_id = call(runtime, caller().phone, "GENERAL")
    assert contact_of(runtime, contact_id).agent_id == second.agent_id
    assert agent_of(runtime, third.agent_id).state == "available"


def test_missed_offers_make_an_agent_unavailable_and_the_caller_keeps_their_place(runtime, seat, caller, tick):
    sleepy = seat()
    contact_id = call(runtime, caller().phone, "GENERAL")
    entered = contact_of(runtime, contact_id).enqueued_at
    tick(15)  # rang 15 s: the first miss; offered again (the only agent)
    assert agent_of(runtime, sleepy.agent_id).missed_offers == 1
    assert contact_of(runtime, contact_id).offers == 2
    tick(15)  # the second miss in a row: the agent is paused
    agent = agent_of(runtime, sleepy.agent_id)
    assert (agent.state, agent.state_reason, agent.missed_offers) == ("break", "no_answer", 2)
    contact = contact_of(runtime, contact_id)
    assert (contact.status, contact.enqueued_at) == ("queued", entered)
    awake = seat()
    assert contact_of(runtime, contact_id).agent_id == awake.agent_id
    set_state(runtime, sleepy.agent_id, "available")
    assert agent_of(runtime, sleepy.agent_id).missed_offers == 0
    assert [e for e, _ in log_of(runtime, contact_id)].count(eventlog.RINGNOANSWER) == 2


def test_a_callback_keeps_its_place_and_is_offered_at_the_front(runtime, seat, caller, tick):
    first = call(runtime, caller().phone, "GENERAL")
    tick(5)
    second = call(runtime, caller().phone, "GENERAL")
    tick(40)
    do(runtime, "request_callback", first)
    assert contact_of(runtime, first).status == "callback"
    agent = seat()
    contact = contact_of(runtime, first)
    assert (contact.status, contact.agent_id) == ("offered", agent.agent_id)
    do(runtime, "answer", first, staff_id=agent.staff_id)
    assert contact_of(runtime, second).status == "queued"
    with runtime.sessions() as session:
        connect = session.scalar(select(HotlineEvent).where(HotlineEvent.event == eventlog.CONNECT))
    assert connect.data["callback"] is True and connect.data["holdtime"] == 45


def test_hanging_up_while_ringing_frees_the_agent_for_the_next(runtime, seat, caller, tick):
    agent = seat()
    gone = call(runtime, caller().phone, "GENERAL")
    waiting = call(runtime, caller().phone, "GENERAL")
    tick(8)
    do(runtime, "hangup", gone)
    assert contact_of(runtime, gone).status == "abandoned"
    assert contact_of(runtime, waiting).agent_id == agent.agent_id
    with runtime.sessions() as session:
        abandon = session.scalar(select(HotlineEvent).where(HotlineEvent.event == eventlog.ABANDON))
    assert abandon.data["waittime"] == 8
    assert agent_of(runtime, agent.agent_id).missed_offers == 0


def test_states_an_agent_may_and_may_not_choose(runtime, seat, caller, tick):
    agent = seat(wrapup=60)
    contact_id = call(runtime, caller().phone, "GENERAL")
    with pytest.raises(Conflict) as refused:
        set_state(runtime, agent.agent_id, "break")
    assert refused.value.code == "agent_busy"
    do(runtime, "answer", contact_id, staff_id=agent.staff_id)
    do(runtime, "end", contact_id, staff_id=agent.staff_id)
    set_state(runtime, agent.agent_id, "break", "meal")  # ends the wrap-up early
    assert contact_of(runtime, contact_id).status == "done"
    assert (agent_of(runtime, agent.agent_id).state, agent_of(runtime, agent.agent_id).state_reason) == ("break",
                                                                                                         "meal")
    tick(60)  # the wrap-up timer finds nothing to do
    assert agent_of(runtime, agent.agent_id).state == "break"
    with pytest.raises(Conflict):
        do(runtime, "answer", contact_id, staff_id=agent.staff_id)


def test_agents_signing_in_at_the_same_moment_never_share_a_caller(runtime, seat, caller):
    """Concurrent dispatches take turns on the queue rows: one caller, one offer."""
    waiting = call(runtime, caller().phone, "GENERAL")
    seats = [seat(available=False) for _ in range(4)]
    at_once(4, lambda n: set_state(runtime, seats[n].agent_id, "available"))
    states = sorted(agent_of(runtime, s.agent_id).state for s in seats)
    assert states == ["available", "available", "available", "ringing"]
    with runtime.sessions() as session:
        offers = session.scalars(select(HotlineEvent).where(HotlineEvent.event == eventlog.OFFER)).all()
    assert len(offers) == 1 and offers[0].contact_id == waiting
