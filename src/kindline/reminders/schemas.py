"""What the reminders API gives: each notification as the subscriber got it
(numbers leave masked)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from kindline.core.masking import mask_phone
from kindline.reminders.models import Notification
from kindline.reminders.rules import KIND_NAMES


class NotificationRead(BaseModel):
    id: int
    kind: str = Field(description="usage_80, usage_100, balance_below, arrears_warning, suspended, restored, "
                                  "low_usage, points_expiring")
    kind_name: str
    params: dict[str, Any] = Field(description="resource, threshold_fen, ...: what made this reminder")
    cycle: str
    recipient: str = Field(description="masked: 138****5678")
    text: str
    created_at: datetime
    send_at: datetime = Field(description="08:00 local when created in the quiet hours (22:00-08:00)")
    delivered_at: datetime | None

    @classmethod
    def of(cls, note: Notification, delivered_at: datetime | None) -> NotificationRead:
        return cls(id=note.id, kind=note.kind, kind_name=KIND_NAMES.get(note.kind, note.kind), params=note.params,
                   cycle=note.cycle, recipient=mask_phone(note.recipient), text=note.text,
                   created_at=note.created_at, send_at=note.send_at, delivered_at=delivered_at)
