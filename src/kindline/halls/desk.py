"""What a clerk does at a counter: call the next number (the calling engine
picks it), call it again, start serving, pass it over after three calls,
transfer it to another category, complete it with what was done.

A counter holds one ticket at a time: it calls the next only when the last
one is done, passed over or transferred, so the lobby board never shows two
numbers at one window. Two counters calling at the same moment cannot get
the same ticket: the claim is a conditional update (status still waiting),
and the loser takes the next one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from kindline.core.auth.permissions import HALLS_COUNTER
from kindline.core.auth.principal import Principal
from kindline.core.clock import Clock
from kindline.core.errors import Conflict, Invalid, NotFound
from kindline.halls import calling, queue, service
from kindline.halls import eventlog as ev
from kindline.halls.models import Counter, Hall, Ticket
from kindline.halls.types import CATEGORIES, MAX_CALLS, STATUSES

CLAIM_TRIES = 5
MAX_OUTCOME = 2000


def _require(principal: Principal | None) -> None:
    if principal is not None:
        principal.require(HALLS_COUNTER)


def ready_at(ticket: Ticket) -> datetime:
    """When the visitor was in the hall ready to be called: a remote ticket from its check-in."""
    return ticket.arrived_at if ticket.remote and ticket.arrived_at else ticket.taken_at


def _claim(session: Session, clock: Clock, hall: Hall, ticket: Ticket, desk: Counter, auto: bool) -> bool:
    now = clock.now()
    claimed = session.execute(
        update(Ticket).where(Ticket.id == ticket.id, Ticket.status == "waiting")
        .values(status="called", calls=1, first_called_at=now, called_at=now, counter_id=desk.id,
                counter_number=desk.number)
        .execution_options(synchronize_session="fetch")).rowcount
    if claimed != 1:
        session.refresh(ticket)
        return False
    session.refresh(ticket)
    ev.append(session, clock, hall.id, ev.CALLED, ticket_id=ticket.id, counter_number=desk.number,
              number=ticket.number, category=ticket.category, lane=calling.lane_of(ticket.green, ticket.vip),
              wait_seconds=round((now - ready_at(ticket)).total_seconds()), auto=auto)
    return True


def _take_from_floor(found: queue.Floor, ticket: Ticket, desk: Counter) -> None:
    """The floor after `ticket` went to `desk` (so the SMS check sees the queue as it now is)."""
    found.waiting = [w for w in found.waiting if w.id != ticket.id]
    found.rows.pop(ticket.id, None)
    found.desks = [calling.Desk(d.number, d.kind, d.categories, found.aht[ticket.category])
                   if d.number == desk.number else d for d in found.desks]


def call_next(session: Session, clock: Clock, principal: Principal | None, hall: Hall, number: int,
              found: queue.Floor | None = None) -> Ticket:
    """The counter's next ticket, claimed. `found` is a floor read just now in
    this transaction (the simulator calls several counters on one read)."""
    _require(principal)
    desk = service.counter(session, hall.id, number, lock=True)
    if not desk.is_open:
        raise Conflict("counter_closed", f"{number}号窗口未开启，请先开启窗口。", f"counter {number} is closed")
    busy = service.current_ticket(session, desk)
    if busy is not None:
        raise Conflict("counter_busy", f"{number}号窗口的{busy.number}号还未办结，请先办结、过号或转办。",
                       f"counter {number} still has ticket {busy.id}", {"ticket_id": busy.id, "number": busy.number})
    found = found or queue.floor(session, clock, hall)
    me = queue.as_desk(desk)
    vip_desk_open = calling.vip_open(found.desks)
    candidates = list(found.waiting)
    for _ in range(CLAIM_TRIES):
        chosen = calling.pick(me, candidates, vip_desk_open)
        if chosen is None:
            break
        ticket = found.rows[chosen.id]
        if _claim(session, clock, hall, ticket, desk, auto=False):
            _take_from_floor(found, ticket, desk)
            queue.notify_near(session, clock, found)
            return ticket
        candidates = [c for c in candidates if c.id != chosen.id]
    raise NotFound("no_waiting_ticket", "当前没有本窗口可叫的号码。", f"no ticket for counter {number}",
                   {"counter": number})


def auto_call(session: Session, clock: Clock, hall: Hall, ticket: Ticket, found: queue.Floor) -> bool:
    """A green-channel ticket goes at once to a free care counter (爱心台席)."""
    if not ticket.green or ticket.status != "waiting" or (ticket.remote and ticket.arrived_at is None):
        return False
    for desk in found.desks:
        if desk.kind != "care" or desk.busy_remaining > 0:
            continue
        counter = service.counter(session, hall.id, desk.number, lock=True)
        if service.current_ticket(session, counter) is None and _claim(session, clock, hall, ticket, counter, True):
            _take_from_floor(found, ticket, counter)
            return True
    return False


def _at_counter(session: Session, hall: Hall, number: int, allowed: tuple[str, ...]) -> tuple[Counter, Ticket]:
    desk = service.counter(session, hall.id, number, lock=True)
    ticket = service.current_ticket(session, desk)
    if ticket is None:
        raise Conflict("no_ticket_at_counter", f"{number}号窗口当前没有号码。", f"counter {number} has no ticket")
    if ticket.status not in allowed:
        raise Conflict("invalid_ticket_state", f"{ticket.number}号{STATUSES[ticket.status]}，不能进行此操作。",
                       f"ticket {ticket.id} is {ticket.status}", {"status": ticket.status, "allowed": list(allowed)})
    return desk, ticket


def _busy_seconds(ticket: Ticket, now: datetime) -> int:
    return round((now - ticket.first_called_at).total_seconds()) if ticket.first_called_at else 0


def recall(session: Session, clock: Clock, principal: Principal | None, hall: Hall, number: int) -> Ticket:
    _require(principal)
    _desk, ticket = _at_counter(session, hall, number, ("called",))
    if ticket.calls >= MAX_CALLS:
        raise Conflict("max_calls", f"{ticket.number}号已叫{ticket.calls}次，请按过号处理。",
                       f"ticket {ticket.id} was called {ticket.calls} times", {"calls": ticket.calls})
    ticket.calls += 1
    ticket.called_at = clock.now()
    ev.append(session, clock, hall.id, ev.RECALLED, ticket_id=ticket.id, counter_number=number, calls=ticket.calls)
    return ticket


def start(session: Session, clock: Clock, principal: Principal | None, hall: Hall, number: int) -> Ticket:
    _require(principal)
    _desk, ticket = _at_counter(session, hall, number, ("called",))
    ticket.status, ticket.started_at = "serving", clock.now()
    ev.append(session, clock, hall.id, ev.STARTED, ticket_id=ticket.id, counter_number=number)
    return ticket


def no_show(session: Session, clock: Clock, principal: Principal | None, hall: Hall, number: int) -> Ticket:
    """过号: only after three calls, so nobody loses their turn to one missed call."""
    _require(principal)
    _desk, ticket = _at_counter(session, hall, number, ("called",))
    if ticket.calls < MAX_CALLS:
        raise Conflict("calls_remaining", f"{ticket.number}号已叫{ticket.calls}次，叫满{MAX_CALLS}次仍未到才能过号。",
                       f"ticket {ticket.id} was called {ticket.calls} of {MAX_CALLS} times", {"calls": ticket.calls})
    now = clock.now()
    ticket.status, ticket.finished_at = "no_show", now
    ev.append(session, clock, hall.id, ev.NOSHOW, ticket_id=ticket.id, counter_number=number, calls=ticket.calls,
              busy_seconds=_busy_seconds(ticket, now))
    return ticket


def _check_ids(session: Session, order_ids: list[int], work_order_ids: list[int]) -> tuple[list[int], list[int]]:
    """The order and work order made at the counter must exist (asked of their domains)."""
    from kindline.orders import service as orders
    from kindline.workorders import service as workorders

    orders_, work_orders = list(dict.fromkeys(order_ids or [])), list(dict.fromkeys(work_order_ids or []))
    for order_id in orders_:
        orders.get(session, order_id)
    for work_order_id in work_orders:
        workorders.get(session, work_order_id)
    return orders_, work_orders


def complete(session: Session, clock: Clock, principal: Principal | None, hall: Hall, number: int, *,
             outcome: str, order_ids: list[int] | None = None, work_order_ids: list[int] | None = None) -> Ticket:
    _require(principal)
    outcome = (outcome or "").strip()
    if not outcome:
        raise Invalid("outcome_required", "请填写办理结果。", "what was done is required")
    if len(outcome) > MAX_OUTCOME:
        raise Invalid("outcome_too_long", f"办理结果最多{MAX_OUTCOME}字。", "outcome too long")
    _desk, ticket = _at_counter(session, hall, number, ("called", "serving"))
    orders_, work_orders = _check_ids(session, order_ids or [], work_order_ids or [])
    now = clock.now()
    started = ticket.started_at or ticket.called_at
    ticket.started_at = started
    ticket.status, ticket.finished_at = "done", now
    ticket.handling_seconds = round((now - started).total_seconds())
    ticket.outcome, ticket.order_ids, ticket.work_order_ids = outcome, orders_, work_orders
    ev.append(session, clock, hall.id, ev.DONE, ticket_id=ticket.id, counter_number=number, category=ticket.category,
              lane=calling.lane_of(ticket.green, ticket.vip), handling_seconds=ticket.handling_seconds,
              busy_seconds=_busy_seconds(ticket, now))
    return ticket


def transfer(session: Session, clock: Clock, principal: Principal | None, hall: Hall, number: int,
             category: str) -> tuple[Ticket, Ticket]:
    """Another category's business: a new number in that series which keeps
    the visitor's place in line; answers (the old ticket, the new one)."""
    _require(principal)
    if category not in CATEGORIES or category not in hall.services:
        raise Invalid("invalid_category", "转办的业务类别不正确或本厅不办理。", f"cannot transfer to {category!r}",
                      {"offered": list(hall.services)})
    _desk, ticket = _at_counter(session, hall, number, ("called", "serving"))
    if category == ticket.category:
        raise Invalid("same_category", "已是该业务类别，无需转办。", "transfer to the same category")
    now = clock.now()
    new = queue.issue(session, clock, hall, category, green=ticket.green, group=ticket.group,
                      group_source=ticket.group_source, vip=ticket.vip, phone=ticket.phone,
                      customer_id=ticket.customer_id, channel="transfer", remote=False, queued_at=ticket.queued_at,
                      transferred_from_id=ticket.id, via="transfer")
    ticket.status, ticket.finished_at = "transferred", now
    ev.append(session, clock, hall.id, ev.TRANSFERRED, ticket_id=ticket.id, counter_number=number,
              to_category=category, new_ticket_id=new.id, new_number=new.number,
              busy_seconds=_busy_seconds(ticket, now))
    found = queue.floor(session, clock, hall)
    auto_call(session, clock, hall, new, found)
    ahead, wait = found.standing(new)
    new.ahead_at_take, new.expected_wait_seconds = ahead, wait
    return ticket, new
