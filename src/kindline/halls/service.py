"""Halls and their counters: set up, look up, open and close a counter, and
what the lobby board shows.

Tickets are in tickets.py (taking one, the expected wait) and desk.py (what a
clerk does at a counter); both read halls and counters through this module.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kindline.core.auth.permissions import HALLS_COUNTER, HALLS_MANAGE
from kindline.core.auth.principal import Principal
from kindline.core.clock import Clock
from kindline.core.db import fetch
from kindline.core.errors import Conflict, Invalid, not_found
from kindline.halls import eventlog as ev
from kindline.halls import finder, hours
from kindline.halls.models import Counter, Hall, Ticket
from kindline.halls.types import ACTIVE, CARE_SERVICES, CATEGORIES, COUNTER_KINDS


def _require(principal: Principal | None, permission: str) -> None:
    if principal is not None:
        principal.require(permission)


def _check_categories(values: list[str], field: str) -> list[str]:
    unknown = [v for v in values if v not in CATEGORIES]
    if unknown or not values:
        raise Invalid("invalid_category", "业务类别不正确。", f"{field}: unknown or empty {unknown}",
                      {"known": sorted(CATEGORIES)})
    return list(dict.fromkeys(values))


def create_hall(session: Session, clock: Clock, principal: Principal | None, *, code: str, name: str, city: str,
                district: str, address: str, lat: float, lon: float, hours_: dict, special_days: dict | None = None,
                services: list[str] | None = None, care_services: list[str] | None = None,
                phone: str = "") -> Hall:
    _require(principal, HALLS_MANAGE)
    code, name = (code or "").strip(), (name or "").strip()
    if not code or not name or not (city or "").strip() or not (address or "").strip():
        raise Invalid("missing_field", "请填写营业厅编号、名称、城市和地址。", "code, name, city and address are required")
    if session.scalar(select(Hall.id).where(Hall.code == code)) is not None:
        raise Conflict("duplicate_hall", "该营业厅编号已存在。", f"hall {code} exists")
    finder.check_location(lat, lon)
    weekly, special = hours.check(hours_, special_days or {})
    care = list(dict.fromkeys(care_services or []))
    if any(s not in CARE_SERVICES for s in care):
        raise Invalid("invalid_care_service", "爱心驿站服务项目不正确。", f"unknown care services in {care}",
                      {"known": sorted(CARE_SERVICES)})
    hall = Hall(code=code, name=name, city=city.strip(), district=(district or "").strip(), address=address.strip(),
                lat=float(lat), lon=float(lon), phone=phone, hours=weekly, special_days=special,
                services=_check_categories(services or list(CATEGORIES), "services"), care_services=care,
                active=True, created_at=clock.now())
    session.add(hall)
    session.flush()
    return hall


def set_special_day(session: Session, principal: Principal | None, hall: Hall, day: str,
                    intervals: list[list[str]]) -> Hall:
    """Close the hall on a day (empty list) or give the day other hours."""
    _require(principal, HALLS_MANAGE)
    _, special = hours.check({}, {day: intervals})
    hall.special_days = {**(hall.special_days or {}), **special}
    return hall


def add_counter(session: Session, principal: Principal | None, hall: Hall, *, number: int, kind: str,
                categories: list[str] | None = None) -> Counter:
    _require(principal, HALLS_MANAGE)
    if kind not in COUNTER_KINDS:
        raise Invalid("invalid_counter_kind", "台席类型不正确。", f"unknown counter kind {kind!r}",
                      {"known": sorted(COUNTER_KINDS)})
    if not isinstance(number, int) or not 1 <= number <= 999:
        raise Invalid("invalid_counter_number", "窗口号应为 1 到 999。", f"invalid counter number {number!r}")
    if session.scalar(select(Counter.id).where(Counter.hall_id == hall.id, Counter.number == number)) is not None:
        raise Conflict("duplicate_counter", f"{number}号窗口已存在。", f"counter {number} exists in hall {hall.id}")
    wanted = _check_categories(categories or list(hall.services), "categories")
    if any(c not in hall.services for c in wanted):
        raise Invalid("category_not_offered", "窗口的业务类别须是本厅办理的业务。",
                      f"hall {hall.id} does not offer all of {wanted}", {"offered": list(hall.services)})
    counter = Counter(hall_id=hall.id, number=number, kind=kind, categories=wanted, is_open=False)
    session.add(counter)
    session.flush()
    return counter


def get(session: Session, hall_id: int) -> Hall:
    return fetch(session, Hall, hall_id, "hall", "营业厅")


def by_code(session: Session, code: str) -> Hall:
    hall = session.scalar(select(Hall).where(Hall.code == code))
    if hall is None:
        raise not_found("hall", "营业厅", code)
    return hall


def halls(session: Session, city: str | None = None) -> list[Hall]:
    stmt = select(Hall).where(Hall.active.is_(True)).order_by(Hall.city, Hall.id)
    if city:
        stmt = stmt.where(Hall.city == city)
    return list(session.scalars(stmt))


def counters(session: Session, hall_id: int) -> list[Counter]:
    return list(session.scalars(select(Counter).where(Counter.hall_id == hall_id).order_by(Counter.number)))


def counter(session: Session, hall_id: int, number: int, *, lock: bool = False) -> Counter:
    stmt = select(Counter).where(Counter.hall_id == hall_id, Counter.number == number)
    found = session.scalar(stmt.with_for_update() if lock else stmt)
    if found is None:
        raise not_found("counter", "窗口", number)
    return found


def current_ticket(session: Session, counter_: Counter) -> Ticket | None:
    """The ticket called to, or being served at, the counter."""
    return session.scalar(select(Ticket).where(Ticket.counter_id == counter_.id, Ticket.status.in_(ACTIVE))
                          .order_by(Ticket.id.desc()).limit(1))


def open_counter(session: Session, clock: Clock, principal: Principal | None, hall: Hall, number: int) -> Counter:
    _require(principal, HALLS_COUNTER)
    found = counter(session, hall.id, number, lock=True)
    if not found.is_open:
        found.is_open, found.opened_at = True, clock.now()
        found.staff_id = principal.staff_id if principal else None
        ev.append(session, clock, hall.id, ev.COUNTER, counter_number=number, state="open", kind=found.kind)
    return found


def close_counter(session: Session, clock: Clock, principal: Principal | None, hall: Hall, number: int) -> Counter:
    _require(principal, HALLS_COUNTER)
    found = counter(session, hall.id, number, lock=True)
    busy = current_ticket(session, found)
    if busy is not None:
        raise Conflict("counter_busy", f"{number}号窗口还有未办结的{busy.number}号，请先办结、过号或转办。",
                       f"counter {number} still has ticket {busy.id}", {"ticket_id": busy.id})
    if found.is_open:
        found.is_open, found.staff_id = False, None
        ev.append(session, clock, hall.id, ev.COUNTER, counter_number=number, state="closed", kind=found.kind)
    return found


def call_text(ticket: Ticket) -> str:
    """What the lobby board shows and says aloud."""
    return f"请{ticket.number}号到{ticket.counter_number}号窗口"


def board(session: Session, clock: Clock, hall: Hall, recent: int = 8) -> dict[str, Any]:
    """The lobby board: the numbers at each counter, the latest calls, and how
    many wait per category (numbers only: nothing personal is shown)."""
    rows = list(session.scalars(select(Ticket).where(Ticket.hall_id == hall.id, Ticket.called_at.is_not(None),
                                                     Ticket.service_day == clock.today())
                                .order_by(Ticket.called_at.desc(), Ticket.id.desc()).limit(recent)))
    waiting = session.execute(select(Ticket.category, Ticket.green).where(
        Ticket.hall_id == hall.id, Ticket.status == "waiting")).all()
    at_counters = []
    for desk in counters(session, hall.id):
        current = current_ticket(session, desk)
        at_counters.append({"counter": desk.number, "kind": desk.kind, "kind_name": COUNTER_KINDS[desk.kind],
                            "open": desk.is_open, "ticket": current.number if current else None,
                            "status": current.status if current else None})
    per_category = {code: sum(1 for c, _ in waiting if c == code) for code in hall.services}
    return {
        "hall_id": hall.id, "hall": hall.name, "now": clock.now().isoformat(),
        "counters": at_counters,
        "calls": [{"number": t.number, "counter": t.counter_number, "text": call_text(t), "called_at": t.called_at,
                   "calls": t.calls, "status": t.status, "green": t.green} for t in rows],
        "waiting": {"total": len(waiting), "green": sum(1 for _, g in waiting if g), "by_category": per_category},
    }
