"""REST endpoints for work orders (the contract: create, read with its SLA,
transitions; illegal transitions answer 409 with the allowed ones), plus
dispatch, owner change, the green channel and notes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Response

from kindline.core.auth.permissions import WORKORDERS_READ
from kindline.core.deps import Caller, CurrentClock, DbSession
from kindline.core.pagination import Page, PageParams, page_params, paginate
from kindline.workorders import ownership, service
from kindline.workorders.schemas import AssignIn, OwnerIn, ReasonIn, TransitionIn, WorkOrderCreate, WorkOrderRead

router = APIRouter(prefix="/api/v1/workorders", tags=["workorders"])


def _read(order, clock) -> WorkOrderRead:
    now = clock.now()
    return WorkOrderRead.of(order, service.sla_status(order, now), now)


@router.post("", response_model=WorkOrderRead, status_code=201,
             responses={200: {"description": "a retry of an earlier creation with the same Idempotency-Key"}})
def create(body: WorkOrderCreate, response: Response, session: DbSession, clock: CurrentClock, caller: Caller,
           idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=128)] = None):
    order, made = service.create(session, clock, caller, type=body.type, description=body.description,
                                 channel=body.channel, customer_id=body.customer_id, line=body.line,
                                 priority=body.priority, city=body.city, address=body.address,
                                 contact_phone=body.contact_phone, idempotency_key=idempotency_key)
    if not made:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return _read(order, clock)


@router.get("", response_model=Page[WorkOrderRead])
def list_work_orders(session: DbSession, clock: CurrentClock, caller: Caller,
                     params: Annotated[PageParams, Depends(page_params)], status: str | None = None,
                     type: str | None = None, city: str | None = None, open_only: bool = False,
                     customer_id: int | None = None):
    """Soonest due first. Subscribers see their own."""
    if caller.is_staff:
        caller.require(WORKORDERS_READ)
    else:
        customer_id = caller.id
    rows, total = paginate(session, service.query(customer_id=customer_id, status=status, type=type, city=city,
                                                  open_only=open_only), params)
    return Page(items=[_read(o, clock) for o in rows], total=total, limit=params.limit, offset=params.offset)


@router.get("/{work_order_id}", response_model=WorkOrderRead)
def get_work_order(work_order_id: int, session: DbSession, clock: CurrentClock, caller: Caller):
    return _read(service.visible(caller, service.get(session, work_order_id)), clock)


@router.post("/{work_order_id}/transitions", response_model=WorkOrderRead)
def move(work_order_id: int, body: TransitionIn, session: DbSession, clock: CurrentClock, caller: Caller):
    order = service.visible(caller, service.get(session, work_order_id))
    return _read(service.transition(session, clock, caller, order, body.to, body.reason), clock)


@router.post("/{work_order_id}/assign", response_model=WorkOrderRead)
def assign(work_order_id: int, body: AssignIn, session: DbSession, clock: CurrentClock, caller: Caller):
    order = service.visible(caller, service.get(session, work_order_id))
    return _read(ownership.assign(session, clock, caller, order, team_code=body.team, assignee_id=body.assignee_id,
                                  reason=body.reason), clock)


@router.post("/{work_order_id}/owner", response_model=WorkOrderRead)
def change_owner(work_order_id: int, body: OwnerIn, session: DbSession, clock: CurrentClock, caller: Caller):
    order = service.visible(caller, service.get(session, work_order_id))
    return _read(ownership.change_owner(session, clock, caller, order, body.owner_id, body.reason), clock)


@router.post("/{work_order_id}/green-channel", response_model=WorkOrderRead)
def green_channel(work_order_id: int, body: ReasonIn, session: DbSession, clock: CurrentClock, caller: Caller):
    order = service.visible(caller, service.get(session, work_order_id))
    return _read(ownership.to_green_channel(session, clock, caller, order, body.reason), clock)


@router.post("/{work_order_id}/notes", response_model=WorkOrderRead)
def add_note(work_order_id: int, body: ReasonIn, session: DbSession, clock: CurrentClock, caller: Caller):
    order = service.visible(caller, service.get(session, work_order_id))
    return _read(ownership.note(session, clock, caller, order, body.reason), clock)
