"""The state the demo simulation shares: the session, a clock that walks
through the demo's past, the random streams, the staff acting, and the
customers and lines made so far (so later history picks from what exists).

Randomness comes only from streams seeded from the run's seed, and nothing is
ever iterated out of a set, so the same seed makes the same data on any
machine and any database.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from faker import Faker
from sqlalchemy.orm import Session

from kindline.catalog import service as catalog
from kindline.catalog.models import LINE_KINDS
from kindline.core.auth.principal import Principal
from kindline.core.clock import Clock, VirtualClock
from kindline.core.errors import Conflict, Invalid
from kindline.customers import lines as line_service
from kindline.customers import service as customers
from kindline.customers.models import Customer, Line
from kindline.demo.holdings import Holdings, Menu
from kindline.demo.numbers import Numbers
from kindline.demo.people import People

T = TypeVar("T")


def read_menu(session: Session, clock: Clock) -> Menu:
    on_sale = catalog.catalog_on(session, clock.today())
    return Menu(kinds={p.code: p.kind for p, _ in on_sale}, line_kinds={p.code: p.line_kind for p, _ in on_sale},
                monthly={p.code: v.charge == "monthly" for p, v in on_sale},
                sms_codes={p.code: p.sms_code for p, _ in on_sale},
                requires={p.code: list((v.terms.get("eligibility") or {}).get("requires_products") or [])
                          for p, v in on_sale})


@dataclass
class World:
    session: Session
    clock: VirtualClock  # the simulation's "now", walking from the past to the present
    now: datetime  # the present: the runtime clock when the load began
    rng: random.Random
    people: People
    numbers: Numbers
    holdings: Holdings
    menu: Menu
    staff: dict[str, Principal]
    customers: list[Customer] = field(default_factory=list)
    lines: dict[str, list[Line]] = field(default_factory=lambda: {kind: [] for kind in LINE_KINDS})
    protected: set[int] = field(default_factory=set)  # lines the history must not close, change or hand over
    _events: list[tuple[datetime, int, Callable[[], None]]] = field(default_factory=list)
    _scheduled: int = 0

    @classmethod
    def start(cls, session: Session, clock: Clock, seed: int, staff: dict[str, Principal]) -> World:
        faker = Faker("zh_CN")
        faker.seed_instance(seed)
        now = clock.now()
        menu = read_menu(session, clock)
        numbers = Numbers(random.Random(f"{seed}:numbers"))
        return cls(session=session, clock=VirtualClock(now, tz=clock.tz.key), now=now,
                   rng=random.Random(f"{seed}:history"),
                   people=People(random.Random(f"{seed}:people"), faker, clock.today()), numbers=numbers,
                   holdings=Holdings(random.Random(f"{seed}:holdings"), numbers, menu), menu=menu, staff=staff)

    # --- time -----------------------------------------------------------------------------------------

    def at(self, moment: datetime) -> None:
        """Move the simulation clock; never past the present."""
        self.clock.set(min(moment, self.now))

    def later(self, minutes: int = 2) -> None:
        self.at(self.clock.now() + timedelta(minutes=minutes))

    def schedule(self, moment: datetime, action: Callable[[], None]) -> None:
        """Do `action` when the simulation reaches `moment` (ties keep their order)."""
        self._scheduled += 1
        heapq.heappush(self._events, (min(moment, self.now), self._scheduled, action))

    def run(self) -> None:
        """Play every scheduled action in time order, the clock following."""
        while self._events:
            moment, _, action = heapq.heappop(self._events)
            self.at(moment)
            action()

    # --- what exists ------------------------------------------------------------------------------------

    def add_line(self, line: Line) -> Line:
        self.lines[line.kind].append(line)
        return line

    def pick(self, items: Sequence[T], accept: Callable[[T], bool] = lambda _: True, tries: int = 40) -> T | None:
        """A random item that `accept` takes, or None after `tries` draws."""
        if not items:
            return None
        for _ in range(tries):
            item = self.rng.choice(items)
            if accept(item):
                return item
        return None

    def in_service(self, line: Line) -> bool:
        return line.status == "active"

    def changeable(self, line: Line) -> bool:
        """In service and free for the history to change, close or hand over."""
        return line.status == "active" and line.id not in self.protected

    # Whether the services would allow something today: the rules are asked, never copied.

    def offerable(self, line: Line, code: str) -> bool:
        """May this line take `code` now?"""
        owner = self.session.get(Customer, line.customer_id)
        return self._allowed(line_service.check_offer, self.session, self.clock, owner, line.kind,
                             line_service.held_codes(line), code, line.primary_line_id is not None)

    def offerable_new(self, customer: Customer, line_kind: str, code: str) -> bool:
        """May this subscriber open a new line of this kind with `code`?"""
        return self._allowed(line_service.check_offer, self.session, self.clock, customer, line_kind, [], code)

    def changeable_to(self, line: Line, code: str) -> bool:
        """May this line change its base product to `code` (套餐变更)?"""
        return self._allowed(line_service.check_change, self.session, self.clock, line, code)

    @staticmethod
    def _allowed(check: Callable[..., object], *args: object) -> bool:
        try:
            check(*args)
        except (Conflict, Invalid):
            return False
        return True

    def elderly(self, customer: Customer) -> bool:
        return "elderly" in customers.segments(customer, self.clock)
