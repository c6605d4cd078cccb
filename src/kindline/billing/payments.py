"""Payments from every channel, each with its channel's external reference.

(channel, external_reference) is unique: the same reference twice is one
payment, also when both arrive at the same moment (the loser of the insert,
inside a SAVEPOINT, answers the winner's payment as a replay). The same
reference with a different line or amount is refused. A reversal by staff,
with a reason, writes a negative ledger entry and an audit record.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kindline.billing import service
from kindline.billing.models import BillingAccount, LedgerEntry, Payment
from kindline.core import audit
from kindline.core.auth.permissions import BILLING_READ, PAYMENTS_REVERSE, PAYMENTS_WRITE
from kindline.core.auth.principal import Principal, actor_label
from kindline.core.clock import Clock
from kindline.core.db import fetch
from kindline.core.errors import Conflict, Forbidden, Invalid
from kindline.customers.models import Line

CHANNELS = {
    "hall_cash": "营业厅现金",
    "hall_pos": "营业厅刷卡",
    "online": "网上营业厅",
    "app": "掌上营业厅",
    "bank": "银行代收",
    "partner": "合作代收点",
    "terminal": "自助终端",
    "recharge_card": "充值卡",
}
CARD_CHANNEL = "recharge_card"  # only card redemption pays on it
MAX_PAYMENT_FEN = 100_000 * 100
MAX_REFERENCE_LENGTH = 64


@dataclass(frozen=True)
class PaymentRequest:
    msisdn: str
    amount_fen: int
    channel: str
    external_reference: str


def check_amount(amount_fen: int) -> None:
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or not 0 < amount_fen <= MAX_PAYMENT_FEN:
        raise Invalid("invalid_amount", "缴费金额须大于0元且不超过100000元。",
                      f"amount must be 1..{MAX_PAYMENT_FEN} fen", {"max_fen": MAX_PAYMENT_FEN})


def _check(request: PaymentRequest) -> str:
    if request.channel not in CHANNELS:
        raise Invalid("invalid_channel", "缴费渠道不正确。", f"unknown payment channel {request.channel!r}",
                      {"known": list(CHANNELS)})
    reference = (request.external_reference or "").strip()
    if not reference or len(reference) > MAX_REFERENCE_LENGTH:
        raise Invalid("invalid_reference", "缺少缴费流水号，或流水号过长。",
                      f"external_reference of 1..{MAX_REFERENCE_LENGTH} characters required")
    check_amount(request.amount_fen)
    return reference


def _replay(existing: Payment, line: Line, amount_fen: int) -> Payment:
    if existing.line_id != line.id or existing.amount_fen != amount_fen:
        raise Conflict("payment_reference_reused", "该缴费流水号已用于另一笔不同的缴费。",
                       "external_reference already used for a different line or amount",
                       {"payment_id": existing.id})
    return existing


def find(session: Session, channel: str, reference: str) -> Payment | None:
    return session.scalar(select(Payment).where(Payment.channel == channel,
                                                Payment.external_reference == reference))


def pay(session: Session, clock: Clock, principal: Principal, request: PaymentRequest) -> tuple[Payment, bool]:
    """The payment for this channel and reference, and whether it was replayed."""
    reference = _check(request)
    if request.channel == CARD_CHANNEL:
        raise Invalid("channel_not_allowed", "充值卡请使用充值卡充值功能。", "recharge-card payments come from redeeming a card")
    if principal.kind == "subscriber":  # money arrives only when a bank, gateway or clerk confirms it
        raise Forbidden("payment_needs_gateway", "网上缴费请在支付页面完成，到账以支付机构确认为准。",
                        "subscribers cannot book payments; a confirming channel does")
    line = service.line_for(session, principal, request.msisdn, PAYMENTS_WRITE)
    return receive(session, clock, line, request.channel, reference, request.amount_fen, actor_label(principal))


def receive(session: Session, clock: Clock, line: Line, channel: str, reference: str, amount_fen: int,
            actor: str) -> tuple[Payment, bool]:
    """Book money already authorised (by `pay`, or by a card redemption)."""
    check_amount(amount_fen)
    existing = find(session, channel, reference)
    if existing is not None:
        return _replay(existing, line, amount_fen), True
    service.require_open(line)
    account = service.account_for(session, clock, line.customer_id)
    payment = Payment(account_id=account.id, line_id=line.id, channel=channel, external_reference=reference,
                      amount_fen=amount_fen, status="posted", received_at=clock.now(), actor=actor)
    try:
        with session.begin_nested():
            session.add(payment)
            session.flush()
    except IntegrityError:  # the same reference, sent concurrently, won the race
        winner = find(session, channel, reference)
        if winner is None:
            raise
        return _replay(winner, line, amount_fen), True
    service.post(session, clock, account, "payment", amount_fen, reference=f"payment:{payment.id}", actor=actor,
                 line_id=line.id)
    return payment, False


def get(session: Session, payment_id: int) -> Payment:
    return fetch(session, Payment, payment_id, "payment", "缴费记录")


def reverse(session: Session, clock: Clock, principal: Principal, payment_id: int, reason: str) -> Payment:
    """冲正: staff with payments:reverse and a reason; once only, also when two
    staff press the button together (the status moves by a conditional UPDATE).
    A reversed card payment leaves the card used."""
    principal.require(PAYMENTS_REVERSE)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise Invalid("reason_required", "冲正须填写原因。", "a reason is required to reverse a payment")
    payment = get(session, payment_id)
    now = clock.now()
    moved = session.execute(
        update(Payment).where(Payment.id == payment.id, Payment.status == "posted")
        .values(status="reversed", reversed_at=now, reversed_by=principal.staff_id, reversal_reason=reason)
        .execution_options(synchronize_session=False)).rowcount
    session.refresh(payment)
    if moved != 1:
        raise Conflict("payment_already_reversed", "该笔缴费已冲正，不能重复冲正。", f"payment {payment.id} already reversed",
                       {"reversed_at": payment.reversed_at})
    account = session.get(BillingAccount, payment.account_id)
    service.post(session, clock, account, "reversal", -payment.amount_fen, reference=f"reversal:{payment.id}",
                 actor=actor_label(principal), line_id=payment.line_id)
    audit.record(session, clock, actor_id=principal.staff_id, action="payment:reversal", subject_type="payment",
                 subject_id=payment.id, reason=reason)
    return payment


def visible(session: Session, principal: Principal, payment: Payment) -> Payment:
    line = session.get(Line, payment.line_id)
    principal.require_customer(line.customer_id, BILLING_READ)
    if principal.kind == "subscriber":  # a line that changed hands: only the holder's own payments
        account = service.find_account(session, principal.id)
        if account is None or account.id != payment.account_id:
            raise Forbidden("not_allowed", "只能查看本人的缴费记录。", "payment belongs to a former holder")
    return payment


def for_line(session: Session, line: Line):
    """A select over the payments on this line into its current holder's account."""
    account = service.find_account(session, line.customer_id)
    stmt = select(Payment).where(Payment.line_id == line.id).order_by(Payment.id.desc())
    return stmt.where(Payment.account_id == (account.id if account else -1))


def for_account(account_id: int | None):
    """A select over every payment into an account (all the holder's lines), newest first."""
    return select(Payment).where(Payment.account_id == (account_id or -1)).order_by(Payment.id.desc())


def balance_after(session: Session, payment: Payment) -> int | None:
    return session.scalar(select(LedgerEntry.balance_after_fen).where(
        LedgerEntry.reference == f"payment:{payment.id}"))
