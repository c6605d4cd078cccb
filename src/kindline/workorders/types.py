"""Work-order types, statuses and the transitions between them.

Statuses are TM Forum's Trouble Ticket (TMF621) names, so operators' systems
that speak TMF621 map one to one. "Reopened" is not a status of its own: a
resolved order the customer objects to goes back to inProgress, and the
history marks that move as a reopen (KPIs count it from there).
"""

from __future__ import annotations

TYPES = {
    "installation": "装机",
    "relocation": "移机",
    "repair": "故障维修",
    "complaint": "投诉",
    "consultation": "咨询",
    "coverage": "网络覆盖反映",
}
# Types a technician visits: they get appointments and a field team.
FIELD_TYPES = frozenset({"installation", "relocation", "repair", "coverage"})

STATUS_NAMES = {
    "acknowledged": "已受理",
    "inProgress": "处理中",
    "pending": "待客户配合",
    "held": "内部挂起",
    "resolved": "已解决",
    "closed": "已关闭",
    "cancelled": "已撤销",
    "rejected": "已驳回",
}
OPEN_STATUSES = frozenset({"acknowledged", "inProgress", "pending", "held"})
FINAL_STATUSES = frozenset({"closed", "cancelled", "rejected"})

TRANSITIONS: dict[str, frozenset[str]] = {
    "acknowledged": frozenset({"inProgress", "pending", "held", "resolved", "cancelled", "rejected"}),
    "inProgress": frozenset({"pending", "held", "resolved", "cancelled"}),
    "pending": frozenset({"inProgress", "held", "resolved", "cancelled"}),
    "held": frozenset({"inProgress", "pending", "resolved", "cancelled"}),
    "resolved": frozenset({"closed", "inProgress"}),
    "closed": frozenset(),
    "cancelled": frozenset(),
    "rejected": frozenset(),
}
# Moves that must say why (the reason is kept in the history and told to the owner).
REASON_REQUIRED = frozenset({"pending", "held", "cancelled", "rejected"})

PRIORITIES = {"low": "低", "normal": "普通", "high": "高", "urgent": "紧急"}

CHANNELS = {
    "console": "客服系统", "portal": "网上营业厅", "hotline": "热线", "sms": "短信营业厅", "chat": "在线客服",
    "hall": "营业厅", "12315": "12315平台", "order": "业务订单", "system": "系统",
}


def is_reopen(old: str, new: str) -> bool:
    return old == "resolved" and new == "inProgress"
