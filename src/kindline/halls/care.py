"""The care station (爱心驿站) visit log, and the elderly classes (爱心小课堂):
a class, sign-ups by portal, hotline, hall or SMS, attendance, the follow-up
group and follow-up visits by phone or video.

A class is full at its capacity: the next sign-up is refused with a clear
message rather than put on a list nobody reads. Signing up twice with the
same phone is the same sign-up (a retried SMS or a second call to the
hotline), so the natural key is (class, phone).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from kindline.core.auth.permissions import HALLS_COUNTER, HALLS_MANAGE
from kindline.core.auth.principal import Principal
from kindline.core.clock import Clock
from kindline.core.errors import Conflict, Forbidden, Invalid, not_found
from kindline.customers import service as customers
from kindline.customers.models import Customer
from kindline.customers.phone import normalize_mobile
from kindline.halls.hours import WEEKDAY_NAMES
from kindline.halls.models import CareVisit, ClassSignup, ElderClass, FollowUpVisit, Hall
from kindline.halls.types import CARE_GROUPS, CARE_SERVICES, CLASS_TOPICS, FOLLOWUP_METHODS, SIGNUP_CHANNELS


def _require(principal: Principal | None, permission: str) -> None:
    if principal is not None:
        principal.require(permission)


def record_visit(session: Session, clock: Clock, principal: Principal | None, hall: Hall, *, service: str,
                 group: str, phone: str | None = None, note: str = "") -> CareVisit:
    _require(principal, HALLS_COUNTER)
    if service not in CARE_SERVICES:
        raise Invalid("invalid_care_service", "爱心驿站服务项目不正确。", f"unknown care service {service!r}",
                      {"known": sorted(CARE_SERVICES)})
    if service not in (hall.care_services or []):
        raise Invalid("care_service_not_offered", f"{hall.name}的爱心驿站没有{CARE_SERVICES[service]}服务。",
                      f"hall {hall.id} does not offer {service}", {"offered": list(hall.care_services or [])})
    if group not in CARE_GROUPS:
        raise Invalid("invalid_group", "服务对象类别不正确。", f"unknown group {group!r}", {"known": sorted(CARE_GROUPS)})
    holder = customers.by_phone(session, normalize_mobile(phone)) if phone else None
    visit = CareVisit(hall_id=hall.id, at=clock.now(), service=service, group=group,
                      customer_id=holder.id if holder else None, note=(note or "").strip()[:200],
                      staff_id=principal.staff_id if principal else None)
    session.add(visit)
    session.flush()
    return visit


def visits(session: Session, hall_id: int, start: datetime, end: datetime) -> list[CareVisit]:
    return list(session.scalars(select(CareVisit).where(CareVisit.hall_id == hall_id, CareVisit.at >= start,
                                                        CareVisit.at < end).order_by(CareVisit.at, CareVisit.id)))


def create_class(session: Session, clock: Clock, principal: Principal | None, *, topic: str, title: str,
                 starts_at: datetime, capacity: int, hall: Hall | None = None, community: str | None = None,
                 city: str | None = None, minutes: int = 60, teacher: str = "") -> ElderClass:
    _require(principal, HALLS_MANAGE)
    if topic not in CLASS_TOPICS:
        raise Invalid("invalid_topic", "课程主题不正确。", f"unknown topic {topic!r}", {"known": sorted(CLASS_TOPICS)})
    if (hall is None) == (not (community or "").strip()):
        raise Invalid("class_place", "请选择在营业厅或在社区上课（二选一）。", "a class is in a hall or in a community")
    if not isinstance(capacity, int) or not 1 <= capacity <= 500:
        raise Invalid("invalid_capacity", "名额应为 1 到 500。", f"invalid capacity {capacity!r}")
    if not 15 <= minutes <= 480:
        raise Invalid("invalid_minutes", "课程时长应为 15 到 480 分钟。", f"invalid minutes {minutes!r}")
    if starts_at.tzinfo is None:
        starts_at = starts_at.replace(tzinfo=clock.tz)
    place_city = hall.city if hall else (city or "").strip()
    if not place_city:
        raise Invalid("missing_field", "社区课程请填写城市。", "a community class needs a city")
    entry = ElderClass(topic=topic, title=(title or CLASS_TOPICS[topic]).strip()[:100],
                       hall_id=hall.id if hall else None, community=(community or "").strip() or None,
                       city=place_city, starts_at=starts_at, minutes=minutes, capacity=capacity,
                       teacher=(teacher or "").strip(), created_at=clock.now())
    session.add(entry)
    session.flush()
    return entry


def get_class(session: Session, class_id: int, *, lock: bool = False) -> ElderClass:
    stmt = select(ElderClass).where(ElderClass.id == class_id)
    found = session.scalar(stmt.with_for_update() if lock else stmt)
    if found is None:
        raise not_found("class", "课程", class_id)
    return found


def classes(session: Session, *, city: str | None = None, since: datetime | None = None) -> list[ElderClass]:
    stmt = select(ElderClass).order_by(ElderClass.starts_at, ElderClass.id)
    if city:
        stmt = stmt.where(ElderClass.city == city)
    if since is not None:
        stmt = stmt.where(ElderClass.starts_at >= since)
    return list(session.scalars(stmt))


def signups(session: Session, class_id: int) -> list[ClassSignup]:
    return list(session.scalars(select(ClassSignup).where(ClassSignup.class_id == class_id).order_by(ClassSignup.id)))


def signups_of(session: Session, customer: Customer) -> list[tuple[ClassSignup, ElderClass]]:
    """A person's seats, soonest class first: signed up as the customer, or by
    their phone (on the hotline, at a hall or by SMS) before they were known."""
    return list(session.execute(
        select(ClassSignup, ElderClass).join(ElderClass, ElderClass.id == ClassSignup.class_id)
        .where(or_(ClassSignup.customer_id == customer.id, ClassSignup.phone == customer.phone))
        .order_by(ElderClass.starts_at, ElderClass.id)).all())


def when_text(clock: Clock, lesson: ElderClass) -> str:
    """"11月29日（周日）14:00，60分钟": the way a class is announced."""
    local = clock.local(lesson.starts_at)
    return f"{local.month}月{local.day}日（{WEEKDAY_NAMES[local.isoweekday()]}）{local:%H:%M}，{lesson.minutes}分钟"


def place_text(session: Session, lesson: ElderClass) -> str:
    """Where a class is held: the hall with its address, or the community."""
    if lesson.hall_id is not None:
        hall = session.get(Hall, lesson.hall_id)
        return f"{hall.name}（{hall.city}{hall.district}{hall.address}）"
    return f"{lesson.city}{lesson.community}"


def follow_ups(session: Session, signup_ids: list[int]) -> dict[int, list[FollowUpVisit]]:
    """The follow-up visits of these sign-ups, oldest first."""
    found: dict[int, list[FollowUpVisit]] = {i: [] for i in signup_ids}
    if signup_ids:
        for visit in session.scalars(select(FollowUpVisit).where(FollowUpVisit.signup_id.in_(signup_ids))
                                     .order_by(FollowUpVisit.at, FollowUpVisit.id)):
            found[visit.signup_id].append(visit)
    return found


def taken(session: Session, class_id: int) -> int:
    return session.scalar(select(func.count()).select_from(ClassSignup).where(ClassSignup.class_id == class_id)) or 0


def sign_up(session: Session, clock: Clock, principal: Principal | None, class_id: int, *, channel: str,
            phone: str | None = None, name: str | None = None) -> tuple[ClassSignup, bool]:
    """A seat in the class (and True), or the seat already held by this phone (and False)."""
    if channel not in SIGNUP_CHANNELS:
        raise Invalid("invalid_channel", "报名渠道不正确。", f"unknown channel {channel!r}",
                      {"known": sorted(SIGNUP_CHANNELS)})
    holder = None
    if principal is not None and not principal.is_staff:
        holder = customers.get(session, principal.id)
        if phone and normalize_mobile(phone) != holder.phone:
            raise Forbidden("not_allowed", "只能为本人报名。", "subscribers sign up themselves")
        phone = holder.phone
    elif principal is not None:
        principal.require(HALLS_COUNTER)
    if not phone:
        raise Invalid("missing_field", "请填写手机号码。", "a phone number is required", {"field": "phone"})
    mobile = normalize_mobile(phone)
    holder = holder or customers.by_phone(session, mobile)
    lesson = get_class(session, class_id, lock=True)
    if lesson.starts_at <= clock.now():
        raise Conflict("class_started", "该课程已开始，不能再报名。", f"class {class_id} has started")
    existing = session.scalar(select(ClassSignup).where(ClassSignup.class_id == class_id, ClassSignup.phone == mobile))
    if existing is not None:
        return existing, False
    if taken(session, class_id) >= lesson.capacity:
        raise Conflict("class_full", f"该课程{lesson.capacity}个名额已满，请报名下一期。", f"class {class_id} is full")
    who = (name or "").strip() or (holder.name if holder else "")
    if not who:
        raise Invalid("missing_field", "请填写姓名。", "a name is required", {"field": "name"})
    entry = ClassSignup(class_id=class_id, name=who[:100], phone=mobile, customer_id=holder.id if holder else None,
                        channel=channel, signed_at=clock.now(), attended=None, followup_group=False)
    session.add(entry)
    session.flush()
    return entry, True


def _signup(session: Session, class_id: int, signup_id: int) -> ClassSignup:
    entry = session.get(ClassSignup, signup_id)
    if entry is None or entry.class_id != class_id:
        raise not_found("signup", "报名记录", signup_id)
    return entry


def take_attendance(session: Session, clock: Clock, principal: Principal | None, class_id: int,
                    attended_ids: list[int], followup_ids: list[int] | None = None) -> list[ClassSignup]:
    """Who came (the others did not), and who joined the follow-up group."""
    _require(principal, HALLS_COUNTER)
    lesson = get_class(session, class_id)
    if lesson.starts_at > clock.now():
        raise Conflict("class_not_started", "课程还没开始，不能登记到课。", f"class {class_id} has not started")
    rows = signups(session, class_id)
    known = {s.id for s in rows}
    unknown = sorted(set(attended_ids) - known) + sorted(set(followup_ids or []) - known)
    if unknown:
        raise not_found("signup", "报名记录", unknown[0])
    for entry in rows:
        entry.attended = entry.id in set(attended_ids)
        entry.followup_group = entry.attended and entry.id in set(followup_ids or [])
    return rows


def follow_up(session: Session, clock: Clock, principal: Principal | None, class_id: int, signup_id: int, *,
              method: str, asked: str, solved: bool, note: str = "") -> FollowUpVisit:
    _require(principal, HALLS_COUNTER)
    if method not in FOLLOWUP_METHODS:
        raise Invalid("invalid_method", "回访方式应为电话或视频。", f"unknown method {method!r}",
                      {"known": sorted(FOLLOWUP_METHODS)})
    if not (asked or "").strip():
        raise Invalid("missing_field", "请填写学员询问的问题。", "what was asked is required", {"field": "asked"})
    entry = _signup(session, class_id, signup_id)
    if not entry.attended:
        raise Conflict("not_attended", "只回访到课的学员。", f"signup {signup_id} did not attend")
    visit = FollowUpVisit(signup_id=entry.id, at=clock.now(), method=method, asked=asked.strip()[:500],
                          solved=bool(solved), note=(note or "").strip()[:500],
                          staff_id=principal.staff_id if principal else None)
    session.add(visit)
    session.flush()
    return visit

