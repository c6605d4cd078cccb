"""REST endpoints of the hotline. The contract: `POST /api/v1/hotline/route`
(the decision a SIP proxy needs for an incoming call) and
`GET /api/v1/kpi/hotline?from=&to=`. Around them: what the switch reports
(queue, hang-up, callback), the agent's desk (state, answer, end, disposition,
wrap-up) and the supervisor's (agents, queues)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query

from kindline.core.auth.permissions import HOTLINE_AGENT, HOTLINE_ROUTE, HOTLINE_SUPERVISE
from kindline.core.auth.principal import Principal
from kindline.core.clock import moment_of
from kindline.core.deps import Caller, CurrentClock, DbSession
from kindline.core.errors import Invalid
from kindline.hotline import agents, board, kpi, service
from kindline.hotline.policy import current
from kindline.hotline.schemas import (
    AgentIn,
    AgentRead,
    CallbackIn,
    ContactRead,
    DeskRead,
    DispositionIn,
    QueueIn,
    QueueRead,
    RouteIn,
    RouteOut,
    StateIn,
)

router = APIRouter(prefix="/api/v1/hotline", tags=["hotline"])
kpi_router = APIRouter(prefix="/api/v1/kpi", tags=["hotline"])


def _any_of(caller: Principal, *permissions: str) -> None:
    if not any(caller.can(p) for p in permissions):
        caller.require(permissions[0])


# -- the switch -----------------------------------------------------------------------------------------------

@router.post("/route", response_model=RouteOut)
def route(body: RouteIn, session: DbSession, clock: CurrentClock, caller: Caller) -> RouteOut:
    """An incoming call: IVR flow or queue, priority, and why. Makes the contact
    (the same call_id again answers the same contact and decision)."""
    caller.require(HOTLINE_ROUTE)
    contact, made, _ = service.arrive(session, clock, body.caller, body.called, call_id=body.call_id,
                                      channel=body.channel)
    return RouteOut.of(contact, made)


@router.post("/contacts/{contact_id}/queue", response_model=ContactRead)
def to_queue(contact_id: int, body: QueueIn, session: DbSession, clock: CurrentClock, caller: Caller):
    """The switch's own IVR chose a human queue."""
    caller.require(HOTLINE_ROUTE)
    contact = service.get(session, contact_id, lock=True)
    return ContactRead.of(service.leave_ivr(session, clock, contact, path=contact.ivr_path, outcome="queue",
                                            queue=body.queue))


@router.post("/contacts/{contact_id}/hangup", response_model=ContactRead)
def hangup(contact_id: int, session: DbSession, clock: CurrentClock, caller: Caller):
    """The caller hung up (in the IVR, waiting, ringing or talking)."""
    caller.require(HOTLINE_ROUTE)
    return ContactRead.of(service.hangup(session, clock, service.get(session, contact_id, lock=True)))


@router.post("/contacts/{contact_id}/callback", response_model=ContactRead)
def callback(contact_id: int, session: DbSession, clock: CurrentClock, caller: Caller, body: CallbackIn | None = None):
    """The waiting caller pressed for a callback: they keep their place."""
    caller.require(HOTLINE_ROUTE)
    contact = service.get(session, contact_id, lock=True)
    return ContactRead.of(service.request_callback(session, clock, contact, body.number if body else None))


@router.get("/contacts/{contact_id}", response_model=ContactRead)
def read_contact(contact_id: int, session: DbSession, caller: Caller):
    _any_of(caller, HOTLINE_AGENT, HOTLINE_SUPERVISE, HOTLINE_ROUTE)
    return ContactRead.of(service.get(session, contact_id))


# -- the agent's desk -----------------------------------------------------------------------------------------

def _desk(session, agent) -> DeskRead:
    contact = service.get(session, agent.contact_id) if agent.contact_id else None
    return DeskRead(agent=AgentRead.of(agent), contact=ContactRead.of(contact) if contact else None)


@router.get("/agents/me", response_model=DeskRead)
def my_desk(session: DbSession, caller: Caller):
    caller.require(HOTLINE_AGENT)
    return _desk(session, agents.by_staff(session, caller.id))


