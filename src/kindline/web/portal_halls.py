"""Portal hall pages: the hall finder and remote tickets (the classes are in
portal_classes.py).

The finder needs sign-in: its first answer is the halls nearest the
subscriber's registered address, the same answer the SMS hall gives (YYT),
and every hall on it leads to a remote ticket, which is taken for the person
signed in. Another address or the browser's location (a small script fills
lat/lon; without it the address form still works) ask the same finder.

A ticket is taken by halls.tickets.take with the subscriber as the principal
and the channel "portal": the domain decides the green channel from the
customer's record, holds the ticket 30 minutes and refuses a closed hall or a
category the hall does not offer. Only the ticket's owner sees its page; to
anyone else it does not exist (404), since a ticket carries a phone number.
The ticket page keeps itself up to date from a stream of its own figures.
"""

from __future__ import annotations

import math
import uuid
from typing import Annotated

from fastapi import Form, Query, Request
from fastapi.responses import RedirectResponse

from kindline.core.deps import DbSession, get_runtime
from kindline.core.errors import DomainError, Invalid, not_found
from kindline.customers import service as customers
from kindline.halls import finder, service, tickets
from kindline.halls.models import Hall, Ticket
from kindline.halls.types import CARE_SERVICES, CATEGORIES, GREEN_GROUPS, REMOTE_HOLD, STATUSES
from kindline.web import identity, live
from kindline.web.portal import LOGIN
from kindline.web.render import is_elder, render
from kindline.web.routing import page_router

CHANNEL = "portal"
STREAM_SECONDS = 10  # a queue moves by minutes; often enough to be true, rarely enough to cost nothing
SHOWN = {False: 5, True: 3}  # halls listed: standard, 长辈版 (fewer, bigger)
Text = Annotated[str, Query(max_length=200)]
Coordinate = Annotated[str, Query(max_length=32)]

router = page_router("/portal", login_path=LOGIN)


def distance_words(metres: int) -> str:
    return f"{metres}米" if metres < 1000 else f"{metres / 1000:.1f}公里"


def _coordinate(text: str) -> float:
    """A typed number, or NaN, which the finder refuses in its own words."""
    try:
        return float(text)
    except ValueError:
        return math.nan


def _search(session, clock, customer, address: str, lat: str, lon: str, limit: int) -> finder.Nearest:
    """Coordinates when both are given, else the typed address, else the registered one."""
    if lat.strip() and lon.strip():
        return finder.nearest(session, clock, _coordinate(lat), _coordinate(lon), limit=limit)
    where = address.strip() or f"{customer.city}{customer.district}{customer.address}"
    return finder.nearest_to_address(session, clock, where, limit=limit)


def _my_tickets(session, clock, customer_id: int) -> list[tuple[Ticket, Hall]]:
    """The subscriber's tickets of today still in play, to find their page again."""
    return [(t, service.get(session, t.hall_id)) for t in tickets.live_of(session, clock, customer_id)]


@router.get("/halls")
def hall_finder(request: Request, session: DbSession, me: identity.Subscriber, address: Text = "",
                lat: Coordinate = "", lon: Coordinate = ""):
    clock = get_runtime(request).clock
    customer = customers.get(session, me.id)
    found, error, status = None, None, 200
    try:
        found = _search(session, clock, customer, address, lat, lon, SHOWN[is_elder(request)])
    except Invalid as exc:
        error, status = exc.message, exc.status
    return render(request, "portal/halls_finder.html", status=status, title="附近营业厅", found=found, error=error,
                  address=address, typed=bool(address.strip()), located=bool(lat.strip() and lon.strip()),
                  mine=_my_tickets(session, clock, me.id), care_names=CARE_SERVICES,
                  distance_words=distance_words, near_m=int(finder.NEAR_M))


