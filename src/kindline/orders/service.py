"""Order use cases: submit (idempotent), move through the status machine, list.

Submission checks everything first and changes nothing when refused. Orders
without field work complete at once; a field-work order waits, accepted, with
a work order for the technician, whose resolution completes it. A completed
hall order opens a satisfaction return visit.
"""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kindline.billing import order_charges
from kindline.catalog import service as catalog
from kindline.catalog.models import SELF_SERVICE_KINDS
from kindline.core.auth.permissions import ORDERS_READ, ORDERS_WRITE
from kindline.core.auth.principal import Principal, actor_label
from kindline.core.clock import Clock
from kindline.core.db import fetch
from kindline.core.errors import Conflict, DomainError, Forbidden, Invalid
from kindline.customers import lines
from kindline.customers import service as customers
from kindline.customers.service import CHANNELS
from kindline.orders.fulfilment import STEPS, Job
from kindline.orders.models import Order, OrderTransition
from kindline.orders.schemas import OrderCreate
from kindline.orders.types import ORDER_TYPES, SELF_SERVICE_CHANNELS, SELF_SERVICE_TYPES, STATUS_NAMES, TRANSITIONS
from kindline.workorders import intake as workorder_intake
from kindline.workorders import surveys

MAX_KEY_LENGTH = 128



