"""What the catalog API gives."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel

from kindline.catalog.models import Product, ProductVersion


class ProductRead(BaseModel):
    code: str
    name: str
    kind: str
    line_kind: str
    charge: str
    price_fen: int
    description: str
    effective_from: date
    version_id: int
    allowances: dict[str, int]
    family_slots: int
    secondary_cards: int
    shares_pool: bool
    points_price: int
    points_per_yuan: int
    sms_code: str | None
    channel_number: int | None
    terms: dict[str, Any]

    @classmethod
    def of(cls, product: Product, version: ProductVersion) -> ProductRead:
        return cls(
            code=product.code, name=version.name, kind=product.kind, line_kind=product.line_kind,
            charge=version.charge, price_fen=version.price_fen, description=version.description,
            effective_from=version.effective_from, version_id=version.id,
            allowances={"voice": version.voice_seconds, "sms": version.sms_messages, "data": version.data_bytes},
            family_slots=version.family_slots, secondary_cards=version.secondary_cards,
            shares_pool=version.shares_pool, points_price=version.points_price,
            points_per_yuan=version.points_per_yuan, sms_code=product.sms_code,
            channel_number=product.channel_number, terms=version.terms,
        )


class LoadReportRead(BaseModel):
    products_added: int
    versions_added: int
    versions_updated: int
    unchanged: int
