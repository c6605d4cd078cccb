"""Hall test helpers: a hall in 南京 open 09:00-20:00 every day with a care
counter, a VIP counter and two general counters; staff at the counter and a
manager; visitors of a given age; shortcuts for the contract endpoints.

The tests' clock starts on Sunday 2026-11-22 at 10:00 Shanghai time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import select

from kindline.core.db import transaction
from kindline.core.outbox import OutboxMessage
from kindline.halls import service
from tests.factories import mobile, register, resident_id

SEVENTY = date(1956, 5, 1)  # 70 on the tests' today
FORTY = date(1986, 5, 1)
EVERY_DAY = {str(d): [["09:00", "20:00"]] for d in range(1, 8)}
XINJIEKOU = (32.0418, 118.7842)  # 新街口


@dataclass
class Floor:
    hall_id: int
    clerk: dict[str, str]
    manager: dict[str, str]


def make_hall(runtime, *, code: str = "NJ-XJK", name: str = "新街口营业厅", lat: float = XINJIEKOU[0],
              lon: float = XINJIEKOU[1], hours: dict | None = None, special_days: dict | None = None,
              counters: tuple[tuple[int, str], ...] = ((1, "care"), (2, "vip"), (3, "general"), (4, "general")),
              open_counters: tuple[int, ...] = (), city: str = "南京市", district: str = "玄武区") -> int:
    with transaction(runtime.sessions) as session:
        hall = service.create_hall(session, runtime.clock, None, code=code, name=name, city=city, district=district,
                                   address="中山路18号", lat=lat, lon=lon, hours_=hours or EVERY_DAY,
                                   special_days=special_days or {},
                                   care_services=["rest", "water", "phone_tutoring", "charging", "wifi"])
        for number, kind in counters:
            service.add_counter(session, None, hall, number=number, kind=kind)
        for number in open_counters:
            service.open_counter(session, runtime.clock, None, hall, number)
        return hall.id


@pytest.fixture
def floor(runtime, staff) -> Floor:
    """The hall with counters 1 (care), 2 (VIP) and 3 (general) open; 4 closed."""
    return Floor(make_hall(runtime, open_counters=(1, 2, 3)), staff("hall_clerk"), staff("supervisor"))


@dataclass
class Visitor:
    customer_id: int
    phone: str
    id_number: str


@pytest.fixture
def visitor(runtime):
    """A registered subscriber born on `birth`, with a VIP level if asked."""

    def make(birth: date = FORTY, vip_level: int = 0) -> Visitor:
        phone, id_number = mobile(), resident_id(birth)
        customer_id = register(runtime, birth, phone=phone, id_number=id_number)
        if vip_level:
            from kindline.customers import service as customers

            with transaction(runtime.sessions) as session:
                customers.set_vip_level(session, runtime.clock, customers.get(session, customer_id), vip_level,
                                        actor=None, reason="测试", source="staff")
        return Visitor(customer_id, phone, id_number)

    return make


def take(client, headers, hall_id: int, **body):
    return client.post(f"/api/v1/halls/{hall_id}/tickets", headers=headers, json={"category": "business", **body})


def taken(client, headers, hall_id: int, **body) -> dict:
    answer = take(client, headers, hall_id, **body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def counter_op(client, headers, hall_id: int, counter: int, op: str, **body):
    return client.post(f"/api/v1/halls/{hall_id}/counters/{counter}/{op}", headers=headers, json=body or None)


def call_next(client, headers, hall_id: int, counter: int) -> dict:
    answer = counter_op(client, headers, hall_id, counter, "call-next")
    assert answer.status_code == 200, answer.text
    return answer.json()


def texts_to(runtime, phone: str) -> list[str]:
    with runtime.sessions() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "sms").order_by(OutboxMessage.id))
        return [m.payload["text"] for m in rows if m.payload["to"] == phone]
