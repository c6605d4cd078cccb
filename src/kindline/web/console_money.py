"""Console money pages: a line's balance, standing and allowances with the
1-hour reopen (绿色开机) at the counter, the holder's bills, the line's detailed
records (详单, also as CSV), the account's payments with the hall payment and
the reversal (冲正), and the reminders sent to the line.

Every figure and every refusal comes from the billing, usage and reminders
services, so the clerk reads what the subscriber hears on the hotline, by SMS
and on the portal. The recharge-card pages (console_cards) are mounted on this
router, so the console needs no other wiring for them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Form, Query, Request, Response
from fastapi.responses import RedirectResponse

from kindline.billing import arrears, bills, payments
from kindline.billing import service as billing
from kindline.billing.models import Payment
from kindline.billing.schemas import PaymentRead
from kindline.core import cycles
from kindline.core.auth.permissions import (
    BILLING_READ,
    CUSTOMERS_READ,
    CUSTOMERS_WRITE,
    PAYMENTS_REVERSE,
    PAYMENTS_WRITE,
    RECORDS_READ,
)
from kindline.core.auth.principal import actor_label
from kindline.core.deps import DbSession, get_runtime
from kindline.core.errors import DomainError, Invalid
from kindline.core.money import parse_yuan, yuan
from kindline.core.outbox import OutboxMessage
from kindline.core.pagination import PageParams, paginate
from kindline.customers import lines
from kindline.customers import service as customers
from kindline.customers.models import Line
from kindline.reminders import rules
from kindline.reminders import service as reminders
from kindline.reminders.schemas import NotificationRead
from kindline.usage.models import KIND_NAMES_ZH
from kindline.web import console_cards, identity
from kindline.web.console import LOGIN
from kindline.web.present import line_view
from kindline.web.render import render
from kindline.web.routing import page_router

PAGE_SIZE = 20
BILL_MONTHS = 12  # bills listed back from this cycle
RECORD_MONTHS = 6  # cycles offered in the records filter
HALL_CHANNELS = ("hall_cash", "hall_pos")

router = page_router("/console", login_path=LOGIN)
router.include_router(console_cards.router)


def _line(session, staff, line_id: int, permission: str) -> Line:
    """Staff need the permission the API asks for the same thing (billing.service.line_for)."""
    staff.require(permission)
    return lines.get(session, line_id)


def _page(request: Request, session, line: Line, template: str, title: str, tab: str, *, status: int = 200,
          back_to: str | None = None, **context):
    return render(request, f"console/{template}", status=status, back_to=back_to, title=title, tab=tab,
                  line=line_view(session, line), customer=customers.get(session, line.customer_id), **context)


def _money_page(request: Request, session, staff, line_id: int, *, error: str | None = None,
                reopened: bool = False, status: int = 200):
    line = _line(session, staff, line_id, BILLING_READ)
    clock = get_runtime(request).clock
    view = billing.balance_of(session, clock, line)
    notice = arrears.reopen_message(clock, view.reopened_until) if reopened and view.reopened_until else None
    can_reopen = staff.can(CUSTOMERS_WRITE) and view.status == "suspended" and line.suspend_reason == "arrears"
    return _page(request, session, line, "money_balance.html", "余额与用量", "balance", status=status,
                 back_to=f"/console/lines/{line.id}/money", view=view, kind_names=KIND_NAMES_ZH,
                 can_reopen=can_reopen, error=error, notice=notice)


@router.get("/lines/{line_id}/money")
def money(request: Request, session: DbSession, staff: identity.Staff, line_id: int, reopened: int = 0):
    return _money_page(request, session, staff, line_id, reopened=bool(reopened))


@router.post("/lines/{line_id}/reopen")
def reopen(request: Request, session: DbSession, staff: identity.Staff, line_id: int):
    """绿色开机 at the hall counter: arrears.reopen with channel "hall", as the API does for staff."""
    line = _line(session, staff, line_id, CUSTOMERS_WRITE)
    try:
        arrears.reopen(session, get_runtime(request).clock, line, channel="hall", actor=actor_label(staff))
    except DomainError as exc:
        if exc.status == 403:
            raise
        session.rollback()
        return _money_page(request, session, staff, line_id, error=exc.message, status=exc.status)
    return RedirectResponse(f"/console/lines/{line.id}/money?reopened=1", status_code=303)


def _account_id(session, line: Line) -> int | None:
    account = billing.find_account(session, line.customer_id)
    return account.id if account else None


@router.get("/lines/{line_id}/bills")
def bill_list(request: Request, session: DbSession, staff: identity.Staff, line_id: int):
    """The holder's bills back to the account's first cycle (at most a year)."""
    line = _line(session, staff, line_id, BILLING_READ)
    clock = get_runtime(request).clock
    account = billing.find_account(session, line.customer_id)
    current = cycles.current(clock)
    first = cycles.cycle_of(clock, account.created_at) if account else current
    names = [name for n in range(BILL_MONTHS) if (name := cycles.shift(current, -n)) >= first]
    found = [bills.bill_for(session, clock, account.id if account else None, name) for name in names]
    return _page(request, session, line, "money_bills.html", "账单", "bills", bills=found)


@router.get("/lines/{line_id}/bills/{cycle}")
def bill(request: Request, session: DbSession, staff: identity.Staff, line_id: int, cycle: str):
    line = _line(session, staff, line_id, BILLING_READ)
    found = bills.bill_for(session, get_runtime(request).clock, _account_id(session, line), cycle)
    return _page(request, session, line, "money_bill.html", f"{cycle} 账单", "bills", bill=found,
                 kind_names=KIND_NAMES_ZH)


@router.get("/lines/{line_id}/records")
def records(request: Request, session: DbSession, staff: identity.Staff, line_id: int, cycle: str = "",
            kind: str = "", offset: int = 0):
    """详单, a page at a time; the CSV link carries the same filter."""
    line = _line(session, staff, line_id, RECORDS_READ)
    clock = get_runtime(request).clock
    cycle = cycle.strip() or cycles.current(clock)
    params = PageParams(limit=PAGE_SIZE, offset=max(0, offset) // PAGE_SIZE * PAGE_SIZE)
    rows, total = bills.records_page(session, clock, line, cycle, kind or None, params.offset // PAGE_SIZE + 1,
                                     PAGE_SIZE)
    choices = [cycles.shift(cycles.current(clock), -n) for n in range(RECORD_MONTHS)]
    return _page(request, session, line, "money_records.html", "详单", "records", cycle=cycle, kind=kind,
                 rows=[bills.RecordRow.of(clock, r) for r in rows], total=total, params=params,
                 query=urlencode({"cycle": cycle, "kind": kind}), kinds=list(KIND_NAMES_ZH.items()),
                 cycle_choices=[(c, c) for c in (choices if cycle in choices else [cycle, *choices])])


@router.get("/lines/{line_id}/records.csv")
def records_csv(request: Request, session: DbSession, staff: identity.Staff, line_id: int, cycle: str = "",
                kind: str = ""):
    line = _line(session, staff, line_id, RECORDS_READ)
    clock = get_runtime(request).clock
    cycle = cycle.strip() or cycles.current(clock)
    text = bills.records_csv(session, clock, line, cycle, kind or None)
    return Response(text, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="records-{cycle}.csv"', "Cache-Control": "no-store"})


def _payment_read(session, payment: Payment) -> PaymentRead:
    return PaymentRead.of(payment, session.get(Line, payment.line_id), payments.balance_after(session, payment))


def _payments_page(request: Request, session, staff, line_id: int, *, offset: int = 0,
                   values: dict[str, str] | None = None, error: str | None = None, notice: str | None = None,
                   status: int = 200):
    """Every payment into the holder's account (all their lines), newest first."""
    line = _line(session, staff, line_id, BILLING_READ)
    params = PageParams(limit=PAGE_SIZE, offset=max(0, offset))
    rows, total = paginate(session, payments.for_account(_account_id(session, line)), params)
    now = get_runtime(request).clock.now()
    values = values or {"amount": "", "channel": "hall_cash",
                        "external_reference": f"H{now:%Y%m%d}{uuid.uuid4().hex[:8].upper()}"}
    return _page(request, session, line, "money_payments.html", "缴费记录", "payments", status=status,
                 back_to=f"/console/lines/{line.id}/payments", payments=[_payment_read(session, p) for p in rows],
                 total=total, params=params, values=values, error=error, notice=notice,
                 channels=[(code, payments.CHANNELS[code]) for code in HALL_CHANNELS],
                 can_pay=staff.can(PAYMENTS_WRITE) and line.status != "cancelled",
                 can_reverse=staff.can(PAYMENTS_REVERSE))