@router.put("/agents/me/state", response_model=DeskRead)
def my_state(body: StateIn, session: DbSession, clock: CurrentClock, caller: Caller):
    """Sign in (available), a break, sign out; an offer may follow at once."""
    caller.require(HOTLINE_AGENT)
    agent = agents.by_staff(session, caller.id)
    return _desk(session, service.set_agent_state(session, clock, agent, body.state, body.reason))


def _mine(session, caller: Principal, contact_id: int):
    caller.require(HOTLINE_AGENT)
    return service.get(session, contact_id, lock=True)


@router.post("/contacts/{contact_id}/answer", response_model=ContactRead)
def answer(contact_id: int, session: DbSession, clock: CurrentClock, caller: Caller):
    contact = _mine(session, caller, contact_id)
    return ContactRead.of(service.answer(session, clock, contact, staff_id=caller.id))


@router.post("/contacts/{contact_id}/end", response_model=ContactRead)
def end(contact_id: int, session: DbSession, clock: CurrentClock, caller: Caller):
    contact = _mine(session, caller, contact_id)
    return ContactRead.of(service.end(session, clock, contact, by="agent", staff_id=caller.id))


@router.post("/contacts/{contact_id}/disposition", response_model=ContactRead)
def disposition(contact_id: int, body: DispositionIn, session: DbSession, clock: CurrentClock, caller: Caller):
    contact = _mine(session, caller, contact_id)
    return ContactRead.of(service.dispose(session, clock, contact, resolved=body.resolved,
                                          work_order_ids=body.work_order_ids, order_ids=body.order_ids,
                                          note=body.note, staff_id=caller.id))


@router.post("/contacts/{contact_id}/wrapup-done", response_model=ContactRead)
def wrapup_done(contact_id: int, session: DbSession, clock: CurrentClock, caller: Caller):
    contact = _mine(session, caller, contact_id)
    return ContactRead.of(service.finish_wrapup(session, clock, contact, staff_id=caller.id))


# -- the supervisor -------------------------------------------------------------------------------------------

@router.post("/agents", response_model=AgentRead)
def register_agent(body: AgentIn, session: DbSession, clock: CurrentClock, caller: Caller):
    """Make a staff member an agent, or change their skills, tier or wrap-up time."""
    caller.require(HOTLINE_SUPERVISE)
    return AgentRead.of(agents.register(session, clock, body.staff_id, skills=body.skills, expert=body.expert,
                                        wrapup_seconds=body.wrapup_seconds))


@router.get("/agents", response_model=list[AgentRead])
def list_agents(session: DbSession, caller: Caller):
    caller.require(HOTLINE_SUPERVISE)
    return [AgentRead.of(a) for a in agents.all_agents(session)]


@router.put("/agents/{agent_id}/state", response_model=AgentRead)
def agent_state(agent_id: int, body: StateIn, session: DbSession, clock: CurrentClock, caller: Caller):
    """A supervisor signs an agent out, or back in after a no-answer pause."""
    caller.require(HOTLINE_SUPERVISE)
    agent = agents.get(session, agent_id)
    return AgentRead.of(service.set_agent_state(session, clock, agent, body.state, body.reason))


@router.get("/queues", response_model=list[QueueRead])
def queues(session: DbSession, clock: CurrentClock, caller: Caller):
    _any_of(caller, HOTLINE_SUPERVISE, HOTLINE_AGENT)
    return [QueueRead(**vars(q)) for q in board.queues(session, clock, current())]


# -- KPIs -----------------------------------------------------------------------------------------------------

@kpi_router.get("/hotline")
def hotline_kpis(session: DbSession, clock: CurrentClock, caller: Caller,
                 from_: Annotated[str | None, Query(alias="from", max_length=40)] = None,
                 to: Annotated[str | None, Query(max_length=40)] = None) -> dict[str, Any]:
    """KPIs for [from, to) from the event log (docs/hotline.md); default today."""
    caller.require(HOTLINE_SUPERVISE)
    midnight = datetime.combine(clock.today(), time(0), clock.tz)
    start = moment_of(from_, clock, midnight)
    end = moment_of(to, clock, midnight + timedelta(days=1))
    if end <= start:
        raise Invalid("invalid_period", "结束时间须晚于开始时间。", "to must be after from")
    return kpi.compute(session, clock.now(), start, end)
