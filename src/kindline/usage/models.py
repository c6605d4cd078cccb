"""Tables of usage rating: every rated record (the source of 详单 and of the
usage part of bills) and the running totals of each allowance pool per cycle.

A pool is the primary line with the secondary cards that share its allowance;
`pool_line_id` is the primary's id. A cycle is the natural month in the
operator's time zone, written "YYYY-MM".
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from kindline.core.db import Base, UTCDateTime

USAGE_KINDS = ("voice", "sms", "data")
KIND_NAMES_ZH = {"voice": "通话", "sms": "短信", "data": "流量"}
KIND_UNITS_ZH = {"voice": "秒", "sms": "条", "data": "字节"}

BigId = BigInteger().with_variant(Integer, "sqlite")  # SQLite auto-increments INTEGER keys only


class UsageRecord(Base):
    """One rated record. `record_id` is the network's id: the same id twice is rated once."""

    __tablename__ = "usage_records"
    __table_args__ = (
        Index("ix_usage_records_line_cycle", "line_id", "cycle", "started_at"),
        # Bills sum an account's charges; most records are within the allowance and
        # charge nothing, so only charged ones are indexed: an index entry on every
        # record cost rating a random page write each.
        Index("ix_usage_records_account_charged", "account_id", "cycle",
              sqlite_where=text("charge_fen > 0"), postgresql_where=text("charge_fen > 0")),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    record_id: Mapped[str] = mapped_column(String(64), unique=True)
    # The line and the account are not foreign keys: rating has just read both in
    # the same transaction, lines and accounts are never deleted, and a key check
    # per record (on PostgreSQL an index probe and a row lock each) cost more than
    # writing the record.
    line_id: Mapped[int] = mapped_column(Integer)
    pool_line_id: Mapped[int] = mapped_column(Integer)
    account_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(5))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cycle: Mapped[str] = mapped_column(String(7))
    quantity: Mapped[int] = mapped_column(BigInteger)  # as received: seconds, messages or bytes
    rated_quantity: Mapped[int] = mapped_column(BigInteger)  # rounded up to the product's unit
    peer: Mapped[str | None] = mapped_column(String(32))
    free: Mapped[bool] = mapped_column(default=False)  # between family numbers (亲情号)
    allowance_used: Mapped[int] = mapped_column(BigInteger, default=0)  # taken from the pool (incl. upgrade packs)
    overage_quantity: Mapped[int] = mapped_column(BigInteger, default=0)  # beyond allowance and packs
    upgrade_packs: Mapped[int] = mapped_column(default=0)  # auto-upgrade packs this record switched on
    upgrade_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    overage_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    charge_fen: Mapped[int] = mapped_column(BigInteger, default=0)  # upgrade_fen + overage_fen
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    batch: Mapped[str] = mapped_column(String(40))  # the run that rated it


class UsageCounter(Base):
    """What a pool has used of one kind in one cycle (free records excluded),
    and how many auto-upgrade packs it has switched on."""

    __tablename__ = "usage_counters"
    __table_args__ = (UniqueConstraint("pool_line_id", "cycle", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_line_id: Mapped[int] = mapped_column(ForeignKey("lines.id"))
    cycle: Mapped[str] = mapped_column(String(7))
    kind: Mapped[str] = mapped_column(String(5))
    used: Mapped[int] = mapped_column(BigInteger, default=0)  # taken from the allowance and upgrade packs
    overage: Mapped[int] = mapped_column(BigInteger, default=0)  # beyond them, charged per started block
    upgrades: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
