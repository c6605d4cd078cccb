"""The texts of the SMS hall's queries: each asks the same service the portal
and the hotline ask (balance, allowances, bill, points, the 1-hour reopen) and
only words the answer for a small screen.

Services of slices that are still being built are imported when a command
needs them, so the hall keeps working for the commands that are ready.
"""

from __future__ import annotations

from datetime import datetime

from kindline.billing import service as billing
from kindline.core import cycles
from kindline.core.money import yuan
from kindline.sms.context import Turn

HELP = ("10001短信营业厅指令：余额YE，流量LL，账单ZD，积分JF，开通KT+代码，退订TD+代码，"
        "3952开通流量自动升级，开机KJ（欠费停机可开机1小时），报修BX+问题，投诉TS+问题，营业厅YYT，取号QH+业务，帮助BZ。收费业务需回复Y确认。")
UNKNOWN_SENDER = "您好，您的号码未在本网登记，短信营业厅无法为您办理。如需帮助，请拨打客服热线10000。"
KIND_WORDS = {"voice": "通话", "sms": "短信", "data": "流量"}


def money(fen: int) -> str:
    """10元, 9.90元: whole yuan without the cents people do not say."""
    return f"{fen // 100}元" if fen % 100 == 0 and fen >= 0 else f"{yuan(fen)}元"


def moment(turn: Turn, at: datetime) -> str:
    local = turn.clock.local(at)
    return f"{local.month}月{local.day}日{local:%H:%M}"


def data_size(size: int) -> str:
    gib, mib = 1024 ** 3, 1024 ** 2
    if size >= gib:
        value = size / gib
        return f"{value:.0f}GB" if value == int(value) else f"{value:.2f}".rstrip("0").rstrip(".") + "GB"
    return f"{size // mib}MB"


def quantity(kind: str, amount: int) -> str:
    if kind == "voice":
        return f"{amount // 60}分钟"
    if kind == "sms":
        return f"{amount}条"
    return data_size(amount)


def balance(turn: Turn) -> str:
    view = billing.balance_of(turn.session, turn.clock, turn.line)
    when = moment(turn, view.as_of)
    if view.in_arrears:
        return f"尊敬的客户，截至{when}，您已欠费{yuan(-view.balance_fen)}元，请及时缴费。"
    text = f"尊敬的客户，截至{when}，您的账户余额为{yuan(view.balance_fen)}元"
    if view.credit_fen:
        text += f"，信用额度{yuan(view.credit_fen)}元"
    return text + "。"


def allowances(turn: Turn) -> str:
    from kindline.usage import service as usage

    held = [a for a in usage.allowances(turn.session, turn.clock, turn.line) if a.total]
    if not held:
        return "您的号码本月没有通话、短信或流量套餐额度。"
    cycle = cycles.current(turn.clock)
    parts = [f"{KIND_WORDS[a.kind]}剩余{quantity(a.kind, a.remaining)}（共{quantity(a.kind, a.total)}）"
             for a in held]
    return f"您本月（{cycle}）" + "，".join(parts) + "。"


def bill(turn: Turn) -> str:
    """The last closed cycle's bill, as billing.bills computes it for the portal."""
    from kindline.billing import bills

    cycle = bills.last_closed(turn.clock)
    account = billing.find_account(turn.session, turn.line.customer_id)
    found = bills.bill_for(turn.session, turn.clock, account.id if account else None, cycle)
    year, month = cycles.parse(cycle)
    items = [("上月结余", found.opening_fen), ("缴费", found.payments_fen), ("冲正", -found.reversals_fen),
             ("月租", -found.fees_fen), ("通信费", -found.usage_fen), ("调账", found.adjustments_fen)]
    shown = "，".join(f"{name}{yuan(amount)}元" for name, amount in items
                      if amount or name in ("上月结余", "月租"))
    return f"您{year}年{month}月账单：{shown}，月末余额{yuan(found.closing_fen)}元。"


def points(turn: Turn) -> str:
    """The points balance and the soonest expiry, as billing.points answers the portal."""
    from kindline.billing import points as points_service

    account = billing.find_account(turn.session, turn.line.customer_id)
    held = points_service.view(turn.session, turn.clock, account.id if account else None)
    text = f"您当前可用积分{held.balance}分"
    if held.batches:
        soon = held.batches[0]
        text += f"，其中{soon.points}分将于{soon.expires_on.year}年{soon.expires_on.month}月{soon.expires_on.day}日到期"
    return text + "。"


def reopen(turn: Turn) -> str:
    from kindline.billing import arrears

    until = arrears.reopen(turn.session, turn.clock, turn.line, channel="sms", actor=turn.principal.label)
    return f"已为您临时开机，可用至{moment(turn, until)}。请尽快缴费，缴费后自动恢复正常使用。"
