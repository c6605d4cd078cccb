"""People the web tests work with, made through the same services the pages
call (never by writing rows), on a database that already holds the demo catalog."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from kindline.core.auth.models import StaffUser
from kindline.core.auth.service import create_staff, staff_principal
from kindline.core.db import transaction
from kindline.customers import lines
from kindline.customers import service as customers
from kindline.customers.service import Address
from kindline.halls import service as halls
from tests.factories import mobile, resident_id

PASSWORD = "secret-pass"
NANJING = Address("江苏省", "南京市", "玄武区", "北京东路1号")


@dataclass
class Subscriber:
    id: int
    name: str
    phone: str
    line_ids: dict[str, int] = field(default_factory=dict)


def subscriber(runtime, name: str, birth: date, products: dict[str, list[str]], female: bool = False) -> Subscriber:
    """A customer whose mobile line (if any) is also their contact phone;
    `products` maps a line kind to the codes it holds."""
    phone = mobile()
    with transaction(runtime.sessions) as session:
        clock = runtime.clock
        customer = customers.register(session, clock, name=name, id_number=resident_id(birth, female=female),
                                      phone=phone, address=NANJING)
        found = Subscriber(customer.id, name, phone)
        for kind, codes in products.items():
            number = {"mobile": phone, "fixed": "02584000000"}.get(kind, f"{kind.upper()}-{customer.id:06d}")
            line = lines.open_line(session, clock, customer, kind=kind, number=number,
                                   service_address="南京市玄武区北京东路1号" if kind != "mobile" else None)
            for code in codes:
                lines.subscribe(session, clock, line, code)
            found.line_ids[kind] = line.id
    return found


def staff_user(runtime, username: str, *roles: str, display_name: str | None = None) -> str:
    with transaction(runtime.sessions) as session:
        create_staff(session, runtime.clock, username, PASSWORD, list(roles), display_name)
    return username


def care_for(runtime, elder: Subscriber, staff_username: str) -> None:
    """An elderly person living alone: a care archive, a VIP level, a verified
    priority group and a family number on the elder plan."""
    with transaction(runtime.sessions) as session:
        clock = runtime.clock
        staff = staff_principal(session.scalar(select(StaffUser).where(StaffUser.username == staff_username)))
        customer = customers.get(session, elder.id)
        customers.set_care_archive(session, clock, customer, reason="独居老人", contact_name="王小明",
                                   contact_phone=mobile(), visit_plan="每月上门收费一次", actor=staff)
        customers.set_vip_level(session, clock, customer, 2, actor=staff, reason="长期客户")
        customers.verify_priority_group(session, clock, customer, "disabled", actor=staff, note="残疾证已核验")
        lines.add_family_number(session, clock, lines.get(session, elder.line_ids["mobile"]), mobile(), "儿子")


def secondary_card(runtime, holder: Subscriber) -> str:
    """A 副卡 on the holder's primary mobile line; returns its number."""
    number = mobile()
    with transaction(runtime.sessions) as session:
        primary = lines.get(session, holder.line_ids["mobile"])
        card = lines.open_line(session, runtime.clock, customers.get(session, holder.id), kind="mobile",
                               number=number, primary=primary)
        lines.subscribe(session, runtime.clock, card, "MOB-SEC")
    return number


EVERY_DAY = {str(day): [["09:00", "20:00"]] for day in range(1, 8)}


def hall(runtime, code: str = "NJ-WEB", name: str = "新街口营业厅") -> int:
    """A hall in 南京 open 09:00-20:00 every day: counter 1 the care counter,
    2 VIP, 3 and 4 general; 1 and 3 open, 2 and 4 closed."""
    with transaction(runtime.sessions) as session:
        found = halls.create_hall(session, runtime.clock, None, code=code, name=name, city="南京市", district="玄武区",
                                  address="中山路18号", lat=32.0418, lon=118.7842, hours_=EVERY_DAY, special_days={},
                                  care_services=["rest", "water", "phone_tutoring", "charging", "wifi"])
        for number, kind in ((1, "care"), (2, "vip"), (3, "general"), (4, "general")):
            halls.add_counter(session, None, found, number=number, kind=kind)
        for number in (1, 3):
            halls.open_counter(session, runtime.clock, None, found, number)
        return found.id

