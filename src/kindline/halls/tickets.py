"""Taking a ticket, from the kiosk, the portal, the hotline or by SMS, and
what a ticket shows while it waits.

Who the visitor is decides their lane, and it is asked of the customers
domain, never typed by the kiosk: an ID card read at the kiosk gives the age
(65 and over: elderly); a phone number finds the subscriber, whose segments
say elderly, disabled, pregnant or military (the green channel, 绿色通道) and
VIP. A group may also be declared at the kiosk (a pregnant visitor without a
record), which the clerk sees on the ticket. A green-channel visitor goes at
once to a free care counter, or is the next one called at any counter.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kindline.core.auth.permissions import HALLS_COUNTER
from kindline.core.auth.principal import Principal, actor_label
from kindline.core.clock import Clock
from kindline.core.errors import Conflict, Forbidden, Invalid, not_found
from kindline.core.settings import get_settings
from kindline.customers import service as customers
from kindline.customers.idnumber import age_on, parse_resident_id
from kindline.customers.models import Customer
from kindline.customers.phone import normalize_mobile
from kindline.halls import desk, finder, hours, queue
from kindline.halls import eventlog as ev
from kindline.halls.models import Hall, Ticket
from kindline.halls.types import CATEGORIES, GREEN_GROUPS, REMOTE_CHANNELS, TICKET_CHANNELS


@dataclass(frozen=True)
class Identity:
    green: bool = False
    group: str | None = None
    group_source: str | None = None  # id_card, phone, declared
    vip: bool = False
    phone: str | None = None
    customer_id: int | None = None


def _of_customer(customer: Customer, clock: Clock) -> tuple[str | None, bool]:
    """(green group, VIP) from the subscriber's segments."""
    segments = customers.segments(customer, clock)
    group = next((g for g in GREEN_GROUPS if g in segments), None)
    return group, "vip" in segments


def identify(session: Session, clock: Clock, *, phone: str | None = None, id_number: str | None = None,
             group: str | None = None) -> Identity:
    """Lane facts from an ID number, a phone number and a declared group; the
    first that makes the visitor green names the group (ID card, phone, declared)."""
    if group is not None and group not in GREEN_GROUPS:
        raise Invalid("invalid_group", "优先群体不正确，应为长者、残疾人、孕妇或军人。", f"unknown group {group!r}",
                      {"known": sorted(GREEN_GROUPS)})
    found: list[tuple[str, str]] = []
    vip, customer_id, mobile = False, None, None
    if id_number:
        resident = parse_resident_id(id_number, clock.today())
        if age_on(resident.birth_date, clock.today()) >= get_settings().elderly_age:
            found.append(("elderly", "id_card"))
        holder = session.scalars(customers.find(session, id_number=resident.number)).first()
        if holder is not None:
            customer_id = holder.id
            held_group, vip = _of_customer(holder, clock)
            if held_group:
                found.append((held_group, "id_card"))
    if phone:
        mobile = normalize_mobile(phone)
        holder = customers.by_phone(session, mobile)
        if holder is not None:
            customer_id = customer_id or holder.id
            held_group, held_vip = _of_customer(holder, clock)
            vip = vip or held_vip
            if held_group:
                found.append((held_group, "phone"))
    if group:
        found.append((group, "declared"))
    first = found[0] if found else (None, None)
    return Identity(bool(found), first[0], first[1], vip, mobile, customer_id)


def _check_open(hall: Hall, clock: Clock) -> None:
    plan = hours.of(hall)
    local = clock.local_now()
    if not hall.active or not plan.is_open(local):
        opens = plan.next_open(local)
        when = f"，下次营业：{opens.month}月{opens.day}日{opens:%H:%M}" if opens else ""
        raise Conflict("hall_closed", f"{hall.name}现在不营业（今日{plan.text(local.date())}）{when}。",
                       f"hall {hall.id} is closed now", {"today": plan.text(local.date())})


def _who(session: Session, clock: Clock, principal: Principal | None, channel: str | None, remote: bool | None,
         phone: str | None) -> tuple[str, bool, str | None]:
    """(channel, remote, phone) as the caller may take them: staff at a kiosk or
    on the hotline; a subscriber from the portal or SMS, for themselves."""
    if principal is not None and not principal.is_staff:
        own = customers.get(session, principal.id)
        if phone:
            holder = customers.by_phone(session, normalize_mobile(phone))
            if holder is None or holder.id != own.id:
                raise Forbidden("not_allowed", "只能用本人的手机号码取号。", "subscribers take tickets for themselves")
        channel = channel if channel in REMOTE_CHANNELS else "portal"
        return channel, True, phone or own.phone
    if principal is not None:
        principal.require(HALLS_COUNTER)
    channel = channel or "kiosk"
    if channel not in TICKET_CHANNELS or channel == "transfer":
        raise Invalid("invalid_channel", "取号渠道不正确。", f"unknown channel {channel!r}")
    return channel, bool(remote) if remote is not None else channel in REMOTE_CHANNELS, phone


