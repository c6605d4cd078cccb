"""REST endpoints of the halls (the contract: take a ticket, call the next
one, the nearest halls, the KPIs), with what a counter, the kiosk, the lobby
board and a manager need around them. Thin: parse, call the service, shape
the answer. Reading halls, the finder and the lobby board is public (like a
price list on the wall); tickets and counters need halls:counter, setting up
halls, KPIs and staffing halls:manage; a subscriber takes remote tickets
and reads their own."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response
from sqlalchemy import select

from kindline.core.auth.permissions import HALLS_COUNTER, HALLS_MANAGE
from kindline.core.clock import Clock, moment_of
from kindline.core.deps import Caller, CurrentClock, DbSession
from kindline.core.errors import Invalid
from kindline.halls import care_api, desk, finder, kpi, queue, service, staffing, tickets
from kindline.halls.models import Ticket
from kindline.halls.schemas import (
    CallIn,
    CompleteIn,
    CounterIn,
    CounterRead,
    HallIn,
    HallRead,
    NearestRead,
    SpecialDayIn,
    TicketIn,
    TicketRead,
    TransferRead,
)
from kindline.halls.types import STATUSES

router = APIRouter(prefix="/api/v1/halls", tags=["halls"])
router.include_router(care_api.router)  # /classes first: it must not be read as a hall id
kpi_router = APIRouter(prefix="/api/v1/kpi", tags=["halls"])
NOT_WAITING = {"ahead": 0, "expected_wait_seconds": 0, "expected_wait_minutes": 0}


def _read(session, clock: Clock, ticket: Ticket) -> TicketRead:
    if ticket.status != "waiting":
        return TicketRead.of(ticket, NOT_WAITING)
    return TicketRead.of(ticket, tickets.standing(session, clock, service.get(session, ticket.hall_id), ticket))


@router.get("", response_model=list[HallRead])
def list_halls(session: DbSession, clock: CurrentClock, city: str | None = None):
    return [HallRead.of(h, clock) for h in service.halls(session, city)]


@router.post("", response_model=HallRead, status_code=201)
def create_hall(body: HallIn, session: DbSession, clock: CurrentClock, caller: Caller):
    hall = service.create_hall(session, clock, caller, code=body.code, name=body.name, city=body.city,
                               district=body.district, address=body.address, lat=body.lat, lon=body.lon,
                               hours_=body.hours, special_days=body.special_days, services=body.services,
                               care_services=body.care_services, phone=body.phone)
    return HallRead.of(hall, clock)


@router.get("/nearest", response_model=NearestRead)
def nearest(session: DbSession, clock: CurrentClock, lat: float | None = None, lon: float | None = None,
            address: Annotated[str | None, Query(max_length=200)] = None,
            limit: Annotated[int, Query(ge=1, le=finder.MAX_RESULTS)] = 3, open_only: bool = False,
            service_: Annotated[str | None, Query(alias="service")] = None):
    """The nearest halls to lat/lon, or to an address (its district's centre)."""
    if lat is not None and lon is not None:
        return NearestRead.of(finder.nearest(session, clock, lat, lon, limit=limit, open_only=open_only,
                                             service=service_))
    if address:
        return NearestRead.of(finder.nearest_to_address(session, clock, address, limit=limit,
                                                        open_only=open_only, service=service_))
    raise Invalid("location_required", "请提供经纬度（lat、lon）或地址。", "lat and lon, or address, are required")


@router.get("/{hall_id}", response_model=HallRead)
def get_hall(hall_id: int, session: DbSession, clock: CurrentClock):
    return HallRead.of(service.get(session, hall_id), clock, service.counters(session, hall_id))


@router.post("/{hall_id}/special-days", response_model=HallRead)
def special_day(hall_id: int, body: SpecialDayIn, session: DbSession, clock: CurrentClock, caller: Caller):
    hall = service.set_special_day(session, caller, service.get(session, hall_id), body.day.isoformat(), body.hours)
    return HallRead.of(hall, clock)


@router.post("/{hall_id}/counters", response_model=CounterRead, status_code=201)
def add_counter(hall_id: int, body: CounterIn, session: DbSession, caller: Caller):
    hall = service.get(session, hall_id)
    return CounterRead.of(service.add_counter(session, caller, hall, number=body.number, kind=body.kind,
                                              categories=body.categories))


@router.post("/{hall_id}/counters/{counter}/open", response_model=CounterRead)
def open_counter(hall_id: int, counter: int, session: DbSession, clock: CurrentClock, caller: Caller):
    return CounterRead.of(service.open_counter(session, clock, caller, service.get(session, hall_id), counter))


@router.post("/{hall_id}/counters/{counter}/close", response_model=CounterRead)
def close_counter(hall_id: int, counter: int, session: DbSession, clock: CurrentClock, caller: Caller):
    return CounterRead.of(service.close_counter(session, clock, caller, service.get(session, hall_id), counter))


@router.post("/{hall_id}/tickets", response_model=TicketRead, status_code=201,
             responses={200: {"description": "a retry of an earlier take with the same Idempotency-Key"}})
def take_ticket(hall_id: int, body: TicketIn, response: Response, session: DbSession, clock: CurrentClock,
                caller: Caller,
                idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=128)] = None):
    """Contract: a ticket with its number, whether it is green channel, and the expected wait."""
    ticket, made = tickets.take(session, clock, caller, service.get(session, hall_id), category=body.category,
                                phone=body.phone, id_number=body.id_number, group=body.group, channel=body.channel,
                                remote=body.remote, idempotency_key=idempotency_key)
    if not made:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return _read(session, clock, ticket)


