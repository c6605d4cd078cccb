"""The console page of one elder class (爱心小课堂), for the hall staff
(halls:counter): the class, its sign-ups, a sign-up on someone's behalf
(at the hall or on the hotline), attendance once the class has begun, and
the follow-up visits (phone or video) of those who came.

Until now only the JSON API did this; the page calls the same halls.care
functions, so a refusal reads the same everywhere. Signing up a phone that
already holds a seat is not an error in halls.care (a retried SMS, a second
call), so the page says plainly that the seat is already held. Attendance
lives here, not on the manager's dashboard, so a clerk who runs the class
can take it; the dashboard links to this page.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import Form, Request
from fastapi.responses import RedirectResponse

from kindline.core.auth.permissions import HALLS_COUNTER, HALLS_MANAGE
from kindline.core.deps import DbSession, get_runtime
from kindline.core.errors import DomainError, Invalid
from kindline.core.masking import mask_phone
from kindline.halls import care
from kindline.halls.models import ClassSignup
from kindline.halls.types import CLASS_TOPICS, FOLLOWUP_METHODS, SIGNUP_CHANNELS
from kindline.web import identity
from kindline.web.console import LOGIN
from kindline.web.render import render
from kindline.web.routing import FormFields, page_router

# Staff sign up a person who asked at the hall or rang the hotline; the
# portal and SMS channels are the person's own.
STAFF_CHANNELS = ("hall", "hotline")
SOLVED = {"1": "已解决", "0": "未解决"}

# Carried by console_halls.router, which adds the "/console" prefix.
router = page_router(login_path=LOGIN)


def _path(class_id: int, **query: str) -> str:
    return f"/console/halls/classes/{class_id}" + (f"?{urlencode(query)}" if query else "")


def _done_text(session, class_id: int, done: str, signup_id: int) -> str | None:
    """The confirmation after a redirect, read back from the records (never echoed from the address)."""
    if done == "attendance":
        return "到课情况已登记。"
    entry = session.get(ClassSignup, signup_id) if signup_id else None
    if entry is None or entry.class_id != class_id:
        return None
    if done == "signed":
        return f"已为{entry.name}报名（{SIGNUP_CHANNELS[entry.channel]}代报）。"
    if done == "again":
        return f"手机号{mask_phone(entry.phone)}已经报过名（{entry.name}），名额保留着，不用重复报名。"
    if done == "visit":
        return f"已记录对{entry.name}的回访。"
    return None


def class_page(request: Request, session, staff, class_id: int, *, error: str | None = None,
               notice: str | None = None, values: dict[str, str] | None = None, visit_for: int = 0,
               status: int = 200):
    """`values` are what was typed in the form that was refused: the sign-up
    form, or the follow-up form of sign-up `visit_for`."""
    staff.require(HALLS_COUNTER)
    clock = get_runtime(request).clock
    lesson = care.get_class(session, class_id)
    signups = care.signups(session, class_id)
    return render(request, "console/halls_class.html", status=status, back_to=_path(class_id),
                  title=f"{lesson.title}（爱心小课堂）", lesson=lesson, topic=CLASS_TOPICS[lesson.topic],
                  place=care.place_text(session, lesson), when=care.when_text(clock, lesson),
                  started=lesson.starts_at <= clock.now(), signups=signups, taken=len(signups),
                  visits=care.follow_ups(session, [s.id for s in signups]), channels=SIGNUP_CHANNELS,
                  staff_channels=[(c, SIGNUP_CHANNELS[c]) for c in STAFF_CHANNELS],
                  methods=list(FOLLOWUP_METHODS.items()), method_names=FOLLOWUP_METHODS,
                  solved_options=list(SOLVED.items()),
                  dashboard=f"/console/halls/{lesson.hall_id}/dashboard"
                  if lesson.hall_id is not None and staff.can(HALLS_MANAGE) else None,
                  error=error, notice=notice, values=values or {}, visit_for=visit_for)


@router.get("/halls/classes/{class_id:int}")
def show_class(request: Request, session: DbSession, staff: identity.Staff, class_id: int, done: str = "",
               signup: int = 0):
    staff.require(HALLS_COUNTER)
    return class_page(request, session, staff, class_id, notice=_done_text(session, class_id, done, signup))


def _refused(request: Request, session, staff, class_id: int, exc: DomainError, **shown):
    """A refusal on the page itself, with nothing of the attempt written."""
    if exc.status == 403:
        raise exc
    session.rollback()
    return class_page(request, session, staff, class_id, error=exc.message, status=exc.status, **shown)


@router.post("/halls/classes/{class_id:int}/signups")
def sign_up(request: Request, session: DbSession, staff: identity.Staff, class_id: int, fields: FormFields):
    staff.require(HALLS_COUNTER)
    channel = fields.get("channel", "")
    try:
        if channel not in STAFF_CHANNELS:
            raise Invalid("invalid_channel", "请选择代报名的渠道：营业厅或热线。", f"staff channel {channel!r}")
        entry, made = care.sign_up(session, get_runtime(request).clock, staff, class_id, channel=channel,
                                   phone=fields.get("phone") or None, name=fields.get("name") or None)
    except DomainError as exc:
        return _refused(request, session, staff, class_id, exc, values=fields)
    return RedirectResponse(_path(class_id, done="signed" if made else "again", signup=str(entry.id)),
                            status_code=303)


def _attendance(request: Request, session, staff, class_id: int, attended: list[int] | None,
                followup: list[int] | None):
    staff.require(HALLS_COUNTER)
    try:
        care.take_attendance(session, get_runtime(request).clock, staff, class_id, attended or [], followup or [])
    except DomainError as exc:
        return _refused(request, session, staff, class_id, exc)
    return RedirectResponse(_path(class_id, done="attendance"), status_code=303)


@router.post("/halls/classes/{class_id:int}/attendance")
def attendance(request: Request, session: DbSession, staff: identity.Staff, class_id: int,
               attended: Annotated[list[int] | None, Form()] = None,
               followup: Annotated[list[int] | None, Form()] = None):
    """Who came (the others did not) and who joined the follow-up group."""
    return _attendance(request, session, staff, class_id, attended, followup)


@router.post("/halls/classes/{class_id:int}/signups/{signup_id:int}/follow-ups")
def follow_up(request: Request, session: DbSession, staff: identity.Staff, class_id: int, signup_id: int,
              fields: FormFields):
    staff.require(HALLS_COUNTER)
    solved = fields.get("solved", "")
    try:
        if solved not in SOLVED:
            raise Invalid("missing_field", "请选择问题是否已解决。", "solved is required", {"field": "solved"})
        care.follow_up(session, get_runtime(request).clock, staff, class_id, signup_id,
                       method=fields.get("method", ""), asked=fields.get("asked", ""), solved=solved == "1",
                       note=fields.get("note", ""))
    except DomainError as exc:
        return _refused(request, session, staff, class_id, exc, values=fields, visit_for=signup_id)
    return RedirectResponse(_path(class_id, done="visit", signup=str(signup_id)), status_code=303)
