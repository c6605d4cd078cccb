"""Console recharge-card pages (充值卡): the batches, a new batch with its PINs
shown once, and one batch's cards with their states.

cards.create_batch makes the PINs and keeps only their keyed hashes, so the
answer to the form is the one moment they exist: that page carries the CSV
(a download link and the text) and says so. A resent form (a reload, a double
click) must not make a second batch nor look like it lost the first, so each
form carries a key and the keys used are kept in the signed session with the
batch they made; a key seen again answers which batch it made, without PINs.
"""

from __future__ import annotations

import base64
import uuid
from datetime import date, timedelta
from typing import Annotated

from fastapi import Form, Request

from kindline.billing import cards
from kindline.billing.schemas import CardBatchRead
from kindline.core.auth.permissions import CARDS_ADMIN
from kindline.core.deps import DbSession, get_runtime
from kindline.core.errors import DomainError, Invalid
from kindline.core.money import parse_yuan
from kindline.core.pagination import PageParams, paginate
from kindline.customers.models import Line
from kindline.web import identity
from kindline.web.console import LOGIN
from kindline.web.present import shown_number
from kindline.web.render import render
from kindline.web.routing import page_router

CARDS = "/console/cards"
PAGE_SIZE = 20
CARDS_PER_PAGE = 50
FORM_KEYS = "card_batch_forms"  # session: form key -> batch id, the newest few
KEPT_FORM_KEYS = 10
CARD_STATES = {"active": "未使用", "used": "已使用"}

# Mounted under /console by console_money (a router included there takes its prefix).
router = page_router(login_path=LOGIN)


def _batch_input(face_value: str, count: str, expires_on: str) -> tuple[int, int, date]:
    fen = parse_yuan(face_value or "")
    try:
        number = int(count.strip())
    except ValueError as exc:
        raise Invalid("invalid_batch_size", "请填写卡数（整数）。", f"not a count: {count!r}") from exc
    try:
        expiry = date.fromisoformat(expires_on.strip())
    except ValueError as exc:
        raise Invalid("invalid_expiry", "请填写有效期，格式如 2027-06-30。", f"not a date: {expires_on!r}") from exc
    return fen, number, expiry


def _batches_page(request: Request, session, staff, *, offset: int = 0, values: dict[str, str] | None = None,
                  error: str | None = None, status: int = 200):
    staff.require(CARDS_ADMIN)
    params = PageParams(limit=PAGE_SIZE, offset=max(0, offset))
    rows, total = paginate(session, cards.batches(), params)
    today = get_runtime(request).clock.today()
    values = values or {"face_value": "50", "count": "100", "expires_on": (today + timedelta(days=365)).isoformat(),
                        "note": "", "form_key": uuid.uuid4().hex}
    return render(request, "console/cards_batches.html", status=status, back_to=CARDS, title="充值卡批次",
                  batches=[CardBatchRead.of(b, cards.batch_counts(session, b.id)) for b in rows], total=total,
                  params=params, values=values, error=error, states=CARD_STATES, max_count=cards.MAX_BATCH_SIZE)


@router.get("/cards")
def batches(request: Request, session: DbSession, staff: identity.Staff, offset: int = 0):
    return _batches_page(request, session, staff, offset=offset)


@router.post("/cards")
def create_batch(request: Request, session: DbSession, staff: identity.Staff,
                 face_value: Annotated[str, Form(max_length=20)] = "", count: Annotated[str, Form(max_length=10)] = "",
                 expires_on: Annotated[str, Form(max_length=20)] = "", note: Annotated[str, Form(max_length=200)] = "",
                 form_key: Annotated[str, Form(max_length=64)] = ""):
    """The answer is the only page that ever holds this batch's PINs."""
    staff.require(CARDS_ADMIN)
    values = {"face_value": face_value, "count": count, "expires_on": expires_on, "note": note,
              "form_key": form_key or uuid.uuid4().hex}
    made = dict(request.session.get(FORM_KEYS) or {})
    if form_key and form_key in made:
        return _batches_page(request, session, staff, status=409, error=(
            f"这张表单已经生成过第{made[form_key]}批充值卡，卡密只显示那一次，不能再次显示，也没有重复生成。"))
    runtime = get_runtime(request)
    try:
        fen, number, expiry = _batch_input(face_value, count, expires_on)
        batch, pins = cards.create_batch(session, runtime.clock, staff, runtime.settings.resolved_secret_key(),
                                         face_value_fen=fen, count=number, expires_on=expiry, note=note)
    except DomainError as exc:
        if exc.status == 403:
            raise
        session.rollback()
        return _batches_page(request, session, staff, values=values, error=exc.message, status=exc.status)
    made[values["form_key"]] = batch.id
    request.session[FORM_KEYS] = dict(list(made.items())[-KEPT_FORM_KEYS:])
    text = cards.export_csv(batch, pins)
    return render(request, "console/cards_created.html", back_to=f"{CARDS}/{batch.id}",
                  title=f"第{batch.id}批充值卡已生成", batch=CardBatchRead.of(batch, {"active": batch.count}),
                  csv_text=text, filename=f"cards-batch-{batch.id}.csv",
                  csv_href="data:text/csv;charset=utf-8;base64," + base64.b64encode(text.encode()).decode())


@router.get("/cards/{batch_id}")
def batch_page(request: Request, session: DbSession, staff: identity.Staff, batch_id: int, status: str = "",
               offset: int = 0):
    """The batch and its cards: serials and states, never a PIN."""
    staff.require(CARDS_ADMIN)
    batch = cards.get_batch(session, batch_id)
    status = status if status in CARD_STATES else ""
    params = PageParams(limit=CARDS_PER_PAGE, offset=max(0, offset))
    rows, total = paginate(session, cards.cards_of(batch.id, status or None), params)
    today = get_runtime(request).clock.today()
    shown = [{"card": card, "state": CARD_STATES.get(card.status, card.status),
              "expired": card.status == "active" and card.expires_on < today,
              "line": shown_number(session.get(Line, card.used_line_id)) if card.used_line_id else ""}
             for card in rows]
    return render(request, "console/cards_batch.html", title=f"第{batch.id}批充值卡",
                  batch=CardBatchRead.of(batch, cards.batch_counts(session, batch.id)), cards=shown, total=total,
                  params=params, status_filter=status, states=CARD_STATES)
