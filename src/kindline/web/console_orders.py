"""Console orders: the create-order form for a customer, its submission
through orders.service.submit, the order page with its history, and moving
field-work orders through their transitions (orders.service.move).

The idempotency key is made when the form is rendered and travels in a hidden
field, so a double click or a resent form is one order.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse

from kindline.core.auth.permissions import CUSTOMERS_READ, ORDERS_READ, ORDERS_WRITE
from kindline.core.deps import DbSession, get_runtime
from kindline.core.errors import DomainError
from kindline.customers import service as customers
from kindline.orders import service as orders
from kindline.orders.types import CHANNEL_NAMES, ORDER_TYPES, STATUS_NAMES, TRANSITIONS
from kindline.web import identity
from kindline.web.console import LOGIN
from kindline.web.order_form import TYPE_FIELDS, build_request, open_lines, primary_lines, product_choices
from kindline.web.present import order_view
from kindline.web.render import render
from kindline.web.routing import FormFields, page_router

DEFAULT_TYPE = "product_order"

router = page_router("/console", login_path=LOGIN)


def _form_page(request: Request, session, staff, customer_id: int, values: dict[str, str], *,
               error: str | None = None, status: int = 200):
    staff.require(ORDERS_WRITE)
    staff.require(CUSTOMERS_READ)
    customer = customers.get(session, customer_id)
    order_type = values.get("type") if values.get("type") in ORDER_TYPES else DEFAULT_TYPE
    clock = get_runtime(request).clock
    return render(
        request, "console/order_new.html", status=status,
        back_to=f"/console/customers/{customer.id}/orders/new?type={order_type}",
        title=f"为{customer.name}办理业务", customer=customer, order_type=order_type,
        type_name=ORDER_TYPES[order_type].name, types=[(code, kind.name) for code, kind in ORDER_TYPES.items()],
        fields=TYPE_FIELDS[order_type],
        lines=open_lines(customer, order_type), primary_lines=primary_lines(customer),
        products=product_choices(session, clock, customer, order_type), channels=CHANNEL_NAMES,
        values=values, error=error, idempotency_key=values.get("idempotency_key") or uuid.uuid4().hex,
    )


@router.get("/customers/{customer_id}/orders/new")
def new_order(request: Request, session: DbSession, staff: identity.Staff, customer_id: int,
              type: str = DEFAULT_TYPE, channel: str = "hall"):
    """`channel` preselects where the request came in (the hotline desk opens the form with 热线)."""
    return _form_page(request, session, staff, customer_id,
                      {"type": type, "channel": channel if channel in CHANNEL_NAMES else "hall"})


@router.post("/customers/{customer_id}/orders")
def submit_order(request: Request, session: DbSession, staff: identity.Staff, customer_id: int,
                 fields: FormFields):
    """A refusal (e.g. 欢孝卡 for someone under 65) re-renders the form with the
    service's Chinese reason and leaves nothing behind."""
    try:
        order, replayed = orders.submit(session, get_runtime(request).clock, staff,
                                        build_request(customer_id, fields), fields.get("idempotency_key", ""))
    except DomainError as exc:
        if exc.status == 403:
            raise
        session.rollback()
        return _form_page(request, session, staff, customer_id, fields, error=exc.message, status=exc.status)
    return RedirectResponse(f"/console/orders/{order.id}?{'replayed' if replayed else 'created'}=1",
                            status_code=303)


def _order_page(request: Request, session, staff, order_id: int, *, error: str | None = None, status: int = 200,
                notice: str | None = None):
    staff.require(ORDERS_READ)
    order = orders.visible(staff, orders.get(session, order_id))
    customer = customers.get(session, order.customer_id)
    moves = [(to, STATUS_NAMES[to]) for to in sorted(TRANSITIONS[order.status])] if staff.can(ORDERS_WRITE) else []
    return render(request, "console/order.html", status=status, back_to=f"/console/orders/{order.id}",
                  title=f"受理单 {order.id}", view=order_view(session, get_runtime(request).clock, order),
                  customer=customer, moves=moves, error=error, notice=notice)


@router.get("/orders/{order_id}")
def show_order(request: Request, session: DbSession, staff: identity.Staff, order_id: int,
               created: int = 0, replayed: int = 0, moved: int = 0):
    notice = ("受理单已提交。" if created else "这张受理单刚才已经提交过，没有重复办理。" if replayed
              else "状态已更新。" if moved else None)
    return _order_page(request, session, staff, order_id, notice=notice)


@router.post("/orders/{order_id}/transitions")
def move_order(request: Request, session: DbSession, staff: identity.Staff, order_id: int,
               to: Annotated[str, Form(max_length=16)] = "", reason: Annotated[str, Form(max_length=500)] = ""):
    order = orders.visible(staff, orders.get(session, order_id))
    try:
        orders.move(session, get_runtime(request).clock, staff, order, to, reason)
    except DomainError as exc:
        if exc.status == 403:
            raise
        session.rollback()
        return _order_page(request, session, staff, order_id, error=exc.message, status=exc.status)
    return RedirectResponse(f"/console/orders/{order.id}?moved=1", status_code=303)
