"""What the IVR says for each self-service action. Each asks the same domain
service the portal asks (billing.balance_of, usage allowances, billing.bills,
billing.arrears.reopen, workorders.service.create) and only words the answer
for the ear; a refusal is the service's own Chinese message, so the hotline
never says something the portal would not.

The caller is who the calling number says: the subscriber acts as themselves
(a subscriber principal), as when signed in to the portal.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from kindline.billing import service as billing
from kindline.core.auth.principal import Principal
from kindline.core.clock import Clock
from kindline.core.errors import DomainError, NotFound
from kindline.core.money import yuan
from kindline.customers import service as customers
from kindline.customers.models import Line

UNREGISTERED = "您的号码未在本网登记，无法办理自助业务。人工服务请按0。"
KIND_WORDS = {"voice": "通话", "sms": "短信", "data": "流量"}
ACTOR = "ivr"


@dataclass(frozen=True)
class Call:
    """One IVR call: who is calling, and the contact it belongs to."""

    session: Session
    clock: Clock
    number: str
    contact_id: int


def _line(call: Call) -> Line | None:
    try:
        return billing.line_by_msisdn(call.session, call.number)
    except NotFound:
        return None


def balance_text(view: billing.BalanceView) -> str:
    """The balance as the IVR says it (the same figure as the portal and the API)."""
    if view.in_arrears:
        text = f"您的账户已欠费{yuan(-view.balance_fen)}元，请及时缴费。"
    else:
        text = f"您的账户余额为{yuan(view.balance_fen)}元。"
    if view.status_text != "正常":
        text += f"号码状态：{view.status_text}。"
    return text


def balance(call: Call, line: Line) -> str:
    return balance_text(billing.balance_of(call.session, call.clock, line))


def _quantity(kind: str, amount: int) -> str:
    if kind == "voice":
        return f"{amount // 60}分钟"
    if kind == "sms":
        return f"{amount}条"
    gib, mib = 1 << 30, 1 << 20
    return f"{amount / gib:.2f}".rstrip("0").rstrip(".") + "GB" if amount >= gib else f"{amount // mib}MB"


def allowances(call: Call, line: Line) -> str:
    from kindline.usage import service as usage

    held = [a for a in usage.allowances(call.session, call.clock, line) if a.total]
    if not held:
        return "您的号码本月没有通话、短信或流量套餐额度。"
    return "您本月套餐剩余" + "，".join(f"{KIND_WORDS[a.kind]}{_quantity(a.kind, a.remaining)}" for a in held) + "。"


def bill(call: Call, line: Line) -> str:
    from kindline.billing import bills
    from kindline.core import cycles

    cycle = bills.last_closed(call.clock)
    account = billing.find_account(call.session, line.customer_id)
    found = bills.bill_for(call.session, call.clock, account.id if account else None, cycle)
    year, month = cycles.parse(cycle)
    spent = found.fees_fen + found.usage_fen
    return (f"您{year}年{month}月的账单：月租{yuan(found.fees_fen)}元，通信费{yuan(found.usage_fen)}元，"
            f"合计{yuan(spent)}元；当月缴费{yuan(found.payments_fen)}元，月末余额{yuan(found.closing_fen)}元。")


def reopen(call: Call, line: Line) -> str:
    from kindline.billing import arrears

    until = arrears.reopen(call.session, call.clock, line, channel="hotline", actor=ACTOR)
    return arrears.reopen_message(call.clock, until)


def report_fault(call: Call, line: Line) -> str:
    """A repair work order for the caller's broadband (else the calling line),
    once per call however often the key is pressed."""
    from kindline.workorders import service as workorders

    customer = customers.get(call.session, line.customer_id)
    broadband = next((held for held in customer.lines if held.kind == "broadband" and held.status != "cancelled"),
                     None)
    target = broadband or line
    order, _ = workorders.create(
        call.session, call.clock, Principal("subscriber", customer.id, customer.name), type="repair",
        description="客户通过热线自助语音报修：宽带故障", channel="hotline", customer_id=customer.id,
        line=target.number, idempotency_key=f"ivr-contact-{call.contact_id}-fault")
    return f"已为您登记故障报修，工单号{order.id}。维修人员将尽快与您联系，请保持电话畅通。"


_ACTIONS = {"balance": balance, "allowances": allowances, "bill": bill, "reopen": reopen,
            "report_fault": report_fault}


def run(call: Call, action: str) -> str:
    """The spoken answer of one action; a refusal is said, never raised (inside a
    savepoint, so a refused write leaves nothing half done)."""
    line = _line(call)
    if line is None:
        return UNREGISTERED
    try:
        with call.session.begin_nested():
            return _ACTIONS[action](call, line)
    except DomainError as exc:
        return exc.message