@router.get("/{hall_id}/tickets", response_model=list[TicketRead])
def list_tickets(hall_id: int, session: DbSession, clock: CurrentClock, caller: Caller,
                 status: str = "waiting"):
    """Today's tickets in a status (the queue by default), in the order of their place."""
    caller.require(HALLS_COUNTER)
    if status not in STATUSES:
        raise Invalid("invalid_status", "号码状态不正确。", f"unknown status {status!r}", {"known": sorted(STATUSES)})
    hall = service.get(session, hall_id)
    found = queue.floor(session, clock, hall)
    rows = session.scalars(select(Ticket).where(Ticket.hall_id == hall.id, Ticket.status == status,
                                                Ticket.service_day == clock.today())
                           .order_by(Ticket.queued_at, Ticket.id))
    return [TicketRead.of(t, queue.describe(found, t) if status == "waiting" else NOT_WAITING) for t in rows]


@router.get("/{hall_id}/tickets/{ticket_id}", response_model=TicketRead)
def get_ticket(hall_id: int, ticket_id: int, session: DbSession, clock: CurrentClock, caller: Caller):
    """The ticket now: its expected wait is worked out again at every read."""
    ticket = tickets.visible(caller, tickets.get(session, service.get(session, hall_id), ticket_id))
    return _read(session, clock, ticket)


@router.post("/{hall_id}/tickets/{ticket_id}/check-in", response_model=TicketRead)
def check_in(hall_id: int, ticket_id: int, session: DbSession, clock: CurrentClock, caller: Caller):
    """A remote ticket's holder is at the hall (within 30 minutes of taking it)."""
    hall = service.get(session, hall_id)
    ticket = tickets.check_in(session, clock, caller, hall, tickets.get(session, hall, ticket_id))
    return _read(session, clock, ticket)


@router.post("/{hall_id}/counters/{counter}/call-next", response_model=TicketRead)
def call_next(hall_id: int, counter: int, session: DbSession, clock: CurrentClock, caller: Caller):
    """Contract: the ticket called (green channel first, then the counter's categories, oldest first)."""
    return TicketRead.of(desk.call_next(session, clock, caller, service.get(session, hall_id), counter), NOT_WAITING)


@router.post("/{hall_id}/counters/{counter}/recall", response_model=TicketRead)
def recall(hall_id: int, counter: int, session: DbSession, clock: CurrentClock, caller: Caller):
    return TicketRead.of(desk.recall(session, clock, caller, service.get(session, hall_id), counter), NOT_WAITING)


