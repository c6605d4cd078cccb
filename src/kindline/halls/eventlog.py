"""Appending to the hall event log, and the names of its events.

The log is append-only and the only input of the KPIs (kpi.py). Like the
hotline's, whatever a figure needs (a wait, a handling time, the lane) is
written into the event's data when it happens, never looked up later in
ticket rows that may have changed since.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from kindline.core.clock import Clock
from kindline.halls.models import HallEvent

TAKEN = "TAKEN"  # number, category, lane, green, group, vip, remote, channel, via, ahead, expected_wait
CHECKIN = "CHECKIN"  # a remote ticket arrived at the hall: early (seconds before its hold ran out)
CALLED = "CALLED"  # the first call at a counter: wait_seconds, category, lane, auto
RECALLED = "RECALLED"  # calls
STARTED = "STARTED"  # the visitor is at the counter
DONE = "DONE"  # category, lane, handling_seconds, busy_seconds
NOSHOW = "NOSHOW"  # calls, busy_seconds
TRANSFERRED = "TRANSFERRED"  # to_category, new_ticket_id, busy_seconds
EXPIRED = "EXPIRED"  # a remote ticket not checked in within its hold (at = the end of the hold)
COUNTER = "COUNTER"  # state: open or closed, kind

LEAVES_COUNTER = (DONE, NOSHOW, TRANSFERRED)


def append(session: Session, clock: Clock, hall_id: int, event: str, *, ticket_id: int | None = None,
           counter_number: int | None = None, at: datetime | None = None, **data: Any) -> HallEvent:
    row = HallEvent(at=at or clock.now(), hall_id=hall_id, ticket_id=ticket_id, counter_number=counter_number,
                    event=event, data=data)
    session.add(row)
    return row
