"""The hotline's durable timers: an offer's ring time (the no-answer rule), a
routing target's timeout (route again: the next target may admit an idle
agent), and the end of an agent's wrap-up time.

Each handler reads the contact again and does nothing when the timer is stale
(answered, abandoned, finished early), so a timer that fires late or twice is
harmless. `install()` must run once per process (kindline.handlers).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from kindline.core import timers
from kindline.core.clock import Clock
from kindline.hotline import dispatch, service


def _ring(session: Session, clock: Clock, timer: timers.Timer) -> None:
    contact = service.get(session, timer.payload["contact_id"], lock=True)
    service.ring_timeout(session, clock, contact, timer.payload["offer"])


def _stage(session: Session, clock: Clock, timer: timers.Timer) -> None:
    contact = service.get(session, timer.payload["contact_id"], lock=True)
    service.next_target(session, clock, contact)


def _wrapup(session: Session, clock: Clock, timer: timers.Timer) -> None:
    contact = service.get(session, timer.payload["contact_id"], lock=True)
    service.finish_wrapup(session, clock, contact, auto=True)


def install() -> None:
    timers.register(dispatch.RING, _ring)
    timers.register(dispatch.STAGE, _stage)
    timers.register(dispatch.WRAPUP, _wrapup)
