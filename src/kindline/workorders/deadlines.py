"""The durable timers that watch a work order's SLA: a warning at 80% of the
allowed time and a breach at the due time, for the response and for the
resolution, and the 72-hour automatic close after resolution.

Timer keys carry the moment the SLA clock started, so moving an order to the
green channel (a new clock) sets new timers instead of finding fired ones.
Due times move (a pause, the green channel): the timers are cancelled and set
again at the new moments; the handlers (escalation.py) check the order's state
again when they fire, so a stale timer never warns wrongly, and one whose moment
moved later without its timer following (a new policy file) is set again for it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from kindline.core import timers
from kindline.core.clock import Clock
from kindline.workorders import sla
from kindline.workorders.models import WorkOrder
from kindline.workorders.types import OPEN_STATUSES

KINDS = {
    ("response", "warning"): "wo.response_warning",
    ("response", "breach"): "wo.response_breach",
    ("resolution", "warning"): "wo.resolution_warning",
    ("resolution", "breach"): "wo.resolution_breach",
}
AUTO_CLOSE = "wo.auto_close"


def key_of(order: WorkOrder) -> str:
    return f"{order.id}@{int(order.sla_started_at.timestamp())}"


def follow(session: Session, clock: Clock, order: WorkOrder, status: sla.Status) -> None:
    """Keep the four SLA timers at the order's current warning and due times."""
    key = key_of(order)
    for (which, step), kind in KINDS.items():
        limit = getattr(status, which)
        moment = limit.warn_at if step == "warning" else limit.due_at
        timers.cancel(session, clock, kind, key)
        if moment is not None and limit.met_at is None and order.status in OPEN_STATUSES and not status.paused:
            timers.schedule(session, clock, kind, key, moment, {"work_order_id": order.id})


def close_key(order_id: int, resolved_at: datetime) -> str:
    """The auto-close timer's key: one per resolution, since an order reopened
    and resolved again must close itself again (a timer fires once per key)."""
    return f"{order_id}@{int(resolved_at.timestamp())}"


def after_move(session: Session, clock: Clock, order: WorkOrder, old: str, new: str,
               close_after: timedelta, resolved_before: datetime | None) -> None:
    """A resolved order closes itself when the customer does not object in
    time; leaving `resolved` (closed, or reopened) stops that resolution's timer."""
    if new == "resolved":
        timers.schedule(session, clock, AUTO_CLOSE, close_key(order.id, order.resolved_at),
                        clock.now() + close_after, {"work_order_id": order.id})
    elif old == "resolved" and resolved_before is not None:
        timers.cancel(session, clock, AUTO_CLOSE, close_key(order.id, resolved_before))
