"""Field work: the 2-hour visit window the customer chooses, the technician's
day list, arrival, completion notes with equipment serials, and "customer not
at home" (the order waits for the customer, paused, and a new window is booked).

Finishing a visit does not resolve the work order: it tells the owner, who
answers for the whole request (首问负责) and resolves it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kindline.core.auth.permissions import FIELD_WORK, WORKORDERS_WRITE
from kindline.core.auth.principal import Principal
from kindline.core.clock import Clock
from kindline.core.db import fetch
from kindline.core.errors import Conflict, Forbidden, Invalid
from kindline.workorders import service
from kindline.workorders.models import Appointment, WorkOrder
from kindline.workorders.types import FIELD_TYPES, OPEN_STATUSES

WINDOW_HOURS = 2
FIRST_WINDOW, LAST_WINDOW = 8, 18  # windows start 08:00 ... 18:00, the last ends at 20:00
BOOK_DAYS_AHEAD = 14
MAX_SERIALS = 10


def windows() -> list[int]:
    return list(range(FIRST_WINDOW, LAST_WINDOW + 1, WINDOW_HOURS))


def _window(clock: Clock, day: date, start_hour: int) -> tuple[datetime, datetime]:
    if start_hour not in windows():
        raise Invalid("invalid_window", "请选择08:00至20:00之间的两小时时段。", f"window start must be one of {windows()}")
    start = datetime.combine(day, time(start_hour), clock.tz)
    if start <= clock.local_now():
        raise Invalid("window_passed", "该时段已过，请选择以后的时段。", "the window has started already")
    if day > clock.today() + timedelta(days=BOOK_DAYS_AHEAD):
        raise Invalid("window_too_far", f"只能预约{BOOK_DAYS_AHEAD}天内的时段。", "the window is too far ahead")
    return start, start + timedelta(hours=WINDOW_HOURS)


def _may_book(principal: Principal, order: WorkOrder) -> None:
    if principal.is_staff:
        principal.require(WORKORDERS_WRITE)
    elif principal.id != order.customer_id:
        raise Forbidden("not_allowed", "只能预约本人的工单。", "subscribers book their own work orders")


def current(session: Session, order: WorkOrder) -> Appointment | None:
    return session.scalar(select(Appointment).where(Appointment.work_order_id == order.id,
                                                    Appointment.status.in_(("booked", "arrived")))
                          .order_by(Appointment.id.desc()))


def book(session: Session, clock: Clock, principal: Principal, order: WorkOrder, day: date,
         start_hour: int) -> Appointment:
    """Book (or move) the visit; a booked window that is replaced is kept as moved."""
    _may_book(principal, order)
    if order.type not in FIELD_TYPES:
        raise Invalid("no_field_work", "该类工单无需上门。", f"{order.type} work orders have no visits")
    if order.status not in OPEN_STATUSES:
        raise Conflict("work_order_closed", "工单已结束，不能预约。", f"work order {order.id} is {order.status}")
    start, end = _window(clock, day, start_hour)
    previous = current(session, order)
    if previous is not None:
        if previous.status == "arrived":
            raise Conflict("visit_in_progress", "师傅已上门，不能改约。", "the technician is on site")
        previous.status = "moved"
    visit = Appointment(work_order_id=order.id, window_start=start, window_end=end,
                        technician_id=order.assignee_id, status="booked", notes="", equipment=[],
                        booked_at=clock.now())
    session.add(visit)
    session.flush()
    label = f"{clock.local(start):%m-%d %H:%M}-{clock.local(end):%H:%M}"
    service.record(session, clock, order, principal, "appointment", data={"window": label, "moved": bool(previous)})
    return visit


def get(session: Session, appointment_id: int) -> Appointment:
    return fetch(session, Appointment, appointment_id, "appointment", "预约")


def _technician(principal: Principal, visit: Appointment) -> None:
    principal.require(FIELD_WORK)
    if visit.technician_id is not None and visit.technician_id != principal.staff_id and not principal.can(
            "workorders:supervise"):
        raise Forbidden("not_your_visit", "这不是您的上门任务。", "the visit belongs to another technician")


def arrive(session: Session, clock: Clock, principal: Principal, visit: Appointment) -> Appointment:
    _technician(principal, visit)
    if visit.status != "booked":
        raise Conflict("visit_not_booked", "该预约不是待上门状态。", f"appointment {visit.id} is {visit.status}")
    visit.status, visit.arrived_at = "arrived", clock.now()
    visit.technician_id = visit.technician_id or principal.staff_id
    order = service.get(session, visit.work_order_id)
    if order.status in ("acknowledged", "pending", "held"):
        service.transition(session, clock, principal, order, "inProgress", "")
    service.record(session, clock, order, principal, "visit", data={"step": "arrived"})
    return visit


def finish(session: Session, clock: Clock, principal: Principal, visit: Appointment, notes: str,
           equipment: list[str]) -> Appointment:
    """The technician's completion notes and the serials of what was installed."""
    _technician(principal, visit)
    if visit.status != "arrived":
        raise Conflict("visit_not_started", "请先登记到达。", f"appointment {visit.id} is {visit.status}")
    if not notes.strip():
        raise Invalid("missing_field", "请填写处理情况。", "completion notes are required")
    serials = [s.strip()[:40] for s in equipment if s.strip()]
    if len(serials) > MAX_SERIALS:
        raise Invalid("too_many_serials", f"设备序列号最多{MAX_SERIALS}个。", "too many serials")
    visit.status, visit.finished_at, visit.notes, visit.equipment = "done", clock.now(), notes.strip(), serials
    order = service.get(session, visit.work_order_id)
    service.record(session, clock, order, principal, "visit", reason=notes.strip()[:500],
                   data={"step": "finished", "equipment": serials})
    return visit


def not_home(session: Session, clock: Clock, principal: Principal, visit: Appointment, day: date,
             start_hour: int) -> Appointment:
    """Nobody opened the door: the order waits for the customer (the SLA clock
    pauses) and the visit moves to the new window agreed on the phone."""
    _technician(principal, visit)
    if visit.status not in ("booked", "arrived"):
        raise Conflict("visit_not_booked", "该预约不是待上门状态。", f"appointment {visit.id} is {visit.status}")
    order = service.get(session, visit.work_order_id)
    _window(clock, day, start_hour)  # a bad new window changes nothing
    visit.status, visit.finished_at = "not_home", clock.now()
    if order.status != "pending":
        service.transition(session, clock, principal, order, "pending", "上门时客户不在家")
    return book(session, clock, principal, order, day, start_hour)


def day_list(session: Session, clock: Clock, technician_id: int, day: date) -> list[tuple[Appointment, WorkOrder]]:
    """A technician's visits of the day in window order."""
    start = datetime.combine(day, time(0), clock.tz)
    stmt = (select(Appointment, WorkOrder).join(WorkOrder, WorkOrder.id == Appointment.work_order_id)
            .where(Appointment.technician_id == technician_id, Appointment.window_start >= start,
                   Appointment.window_start < start + timedelta(days=1),
                   Appointment.status.in_(("booked", "arrived", "done", "not_home")))
            .order_by(Appointment.window_start, Appointment.id))
    return [(visit, order) for visit, order in session.execute(stmt)]
