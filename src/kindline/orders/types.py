"""The business types a hall handles, what each needs, and the status machine."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OrderType:
    code: str
    name: str
    field_work: bool = False
    needs_line: bool = True


ORDER_TYPES = {t.code: t for t in (
    OrderType("account_opening", "开户", needs_line=False),
    OrderType("new_installation", "新装", field_work=True, needs_line=False),
    OrderType("service_change", "套餐变更"),
    OrderType("customer_info_change", "客户资料变更", needs_line=False),
    OrderType("equipment_replacement", "设备更换", field_work=True),
    OrderType("product_order", "产品订购"),
    OrderType("product_unsubscribe", "产品退订"),
    OrderType("relocation", "移机", field_work=True),
    OrderType("ownership_transfer", "过户"),
    OrderType("stb_auth_refresh", "机顶盒授权刷新"),
    OrderType("stb_auth_cancel", "机顶盒授权取消"),
    OrderType("account_closing", "销户"),
)}

STATUS_NAMES = {
    "submitted": "已提交", "accepted": "已受理", "in_progress": "处理中",
    "completed": "已办结", "cancelled": "已撤销", "rejected": "已驳回",
}

TRANSITIONS = {
    "submitted": {"accepted", "rejected", "cancelled"},
    "accepted": {"in_progress", "completed", "rejected", "cancelled"},
    "in_progress": {"completed", "cancelled"},
    "completed": set(),
    "cancelled": set(),
    "rejected": set(),
}

CHANNEL_NAMES = {
    "hall": "营业厅", "hotline": "热线", "online": "网上营业厅", "app": "掌上营业厅", "sms": "短信营业厅",
    "chat": "在线客服", "terminal": "自助终端", "partner": "合作网点",
}
SELF_SERVICE_CHANNELS = {"online", "app", "sms", "chat", "terminal"}
# What a signed-in subscriber may submit alone (the rest needs staff).
SELF_SERVICE_TYPES = {"product_order", "product_unsubscribe", "service_change", "customer_info_change",
                      "stb_auth_refresh"}
