"""The calling engine on its own: green first at every counter, VIPs kept for
the VIP counter while one is open, then oldest first in the counter's
categories; the queue ahead and the expected wait."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from kindline.halls import calling
from kindline.halls.calling import Desk, Waiting

T0 = datetime(2026, 11, 22, 2, 0, tzinfo=timezone.utc)
EVERY = frozenset({"business", "payment"})
AHT = {"business": 400.0, "payment": 200.0}


def ticket(id: int, minute: int, lane: str = "ordinary", category: str = "business") -> Waiting:
    return Waiting(id, category, lane, T0 + timedelta(minutes=minute))


def test_green_first_at_every_counter_then_oldest_first():
    waiting = [ticket(1, 0), ticket(2, 1, category="payment"), ticket(3, 5, "green")]
    for kind in ("general", "care", "vip", "business"):
        desk = Desk(1, kind, frozenset({"payment"}))
        assert calling.pick(desk, waiting, vip_desk_open=False).id == 3
    assert calling.pick(Desk(1, "general", EVERY), waiting[:2], False).id == 1
    assert calling.pick(Desk(1, "general", frozenset({"payment"})), waiting[:2], False).id == 2
    assert calling.pick(Desk(1, "general", frozenset({"care"})), waiting[:2], False) is None


def test_a_vip_is_kept_for_the_vip_counter_while_one_is_open():
    waiting = [ticket(1, 0), ticket(2, 1, "vip")]
    assert calling.pick(Desk(2, "vip", EVERY), waiting, True).id == 2  # ahead of an older ordinary ticket
    assert calling.pick(Desk(3, "general", EVERY), [waiting[1]], True) is None
    assert calling.pick(Desk(3, "general", EVERY), waiting, False).id == 1  # none open: oldest first
    assert calling.pick(Desk(3, "general", EVERY), [waiting[1]], False).id == 2


def test_ahead_and_the_expected_wait():
    desks = [Desk(1, "care", EVERY), Desk(3, "general", EVERY)]
    waiting = [ticket(1, 0), ticket(2, 1, category="payment"), ticket(3, 2), ticket(4, 3, "green")]
    assert [t.id for t in calling.ahead(waiting[2], waiting, desks)] == [1, 2, 4]
    assert calling.ahead(waiting[3], waiting, desks) == []
    # three ahead (400 + 200 + 400 s of work), two free counters: (1000) / 2
    assert calling.expected_wait(waiting[2], waiting, desks, AHT) == (3, 500)
    # first in line with a free counter: no wait
    assert calling.expected_wait(waiting[3], waiting, desks, AHT) == (0, 0)
    busy = [Desk(1, "care", EVERY, 300.0), Desk(3, "general", EVERY, 100.0)]
    assert calling.expected_wait(waiting[3], waiting, busy, AHT) == (0, 200)  # the first counter to free up
    assert calling.expected_wait(waiting[0], waiting, [], AHT) == (0, 400)  # no counter open: its own work