@router.get("/lines/{line_id}/payments")
def payment_list(request: Request, session: DbSession, staff: identity.Staff, line_id: int, offset: int = 0,
                 paid: int = 0, replayed: int = 0, reversed_id: Annotated[int, Query(alias="reversed")] = 0):
    notice = (f"已收款入账（第{paid}笔）。" if paid else f"这笔缴费刚才已经入账（第{replayed}笔），没有重复收款。" if replayed
              else f"第{reversed_id}笔缴费已冲正。" if reversed_id else None)
    return _payments_page(request, session, staff, line_id, offset=offset, notice=notice)


@router.post("/lines/{line_id}/payments")
def book_payment(request: Request, session: DbSession, staff: identity.Staff, line_id: int,
                 amount: Annotated[str, Form(max_length=20)] = "", channel: Annotated[str, Form(max_length=20)] = "",
                 external_reference: Annotated[str, Form(max_length=200)] = ""):
    """Money taken at the counter, through payments.pay (the API's own path):
    the reference is the natural key, so a resent form is one payment."""
    line = _line(session, staff, line_id, PAYMENTS_WRITE)
    values = {"amount": amount, "channel": channel, "external_reference": external_reference}
    try:
        if channel not in HALL_CHANNELS:
            raise Invalid("invalid_channel", "请选择现金或刷卡。", f"not a hall channel: {channel!r}")
        wanted = payments.PaymentRequest(msisdn=line.number, amount_fen=parse_yuan(amount or ""),
                                           channel=channel, external_reference=external_reference)
        payment, replayed = payments.pay(session, get_runtime(request).clock, staff, wanted)
    except DomainError as exc:
        if exc.status == 403:
            raise
        session.rollback()
        return _payments_page(request, session, staff, line_id, values=values, error=exc.message, status=exc.status)
    return RedirectResponse(f"/console/lines/{line.id}/payments?{'replayed' if replayed else 'paid'}={payment.id}",
                            status_code=303)


