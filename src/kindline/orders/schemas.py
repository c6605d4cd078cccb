"""What the orders API takes and gives."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from kindline.core.masking import mask_id_number, mask_phone
from kindline.customers.schemas import AddressIn, CustomerCreate
from kindline.orders.models import Order
from kindline.orders.types import ORDER_TYPES, STATUS_NAMES


class OrderCreate(BaseModel):
    """One shape for every business type; `type` says which fields matter:
    account_opening (line_kind mobile, number, product_codes with a plan, optional primary_line_id),
    new_installation (line_kind, number, service_address, product_codes, requested_date),
    service_change (line_id, product_codes with the new plan), customer_info_change (phone and/or address),
    equipment_replacement (line_id, stb_serial, requested_date), product_order / product_unsubscribe
    (line_id, product_codes, pay_with), relocation (line_id, service_address, requested_date),
    ownership_transfer (line_id, new_owner_customer_id or new_owner), stb_auth_refresh / stb_auth_cancel
    (line_id), account_closing (line_id)."""

    type: str
    customer_id: int
    channel: str = "hall"
    line_id: int | None = None
    product_codes: list[str] = Field(default_factory=list, max_length=20)
    line_kind: str | None = None
    number: str | None = Field(None, max_length=32)
    primary_line_id: int | None = None
    service_address: str | None = Field(None, max_length=200)
    stb_serial: str | None = Field(None, max_length=40)
    phone: str | None = Field(None, max_length=30)
    address: AddressIn | None = None
    new_owner_customer_id: int | None = None
    new_owner: CustomerCreate | None = None
    requested_date: date | None = None
    note: str = Field("", max_length=500)
    pay_with: str = Field("money", max_length=10,
                          description="money, or points (积分兑换: a product_order of products with a points price)")


class TransitionIn(BaseModel):
    to: str
    reason: str = Field("", max_length=500)


class TransitionRead(BaseModel):
    from_status: str | None
    to_status: str
    at: datetime
    actor: str
    note: str


class OrderRead(BaseModel):
    id: int
    type: str
    type_name: str
    status: str
    status_name: str
    customer_id: int
    line_id: int | None
    channel: str
    owner_id: int | None
    needs_field_work: bool
    requested_date: date | None
    reason: str | None
    request: dict[str, Any]
    result: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    history: list[TransitionRead]

    @classmethod
    def of(cls, order: Order) -> OrderRead:
        return cls(
            id=order.id, type=order.type, type_name=ORDER_TYPES[order.type].name, status=order.status,
            status_name=STATUS_NAMES[order.status], customer_id=order.customer_id, line_id=order.line_id,
            channel=order.channel, owner_id=order.owner_id, needs_field_work=order.needs_field_work,
            requested_date=order.requested_date, reason=order.reason, request=_masked(order.request),
            result=order.result, created_at=order.created_at, updated_at=order.updated_at,
            history=[TransitionRead(from_status=t.from_status, to_status=t.to_status, at=t.at, actor=t.actor,
                                    note=t.note) for t in order.history],
        )


def _masked(request: dict[str, Any]) -> dict[str, Any]:
    """The stored request without the personal data it may carry."""
    shown = dict(request)
    if shown.get("phone"):
        shown["phone"] = mask_phone(shown["phone"])
    if shown.get("new_owner"):
        owner = dict(shown["new_owner"])
        owner["id_number"] = mask_id_number(owner.get("id_number", ""))
        owner["phone"] = mask_phone(owner.get("phone", ""))
        shown["new_owner"] = owner
    return shown
