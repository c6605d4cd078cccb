"""REST endpoints for orders. POST takes an Idempotency-Key header: the same key
twice (also concurrently) is one order."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Response

from kindline.core.auth.permissions import ORDERS_READ
from kindline.core.deps import Caller, CurrentClock, DbSession
from kindline.core.pagination import Page, PageParams, page_params, paginate
from kindline.orders import service
from kindline.orders.schemas import OrderCreate, OrderRead, TransitionIn

router = APIRouter(prefix="/api/v1/orders", tags=["orders"])


@router.post("", response_model=OrderRead, status_code=201,
             responses={200: {"description": "a replay of an earlier submission with the same key"}})
def create_order(body: OrderCreate, response: Response, session: DbSession, clock: CurrentClock, caller: Caller,
                 idempotency_key: Annotated[str, Header(alias="Idempotency-Key", max_length=128)]):
    order, replayed = service.submit(session, clock, caller, body, idempotency_key)
    if replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return OrderRead.of(order)


@router.get("", response_model=Page[OrderRead])
def list_orders(session: DbSession, caller: Caller, params: Annotated[PageParams, Depends(page_params)],
                customer_id: int | None = None, status: str | None = None, channel: str | None = None,
                field_work: bool | None = None):
    if not caller.is_staff:
        customer_id = caller.id
    else:
        caller.require(ORDERS_READ)
    rows, total = paginate(session, service.query(customer_id=customer_id, status=status, channel=channel,
                                                  field_work=field_work), params)
    return Page(items=[OrderRead.of(o) for o in rows], total=total, limit=params.limit, offset=params.offset)


@router.get("/{order_id}", response_model=OrderRead)
def get_order(order_id: int, session: DbSession, caller: Caller):
    return OrderRead.of(service.visible(caller, service.get(session, order_id)))


@router.post("/{order_id}/transitions", response_model=OrderRead)
def move_order(order_id: int, body: TransitionIn, session: DbSession, clock: CurrentClock, caller: Caller):
    order = service.visible(caller, service.get(session, order_id))
    return OrderRead.of(service.move(session, clock, caller, order, body.to, body.reason))
