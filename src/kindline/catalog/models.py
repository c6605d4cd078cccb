"""Products and their dated versions. A sale pins the version in force that day,
so a later price change never rewrites what was sold before."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import BigInteger, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kindline.core.db import Base, JSONType

LINE_KINDS = {"mobile": "手机", "broadband": "宽带", "fixed": "固话", "tv": "电视"}
# The one base product a line holds; replacing it is a service change (套餐变更).
BASE_KINDS = frozenset({"plan", "broadband", "fixed_line", "tv_package"})
# What a subscriber may order or drop alone on a self-service channel. Base
# services, secondary cards, equipment and recharge cards need a hall, a
# technician or a payment.
SELF_SERVICE_KINDS = frozenset({"data_pack", "auto_upgrade", "family_pack", "broadband_speedup", "iptv",
                                "tv_channel", "tv_premium"})


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(24), index=True)
    line_kind: Mapped[str] = mapped_column(String(12))
    sms_code: Mapped[str | None] = mapped_column(String(12))
    channel_number: Mapped[int | None]

    versions: Mapped[list[ProductVersion]] = relationship(back_populates="product",
                                                          order_by="ProductVersion.effective_from")


class ProductVersion(Base):
    __tablename__ = "product_versions"
    __table_args__ = (UniqueConstraint("product_id", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    effective_from: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(500), default="")
    charge: Mapped[str] = mapped_column(String(10))  # monthly, once
    price_fen: Mapped[int]
    voice_seconds: Mapped[int] = mapped_column(default=0)
    sms_messages: Mapped[int] = mapped_column(default=0)
    data_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    family_slots: Mapped[int] = mapped_column(default=0)
    secondary_cards: Mapped[int] = mapped_column(default=0)
    shares_pool: Mapped[bool] = mapped_column(default=False)
    points_price: Mapped[int] = mapped_column(default=0)
    points_per_yuan: Mapped[int] = mapped_column(default=0)
    # overage, rounding, auto_upgrade, bundled, eligibility: read by rating and eligibility.
    terms: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)

    product: Mapped[Product] = relationship(back_populates="versions")
