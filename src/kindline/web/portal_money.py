"""Subscriber portal money pages (balance and allowances, bills, detailed
records, payments, card recharge, points, the 1-hour reopen).

Every figure comes from the same billing, usage and reminders functions the
REST API calls (billing/api.py, billing/statements_api.py), so the portal, the
hotline and the hall counter read the same balance, bill and records; nothing
here decides a rule. A line of someone else answers the 403 page, as on the
other portal pages (Principal.require_customer). 长辈版 lists fewer rows and
fewer columns, so an elder reads one screen without hunting.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from kindline.billing import arrears, bills, cards, order_charges, payments, points, redemption
from kindline.billing import service as billing
from kindline.catalog import service as catalog
from kindline.catalog.models import LINE_KINDS, SELF_SERVICE_KINDS
from kindline.core import cycles
from kindline.core.auth.permissions import BILLING_READ
from kindline.core.auth.principal import actor_label
from kindline.core.deps import DbSession, get_runtime
from kindline.core.errors import DomainError
from kindline.core.money import yuan
from kindline.core.pagination import PageParams, paginate
from kindline.customers import lines as line_service
from kindline.customers.models import Line
from kindline.orders import service as orders
from kindline.reminders import rules
from kindline.reminders import service as reminders
from kindline.usage.models import KIND_NAMES_ZH
from kindline.web import identity
from kindline.web.portal import LOGIN
from kindline.web.present import product_view, shown_number
from kindline.web.render import is_elder, render
from kindline.web.routing import page_router

CHANNEL = "online"
ROWS = {False: 20, True: 10}  # records and payments per page: standard, 长辈版
MONTHS = {False: 12, True: 6}  # bill months listed
RECENT_REMINDERS = 3
Cycle = Annotated[str, Query(max_length=7)]
Kind = Annotated[str, Query(max_length=5)]

router = page_router("/portal", login_path=LOGIN)


def owned_line(session, me, line_id: int) -> Line:
    """The line, when it is the signed-in subscriber's own (else the 403 page)."""
    line = line_service.get(session, line_id)
    me.require_customer(line.customer_id, BILLING_READ)
    return line


def line_page(request: Request, template: str, line: Line, title: str, *, status: int = 200,
              back_to: str | None = None, **context):
    """Every money page names the line it is about and links its siblings."""
    return render(request, f"portal/{template}.html", status=status, back_to=back_to, title=title,
                  line=line, number=shown_number(line), kind_name=LINE_KINDS.get(line.kind, line.kind),
                  base=f"/portal/lines/{line.id}", kind_names=KIND_NAMES_ZH, **context)


def refused(session, exc: DomainError) -> None:
    """A refusal the page shows beside its form: nothing of the try is kept.
    Someone else's line is not a form error: it stays the 403 page."""
    if exc.status == 403:
        raise exc
    session.rollback()


def recent_months(clock, account, count: int) -> list[str]:
    """This month back to the month the account was opened, at most `count`:
    the months a bill can say anything about."""
    month = cycles.current(clock)
    first = cycles.cycle_of(clock, account.created_at) if account is not None else month
    found = []
    while len(found) < count and month >= first:
        found.append(month)
        month = cycles.previous(month)
    return found


# --- balance, allowances, reopen ---------------------------------------------------------------------

