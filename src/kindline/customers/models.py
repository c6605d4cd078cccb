"""Tables of the customers domain."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kindline.core.db import Base, UTCDateTime


class Customer(Base):
    """A real-name record (实名登记). Birth date and gender come from the ID number."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    birth_date: Mapped[date] = mapped_column(Date)
    gender: Mapped[str] = mapped_column(String(1))  # "M" or "F"
    phone: Mapped[str] = mapped_column(String(20), index=True)
    province: Mapped[str] = mapped_column(String(40))
    city: Mapped[str] = mapped_column(String(40), index=True)
    district: Mapped[str] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(200))
    registration_channel: Mapped[str] = mapped_column(String(20))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    vip_level: Mapped[int] = mapped_column(default=0)
    vip_source: Mapped[str | None] = mapped_column(String(10))  # "staff" or "spend"

    lines: Mapped[list[Line]] = relationship(back_populates="customer", order_by="Line.id")
    priority_groups: Mapped[list[PriorityGroup]] = relationship(order_by="PriorityGroup.id")
    care_archive: Mapped[CareArchive | None] = relationship(uselist=False)


class PriorityGroup(Base):
    """A hall priority group (disabled, pregnant, military, outdoor worker), with who verified it."""

    __tablename__ = "customer_priority_groups"
    __table_args__ = (UniqueConstraint("customer_id", "group_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    group_name: Mapped[str] = mapped_column(String(20))
    verified_by: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(String(200), default="")


class CareArchive(Base):
    """特殊用户档案: for example an elderly person living alone, visited monthly."""

    __tablename__ = "care_archives"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), unique=True)
    reason: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str] = mapped_column(String(100))
    contact_phone: Mapped[str] = mapped_column(String(20))
    visit_plan: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Line(Base):
    """A service: a mobile number, a broadband account, a fixed line or a TV service."""

    __tablename__ = "lines"
    __table_args__ = (UniqueConstraint("kind", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # mobile, broadband, fixed, tv
    number: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(12), default="active")  # active, suspended, cancelled
    suspend_reason: Mapped[str | None] = mapped_column(String(12))  # arrears, request
    primary_line_id: Mapped[int | None] = mapped_column(ForeignKey("lines.id"), index=True)  # a pool's secondary cards
    service_address: Mapped[str | None] = mapped_column(String(200))
    stb_serial: Mapped[str | None] = mapped_column(String(40))
    tv_authorization: Mapped[str | None] = mapped_column(String(12))  # authorized, cancelled
    activated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped whenever what rating reads of the line changes (products, family
    # numbers, holder, pool members): raters keep terms in memory and reload
    # a line only when this moved (customers/lines.terms_changed).
    terms_version: Mapped[int] = mapped_column(default=0, server_default="0")

    customer: Mapped[Customer] = relationship(back_populates="lines")
    products: Mapped[list[LineProduct]] = relationship(order_by="LineProduct.id")
    family_numbers: Mapped[list[FamilyNumber]] = relationship(order_by="FamilyNumber.id")


class LineProduct(Base):
    """A product on a line, pinned to the catalog version sold (a later price
    change never rewrites it)."""

    __tablename__ = "line_products"
    __table_args__ = (Index("ix_line_products_active", "line_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id"))
    product_code: Mapped[str] = mapped_column(String(40))
    product_version_id: Mapped[int] = mapped_column(ForeignKey("product_versions.id"))
    status: Mapped[str] = mapped_column(String(10), default="active")  # active, ended
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    order_id: Mapped[int | None]  # the order that sold it, when one did


class FamilyNumber(Base):
    """亲情号: numbers that call the elder-plan line (and each other) free."""

    __tablename__ = "family_numbers"
    __table_args__ = (UniqueConstraint("line_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id"))
    number: Mapped[str] = mapped_column(String(20), index=True)  # who lists a number (free both ways)
    relation: Mapped[str] = mapped_column(String(20))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LocationConsent(Base):
    """The elder's consent for a family member to view the line's location."""

    __tablename__ = "location_consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id"), index=True)
    viewer_number: Mapped[str] = mapped_column(String(20))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SignInCode(Base):
    """A one-time portal sign-in code; only its hash is kept."""

    __tablename__ = "signin_codes"
    __table_args__ = (Index("ix_signin_codes_phone_created", "phone", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20))
    code_hash: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
