"""The background loop: deliver the outbox and fire due timers.

`kindline run` starts it as a thread inside the web process (the one-laptop
set-up); `kindline worker` runs the same loop as its own process, as many as
needed, since both steps claim their rows with SKIP LOCKED.
"""

from __future__ import annotations

import logging
import threading
from typing import NamedTuple

from sqlalchemy.orm import Session, sessionmaker

from kindline.core import outbox, timers
from kindline.core.clock import Clock

log = logging.getLogger(__name__)


class Round(NamedTuple):
    """What one round did: timers fired and messages delivered."""

    fired: int
    delivered: int

    def __bool__(self) -> bool:  # a round that did anything: go again at once
        return bool(self.fired or self.delivered)


def one_round(factory: sessionmaker[Session], clock: Clock) -> Round:
    """Fire due timers, then deliver due messages (a timer often queues an SMS)."""
    fired = timers.fire_due(factory, clock)
    return Round(fired, outbox.deliver_due(factory, clock))


class Worker(threading.Thread):
    def __init__(self, factory: sessionmaker[Session], clock: Clock, interval: float = 1.0) -> None:
        super().__init__(name="kindline-worker", daemon=True)
        self.factory, self.clock, self.interval = factory, clock, interval
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                busy = one_round(self.factory, self.clock)
            except Exception:  # keep the loop alive; the error is logged
                log.exception("worker round failed")
                busy = Round(0, 0)
            if not busy:
                self.stopping.wait(self.interval)

    def stop(self) -> None:
        self.stopping.set()
