"""The console's order form: which fields each business type asks for, what
the choices are, and how the posted fields become an OrderCreate.

The form only gathers input. Every rule (eligibility, ownership, what a type
needs) is decided by orders.service.submit, so a refusal reads the same here
as on the API, the hotline or the SMS hall.
"""

from __future__ import annotations

from datetime import date

from pydantic import ValidationError
from sqlalchemy.orm import Session

from kindline.catalog import service as catalog
from kindline.catalog.models import LINE_KINDS
from kindline.core.clock import Clock
from kindline.core.errors import Invalid
from kindline.customers import lines as line_service
from kindline.customers.models import Customer
from kindline.orders.schemas import OrderCreate
from kindline.orders.types import ORDER_TYPES
from kindline.web.present import BASE_KINDS, KIND_NAMES, held_view, shown_number

TYPE_FIELDS: dict[str, tuple[str, ...]] = {
    "account_opening": ("number", "product", "primary_line"),
    "new_installation": ("line_kind", "number", "service_address", "product", "requested_date"),
    "service_change": ("line", "product"),
    "customer_info_change": ("phone", "address"),
    "equipment_replacement": ("line", "stb_serial", "requested_date"),
    "product_order": ("line", "product"),
    "product_unsubscribe": ("line", "product"),
    "relocation": ("line", "service_address", "requested_date"),
    "ownership_transfer": ("line", "new_owner", "address"),
    "stb_auth_refresh": ("line",),
    "stb_auth_cancel": ("line",),
    "account_closing": ("line",),
}
# Lines offered for a type; the service still refuses a wrong one with its reason.
LINE_KINDS_FOR = {
    "service_change": {"mobile"},
    "equipment_replacement": {"tv"},
    "stb_auth_refresh": {"tv"},
    "stb_auth_cancel": {"tv"},
    "relocation": {"broadband", "fixed", "tv"},
}
INSTALLED_KINDS = ("broadband", "fixed", "tv")
ADDRESS_PARTS = ("province", "city", "district", "detail")

Choices = list[tuple[str, list[tuple[str, str]]]]


def open_lines(customer: Customer, order_type: str) -> list[tuple[str, str]]:
    kinds = LINE_KINDS_FOR.get(order_type)
    return [(str(line.id), f"{LINE_KINDS[line.kind]} {shown_number(line)}") for line in customer.lines
            if line.status != "cancelled" and (kinds is None or line.kind in kinds)]


def primary_lines(customer: Customer) -> list[tuple[str, str]]:
    return [(str(line.id), shown_number(line)) for line in customer.lines
            if line.kind == "mobile" and line.primary_line_id is None and line.status != "cancelled"]


def _grouped(offers) -> Choices:
    groups: dict[str, list[tuple[str, str]]] = {}
    for product, version in offers:
        label = f"{LINE_KINDS[product.line_kind]} · {KIND_NAMES.get(product.kind, product.kind)}"
        groups.setdefault(label, []).append((product.code, version.name))
    return list(groups.items())


def product_choices(session: Session, clock: Clock, customer: Customer, order_type: str) -> Choices:
    """The products worth offering for a type, grouped for a <select>."""
    today = clock.today()
    if order_type == "product_unsubscribe":
        return [(f"{LINE_KINDS[line.kind]} {shown_number(line)}",
                 [(held.product_code, held_view(session, held).name) for held in line_service.active_products(line)])
                for line in customer.lines if line.status != "cancelled" and line_service.active_products(line)]
    offers = catalog.catalog_on(session, today)
    if order_type == "account_opening":
        offers = [(p, v) for p, v in offers if p.line_kind == "mobile" and p.kind in ("plan", "secondary_card")]
    elif order_type == "new_installation":
        offers = [(p, v) for p, v in offers if p.line_kind in INSTALLED_KINDS and p.kind in BASE_KINDS]
    elif order_type == "service_change":
        offers = [(p, v) for p, v in offers if p.kind == "plan"]
    else:
        held_kinds = {line.kind for line in customer.lines if line.status != "cancelled"}
        offers = [(p, v) for p, v in offers if p.line_kind in held_kinds]
    return _grouped(offers)


def _int(fields: dict[str, str], name: str, zh: str) -> int | None:
    text = fields.get(name, "")
    if not text:
        return None
    if not text.isdigit():
        raise Invalid("invalid_form", f"{zh}应为数字。", f"field {name} must be a number", {"field": name})
    return int(text)


def _date(fields: dict[str, str]) -> date | None:
    text = fields.get("requested_date", "")
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid("invalid_form", "预约日期格式不正确，应为 年-月-日。", "requested_date is not a date") from None


def _address(fields: dict[str, str]) -> dict[str, str] | None:
    parts = {part: fields.get(part, "") for part in ADDRESS_PARTS}
    return parts if any(parts.values()) else None


def build_request(customer_id: int, fields: dict[str, str]) -> OrderCreate:
    """Only the fields the chosen type uses are read; the rest are ignored."""
    order_type = fields.get("type", "")
    if order_type not in ORDER_TYPES:
        raise Invalid("invalid_order_type", "请选择要办理的业务类型。", f"unknown order type {order_type!r}")
    wanted = TYPE_FIELDS[order_type]
    data: dict = {"type": order_type, "customer_id": customer_id, "channel": fields.get("channel") or "hall",
                  "note": fields.get("note", "")}
    if "line" in wanted:
        data["line_id"] = _int(fields, "line_id", "号码/业务")
    if "product" in wanted and fields.get("product_code"):
        data["product_codes"] = [fields["product_code"]]
    if "line_kind" in wanted:
        data["line_kind"] = fields.get("line_kind") or None
    if "number" in wanted:
        data["number"] = fields.get("number") or None
    if "primary_line" in wanted:
        data["primary_line_id"] = _int(fields, "primary_line_id", "主卡")
    for name in ("service_address", "stb_serial", "phone"):
        if name in wanted:
            data[name] = fields.get(name) or None
    if "requested_date" in wanted:
        data["requested_date"] = _date(fields)
    if order_type == "customer_info_change":
        data["address"] = _address(fields)
    if "new_owner" in wanted:
        data["new_owner_customer_id"] = _int(fields, "new_owner_customer_id", "新机主客户编号")
        if data["new_owner_customer_id"] is None and fields.get("owner_name"):
            data["new_owner"] = {"name": fields["owner_name"], "id_number": fields.get("owner_id_number", ""),
                                 "phone": fields.get("owner_phone", ""), "address": _address(fields) or {
                                     part: "" for part in ADDRESS_PARTS}, "registration_channel": data["channel"]}
    try:
        return OrderCreate.model_validate(data)
    except ValidationError as exc:
        raise Invalid("invalid_form", "填写的内容过长或格式不正确，请检查后再提交。", "order form failed validation",
                      {"errors": [e.get("loc") for e in exc.errors()]}) from None

