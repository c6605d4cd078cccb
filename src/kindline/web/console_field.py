"""The technician's day list (上门任务) on a phone: each visit of the day in
window order with its address and window, and one form per step — arrived,
finished (notes and equipment serials), customer not at home (a new window).

One column, big buttons, nothing that needs JavaScript: it is used standing at
a door. A supervisor may open another technician's list (?technician=).
Every step is workorders.field's, so the API and this page refuse alike.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Form, Request
from fastapi.responses import RedirectResponse

from kindline.core.auth.permissions import FIELD_WORK, WORKORDERS_SUPERVISE
from kindline.core.deps import DbSession, get_runtime
from kindline.core.errors import DomainError
from kindline.web import identity
from kindline.web.console import LOGIN
from kindline.web.form_values import day_of, number
from kindline.web.render import render
from kindline.web.routing import page_router
from kindline.web.workorder_views import BOOKING_DAY, booking_days, staff_names, window_choices, window_label
from kindline.workorders import field
from kindline.workorders.types import STATUS_NAMES, TYPES

VISIT_STATES = {"booked": "待上门", "arrived": "已到达", "done": "已完成", "not_home": "客户不在家，已改约"}
DONE = {"arrived": "已登记到达。", "finished": "已登记完工，已通知首问负责人办结。", "moved": "已改约新的上门时间。"}

router = page_router("/console", login_path=LOGIN)


def _technician(staff, technician: int | None) -> int:
    staff.require(FIELD_WORK)
    if technician and technician != staff.id:
        staff.require(WORKORDERS_SUPERVISE)
        return technician
    return staff.id


def day_page(request: Request, session, staff, day: str = "", technician: int | None = None, *,
             error: str | None = None, failed: int = 0, notice: str | None = None, status: int = 200):
    tech_id = _technician(staff, technician)
    clock = get_runtime(request).clock
    the_day = day_of(day, default=clock.today())
    visits = [{"visit": visit, "order": order, "window": window_label(clock, visit.window_start, visit.window_end),
               "state": VISIT_STATES.get(visit.status, visit.status), "type": TYPES.get(order.type, order.type),
               "status": STATUS_NAMES.get(order.status, order.status)}
              for visit, order in field.day_list(session, clock, tech_id, the_day)]
    today = clock.today()
    extra = {"technician": tech_id} if tech_id != staff.id else {}

    def link(day: date) -> str:
        return "/console/field?" + urlencode({"day": day.isoformat(), **extra})

    name = staff_names(session, [tech_id]).get(tech_id, "")
    title = f"上门任务 {the_day.month}月{the_day.day}日"
    return render(request, "console/field_day.html", status=status, back_to=link(the_day),
                  title=title + (f"（{name}）" if extra else ""), visits=visits, day=the_day,
                  previous=link(the_day - timedelta(days=1)), following=link(the_day + timedelta(days=1)),
                  today=link(today), is_today=the_day == today, days=booking_days(clock), windows=window_choices(), error=error,
                  failed=failed, notice=notice, technician=extra.get("technician"))


@router.get("/field")
def day_list(request: Request, session: DbSession, staff: identity.Staff, day: str = "",
             technician: int | None = None, done: str = ""):
    return day_page(request, session, staff, day, technician, notice=DONE.get(done))


def _step(request: Request, session, staff, appointment_id: int, technician: str, step, done: str):
    """Run one step of a visit; a refusal shows the list again with the reason on that visit."""
    tech = int(technician) if technician.isdigit() else None
    clock = get_runtime(request).clock
    visit = field.get(session, appointment_id)
    day = clock.local(visit.window_start).date().isoformat()
    try:
        step(visit)
    except DomainError as exc:
        if exc.status == 403:
            raise
        session.rollback()
        return day_page(request, session, staff, day, tech, error=exc.message, failed=appointment_id,
                        status=exc.status)
    query = {"day": day, "done": done, **({"technician": tech} if tech else {})}
    return RedirectResponse(f"/console/field?{urlencode(query)}#visit-{appointment_id}", status_code=303)


Technician = Annotated[str, Form(max_length=12)]


@router.post("/field/visits/{appointment_id:int}/arrive")
def arrive(request: Request, session: DbSession, staff: identity.Staff, appointment_id: int,
           technician: Technician = ""):
    clock = get_runtime(request).clock
    return _step(request, session, staff, appointment_id, technician,
                 lambda visit: field.arrive(session, clock, staff, visit), "arrived")


@router.post("/field/visits/{appointment_id:int}/finish")
def finish(request: Request, session: DbSession, staff: identity.Staff, appointment_id: int,
           notes: Annotated[str, Form(max_length=2000)] = "", equipment: Annotated[str, Form(max_length=1000)] = "",
           technician: Technician = ""):
    """Serials one per line (or separated by commas or spaces), as a scanner types them."""
    clock = get_runtime(request).clock
    serials = [s for s in re.split(r"[\s,，、;；]+", equipment) if s]
    return _step(request, session, staff, appointment_id, technician,
                 lambda visit: field.finish(session, clock, staff, visit, notes, serials), "finished")


@router.post("/field/visits/{appointment_id:int}/not-home")
def not_home(request: Request, session: DbSession, staff: identity.Staff, appointment_id: int,
             day: Annotated[str, Form(max_length=12)] = "", start_hour: Annotated[str, Form(max_length=4)] = "",
             technician: Technician = ""):
    clock = get_runtime(request).clock
    return _step(request, session, staff, appointment_id, technician,
                 lambda visit: field.not_home(session, clock, staff, visit, day_of(day, BOOKING_DAY),
                                              number(start_hour, "请选择新的上门时段。")), "moved")
