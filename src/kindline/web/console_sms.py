"""The console's SMS business hall pages: the outbox (every SMS queued, with
its delivery state, whichever gateway is configured) and the simulator, where
staff type a message as a subscriber would and read the hall's answer.

The simulator calls sms.hall.handle_incoming, the very code behind the
gateway's MO endpoint, so what staff see is what a subscriber gets. It acts in
the subscriber's name (it can order), so it needs orders:write as well as
sms:view, and every simulated message to a known line is audited.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from kindline.core import audit, outbox, sms
from kindline.core.auth.permissions import ORDERS_WRITE, PII_VIEW, SMS_VIEW
from kindline.core.deps import DbSession, get_runtime
from kindline.core.pagination import PageParams, paginate
from kindline.sms import answers, hall
from kindline.web import identity
from kindline.web.console import LOGIN
from kindline.web.render import render
from kindline.web.routing import page_router

PAGE_SIZE = 20
SIMULATOR = "/console/sms/simulator"
SIMULATOR_KEY = "sms_simulator_from"  # the number being simulated, kept in the signed session, not in addresses

router = page_router("/console", login_path=LOGIN)


def _state(message: outbox.OutboxMessage) -> str:
    if message.delivered_at is not None:
        return "已发送"
    if message.attempts >= outbox.MAX_ATTEMPTS:
        return "发送失败"
    if message.attempts:
        return f"重试中（已试{message.attempts}次）"
    return "待发送"


def _outbox_page(request: Request, session, staff, *, to: str = "", offset: int = 0, revealed: bool = False,
                 reveal_error: str | None = None, reason: str = "", status: int = 200):
    staff.require(SMS_VIEW)
    number = hall.sender_number(to) or to.strip()
    stmt = select(outbox.OutboxMessage).where(outbox.OutboxMessage.topic == sms.TOPIC)
    if number:
        stmt = stmt.where(outbox.OutboxMessage.payload["to"].as_string() == number)
    params = PageParams(limit=PAGE_SIZE, offset=max(0, offset))
    rows, total = paginate(session, stmt.order_by(outbox.OutboxMessage.id.desc()), params)
    messages = [{"message": m, "state": _state(m), "to": m.payload.get("to", ""),
                 "sender": m.payload.get("from", sms.SENDER), "text": m.payload.get("text", "")} for m in rows]
    return render(request, "console/sms_outbox.html", status=status, back_to="/console/sms/outbox",
                  title="短信发件箱", messages=messages, total=total, params=params, to=to,
                  can_reveal=staff.can(PII_VIEW), revealed=revealed, reveal_error=reveal_error, reason=reason,
                  can_simulate=staff.can(ORDERS_WRITE))


@router.get("/sms/outbox")
def outbox_page(request: Request, session: DbSession, staff: identity.Staff, to: str = "", offset: int = 0):
    return _outbox_page(request, session, staff, to=to, offset=offset)


@router.post("/sms/outbox/reveal")
def reveal(request: Request, session: DbSession, staff: identity.Staff,
           reason: Annotated[str, Form(max_length=500)] = "", to: Annotated[str, Form(max_length=32)] = "",
           offset: Annotated[int, Form(ge=0)] = 0):
    """Full numbers once, for staff with pii:view who give a reason; audited."""
    staff.require(SMS_VIEW)
    staff.require(PII_VIEW)
    if len(reason.strip()) < 2:
        return _outbox_page(request, session, staff, to=to, offset=offset, reason=reason, status=422,
                            reveal_error="查看完整号码须填写原因。")
    newest = session.scalar(select(outbox.OutboxMessage.id).where(outbox.OutboxMessage.topic == sms.TOPIC)
                            .order_by(outbox.OutboxMessage.id.desc()).limit(1))
    audit.record(session, get_runtime(request).clock, actor_id=staff.id, action="pii:view",
                 subject_type="sms_outbox", subject_id=newest or 0, reason=reason.strip())
    return _outbox_page(request, session, staff, to=to, offset=offset, revealed=True)


def _simulator_page(request: Request, session, staff, *, sender: str, text: str = "", error: str | None = None,
                    status: int = 200):
    staff.require(SMS_VIEW)
    staff.require(ORDERS_WRITE)
    settings = get_runtime(request).settings
    return render(request, "console/sms_simulator.html", status=status, back_to=SIMULATOR, title="短信营业厅模拟器",
                  sender=sender, text=text, error=error, service_number=settings.sms_service_number,
                  conversation=hall.conversation(session, sender) if sender else [], help_text=answers.HELP)


@router.get("/sms/simulator")
def simulator(request: Request, session: DbSession, staff: identity.Staff):
    return _simulator_page(request, session, staff, sender=request.session.get(SIMULATOR_KEY, ""))


@router.post("/sms/simulator")
def simulate(request: Request, session: DbSession, staff: identity.Staff,
             sender: Annotated[str, Form(max_length=32)] = "", text: Annotated[str, Form(max_length=500)] = ""):
    """One MO as the subscriber would send it; then back to the conversation (no JavaScript needed)."""
    staff.require(SMS_VIEW)
    staff.require(ORDERS_WRITE)
    number = hall.sender_number(sender)
    if number is None:
        return _simulator_page(request, session, staff, sender=sender, text=text, status=422,
                               error="发送号码应为11位手机号码。")
    if not text.strip():
        return _simulator_page(request, session, staff, sender=number, status=422, error="请填写短信内容。")
    runtime = get_runtime(request)
    hall.handle_incoming(session, runtime.clock, number, text, service_number=runtime.settings.sms_service_number)
    latest = hall.conversation(session, number, limit=1)
    if latest and latest[-1].line_id is not None:
        audit.record(session, runtime.clock, actor_id=staff.id, action="sms:simulate", subject_type="line",
                     subject_id=latest[-1].line_id, reason=f"模拟短信：{text.strip()}"[:500])
    request.session[SIMULATOR_KEY] = number
    return RedirectResponse(SIMULATOR, status_code=303)
