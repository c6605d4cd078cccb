"""What the work-order API takes and gives."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from kindline.core.masking import mask_phone
from kindline.workorders import sla
from kindline.workorders.models import WorkOrder, WorkOrderEvent
from kindline.workorders.types import STATUS_NAMES, TYPES, allowed_moves


class WorkOrderCreate(BaseModel):
    type: str = Field(description=", ".join(TYPES))
    customer_id: int | None = None
    line: str | None = Field(None, max_length=32, description="the line's number (mobile number or account)")
    description: str = Field(max_length=4000)
    channel: str = "console"
    priority: str = "normal"
    city: str | None = Field(None, max_length=40, description="where the customer is, when not the line's city")
    address: str | None = Field(None, max_length=200)
    contact_phone: str | None = Field(None, max_length=20)


class TransitionIn(BaseModel):
    to: str
    reason: str = Field("", max_length=500)


class AssignIn(BaseModel):
    team: str | None = Field(None, max_length=40)
    assignee_id: int | None = None
    reason: str = Field("", max_length=500)


class OwnerIn(BaseModel):
    owner_id: int
    reason: str = Field(max_length=500)


class ReasonIn(BaseModel):
    reason: str = Field(max_length=500)


class LimitRead(BaseModel):
    due_at: datetime | None
    warn_at: datetime | None
    met_at: datetime | None
    state: str


class SlaRead(BaseModel):
    policy: str
    policy_name: str
    state: str = Field(description="within, warning, breached or met")
    response_due_at: datetime | None
    resolution_due_at: datetime | None
    paused_seconds: int
    paused: bool
    response: LimitRead
    resolution: LimitRead

    @classmethod
    def of(cls, status: sla.Status) -> SlaRead:
        return cls(policy=status.policy.code, policy_name=status.policy.name, state=status.state,
                   response_due_at=status.response.due_at, resolution_due_at=status.resolution.due_at,
                   paused_seconds=status.paused_seconds, paused=status.paused,
                   response=LimitRead(**vars(status.response)), resolution=LimitRead(**vars(status.resolution)))


class EventRead(BaseModel):
    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str | None
    reason: str
    data: dict[str, Any]

    @classmethod
    def of(cls, event: WorkOrderEvent) -> EventRead:
        return cls(at=event.at, actor=event.actor, action=event.action, from_status=event.from_status,
                   to_status=event.to_status, reason=event.reason, data=event.data)


class WorkOrderRead(BaseModel):
    id: int
    type: str
    type_name: str
    status: str
    status_name: str
    allowed: list[str]
    priority: str
    customer_id: int | None
    line_id: int | None
    order_id: int | None
    description: str
    channel: str
    source: str
    external_id: str | None
    contact_phone: str | None
    owner_id: int | None
    team_id: int | None
    assignee_id: int | None
    home_city: str | None
    city: str | None
    area: str
    green: bool
    escalation: int
    resolution: str | None
    reason: str | None
    created_at: datetime
    updated_at: datetime
    sla: SlaRead
    history: list[EventRead]

    @classmethod
    def of(cls, order: WorkOrder, status: sla.Status, now: datetime) -> WorkOrderRead:
        """The order at `now`: its SLA `status` then, and the moves open then (a
        closed order's reopen only within REOPEN_WINDOW of its resolution)."""
        return cls(
            id=order.id, type=order.type, type_name=TYPES[order.type], status=order.status,
            status_name=STATUS_NAMES[order.status],
            allowed=sorted(allowed_moves(order.status, order.resolved_at, now)),
            priority=order.priority, customer_id=order.customer_id, line_id=order.line_id, order_id=order.order_id,
            description=order.description, channel=order.channel, source=order.source,
            external_id=order.external_id, contact_phone=mask_phone(order.contact_phone or ""),
            owner_id=order.owner_id, team_id=order.team_id, assignee_id=order.assignee_id,
            home_city=order.home_city, city=order.city, area=order.area, green=order.green,
            escalation=order.escalation, resolution=order.resolution, reason=order.reason,
            created_at=order.created_at, updated_at=order.updated_at, sla=SlaRead.of(status),
            history=[EventRead.of(e) for e in order.events],
        )
