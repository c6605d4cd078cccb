"""Tables of the work-order domain: teams, work orders, their event history,
field appointments, staff notices and satisfaction return visits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kindline.core.db import Base, JSONType, UTCDateTime


class Team(Base):
    """A team that does the work: a city's field crew (装维班组), complaint desk,
    or the green-channel special team (绿色通道专班)."""

    __tablename__ = "wo_teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    city: Mapped[str | None] = mapped_column(String(40))  # None: serves the whole province
    kind: Mapped[str] = mapped_column(String(12))  # field, complaint, green
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))


class TeamMember(Base):
    __tablename__ = "wo_team_members"
    __table_args__ = (UniqueConstraint("team_id", "staff_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("wo_teams.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), index=True)


class WorkOrder(Base):
    __tablename__ = "work_orders"
    __table_args__ = (
        Index("ix_work_orders_open", "status", "city"),
        UniqueConstraint("source", "external_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(16), index=True)
    status: Mapped[str] = mapped_column(String(16))
    priority: Mapped[str] = mapped_column(String(8), default="normal")
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    line_id: Mapped[int | None] = mapped_column(ForeignKey("lines.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), unique=True)
    description: Mapped[str] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(200))
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(12))
    # Where it came from when that is not a channel of ours: "12315" with the platform's id.
    source: Mapped[str] = mapped_column(String(12))
    external_id: Mapped[str | None] = mapped_column(String(64))
    # 首问负责: who first received it owns it until it is closed.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    created_by: Mapped[str] = mapped_column(String(40))
    # "<actor>|<Idempotency-Key>" when the caller sent one: a retried POST is one work order.
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("wo_teams.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    # 跨城市: the line's home city, and the city where the customer is (which handles it).
    home_city: Mapped[str | None] = mapped_column(String(40))
    city: Mapped[str | None] = mapped_column(String(40))
    area: Mapped[str] = mapped_column(String(8), default="urban")  # urban, rural
    segments: Mapped[list[str]] = mapped_column(JSONType, default=list)
    green: Mapped[bool] = mapped_column(default=False)
    escalation: Mapped[int] = mapped_column(default=0)
    # SLA: the policy in force, when its clock started, pauses in working seconds.
    policy_code: Mapped[str] = mapped_column(String(40))
    sla_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_seconds: Mapped[int] = mapped_column(default=0)
    paused_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(String(500))  # of a rejection or cancellation
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    events: Mapped[list[WorkOrderEvent]] = relationship(order_by="WorkOrderEvent.id")


class WorkOrderEvent(Base):
    """Everything that happened to a work order, with who, when and why: the
    timeline on its page and the only input of the KPIs."""

    __tablename__ = "work_order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(20))  # created, transition, reopen, assign, owner, green, ...
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(500), default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class Appointment(Base):
    """A 2-hour visit window the customer chose, and what the technician did."""

    __tablename__ = "wo_appointments"
    __table_args__ = (Index("ix_wo_appointments_day", "technician_id", "window_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    status: Mapped[str] = mapped_column(String(12), default="booked")  # booked, arrived, done, not_home, moved
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notes: Mapped[str] = mapped_column(Text, default="")
    equipment: Mapped[list[str]] = mapped_column(JSONType, default=list)
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Notice(Base):
    """What the owner (and supervisors) are told: every step of their orders,
    SLA warnings and breaches. Shown on the console until read."""

    __tablename__ = "wo_notices"
    __table_args__ = (Index("ix_wo_notices_staff", "staff_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"))
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Survey(Base):
    """A satisfaction return visit (满意度回访) after a closed work order or a
    completed hall order: by SMS (reply 1 to 5) or as a call task."""

    __tablename__ = "wo_surveys"
    __table_args__ = (UniqueConstraint("subject", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(12))  # work_order, order
    subject_id: Mapped[int] = mapped_column()
    # None: a 12315 complainant who holds no line with us (their return visit is a call)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    city: Mapped[str | None] = mapped_column(String(40))
    phone: Mapped[str] = mapped_column(String(20), index=True)
    method: Mapped[str] = mapped_column(String(8))  # sms, call
    status: Mapped[str] = mapped_column(String(12))  # sent, call_due, answered, unreachable
    score: Mapped[int | None]
    comment: Mapped[str] = mapped_column(String(500), default="")
    review_status: Mapped[str | None] = mapped_column(String(12))  # open, done (a score of 1 or 2)
    review_note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
