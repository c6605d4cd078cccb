"""Durable timers set by two transactions at once (two workers starting
together both make sure next month's cycle is due): one timer, no failure."""

from __future__ import annotations

import threading
from datetime import timedelta

from kindline.core import timers
from kindline.core.db import transaction


def test_the_same_timer_set_by_two_transactions_at_once_is_one_timer(runtime):
    clock = runtime.clock
    due = clock.now() + timedelta(days=8)
    first_set, answers, errors = threading.Event(), [], []

    def second() -> None:
        first_set.wait(10)
        try:  # on PostgreSQL this insert waits for the first transaction, then meets its key
            with transaction(runtime.sessions) as session:
                answers.append(timers.schedule(session, clock, "test.cycle", "2026-12", due, {"by": "second"}).id)
        except Exception as exc:  # noqa: BLE001 - the failure this test exists to catch
            errors.append(exc)

    rival = threading.Thread(target=second)
    rival.start()
    with transaction(runtime.sessions) as session:
        mine = timers.schedule(session, clock, "test.cycle", "2026-12", due, {"by": "first"}).id
        first_set.set()
        rival.join(0.5)  # let the second reach the key while this transaction is still open
    rival.join(30)
    assert not errors, errors
    assert answers == [mine]
    with runtime.sessions() as session:
        timer = timers.find(session, "test.cycle", "2026-12")
        assert (timer.id, timer.payload) == (mine, {"by": "first"})
