"""What the billing API takes and gives. Money is integer fen, with the yuan
text beside it for people; numbers leave masked."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from kindline.billing.arrears import REOPEN_CHANNELS
from kindline.billing.models import CardBatch, Payment
from kindline.billing.payments import CHANNELS
from kindline.billing.service import BalanceView
from kindline.core.masking import mask_phone
from kindline.core.money import yuan
from kindline.customers.models import Line
from kindline.usage.models import KIND_NAMES_ZH, KIND_UNITS_ZH


def _shown(line: Line) -> str:
    return mask_phone(line.number) if line.kind == "mobile" else line.number


class AllowanceRead(BaseModel):
    """One kind of the line's pooled allowance this cycle."""

    kind: str = Field(description="voice, sms or data")
    kind_name: str
    unit: str = Field(description="seconds, messages or bytes (秒/条/字节)")
    total: int = Field(description="the plan's allowance plus auto-upgrade packs switched on")
    used: int
    remaining: int
    upgrades: int
    percent_used: int

    @classmethod
    def of(cls, allowance) -> AllowanceRead:
        return cls(kind=allowance.kind, kind_name=KIND_NAMES_ZH[allowance.kind], unit=KIND_UNITS_ZH[allowance.kind],
                   total=allowance.total, used=allowance.used, remaining=allowance.remaining,
                   upgrades=allowance.upgrades, percent_used=allowance.percent_used)


class BalanceRead(BaseModel):
    """The balance of a line's holder, where the line stands (active, reopened
    for an hour until when, suspended) and its allowances used and remaining."""

    msisdn: str = Field(description="masked: 138****5678")
    line_id: int
    line_kind: str
    status: str = Field(description="active, reopened (绿色开机, until reopened_until), suspended or cancelled")
    status_text: str = Field(description="the status in words, for people")
    suspend_reason: str | None
    reopened_until: datetime | None = Field(description="while reopened: when the line is suspended again")
    suspends_at: datetime | None = Field(description="in arrears: when the lines are suspended unless paid")
    account_id: int | None
    balance_fen: int
    balance_yuan: str
    credit_fen: int
    in_arrears: bool = Field(description="balance below minus the credit")
    allowances: list[AllowanceRead] = Field(description="this cycle: voice, sms and data (none for a non-mobile line)")
    as_of: datetime

    @classmethod
    def of(cls, view: BalanceView) -> BalanceRead:
        line = view.line
        return cls(msisdn=_shown(line), line_id=line.id, line_kind=line.kind, status=view.status,
                   status_text=view.status_text, suspend_reason=line.suspend_reason, reopened_until=view.reopened_until,
                   suspends_at=view.suspends_at, account_id=view.account_id, balance_fen=view.balance_fen,
                   balance_yuan=yuan(view.balance_fen), credit_fen=view.credit_fen, in_arrears=view.in_arrears,
                   allowances=[AllowanceRead.of(a) for a in view.allowances], as_of=view.as_of)


class ReopenIn(BaseModel):
    channel: str | None = Field(None, max_length=20, description=", ".join(REOPEN_CHANNELS)
                                + " (default: online for a subscriber, hall for staff)")


class ReopenRead(BaseModel):
    msisdn: str = Field(description="masked: 138****5678")
    channel: str
    reopened_until: datetime
    message: str

    @classmethod
    def of(cls, line: Line, channel: str, until: datetime, message: str) -> ReopenRead:
        return cls(msisdn=_shown(line), channel=channel, reopened_until=until, message=message)


class PaymentCreate(BaseModel):
    msisdn: str = Field(max_length=32, description="the line's number (mobile, or a broadband/TV account)")
    amount_fen: int = Field(strict=True, description="1 .. 10,000,000 fen (100,000 yuan)")
    channel: str = Field(max_length=20, description=", ".join(CHANNELS))
    external_reference: str = Field(max_length=200, description="the channel's own reference (1..64 characters)")


class ReversalIn(BaseModel):
    reason: str = Field(max_length=500)


class PaymentRead(BaseModel):
    id: int
    msisdn: str
    line_id: int
    channel: str
    channel_name: str
    external_reference: str
    amount_fen: int
    amount_yuan: str
    status: str = Field(description="posted or reversed")
    received_at: datetime
    balance_after_fen: int | None = Field(description="the account balance right after this payment")
    reversed_at: datetime | None
    reversal_reason: str | None

    @classmethod
    def of(cls, payment: Payment, line: Line, balance_after_fen: int | None) -> PaymentRead:
        return cls(id=payment.id, msisdn=_shown(line), line_id=line.id, channel=payment.channel,
                   channel_name=CHANNELS[payment.channel], external_reference=payment.external_reference,
                   amount_fen=payment.amount_fen, amount_yuan=yuan(payment.amount_fen), status=payment.status,
                   received_at=payment.received_at, balance_after_fen=balance_after_fen,
                   reversed_at=payment.reversed_at, reversal_reason=payment.reversal_reason)


class CardBatchCreate(BaseModel):
    face_value_fen: int = Field(strict=True, description="e.g. 5000 for a 50-yuan card")
    count: int = Field(strict=True, description="1 .. 10,000 cards")
    expires_on: date = Field(description="the last local day the cards may be redeemed")
    note: str = Field("", max_length=200)


class CardBatchRead(BaseModel):
    id: int
    face_value_fen: int
    face_value_yuan: str
    count: int
    expires_on: date
    note: str
    created_at: datetime
    cards_by_status: dict[str, int]

    @classmethod
    def of(cls, batch: CardBatch, counts: dict[str, int]) -> CardBatchRead:
        return cls(id=batch.id, face_value_fen=batch.face_value_fen, face_value_yuan=yuan(batch.face_value_fen),
                   count=batch.count, expires_on=batch.expires_on, note=batch.note, created_at=batch.created_at,
                   cards_by_status=counts)


class CardBatchCreated(BaseModel):
    batch: CardBatchRead
    csv: str = Field(description="serial,pin,face_value,expires: the PINs, shown this once and never again")
    notice: str = "卡密仅此一次显示，请立即妥善保存；系统不保存明文卡密。"


class RedeemIn(BaseModel):
    serial: str = Field(max_length=40)
    pin: str = Field(max_length=40)
    msisdn: str = Field(max_length=32)


class RedeemRead(BaseModel):
    serial: str
    face_value_fen: int
    face_value_yuan: str
    payment: PaymentRead
