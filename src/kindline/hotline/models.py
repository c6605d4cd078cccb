"""Tables of the hotline domain: queues, agents, contacts and the append-only
event log every hotline KPI is computed from (in the spirit of Asterisk's
queue_log: one row per thing that happened, never updated)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kindline.core.db import Base, JSONType, UTCDateTime


class Queue(Base):
    """A human queue callers wait in, served by agents holding its skill."""

    __tablename__ = "hl_queues"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    skill: Mapped[str] = mapped_column(String(40))


class Agent(Base):
    """A staff member who takes hotline contacts: skills with a proficiency of
    1 to 5, the service-expert tier (服务专家, five-star agents who take the
    elderly), and where they stand now (state and since when)."""

    __tablename__ = "hl_agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), unique=True)
    skills: Mapped[dict[str, int]] = mapped_column(JSONType, default=dict)
    expert: Mapped[bool] = mapped_column(default=False)
    # offline, available, ringing, on_contact, wrapup, break
    state: Mapped[str] = mapped_column(String(12), default="offline", index=True)
    state_reason: Mapped[str] = mapped_column(String(40), default="")  # a break's reason: rest, meal, no_answer
    state_since: Mapped[datetime] = mapped_column(UTCDateTime)
    contact_id: Mapped[int | None] = mapped_column()  # the contact offered to, or handled by, the agent now
    wrapup_seconds: Mapped[int] = mapped_column(default=30)
    missed_offers: Mapped[int] = mapped_column(default=0)  # in a row; reset by an answer or a sign-in


class Contact(Base):
    """One call (or chat) from arrival to the end of the agent's wrap-up."""

    __tablename__ = "hl_contacts"
    __table_args__ = (Index("ix_hl_contacts_waiting", "status", "enqueued_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(8), default="voice")  # voice, chat
    # The switch's call id (SIP Call-ID): a retried route request is the same contact.
    call_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    caller: Mapped[str] = mapped_column(String(32), index=True)
    called: Mapped[str] = mapped_column(String(32))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    segment: Mapped[str] = mapped_column(String(12))  # elderly, vip, ordinary: the KPI segment
    vip_level: Mapped[int] = mapped_column(default=0)
    elder_rule: Mapped[bool] = mapped_column(default=False)  # 一键接入人工: skipped the IVR
    arrived_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ivr_flow: Mapped[str | None] = mapped_column(String(40))
    ivr_path: Mapped[list[str]] = mapped_column(JSONType, default=list)  # node:key steps taken
    # ivr, queued, callback, offered, connected, wrapup, done, abandoned, self_served, left_ivr
    status: Mapped[str] = mapped_column(String(12))
    queue: Mapped[str | None] = mapped_column(String(40))  # the queue entered
    rule: Mapped[str | None] = mapped_column(String(40))  # the routing rule that serves it
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # its place: kept by a callback
    priority: Mapped[int] = mapped_column(default=0)  # at entry; the stage in force may raise it
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("hl_agents.id"), index=True)
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    offers: Mapped[int] = mapped_column(default=0)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    wrapup_end_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved: Mapped[bool | None] = mapped_column()  # the disposition: solved at this first contact
    work_order_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    order_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    callback_requested: Mapped[bool] = mapped_column(default=False)
    callback_number: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")


class HotlineEvent(Base):
    """The event log: appended, never changed. Contact events (ARRIVE,
    ENTERQUEUE, CONNECT, COMPLETEAGENT, ...) and agent state events
    (AGENTSTATE) with their facts in `data`; every KPI reads only this."""

    __tablename__ = "hl_events"
    __table_args__ = (Index("ix_hl_events_kind_at", "event", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    contact_id: Mapped[int | None] = mapped_column(index=True)
    agent_id: Mapped[int | None] = mapped_column(index=True)
    queue: Mapped[str | None] = mapped_column(String(40))
    event: Mapped[str] = mapped_column(String(20))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
