"""What the floor looks like now: callers waiting per queue and the longest
wait, agents per state (the wallboard and the queues API read this)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kindline.core.clock import Clock
from kindline.hotline.dispatch import WAITING, sync_queues
from kindline.hotline.models import Agent, Contact, Queue
from kindline.hotline.policy import Policy


@dataclass(frozen=True)
class QueueNow:
    code: str
    name: str
    skill: str
    waiting: int
    callbacks: int
    longest_wait_seconds: int | None


def queues(session: Session, clock: Clock, policy: Policy) -> list[QueueNow]:
    sync_queues(session, policy)
    rows = session.execute(select(Contact.queue, Contact.status, func.count(), func.min(Contact.enqueued_at))
                           .where(Contact.status.in_(WAITING)).group_by(Contact.queue, Contact.status))
    waiting: Counter[str] = Counter()
    callbacks: Counter[str] = Counter()
    oldest: dict[str, object] = {}
    for queue, status, count, first in rows:
        (callbacks if status == "callback" else waiting)[queue] += count
        if status != "callback":
            oldest[queue] = min(first, oldest.get(queue, first))
    now = clock.now()
    return [QueueNow(q.code, q.name, q.skill, waiting[q.code], callbacks[q.code],
                     int((now - oldest[q.code]).total_seconds()) if q.code in oldest else None)
            for q in session.scalars(select(Queue).order_by(Queue.id))]


def agents_by_state(session: Session) -> dict[str, int]:
    return dict(session.execute(select(Agent.state, func.count()).group_by(Agent.state)).all())
