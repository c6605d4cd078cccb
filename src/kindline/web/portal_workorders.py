"""Subscriber portal: report a fault (报故障), make a complaint (投诉), follow
my requests with a plain-language timeline, book or change the visit window,
confirm a resolved request or say it is not solved (which reopens it; also
within 30 days of the resolution once closed), cancel one not yet started,
and answer the return visit (1 to 5) once it is closed.

Everything goes through the work-order services with the subscriber as the
principal, so a request of someone else answers the service's 403 page and
the rules (a reason to object, windows of two hours within 14 days) are the
hotline's. Written for 长辈版 first: one thing per form, big buttons, no
internal words (no owners, teams' members, SLA alarms or staff notes).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse

from kindline.catalog.models import LINE_KINDS
from kindline.core.deps import DbSession, get_runtime
from kindline.core.errors import Conflict, DomainError
from kindline.core.pagination import PageParams, paginate
from kindline.customers import service as customers
from kindline.web import identity
from kindline.web.form_values import day_of, number
from kindline.web.portal import LOGIN
from kindline.web.present import shown_number
from kindline.web.render import render
from kindline.web.routing import page_router
from kindline.web.workorder_views import (
    BOOKING_DAY,
    PLAIN_STATUS,
    all_teams,
    booking_days,
    plain_timeline,
    window_choices,
    window_label,
)
from kindline.workorders import field, service, surveys
from kindline.workorders.models import WorkOrder
from kindline.workorders.types import FIELD_TYPES, OPEN_STATUSES, REOPEN_WINDOW, TYPES, allowed_moves, is_reopen

CHANNEL = "portal"
PER_PAGE = 10
KINDS = {"repair": "报故障", "complaint": "我要投诉"}
SCORES = [(5, "非常满意"), (4, "满意"), (3, "一般"), (2, "不满意"), (1, "很不满意")]
DONE = {"created": "已提交，我们会尽快处理。", "confirmed": "谢谢您的确认，这件事已经办完了。",
        "objected": "已收到，我们会重新处理。", "cancelled": "已撤销。", "booked": "上门时间已约好。"}
Reason = Annotated[str, Form(max_length=500)]
Short = Annotated[str, Form(max_length=12)]

router = page_router("/portal", login_path=LOGIN)


@router.get("/workorders")
def my_requests(request: Request, session: DbSession, me: identity.Subscriber, offset: int = 0):
    params = PageParams(limit=PER_PAGE, offset=max(0, offset))
    stmt = service.query(customer_id=me.id).order_by(None).order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc())
    rows, total = paginate(session, stmt, params)
    return render(request, "portal/workorders_list.html", title="我的报修和投诉", orders=rows, total=total,
                  params=params, plain=PLAIN_STATUS, type_names=TYPES, open_statuses=OPEN_STATUSES)


def _lines(session, me) -> list[tuple[str, str]]:
    customer = customers.get(session, me.id)
    return [(str(line.id), f"{LINE_KINDS.get(line.kind, line.kind)} {shown_number(line)}")
            for line in customer.lines if line.status != "cancelled"]


def _new_page(request: Request, session, me, values: dict[str, str], *, error: str | None = None,
              status: int = 200):
    kind = values.get("type") if values.get("type") in KINDS else "repair"
    return render(request, "portal/workorders_new.html", status=status,
                  back_to=f"/portal/workorders/new?type={kind}", title=KINDS[kind], kind=kind, values=values,
                  lines=_lines(session, me), error=error,
                  idempotency_key=values.get("idempotency_key") or uuid.uuid4().hex)


@router.get("/workorders/new")
def new_request(request: Request, session: DbSession, me: identity.Subscriber, type: str = "repair",
                line_id: str = ""):
    return _new_page(request, session, me, {"type": type, "line_id": line_id})


@router.post("/workorders")
def submit_request(request: Request, session: DbSession, me: identity.Subscriber, type: Short = "repair",
                   line_id: Short = "", description: Annotated[str, Form(max_length=2000)] = "",
                   city: Annotated[str, Form(max_length=40)] = "",
                   idempotency_key: Annotated[str, Form(max_length=128)] = ""):
    values = {"type": type, "line_id": line_id, "description": description, "city": city,
              "idempotency_key": idempotency_key}
    customer = customers.get(session, me.id)
    number_of = next((line.number for line in customer.lines if str(line.id) == line_id), None)
    try:
        order, _made = service.create(session, get_runtime(request).clock, me, type=type if type in KINDS else "",
                                      description=description, channel=CHANNEL, customer_id=me.id, line=number_of,
                                      city=city.strip() or None, idempotency_key=idempotency_key)
    except DomainError as exc:
        if exc.status == 403:
            raise
        session.rollback()
        return _new_page(request, session, me, values, error=exc.message, status=exc.status)
    return RedirectResponse(f"/portal/workorders/{order.id}?done=created", status_code=303)


def request_page(request: Request, session, me, work_order_id: int, *, error: str | None = None,
                 failed: str = "", notice: str | None = None, values: dict[str, str] | None = None,
                 status: int = 200):
    order = service.visible(me, service.get(session, work_order_id))
    clock = get_runtime(request).clock
    line = service.line_of(session, order)
    visit = field.current(session, order) if order.type in FIELD_TYPES else None
    survey = surveys.of_work_order(session, order.id)
    ask_survey = survey is not None and survey.status in ("sent", "call_due")
    can_book = order.type in FIELD_TYPES and order.status in OPEN_STATUSES
    # "没解决" reopens: a resolved request, or a closed one within REOPEN_WINDOW of its resolution.
    may_object = is_reopen(order.status, "inProgress") and "inProgress" in allowed_moves(
        order.status, order.resolved_at, clock.now())
    shown = {"confirm": order.status == "resolved", "object": may_object, "survey": ask_survey,
             "visit": can_book, "cancel": order.status == "acknowledged"}
    failed = failed if shown.get(failed) else ""  # a form no longer on the page: the reason goes on top
    return render(
        request, "portal/workorders_detail.html", status=status, back_to=f"/portal/workorders/{order.id}",
        title=f"我的{TYPES[order.type]}", order=order, plain=PLAIN_STATUS[order.status],
        line_number=shown_number(line) if line else None, timeline=plain_timeline(order, all_teams(session)),
        due=service.sla_status(order, clock.now()).resolution.due_at,
        is_open=order.status in OPEN_STATUSES, can_book=can_book, may_object=may_object,
        reopen_until=order.resolved_at + REOPEN_WINDOW if may_object and order.status == "closed" else None,
        visit=visit, visit_window=window_label(clock, visit.window_start, visit.window_end) if visit else None,
        days=booking_days(clock), windows=window_choices(), survey=survey, scores=SCORES,
        ask_survey=ask_survey,
        error=error, failed=failed, notice=notice, values=values or {})


@router.get("/workorders/{work_order_id:int}")
def show_request(request: Request, session: DbSession, me: identity.Subscriber, work_order_id: int,
                 done: str = "", thanks: int = 0):
    notice = DONE.get(done)
    if thanks:
        notice = surveys.SORRY if thanks <= 2 else surveys.THANKS
    return request_page(request, session, me, work_order_id, notice=notice)


def _act(request: Request, session, me, work_order_id: int, form: str, values: dict[str, str], step, done: str):
    order = service.visible(me, service.get(session, work_order_id))
    try:
        step(order)
    except DomainError as exc:
        if exc.status == 403:
            raise
        session.rollback()
        return request_page(request, session, me, work_order_id, error=exc.message, failed=form, values=values,
                            status=exc.status)
    return RedirectResponse(f"/portal/workorders/{order.id}?{done}", status_code=303)


@router.post("/workorders/{work_order_id:int}/confirm")
def confirm(request: Request, session: DbSession, me: identity.Subscriber, work_order_id: int):
    clock = get_runtime(request).clock
    return _act(request, session, me, work_order_id, "confirm", {},
                lambda order: service.transition(session, clock, me, order, "closed", "客户确认已解决"),
                "done=confirmed")


@router.post("/workorders/{work_order_id:int}/object")
def object_to(request: Request, session: DbSession, me: identity.Subscriber, work_order_id: int,
              reason: Reason = ""):
    """"没解决": the resolved request, or one closed within REOPEN_WINDOW of its
    resolution, goes back to work (a reopen), with the customer's words."""
    clock = get_runtime(request).clock
    return _act(request, session, me, work_order_id, "object", {"reason": reason},
                lambda order: service.transition(session, clock, me, order, "inProgress", reason), "done=objected")


