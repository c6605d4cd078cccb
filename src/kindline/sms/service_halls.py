"""The SMS hall's hall commands: 营业厅 (YYT) answers the halls nearest to the
subscriber's registered address, and 取号 (QH) + a category takes a remote
ticket at the nearest hall open now, held 30 minutes for check-in.

Both ask the halls domain (the finder, tickets.take) exactly as the portal
does; only the words for a small screen are written here.
"""

from __future__ import annotations

from kindline.customers import service as customers
from kindline.halls import finder, tickets
from kindline.halls.types import CATEGORIES
from kindline.sms.context import Turn

# What people type after 取号: the category's words, its letter or its place in the list.
CATEGORY_WORDS = {
    "business": ("业务办理", "业务", "办理", "办业务", "A", "1"),
    "payment": ("缴费充值", "缴费", "交费", "充值", "B", "2"),
    "consultation": ("业务咨询", "咨询", "C", "3"),
    "complaint": ("投诉建议", "投诉", "D", "4"),
    "broadband_tv": ("宽带电视", "宽带", "电视", "E", "5"),
    "care": ("爱心服务", "爱心", "F", "6"),
}
TICKET_HELP = "请回复“取号”加业务，如：取号缴费。可选：" + "、".join(c.name for c in CATEGORIES.values()) + "。"


def category_of(argument: str) -> str | None:
    text = (argument or "").strip()
    for code, words in CATEGORY_WORDS.items():
        if text in words:
            return code
    return None


def _distance(metres: int) -> str:
    return f"{metres}米" if metres < 1000 else f"{metres / 1000:.1f}公里"


def nearest(turn: Turn) -> str:
    customer = customers.get(turn.session, turn.principal.id)
    address = f"{customer.city}{customer.district}{customer.address}"
    found = finder.nearest_to_address(turn.session, turn.clock, address, limit=2)
    if not found.halls:
        return "暂未查到您附近的营业厅，请拨打客服热线10000咨询。"
    parts = []
    for index, near in enumerate(found.halls, start=1):
        state = "营业中" if near.open_now else "已下班"
        parts.append(f"{index}.{near.hall.name}，{near.hall.address}，约{_distance(near.walking_m)}，"
                     f"今日{near.today}，{state}")
    return "离您登记地址最近的营业厅：" + "；".join(parts) + "。回复“取号”加业务可远程取号，如：取号缴费。"


def ticket(turn: Turn, argument: str) -> str:
    category = category_of(argument)
    if category is None:
        return TICKET_HELP
    customer = customers.get(turn.session, turn.principal.id)
    hall = tickets.near_hall(turn.session, turn.clock, customer, category)
    taken, _made = tickets.take(turn.session, turn.clock, turn.principal, hall, category=category, phone=turn.sender,
                                channel="sms", idempotency_key=turn.key)
    standing = tickets.standing(turn.session, turn.clock, hall, taken)
    limit = turn.clock.local(taken.hold_until)
    lead = "绿色通道优先办理。" if taken.green else ""
    return (f"您已在{hall.name}远程取号{taken.number}（{CATEGORIES[category].name}），{lead}"
            f"前面还有{standing['ahead']}位，预计等候{standing['expected_wait_minutes']}分钟。"
            f"请于{limit:%H:%M}前到厅在取号机签到，逾期作废。地址：{hall.address}。")
