"""The cycle start (出账/月初扣费): at local 00:00 on the 1st every product held
is charged for the new month (the rules are in fees.py), points are earned on
what was paid, and the allowances start again from zero (they are counted per
cycle by rating, so nothing carries over unless a product says so).

Large populations are charged in batches of customers (a customer's lines in
one batch, so a bundle across two lines is seen whole), reading plain columns
rather than ORM rows. The durable timer `billing.cycle_start` fans the month
out into one `billing.cycle_batch` timer per range of customer ids, so any
number of workers share the work, each batch in its own transaction, and sets
the next month's start. Every fee has the natural key (line product, cycle):
a rerun, a retried batch or two workers on one batch charge nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kindline.billing import fees, points
from kindline.core import cycles, timers
from kindline.core.clock import Clock
from kindline.core.db import transaction
from kindline.core.errors import Invalid
from kindline.customers.models import Customer

BATCH = 500  # customers per batch
FAN_OUT = 5000  # customer ids per batch timer
CYCLE_START, CYCLE_BATCH, POINTS_DAILY = "billing.cycle_start", "billing.cycle_batch", "billing.points_daily"


@dataclass
class CycleSummary:
    cycle: str
    customers: int = 0
    fees: int = 0  # fee rows written by this run (zero fees for bundled products included)
    charged_fen: int = 0
    points: int = 0
    already: int = 0  # fees found charged before this run
    last_customer_id: int | None = None

    def add(self, booked: fees.Booked, customers: int, last: int) -> None:
        self.customers += customers
        self.fees += booked.fees
        self.charged_fen += booked.charged_fen
        self.points += booked.points
        self.already += booked.already
        self.last_customer_id = last


def check_started(clock: Clock, cycle: str) -> str:
    """A month is charged once it has begun, never in advance."""
    cycles.parse(cycle)
    if cycle > cycles.current(clock):
        raise Invalid("cycle_not_started", "该账期尚未开始，不能提前扣费。", f"cycle {cycle} has not begun")
    return cycle


def charge_customers(session: Session, clock: Clock, cycle: str, customer_ids: list[int]) -> fees.Booked:
    """Charge these customers' monthly products for the cycle."""
    held = [h for h in fees.holdings(session, clock, cycle, customer_ids) if h.version.charge == "monthly"]
    free = fees.bundled_free(held)
    charges = [fees.monthly_charge(clock, cycle, h, bundled=h.line_product_id in free) for h in held]
    return fees.book(session, clock, cycle, charges, reference=f"fee:{cycle}")


def _next_customers(session: Session, after: int | None, last: int | None, limit: int) -> list[int]:
    stmt = select(Customer.id).order_by(Customer.id).limit(limit)
    if after is not None:
        stmt = stmt.where(Customer.id > after)
    if last is not None:
        stmt = stmt.where(Customer.id <= last)
    return list(session.scalars(stmt))


def start_cycle(session: Session, clock: Clock, cycle: str, *, first: int | None = None, last: int | None = None,
                progress: Callable[[CycleSummary], None] | None = None) -> CycleSummary:
    """Charge the cycle for every customer (or those with ids first..last), in
    batches, inside the caller's transaction."""
    check_started(clock, cycle)
    summary = CycleSummary(cycle)
    after = None if first is None else first - 1
    while ids := _next_customers(session, after, last, BATCH):
        summary.add(charge_customers(session, clock, cycle, ids), len(ids), ids[-1])
        after = ids[-1]
        if progress:
            progress(summary)
    return summary


def run_cycle(factory: sessionmaker[Session], clock: Clock, cycle: str,
              progress: Callable[[CycleSummary, int], None] | None = None) -> CycleSummary:
    """The CLI's run: one transaction per batch, so a long run commits as it
    goes and a run stopped half-way is finished by running it again."""
    check_started(clock, cycle)
    with factory() as session:
        total = session.scalar(select(func.count()).select_from(Customer)) or 0
    summary = CycleSummary(cycle)
    while True:
        with transaction(factory) as session:
            ids = _next_customers(session, summary.last_customer_id, None, BATCH)
            if not ids:
                break
            summary.add(charge_customers(session, clock, cycle, ids), len(ids), ids[-1])
        if progress:
            progress(summary, total)
    return summary


# --- durable timers ---------------------------------------------------------------------------

def schedule_start(session: Session, clock: Clock, cycle: str) -> timers.Timer:
    return timers.schedule(session, clock, CYCLE_START, cycle, cycles.starts_at(clock, cycle), {"cycle": cycle})


def schedule_daily(session: Session, clock: Clock, after: datetime) -> timers.Timer:
    due = points.next_daily_run(clock, after)
    return timers.schedule(session, clock, POINTS_DAILY, clock.local(due).date().isoformat(), due)


def ensure_timers(session: Session, clock: Clock) -> None:
    """Set the next cycle start and the next daily points run, if not set yet
    (the demo load and `kindline billing start-cycle` call it; each handler
    then sets its successor)."""
    schedule_start(session, clock, cycles.following(cycles.current(clock)))
    schedule_daily(session, clock, clock.now())


def on_cycle_start(session: Session, clock: Clock, timer: timers.Timer) -> None:
    cycle = timer.payload["cycle"]
    low, high = session.execute(select(func.min(Customer.id), func.max(Customer.id))).one()
    if low is not None:
        for first in range(low, high + 1, FAN_OUT):
            timers.schedule(session, clock, CYCLE_BATCH, f"{cycle}:{first}", clock.now(),
                            {"cycle": cycle, "first": first, "last": first + FAN_OUT - 1})
    schedule_start(session, clock, cycles.following(cycle))


def on_cycle_batch(session: Session, clock: Clock, timer: timers.Timer) -> None:
    payload = timer.payload
    start_cycle(session, clock, payload["cycle"], first=payload["first"], last=payload["last"])


def on_points_daily(session: Session, clock: Clock, timer: timers.Timer) -> None:
    points.expire(session, clock)
    points.remind_expiring(session, clock)
    schedule_daily(session, clock, timer.due_at)


def install() -> None:
    timers.register(CYCLE_START, on_cycle_start)
    timers.register(CYCLE_BATCH, on_cycle_batch)
    timers.register(POINTS_DAILY, on_points_daily)
