"""Hotline use cases: a contact from arrival to wrap-up, and agents' states.

Every step writes its event to the log (eventlog.py) in the caller's
transaction, and every step that can free an agent or add a waiting contact
ends with a dispatch, so an offer follows at once. Time is the injected clock.
Services never commit: the API request, the timer or the simulator does.

The no-answer rule: an offer not answered within the policy's ring time is
taken back (RINGNOANSWER), the contact keeps its place in the queue, and an
agent who missed max_missed_offers offers in a row goes to a break with the
reason no_answer until they make themselves available again.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kindline.core import timers
from kindline.core.clock import Clock
from kindline.core.db import fetch
from kindline.core.errors import Conflict, Forbidden, Invalid
from kindline.hotline import agents, decision, dispatch, eventlog, links, routing
from kindline.hotline.models import Agent, Contact
from kindline.hotline.policy import Policy, current

CHANNELS = ("voice", "chat")
STATUS_NAMES = {"ivr": "自助语音", "queued": "排队中", "callback": "等待回拨", "offered": "振铃", "connected": "通话中",
                "wrapup": "话后处理", "done": "已完成", "abandoned": "放弃", "self_served": "自助办结",
                "left_ivr": "语音中挂机"}
IVR_OUTCOMES = ("queue", "self_service", "hangup")


def get(session: Session, contact_id: int, *, lock: bool = False) -> Contact:
    return fetch(session, Contact, contact_id, "contact", "来电", with_for_update=lock, populate_existing=lock)


def _waited(contact: Contact, clock: Clock) -> int:
    return int((clock.now() - contact.enqueued_at).total_seconds()) if contact.enqueued_at else 0


def _wrong_status(contact: Contact, doing: str) -> Conflict:
    return Conflict("invalid_contact_status", f"该来电当前为{STATUS_NAMES.get(contact.status, contact.status)}，不能{doing}。",
                    f"contact {contact.id} is {contact.status}", {"status": contact.status})


# -- arrival and queues -------------------------------------------------------------------------------------

def arrive(session: Session, clock: Clock, caller: str, called: str, *, call_id: str | None = None,
           channel: str = "voice", policy: Policy | None = None) -> tuple[Contact, decision.Decision, bool]:
    """A new call: identify the caller, decide IVR or queue, log ARRIVE (and
    ENTERQUEUE when the elder rule sends it straight to the experts). The same
    call_id again answers the contact made the first time, and False."""
    policy = policy or current()
    if channel not in CHANNELS:
        raise Invalid("invalid_channel", "接入渠道不正确。", f"channel must be one of {CHANNELS}")
    called = decision.number_of(called)
    call_id = (call_id or "").strip() or None
    if call_id and (found := session.scalar(select(Contact).where(Contact.call_id == call_id))) is not None:
        who = decision.identify(session, clock, found.caller)
        return found, decision.decide(policy, who, found.called, dispatch.seconds(found.arrived_at)), False
    who = decision.identify(session, clock, caller)
    now = clock.now()
    made = decision.decide(policy, who, called, dispatch.seconds(now))
    contact = Contact(channel=channel, call_id=call_id, caller=who.number, called=called,
                      customer_id=who.customer.id if who.customer else None, segment=who.segment,
                      vip_level=who.vip_level, elder_rule=made.elder_rule, arrived_at=now,
                      ivr_flow=made.ivr_flow, ivr_path=[], status="ivr", priority=made.priority, offers=0,
                      work_order_ids=[], order_ids=[], callback_requested=False, note="")
    try:
        with session.begin_nested():
            session.add(contact)
            session.flush()
    except IntegrityError:  # the same call_id, retried concurrently, won the race
        found = session.scalar(select(Contact).where(Contact.call_id == call_id)) if call_id else None
        if found is None:
            raise
        return found, decision.decide(policy, who, found.called, dispatch.seconds(found.arrived_at)), False
    eventlog.append(session, clock, eventlog.ARRIVE, contact_id=contact.id, caller=who.number, called=called,
                    channel=channel, customer_id=contact.customer_id, segment=who.segment,
                    vip_level=who.vip_level, elder_rule=made.elder_rule, action=made.action, reason=made.reason)
    if made.action == "queue":
        enqueue(session, clock, contact, made.queue, via="elder_rule", policy=policy)
    return contact, made, True


def enqueue(session: Session, clock: Clock, contact: Contact, queue: str, *, via: str = "ivr",
            policy: Policy | None = None) -> Contact:
    """The contact starts waiting for a human in `queue`; its place is now."""
    policy = policy or current()
    if queue not in policy.queues:
        raise Invalid("unknown_queue", "没有这个人工队列。", f"unknown queue {queue!r}", {"known": list(policy.queues)})
    if contact.status != "ivr":
        raise _wrong_status(contact, "进入排队")
    dispatch.sync_queues(session, policy)
    contact.status, contact.queue, contact.enqueued_at = "queued", queue, clock.now()
    where = routing.standing(policy, dispatch.waiting_of(contact), dispatch.seconds(contact.enqueued_at))
    contact.rule, contact.priority = where.rule.code, where.priority
    eventlog.append(session, clock, eventlog.ENTERQUEUE, contact_id=contact.id, queue=queue,
                    priority=where.priority, segment=contact.segment, rule=where.rule.code, via=via)
    session.flush()
    dispatch.schedule_stages(session, clock, policy, contact)
    dispatch.run(session, clock, policy)
    return contact


def leave_ivr(session: Session, clock: Clock, contact: Contact, *, path: list[str], outcome: str,
              queue: str | None = None, action: str | None = None, policy: Policy | None = None) -> Contact:
    """The IVR is done with the call: to a human queue, served by itself, or the caller hung up."""
    if outcome not in IVR_OUTCOMES:
        raise Invalid("invalid_outcome", "语音导航结果不正确。", f"outcome must be one of {IVR_OUTCOMES}")
    if contact.status != "ivr":
        raise _wrong_status(contact, "结束语音导航")
    contact.ivr_path = list(path)
    eventlog.append(session, clock, eventlog.IVREND, contact_id=contact.id, queue=queue, outcome=outcome,
                    path=list(path), action=action)
    if outcome == "queue":
        return enqueue(session, clock, contact, queue or "", via="ivr", policy=policy)
    contact.status = "self_served" if outcome == "self_service" else "left_ivr"
    contact.ended_at = clock.now()
    return contact


def record_ivr(session: Session, clock: Clock, contact: Contact, steps: list[str]) -> Contact:
    """Keys the caller pressed in the IVR ("node:key", "!action" when one ran)."""
    if contact.status != "ivr":
        raise _wrong_status(contact, "继续语音导航")
    contact.ivr_path = [*contact.ivr_path, *steps]
    return contact


def request_callback(session: Session, clock: Clock, contact: Contact, number: str | None = None) -> Contact:
    """The caller hangs up but keeps their place; an agent calls back when it comes."""
    if contact.status != "queued":
        raise _wrong_status(contact, "预约回拨")
    contact.callback_requested, contact.status = True, "callback"
    contact.callback_number = decision.number_of(number) if number else contact.caller
    eventlog.append(session, clock, eventlog.CALLBACK, contact_id=contact.id, queue=contact.queue,
                    waittime=_waited(contact, clock), number=contact.callback_number)
    return contact


def _back_in_queue(contact: Contact) -> None:
    contact.status = "callback" if contact.callback_requested else "queued"
    contact.agent_id, contact.offered_at = None, None


def _free_agent(session: Session, clock: Clock, contact: Contact) -> Agent | None:
    """Take the agent a contact rang back to available (not the agent's fault)."""
    if contact.agent_id is None:
        return None
    agent = agents.get(session, contact.agent_id, lock=True)
    timers.cancel(session, clock, dispatch.RING, f"{contact.id}:{contact.offers}")
    if agent.contact_id == contact.id and agent.state == "ringing":
        agents.change(session, clock, agent, "available")
    return agent


def hangup(session: Session, clock: Clock, contact: Contact, policy: Policy | None = None) -> Contact:
    """The caller hung up, whatever the contact was doing (the switch tells us).
    A repeated hang-up, or one after the end, changes nothing."""
    policy = policy or current()
    if contact.status == "ivr":
        served = any("!" in step for step in contact.ivr_path)
        return leave_ivr(session, clock, contact, path=contact.ivr_path,
                         outcome="self_service" if served else "hangup")
    if contact.status in ("queued", "offered"):
        eventlog.append(session, clock, eventlog.ABANDON, contact_id=contact.id, queue=contact.queue,
                        agent_id=contact.agent_id, waittime=_waited(contact, clock))
        freed = _free_agent(session, clock, contact) if contact.status == "offered" else None
        contact.status, contact.ended_at, contact.agent_id = "abandoned", clock.now(), None
        if freed is not None:
            dispatch.run(session, clock, policy)
        return contact
    if contact.status == "connected":
        return end(session, clock, contact, by="caller")
    return contact


# -- the agent's side of a contact ----------------------------------------------------------------------------

def _own_agent(session: Session, contact: Contact, staff_id: int | None) -> Agent:
    agent = agents.get(session, contact.agent_id, lock=True) if contact.agent_id else None
    if agent is None or (staff_id is not None and agent.staff_id != staff_id):
        raise Forbidden("not_your_contact", "这通来电没有分配给您。", f"contact {contact.id} is not offered to staff {staff_id}")
    return agent


def answer(session: Session, clock: Clock, contact: Contact, staff_id: int | None = None) -> Contact:
    """The agent the contact rings picks it up (for a callback: dials the caller)."""
    if contact.status != "offered":
        raise _wrong_status(contact, "接听")
    agent = _own_agent(session, contact, staff_id)
    now = clock.now()
    timers.cancel(session, clock, dispatch.RING, f"{contact.id}:{contact.offers}")
    contact.status, contact.answered_at = "connected", now
    agent.missed_offers = 0
    agents.change(session, clock, agent, "on_contact", contact_id=contact.id)
    eventlog.append(session, clock, eventlog.CONNECT, contact_id=contact.id, agent_id=agent.id, queue=contact.queue,
                    holdtime=_waited(contact, clock), ringtime=int((now - contact.offered_at).total_seconds()),
                    callback=contact.callback_requested)
    return contact


def end(session: Session, clock: Clock, contact: Contact, *, by: str = "agent",
        staff_id: int | None = None) -> Contact:
    """The conversation ends (the agent hung up, or the caller); wrap-up starts."""
    if contact.status != "connected":
        raise _wrong_status(contact, "结束通话")
    agent = _own_agent(session, contact, staff_id if by == "agent" else None)
    now = clock.now()
    contact.status, contact.ended_at = "wrapup", now
    eventlog.append(session, clock, eventlog.COMPLETEAGENT if by == "agent" else eventlog.COMPLETECALLER,
                    contact_id=contact.id, agent_id=agent.id, queue=contact.queue,
                    holdtime=int((contact.answered_at - contact.enqueued_at).total_seconds()),
                    calltime=int((now - contact.answered_at).total_seconds()))
    agents.change(session, clock, agent, "wrapup", contact_id=contact.id)
    timers.schedule(session, clock, dispatch.WRAPUP, str(contact.id),
                    now + timedelta(seconds=agent.wrapup_seconds), {"contact_id": contact.id})
    return contact


def dispose(session: Session, clock: Clock, contact: Contact, *, resolved: bool | None,
            work_order_ids: list[int] | None = None, order_ids: list[int] | None = None, note: str | None = None,
            staff_id: int | None = None) -> Contact:
    """The disposition: solved at this first contact or not, and the work orders
    and orders it led to (each must exist). Recorded while connected, in
    wrap-up or after; linking adds, it never drops an earlier link."""
    if contact.status not in ("connected", "wrapup", "done"):
        raise _wrong_status(contact, "登记处理结果")
    if staff_id is not None and contact.agent_id is not None:
        handler = agents.get(session, contact.agent_id)
        if handler.staff_id != staff_id:
            raise Forbidden("not_your_contact", "这通来电不是您处理的。", f"contact {contact.id} was handled by another agent")
    order_ids, work_order_ids = links.check(session, order_ids or [], work_order_ids or [])
    if resolved is not None:
        contact.resolved = resolved
    contact.work_order_ids = sorted(set(contact.work_order_ids) | set(work_order_ids))
    contact.order_ids = sorted(set(contact.order_ids) | set(order_ids))
    if note is not None:
        contact.note = note.strip()[:2000]
    eventlog.append(session, clock, eventlog.DISPOSITION, contact_id=contact.id, agent_id=contact.agent_id,
                    queue=contact.queue, resolved=contact.resolved, work_order_ids=contact.work_order_ids,
                    order_ids=contact.order_ids)
    return contact


def _end_wrapup(session: Session, clock: Clock, contact: Contact, agent: Agent, auto: bool) -> None:
    now = clock.now()
    contact.status, contact.wrapup_end_at = "done", now
    timers.cancel(session, clock, dispatch.WRAPUP, str(contact.id))
    eventlog.append(session, clock, eventlog.WRAPUPEND, contact_id=contact.id, agent_id=agent.id, queue=contact.queue,
                    wrapuptime=int((now - contact.ended_at).total_seconds()), resolved=contact.resolved, auto=auto)


def finish_wrapup(session: Session, clock: Clock, contact: Contact, *, auto: bool = False,
                  staff_id: int | None = None, policy: Policy | None = None) -> Contact:
    """Wrap-up is over (the agent says so, or its time ran out): the agent is free."""
    if contact.status != "wrapup":
        if auto:
            return contact  # the agent finished first; the timer has nothing to do
        raise _wrong_status(contact, "结束话后处理")
    agent = _own_agent(session, contact, staff_id)
    _end_wrapup(session, clock, contact, agent, auto)
    if agent.state == "wrapup" and agent.contact_id == contact.id:
        agents.change(session, clock, agent, "available")
        dispatch.run(session, clock, policy or current())
    return contact


def ring_timeout(session: Session, clock: Clock, contact: Contact, offer: int, policy: Policy | None = None) -> None:
    """The no-answer rule (a ring timer fired)."""
    policy = policy or current()
    if contact.status != "offered" or contact.offers != offer or contact.agent_id is None:
        return  # answered, abandoned or offered again since: a stale timer
    agent = agents.get(session, contact.agent_id, lock=True)
    eventlog.append(session, clock, eventlog.RINGNOANSWER, contact_id=contact.id, agent_id=agent.id,
                    queue=contact.queue, ringtime=int((clock.now() - contact.offered_at).total_seconds()))
    _back_in_queue(contact)
    agent.missed_offers += 1
    if agent.missed_offers >= policy.max_missed_offers:
        agents.change(session, clock, agent, "break", reason="no_answer")
    else:
        agents.change(session, clock, agent, "available")
    dispatch.run(session, clock, policy)


def next_target(session: Session, clock: Clock, contact: Contact, policy: Policy | None = None) -> None:
    """A routing timeout passed (a stage timer fired): log the new target and route again."""
    policy = policy or current()
    if contact.status not in dispatch.WAITING:
        return
    where = routing.standing(policy, dispatch.waiting_of(contact), dispatch.seconds(clock.now()))
    eventlog.append(session, clock, eventlog.NEXTTARGET, contact_id=contact.id, queue=where.target.queue,
                    stage=where.stage, priority=where.priority, rule=where.rule.code)
    dispatch.run(session, clock, policy)


# -- agents ---------------------------------------------------------------------------------------------------

def set_agent_state(session: Session, clock: Clock, agent: Agent, state: str, reason: str = "",
                    policy: Policy | None = None) -> Agent:
    """Sign in (available), take a break, sign out. Choosing a state during
    wrap-up ends the wrap-up first (and goes straight to the chosen state).
    The agent's contact is locked before the agent, the order every use case
    keeps (contact, then agent, then the queues), so two of them never deadlock."""
    held = get(session, agent.contact_id, lock=True) if agent.contact_id is not None else None
    agent = agents.get(session, agent.id, lock=True)
    if agent.state == "wrapup" and agent.contact_id is not None and state in agents.CHOSEN:
        contact = held if held is not None and held.id == agent.contact_id else get(session, agent.contact_id,
                                                                                    lock=True)
        if contact.status == "wrapup":
            _end_wrapup(session, clock, contact, agent, auto=False)
    agents.choose(session, clock, agent, state, reason)
    if state == "available":
        dispatch.run(session, clock, policy or current())
    return agent
