"""`kindline catalog load FILE`: read a YAML catalog and store it as dated versions.

Loading is idempotent: the same file twice changes nothing. A changed product
needs a new `effective_from`; rewriting a version already in force is refused,
because lines may have been sold on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from kindline.catalog.models import Product, ProductVersion
from kindline.core.clock import Clock
from kindline.core.errors import Conflict, Invalid

KINDS = ("plan", "secondary_card", "family_pack", "data_pack", "auto_upgrade", "broadband", "broadband_speedup",
         "fixed_line", "iptv", "tv_package", "tv_channel", "tv_premium", "equipment", "recharge_card")

_VERSION_FIELDS = ("name", "description", "charge", "price_fen", "allowances", "overage", "rounding",
                   "family_slots", "secondary_cards", "shares_pool", "bundled", "auto_upgrade", "eligibility",
                   "points_price", "points_per_yuan")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Allowances(_Strict):
    voice: int = Field(0, ge=0)
    sms: int = Field(0, ge=0)
    data: int = Field(0, ge=0)


class UnitPrice(_Strict):
    price_fen: int = Field(ge=0)
    per: int = Field(gt=0)


class Eligibility(_Strict):
    min_age: int | None = Field(None, ge=0, le=150)
    requires_products: list[str] = []
    segments_any: list[str] = []


class VersionSpec(_Strict):
    effective_from: date
    name: str | None = None
    description: str | None = None
    charge: Literal["monthly", "once"] | None = None
    price_fen: int | None = Field(None, ge=0)
    allowances: Allowances | None = None
    overage: dict[Literal["voice", "sms", "data"], UnitPrice] | None = None
    rounding: dict[Literal["voice", "sms", "data"], Annotated[int, Field(gt=0)]] | None = None  # units of 1 or more
    family_slots: int | None = Field(None, ge=0, le=3)
    secondary_cards: int | None = Field(None, ge=0)
    shares_pool: bool | None = None
    bundled: list[str] | None = None
    auto_upgrade: dict[str, int] | None = None
    eligibility: Eligibility | None = None
    points_price: int | None = Field(None, ge=0)
    points_per_yuan: int | None = Field(None, ge=0)


class ProductSpec(VersionSpec):
    effective_from: date | None = None  # type: ignore[assignment]
    code: str = Field(pattern=r"^[A-Z0-9][A-Z0-9-]{0,39}$")
    name: str
    kind: Literal[KINDS]  # type: ignore[valid-type]
    line_kind: Literal["mobile", "broadband", "fixed", "tv"]
    charge: Literal["monthly", "once"]
    price_fen: int = Field(ge=0)
    sms_code: str | None = None
    channel_number: int | None = None
    versions: list[VersionSpec] = []


class CatalogSpec(_Strict):
    operator: str = ""
    effective_from: date
    products: list[ProductSpec]


@dataclass
class LoadReport:
    products_added: int = 0
    versions_added: int = 0
    versions_updated: int = 0
    unchanged: int = 0
    codes: list[str] = field(default_factory=list)


def _version_rows(spec: ProductSpec, default_from: date) -> list[dict[str, Any]]:
    """Each dated version as the full set of column values (later ones inherit)."""
    current = {name: getattr(spec, name) for name in _VERSION_FIELDS}
    current["effective_from"] = spec.effective_from or default_from
    rows = [_columns(current)]
    for later in sorted(spec.versions, key=lambda v: v.effective_from):
        current = {**current, **later.model_dump(exclude_unset=True)}
        current["effective_from"] = later.effective_from
        rows.append(_columns(current))
    return rows


def _columns(values: dict[str, Any]) -> dict[str, Any]:
    def plain(value):
        return value.model_dump(exclude_defaults=True) if isinstance(value, BaseModel) else value

    allowances = values.get("allowances")
    allowances = plain(allowances) if allowances is not None else {}
    terms = {key: plain(values[key]) for key in ("overage", "rounding", "auto_upgrade", "bundled", "eligibility")
             if values.get(key)}
    if "overage" in terms:
        terms["overage"] = {k: plain(v) for k, v in values["overage"].items()}
    return {
        "effective_from": values["effective_from"], "name": values["name"],
        "description": values.get("description") or "", "charge": values["charge"],
        "price_fen": values["price_fen"], "voice_seconds": allowances.get("voice", 0),
        "sms_messages": allowances.get("sms", 0), "data_bytes": allowances.get("data", 0),
        "family_slots": values.get("family_slots") or 0, "secondary_cards": values.get("secondary_cards") or 0,
        "shares_pool": bool(values.get("shares_pool")), "points_price": values.get("points_price") or 0,
        "points_per_yuan": values.get("points_per_yuan") or 0, "terms": terms,
    }


def parse(text: str) -> CatalogSpec:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise Invalid("invalid_catalog", "产品目录文件不是有效的 YAML。", f"YAML error: {exc}") from None
    try:
        spec = CatalogSpec.model_validate(data)
    except ValidationError as exc:
        raise Invalid("invalid_catalog", "产品目录文件内容有误。", "catalog does not match the format",
                      exc.errors(include_url=False, include_context=False)) from None
    codes = [p.code for p in spec.products]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        raise Invalid("invalid_catalog", "产品编码重复。", f"duplicate codes {duplicates}", duplicates)
    known = set(codes)
    for product in spec.products:
        for version in [product, *product.versions]:
            refs = list(version.bundled or []) + list(version.eligibility.requires_products if version.eligibility else [])
            missing = [r for r in refs if r not in known]
            if missing:
                raise Invalid("invalid_catalog", "产品目录引用了不存在的产品。",
                              f"{product.code} refers to unknown products {missing}", missing)
    return spec


def load(session: Session, clock: Clock, text: str) -> LoadReport:
    spec = parse(text)
    report = LoadReport()
    today = clock.today()
    for product_spec in spec.products:
        product = session.scalar(select(Product).where(Product.code == product_spec.code))
        if product is None:
            product = Product(code=product_spec.code, kind=product_spec.kind, line_kind=product_spec.line_kind)
            session.add(product)
            report.products_added += 1
        elif (product.kind, product.line_kind) != (product_spec.kind, product_spec.line_kind):
            raise Conflict("catalog_kind_change", "产品类型不能更改，请新建产品编码。",
                           f"{product.code}: kind/line_kind cannot change")
        product.sms_code, product.channel_number = product_spec.sms_code, product_spec.channel_number
        existing = {v.effective_from: v for v in product.versions}
        for row in _version_rows(product_spec, spec.effective_from):
            version = existing.get(row["effective_from"])
            if version is None:
                product.versions.append(ProductVersion(**row))
                report.versions_added += 1
            elif all(getattr(version, key) == value for key, value in row.items()):
                report.unchanged += 1
            elif version.effective_from <= today:
                raise Conflict("catalog_version_in_force", "已生效的产品版本不能修改，请用新的生效日期。",
                               f"{product.code} version of {version.effective_from} is in force; add a new effective_from")
            else:
                for key, value in row.items():
                    setattr(version, key, value)
                report.versions_updated += 1
        report.codes.append(product.code)
    session.flush()
    return report


def load_file(session: Session, clock: Clock, path: Path) -> LoadReport:
    return load(session, clock, Path(path).read_text(encoding="utf-8"))


DEMO_CATALOG = Path(__file__).resolve().parent.parent / "demo" / "catalog.yaml"
