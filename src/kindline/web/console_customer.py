"""The console's customer page: real-name record (masked), segments, care
archive, lines with their products, and orders with their history; plus the
audited "unmask" form for staff holding pii:view."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request

from kindline.core.auth.permissions import CUSTOMERS_READ, ORDERS_READ, ORDERS_WRITE, PII_VIEW
from kindline.core.deps import DbSession, get_runtime
from kindline.core.errors import DomainError
from kindline.core.pagination import PageParams, paginate
from kindline.customers import service as customers
from kindline.customers.segments import SEGMENT_NAMES_ZH
from kindline.orders import service as orders
from kindline.orders.types import CHANNEL_NAMES
from kindline.web import identity
from kindline.web.console import LOGIN
from kindline.web.present import line_view, order_view
from kindline.web.render import render
from kindline.web.routing import page_router

ORDERS_PER_PAGE = 10

router = page_router("/console", login_path=LOGIN)


def customer_page(request: Request, session, staff, customer_id: int, *, orders_offset: int = 0,
                  revealed: dict[str, str] | None = None, reveal_error: str | None = None,
                  reason: str = "", status: int = 200):
    """Render the page; also used after an unmask, which shows it with the
    full values once (they are never put in an address or a cookie)."""
    staff.require(CUSTOMERS_READ)
    clock = get_runtime(request).clock
    customer = customers.get(session, customer_id)
    segments = customers.segments(customer, clock)
    order_views, order_total = [], 0
    params = PageParams(limit=ORDERS_PER_PAGE, offset=max(0, orders_offset))
    if staff.can(ORDERS_READ):
        rows, order_total = paginate(session, orders.query(customer_id=customer.id), params)
        order_views = [order_view(session, clock, order) for order in rows]
    return render(
        request, "console/customer.html", status=status, back_to=f"/console/customers/{customer.id}",
        title=f"客户 {customer.name}", customer=customer, age=customers.age(customer, clock),
        segments=[(s, SEGMENT_NAMES_ZH.get(s, s)) for s in segments],
        lines=[line_view(session, line) for line in customer.lines],
        orders=order_views, order_total=order_total, params=params, channels=CHANNEL_NAMES,
        can_reveal=staff.can(PII_VIEW), can_order=staff.can(ORDERS_WRITE), revealed=revealed,
        reveal_error=reveal_error, reason=reason,
    )


@router.get("/customers/{customer_id}")
def show(request: Request, session: DbSession, staff: identity.Staff, customer_id: int, orders_offset: int = 0):
    return customer_page(request, session, staff, customer_id, orders_offset=orders_offset)


@router.post("/customers/{customer_id}/reveal")
def reveal(request: Request, session: DbSession, staff: identity.Staff, customer_id: int,
           reason: Annotated[str, Form(max_length=500)] = ""):
    """customers.service.reveal checks pii:view and writes the audit record."""
    staff.require(CUSTOMERS_READ)
    customer = customers.get(session, customer_id)
    try:
        revealed = customers.reveal(session, get_runtime(request).clock, customer, actor=staff, reason=reason)
    except DomainError as exc:
        if exc.status == 403:
            raise
        session.rollback()
        return customer_page(request, session, staff, customer_id, reveal_error=exc.message, reason=reason,
                             status=exc.status)
    return customer_page(request, session, staff, customer_id, revealed=revealed)
