"""Tables of the halls domain: halls and their counters, numbered tickets and
the append-only event log every hall KPI is computed from, the care station's
visit log, and the elderly classes with their sign-ups and follow-up visits."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kindline.core.db import Base, JSONType, UTCDateTime


class Hall(Base):
    """A business hall (营业厅). Opening hours are per ISO weekday ("1" Monday
    to "7" Sunday) as lists of ["HH:MM", "HH:MM"] intervals; a special day
    ("2026-10-01") replaces its weekday, an empty list closing the hall."""

    __tablename__ = "halls"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    city: Mapped[str] = mapped_column(String(40), index=True)
    district: Mapped[str] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    phone: Mapped[str] = mapped_column(String(20), default="")
    hours: Mapped[dict[str, list[list[str]]]] = mapped_column(JSONType, default=dict)
    special_days: Mapped[dict[str, list[list[str]]]] = mapped_column(JSONType, default=dict)
    services: Mapped[list[str]] = mapped_column(JSONType, default=list)  # ticket categories offered
    care_services: Mapped[list[str]] = mapped_column(JSONType, default=list)  # 爱心驿站: rest, water, ...
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Counter(Base):
    """A numbered counter (窗口/台席) and the categories it calls."""

    __tablename__ = "hall_counters"
    __table_args__ = (UniqueConstraint("hall_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"), index=True)
    number: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(12))  # general, care, vip, business
    categories: Mapped[list[str]] = mapped_column(JSONType, default=list)
    is_open: Mapped[bool] = mapped_column(default=False)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))  # the clerk who opened it


class Ticket(Base):
    """A numbered ticket (排队号) from the kiosk, the portal or SMS, until it
    is done, passed over, transferred or expired."""

    __tablename__ = "hall_tickets"
    __table_args__ = (
        UniqueConstraint("hall_id", "service_day", "number"),
        Index("ix_hall_tickets_queue", "hall_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    service_day: Mapped[date] = mapped_column(Date)  # the hall's local date: numbers restart daily
    category: Mapped[str] = mapped_column(String(16))
    seq: Mapped[int] = mapped_column()
    number: Mapped[str] = mapped_column(String(8))  # A012
    green: Mapped[bool] = mapped_column(default=False)
    group: Mapped[str | None] = mapped_column(String(16))  # elderly, disabled, pregnant, military
    group_source: Mapped[str | None] = mapped_column(String(12))  # id_card, phone, declared
    vip: Mapped[bool] = mapped_column(default=False)
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    channel: Mapped[str] = mapped_column(String(12))
    remote: Mapped[bool] = mapped_column(default=False)
    hold_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a remote ticket's check-in limit
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a remote ticket checked in
    status: Mapped[str] = mapped_column(String(12))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime)  # its place in line (kept by a transfer)
    ahead_at_take: Mapped[int] = mapped_column(default=0)
    expected_wait_seconds: Mapped[int] = mapped_column(default=0)  # as shown on the ticket when taken
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the "three ahead" SMS
    first_called_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the latest call
    calls: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handling_seconds: Mapped[int | None] = mapped_column()
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("hall_counters.id"), index=True)
    counter_number: Mapped[int | None] = mapped_column()
    outcome: Mapped[str] = mapped_column(Text, default="")  # what was done at the counter
    order_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    work_order_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    transferred_from_id: Mapped[int | None] = mapped_column(ForeignKey("hall_tickets.id"))
    # "<actor>|<Idempotency-Key>": a retried take answers the ticket taken the first time.
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)


class HallEvent(Base):
    """The event log: appended, never changed; every hall KPI reads only this."""

    __tablename__ = "hall_events"
    __table_args__ = (Index("ix_hall_events_hall_at", "hall_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    ticket_id: Mapped[int | None] = mapped_column(index=True)
    counter_number: Mapped[int | None] = mapped_column()
    event: Mapped[str] = mapped_column(String(16))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class CareVisit(Base):
    """A visit to the care station (爱心驿站): which service, for which group."""

    __tablename__ = "hall_care_visits"
    __table_args__ = (Index("ix_hall_care_visits_hall_at", "hall_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    service: Mapped[str] = mapped_column(String(16))
    group: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    note: Mapped[str] = mapped_column(String(200), default="")
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))


class ElderClass(Base):
    """A class (爱心小课堂) held in a hall or in a community."""

    __tablename__ = "hall_classes"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(100))
    hall_id: Mapped[int | None] = mapped_column(ForeignKey("halls.id"), index=True)
    community: Mapped[str | None] = mapped_column(String(100))  # where, when not in a hall
    city: Mapped[str] = mapped_column(String(40))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    minutes: Mapped[int] = mapped_column(default=60)
    capacity: Mapped[int] = mapped_column()
    teacher: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ClassSignup(Base):
    """One person signed up for a class: by which channel, whether they came,
    and whether they joined the follow-up group (课后答疑群)."""

    __tablename__ = "hall_class_signups"
    __table_args__ = (UniqueConstraint("class_id", "phone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("hall_classes.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    channel: Mapped[str] = mapped_column(String(8))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attended: Mapped[bool | None] = mapped_column()  # None until attendance is taken
    followup_group: Mapped[bool] = mapped_column(default=False)


class FollowUpVisit(Base):
    """A follow-up visit to a class participant, by phone or video."""

    __tablename__ = "hall_followup_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    signup_id: Mapped[int] = mapped_column(ForeignKey("hall_class_signups.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    method: Mapped[str] = mapped_column(String(8))  # phone, video
    asked: Mapped[str] = mapped_column(String(500))
    solved: Mapped[bool] = mapped_column()
    note: Mapped[str] = mapped_column(String(500), default="")
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
