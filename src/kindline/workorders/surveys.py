"""Satisfaction return visits (满意度回访) after every closed work order and
every completed hall business order.

Most subscribers get an SMS asking for a score from 1 to 5 (replied to the SMS
business hall); the elderly and those in the care archive get a phone call
from a person instead, and so does anyone whose SMS gets no answer within 48
hours (a durable timer). A score of 1 or 2 opens a review by a supervisor.

A complaint forwarded by the 12315 platform may come from someone who holds no
line with us: their return visit is a call to the complainant's phone, with
no customer (see after_close), so the platform's reply still carries a score.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kindline.core import sms, timers
from kindline.core.auth.permissions import WORKORDERS_SUPERVISE, WORKORDERS_WRITE
from kindline.core.auth.principal import Principal
from kindline.core.clock import Clock
from kindline.core.db import fetch
from kindline.core.errors import Conflict, Forbidden, Invalid
from kindline.customers import service as customers
from kindline.customers.models import Customer
from kindline.reminders.service import next_allowed
from kindline.workorders.intake import PLATFORM
from kindline.workorders.models import Survey, WorkOrder

NO_ANSWER = "wo.survey_no_answer"
ANSWER_WITHIN = timedelta(hours=48)
CALL_SEGMENTS = {"elderly", "care_archive"}
SMS_TEXT = "【满意度回访】您的{what}已办结，请回复数字评价：5非常满意，4满意，3一般，2不满意，1很不满意。"
THANKS = "感谢您的评价！"
SORRY = "感谢您的评价，很抱歉让您不满意，主管将在24小时内与您联系。"


def _method(customer: Customer, clock: Clock) -> str:
    return "call" if set(customers.segments(customer, clock)) & CALL_SEGMENTS else "sms"


def _open(session: Session, clock: Clock, subject: str, subject_id: int, customer_id: int | None, phone: str,
          city: str | None, method: str, what: str) -> Survey | None:
    survey = Survey(subject=subject, subject_id=subject_id, customer_id=customer_id, city=city, phone=phone,
                    method=method, status="call_due" if method == "call" else "sent", created_at=clock.now())
    try:
        with session.begin_nested():
            session.add(survey)
            session.flush()
    except IntegrityError:  # one return visit per subject, also when asked twice
        return None
    if method == "sms":
        sms.send(session, clock, phone, SMS_TEXT.format(what=what), next_allowed(clock, clock.now()))
        timers.schedule(session, clock, NO_ANSWER, str(survey.id), clock.now() + ANSWER_WITHIN,
                        {"survey_id": survey.id})
    return survey


def after_close(session: Session, clock: Clock, order: WorkOrder) -> Survey | None:
    """The return visit of a closed work order: the customer's, by SMS or by a
    call as their segments say.

    A complaint forwarded by the 12315 platform from someone who holds no line
    with us (no customer) gets a call task to the complainant's phone (the work
    order's contact phone), with no customer: the platform wants a satisfaction
    figure for every reply, and our SMS survey cannot reach such a person
    reliably (the platform's phone may be a landline, or another operator's
    number where our SMS is often filtered or never answered), so a person
    calls. Other work orders without a customer get no return visit.
    """
    if order.customer_id is not None:
        customer = customers.get(session, order.customer_id)
        return _open(session, clock, "work_order", order.id, customer.id, customer.phone, order.city,
                     _method(customer, clock), "工单")
    if order.source == PLATFORM and order.contact_phone:
        return _open(session, clock, "work_order", order.id, None, order.contact_phone, order.city, "call", "工单")
    return None


def after_hall_order(session: Session, clock: Clock, order_id: int, customer_id: int) -> Survey | None:
    customer = customers.get(session, customer_id)
    return _open(session, clock, "order", order_id, customer.id, customer.phone, customer.city,
                 _method(customer, clock), "业务")


def _review(survey: Survey) -> None:
    if survey.score is not None and survey.score <= 2:
        survey.review_status = "open"


def answer_by_sms(session: Session, clock: Clock, phone: str, score: int) -> str | None:
    """A reply to the SMS hall: the score of the latest open SMS survey of this
    number, or None when there is none (the hall then answers as usual)."""
    survey = session.scalar(select(Survey).where(Survey.phone == phone, Survey.method == "sms",
                                                 Survey.status == "sent").order_by(Survey.id.desc()))
    if survey is None or not 1 <= score <= 5:
        return None
    survey.score, survey.status, survey.answered_at = score, "answered", clock.now()
    _review(survey)
    timers.cancel(session, clock, NO_ANSWER, str(survey.id))
    return SORRY if score <= 2 else THANKS


def record_call(session: Session, clock: Clock, principal: Principal, survey: Survey, *, score: int | None,
                comment: str = "") -> Survey:
    """The result of a return-visit call: a score, or nobody reached (score None)."""
    principal.require(WORKORDERS_WRITE)
    if survey.status not in ("call_due", "sent"):
        raise Conflict("survey_done", "该回访已完成。", f"survey {survey.id} is {survey.status}")
    if score is not None and not 1 <= score <= 5:
        raise Invalid("invalid_score", "评分须为1到5。", "score must be 1..5")
    survey.method, survey.comment = "call", comment.strip()[:500]
    survey.status = "answered" if score is not None else "unreachable"
    survey.score, survey.answered_at = score, clock.now()
    _review(survey)
    timers.cancel(session, clock, NO_ANSWER, str(survey.id))
    return survey


def close_review(session: Session, principal: Principal, survey: Survey, note: str) -> Survey:
    principal.require(WORKORDERS_SUPERVISE)
    if survey.review_status != "open":
        raise Conflict("no_open_review", "该回访没有待处理的复核。", f"survey {survey.id} has no open review")
    if not note.strip():
        raise Invalid("reason_required", "请填写复核结论。", "a review note is required")
    survey.review_status, survey.review_note = "done", note.strip()[:500]
    return survey


def get(session: Session, survey_id: int) -> Survey:
    return fetch(session, Survey, survey_id, "survey", "回访")


def call_tasks(session: Session, city: str | None = None, limit: int = 100) -> list[Survey]:
    stmt = select(Survey).where(Survey.status == "call_due").order_by(Survey.id).limit(limit)
    if city:
        stmt = stmt.where(Survey.city == city)
    return list(session.scalars(stmt))


def _no_answer(session: Session, clock: Clock, timer: timers.Timer) -> None:
    survey = session.get(Survey, timer.payload.get("survey_id"))
    if survey is not None and survey.status == "sent":
        survey.status = "call_due"


def install() -> None:
    timers.register(NO_ANSWER, _no_answer)


def of_work_order(session: Session, work_order_id: int) -> Survey | None:
    """The return visit of a work order, if one was opened (at its close)."""
    return session.scalar(select(Survey).where(Survey.subject == "work_order", Survey.subject_id == work_order_id))


def answer_online(session: Session, clock: Clock, principal: Principal, survey: Survey, score: int) -> Survey:
    """The subscriber's own score given on the portal, instead of an SMS reply
    or before the call comes: it answers the same return visit, so a low score
    opens the same review and nobody is called for it again."""
    if principal.is_staff or principal.id != survey.customer_id:
        raise Forbidden("not_allowed", "只能评价本人的工单。", "subscribers answer only their own surveys")
    if survey.status not in ("sent", "call_due"):
        raise Conflict("survey_done", "您已经评价过了，谢谢。", f"survey {survey.id} is {survey.status}")
    if not 1 <= score <= 5:
        raise Invalid("invalid_score", "评分须为1到5。", "score must be 1..5")
    survey.score, survey.status, survey.answered_at = score, "answered", clock.now()
    _review(survey)
    timers.cancel(session, clock, NO_ANSWER, str(survey.id))
    return survey
