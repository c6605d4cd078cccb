"""What the halls API takes and gives."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from kindline.core.masking import mask_phone
from kindline.halls import finder, service
from kindline.halls.models import Counter, Hall, Ticket
from kindline.halls.types import (
    CARE_SERVICES,
    CATEGORIES,
    COUNTER_KINDS,
    GREEN_GROUPS,
    STATUSES,
)


class TicketIn(BaseModel):
    category: str = Field(description=", ".join(CATEGORIES))
    phone: str | None = Field(None, max_length=32, description="the visitor's mobile: looked up for the green channel, VIP and the SMS")
    id_number: str | None = Field(None, max_length=32, description="read from the ID card at the kiosk: 65+ is the green channel")
    group: str | None = Field(None, description="a declared green-channel group: " + ", ".join(GREEN_GROUPS))
    channel: str | None = Field(None, description="kiosk (default for staff), hotline; subscribers: portal")
    remote: bool | None = Field(None, description="a remote ticket, held 30 minutes for check-in")


class TicketRead(BaseModel):
    id: int
    hall_id: int
    number: str
    category: str
    category_name: str
    status: str
    status_name: str
    green: bool
    group: str | None
    group_name: str | None
    group_source: str | None
    vip: bool
    remote: bool
    channel: str
    phone: str | None
    customer_id: int | None
    hold_until: datetime | None
    arrived_at: datetime | None
    taken_at: datetime
    ahead: int
    expected_wait_seconds: int
    expected_wait_minutes: int
    calls: int
    called_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    handling_seconds: int | None
    counter: int | None
    call_text: str | None
    outcome: str
    order_ids: list[int]
    work_order_ids: list[int]
    transferred_from_id: int | None
    message: str

    @classmethod
    def of(cls, ticket: Ticket, standing: dict[str, Any]) -> TicketRead:
        return cls(
            id=ticket.id, hall_id=ticket.hall_id, number=ticket.number, category=ticket.category,
            category_name=CATEGORIES[ticket.category].name, status=ticket.status, status_name=STATUSES[ticket.status],
            green=ticket.green, group=ticket.group, group_name=GREEN_GROUPS.get(ticket.group or ""),
            group_source=ticket.group_source, vip=ticket.vip, remote=ticket.remote, channel=ticket.channel,
            phone=mask_phone(ticket.phone) if ticket.phone else None, customer_id=ticket.customer_id,
            hold_until=ticket.hold_until, arrived_at=ticket.arrived_at, taken_at=ticket.taken_at,
            ahead=standing["ahead"], expected_wait_seconds=standing["expected_wait_seconds"],
            expected_wait_minutes=standing["expected_wait_minutes"], calls=ticket.calls, called_at=ticket.called_at,
            started_at=ticket.started_at, finished_at=ticket.finished_at, handling_seconds=ticket.handling_seconds,
            counter=ticket.counter_number,
            call_text=service.call_text(ticket) if ticket.counter_number else None, outcome=ticket.outcome,
            order_ids=ticket.order_ids or [], work_order_ids=ticket.work_order_ids or [],
            transferred_from_id=ticket.transferred_from_id, message=message(ticket, standing))


def message(ticket: Ticket, standing: dict[str, Any]) -> str:
    """The words printed on the ticket and read aloud at the kiosk."""
    if ticket.status in ("called", "serving") and ticket.counter_number:
        lead = "绿色通道：" if ticket.green else ""
        return f"{lead}请{ticket.number}号到{ticket.counter_number}号窗口办理。"
    if ticket.status != "waiting":
        return f"{ticket.number}号{STATUSES[ticket.status]}。"
    lead = "绿色通道，优先办理。" if ticket.green else ("VIP客户，请到VIP台席。" if ticket.vip else "")
    wait = (f"前面还有{standing['ahead']}位，预计等候{standing['expected_wait_minutes']}分钟。"
            if standing["ahead"] or standing["expected_wait_seconds"] else "马上为您叫号。")
    return f"您的号码是{ticket.number}。{lead}{wait}"


class CallIn(BaseModel):
    category: str = Field(description="transfer: the new category")


class CompleteIn(BaseModel):
    outcome: str = Field(max_length=2000, description="what was done at the counter")
    order_ids: list[int] = Field(default_factory=list)
    work_order_ids: list[int] = Field(default_factory=list)


class TransferRead(BaseModel):
    old: TicketRead
    new: TicketRead


class CounterIn(BaseModel):
    number: int
    kind: str = Field(description=", ".join(COUNTER_KINDS))
    categories: list[str] = Field(default_factory=list, description="empty: every category the hall offers")


class CounterRead(BaseModel):
    number: int
    kind: str
    kind_name: str
    categories: list[str]
    open: bool

    @classmethod
    def of(cls, counter: Counter) -> CounterRead:
        return cls(number=counter.number, kind=counter.kind, kind_name=COUNTER_KINDS[counter.kind],
                   categories=list(counter.categories), open=counter.is_open)


class HallIn(BaseModel):
    code: str = Field(max_length=40)
    name: str = Field(max_length=100)
    city: str = Field(max_length=40)
    district: str = Field("", max_length=40)
    address: str = Field(max_length=200)
    lat: float
    lon: float
    phone: str = Field("", max_length=20)
    hours: dict[str, list[list[str]]] = Field(description='ISO weekday -> [["09:00","20:00"]]')
    special_days: dict[str, list[list[str]]] = Field(default_factory=dict, description='"2026-10-01": [] closes')
    services: list[str] = Field(default_factory=list)
    care_services: list[str] = Field(default_factory=list, description=", ".join(CARE_SERVICES))


class SpecialDayIn(BaseModel):
    day: date
    hours: list[list[str]] = Field(default_factory=list, description="empty: closed that day")


class HallFacts(BaseModel):
    """What every answer about a hall says: where it is, whether it is open
    now and what its care station offers (the finder and the hall page alike)."""

    id: int
    code: str
    name: str
    city: str
    district: str
    address: str
    lat: float
    lon: float
    open_now: bool
    today: str
    closes_at: datetime | None
    next_open: datetime | None
    care_services: list[str]


class HallRead(HallFacts):
    phone: str
    hours: dict[str, list[list[str]]]
    special_days: dict[str, list[list[str]]]
    services: list[str]
    counters: list[CounterRead] = Field(default_factory=list)

    @classmethod
    def of(cls, hall: Hall, clock, counters: list[Counter] | None = None) -> HallRead:
        is_open, today, closes, opens = finder.status(hall, clock)
        return cls(id=hall.id, code=hall.code, name=hall.name, city=hall.city, district=hall.district,
                   address=hall.address, lat=hall.lat, lon=hall.lon, phone=hall.phone, hours=hall.hours,
                   special_days=hall.special_days, services=list(hall.services),
                   care_services=list(hall.care_services), open_now=is_open, today=today, closes_at=closes,
                   next_open=opens, counters=[CounterRead.of(c) for c in counters or []])


class NearHall(HallFacts):
    distance_m: int
    walking_m: int
    walking_minutes: int


class NearestRead(BaseModel):
    lat: float
    lon: float
    located_by: str
    place: str
    within_500m: bool
    halls: list[NearHall]

    @classmethod
    def of(cls, found: finder.Nearest) -> NearestRead:
        return cls(lat=found.lat, lon=found.lon, located_by=found.located_by, place=found.place,
                   within_500m=found.within_500m,
                   halls=[NearHall(id=f.hall.id, code=f.hall.code, name=f.hall.name, city=f.hall.city,
                                   district=f.hall.district, address=f.hall.address, lat=f.hall.lat, lon=f.hall.lon,
                                   distance_m=f.distance_m, walking_m=f.walking_m, walking_minutes=f.walking_minutes,
                                   open_now=f.open_now, today=f.today, closes_at=f.closes_at,
                                   next_open=f.next_open, care_services=list(f.hall.care_services))
                          for f in found.halls])
