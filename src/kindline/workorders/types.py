"""Work-order types, statuses and the transitions between them.

Statuses are TM Forum's Trouble Ticket (TMF621) names, so operators' systems
that speak TMF621 map one to one. "Reopened" is not a status of its own: a
resolved order the customer objects to goes back to inProgress, and the
history marks that move as a reopen (KPIs count it from there). A closed order
may be reopened the same way (by the customer or staff) within 30 days of its
resolution, so that "resolved and not reopened within 30 days" can be measured;
after that the move is refused and a new work order is the way.
"""

from __future__ import annotations

from datetime import datetime, timedelta

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
# No work is done on these; a closed order comes back only by a reopen (REOPEN_WINDOW).
FINAL_STATUSES = frozenset({"closed", "cancelled", "rejected"})
REOPEN_WINDOW = timedelta(days=30)  # after the resolution, for a closed order

TRANSITIONS: dict[str, frozenset[str]] = {
    "acknowledged": frozenset({"inProgress", "pending", "held", "resolved", "cancelled", "rejected"}),
    "inProgress": frozenset({"pending", "held", "resolved", "cancelled"}),
    "pending": frozenset({"inProgress", "held", "resolved", "cancelled"}),
    "held": frozenset({"inProgress", "pending", "resolved", "cancelled"}),
    "resolved": frozenset({"closed", "inProgress"}),
    "closed": frozenset({"inProgress"}),  # a reopen, within REOPEN_WINDOW of the resolution
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
    return old in ("resolved", "closed") and new == "inProgress"


def allowed_moves(status: str, resolved_at: datetime | None, now: datetime) -> frozenset[str]:
    """The moves open at `now`: TRANSITIONS, less the reopen of a closed order
    whose resolution is more than REOPEN_WINDOW ago."""
    moves = TRANSITIONS[status]
    if status == "closed" and (resolved_at is None or now - resolved_at > REOPEN_WINDOW):
        return moves - {"inProgress"}
    return moves