def take(session: Session, clock: Clock, principal: Principal | None, hall: Hall, *, category: str,
         phone: str | None = None, id_number: str | None = None, group: str | None = None,
         channel: str | None = None, remote: bool | None = None, idempotency_key: str | None = None,
         identity: Identity | None = None) -> tuple[Ticket, bool]:
    """A new ticket and True; a retry (same Idempotency-Key from the same
    caller) answers the first ticket and False. `identity` is for the
    simulator, which has no real subscribers to look up."""
    if category not in CATEGORIES:
        raise Invalid("invalid_category", "业务类别不正确。", f"unknown category {category!r}",
                      {"known": sorted(CATEGORIES)})
    if category not in hall.services:
        raise Invalid("category_not_offered", f"{hall.name}不办理{CATEGORIES[category].name}。",
                      f"hall {hall.id} does not offer {category}", {"offered": list(hall.services)})
    channel, remote, phone = _who(session, clock, principal, channel, remote, phone)
    key = f"{actor_label(principal)}|{idempotency_key.strip()}" if (idempotency_key or "").strip() else None
    if key is not None:
        existing = session.scalar(select(Ticket).where(Ticket.idempotency_key == key))
        if existing is not None:
            return existing, False
    who = identity or identify(session, clock, phone=phone, id_number=id_number, group=group)
    _check_open(hall, clock)
    try:
        ticket = queue.issue(session, clock, hall, category, green=who.green, group=who.group,
                             group_source=who.group_source, vip=who.vip, phone=who.phone,
                             customer_id=who.customer_id, channel=channel, remote=remote, idempotency_key=key)
    except IntegrityError:  # the same retry, made concurrently, won the race
        winner = session.scalar(select(Ticket).where(Ticket.idempotency_key == key))
        if winner is None:
            raise
        return winner, False
    found = queue.floor(session, clock, hall)
    desk.auto_call(session, clock, hall, ticket, found)
    ticket.ahead_at_take, ticket.expected_wait_seconds = found.standing(ticket)
    queue.notify_near(session, clock, found)
    return ticket, True


def get(session: Session, hall: Hall, ticket_id: int) -> Ticket:
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or ticket.hall_id != hall.id:
        raise not_found("ticket", "排队号", ticket_id)
    return ticket


def live_of(session: Session, clock: Clock, customer_id: int) -> list[Ticket]:
    """A customer's tickets of today still in play (waiting, called or at a
    counter), to find their page again from wherever they were taken."""
    return list(session.scalars(select(Ticket).where(
        Ticket.customer_id == customer_id, Ticket.service_day == clock.today(),
        Ticket.status.in_(queue.LIVE)).order_by(Ticket.id)))


def visible(principal: Principal, ticket: Ticket) -> Ticket:
    if principal.is_staff:
        principal.require(HALLS_COUNTER)
    elif ticket.customer_id != principal.id:
        raise Forbidden("not_allowed", "只能查看本人的排队号。", "subscribers see only their own tickets")
    return ticket


def check_in(session: Session, clock: Clock, principal: Principal | None, hall: Hall, ticket: Ticket) -> Ticket:
    """A remote ticket's holder arrived at the hall: the ticket takes its place in line."""
    if principal is not None:
        visible(principal, ticket)
    queue.expire_due(session, clock, hall.id)
    if ticket.status == "expired":
        raise Conflict("ticket_expired", f"{ticket.number}号已超过保留时间，请重新取号。",
                       f"ticket {ticket.id} expired", {"hold_until": ticket.hold_until})
    if not ticket.remote or ticket.arrived_at is not None:
        return ticket
    if ticket.status != "waiting":
        raise Conflict("invalid_ticket_state", "该号码不能签到。", f"ticket {ticket.id} is {ticket.status}")
    now = clock.now()
    ticket.arrived_at = now
    ev.append(session, clock, hall.id, ev.CHECKIN, ticket_id=ticket.id,
              early_seconds=round((ticket.hold_until - now).total_seconds()))
    found = queue.floor(session, clock, hall)
    desk.auto_call(session, clock, hall, ticket, found)
    return ticket


def standing(session: Session, clock: Clock, hall: Hall, ticket: Ticket) -> dict:
    """The ticket's place now: tickets ahead and the expected wait (updated on every read)."""
    return queue.describe(queue.floor(session, clock, hall), ticket)


def near_hall(session: Session, clock: Clock, customer: Customer, category: str) -> Hall:
    """The nearest hall open now offering `category`, from the subscriber's registered address."""
    found = finder.nearest_to_address(session, clock, f"{customer.city}{customer.district}{customer.address}",
                                      limit=1, open_only=True, service=category)
    if not found.halls:
        raise Conflict("no_open_hall", "您附近暂无营业中的营业厅可以办理该业务，请在营业时间再试。",
                       "no open hall offers the category near the subscriber")
    return found.halls[0].hall
