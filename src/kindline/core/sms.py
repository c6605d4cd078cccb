"""Outgoing SMS: queued through the outbox, delivered by the configured driver.

The `log` driver keeps every message in `sms_messages`; staff read them on the
console's SMS page (how the demo shows sign-in codes). Real gateway drivers
(SMPP, Kannel's HTTP interface) plug in by name under the same topic.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from kindline.core import outbox
from kindline.core.clock import Clock
from kindline.core.db import Base, UTCDateTime

TOPIC = "sms"
SENDER = "10001"


class SmsMessage(Base):
    """A delivered SMS. One row per outbox message, so redelivery cannot duplicate."""

    __tablename__ = "sms_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox_messages.id"), unique=True)
    sender: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(String(20), index=True)
    text: Mapped[str] = mapped_column(String(1000))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)


def payload(recipient: str, text: str, sender: str = SENDER) -> dict[str, str]:
    """What an SMS in the outbox carries, for the drivers to send."""
    return {"to": recipient, "text": text, "from": sender}


def send(session: Session, clock: Clock, recipient: str, text: str, not_before: datetime | None = None, *,
         sender: str = SENDER) -> None:
    """Queue an SMS in the caller's transaction."""
    outbox.enqueue(session, clock, TOPIC, payload(recipient, text, sender), not_before)


def _log_driver(session: Session, message: outbox.OutboxMessage, now: datetime) -> None:
    exists = session.scalar(select(SmsMessage.id).where(SmsMessage.outbox_id == message.id))
    if exists is None:
        payload = message.payload
        session.add(SmsMessage(outbox_id=message.id, sender=payload.get("from", SENDER),
                               recipient=payload["to"], text=payload["text"], sent_at=now))


DRIVERS: dict[str, outbox.Handler] = {"log": _log_driver}


def register_driver(name: str, driver: outbox.Handler) -> None:
    """Make a gateway driver known by name (sms/kannel.py adds "kannel");
    core/ cannot import it, so the driver comes to the registry."""
    DRIVERS[name] = driver


def install_driver(name: str) -> None:
    try:
        outbox.register(TOPIC, DRIVERS[name])
    except KeyError:
        raise ValueError(f"unknown SMS driver {name!r}; known: {', '.join(DRIVERS)}") from None


def recent(session: Session, limit: int = 50, recipient: str | None = None) -> list[SmsMessage]:
    stmt = select(SmsMessage).order_by(SmsMessage.id.desc()).limit(limit)
    if recipient:
        stmt = stmt.where(SmsMessage.recipient == recipient)
    return list(session.scalars(stmt))
