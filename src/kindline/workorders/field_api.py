"""REST endpoints for field work: booking a visit window, the technician's
arrival, completion and "not at home", and a technician's day list."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from kindline.core.auth.permissions import FIELD_WORK
from kindline.core.deps import Caller, CurrentClock, DbSession
from kindline.workorders import field, service
from kindline.workorders.models import Appointment

router = APIRouter(prefix="/api/v1", tags=["field work"])


class WindowIn(BaseModel):
    day: date
    start_hour: int = Field(description="08, 10, 12, 14, 16 or 18: a two-hour window")


class FinishIn(BaseModel):
    notes: str = Field(max_length=2000)
    equipment: list[str] = Field(default_factory=list, max_length=20)


class AppointmentRead(BaseModel):
    id: int
    work_order_id: int
    window_start: datetime
    window_end: datetime
    technician_id: int | None
    status: str
    arrived_at: datetime | None
    finished_at: datetime | None
    notes: str
    equipment: list[str]

    @classmethod
    def of(cls, visit: Appointment) -> AppointmentRead:
        return cls.model_validate(visit, from_attributes=True)


class DayItem(BaseModel):
    appointment: AppointmentRead
    work_order_id: int
    type: str
    address: str | None
    contact_name: str | None
    description: str


@router.post("/workorders/{work_order_id}/appointments", response_model=AppointmentRead, status_code=201)
def book(work_order_id: int, body: WindowIn, session: DbSession, clock: CurrentClock, caller: Caller):
    order = service.visible(caller, service.get(session, work_order_id))
    return AppointmentRead.of(field.book(session, clock, caller, order, body.day, body.start_hour))


@router.post("/appointments/{appointment_id}/arrive", response_model=AppointmentRead)
def arrive(appointment_id: int, session: DbSession, clock: CurrentClock, caller: Caller):
    return AppointmentRead.of(field.arrive(session, clock, caller, field.get(session, appointment_id)))


@router.post("/appointments/{appointment_id}/finish", response_model=AppointmentRead)
def finish(appointment_id: int, body: FinishIn, session: DbSession, clock: CurrentClock, caller: Caller):
    visit = field.get(session, appointment_id)
    return AppointmentRead.of(field.finish(session, clock, caller, visit, body.notes, body.equipment))


@router.post("/appointments/{appointment_id}/not-home", response_model=AppointmentRead)
def not_home(appointment_id: int, body: WindowIn, session: DbSession, clock: CurrentClock, caller: Caller):
    """Answers the newly booked visit."""
    visit = field.get(session, appointment_id)
    return AppointmentRead.of(field.not_home(session, clock, caller, visit, body.day, body.start_hour))


@router.get("/technicians/{technician_id}/day", response_model=list[DayItem])
def day_list(technician_id: int, session: DbSession, clock: CurrentClock, caller: Caller, day: date | None = None):
    caller.require(FIELD_WORK)
    rows = field.day_list(session, clock, technician_id, day or clock.today())
    return [DayItem(appointment=AppointmentRead.of(visit), work_order_id=order.id, type=order.type,
                    address=order.address, contact_name=order.contact_name, description=order.description)
            for visit, order in rows]
