"""Subscribing and unsubscribing by SMS, and the "回复Y确认" step of paid ones.

Every order goes through orders.service.submit on channel "sms" with the
subscriber's own principal: eligibility, self-service scope and refusals are
the portal's and the hotline's. A paid product is first submitted in a
savepoint that is rolled back (a dry run of the very same checks), so nobody
is asked to confirm what would then be refused; the real order is placed when
the "Y" arrives within 10 minutes.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from kindline.catalog import service as catalog
from kindline.catalog.models import Product, ProductVersion
from kindline.core.errors import Invalid, NotFound
from kindline.orders import service as orders
from kindline.orders.schemas import OrderCreate
from kindline.sms.answers import data_size, money
from kindline.sms.context import Turn
from kindline.sms.models import SmsConfirmation

CONFIRM_WITHIN = timedelta(minutes=10)


class UnknownCode(Invalid):
    """A bare number that is no product's SMS code: the caller answers with the help."""


def resolve(turn: Turn, code: str, *, sms_code_only: bool = False) -> tuple[Product, ProductVersion]:
    """The product a subscriber named: its SMS code (3952) or its product code (DP-5G-M)."""
    product = turn.session.scalar(select(Product).where(Product.sms_code == code))
    if product is None and not sms_code_only:
        try:
            product = catalog.get_product(turn.session, code)
        except NotFound:
            product = None
    if product is None:
        raise UnknownCode("unknown_sms_code", f"没有代码为{code}的业务，请核对后重发。发送“帮助”查看全部指令。",
                          f"no product with code or sms_code {code!r}", {"code": code})
    return catalog.offer(turn.session, product.code, turn.clock.today())


def _request(turn: Turn, order_type: str, product: Product, note: str) -> OrderCreate:
    return OrderCreate(type=order_type, customer_id=turn.principal.id, channel="sms", line_id=turn.line.id,
                       product_codes=[product.code], note=f"短信营业厅：{note}"[:500])


def _submit(turn: Turn, request: OrderCreate, key: str):
    order, _replayed = orders.submit(turn.session, turn.clock, turn.principal, request, key)
    return order


def price_text(product: Product, version: ProductVersion) -> str:
    if product.kind == "auto_upgrade":
        terms = version.terms.get("auto_upgrade") or {}
        size, most = terms.get("data"), terms.get("max_per_cycle")
        text = "当月流量用完后自动加" + (data_size(size) if size else "流量") + f"，每次{money(version.price_fen)}"
        return text + (f"，每月最多{most}次" if most else "")
    if version.charge == "monthly":
        return f"每月{money(version.price_fen)}"
    return f"一次性收费{money(version.price_fen)}"


def subscribe(turn: Turn, code: str, *, sms_code_only: bool = False) -> str:
    if not code:
        return "请在“开通”后加业务代码，例如：开通3910。发送“帮助”查看全部指令。"
    product, version = resolve(turn, code, sms_code_only=sms_code_only)
    request = _request(turn, "product_order", product, turn.incoming.text)
    if version.price_fen <= 0:
        _submit(turn, request, turn.key)
        return f"办理成功：已为您开通“{version.name}”。"
    dry_run = turn.session.begin_nested()
    try:
        _submit(turn, request, f"{turn.key}:check")
    finally:
        dry_run.rollback()
    prompt = (f"您将开通“{version.name}”，{price_text(product, version)}。"
              f"确认办理请在10分钟内回复Y，不办理请回复N或不予理会。")
    _ask(turn, "product_order", product.code, prompt)
    return prompt


def unsubscribe(turn: Turn, code: str) -> str:
    if not code:
        return "请在“退订”后加业务代码，例如：退订3952。发送“帮助”查看全部指令。"
    product, version = resolve(turn, code)
    _submit(turn, _request(turn, "product_unsubscribe", product, turn.incoming.text), turn.key)
    return f"办理成功：已为您退订“{version.name}”。"


def _pending(turn: Turn) -> list[SmsConfirmation]:
    return list(turn.session.scalars(
        select(SmsConfirmation).where(SmsConfirmation.sender == turn.sender, SmsConfirmation.status == "pending")
        .order_by(SmsConfirmation.id.desc()).with_for_update()))


def _ask(turn: Turn, order_type: str, code: str, prompt: str) -> SmsConfirmation:
    """A new paid command replaces whatever was waiting: "Y" confirms the latest only."""
    now = turn.clock.now()
    for older in _pending(turn):
        older.status, older.decided_at = "replaced", now
    waiting = SmsConfirmation(sender=turn.sender, line_id=turn.line.id, incoming_id=turn.incoming.id,
                              order_type=order_type, product_code=code, prompt=prompt[:500], created_at=now,
                              expires_at=now + CONFIRM_WITHIN, status="pending")
    turn.session.add(waiting)
    turn.session.flush()
    return waiting


def confirm(turn: Turn) -> str:
    now = turn.clock.now()
    waiting = next(iter(_pending(turn)), None)
    if waiting is None:
        return "您当前没有待确认的业务。发送“帮助”查看全部指令。"
    if waiting.expires_at <= now:
        waiting.status, waiting.decided_at = "cancelled", now
        return "确认已超时（须在10分钟内回复），业务未办理。如需办理，请重新发送指令。"
    if waiting.line_id != turn.line.id:  # the number moved to another line since: ask again
        waiting.status, waiting.decided_at = "cancelled", now
        return "确认已失效，业务未办理。如需办理，请重新发送指令。"
    product, version = catalog.offer(turn.session, waiting.product_code, turn.clock.today())
    request = _request(turn, waiting.order_type, product, f"回复确认（{waiting.prompt}）")
    order = _submit(turn, request, f"sms:{turn.sender}:confirm{waiting.id}")
    waiting.status, waiting.decided_at, waiting.order_id = "confirmed", now, order.id
    return f"办理成功：已为您开通“{version.name}”，{price_text(product, version)}。"


def cancel(turn: Turn) -> str:
    now = turn.clock.now()
    waiting = _pending(turn)
    for older in waiting:
        older.status, older.decided_at = "cancelled", now
    if not any(w.expires_at > now for w in waiting):
        return "您当前没有待确认的业务。"
    return "已取消，业务未办理。"