def _money_page(request: Request, session, me, line: Line, *, error: str | None = None,
                notice: str | None = None, status: int = 200):
    clock = get_runtime(request).clock
    view = billing.balance_of(session, clock, line)
    recent = list(session.scalars(reminders.for_line(session, line, me.id).limit(RECENT_REMINDERS)))
    config = rules.current()
    return line_page(request, "money_line", line, "话费和用量", status=status, back_to=f"/portal/lines/{line.id}/money",
                     view=view, recent=recent, error=error, notice=notice,
                     can_reopen=line.status == "suspended" and line.suspend_reason == "arrears",
                     reopen_minutes=int(config.reopen_for.total_seconds() // 60),
                     reopen_every_hours=int(config.reopen_once_per.total_seconds() // 3600))


@router.get("/lines/{line_id}/money")
def money(request: Request, session: DbSession, me: identity.Subscriber, line_id: int, reopened: int = 0):
    line = owned_line(session, me, line_id)
    notice = None
    if reopened and (until := arrears.reopened_until(session, line)) is not None:
        notice = arrears.reopen_message(get_runtime(request).clock, until)
    return _money_page(request, session, me, line, notice=notice)


@router.post("/lines/{line_id}/reopen")
def reopen(request: Request, session: DbSession, me: identity.Subscriber, line_id: int):
    """绿色开机: the arrears service decides whether and until when."""
    line = owned_line(session, me, line_id)
    try:
        arrears.reopen(session, get_runtime(request).clock, line, channel=CHANNEL, actor=actor_label(me))
    except DomainError as exc:
        refused(session, exc)
        return _money_page(request, session, me, line, error=exc.message, status=exc.status)
    return RedirectResponse(f"/portal/lines/{line.id}/money?reopened=1", status_code=303)


# --- bills ---------------------------------------------------------------------------------------------

@router.get("/lines/{line_id}/bills")
def bill_list(request: Request, session: DbSession, me: identity.Subscriber, line_id: int):
    line = owned_line(session, me, line_id)
    clock = get_runtime(request).clock
    account = billing.find_account(session, line.customer_id)
    months = recent_months(clock, account, MONTHS[is_elder(request)])
    listed = [bills.bill_for(session, clock, account.id if account else None, month) for month in months]
    return line_page(request, "money_bills", line, "我的账单", bills=listed)


@router.get("/lines/{line_id}/bills/{cycle}")
def bill(request: Request, session: DbSession, me: identity.Subscriber, line_id: int, cycle: str):
    line = owned_line(session, me, line_id)
    account = billing.find_account(session, line.customer_id)
    found = bills.bill_for(session, get_runtime(request).clock, account.id if account else None, cycle)
    return line_page(request, "money_bill", line, f"{cycle[:4]}年{int(cycle[5:])}月账单", bill=found)


# --- detailed records (详单) ---------------------------------------------------------------------------

@router.get("/lines/{line_id}/records")
def records(request: Request, session: DbSession, me: identity.Subscriber, line_id: int, cycle: Cycle = "",
            kind: Kind = "", offset: int = 0):
    line = owned_line(session, me, line_id)
    clock = get_runtime(request).clock
    cycle = cycle or cycles.current(clock)
    params = PageParams(limit=ROWS[is_elder(request)], offset=max(0, offset))
    rows, total = paginate(session, bills.records_query(session, clock, line, cycle, kind or None), params)
    query = urlencode({"cycle": cycle, "kind": kind})
    months = recent_months(clock, billing.find_account(session, line.customer_id), MONTHS[False])
    return line_page(request, "money_records", line, "详单查询", cycle=cycle, kind=kind, params=params, total=total,
                     rows=[bills.RecordRow.of(clock, r) for r in rows], months=months,
                     page_base=f"/portal/lines/{line.id}/records?{query}",
                     csv_href=f"/portal/lines/{line.id}/records.csv?{query}")


@router.get("/lines/{line_id}/records.csv")
def records_csv(request: Request, session: DbSession, me: identity.Subscriber, line_id: int, cycle: Cycle = "",
                kind: Kind = ""):
    """The API's CSV (bills.records_csv), on the portal's own sign-in."""
    line = owned_line(session, me, line_id)
    clock = get_runtime(request).clock
    cycle = cycle or cycles.current(clock)
    text = bills.records_csv(session, clock, line, cycle, kind or None)
    return Response(text, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="records-{cycle}.csv"', "Cache-Control": "no-store"})


# --- payments and card recharge ------------------------------------------------------------------------

@router.get("/lines/{line_id}/payments")
def payment_list(request: Request, session: DbSession, me: identity.Subscriber, line_id: int, offset: int = 0):
    line = owned_line(session, me, line_id)
    params = PageParams(limit=ROWS[is_elder(request)], offset=max(0, offset))
    rows, total = paginate(session, payments.for_line(session, line), params)
    return line_page(request, "money_payments", line, "缴费记录", params=params, total=total,
                     rows=[(p, payments.balance_after(session, p)) for p in rows], channels=payments.CHANNELS)


def _recharge_page(request: Request, session, line: Line, *, serial: str = "", error: str | None = None,
                   notice: str | None = None, status: int = 200):
    """The card form; the PIN field is always empty (a PIN is never sent back)."""
    balance = billing.balance_of(session, get_runtime(request).clock, line).balance_fen
    return line_page(request, "money_recharge", line, "充值卡充值", status=status,
                     back_to=f"/portal/lines/{line.id}/recharge", balance=balance, serial=serial, error=error,
                     notice=notice, pin_digits=cards.PIN_DIGITS)


@router.get("/lines/{line_id}/recharge")
def recharge_form(request: Request, session: DbSession, me: identity.Subscriber, line_id: int, done: int = 0):
    line = owned_line(session, me, line_id)
    notice = None
    if done:
        paid = payments.visible(session, me, payments.get(session, done))
        notice = f"充值成功：{yuan(paid.amount_fen)}元已到账。"
    return _recharge_page(request, session, line, notice=notice)


@router.post("/lines/{line_id}/recharge")
def recharge(request: Request, session: DbSession, me: identity.Subscriber, line_id: int,
             serial: Annotated[str, Form(max_length=40)] = "", pin: Annotated[str, Form(max_length=40)] = ""):
    line = owned_line(session, me, line_id)
    runtime = get_runtime(request)
    try:
        paid = cards.redeem(session, runtime.clock, me, runtime.settings.resolved_secret_key(), serial=serial,
                            pin=pin, msisdn=line.number)
    except cards.CountedRefusal as exc:
        session.commit()  # a wrong try counts towards the lock even though the answer is a refusal
        return _recharge_page(request, session, line, serial=serial, error=exc.message, status=exc.status)
    except DomainError as exc:
        refused(session, exc)
        return _recharge_page(request, session, line, serial=serial, error=exc.message, status=exc.status)
    return RedirectResponse(f"/portal/lines/{line.id}/recharge?done={paid.id}", status_code=303)


# --- points (积分) --------------------------------------------------------------------------------------

def _points_page(request: Request, session, line: Line, *, error: str | None = None, notice: str | None = None,
                 status: int = 200):
    """Balance, what expires within the reminders' notice days, and the self-service
    products of this line that have a points price (the orders service still decides)."""
    clock = get_runtime(request).clock
    account = billing.find_account(session, line.customer_id)
    held = set(line_service.held_codes(line))
    offers = [(product_view(p.code, p.kind, v), v.points_price)
              for p, v in catalog.catalog_on(session, clock.today(), line_kind=line.kind)
              if v.points_price > 0 and p.kind in SELF_SERVICE_KINDS and p.code not in held]
    soon = clock.today() + timedelta(days=rules.current().points_notice_days)
    return line_page(request, "money_points", line, "我的积分", status=status, back_to=f"/portal/lines/{line.id}/points",
                     points=points.view(session, clock, account.id if account else None), soon=soon, offers=offers,
                     error=error, notice=notice, new_key=lambda: uuid.uuid4().hex)


@router.get("/lines/{line_id}/points")
def points_page(request: Request, session: DbSession, me: identity.Subscriber, line_id: int, done: int = 0):
    line = owned_line(session, me, line_id)
    notice = None
    if done:
        order = orders.visible(me, orders.get(session, done))
        spent = order_charges.redemption_of(session, order.id)
        notice = f"兑换成功，已使用{spent.points}积分。" if spent else None
    return _points_page(request, session, line, notice=notice)


@router.post("/lines/{line_id}/points/redeem")
def redeem_points(request: Request, session: DbSession, me: identity.Subscriber, line_id: int,
                  code: Annotated[str, Form(max_length=40)] = "",
                  idempotency_key: Annotated[str, Form(max_length=128)] = ""):
    """积分兑换 through billing.redemption: an order paid with points, like the API's."""
    line = owned_line(session, me, line_id)
    try:
        order, _replayed = redemption.redeem(session, get_runtime(request).clock, me, line.number, code,
                                             idempotency_key, CHANNEL)
    except DomainError as exc:
        refused(session, exc)
        return _points_page(request, session, line, error=exc.message, status=exc.status)
    return RedirectResponse(f"/portal/lines/{line.id}/points?done={order.id}", status_code=303)
