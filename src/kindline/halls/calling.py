"""The calling engine: which waiting ticket a counter calls next, how many are
ahead of a ticket, and how long it is expected to wait.

Why not the hotline's routing engine (hotline/routing.py)? The issue asks to
reuse it where it fits, a ticket being a contact and a counter an agent. It
was read and it does not fit, for three reasons:
1. It routes by pushing: it matches the best contact to the longest-idle
   agent among all of them. A hall pulls: one clerk presses "call next" at
   one counter and that counter must get its best ticket, whoever has been
   idle longest elsewhere.
2. Its policy expresses "who may take this" as one skill per target that
   changes with the time waited (Twilio-style timeouts). A hall's rules turn
   on the floor's state instead: a VIP goes to the VIP counter only while one
   is open, and a green-channel visitor is taken by whichever counter calls
   first. Its segments are fixed to elderly/vip/ordinary and a policy must
   name an elder queue and IVR flows, none of which a hall has.
3. It was being rewritten while this was built (issue 5 is in progress);
   halls would have tied their numbers to a moving interface.
So the hall rules live here, small and pure (no database, no clock), and
both the live service (desk.py) and the simulator call this one module.

The rules (docs/halls.md):
- Green channel first, at every open counter: an elderly, disabled, pregnant
  or military visitor never waits behind anyone else.
- Then, at a VIP counter, VIP tickets; a VIP ticket is kept for the VIP
  counter while one is open, and is an ordinary ticket of its category when
  none is.
- Then the counter's categories, oldest place in line first (a transferred
  ticket keeps the place it had), ties by ticket id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from kindline.halls.types import GREEN, ORDINARY, VIP


@dataclass(frozen=True, slots=True)
class Waiting:
    """A ticket that may be called now."""

    id: int
    category: str
    lane: str  # green, vip, ordinary
    place: datetime  # its place in line


@dataclass(frozen=True, slots=True)
class Desk:
    """An open counter as the engine sees it."""

    number: int
    kind: str  # general, care, vip, business
    categories: frozenset[str]
    busy_remaining: float = 0.0  # seconds its current visitor is still expected to take (0: free)


def lane_of(green: bool, vip: bool) -> str:
    return GREEN if green else VIP if vip else ORDINARY


def serves(desk: Desk, ticket: Waiting, vip_desk_open: bool) -> bool:
    if ticket.lane == GREEN:
        return True
    if ticket.lane == VIP and desk.kind == "vip":
        return True
    if ticket.lane == VIP and vip_desk_open:
        return False
    return ticket.category in desk.categories


def rank(desk: Desk, ticket: Waiting) -> tuple:
    """The order a desk calls in: smaller first."""
    if ticket.lane == GREEN:
        tier = 0
    elif ticket.lane == VIP and desk.kind == "vip":
        tier = 1
    else:
        tier = 2
    return tier, ticket.place, ticket.id


def vip_open(desks: Iterable[Desk]) -> bool:
    return any(d.kind == "vip" for d in desks)


def pick(desk: Desk, waiting: Iterable[Waiting], vip_desk_open: bool) -> Waiting | None:
    """The ticket `desk` calls next, or None when it may call none of them."""
    best = None
    for ticket in waiting:
        if serves(desk, ticket, vip_desk_open) and (best is None or rank(desk, ticket) < rank(desk, best)):
            best = ticket
    return best


def servers_of(ticket: Waiting, desks: Sequence[Desk], vip_desk_open: bool) -> list[Desk]:
    return [d for d in desks if serves(d, ticket, vip_desk_open)]


def ahead(ticket: Waiting, waiting: Sequence[Waiting], desks: Sequence[Desk]) -> list[Waiting]:
    """The tickets that will be called before `ticket`: those some open counter
    serving it would call first. With no open counter serving it, those of
    its lane and category with an earlier place."""
    vip_desk_open = vip_open(desks)
    servers = servers_of(ticket, desks, vip_desk_open)
    if not servers:
        return [t for t in waiting if t.id != ticket.id and t.lane == ticket.lane and t.category == ticket.category
                and (t.place, t.id) < (ticket.place, ticket.id)]
    return [t for t in waiting if t.id != ticket.id
            and any(serves(d, t, vip_desk_open) and rank(d, t) < rank(d, ticket) for d in servers)]


def expected_wait(ticket: Waiting, waiting: Sequence[Waiting], desks: Sequence[Desk],
                  aht: Mapping[str, float]) -> tuple[int, int]:
    """(tickets ahead, expected wait in seconds). The work ahead (each ticket's
    category handling time) plus what the serving counters still have to do,
    shared among the open counters that may call the ticket. A ticket first in
    line at a free counter waits 0."""
    before = ahead(ticket, waiting, desks)
    servers = servers_of(ticket, desks, vip_open(desks))
    if not servers:
        return len(before), round(sum(aht[t.category] for t in before) + aht[ticket.category])
    work = sum(aht[t.category] for t in before)
    free = [d for d in servers if d.busy_remaining <= 0]
    if len(before) < len(free):
        return len(before), 0
    work += sum(d.busy_remaining for d in servers)
    return len(before), round(work / len(servers))