@router.post("/workorders/{work_order_id:int}/cancel")
def cancel(request: Request, session: DbSession, me: identity.Subscriber, work_order_id: int, reason: Reason = ""):
    clock = get_runtime(request).clock
    return _act(request, session, me, work_order_id, "cancel", {"reason": reason},
                lambda order: service.transition(session, clock, me, order, "cancelled", reason), "done=cancelled")


@router.post("/workorders/{work_order_id:int}/visit")
def book_visit(request: Request, session: DbSession, me: identity.Subscriber, work_order_id: int, day: Short = "",
               start_hour: Short = ""):
    clock = get_runtime(request).clock
    return _act(request, session, me, work_order_id, "visit", {"day": day, "start_hour": start_hour},
                lambda order: field.book(session, clock, me, order, day_of(day, BOOKING_DAY),
                                         number(start_hour, "请选择上门时段。")), "done=booked")


@router.post("/workorders/{work_order_id:int}/survey")
def answer_survey(request: Request, session: DbSession, me: identity.Subscriber, work_order_id: int,
                  score: Short = ""):
    clock = get_runtime(request).clock
    points = int(score) if score.strip().isdigit() else 0

    def step(order):
        survey = surveys.of_work_order(session, order.id)
        if survey is None:
            raise Conflict("no_survey", "这件事暂时不需要评价。", "no return visit is open for this work order")
        surveys.answer_online(session, clock, me, survey, points)

    return _act(request, session, me, work_order_id, "survey", {}, step, f"thanks={points}")
