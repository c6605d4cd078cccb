"""Routing live contacts: rows in, the routing engine decides, offers out.

The decision itself is routing.route (pure, in memory); this module only reads
the waiting contacts and available agents, and writes the offers: the contact
rings the agent, an OFFER event is logged and a ring timer is set (the
no-answer rule, deadlines.py).

Two dispatchers must never offer the same contact or agent twice. Each first
locks the queue rows (so dispatchers take turns on PostgreSQL; SQLite
serialises writers anyway), then reads waiting contacts and available agents
FOR UPDATE SKIP LOCKED: a row another transaction is changing (a caller
hanging up, an agent taking a break) is left to the dispatch that transaction
runs itself when it is done.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kindline.core import timers
from kindline.core.clock import Clock
from kindline.hotline import agents, eventlog, routing
from kindline.hotline.models import Agent, Contact, Queue
from kindline.hotline.policy import Policy

WAITING = ("queued", "callback")
RING = "hl.ring"
STAGE = "hl.stage"
WRAPUP = "hl.wrapup"


def seconds(moment: datetime) -> float:
    return moment.timestamp()


def moment(at: float) -> datetime:
    return datetime.fromtimestamp(at, timezone.utc)


def sync_queues(session: Session, policy: Policy) -> None:
    """Make the policy's queues exist as rows (names and skills follow the policy)."""
    have = {q.code: q for q in session.scalars(select(Queue))}
    for code, spec in policy.queues.items():
        row = have.get(code)
        if row is None:
            try:
                with session.begin_nested():
                    session.add(Queue(code=code, name=spec.name, skill=spec.skill))
                    session.flush()
            except IntegrityError:  # another transaction made it first
                continue
        elif (row.name, row.skill) != (spec.name, spec.skill):
            row.name, row.skill = spec.name, spec.skill


def waiting_of(contact: Contact) -> routing.WaitingContact:
    return routing.WaitingContact(contact.id, contact.queue, contact.segment, seconds(contact.enqueued_at),
                                  contact.vip_level, contact.status == "callback")


def ready_of(agent: Agent) -> routing.ReadyAgent:
    return routing.ReadyAgent(agent.id, agent.skills, agent.expert, seconds(agent.state_since))


def schedule_stages(session: Session, clock: Clock, policy: Policy, contact: Contact) -> None:
    """A timer at each moment a routing timeout moves the contact to its next
    target (a millisecond after it, so the engine's float seconds have surely
    passed the deadline when the timer fires)."""
    rule = policy.rule_for(contact.queue, contact.segment)
    for stage, end in enumerate(rule.ends[:-1]):
        if end is not None:
            due = contact.enqueued_at + timedelta(seconds=end, milliseconds=1)
            timers.schedule(session, clock, STAGE, f"{contact.id}:{stage + 1}", due,
                            {"contact_id": contact.id, "stage": stage + 1})


def run(session: Session, clock: Clock, policy: Policy) -> list[Contact]:
    """Offer every waiting contact an available agent may take now; answers the contacts offered."""
    list(session.scalars(select(Queue.id).order_by(Queue.id).with_for_update()))
    # Agents first: on a busy floor few are free, and with none free there is nothing to read.
    ready = {a.id: a for a in session.scalars(
        select(Agent).where(Agent.state == "available").with_for_update(skip_locked=True)
        .execution_options(populate_existing=True))}
    if not ready:
        return []
    contacts = {c.id: c for c in session.scalars(
        select(Contact).where(Contact.status.in_(WAITING)).with_for_update(skip_locked=True)
        .execution_options(populate_existing=True))}
    if not contacts:
        return []
    now = clock.now()
    offers = routing.route(policy, [waiting_of(c) for c in contacts.values()],
                           [ready_of(a) for a in ready.values()], seconds(now))
    offered = []
    for offer in offers:
        contact, agent = contacts[offer.contact_id], ready[offer.agent_id]
        contact.status, contact.agent_id, contact.offered_at = "offered", agent.id, now
        contact.offers += 1
        contact.priority = offer.priority
        agents.change(session, clock, agent, "ringing", contact_id=contact.id)
        eventlog.append(session, clock, eventlog.OFFER, contact_id=contact.id, agent_id=agent.id,
                        queue=offer.queue, priority=offer.priority, rule=offer.rule, stage=offer.stage,
                        callback=offer.callback)
        timers.schedule(session, clock, RING, f"{contact.id}:{contact.offers}",
                        now + timedelta(seconds=policy.ring_seconds),
                        {"contact_id": contact.id, "offer": contact.offers})
        offered.append(contact)
    return offered
