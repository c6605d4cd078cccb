"""What the statements API gives: bills, detailed records and points. Money is
integer fen with the yuan text beside it; numbers leave masked."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from kindline.billing.bills import Bill, FeeLine, RecordRow
from kindline.billing.points import PointsView
from kindline.core.money import yuan


class FeeLineRead(BaseModel):
    line_id: int
    number: str = Field(description="masked for mobile numbers")
    product_code: str
    name: str
    list_price_fen: int
    amount_fen: int
    amount_yuan: str
    basis: str = Field(description="month, prorata, once, bundled, points or changed")
    basis_name: str
    points_earned: int
    charged_at: datetime

    @classmethod
    def of(cls, fee: FeeLine) -> FeeLineRead:
        return cls(line_id=fee.line_id, number=fee.number, product_code=fee.product_code, name=fee.name,
                   list_price_fen=fee.list_price_fen, amount_fen=fee.amount_fen, amount_yuan=yuan(fee.amount_fen),
                   basis=fee.basis, basis_name=fee.basis_name, points_earned=fee.points_earned,
                   charged_at=fee.charged_at)


class BillRead(BaseModel):
    """opening + payments - reversals - fees - usage + adjustments = closing."""

    account_id: int | None
    cycle: str
    starts_at: datetime
    ends_at: datetime
    closed: bool = Field(description="false while the cycle runs: the bill so far")
    opening_fen: int
    payments_fen: int
    reversals_fen: int = Field(description="payments taken back (冲正), positive")
    fees_fen: int
    usage_fen: int
    usage_by_kind_fen: dict[str, int]
    adjustments_fen: int
    closing_fen: int
    opening_yuan: str
    closing_yuan: str
    fees: list[FeeLineRead]
    points_earned: int

    @classmethod
    def of(cls, bill: Bill) -> BillRead:
        return cls(account_id=bill.account_id, cycle=bill.cycle, starts_at=bill.starts_at, ends_at=bill.ends_at,
                   closed=bill.closed, opening_fen=bill.opening_fen, payments_fen=bill.payments_fen,
                   reversals_fen=bill.reversals_fen, fees_fen=bill.fees_fen, usage_fen=bill.usage_fen,
                   usage_by_kind_fen=bill.usage_by_kind, adjustments_fen=bill.adjustments_fen,
                   closing_fen=bill.closing_fen, opening_yuan=yuan(bill.opening_fen),
                   closing_yuan=yuan(bill.closing_fen), fees=[FeeLineRead.of(f) for f in bill.fee_lines],
                   points_earned=bill.points_earned)


class RecordRead(BaseModel):
    started_at: datetime
    local_time: str = Field(description="operator time zone, YYYY-MM-DD HH:MM:SS")
    kind: str
    kind_name: str
    peer: str = Field(description="masked: 138****5678; empty for data")
    quantity: int = Field(description="seconds, messages or bytes")
    quantity_text: str
    free: bool = Field(description="between family numbers (亲情号)")
    charge_fen: int
    charge_yuan: str

    @classmethod
    def of(cls, row: RecordRow) -> RecordRead:
        return cls(**row.__dict__)


class RecordsPage(BaseModel):
    cycle: str
    items: list[RecordRead]
    total: int
    page: int
    size: int


class PointsBatchRead(BaseModel):
    expires_on: date
    points: int


class PointsRead(BaseModel):
    account_id: int | None
    balance: int
    expiring: list[PointsBatchRead] = Field(description="soonest first")
    as_of: datetime

    @classmethod
    def of(cls, view: PointsView) -> PointsRead:
        return cls(account_id=view.account_id, balance=view.balance, as_of=view.as_of,
                   expiring=[PointsBatchRead(expires_on=b.expires_on, points=b.points) for b in view.batches])


class RedemptionIn(BaseModel):
    product_code: str = Field(max_length=40)
    channel: str | None = Field(None, max_length=12, description="default: hall for staff, app for subscribers")


class RedemptionRead(BaseModel):
    order_id: int
    order_status: str
    product_code: str
    points_spent: int
    points_balance: int
