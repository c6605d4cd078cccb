"""The reminders' one table: every notification sent (or queued for the morning)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kindline.core.db import Base, JSONType, UTCDateTime


class Notification(Base):
    """One reminder to one line. (line, kind, param_key, cycle, seq) is unique:
    that is what makes "once per threshold per cycle" hold under concurrency.
    A re-armed reminder (the balance rose back above its threshold) marks its
    row `rearmed_at`, and the next one takes the next `seq`."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("line_id", "kind", "param_key", "cycle", "seq"),
        Index("ix_notifications_line_id", "line_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))  # the holder when it was sent
    kind: Mapped[str] = mapped_column(String(24))  # see rules.KINDS
    params: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    param_key: Mapped[str] = mapped_column(String(80), default="")  # "resource=voice", "threshold_fen=1500"
    cycle: Mapped[str] = mapped_column(String(7))
    seq: Mapped[int] = mapped_column(default=0)
    recipient: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    send_at: Mapped[datetime] = mapped_column(UTCDateTime)  # 08:00 when created in the quiet hours
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id"))
    rearmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
