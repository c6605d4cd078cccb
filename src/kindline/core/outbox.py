"""The transactional outbox.

A side effect (an SMS, an event for another system) is written as a row in the
same transaction as the business change, and delivered later by a worker, at
least once. Receivers are idempotent on the message id, so a worker that dies
between sending and marking delivered causes no harm. Workers claim rows with
SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL, so any number may run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Index, String, Text, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from kindline.core.clock import Clock
from kindline.core.db import Base, JSONType, UTCDateTime, transaction

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10

Handler = Callable[[Session, "OutboxMessage", datetime], None]
_handlers: dict[str, Handler] = {}


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_due", "delivered_at", "available_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    available_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


def register(topic: str, handler: Handler) -> None:
    """Name the receiver of a topic (a driver, or another system's adapter)."""
    _handlers[topic] = handler


def enqueue(session: Session, clock: Clock, topic: str, payload: dict[str, Any],
            not_before: datetime | None = None) -> OutboxMessage:
    now = clock.now()
    message = OutboxMessage(topic=topic, payload=payload, created_at=now,
                            available_at=max(now, not_before) if not_before else now)
    session.add(message)
    return message


def enqueue_many(session: Session, clock: Clock, topic: str, payloads: list[dict[str, Any]],
                 not_before: datetime | None = None) -> list[int]:
    """`enqueue` for many messages in one statement (a rating batch crosses
    thousands of reminder thresholds); answers their ids in payload order,
    for callers that keep a reference to their message."""
    now = clock.now()
    available_at = max(now, not_before) if not_before else now
    rows = [{"topic": topic, "payload": payload, "created_at": now, "available_at": available_at}
            for payload in payloads]
    return list(session.scalars(insert(OutboxMessage).returning(OutboxMessage.id, sort_by_parameter_order=True), rows))


def deliver_due(factory: sessionmaker[Session], clock: Clock, limit: int = 100) -> int:
    """Deliver what is due; returns how many messages were delivered."""
    delivered = 0
    with transaction(factory) as session:
        now = clock.now()
        stmt = (select(OutboxMessage)
                .where(OutboxMessage.delivered_at.is_(None), OutboxMessage.available_at <= now,
                       OutboxMessage.attempts < MAX_ATTEMPTS)
                .order_by(OutboxMessage.id).limit(limit)
                .with_for_update(skip_locked=True))
        for message in session.scalars(stmt):
            handler = _handlers.get(message.topic)
            try:
                if handler is None:
                    raise LookupError(f"no handler registered for topic {message.topic!r}")
                with session.begin_nested():
                    handler(session, message, now)
            except Exception as exc:  # a failed receiver is retried later, never lost
                message.attempts += 1
                message.last_error = repr(exc)[:2000]
                message.available_at = now + timedelta(seconds=min(3600, 2 ** message.attempts))
                log.warning("outbox message %s (%s) failed: %r", message.id, message.topic, exc)
            else:
                message.attempts += 1
                message.delivered_at = now
                delivered += 1
    return delivered
