"""Tables of the billing domain: accounts and their ledger, payments, recharge
cards and the failed card tries that lock guessing out, monthly and one-off
fees, and points (积分) with their redemptions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kindline.core.db import Base, UTCDateTime


class BillingAccount(Base):
    """One prepaid account per customer. `balance_fen` is a cache of the sum of
    the ledger, changed only by `service.post`, under a row lock."""

    __tablename__ = "billing_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), unique=True)
    balance_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LedgerEntry(Base):
    """Every change of a balance: signed amount and the balance after it."""

    __tablename__ = "ledger_entries"
    __table_args__ = (Index("ix_ledger_account", "account_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("billing_accounts.id"))
    kind: Mapped[str] = mapped_column(String(16))  # see service.LEDGER_KINDS
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    balance_after_fen: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    reference: Mapped[str] = mapped_column(String(64), index=True)  # "payment:12", "fee:7:2026-11", "usage:<batch>"
    line_id: Mapped[int | None] = mapped_column(ForeignKey("lines.id"))
    actor: Mapped[str] = mapped_column(String(40))  # "staff:3", "subscriber:12" or "system"


class Payment(Base):
    """Money received on one channel. (channel, external_reference) is the
    natural key: the same reference twice is one payment."""

    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("channel", "external_reference"),
        Index("ix_payments_line", "line_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("billing_accounts.id"), index=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id"))
    channel: Mapped[str] = mapped_column(String(16))
    external_reference: Mapped[str] = mapped_column(String(64))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10), default="posted")  # posted, reversed
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(40))
    reversed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reversed_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    reversal_reason: Mapped[str | None] = mapped_column(String(500))


class CardBatch(Base):
    """A batch of recharge cards (充值卡/点卡) of one face value and expiry."""

    __tablename__ = "card_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    face_value_fen: Mapped[int] = mapped_column(BigInteger)
    count: Mapped[int]
    expires_on: Mapped[date] = mapped_column(Date)  # valid through this local date
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))


class RechargeCard(Base):
    """One card. The PIN is kept only as a keyed hash (see cards.pin_digest)."""

    __tablename__ = "recharge_cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("card_batches.id"), index=True)
    serial: Mapped[str] = mapped_column(String(24), unique=True)
    pin_hash: Mapped[str] = mapped_column(String(80))
    face_value_fen: Mapped[int] = mapped_column(BigInteger)
    expires_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="active")  # active, used
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_line_id: Mapped[int | None] = mapped_column(ForeignKey("lines.id"))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"))


class CardFailure(Base):
    """A failed redemption (wrong PIN or unknown serial), counted per line and
    per card to lock out guessing."""

    __tablename__ = "card_failures"
    __table_args__ = (
        Index("ix_card_failures_line_at", "line_id", "at"),
        Index("ix_card_failures_card_at", "card_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id"))
    card_id: Mapped[int | None] = mapped_column(ForeignKey("recharge_cards.id"))
    reason: Mapped[str] = mapped_column(String(16))  # wrong_pin, unknown_card


class Fee(Base):
    """What one product on a line costs for one cycle (月租), or once for a
    one-off product. (line_product_id, cycle) is the natural key: a rerun of the
    cycle start, or two workers on the same batch, charge nothing twice. Zero
    fees are kept as well (a bundled product, one bought with points, the new
    plan of a mid-cycle change), so the bill says why a product cost nothing."""

    __tablename__ = "fees"
    __table_args__ = (
        UniqueConstraint("line_product_id", "cycle"),
        Index("ix_fees_account_charged", "account_id", "charged_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    line_product_id: Mapped[int] = mapped_column(ForeignKey("line_products.id"))
    cycle: Mapped[str] = mapped_column(String(7))
    account_id: Mapped[int] = mapped_column(ForeignKey("billing_accounts.id"))
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id"))
    product_code: Mapped[str] = mapped_column(String(40))
    product_version_id: Mapped[int] = mapped_column(ForeignKey("product_versions.id"))
    list_price_fen: Mapped[int] = mapped_column(BigInteger)
    amount_fen: Mapped[int] = mapped_column(BigInteger)  # what was taken from the balance (>= 0)
    basis: Mapped[str] = mapped_column(String(10))  # see fees.BASIS_NAMES
    points_earned: Mapped[int] = mapped_column(default=0)
    charged_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PointGrant(Base):
    """积分: points earned by one fee, spent oldest-expiry first, gone after the
    last day of the twelfth month after the month they were earned in."""

    __tablename__ = "point_grants"
    __table_args__ = (
        UniqueConstraint("source"),
        Index("ix_point_grants_account", "account_id", "expires_on"),
        Index("ix_point_grants_expires", "expires_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("billing_accounts.id"))
    source: Mapped[str] = mapped_column(String(64))  # "fee:<fee id>"
    earned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    amount: Mapped[int]
    remaining: Mapped[int]
    expired: Mapped[int] = mapped_column(default=0)  # what the expiry job took
    expires_on: Mapped[date] = mapped_column(Date)  # usable through this local date


class PointRedemption(Base):
    """Points spent on one order (积分兑换); the order is the idempotent unit."""

    __tablename__ = "point_redemptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("billing_accounts.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id"))
    points: Mapped[int]
    at: Mapped[datetime] = mapped_column(UTCDateTime)
