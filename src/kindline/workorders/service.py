"""Work-order use cases: create from any channel, move through the TMF621
statuses, read and list.

首问负责制 (first-question responsibility) is kept here: the staff member who
first receives a request owns it until it is closed (a request a subscriber
files themselves is owned by the first staff member who acts on it); only the
owner or a supervisor may resolve it, and the owner is told of every step
someone else takes. Moving work to another team never changes the owner
(ownership.py). The SLA due times are recomputed after every move and the
durable timers follow them (deadlines.py, escalation.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kindline.core.auth.permissions import WORKORDERS_READ, WORKORDERS_SUPERVISE, WORKORDERS_WRITE
from kindline.core.auth.principal import Principal, actor_label
from kindline.core.clock import Clock
from kindline.core.db import fetch
from kindline.core.errors import Conflict, Forbidden, Invalid
from kindline.core.settings import get_settings
from kindline.customers import lines as line_service
from kindline.customers import service as customers
from kindline.customers.models import Customer, Line
from kindline.workorders import deadlines, sla, teams
from kindline.workorders.models import Notice, WorkOrder, WorkOrderEvent
from kindline.workorders.types import (
    CHANNELS,
    OPEN_STATUSES,
    PRIORITIES,
    REASON_REQUIRED,
    REOPEN_WINDOW,
    STATUS_NAMES,
    TRANSITIONS,
    TYPES,
    allowed_moves,
    is_reopen,
)

RURAL_MARKS = ("县", "镇", "乡", "村")
AUTO_CLOSE_AFTER = timedelta(hours=72)


def policies() -> sla.PolicySet:
    settings = get_settings()
    return sla.load(settings.workorder_sla_file or None, settings.timezone)


def area_of(address: str | None) -> str:
    """Rural when the address names a county, town, township or village."""
    return "rural" if any(mark in (address or "") for mark in RURAL_MARKS) else "urban"


def _line_of(session: Session, customer: Customer | None, number: str | None, line_id: int | None) -> Line | None:
    """The customer's line named by its number. Another domain names it by id
    (a business order's line): taken as given, the order already checked it."""
    if line_id is not None:
        return line_service.get(session, line_id)
    if not number:
        return None
    if customer is None:
        raise Invalid("line_needs_customer", "请先指定客户。", "a line needs a customer")
    stmt = select(Line).where(Line.customer_id == customer.id, Line.number == number.strip())
    line = session.scalars(stmt.order_by(Line.id.desc())).first()
    if line is None:
        raise Invalid("line_not_owned", "该号码不属于此客户。", f"line {number or line_id} is not the customer's")
    return line


def _facts(order: WorkOrder) -> dict[str, Any]:
    return {"type": order.type, "priority": order.priority, "segment": order.segments, "area": order.area,
            "source": order.source, "green": order.green}


def policy_of(order: WorkOrder) -> sla.Policy:
    return policies().by_code(order.policy_code)


def sla_status(order: WorkOrder, now: datetime) -> sla.Status:
    return sla.status(order, policy_of(order), now, policies().warning_at)


def refresh_sla(session: Session, clock: Clock, order: WorkOrder) -> sla.Status:
    """Store the due times as they stand and move the timers to them."""
    status = sla_status(order, clock.now())
    order.response_due_at, order.resolution_due_at = status.response.due_at, status.resolution.due_at
    deadlines.follow(session, clock, order, status)
    return status


def apply_policy(order: WorkOrder, started_at: datetime) -> None:
    order.policy_code = policies().for_facts(_facts(order)).code
    order.sla_started_at = started_at


def record(session: Session, clock: Clock, order: WorkOrder, principal: Principal | None, action: str, *,
           reason: str = "", old: str | None = None, new: str | None = None, data: dict | None = None,
           tell_owner: bool = True) -> WorkOrderEvent:
    """Keep the step in the history; tell the owner when someone else took it."""
    event = WorkOrderEvent(work_order_id=order.id, at=clock.now(), actor=actor_label(principal), action=action,
                           from_status=old, to_status=new, reason=reason.strip(), data=data or {})
    order.events.append(event)
    order.updated_at = clock.now()
    acted_by_owner = principal is not None and principal.staff_id == order.owner_id
    if tell_owner and order.owner_id and not acted_by_owner:
        notify(session, clock, order, [order.owner_id], action, describe(event))
    return event


def describe(event: WorkOrderEvent) -> str:
    # A reopen says who: the customer objected, or a staff member reopened it.
    reopen = {"subscriber": "客户不满意，重新处理", "staff": "工作人员重新打开"}.get(
        event.actor.partition(":")[0], "重新打开")
    step = {"created": "新建", "transition": "状态变更", "reopen": reopen, "assign": "派单",
            "owner": "更换负责人", "green": "转入绿色通道", "note": "备注", "appointment": "预约上门",
            "visit": "上门处理", "sla_warning": "即将超时", "sla_breach": "已超时"}.get(event.action, event.action)
    parts = [f"工单{event.work_order_id}：{step}"]
    if event.to_status:
        parts.append(f"→{STATUS_NAMES.get(event.to_status, event.to_status)}")
    if event.reason:
        parts.append(f"（{event.reason}）")
    return "".join(parts)[:300]


def notify(session: Session, clock: Clock, order: WorkOrder, staff_ids: list[int | None], kind: str,
           text: str) -> None:
    for staff_id in dict.fromkeys(s for s in staff_ids if s):
        session.add(Notice(staff_id=staff_id, work_order_id=order.id, kind=kind, text=text, at=clock.now()))


def create(session: Session, clock: Clock, principal: Principal | None, *, type: str, description: str,
           channel: str, customer_id: int | None = None, line: str | None = None, priority: str = "normal",
           city: str | None = None, address: str | None = None, contact_name: str | None = None,
           contact_phone: str | None = None, source: str | None = None, external_id: str | None = None,
           order_id: int | None = None, idempotency_key: str | None = None,
           line_id: int | None = None, received_at: datetime | None = None) -> tuple[WorkOrder, bool]:
    """A new work order, acknowledged, with its SLA clock started; answers it
    and True. A retry (the same Idempotency-Key from the same caller, the same
    external id from the same platform, the same business order) answers the
    work order made the first time and False, also when the two race.
    `received_at`, from a platform that forwards requests (12315), is when the
    request was first received there: the SLA clock starts then, and the
    creation event keeps it."""
    if type not in TYPES:
        raise Invalid("invalid_type", "工单类型不正确。", f"type must be one of {sorted(TYPES)}")
    if priority not in PRIORITIES:
        raise Invalid("invalid_priority", "优先级不正确。", f"priority must be one of {sorted(PRIORITIES)}")
    if channel not in CHANNELS:
        raise Invalid("invalid_channel", "受理渠道不正确。", f"channel must be one of {sorted(CHANNELS)}")
    if not (description or "").strip():
        raise Invalid("missing_field", "请填写问题描述。", "description is required", {"field": "description"})
    if principal is not None:
        if principal.is_staff:
            principal.require(WORKORDERS_WRITE)
        elif customer_id != principal.id:
            raise Forbidden("not_allowed", "只能为本人报障或投诉。", "subscribers file work orders for themselves")
    key = f"{actor_label(principal)}|{idempotency_key.strip()}" if (idempotency_key or "").strip() else None
    source = source or channel
    existing = _existing(session, key, source, external_id, order_id)
    if existing is not None:
        return existing, False
    customer = customers.get(session, customer_id) if customer_id is not None else None
    the_line = _line_of(session, customer, line, line_id)
    address = (address or (the_line.service_address if the_line else None)
               or (f"{customer.city}{customer.district}{customer.address}" if customer else None))
    home_city = customer.city if customer else city
    now = clock.now()
    order = WorkOrder(
        type=type, status="acknowledged", priority=priority, customer_id=customer_id,
        line_id=the_line.id if the_line else None, order_id=order_id, description=description.strip(),
        address=address, contact_name=contact_name or (customer.name if customer else None),
        contact_phone=contact_phone or (customer.phone if customer else None), channel=channel,
        source=source, external_id=external_id, idempotency_key=key,
        owner_id=principal.staff_id if principal else None, created_by=actor_label(principal),
        home_city=home_city, city=city or home_city, area=area_of(address),
        segments=customers.segments(customer, clock) if customer else [], green=False, escalation=0,
        paused_seconds=0, created_at=now, updated_at=now)
    apply_policy(order, received_at or now)
    team = teams.for_work(session, type, order.city, False)
    order.team_id = team.id if team else None
    order.resolution_due_at = now  # set properly by refresh_sla below, once the row has an id
    try:
        with session.begin_nested():
            session.add(order)
            session.flush()
    except IntegrityError:  # the same retry, made concurrently, won the race
        winner = _existing(session, key, source, external_id, order_id)
        if winner is None:
            raise
        return winner, False
    data = {"channel": channel, "team_id": order.team_id}
    if received_at is not None:
        data["received_at"] = clock.local(received_at).isoformat()
    record(session, clock, order, principal, "created", new="acknowledged", data=data, tell_owner=False)
    refresh_sla(session, clock, order)
    return order, True


def _existing(session: Session, key: str | None, source: str, external_id: str | None,
              order_id: int | None) -> WorkOrder | None:
    if key is not None:
        return session.scalar(select(WorkOrder).where(WorkOrder.idempotency_key == key))
    if external_id is not None:
        return session.scalar(select(WorkOrder).where(WorkOrder.source == source,
                                                      WorkOrder.external_id == external_id))
    if order_id is not None:
        return session.scalar(select(WorkOrder).where(WorkOrder.order_id == order_id))
    return None


def _claim(order: WorkOrder, principal: Principal | None) -> None:
    """A request filed by a subscriber or a system is owned by the first staff member who acts on it."""
    if order.owner_id is None and principal is not None and principal.is_staff:
        order.owner_id = principal.staff_id


def _may_move(order: WorkOrder, principal: Principal | None, to: str) -> None:
    if principal is None:  # the system: timers, the 72-hour close, a completed order
        return
    if not principal.is_staff:
        if principal.id != order.customer_id:
            raise Forbidden("not_allowed", "只能处理本人的工单。", "subscribers act only on their own work orders")
        confirm, object_, cancel = to == "closed", is_reopen(order.status, to), to == "cancelled"
        if not (confirm or object_ or cancel) or (cancel and order.status != "acknowledged"):
            raise Forbidden("not_allowed", "您可以确认解决、提出异议或撤销尚未处理的工单。",
                            "subscribers may confirm, object, or cancel before work starts")
        return
    principal.require(WORKORDERS_WRITE)
    if to == "resolved" and order.owner_id not in (None, principal.staff_id) and not principal.can(
            WORKORDERS_SUPERVISE):
        raise Forbidden("owner_only", "只有首问负责人或值班主管可以办结此工单。",
                        "only the owner or a supervisor may resolve", {"owner_id": order.owner_id})


def transition(session: Session, clock: Clock, principal: Principal | None, order: WorkOrder, to: str,
               reason: str = "") -> WorkOrder:
    """Move to `to`; an illegal move is a 409 naming the allowed ones. A closed
    order is reopened only within REOPEN_WINDOW of its resolution."""
    if to not in STATUS_NAMES:
        raise Invalid("invalid_status", "工单状态不正确。", f"unknown status {to!r}")
    allowed = allowed_moves(order.status, order.resolved_at, clock.now())
    if to not in allowed:
        details = {"from": order.status, "to": to, "allowed": sorted(allowed)}
        if to in TRANSITIONS[order.status]:  # a closed order past its reopen window
            raise Conflict("reopen_window_passed",
                           f"工单解决已超过{REOPEN_WINDOW.days}天，不能重新处理；如问题仍在，请新建工单。",
                           f"work order {order.id} was resolved more than {REOPEN_WINDOW.days} days ago", details)
        raise Conflict("invalid_transition",
                       f"工单{STATUS_NAMES[order.status]}，不能改为{STATUS_NAMES[to]}。",
                       f"work order {order.id} cannot go from {order.status} to {to}", details)
    reopen = is_reopen(order.status, to)
    reason = (reason or "").strip()
    if (to in REASON_REQUIRED or reopen or to == "resolved") and not reason:
        what = "处理结果" if to == "resolved" else "原因"
        raise Invalid("reason_required", f"请填写{what}。", f"moving to {to} needs a reason")
    _may_move(order, principal, to)
    _claim(order, principal)
    now, old, resolved_before = clock.now(), order.status, order.resolved_at
    sla.advance(order, policy_of(order), old, to, now, by_staff=principal is not None and principal.is_staff,
                reopen=reopen)
    if to == "resolved":
        order.resolution = reason
        _complete_sale(session, clock, order)
    if reopen:
        order.closed_at = None
    if to == "closed":
        order.closed_at = now
    if to in ("cancelled", "rejected"):
        order.reason = reason
    order.status = to
    record(session, clock, order, principal, "reopen" if reopen else "transition", reason=reason, old=old, new=to)
    refresh_sla(session, clock, order)
    deadlines.after_move(session, clock, order, old, to, AUTO_CLOSE_AFTER, resolved_before)
    if to == "closed":
        from kindline.workorders import surveys  # surveys read work orders: imported late to keep one direction

        surveys.after_close(session, clock, order)
    return order


def _complete_sale(session: Session, clock: Clock, order: WorkOrder) -> None:
    """An installation or relocation done in the field completes the business order that asked for it."""
    if order.order_id is None:
        return
    from kindline.orders import service as orders

    sale = orders.get(session, order.order_id)
    if sale.status == "accepted":
        orders.transition(session, clock, sale, "completed", None, f"工单{order.id}已完工")


def get(session: Session, work_order_id: int) -> WorkOrder:
    return fetch(session, WorkOrder, work_order_id, "work_order", "工单")


def visible(principal: Principal, order: WorkOrder) -> WorkOrder:
    if principal.is_staff:
        principal.require(WORKORDERS_READ)
    elif order.customer_id != principal.id:
        raise Forbidden("not_allowed", "只能查看本人的工单。", "subscribers see only their own work orders")
    return order


def next_due_at():
    """The SQL of the order's nearest deadline: the response due time while
    nobody has responded and it comes first, else the resolution due time (a
    CASE: SQLite's min(a, b) and PostgreSQL's LEAST differ)."""
    response_first = and_(WorkOrder.responded_at.is_(None), WorkOrder.response_due_at.is_not(None),
                          WorkOrder.response_due_at < WorkOrder.resolution_due_at)
    return case((response_first, WorkOrder.response_due_at), else_=WorkOrder.resolution_due_at)


def query(*, customer_id: int | None = None, status: str | None = None, type: str | None = None,
          city: str | None = None, team_id: int | None = None, open_only: bool = False,
          owner_id: int | None = None):
    """Work orders, soonest breach first (the queue's order): by the nearer of
    the unanswered response limit and the resolution limit. A city sees what
    it handles and what concerns its lines elsewhere (跨城市)."""
    stmt = select(WorkOrder).order_by(next_due_at(), WorkOrder.id)
    if customer_id is not None:
        stmt = stmt.where(WorkOrder.customer_id == customer_id)
    if status:
        stmt = stmt.where(WorkOrder.status == status)
    if open_only:
        stmt = stmt.where(WorkOrder.status.in_(sorted(OPEN_STATUSES)))
    if type:
        stmt = stmt.where(WorkOrder.type == type)
    if city:
        stmt = stmt.where(or_(WorkOrder.city == city, WorkOrder.home_city == city))
    if team_id is not None:
        stmt = stmt.where(WorkOrder.team_id == team_id)
    if owner_id is not None:
        stmt = stmt.where(WorkOrder.owner_id == owner_id)
    return stmt


def unread_notices(session: Session, staff_id: int, limit: int = 50) -> list[Notice]:
    return list(session.scalars(select(Notice).where(Notice.staff_id == staff_id, Notice.read_at.is_(None))
                                .order_by(Notice.id.desc()).limit(limit)))


def mark_notices_read(session: Session, clock: Clock, staff_id: int) -> int:
    """The staff member has seen their notices; answers how many were unread."""
    unread = session.scalars(select(Notice).where(Notice.staff_id == staff_id, Notice.read_at.is_(None))).all()
    for notice in unread:
        notice.read_at = clock.now()
    return len(unread)


def line_of(session: Session, order: WorkOrder) -> Line | None:
    return line_service.get(session, order.line_id) if order.line_id else None
