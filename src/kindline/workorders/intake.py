"""Work orders that arrive from elsewhere: business orders needing a visit,
and complaints forwarded by the 12315 / 3·15 platform (JSON lines in, replies
due back out).

The platform's external id is the natural key: importing the same file twice,
or two files that repeat a complaint, makes one work order each.

The 12315 SLA (response 24 h, resolution 5 days, policy complaint_12315) runs
from the platform's received time, not from the import: the platform judges
the reply and resolution rates on its own clock, so a complaint forwarded a
day late has a day less. A complaint imported after a limit has passed is
breached at once: its timer fires at the worker's next round and escalation.py
does what a breach does. A received time in the future is refused for that
line; one without an offset is read in local time. The received time is
kept in the work order's creation event (data.received_at, local time), where
the work order's API history shows it, and echoed in the replies.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from kindline.core.auth.principal import Principal
from kindline.core.clock import Clock, parse_iso
from kindline.core.errors import DomainError
from kindline.customers import service as customers
from kindline.customers.phone import is_mobile, normalize_mobile
from kindline.workorders import service
from kindline.workorders.models import Survey, WorkOrder
from kindline.workorders.types import OPEN_STATUSES

# Business orders that need a technician, and the work order each one makes.
FIELD_ORDER_TYPES = {"new_installation": "installation", "relocation": "relocation",
                     "equipment_replacement": "installation"}
PLATFORM = "12315"
PLATFORM_FIELDS = ("external_id", "complainant", "phone", "content", "received_at")


def from_order(session: Session, clock: Clock, principal: Principal | None, order: Any) -> WorkOrder | None:
    """The field work order of an accepted business order (once per order)."""
    kind = FIELD_ORDER_TYPES.get(order.type)
    if kind is None:
        return None
    request = order.request or {}
    text = f"业务订单{order.id}：{order.type}" + (f"，客户希望{order.requested_date}上门" if order.requested_date else "")
    work, _made = service.create(
        session, clock, principal if principal and principal.is_staff else None, type=kind, description=text,
        channel="order", customer_id=order.customer_id, line_id=order.line_id, address=request.get("service_address"),
        order_id=order.id)
    return work


def order_ended(session: Session, clock: Clock, order: Any, reason: str) -> None:
    """A business order cancelled or rejected before the visit: its work order
    ends the same way, with the same reason."""
    work = session.scalar(select(WorkOrder).where(WorkOrder.order_id == order.id))
    if work is not None and work.status in OPEN_STATUSES:
        to = "rejected" if order.status == "rejected" and work.status == "acknowledged" else "cancelled"
        service.transition(session, clock, None, work, to, reason or f"业务订单{order.id}已撤销")


@dataclass
class ImportReport:
    created: int = 0
    repeated: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


def _complaint(raw: dict[str, Any], clock: Clock) -> dict[str, Any]:
    missing = [name for name in PLATFORM_FIELDS if not str(raw.get(name) or "").strip()]
    if missing:
        raise ValueError(f"缺少字段：{', '.join(missing)}")
    received = parse_iso(str(raw["received_at"]))
    received = clock.local(received if received.tzinfo else received.replace(tzinfo=clock.tz))
    if received > clock.now():
        raise ValueError(f"受理时间{received.isoformat()}晚于当前时间，请核对平台数据")
    return {**raw, "external_id": str(raw["external_id"]).strip()[:64], "received_at": received}


def received_at(order: WorkOrder) -> str | None:
    """The platform's received time of a forwarded complaint (ISO, local time)."""
    return next((event.data.get("received_at") for event in order.events if event.action == "created"), None)


def import_12315(session: Session, clock: Clock, rows: Iterable[str]) -> ImportReport:
    """Import forwarded complaints, one JSON object per line. A bad line is
    reported with its number and changes nothing; the others go in."""
    report = ImportReport()
    for number, text in enumerate(rows, start=1):
        if not text.strip():
            continue
        try:
            raw = json.loads(text)
            if not isinstance(raw, dict):
                raise ValueError("每行须为一个JSON对象")
            item = _complaint(raw, clock)
            phone = str(item["phone"]).strip()
            holder = customers.by_phone(session, normalize_mobile(phone)) if is_mobile(phone) else None
            with session.begin_nested():
                _order, made = service.create(
                    session, clock, None, type="complaint", description=str(item["content"])[:4000],
                    channel="12315", source=PLATFORM, external_id=item["external_id"],
                    customer_id=holder.id if holder else None, contact_name=str(item["complainant"])[:100],
                    contact_phone=phone[:20], priority="high", city=item.get("city"),
                    received_at=item["received_at"])
        except (ValueError, DomainError) as exc:
            message = exc.message if isinstance(exc, DomainError) else str(exc)
            report.errors.append({"line": number, "error": message})
            continue
        if made:
            report.created += 1
        else:
            report.repeated += 1
    return report


RESULTS = {"resolved": "已解决", "closed": "已解决", "rejected": "不予受理", "cancelled": "已撤诉"}


def replies_due(session: Session, since: datetime | None = None) -> Iterator[dict[str, Any]]:
    """The replies to send back to the platform: complaints with a result.
    With `since`, those whose reply or satisfaction changed since then: a
    return visit answered after the close is sent again with its score."""
    stmt = (select(WorkOrder).where(WorkOrder.source == PLATFORM, WorkOrder.status.in_(sorted(RESULTS)))
            .order_by(WorkOrder.id))
    if since is not None:
        scored = select(Survey.subject_id).where(Survey.subject == "work_order", Survey.answered_at >= since)
        stmt = stmt.where(or_(WorkOrder.updated_at >= since, WorkOrder.id.in_(scored)))
    for order in session.scalars(stmt):
        survey = session.scalar(select(Survey).where(Survey.subject == "work_order", Survey.subject_id == order.id))
        replied = order.resolved_at or order.updated_at
        yield {"external_id": order.external_id, "received_at": received_at(order),
               "reply": order.resolution or order.reason or "", "replied_at": replied.isoformat(),
               "result": RESULTS[order.status],
               "satisfaction": survey.score if survey and survey.score is not None else None}
