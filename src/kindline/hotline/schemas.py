"""What the hotline API takes and gives. Caller numbers leave masked."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from kindline.core.masking import mask_phone
from kindline.hotline.agents import STATES
from kindline.hotline.decision import SEGMENT_NAMES_ZH, Decision
from kindline.hotline.models import Agent, Contact
from kindline.hotline.service import STATUS_NAMES


class RouteIn(BaseModel):
    caller: str = Field(min_length=1, max_length=40, description="the calling number as the switch sees it")
    called: str = Field(min_length=1, max_length=40, description="the service number dialed, e.g. 10000")
    call_id: str | None = Field(None, max_length=128,
                                description="the SIP Call-ID: a retried request answers the same contact")
    channel: str = Field("voice", description="voice or chat")


class RouteOut(BaseModel):
    """What a SIP proxy needs: play an IVR flow, or put the call in a queue."""

    contact_id: int
    action: str = Field(description="ivr or queue")
    ivr_flow: str | None = Field(description="the IVR flow to run (action ivr)")
    queue: str | None = Field(description="the human queue (action queue)")
    priority: int = Field(description="in the queue; for ivr, the VIP raise the call carries into any queue")
    segment: str = Field(description="elderly, vip or ordinary")
    elder_rule: bool = Field(description="一键接入人工: the call skipped the IVR")
    reason: str = Field(description="elder_rule_age, elder_rule_care, elder_rule_off, vip, registered, unregistered")
    why: str = Field(description="the reason in words, for people")

    @classmethod
    def of(cls, contact: Contact, made: Decision) -> RouteOut:
        return cls(contact_id=contact.id, action=made.action, ivr_flow=made.ivr_flow, queue=made.queue,
                   priority=made.priority, segment=made.segment, elder_rule=made.elder_rule, reason=made.reason,
                   why=made.why)


class QueueIn(BaseModel):
    queue: str = Field(min_length=1, max_length=40)


class CallbackIn(BaseModel):
    number: str | None = Field(None, max_length=40, description="the number to call back; default the caller")


class DispositionIn(BaseModel):
    resolved: bool | None = Field(None, description="solved at this first contact")
    work_order_ids: list[int] = Field(default_factory=list, max_length=20)
    order_ids: list[int] = Field(default_factory=list, max_length=20)
    note: str | None = Field(None, max_length=2000)


class StateIn(BaseModel):
    state: str = Field(description="available, break or offline")
    reason: str = Field("", max_length=40, description="for a break: rest, meal, training, meeting")


class AgentIn(BaseModel):
    staff_id: int
    skills: dict[str, int] = Field(description="skill -> proficiency 1..5, e.g. {\"general\": 4}")
    expert: bool = Field(False, description="the service-expert tier (服务专家)")
    wrapup_seconds: int = 30


class ContactRead(BaseModel):
    id: int
    channel: str
    caller: str = Field(description="masked: 138****5678")
    called: str
    customer_id: int | None
    segment: str
    segment_name: str
    vip_level: int
    elder_rule: bool
    status: str
    status_name: str
    ivr_flow: str | None
    ivr_path: list[str]
    queue: str | None
    rule: str | None
    priority: int
    agent_id: int | None
    arrived_at: datetime
    enqueued_at: datetime | None
    answered_at: datetime | None
    ended_at: datetime | None
    wrapup_end_at: datetime | None
    resolved: bool | None
    work_order_ids: list[int]
    order_ids: list[int]
    callback_requested: bool

    @classmethod
    def of(cls, contact: Contact) -> ContactRead:
        return cls(id=contact.id, channel=contact.channel, caller=mask_phone(contact.caller), called=contact.called,
                   customer_id=contact.customer_id, segment=contact.segment,
                   segment_name=SEGMENT_NAMES_ZH.get(contact.segment, contact.segment), vip_level=contact.vip_level,
                   elder_rule=contact.elder_rule, status=contact.status,
                   status_name=STATUS_NAMES.get(contact.status, contact.status), ivr_flow=contact.ivr_flow,
                   ivr_path=contact.ivr_path, queue=contact.queue, rule=contact.rule, priority=contact.priority,
                   agent_id=contact.agent_id, arrived_at=contact.arrived_at, enqueued_at=contact.enqueued_at,
                   answered_at=contact.answered_at, ended_at=contact.ended_at, wrapup_end_at=contact.wrapup_end_at,
                   resolved=contact.resolved, work_order_ids=contact.work_order_ids, order_ids=contact.order_ids,
                   callback_requested=contact.callback_requested)


class AgentRead(BaseModel):
    id: int
    staff_id: int
    skills: dict[str, int]
    expert: bool
    state: str
    state_name: str
    state_reason: str
    state_since: datetime
    contact_id: int | None
    wrapup_seconds: int
    missed_offers: int

    @classmethod
    def of(cls, agent: Agent) -> AgentRead:
        return cls(id=agent.id, staff_id=agent.staff_id, skills=agent.skills, expert=agent.expert, state=agent.state,
                   state_name=STATES.get(agent.state, agent.state), state_reason=agent.state_reason,
                   state_since=agent.state_since, contact_id=agent.contact_id, wrapup_seconds=agent.wrapup_seconds,
                   missed_offers=agent.missed_offers)


class DeskRead(BaseModel):
    """The signed-in agent and the contact offered to or held by them."""

    agent: AgentRead
    contact: ContactRead | None


class QueueRead(BaseModel):
    code: str
    name: str
    skill: str
    waiting: int
    callbacks: int
    longest_wait_seconds: int | None