def _fingerprint(request: OrderCreate) -> str:
    canonical = json.dumps(request.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(existing: Order, fingerprint: str) -> Order:
    if existing.request_hash != fingerprint:
        raise Conflict("idempotency_key_reused", "该幂等键已用于另一笔不同的受理。",
                       "Idempotency-Key was used with a different request", {"order_id": existing.id})
    return existing


def _authorise(principal: Principal | None, request: OrderCreate) -> None:
    """Staff need orders:write. A subscriber orders only for themselves, on a
    self-service channel."""
    if principal is None or principal.is_staff:
        if principal is not None:
            principal.require(ORDERS_WRITE)
        return
    if principal.id != request.customer_id:
        raise Forbidden("not_allowed", "只能为本人办理业务。", "subscribers order only for themselves")
    if request.channel not in SELF_SERVICE_CHANNELS:
        raise Forbidden("channel_not_allowed", "该渠道须由工作人员受理。", f"subscribers cannot use channel {request.channel}")


def _within_self_service(session: Session, principal: Principal | None, request: OrderCreate) -> None:
    """A subscriber alone may do only what needs no hall, technician or payment.
    Checked after eligibility, so every channel gives the same eligibility answer."""
    if principal is None or principal.is_staff:
        return
    needs_staff = request.type not in SELF_SERVICE_TYPES or (
        request.type in ("product_order", "product_unsubscribe")
        and any(catalog.get_product(session, code).kind not in SELF_SERVICE_KINDS for code in request.product_codes))
    if needs_staff:
        raise Forbidden("needs_staff", "该业务须到营业厅或由客服人员办理。", "this order needs a hall or an agent")


def _job(session: Session, clock: Clock, request: OrderCreate) -> Job:
    if request.type not in ORDER_TYPES:
        raise Invalid("invalid_order_type", "业务类型不正确。", f"unknown order type {request.type!r}",
                      {"known": list(ORDER_TYPES)})
    if request.channel not in CHANNELS:
        raise Invalid("invalid_channel", "受理渠道不正确。", f"unknown channel {request.channel!r}")
    customer = customers.get(session, request.customer_id)
    line = None
    if ORDER_TYPES[request.type].needs_line:
        if request.line_id is None:
            raise Invalid("missing_field", "请选择要办理的号码/业务。", "line_id is required", {"field": "line_id"})
        line = lines.get(session, request.line_id)
        if line.customer_id != customer.id:
            raise Invalid("line_not_owned", "该号码不属于此客户。", "line belongs to another customer")
        if line.status == "cancelled":
            raise Conflict("line_cancelled", "该业务已销户。", f"line {line.id} is cancelled")
    return Job(session, clock, request, customer, line)


def submit(session: Session, clock: Clock, principal: Principal | None, request: OrderCreate,
           idempotency_key: str) -> tuple[Order, bool]:
    """The order for this key, and whether it was replayed (True) or made now."""
    key = (idempotency_key or "").strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise Invalid("idempotency_key_required", "缺少幂等键（Idempotency-Key）。",
                      "an Idempotency-Key of 1..128 characters is required")
    _authorise(principal, request)
    key = f"{actor_label(principal)}|{key}"  # keys are the caller's own: two callers never collide
    fingerprint = _fingerprint(request)
    existing = session.scalar(select(Order).where(Order.idempotency_key == key))
    if existing is not None:
        return _replay(existing, fingerprint), True
    try:
        job = _job(session, clock, request)
        check, _apply = STEPS[request.type]
        check(job)
        order_charges.check(session, clock, request.pay_with, request.type, request.product_codes, job.line)
        _within_self_service(session, principal, request)
    except DomainError:
        # The same key submitted concurrently may have committed since the look-up
        # above, and what it did (the product now held) fails our checks: the
        # caller's retry is answered with that order, not refused.
        winner = session.scalar(select(Order).where(Order.idempotency_key == key))
        if winner is None:
            raise
        return _replay(winner, fingerprint), True

    kind = ORDER_TYPES[request.type]
    now = clock.now()
    order = Order(type=request.type, status="submitted", customer_id=request.customer_id, line_id=request.line_id,
                  channel=request.channel, owner_id=principal.staff_id if principal else None,
                  idempotency_key=key, request_hash=fingerprint, request=request.model_dump(mode="json"),
                  result={}, needs_field_work=kind.field_work, requested_date=request.requested_date,
                  created_at=now, updated_at=now)
    try:
        with session.begin_nested():
            session.add(order)
            session.flush()
    except IntegrityError:  # the same key, submitted concurrently, won the race
        winner = session.scalar(select(Order).where(Order.idempotency_key == key))
        if winner is None:
            raise
        return _replay(winner, fingerprint), True
    _record(session, clock, order, None, "submitted", principal, request.note)
    transition(session, clock, order, "accepted", principal, "")
    if kind.field_work:
        workorder_intake.from_order(session, clock, principal, order)  # the technician's visit completes it
    else:
        transition(session, clock, order, "completed", principal, "")
    return order, False


def _record(session: Session, clock: Clock, order: Order, old: str | None, new: str,
            principal: Principal | None, note: str) -> None:
    entry = OrderTransition(order_id=order.id, from_status=old, to_status=new, at=clock.now(),
                            actor=actor_label(principal), note=note)
    order.history.append(entry)  # appended once: adding it to the session too would autoflush a duplicate


def transition(session: Session, clock: Clock, order: Order, to: str, principal: Principal | None,
               reason: str) -> Order:
    if to not in STATUS_NAMES:
        raise Invalid("invalid_status", "订单状态不正确。", f"unknown status {to!r}")
    if to not in TRANSITIONS[order.status]:
        raise Conflict("invalid_transition", f"订单{STATUS_NAMES[order.status]}，不能改为{STATUS_NAMES[to]}。",
                       f"order {order.id} cannot go from {order.status} to {to}",
                       {"from": order.status, "to": to, "allowed": sorted(TRANSITIONS[order.status])})
    if to in ("rejected", "cancelled") and not reason.strip() and order.status != "submitted":
        raise Invalid("reason_required", "驳回或撤销须填写原因。", "a reason is required to reject or cancel")
    if to == "completed":
        job = _job(session, clock, OrderCreate.model_validate(order.request))
        job.order_id = order.id
        STEPS[order.type][0](job)
        order.result = {**(STEPS[order.type][1](job) or {}), **order_charges.settle(session, clock, order)}
        order.line_id = order.line_id or order.result.get("line_id")
    if to in ("rejected", "cancelled"):
        order.reason = reason.strip() or None
    old, order.status, order.updated_at = order.status, to, clock.now()
    _record(session, clock, order, old, to, principal, reason)
    if to == "completed" and order.channel == "hall":
        surveys.after_hall_order(session, clock, order.id, order.customer_id)  # 满意度回访
    if to in ("cancelled", "rejected") and order.needs_field_work:
        workorder_intake.order_ended(session, clock, order, reason)
    return order


def move(session: Session, clock: Clock, principal: Principal, order: Order, to: str, reason: str) -> Order:
    """A transition asked for through the API or a page: staff with orders:write,
    or the subscriber cancelling their own order."""
    if principal.is_staff:
        principal.require(ORDERS_WRITE)
    elif principal.id != order.customer_id or to != "cancelled":
        raise Forbidden("not_allowed", "您只能撤销本人的订单。", "subscribers may only cancel their own orders")
    return transition(session, clock, order, to, principal, reason)


def get(session: Session, order_id: int) -> Order:
    return fetch(session, Order, order_id, "order", "订单")


def visible(principal: Principal, order: Order) -> Order:
    principal.require_customer(order.customer_id, ORDERS_READ)
    return order


def query(*, customer_id: int | None = None, status: str | None = None, channel: str | None = None,
          field_work: bool | None = None):
    stmt = select(Order).order_by(Order.id.desc())
    if customer_id is not None:
        stmt = stmt.where(Order.customer_id == customer_id)
    if status:
        stmt = stmt.where(Order.status == status)
    if channel:
        stmt = stmt.where(Order.channel == channel)
    if field_work is not None:
        stmt = stmt.where(Order.needs_field_work == field_work)
    return stmt