@router.post("/{hall_id}/counters/{counter}/start", response_model=TicketRead)
def start(hall_id: int, counter: int, session: DbSession, clock: CurrentClock, caller: Caller):
    return TicketRead.of(desk.start(session, clock, caller, service.get(session, hall_id), counter), NOT_WAITING)


@router.post("/{hall_id}/counters/{counter}/no-show", response_model=TicketRead)
def no_show(hall_id: int, counter: int, session: DbSession, clock: CurrentClock, caller: Caller):
    return TicketRead.of(desk.no_show(session, clock, caller, service.get(session, hall_id), counter), NOT_WAITING)


@router.post("/{hall_id}/counters/{counter}/transfer", response_model=TransferRead)
def transfer(hall_id: int, counter: int, body: CallIn, session: DbSession, clock: CurrentClock, caller: Caller):
    old, new = desk.transfer(session, clock, caller, service.get(session, hall_id), counter, body.category)
    return TransferRead(old=TicketRead.of(old, NOT_WAITING), new=_read(session, clock, new))


@router.post("/{hall_id}/counters/{counter}/complete", response_model=TicketRead)
def complete(hall_id: int, counter: int, body: CompleteIn, session: DbSession, clock: CurrentClock, caller: Caller):
    ticket = desk.complete(session, clock, caller, service.get(session, hall_id), counter, outcome=body.outcome,
                           order_ids=body.order_ids, work_order_ids=body.work_order_ids)
    return TicketRead.of(ticket, NOT_WAITING)


@router.get("/{hall_id}/board")
def board(hall_id: int, session: DbSession, clock: CurrentClock) -> dict[str, Any]:
    """The lobby board: numbers and counters only, nothing personal."""
    return service.board(session, clock, service.get(session, hall_id))


@router.get("/{hall_id}/staffing")
def staffing_plan(hall_id: int, session: DbSession, clock: CurrentClock, caller: Caller,
                  day: Annotated[date | None, Query(alias="date")] = None,
                  aht_seconds: float = staffing.HANDLING_TARGET_SECONDS,
                  wait_target_seconds: float = staffing.WAIT_TARGET_SECONDS) -> dict[str, Any]:
    """Counters needed per hour of `date` from the last four weeks' same weekday (Erlang C)."""
    caller.require(HALLS_MANAGE)
    hall = service.get(session, hall_id)
    the_day = day or clock.today()
    arrivals, green_share = staffing.forecast(session, clock, hall, the_day)
    rows = staffing.plan(arrivals, green_share=green_share, aht_seconds=aht_seconds,
                         wait_target_seconds=wait_target_seconds)
    return {"hall_id": hall.id, "date": the_day.isoformat(), "green_share": green_share,
            "aht_seconds": aht_seconds, "wait_target_seconds": wait_target_seconds, "hours": staffing.as_dicts(rows)}


@router.get("/{hall_id}/staffing/now")
def staffing_now(hall_id: int, session: DbSession, clock: CurrentClock, caller: Caller) -> dict[str, Any]:
    """Open another counter now? (the queue and the last hour's arrivals)"""
    caller.require(HALLS_COUNTER)
    return staffing.suggest(session, clock, service.get(session, hall_id))


@kpi_router.get("/halls")
def hall_kpis(session: DbSession, clock: CurrentClock, caller: Caller,
              hall: Annotated[str | None, Query(max_length=40, description="hall id or code; none: every hall")] = None,
              from_: Annotated[str | None, Query(alias="from", max_length=40)] = None,
              to: Annotated[str | None, Query(max_length=40)] = None) -> dict[str, Any]:
    """KPIs for [from, to) from the event log (docs/halls.md); default today."""
    caller.require(HALLS_MANAGE)
    midnight = datetime.combine(clock.today(), time(0), clock.tz)
    start, end = moment_of(from_, clock, midnight), moment_of(to, clock, midnight + timedelta(days=1))
    if end <= start:
        raise Invalid("invalid_period", "结束时间须晚于开始时间。", "to must be after from")
    hall_id = None
    if hall:
        hall_id = service.get(session, int(hall)).id if hall.isdigit() else service.by_code(session, hall).id
    return kpi.compute(session, clock, start, end, hall_id)
