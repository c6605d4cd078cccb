"""REST endpoints of reminders: the notifications a line was sent."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from kindline.billing import service as billing
from kindline.core.auth.permissions import BILLING_READ, CUSTOMERS_READ
from kindline.core.deps import Caller, DbSession
from kindline.core.outbox import OutboxMessage
from kindline.core.pagination import Page, PageParams, page_params, paginate
from kindline.reminders import service
from kindline.reminders.schemas import NotificationRead

router = APIRouter(prefix="/api/v1", tags=["reminders"])


@router.get("/notifications", response_model=Page[NotificationRead])
def list_notifications(msisdn: str, session: DbSession, caller: Caller,
                       params: Annotated[PageParams, Depends(page_params)]):
    """Newest first. Staff with customers:read or billing:read see every
    notification of the line; a subscriber sees those of their own line sent
    while they held it."""
    permission = CUSTOMERS_READ if caller.can(CUSTOMERS_READ) else BILLING_READ
    line = billing.line_for(session, caller, msisdn, permission)
    holder = None if caller.is_staff else caller.id
    rows, total = paginate(session, service.for_line(session, line, holder), params)
    items = []
    for note in rows:
        message = session.get(OutboxMessage, note.outbox_id) if note.outbox_id else None
        items.append(NotificationRead.of(note, message.delivered_at if message else None))
    return Page(items=items, total=total, limit=params.limit, offset=params.offset)
