"""What the pages show of lines, products and orders, shaped once for both the
console and the portal so that a hall clerk and the subscriber read the same
names, prices and allowances (the same answer on every channel).

Only reading happens here: names come from the catalog version a product was
sold on, masking from core.masking, order views from the orders schema.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from kindline.catalog import service as catalog
from kindline.catalog.models import LINE_KINDS, ProductVersion
from kindline.core.clock import Clock
from kindline.core.masking import mask_phone
from kindline.core.money import yuan
from kindline.customers import lines as line_service
from kindline.customers.models import Line, LineProduct
from kindline.orders.models import Order
from kindline.orders.schemas import OrderRead
from kindline.orders.types import CHANNEL_NAMES, STATUS_NAMES

LINE_STATUS_NAMES = {"active": "正常", "suspended": "停机", "cancelled": "已销户"}
SUSPEND_REASON_NAMES = {"arrears": "欠费", "request": "用户申请"}
TV_AUTH_NAMES = {"authorized": "已授权", "cancelled": "已取消授权"}
# The product that is a line's base service; everything else on it is an add-on.
BASE_KINDS = {"plan", "secondary_card", "broadband", "fixed_line", "tv_package"}
KIND_NAMES = {
    "plan": "套餐", "secondary_card": "副卡", "family_pack": "亲情关爱", "data_pack": "流量包",
    "auto_upgrade": "流量自动升级", "broadband": "宽带", "broadband_speedup": "宽带提速", "fixed_line": "固话套餐",
    "iptv": "IPTV电视", "tv_package": "电视基本包", "tv_channel": "热门频道", "tv_premium": "精品频道",
    "equipment": "设备", "recharge_card": "充值卡",
}
CHARGE_NAMES = {"monthly": "元/月", "once": "元/次"}


def shown_number(line: Line) -> str:
    """Mobile numbers are phone numbers: masked like every phone (rule 7)."""
    return mask_phone(line.number) if line.kind == "mobile" else line.number


@dataclass
class ProductView:
    code: str
    name: str
    kind: str
    kind_name: str
    price: str
    description: str
    voice_seconds: int = 0
    sms_messages: int = 0
    data_bytes: int = 0

    @property
    def has_allowance(self) -> bool:
        return bool(self.voice_seconds or self.sms_messages or self.data_bytes)


def product_view(code: str, kind: str, version: ProductVersion) -> ProductView:
    return ProductView(code=code, name=version.name, kind=kind, kind_name=KIND_NAMES.get(kind, kind),
                       price=f"{yuan(version.price_fen)}{CHARGE_NAMES.get(version.charge, '元')}",
                       description=version.description, voice_seconds=version.voice_seconds,
                       sms_messages=version.sms_messages, data_bytes=version.data_bytes)


def held_view(session: Session, held: LineProduct) -> ProductView:
    """A held product under the name and terms of the version it was sold on."""
    version = catalog.version_by_id(session, held.product_version_id)
    return product_view(held.product_code, version.product.kind, version)


@dataclass
class LineView:
    id: int
    kind: str
    kind_name: str
    number: str
    status: str
    status_name: str
    base: list[ProductView] = field(default_factory=list)
    addons: list[ProductView] = field(default_factory=list)
    family_numbers: list[tuple[str, str]] = field(default_factory=list)
    secondary_cards: list[str] = field(default_factory=list)
    primary_number: str | None = None
    service_address: str | None = None
    stb_serial: str | None = None
    tv_authorization: str | None = None

    @property
    def products(self) -> list[ProductView]:
        return self.base + self.addons


def line_view(session: Session, line: Line) -> LineView:
    held = [held_view(session, p) for p in line_service.active_products(line)]
    status_name = LINE_STATUS_NAMES.get(line.status, line.status)
    if line.status == "suspended" and line.suspend_reason:
        status_name += f"（{SUSPEND_REASON_NAMES.get(line.suspend_reason, line.suspend_reason)}）"
    primary = session.get(Line, line.primary_line_id) if line.primary_line_id else None
    return LineView(
        id=line.id, kind=line.kind, kind_name=LINE_KINDS.get(line.kind, line.kind), number=shown_number(line),
        status=line.status, status_name=status_name,
        base=[p for p in held if p.kind in BASE_KINDS], addons=[p for p in held if p.kind not in BASE_KINDS],
        family_numbers=[(mask_phone(f.number), f.relation) for f in line.family_numbers],
        secondary_cards=[shown_number(card) for card in line_service.secondary_cards(session, line)
                         if card.status != "cancelled"],
        primary_number=shown_number(primary) if primary else None,
        service_address=line.service_address, stb_serial=line.stb_serial,
        tv_authorization=TV_AUTH_NAMES.get(line.tv_authorization or "", None),
    )


@dataclass
class OrderView:
    order: OrderRead
    products: list[str]
    line_number: str | None
    channel_name: str
    history: list[dict]


def order_view(session: Session, clock: Clock, order: Order) -> OrderView:
    """The order as OrderRead shapes it (personal data masked), with names."""
    read = OrderRead.of(order)
    codes = list(read.request.get("product_codes") or [])
    names = catalog.names(session, codes, clock.today()) if codes else {}
    line = session.get(Line, order.line_id) if order.line_id else None
    history = [{"from": STATUS_NAMES.get(t.from_status or "", ""), "to": STATUS_NAMES.get(t.to_status, t.to_status),
                "at": t.at, "actor": t.actor, "note": t.note} for t in read.history]
    return OrderView(order=read, products=[names.get(code, code) for code in codes],
                     line_number=shown_number(line) if line else None,
                     channel_name=CHANNEL_NAMES.get(order.channel, order.channel), history=history)
