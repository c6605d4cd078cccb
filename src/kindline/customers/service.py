"""Use cases on real-name records: register, find, segment, unmask."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from kindline.core import audit
from kindline.core.auth.permissions import PII_VIEW
from kindline.core.auth.principal import Principal
from kindline.core.clock import Clock
from kindline.core.db import fetch
from kindline.core.errors import Conflict, Invalid, not_found
from kindline.core.settings import get_settings
from kindline.customers.idnumber import ResidentId, age_on, parse_resident_id
from kindline.customers.models import CareArchive, Customer, Line, PriorityGroup
from kindline.customers.phone import is_mobile, normalize_mobile
from kindline.customers.segments import PRIORITY_GROUPS, segments_of

CHANNELS = ("hall", "hotline", "online", "app", "sms", "chat", "terminal", "partner")


@dataclass(frozen=True)
class Address:
    province: str
    city: str
    district: str
    detail: str


@dataclass(frozen=True)
class HolderFacts:
    """What eligibility rules may ask about a subscriber."""

    customer_id: int
    age: int
    segments: tuple[str, ...]


def _check_channel(channel: str) -> None:
    if channel not in CHANNELS:
        raise Invalid("invalid_channel", "受理渠道不正确。", f"unknown channel {channel!r}", {"known": CHANNELS})


def _check_address(address: Address) -> None:
    if not all(part.strip() for part in (address.province, address.city, address.district, address.detail)):
        raise Invalid("invalid_address", "地址须填写省、市、区县和详细地址。", "address needs province, city, district and detail")


def register(session: Session, clock: Clock, *, name: str, id_number: str, phone: str, address: Address,
             channel: str = "hall") -> Customer:
    name = name.strip()
    if not 2 <= len(name) <= 50:
        raise Invalid("invalid_name", "请填写证件上的真实姓名。", "legal name must be 2 to 50 characters")
    resident = parse_resident_id(id_number, clock.today())
    mobile = normalize_mobile(phone)
    _check_address(address)
    _check_channel(channel)
    if session.scalar(select(Customer.id).where(Customer.id_number == resident.number)) is not None:
        raise Conflict("duplicate_id_number", "该身份证号码已登记。", "resident ID already registered")
    customer = Customer(
        name=name, id_number=resident.number, birth_date=resident.birth_date, gender=resident.gender,
        phone=mobile, province=address.province.strip(), city=address.city.strip(),
        district=address.district.strip(), address=address.detail.strip(),
        registration_channel=channel, registered_at=clock.now(), vip_level=0,
    )
    session.add(customer)
    session.flush()
    return customer


def get(session: Session, customer_id: int) -> Customer:
    return fetch(session, Customer, customer_id, "customer", "客户")


def find(session: Session, *, phone: str | None = None, name: str | None = None,
         id_number: str | None = None):
    """A select over customers by phone (contact or line number), name or ID tail."""
    stmt = select(Customer).order_by(Customer.id)
    if phone:
        digits = normalize_mobile(phone) if is_mobile(phone) else "".join(ch for ch in phone if ch.isdigit())
        on_line = select(Line.customer_id).where(Line.number == digits)
        stmt = stmt.where(or_(Customer.phone == digits, Customer.id.in_(on_line)))
    if name:
        stmt = stmt.where(Customer.name.contains(name.strip()))
    if id_number:
        tail = id_number.strip().upper()
        stmt = stmt.where(Customer.id_number.endswith(tail) if len(tail) < 18 else Customer.id_number == tail)
    return stmt


def by_phone(session: Session, phone: str) -> Customer | None:
    """The subscriber who holds this mobile number, or whose contact phone it is."""
    line_owner = session.scalar(select(Line.customer_id).where(
        Line.kind == "mobile", Line.number == phone, Line.status != "cancelled"))
    if line_owner is not None:
        return session.get(Customer, line_owner)
    return session.scalars(select(Customer).where(Customer.phone == phone).order_by(Customer.id)).first()


def age(customer: Customer, clock: Clock) -> int:
    return age_on(customer.birth_date, clock.today())


def segments(customer: Customer, clock: Clock) -> list[str]:
    return segments_of(customer, clock.today(), get_settings().elderly_age)


def holder_facts(customer: Customer, clock: Clock) -> HolderFacts:
    return HolderFacts(customer.id, age(customer, clock), tuple(segments(customer, clock)))


def prospective_facts(resident: ResidentId, clock: Clock) -> HolderFacts:
    """What eligibility may know of someone about to be registered (id 0): age only."""
    years = age_on(resident.birth_date, clock.today())
    return HolderFacts(0, years, ("elderly",) if years >= get_settings().elderly_age else ())


def update_contact(session: Session, customer: Customer, *, phone: str | None = None,
                   address: Address | None = None) -> Customer:
    if phone is not None:
        customer.phone = normalize_mobile(phone)
    if address is not None:
        _check_address(address)
        customer.province, customer.city = address.province.strip(), address.city.strip()
        customer.district, customer.address = address.district.strip(), address.detail.strip()
    return customer


def set_vip_level(session: Session, clock: Clock, customer: Customer, level: int, *, actor: Principal | None,
                  reason: str, source: str = "staff") -> Customer:
    if not 0 <= level <= 7:
        raise Invalid("invalid_vip_level", "VIP 等级须在 0 到 7 之间。", "VIP level must be 0..7")
    customer.vip_level, customer.vip_source = level, source
    audit.record(session, clock, actor_id=actor.staff_id if actor else None, action=f"vip_level:{level}",
                 subject_type="customer", subject_id=customer.id, reason=reason)
    return customer


def vip_set_by_rules(session: Session) -> list[Customer]:
    """Customers whose VIP level the spend rules may move (staff-set levels stand)."""
    stmt = select(Customer).where(or_(Customer.vip_source.is_(None), Customer.vip_source == "spend"))
    return list(session.scalars(stmt.order_by(Customer.id)))


def verify_priority_group(session: Session, clock: Clock, customer: Customer, group: str, *,
                          actor: Principal, note: str = "") -> PriorityGroup:
    if group not in PRIORITY_GROUPS:
        raise Invalid("invalid_priority_group", "优先群体类型不正确。", f"unknown group {group!r}",
                      {"known": sorted(PRIORITY_GROUPS)})
    if any(g.group_name == group for g in customer.priority_groups):
        raise Conflict("duplicate_priority_group", "该群体身份已登记。", f"group {group} already recorded")
    entry = PriorityGroup(customer_id=customer.id, group_name=group, verified_by=actor.id,
                          verified_at=clock.now(), note=note)
    customer.priority_groups.append(entry)
    return entry


def set_care_archive(session: Session, clock: Clock, customer: Customer, *, reason: str, contact_name: str,
                     contact_phone: str, visit_plan: str, actor: Principal | None) -> CareArchive:
    if not reason.strip() or not visit_plan.strip():
        raise Invalid("invalid_care_archive", "请填写建档原因和走访计划。", "care archive needs a reason and a visit plan")
    entry = customer.care_archive or CareArchive(customer_id=customer.id, created_at=clock.now(),
                                                 created_by=actor.staff_id if actor else None)
    entry.reason, entry.visit_plan = reason.strip(), visit_plan.strip()
    entry.contact_name, entry.contact_phone = contact_name.strip(), normalize_mobile(contact_phone)
    session.add(entry)
    customer.care_archive = entry
    return entry


def close_care_archive(session: Session, customer: Customer) -> None:
    if customer.care_archive is None:
        raise not_found("care_archive", "关爱档案", customer.id)
    session.delete(customer.care_archive)
    customer.care_archive = None


def reveal(session: Session, clock: Clock, customer: Customer, *, actor: Principal, reason: str) -> dict[str, str]:
    """Unmasked ID and phone: needs pii:view and a reason, and is audited."""
    actor.require(PII_VIEW)
    if len(reason.strip()) < 2:
        raise Invalid("reason_required", "查看完整信息须填写原因。", "a reason is required to unmask")
    audit.record(session, clock, actor_id=actor.id, action="pii:view", subject_type="customer",
                 subject_id=customer.id, reason=reason.strip())
    return {"id_number": customer.id_number, "phone": customer.phone}
