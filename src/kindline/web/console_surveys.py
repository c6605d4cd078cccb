"""Return visits (满意度回访) on the console: the call tasks (the elderly, the
care archive, SMS surveys unanswered for 48 hours, and 12315 complainants who
hold no line with us) with a form to record each call, and the open reviews
of low scores for supervisors.

Every step is workorders.surveys', so the API and this page refuse alike.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from kindline.core.auth.permissions import WORKORDERS_READ, WORKORDERS_SUPERVISE
from kindline.core.deps import DbSession, get_runtime
from kindline.core.errors import DomainError, Invalid
from kindline.customers import service as customers
from kindline.web import identity
from kindline.web.console import LOGIN
from kindline.web.render import render
from kindline.web.routing import page_router
from kindline.workorders import service as workorders
from kindline.workorders import surveys
from kindline.workorders.models import Survey

SUBJECTS = {"work_order": "工单", "order": "营业厅业务"}
SCORES = [("5", "5 非常满意"), ("4", "4 满意"), ("3", "3 一般"), ("2", "2 不满意"), ("1", "1 很不满意"),
          ("", "未能联系上")]

router = page_router("/console", login_path=LOGIN)


def _name(session, survey: Survey) -> str:
    """The customer's name; for a 12315 complainant who holds no line with us
    (no customer), the name the platform gave on the work order."""
    if survey.customer_id is not None:
        return customers.get(session, survey.customer_id).name
    return workorders.get(session, survey.subject_id).contact_name or ""


def _rows(session, items: list[Survey]) -> list[dict]:
    return [{"survey": s, "subject": SUBJECTS.get(s.subject, s.subject), "name": _name(session, s),
             "outsider": s.customer_id is None} for s in items]


def surveys_page(request: Request, session, staff, *, error: str | None = None, failed: int = 0,
                 notice: str | None = None, status: int = 200):
    staff.require(WORKORDERS_READ)
    reviews = []
    if staff.can(WORKORDERS_SUPERVISE):
        reviews = list(session.scalars(select(Survey).where(Survey.review_status == "open").order_by(Survey.id)))
    return render(request, "console/surveys.html", status=status, title="满意度回访",
                  tasks=_rows(session, surveys.call_tasks(session)), reviews=_rows(session, reviews),
                  scores=SCORES, error=error, failed=failed, notice=notice)


@router.get("/surveys")
def show(request: Request, session: DbSession, staff: identity.Staff, done: str = ""):
    notice = {"call": "已记录回访结果。", "review": "已完成复核。"}.get(done)
    return surveys_page(request, session, staff, notice=notice)


def _act(request: Request, session, staff, survey_id: int, action, done: str):
    try:
        action(surveys.get(session, survey_id))
    except DomainError as exc:
        if exc.status == 403:
            raise
        session.rollback()
        return surveys_page(request, session, staff, error=exc.message, failed=survey_id, status=exc.status)
    return RedirectResponse(f"/console/surveys?done={done}", status_code=303)


@router.post("/surveys/{survey_id:int}/call")
def record_call(request: Request, session: DbSession, staff: identity.Staff, survey_id: int,
                score: Annotated[str, Form(max_length=2)] = "",
                comment: Annotated[str, Form(max_length=500)] = ""):
    clock = get_runtime(request).clock

    def act(survey: Survey) -> None:
        if score.strip() and not score.strip().isdigit():
            raise Invalid("invalid_score", "评分须为1到5。", "score must be 1..5")
        value = int(score) if score.strip() else None
        surveys.record_call(session, clock, staff, survey, score=value, comment=comment)
    return _act(request, session, staff, survey_id, act, "call")


@router.post("/surveys/{survey_id:int}/review")
def close_review(request: Request, session: DbSession, staff: identity.Staff, survey_id: int,
                 note: Annotated[str, Form(max_length=500)] = ""):
    return _act(request, session, staff, survey_id, lambda survey: surveys.close_review(session, staff, survey, note),
                "review")