def _ticket_form(request: Request, session, hall: Hall, *, error: str | None = None, status: int = 200):
    is_open, today, _closes, opens = finder.status(hall, get_runtime(request).clock)
    return render(request, "portal/halls_ticket_new.html", status=status, back_to=f"/portal/halls/{hall.id}/ticket",
                  title="远程取号", hall=hall, is_open=is_open, today=today, next_open=opens, error=error,
                  categories=[(code, CATEGORIES[code].name) for code in CATEGORIES if code in hall.services],
                  hold_minutes=int(REMOTE_HOLD.total_seconds() // 60), idempotency_key=uuid.uuid4().hex)


@router.get("/halls/{hall_id:int}/ticket")
def ticket_form(request: Request, session: DbSession, me: identity.Subscriber, hall_id: int):
    return _ticket_form(request, session, service.get(session, hall_id))


@router.post("/halls/{hall_id:int}/ticket")
def take_ticket(request: Request, session: DbSession, me: identity.Subscriber, hall_id: int,
                category: Annotated[str, Form(max_length=20)] = "",
                idempotency_key: Annotated[str, Form(max_length=128)] = ""):
    hall = service.get(session, hall_id)
    try:
        ticket, _made = tickets.take(session, get_runtime(request).clock, me, hall, category=category,
                                     channel=CHANNEL, idempotency_key=idempotency_key)
    except DomainError as exc:
        if exc.status == 403:
            raise
        session.rollback()
        return _ticket_form(request, session, service.get(session, hall_id), error=exc.message, status=exc.status)
    return RedirectResponse(f"/portal/halls/{hall.id}/tickets/{ticket.id}", status_code=303)


def _own_ticket(session, hall: Hall, ticket_id: int, me) -> Ticket:
    """The ticket, if it is the signed-in subscriber's; to anyone else it does not exist."""
    ticket = tickets.get(session, hall, ticket_id)
    if ticket.customer_id != me.id:
        raise not_found("ticket", "排队号", ticket_id)
    return ticket


@router.get("/halls/{hall_id:int}/tickets/{ticket_id:int}")
def show_ticket(request: Request, session: DbSession, me: identity.Subscriber, hall_id: int, ticket_id: int):
    clock = get_runtime(request).clock
    hall = service.get(session, hall_id)
    ticket = _own_ticket(session, hall, ticket_id, me)
    standing = tickets.standing(session, clock, hall, ticket)  # expires a hold that ran out, too
    return render(request, "portal/halls_ticket.html", title=f"排队号 {ticket.number}", hall=hall, ticket=ticket,
                  category=CATEGORIES[ticket.category].name, status_name=STATUSES[ticket.status],
                  group_name=GREEN_GROUPS.get(ticket.group or ""), standing=standing,
                  waiting_to_check_in=ticket.remote and ticket.arrived_at is None and ticket.status == "waiting")


@router.get("/halls/{hall_id:int}/tickets/{ticket_id:int}/stream")
def ticket_stream(request: Request, session: DbSession, me: identity.Subscriber, hall_id: int, ticket_id: int,
                  once: int = 0):
    """Server-sent events: a `ticket` event with the status, the people ahead
    and the expected wait whenever they change, so the page the subscriber
    keeps open while travelling to the hall stays true (static/ticket.js)."""
    runtime = get_runtime(request)

    def read() -> dict:
        with runtime.sessions() as session:  # read only: a hold that ran out shows as expired, the page commits it
            hall = service.get(session, hall_id)
            ticket = _own_ticket(session, hall, ticket_id, me)
            standing = tickets.standing(session, runtime.clock, hall, ticket)
            return {"status": ticket.status, "ahead": standing["ahead"],
                    "wait_minutes": standing["expected_wait_minutes"],
                    "at": runtime.clock.local_now().strftime("%H:%M")}

    _own_ticket(session, service.get(session, hall_id), ticket_id, me)  # not theirs: a 404 now, not an empty stream
    return live.stream(request, read, "ticket", STREAM_SECONDS, once=bool(once), changes_only=True)
