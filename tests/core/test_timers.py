"""Durable timers set by two transactions at once (two workers starting
together both make sure next month's cycle is due): one timer, no failure."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

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


MOVING, STANDING_DOWN, STUCK = "test.moving", "test.standing_down", "test.stuck"


def _moving(session, clock, timer):
    """Waits for payload["until"]: before then it sets itself again for that moment."""
    until = datetime.fromisoformat(timer.payload["until"])
    if until > clock.now():
        timers.cancel(session, clock, timer.kind, timer.key)
        timers.schedule(session, clock, timer.kind, timer.key, until, timer.payload)
        return timers.NOT_YET
    timer.payload = {**timer.payload, "runs": timer.payload.get("runs", 0) + 1}
    return None


def _standing_down(session, clock, timer):
    """Stands down while payload["hold"]: cancelled, not fired, for its owner to set again."""
    if timer.payload.get("hold"):
        timers.cancel(session, clock, timer.kind, timer.key)
        return timers.NOT_YET
    return None


def _stuck(session, clock, timer):
    return timers.NOT_YET  # a mistake: neither set again nor cancelled


def _row(runtime, kind, key):
    with runtime.sessions() as session:
        return timers.find(session, kind, key)


def test_a_handler_that_sets_its_timer_again_later_is_not_fired_until_then(runtime):
    clock = runtime.clock
    for kind, handler in ((MOVING, _moving), (STANDING_DOWN, _standing_down), (STUCK, _stuck)):
        timers.register(kind, handler)
    until = clock.now() + timedelta(hours=5)
    with transaction(runtime.sessions) as session:
        timers.schedule(session, clock, MOVING, "a", clock.now() + timedelta(hours=1), {"until": until.isoformat()})
    clock.advance(2 * 3600)
    assert timers.run_until_idle(runtime.sessions, clock) == 0
    timer = _row(runtime, MOVING, "a")
    assert (timer.fired_at, timer.cancelled_at, timer.due_at, timer.attempts) == (None, None, until, 0)
    clock.advance(2 * 3600)  # 4 h: still before the new moment
    assert timers.run_until_idle(runtime.sessions, clock) == 0
    clock.advance(3600)
    assert timers.run_until_idle(runtime.sessions, clock) == 1
    clock.advance(24 * 3600)
    assert timers.run_until_idle(runtime.sessions, clock) == 0
    timer = _row(runtime, MOVING, "a")
    assert (timer.fired_at, timer.payload["runs"], timer.attempts) == (clock.now() - timedelta(hours=24), 1, 1)


def test_a_handler_that_stands_down_leaves_its_timer_for_its_owner_to_set_again(runtime):
    clock = runtime.clock
    timers.register(STANDING_DOWN, _standing_down)
    with transaction(runtime.sessions) as session:
        timers.schedule(session, clock, STANDING_DOWN, "b", clock.now() + timedelta(hours=1), {"hold": True})
    clock.advance(2 * 3600)
    assert timers.run_until_idle(runtime.sessions, clock) == 0
    timer = _row(runtime, STANDING_DOWN, "b")
    assert timer.fired_at is None and timer.cancelled_at == clock.now() and timer.attempts == 0
    later = clock.now() + timedelta(hours=3)
    with transaction(runtime.sessions) as session:  # the owner sets it again: the same row, due anew
        again = timers.schedule(session, clock, STANDING_DOWN, "b", later, {"hold": False})
        assert again.id == timer.id and again.cancelled_at is None
    clock.advance(3 * 3600)
    assert timers.run_until_idle(runtime.sessions, clock) == 1
    assert _row(runtime, STANDING_DOWN, "b").fired_at == later


def test_not_yet_from_a_handler_that_left_its_timer_due_is_an_error_retried_later(runtime):
    clock = runtime.clock
    timers.register(STUCK, _stuck)
    with transaction(runtime.sessions) as session:
        timers.schedule(session, clock, STUCK, "c", clock.now())
    assert timers.run_until_idle(runtime.sessions, clock) == 0  # no endless round on a timer that stays due
    timer = _row(runtime, STUCK, "c")
    assert timer.fired_at is None and timer.attempts == 1 and "NOT_YET" in timer.last_error
    assert timer.due_at == clock.now() + timedelta(seconds=2)
