"""What happens when an SLA timer fires: a warning to the owner and the
team's supervisor at 80% of the allowed time; at the due time a breach, kept in
the history, raising the escalation level and telling them again. A complaint
whose response or resolution limit is breached goes to the green channel by
itself (once: the green channel's own limits only escalate).

Handlers look at the order again, locked, before acting: a timer for a moment
that has since moved later (a new policy file or closed days) is set again for
the new moment and answers timers.NOT_YET, so it fires then, once; a timer that
meets a paused order stands down (cancelled, not fired) and is set again when
the order resumes; one for a limit already met, or a clock since restarted
(the green channel), does nothing.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from kindline.core import timers
from kindline.core.clock import Clock
from kindline.workorders import deadlines, ownership, service
from kindline.workorders.models import WorkOrder
from kindline.workorders.types import OPEN_STATUSES

WHAT = {"response": "响应", "resolution": "处理"}


def _current(session: Session, timer: timers.Timer) -> WorkOrder | None:
    """The order, locked: a worker firing another of its timers at once waits, then sees this one's work."""
    order = session.get(WorkOrder, timer.payload.get("work_order_id"), with_for_update=True)
    if order is None or order.status not in OPEN_STATUSES or timer.key != deadlines.key_of(order):
        return None
    return order


def _supervisor(session: Session, order: WorkOrder) -> int | None:
    team = ownership.team_of(session, order)
    return team.supervisor_id if team else None


def _fire(which: str, step: str):
    def handler(session: Session, clock: Clock, timer: timers.Timer) -> timers.NotYet | None:
        order = _current(session, timer)
        if order is None:
            return None
        status = service.sla_status(order, clock.now())
        limit = getattr(status, which)
        if limit.met_at is not None:
            return None
        moment = limit.warn_at if step == "warning" else limit.due_at
        if moment is None:
            return None
        if status.paused or moment > clock.now():  # moved since this timer was set: set it again (or stand down)
            service.refresh_sla(session, clock, order)
            return timers.NOT_YET
        due = clock.local(limit.due_at).strftime("%m-%d %H:%M")
        if step == "warning":
            text = f"工单{order.id}{WHAT[which]}即将超时，时限{due}"
        else:
            order.escalation += 1
            text = f"工单{order.id}{WHAT[which]}已超时（时限{due}），已升级"
        service.record(session, clock, order, None, f"sla_{step}", data={"limit": which, "due_at": due},
                       tell_owner=False)
        service.notify(session, clock, order, [order.owner_id, _supervisor(session, order)], f"sla_{step}", text)
        if step == "breach" and order.type == "complaint" and not order.green:
            ownership.to_green_channel(session, clock, None, order, f"投诉{WHAT[which]}超时，自动转入绿色通道")
        return None
    return handler


def _auto_close(session: Session, clock: Clock, timer: timers.Timer) -> None:
    order = session.get(WorkOrder, timer.payload.get("work_order_id"), with_for_update=True)
    if order is not None and order.status == "resolved" and deadlines.close_key(order.id, order.resolved_at) == timer.key:
        service.transition(session, clock, None, order, "closed", "客户72小时内未提出异议，自动关闭")


def install() -> None:
    for (which, step), kind in deadlines.KINDS.items():
        timers.register(kind, _fire(which, step))
    timers.register(deadlines.AUTO_CLOSE, _auto_close)