def _reversal_page(request: Request, session, staff, payment_id: int, *, reason: str = "",
                   error: str | None = None, status: int = 200):
    staff.require(PAYMENTS_REVERSE)
    payment = payments.visible(session, staff, payments.get(session, payment_id))
    line = lines.get(session, payment.line_id)
    return _page(request, session, line, "money_reversal.html", f"冲正第{payment.id}笔缴费", "payments",
                 status=status, back_to=f"/console/payments/{payment.id}/reversal",
                 payment=_payment_read(session, payment), reason=reason, error=error)


@router.get("/payments/{payment_id}/reversal")
def reversal_form(request: Request, session: DbSession, staff: identity.Staff, payment_id: int):
    return _reversal_page(request, session, staff, payment_id)


@router.post("/payments/{payment_id}/reversal")
def reverse(request: Request, session: DbSession, staff: identity.Staff, payment_id: int,
            reason: Annotated[str, Form(max_length=500)] = ""):
    """payments.reverse checks the permission and the reason, writes the
    negative entry and the audit record; a refusal changes nothing."""
    try:
        payment = payments.reverse(session, get_runtime(request).clock, staff, payment_id, reason)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        session.rollback()
        return _reversal_page(request, session, staff, payment_id, reason=reason, error=exc.message,
                              status=exc.status)
    return RedirectResponse(f"/console/lines/{payment.line_id}/payments?reversed={payment.id}", status_code=303)


def _param_words(params: dict, tz) -> list[str]:
    """A reminder's params as people read them (stored as plain numbers and codes)."""
    words = []
    for name, value in params.items():
        if name == "resource":
            words.append(f"项目：{KIND_NAMES_ZH.get(value, value)}")
        elif name == "resources":
            words.append("项目：" + "、".join(KIND_NAMES_ZH.get(v, v) for v in value or []))
        elif name == "threshold_fen":
            words.append(f"提醒线：{yuan(int(value))}元")
        elif name == "balance_fen":
            words.append(f"当时余额：{yuan(int(value))}元")
        elif name == "suspend_at":
            words.append(f"停机时间：{rules.local_time_text(datetime.fromisoformat(value), tz)}")
        elif name == "points":
            words.append(f"积分：{value}")
        elif name == "expires_on":
            words.append(f"到期日：{value}")
        else:
            words.append(f"{name}：{value}")
    return words


@router.get("/lines/{line_id}/notifications")
def notices(request: Request, session: DbSession, staff: identity.Staff, line_id: int, offset: int = 0):
    """Every reminder of the line, newest first, as the API gives staff."""
    line = _line(session, staff, line_id, CUSTOMERS_READ if staff.can(CUSTOMERS_READ) else BILLING_READ)
    params = PageParams(limit=PAGE_SIZE, offset=max(0, offset))
    rows, total = paginate(session, reminders.for_line(session, line), params)
    tz = get_runtime(request).clock.tz
    shown = []
    for note in rows:
        message = session.get(OutboxMessage, note.outbox_id) if note.outbox_id else None
        read = NotificationRead.of(note, message.delivered_at if message else None)
        shown.append({"note": read, "words": _param_words(read.params, tz), "deferred": read.send_at > read.created_at})
    return _page(request, session, line, "money_notices.html", "提醒短信", "notices", notes=shown, total=total,
                 params=params)
