"""The hall floor as the calling engine sees it, read from the tables: who
may be called, which counters are open and how busy, the handling times the
hall has measured; and what follows from it: numbering a new ticket, the
queue ahead and the expected wait, the "three ahead" SMS and the expiry of
remote tickets not checked in.

Expiry is applied whenever the floor is read, not by a timer: a remote
ticket cannot be called before it is checked in, so nothing can happen to it
between the end of its hold and the next read of its hall, and the event is
written with the moment the hold ended, so the KPIs see the exact time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kindline.core import sms
from kindline.core.clock import Clock
from kindline.halls import calling
from kindline.halls import eventlog as ev
from kindline.halls.models import Counter, Hall, Ticket
from kindline.halls.types import (
    ACTIVE,
    AHT_MIN_SAMPLES,
    AHT_WINDOW,
    CATEGORIES,
    NOTIFY_AHEAD,
    REMOTE_HOLD,
)

NUMBERING_TRIES = 8
LIVE = ("waiting", "called", "serving")


@dataclass
class Floor:
    hall: Hall
    now: datetime
    waiting: list[calling.Waiting]
    desks: list[calling.Desk]  # the open counters
    aht: dict[str, float]
    rows: dict[int, Ticket]  # the waiting tickets by id

    def standing(self, ticket: Ticket) -> tuple[int, int]:
        """(tickets ahead, expected wait seconds) of a waiting ticket, also of a
        remote one not checked in yet (as if it were: that is what it holds)."""
        if ticket.status != "waiting":
            return 0, 0
        me = as_waiting(ticket)
        others = self.waiting if ticket.id in self.rows else [*self.waiting, me]
        return calling.expected_wait(me, others, self.desks, self.aht)

    def line_for(self, counter: Counter) -> list[Ticket]:
        """The waiting tickets this counter may call, in the order call-next
        takes them: what the clerk sees coming."""
        me = as_desk(counter)
        vip_open = calling.vip_open(self.desks)
        mine = sorted((w for w in self.waiting if calling.serves(me, w, vip_open)), key=lambda w: calling.rank(me, w))
        return [self.rows[w.id] for w in mine]


def as_waiting(ticket: Ticket) -> calling.Waiting:
    return calling.Waiting(ticket.id, ticket.category, calling.lane_of(ticket.green, ticket.vip), ticket.queued_at)


def as_desk(counter: Counter, busy_remaining: float = 0.0) -> calling.Desk:
    return calling.Desk(counter.number, counter.kind, frozenset(counter.categories), busy_remaining)


def aht_by_category(session: Session, hall_id: int, now: datetime) -> dict[str, float]:
    """Mean handling seconds per category over the last week's completed
    tickets; a category with too few of them keeps its planning default."""
    rows = session.execute(select(Ticket.category, func.avg(Ticket.handling_seconds), func.count())
                           .where(Ticket.hall_id == hall_id, Ticket.status == "done",
                                  Ticket.finished_at >= now - AHT_WINDOW, Ticket.handling_seconds.is_not(None))
                           .group_by(Ticket.category)).all()
    measured = {category: float(mean) for category, mean, count in rows if count >= AHT_MIN_SAMPLES}
    return {code: measured.get(code, float(c.default_aht_seconds)) for code, c in CATEGORIES.items()}


def _expire(session: Session, clock: Clock, hall_id: int, rows: list[Ticket]) -> list[Ticket]:
    now = clock.now()
    due = [t for t in rows if t.status == "waiting" and t.remote and t.arrived_at is None and t.hold_until <= now]
    for ticket in due:
        ticket.status, ticket.finished_at = "expired", ticket.hold_until
        ev.append(session, clock, hall_id, ev.EXPIRED, ticket_id=ticket.id, at=ticket.hold_until,
                  number=ticket.number, category=ticket.category)
    return due


def expire_due(session: Session, clock: Clock, hall_id: int) -> list[Ticket]:
    """Remote tickets whose hold ran out before they were checked in."""
    return _expire(session, clock, hall_id, list(session.scalars(select(Ticket).where(
        Ticket.hall_id == hall_id, Ticket.status == "waiting", Ticket.remote.is_(True),
        Ticket.arrived_at.is_(None), Ticket.hold_until <= clock.now()).order_by(Ticket.id))))


def floor(session: Session, clock: Clock, hall: Hall) -> Floor:
    """One read of the tickets in play (waiting, called, serving) and the open
    counters; remote tickets past their hold are expired on the way."""
    now = clock.now()
    live = list(session.scalars(select(Ticket).where(Ticket.hall_id == hall.id, Ticket.status.in_(LIVE))
                                .order_by(Ticket.id)))
    gone = {t.id for t in _expire(session, clock, hall.id, live)}
    aht = aht_by_category(session, hall.id, now)
    rows = {t.id: t for t in live if t.id not in gone and t.status == "waiting"
            and (not t.remote or t.arrived_at is not None)}
    busy = {t.counter_id: t for t in live if t.status in ACTIVE}
    desks = []
    for counter in session.scalars(select(Counter).where(Counter.hall_id == hall.id, Counter.is_open.is_(True))
                                   .order_by(Counter.number)):
        current = busy.get(counter.id)
        remaining = 0.0
        if current is not None:
            spent = (now - current.started_at).total_seconds() if current.started_at else 0.0
            remaining = max(60.0, aht[current.category] - spent)
        desks.append(as_desk(counter, remaining))
    return Floor(hall, now, [as_waiting(t) for t in rows.values()], desks, aht, rows)


def issue(session: Session, clock: Clock, hall: Hall, category: str, *, green: bool, group: str | None,
          group_source: str | None, vip: bool, phone: str | None, customer_id: int | None, channel: str,
          remote: bool, queued_at: datetime | None = None, transferred_from_id: int | None = None,
          idempotency_key: str | None = None, via: str | None = None) -> Ticket:
    """A new numbered ticket in the category's series of the hall's day
    (A001, A002, ...), and its TAKEN event. Two kiosks taking at once may
    reach for the same number: the unique key refuses one, which takes the next."""
    now = clock.now()
    day = clock.today()
    series = CATEGORIES[category].series
    for _ in range(NUMBERING_TRIES):
        seq = _next_seq(session, hall.id, day, category)
        ticket = Ticket(hall_id=hall.id, service_day=day, category=category, seq=seq, number=f"{series}{seq:03d}",
                        green=green, group=group, group_source=group_source, vip=vip, phone=phone,
                        customer_id=customer_id, channel=channel, remote=remote,
                        hold_until=now + REMOTE_HOLD if remote else None, status="waiting", taken_at=now,
                        queued_at=queued_at or now, calls=0, transferred_from_id=transferred_from_id,
                        idempotency_key=idempotency_key, order_ids=[], work_order_ids=[], outcome="")
        try:
            with session.begin_nested():
                session.add(ticket)
                session.flush()
            break
        except IntegrityError:
            if idempotency_key and session.scalar(select(Ticket.id).where(
                    Ticket.idempotency_key == idempotency_key)) is not None:
                raise
            continue
    else:  # pragma: no cover - eight kiosks racing for one number
        raise RuntimeError("could not number the ticket")
    ev.append(session, clock, hall.id, ev.TAKEN, ticket_id=ticket.id, number=ticket.number, category=category,
              lane=calling.lane_of(green, vip), green=green, group=group, vip=vip, remote=remote, channel=channel,
              via=via)
    return ticket


def _next_seq(session: Session, hall_id: int, day: date, category: str) -> int:
    top = session.scalar(select(func.max(Ticket.seq)).where(Ticket.hall_id == hall_id, Ticket.service_day == day,
                                                            Ticket.category == category))
    return (top or 0) + 1


def notify_near(session: Session, clock: Clock, found: Floor) -> int:
    """Text the visitors with three (or fewer) ahead, once each: those who took
    their ticket with more ahead, and remote ticket holders (time to come)."""
    from kindline.reminders.service import next_allowed  # reminders' quiet hours, asked, not copied

    candidates = session.scalars(select(Ticket).where(
        Ticket.hall_id == found.hall.id, Ticket.status == "waiting", Ticket.phone.is_not(None),
        Ticket.notified_at.is_(None), or_(Ticket.remote.is_(True), Ticket.ahead_at_take > NOTIFY_AHEAD)))
    sent = 0
    for ticket in candidates:
        ahead, wait = found.standing(ticket)
        if ahead > NOTIFY_AHEAD:
            continue
        text = f"【{found.hall.name}】您的{ticket.number}号前面还有{ahead}位，预计等候{minutes(wait)}分钟，请留意叫号。"
        if ticket.remote and ticket.arrived_at is None:
            limit = clock.local(ticket.hold_until)
            text += f"远程号请于{limit:%H:%M}前到厅签到。"
        sms.send(session, clock, ticket.phone, text, next_allowed(clock, clock.now()))
        ticket.notified_at = clock.now()
        sent += 1
    return sent


def minutes(seconds: int) -> int:
    """Whole minutes for people: 0 only when there is no wait at all."""
    return 0 if seconds <= 0 else max(1, round(seconds / 60))


def describe(found: Floor, ticket: Ticket) -> dict[str, Any]:
    ahead, wait = found.standing(ticket)
    return {"ahead": ahead, "expected_wait_seconds": wait, "expected_wait_minutes": minutes(wait)}
