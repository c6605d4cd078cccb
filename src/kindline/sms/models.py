"""Tables of the SMS business hall: every message received, and the paid
commands waiting for the subscriber's "Y".

Received messages are kept with the replies they got, so staff can read a
conversation back and a gateway that delivers the same message twice (same
gateway id) gets no second answer and no second order.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kindline.core.db import Base, JSONType, UTCDateTime

CONFIRMATION_STATES = ("pending", "confirmed", "cancelled", "replaced")


class SmsIncoming(Base):
    """One message a subscriber sent to the service number (an MO)."""

    __tablename__ = "sms_incoming"
    __table_args__ = (UniqueConstraint("sender", "gateway_id"), Index("ix_sms_incoming_sender", "sender", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    sender: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(String(1000))
    gateway_id: Mapped[str | None] = mapped_column(String(64))  # the gateway's message id, when it gives one
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    line_id: Mapped[int | None] = mapped_column(ForeignKey("lines.id"))
    command: Mapped[str] = mapped_column(String(16))
    replies: Mapped[list[str]] = mapped_column(JSONType, default=list)


class SmsConfirmation(Base):
    """A paid command waiting for "Y" (10 minutes). The newest pending one of a
    sender is the one a "Y" confirms; a new paid command replaces it."""

    __tablename__ = "sms_confirmations"
    __table_args__ = (Index("ix_sms_confirmations_sender", "sender", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sender: Mapped[str] = mapped_column(String(32))
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id"))
    incoming_id: Mapped[int] = mapped_column(ForeignKey("sms_incoming.id"))
    order_type: Mapped[str] = mapped_column(String(32))
    product_code: Mapped[str] = mapped_column(String(40))
    prompt: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
