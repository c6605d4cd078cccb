"""The SMS hall's work-order commands: 报修 (BX) + what is wrong files a fault
report, 投诉 (TS) + what happened files a complaint, both on the sender's line.

They go through workorders.service.create with the subscriber as the caller,
exactly as the portal's forms do; the reply names the work order and when it
will be handled at the latest (its SLA resolution due time).
"""

from __future__ import annotations

from kindline.sms.context import Turn
from kindline.workorders import service

KINDS = {"report_fault": ("repair", "报修"), "complain": ("complaint", "投诉")}
MIN_TEXT = 2


def file(turn: Turn, command: str, description: str) -> str:
    kind, word = KINDS[command]
    if len(description.strip()) < MIN_TEXT:
        return f"请在“{word}”后写明问题，如：{word}家里宽带上不了网。"
    order, made = service.create(turn.session, turn.clock, turn.principal, type=kind, description=description.strip(),
                                 channel="sms", customer_id=turn.principal.id, line=turn.line.number,
                                 idempotency_key=f"sms-{turn.incoming.id}")
    due = turn.clock.local(service.sla_status(order, turn.clock.now()).resolution.due_at)
    return f"已受理您的{word}，工单号{order.id}，我们将在{due:%m月%d日%H:%M}前处理完毕。查询进度请登录网上营业厅。"
