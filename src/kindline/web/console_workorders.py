"""Console work orders: the queue (open orders, soonest breach first, with a
live countdown and my unread notices), the create form from a customer's line,
and the work-order page with its SLA, timeline and forms.

The forms' POST handlers live in console_workorder_forms and render this page
again with the service's Chinese refusal (workorder_page), so a refused step
shows where it was tried and changes nothing.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse
from sqlalchemy import false, select

from kindline.catalog.models import LINE_KINDS
from kindline.core.auth.models import StaffUser
from kindline.core.auth.permissions import (
    CUSTOMERS_READ,
    WORKORDERS_READ,
    WORKORDERS_SUPERVISE,
    WORKORDERS_WRITE,
    permissions_for,
)
from kindline.core.deps import DbSession, get_runtime
from kindline.core.errors import DomainError
from kindline.core.pagination import PageParams, paginate
from kindline.customers import service as customers
from kindline.web import identity
from kindline.web.console import LOGIN
from kindline.web.present import shown_number
from kindline.web.render import render
from kindline.web.routing import FormFields, page_router
from kindline.web.workorder_views import (
    AREA_NAMES,
    SLA_STATES,
    actor_id,
    all_teams,
    booking_days,
    console_timeline,
    duration_text,
    sla_view,
    staff_names,
    window_choices,
    window_label,
)
from kindline.workorders import field, service, teams
from kindline.workorders.types import CHANNELS, FIELD_TYPES, PRIORITIES, STATUS_NAMES, TYPES, allowed_moves

PAGE_SIZE = 30
MAX_SCAN = 2000  # open orders read when filtering by SLA state (a state is computed, not stored)
MAX_STAFF = 500  # people offered as a new owner
STAFF_CHANNELS = ("hotline", "hall", "chat", "console")
DONE = {"created": "工单已创建。", "replayed": "这张工单刚才已经创建过，没有重复创建。", "moved": "状态已更新。",
        "assigned": "已派单。", "owner": "首问负责人已更换。", "green": "已转入绿色通道。", "noted": "备注已记录。",
        "booked": "上门时间已预约。"}

router = page_router("/console", login_path=LOGIN)


def _filters(type: str, team: str, city: str, state: str, mine: int) -> dict:
    return {"type": type if type in TYPES else "", "team": team, "city": city.strip(),
            "state": state if state in ("within", "warning", "breached") else "", "mine": 1 if mine else 0}


@router.get("/workorders")
def queue(request: Request, session: DbSession, staff: identity.Staff, type: str = "", team: str = "",
          city: str = "", state: str = "", mine: int = 0, offset: int = 0):
    """Open work orders, soonest breach first (service.query: the nearer of an
    unanswered response limit and the resolution limit); the SLA state is
    computed per order, so filtering on it reads up to MAX_SCAN."""
    staff.require(WORKORDERS_READ)
    clock = get_runtime(request).clock
    now = clock.now()
    chosen = _filters(type, team, city, state, mine)
    known = all_teams(session)
    team_id = next((t.id for t in known.values() if t.code == chosen["team"]), None)
    stmt = service.query(open_only=True, type=chosen["type"] or None, city=chosen["city"] or None,
                         team_id=team_id if chosen["team"] else None, owner_id=staff.id if chosen["mine"] else None)
    if chosen["team"] and team_id is None:
        stmt = stmt.where(false())  # an unknown team has no work
    params = PageParams(limit=PAGE_SIZE, offset=max(0, offset))
    scanned_all = True
    if chosen["state"]:
        scanned = list(session.scalars(stmt.limit(MAX_SCAN)))
        matching = [o for o in scanned if sla_view(o, now).state == chosen["state"]]
        rows, total = matching[params.offset:params.offset + params.limit], len(matching)
        scanned_all = len(scanned) < MAX_SCAN
    else:
        rows, total = paginate(session, stmt, params)
    names = staff_names(session, {o.owner_id for o in rows} | {o.assignee_id for o in rows})
    items = [{"order": o, "sla": sla_view(o, now), "team": known.get(o.team_id), "owner": names.get(o.owner_id or 0),
              "assignee": names.get(o.assignee_id or 0)} for o in rows]
    cities = sorted({t.city for t in known.values() if t.city})
    notices = service.unread_notices(session, staff.id, limit=20)
    base = "/console/workorders?" + urlencode({k: v for k, v in chosen.items() if v})
    return render(request, "console/workorders_queue.html", title="工单", items=items, total=total, params=params,
                  chosen=chosen, types=list(TYPES.items()), teams=[(t.code, t.name) for t in known.values()],
                  cities=[(c, c) for c in cities], states=[(k, SLA_STATES[k]) for k in ("within", "warning",
                                                                                        "breached")],
                  notices=notices, base=base, now_epoch=int(now.timestamp()), statuses=STATUS_NAMES,
                  scanned_all=scanned_all, max_scan=MAX_SCAN,
                  priorities=PRIORITIES, type_names=TYPES)


def _line_choices(customer) -> list[tuple[str, str]]:
    return [(str(line.id), f"{LINE_KINDS.get(line.kind, line.kind)} {shown_number(line)}")
            for line in customer.lines if line.status != "cancelled"]


def _create_page(request: Request, session, staff, customer_id: int, values: dict[str, str], *,
                 error: str | None = None, status: int = 200):
    staff.require(WORKORDERS_WRITE)
    staff.require(CUSTOMERS_READ)
    customer = customers.get(session, customer_id)
    line_choices = _line_choices(customer)
    return render(request, "console/workorders_new.html", status=status,
                  back_to=f"/console/customers/{customer.id}/workorders/new", title=f"为{customer.name}新建工单",
                  customer=customer, values=values, error=error, types=list(TYPES.items()), lines=line_choices,
                  priorities=list(PRIORITIES.items()), channels=[(c, CHANNELS[c]) for c in STAFF_CHANNELS],
                  idempotency_key=values.get("idempotency_key") or uuid.uuid4().hex)


@router.get("/customers/{customer_id}/workorders/new")
def new_workorder(request: Request, session: DbSession, staff: identity.Staff, customer_id: int,
                  line_id: str = "", type: str = "complaint", channel: str = "hotline"):
    """The form, preset by where the link came from: the hotline desk sends
    channel=hotline or chat, the hall counter channel=hall."""
    customer = customers.get(session, customer_id)
    values = {"line_id": line_id, "type": type if type in TYPES else "complaint", "priority": "normal",
              "channel": channel if channel in STAFF_CHANNELS else "hotline", "city": customer.city}
    return _create_page(request, session, staff, customer_id, values)


@router.post("/customers/{customer_id}/workorders")
def create_workorder(request: Request, session: DbSession, staff: identity.Staff, customer_id: int,
                     fields: FormFields):
    """service.create with the form's idempotency key: a double click is one work order."""
    staff.require(WORKORDERS_WRITE)
    customer = customers.get(session, customer_id)
    number = next((line.number for line in customer.lines if str(line.id) == fields.get("line_id")), None)
    try:
        order, made = service.create(
            session, get_runtime(request).clock, staff, type=fields.get("type", ""),
            description=fields.get("description", "")[:4000], channel=fields.get("channel", "console"),
            customer_id=customer.id, line=number, priority=fields.get("priority", "normal"),
            city=fields.get("city", "")[:40] or None, address=fields.get("address", "")[:200] or None,
            idempotency_key=fields.get("idempotency_key", "")[:128])
    except DomainError as exc:
        if exc.status == 403:
            raise
        session.rollback()
        return _create_page(request, session, staff, customer_id, fields, error=exc.message, status=exc.status)
    return RedirectResponse(f"/console/workorders/{order.id}?done={'created' if made else 'replayed'}",
                            status_code=303)


