"""Durable timers: deadlines kept as rows, fired exactly once by any worker.

A reminder's "suspend in 24 hours", an SLA warning at 80% of the allowed time,
the monthly cycle start: each is a row with a kind, a natural key and a due
time. `schedule` is idempotent on (kind, key), so a retried transaction never
sets two timers. Workers claim due rows with SELECT ... FOR UPDATE SKIP LOCKED
on PostgreSQL (SQLite serialises writers anyway), run the kind's handler inside
the same transaction and mark the row fired, so a timer survives restarts and
fires once however many workers run. Due times are compared with the injected
clock, so timers follow the virtual clock in tests and simulations.

A handler may find that the moment its timer waited for has moved (an SLA
whose due time moved later, an order paused): it then sets its own timer again
(cancel, then schedule for the new moment, in the same transaction) or leaves
it cancelled for its owner to set again, and answers NOT_YET. The row is then
not marked fired, so it fires once, at the new moment, by whichever worker
claims it then.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Index, String, Text, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from kindline.core.clock import Clock
from kindline.core.db import Base, JSONType, UTCDateTime, transaction

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10


class NotYet:
    """What a handler answers when its timer is not due after all (see the module's docstring)."""

    def __repr__(self) -> str:
        return "NOT_YET"


NOT_YET = NotYet()
Handler = Callable[[Session, Clock, "Timer"], NotYet | None]
_handlers: dict[str, Handler] = {}


class Timer(Base):
    __tablename__ = "timers"
    __table_args__ = (UniqueConstraint("kind", "key"), Index("ix_timers_due", "fired_at", "due_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(120))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


def register(kind: str, handler: Handler) -> None:
    """Name what runs when a timer of this kind is due. Handlers run inside the
    claiming transaction: what they write commits together with `fired_at`, or,
    when the handler answers NOT_YET, together with its timer set again."""
    _handlers[kind] = handler


def find(session: Session, kind: str, key: str) -> Timer | None:
    return session.scalar(select(Timer).where(Timer.kind == kind, Timer.key == key))


def schedule(session: Session, clock: Clock, kind: str, key: str, due_at: datetime,
             payload: dict[str, Any] | None = None) -> Timer:
    """Set a timer once: the same (kind, key) again answers the timer already set.
    A cancelled timer is set again with the new due time. Two transactions
    setting the same timer at once (two workers starting, both making sure
    next month's cycle is due) meet at the unique key: the second answers the
    first's timer instead of failing."""
    timer = find(session, kind, key)
    if timer is not None:
        if timer.cancelled_at is not None and timer.fired_at is None:
            timer.cancelled_at, timer.due_at, timer.payload = None, due_at, payload or {}
        return timer
    timer = Timer(kind=kind, key=key, due_at=due_at, payload=payload or {}, created_at=clock.now(), attempts=0)
    try:
        with session.begin_nested():
            session.add(timer)
            session.flush()
    except IntegrityError:
        rival = find(session, kind, key)
        if rival is None:
            raise  # not the race on (kind, key): some other constraint
        return rival
    return timer


def cancel(session: Session, clock: Clock, kind: str, key: str) -> bool:
    """Stop a timer that has not fired; answers whether one was pending."""
    timer = find(session, kind, key)
    if timer is None or timer.fired_at is not None or timer.cancelled_at is not None:
        return False
    timer.cancelled_at = clock.now()
    return True


def pending(session: Session, kind: str, key: str) -> Timer | None:
    timer = find(session, kind, key)
    if timer is None or timer.fired_at is not None or timer.cancelled_at is not None:
        return None
    return timer


def fire_due(factory: sessionmaker[Session], clock: Clock, limit: int = 100) -> int:
    """Fire what is due now; answers how many timers fired."""
    fired = 0
    with transaction(factory) as session:
        now = clock.now()
        stmt = (select(Timer)
                .where(Timer.fired_at.is_(None), Timer.cancelled_at.is_(None), Timer.due_at <= now,
                       Timer.attempts < MAX_ATTEMPTS)
                .order_by(Timer.due_at, Timer.id).limit(limit)
                .with_for_update(skip_locked=True))
        for timer in session.scalars(stmt):
            handler = _handlers.get(timer.kind)
            timer.attempts += 1
            try:
                if handler is None:
                    raise LookupError(f"no handler registered for timer kind {timer.kind!r}")
                with session.begin_nested():
                    answer = handler(session, clock, timer)
                    if answer is NOT_YET and timer.cancelled_at is None and timer.due_at <= now:
                        raise RuntimeError("the handler answered NOT_YET but left its timer due")
            except Exception as exc:  # retried later with back-off, never lost
                timer.last_error = repr(exc)[:2000]
                timer.due_at = now + timedelta(seconds=min(3600, 2 ** timer.attempts))
                log.warning("timer %s (%s/%s) failed: %r", timer.id, timer.kind, timer.key, exc)
            else:
                if answer is NOT_YET:  # set again for later (or stood down): not fired, no attempt spent
                    timer.attempts -= 1
                    continue
                timer.fired_at = now
                fired += 1
    return fired


def run_until_idle(factory: sessionmaker[Session], clock: Clock) -> int:
    """Fire rounds until nothing more is due (tests and the virtual clock's jumps)."""
    total = 0
    while (count := fire_due(factory, clock)):
        total += count
    return total
