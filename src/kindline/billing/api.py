"""REST endpoints of billing: balances, payments, reversals, recharge cards.

POST /payments is idempotent on (channel, external_reference): a replay
answers 200 with `Idempotent-Replayed: true`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from kindline.billing import arrears, cards, payments, service
from kindline.billing.schemas import (
    BalanceRead,
    CardBatchCreate,
    CardBatchCreated,
    CardBatchRead,
    PaymentCreate,
    PaymentRead,
    RedeemIn,
    RedeemRead,
    ReopenIn,
    ReopenRead,
    ReversalIn,
)
from kindline.core.auth.permissions import BILLING_READ, CARDS_ADMIN, CUSTOMERS_WRITE
from kindline.core.auth.principal import actor_label
from kindline.core.deps import Caller, CurrentClock, DbSession, get_runtime
from kindline.core.money import yuan
from kindline.core.pagination import Page, PageParams, page_params, paginate
from kindline.customers.models import Line

router = APIRouter(prefix="/api/v1", tags=["billing"])


def _secret(request: Request) -> str:
    return get_runtime(request).settings.resolved_secret_key()


def _read(session, payment) -> PaymentRead:
    return PaymentRead.of(payment, session.get(Line, payment.line_id), payments.balance_after(session, payment))


@router.get("/lines/{msisdn}/balance", response_model=BalanceRead)
def line_balance(msisdn: str, session: DbSession, clock: CurrentClock, caller: Caller):
    line = service.line_for(session, caller, msisdn, BILLING_READ)
    return BalanceRead.of(service.balance_of(session, clock, line))


@router.post("/lines/{msisdn}/reopen", response_model=ReopenRead)
def reopen_line(msisdn: str, session: DbSession, clock: CurrentClock, caller: Caller, body: ReopenIn | None = None):
    """绿色开机: a line suspended for arrears opens for an hour, once in 24 hours;
    the subscriber for their own line, or staff with customers:write."""
    line = service.line_for(session, caller, msisdn, CUSTOMERS_WRITE)
    channel = (body.channel if body else None) or ("hall" if caller.is_staff else "online")
    until = arrears.reopen(session, clock, line, channel=channel, actor=actor_label(caller))
    return ReopenRead.of(line, channel, until, arrears.reopen_message(clock, until))


@router.post("/payments", response_model=PaymentRead, status_code=201,
             responses={200: {"description": "a replay: this channel reference was already paid"}})
def create_payment(body: PaymentCreate, response: Response, session: DbSession, clock: CurrentClock, caller: Caller):
    request = payments.PaymentRequest(msisdn=body.msisdn, amount_fen=body.amount_fen, channel=body.channel,
                                      external_reference=body.external_reference)
    payment, replayed = payments.pay(session, clock, caller, request)
    if replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return _read(session, payment)


@router.get("/payments", response_model=Page[PaymentRead])
def list_payments(msisdn: str, session: DbSession, caller: Caller,
                  params: Annotated[PageParams, Depends(page_params)]):
    line = service.line_for(session, caller, msisdn, BILLING_READ)
    rows, total = paginate(session, payments.for_line(session, line), params)
    return Page(items=[_read(session, p) for p in rows], total=total, limit=params.limit, offset=params.offset)


@router.get("/payments/{payment_id}", response_model=PaymentRead)
def get_payment(payment_id: int, session: DbSession, caller: Caller):
    return _read(session, payments.visible(session, caller, payments.get(session, payment_id)))


@router.post("/payments/{payment_id}/reversal", response_model=PaymentRead)
def reverse_payment(payment_id: int, body: ReversalIn, session: DbSession, clock: CurrentClock, caller: Caller):
    return _read(session, payments.reverse(session, clock, caller, payment_id, body.reason))


@router.post("/card-batches", response_model=CardBatchCreated, status_code=201)
def create_card_batch(body: CardBatchCreate, request: Request, response: Response, session: DbSession,
                      clock: CurrentClock, caller: Caller):
    """A batch of recharge cards. The answer carries the PINs as CSV: shown this
    once, never again (only their keyed hashes are stored)."""
    batch, pins = cards.create_batch(session, clock, caller, _secret(request), face_value_fen=body.face_value_fen,
                                     count=body.count, expires_on=body.expires_on, note=body.note)
    response.headers["Cache-Control"] = "no-store"
    return CardBatchCreated(batch=CardBatchRead.of(batch, {"active": batch.count}), csv=cards.export_csv(batch, pins))


@router.get("/card-batches/{batch_id}", response_model=CardBatchRead)
def get_card_batch(batch_id: int, session: DbSession, caller: Caller):
    caller.require(CARDS_ADMIN)
    batch = cards.get_batch(session, batch_id)
    return CardBatchRead.of(batch, cards.batch_counts(session, batch.id))


@router.post("/cards/redeem", response_model=RedeemRead, status_code=201)
def redeem_card(body: RedeemIn, request: Request, session: DbSession, clock: CurrentClock, caller: Caller):
    try:
        payment = cards.redeem(session, clock, caller, _secret(request), serial=body.serial, pin=body.pin,
                               msisdn=body.msisdn)
    except cards.CountedRefusal:
        session.commit()  # a failed try counts even though the answer is an error
        raise
    return RedeemRead(serial=payment.external_reference, face_value_fen=payment.amount_fen,
                      face_value_yuan=yuan(payment.amount_fen), payment=_read(session, payment))
