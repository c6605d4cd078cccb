"""The forms of the console's work-order page: a status move with its reason,
dispatch to a team or person, a supervisor's change of owner and the green
channel, a note, and booking the visit window.

Each calls the one workorders service function the API calls too; a refusal
(a missing reason, a move the status does not allow, a window in the past)
rolls the request back and shows the page again with the Chinese reason
beside the form that was used, answered with the error's 4xx status.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse

from kindline.core.deps import DbSession, get_runtime
from kindline.core.errors import DomainError
from kindline.web import identity
from kindline.web.console import LOGIN
from kindline.web.console_workorders import workorder_page
from kindline.web.form_values import day_of, number
from kindline.web.routing import page_router
from kindline.web.workorder_views import BOOKING_DAY
from kindline.workorders import field, ownership, service
from kindline.workorders.models import WorkOrder

router = page_router("/console", login_path=LOGIN)
Text = Annotated[str, Form(max_length=500)]
Short = Annotated[str, Form(max_length=40)]


def _act(request: Request, session, staff, work_order_id: int, form: str, values: dict[str, str],
         step: Callable[[WorkOrder], object], done: str):
    order = service.visible(staff, service.get(session, work_order_id))
    try:
        step(order)
    except DomainError as exc:
        if exc.status == 403:
            raise
        session.rollback()
        return workorder_page(request, session, staff, work_order_id, error=exc.message, failed=form,
                              values=values, status=exc.status)
    return RedirectResponse(f"/console/workorders/{order.id}?done={done}#s-{form}", status_code=303)


@router.post("/workorders/notices/read")
def notices_read(request: Request, session: DbSession, staff: identity.Staff):
    """Clear my notices from the queue page (they stay in each work order's timeline)."""
    service.mark_notices_read(session, get_runtime(request).clock, staff.id)
    return RedirectResponse("/console/workorders", status_code=303)


@router.post("/workorders/{work_order_id:int}/transitions")
def move(request: Request, session: DbSession, staff: identity.Staff, work_order_id: int, to: Short = "",
         reason: Text = ""):
    clock = get_runtime(request).clock
    return _act(request, session, staff, work_order_id, "move", {"to": to, "reason": reason},
                lambda order: service.transition(session, clock, staff, order, to, reason), "moved")


@router.post("/workorders/{work_order_id:int}/assign")
def assign(request: Request, session: DbSession, staff: identity.Staff, work_order_id: int, team: Short = "",
           assignee_id: Short = "", reason: Text = ""):
    clock = get_runtime(request).clock

    def step(order):
        person = number(assignee_id, "请选择处理人。") if assignee_id.strip() else None
        return ownership.assign(session, clock, staff, order, team_code=team.strip() or None, assignee_id=person,
                                reason=reason)

    return _act(request, session, staff, work_order_id, "assign",
                {"team": team, "assignee_id": assignee_id, "reason": reason}, step, "assigned")


@router.post("/workorders/{work_order_id:int}/owner")
def change_owner(request: Request, session: DbSession, staff: identity.Staff, work_order_id: int,
                 owner_id: Short = "", reason: Text = ""):
    clock = get_runtime(request).clock

    def step(order):
        return ownership.change_owner(session, clock, staff, order, number(owner_id, "请选择新的首问负责人。"),
                                      reason)

    return _act(request, session, staff, work_order_id, "owner", {"owner_id": owner_id, "reason": reason}, step,
                "owner")


@router.post("/workorders/{work_order_id:int}/green")
def green_channel(request: Request, session: DbSession, staff: identity.Staff, work_order_id: int,
                  reason: Text = ""):
    clock = get_runtime(request).clock
    return _act(request, session, staff, work_order_id, "green", {"reason": reason},
                lambda order: ownership.to_green_channel(session, clock, staff, order, reason), "green")


@router.post("/workorders/{work_order_id:int}/notes")
def add_note(request: Request, session: DbSession, staff: identity.Staff, work_order_id: int, text: Text = ""):
    clock = get_runtime(request).clock
    return _act(request, session, staff, work_order_id, "note", {"text": text},
                lambda order: ownership.note(session, clock, staff, order, text), "noted")


@router.post("/workorders/{work_order_id:int}/appointments")
def book_visit(request: Request, session: DbSession, staff: identity.Staff, work_order_id: int, day: Short = "",
               start_hour: Short = ""):
    clock = get_runtime(request).clock

    def step(order):
        hour = number(start_hour, "请选择上门时段。")
        return field.book(session, clock, staff, order, day_of(day, BOOKING_DAY), hour)

    return _act(request, session, staff, work_order_id, "visit", {"day": day, "start_hour": start_hour}, step,
                "booked")