def _assignee_choices(session, known) -> list:
    groups = []
    for team in known.values():
        members = staff_names(session, teams.member_ids(session, team.id))
        if members:
            groups.append((team.name, [(str(i), name) for i, name in sorted(members.items(), key=lambda m: m[1])]))
    return groups


def _owner_choices(session) -> list[tuple[str, str]]:
    """Active staff who may own work (a supervisor hands a request over with a reason)."""
    rows = session.scalars(select(StaffUser).where(StaffUser.active.is_(True))
                           .order_by(StaffUser.display_name).limit(MAX_STAFF)).all()
    return [(str(u.id), u.display_name) for u in rows if WORKORDERS_WRITE in permissions_for(u.roles)]


def workorder_page(request: Request, session, staff, work_order_id: int, *, error: str | None = None,
                   failed: str = "", values: dict[str, str] | None = None, notice: str | None = None,
                   status: int = 200):
    """The page with every form the staff member may use; `failed` names the
    form whose refusal is shown beside it, with what was typed kept."""
    staff.require(WORKORDERS_READ)
    order = service.visible(staff, service.get(session, work_order_id))
    clock = get_runtime(request).clock
    known = all_teams(session)
    ids = {order.owner_id, order.assignee_id} | {actor_id(e.actor) for e in order.events}
    for event in order.events:
        ids |= {(event.data or {}).get(key) for key in ("assignee_id", "from", "to")}
    names = staff_names(session, ids)
    can_write, can_supervise = staff.can(WORKORDERS_WRITE), staff.can(WORKORDERS_SUPERVISE)
    may_resolve = can_supervise or order.owner_id in (None, staff.id)
    open_moves = allowed_moves(order.status, order.resolved_at, clock.now())  # a closed one: reopen in 30 days
    moves = [(to, STATUS_NAMES[to]) for to in sorted(open_moves, key=list(STATUS_NAMES).index)
             if to != "resolved" or may_resolve] if can_write else []
    customer = customers.get(session, order.customer_id) if order.customer_id else None
    line = service.line_of(session, order)
    is_open = order.status not in ("closed", "cancelled", "rejected")
    visit = field.current(session, order) if order.type in FIELD_TYPES else None
    can_book = can_write and is_open and order.type in FIELD_TYPES
    shown = {"move": bool(moves), "assign": can_write and is_open, "note": can_write and is_open,
             "visit": can_book, "owner": can_supervise and is_open, "green": can_supervise and is_open and not order.green}
    failed = failed if shown.get(failed) else ""  # a form no longer on the page: the reason goes on top
    return render(
        request, "console/workorders_detail.html", status=status, back_to=f"/console/workorders/{order.id}",
        title=f"工单 {order.id}", order=order, sla=sla_view(order, clock.now()), type_name=TYPES[order.type],
        status_name=STATUS_NAMES[order.status], priority_name=PRIORITIES.get(order.priority, order.priority),
        channel_name=CHANNELS.get(order.channel, order.channel), area_name=AREA_NAMES.get(order.area, order.area),
        customer=customer, line_number=shown_number(line) if line else None, team=known.get(order.team_id),
        owner=names.get(order.owner_id or 0), assignee=names.get(order.assignee_id or 0),
        timeline=console_timeline(order, names, known), moves=moves, is_open=is_open, can_write=can_write,
        can_supervise=can_supervise, team_choices=[(t.code, t.name) for t in known.values()],
        assignee_choices=_assignee_choices(session, known) if can_write and is_open else [],
        owner_choices=_owner_choices(session) if can_supervise and is_open else [],
        can_book=can_book, visit=visit,
        visit_window=window_label(clock, visit.window_start, visit.window_end) if visit else None,
        days=booking_days(clock), windows=window_choices(), duration_text=duration_text,
        error=error, failed=failed, values=values or {}, notice=notice, now_epoch=int(clock.now().timestamp()))


@router.get("/workorders/{work_order_id:int}")
def show_workorder(request: Request, session: DbSession, staff: identity.Staff, work_order_id: int, done: str = ""):
    return workorder_page(request, session, staff, work_order_id, notice=DONE.get(done))
