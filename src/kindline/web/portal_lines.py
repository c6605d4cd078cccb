"""Subscriber portal pages: my lines and plan, ordering and unsubscribing
add-ons and TV channels on a line, and my orders.

Everything is loaded for the signed-in subscriber only: a line or an order of
someone else answers the same 403 page as the API (Principal.require_customer).
Orders go through orders.service.submit with channel "online" and the
subscriber principal, so eligibility and its Chinese reasons are the hall's.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse

from kindline.catalog import service as catalog
from kindline.catalog.models import SELF_SERVICE_KINDS
from kindline.core.auth.permissions import CUSTOMERS_READ
from kindline.core.deps import DbSession, get_runtime
from kindline.core.errors import DomainError
from kindline.core.pagination import PageParams, paginate
from kindline.customers import lines as line_service
from kindline.customers import service as customers
from kindline.orders import service as orders
from kindline.orders.schemas import OrderCreate
from kindline.web import identity
from kindline.web.portal import LOGIN
from kindline.web.present import KIND_NAMES, line_view, order_view, product_view
from kindline.web.render import render
from kindline.web.routing import page_router

CHANNEL = "online"
ORDERS_PER_PAGE = 10

router = page_router("/portal", login_path=LOGIN)


@router.get("")
def my_lines(request: Request, session: DbSession, me: identity.Subscriber):
    customer = customers.get(session, me.id)
    views = [line_view(session, line) for line in customer.lines if line.status != "cancelled"]
    return render(request, "portal/home.html", title="我的业务", customer=customer, lines=views)


def _owned_line(session, me, line_id: int):
    line = line_service.get(session, line_id)
    me.require_customer(line.customer_id, CUSTOMERS_READ)
    return line


def _line_page(request: Request, session, me, line_id: int, *, error: str | None = None, status: int = 200):
    line = _owned_line(session, me, line_id)
    today = get_runtime(request).clock.today()
    view = line_view(session, line)
    held = set(line_service.held_codes(line))
    groups: dict[str, list] = {}
    for product, version in catalog.catalog_on(session, today, line_kind=line.kind):
        if product.kind in SELF_SERVICE_KINDS and product.code not in held:
            groups.setdefault(KIND_NAMES[product.kind], []).append(product_view(product.code, product.kind, version))
    removable = [p for p in view.addons if p.kind in SELF_SERVICE_KINDS]
    return render(request, "portal/line.html", status=status, back_to=f"/portal/lines/{line.id}",
                  title=f"{view.kind_name}业务办理", line=view, groups=groups, removable=removable, error=error,
                  new_key=lambda: uuid.uuid4().hex)


@router.get("/lines/{line_id}")
def line_page(request: Request, session: DbSession, me: identity.Subscriber, line_id: int):
    return _line_page(request, session, me, line_id)


def _submit(request: Request, session, me, line_id: int, order_type: str, code: str, key: str):
    line = _owned_line(session, me, line_id)
    body = OrderCreate(type=order_type, customer_id=me.id, channel=CHANNEL, line_id=line.id,
                       product_codes=[code] if code else [])
    try:
        order, _replayed = orders.submit(session, get_runtime(request).clock, me, body, key)
    except DomainError as exc:
        if exc.status == 403:
            raise
        session.rollback()
        return _line_page(request, session, me, line_id, error=exc.message, status=exc.status)
    return RedirectResponse(f"/portal/orders?done={order.id}", status_code=303)


@router.post("/lines/{line_id}/order")
def order_product(request: Request, session: DbSession, me: identity.Subscriber, line_id: int,
                  code: Annotated[str, Form(max_length=40)] = "",
                  idempotency_key: Annotated[str, Form(max_length=128)] = ""):
    return _submit(request, session, me, line_id, "product_order", code, idempotency_key)


@router.post("/lines/{line_id}/unsubscribe")
def unsubscribe_product(request: Request, session: DbSession, me: identity.Subscriber, line_id: int,
                        code: Annotated[str, Form(max_length=40)] = "",
                        idempotency_key: Annotated[str, Form(max_length=128)] = ""):
    return _submit(request, session, me, line_id, "product_unsubscribe", code, idempotency_key)


@router.get("/orders")
def my_orders(request: Request, session: DbSession, me: identity.Subscriber, offset: int = 0, done: int = 0):
    params = PageParams(limit=ORDERS_PER_PAGE, offset=max(0, offset))
    rows, total = paginate(session, orders.query(customer_id=me.id), params)
    clock = get_runtime(request).clock
    return render(request, "portal/orders.html", title="我的订单",
                  orders=[order_view(session, clock, order) for order in rows], total=total, params=params,
                  notice="业务已办理成功。" if done else None)
