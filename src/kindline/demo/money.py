"""The demo's money: subscribers pay on the channels people use, and this
cycle's fees are charged at its start, all through the billing services on
the simulation's clock, so balances, bills and points look like a real
operator's on the day the demo opens.

Cheap by design: a subscriber prepays on joining (入网预存: what the first
month costs, rounded up to 50 yuan, as people pay), early in the previous
cycle everyone tops up what they owe plus a month ahead, the cycle start
charges the monthly fees (earning points), and in this cycle those left
with less than 15 yuan mostly pay again. A few skip a round: the low-balance and arrears reminders have someone
to warn. The random stream is the world's, so the same seed gives the same
money.
"""

from __future__ import annotations

from datetime import timedelta

from kindline.billing import cycles as billing_cycles
from kindline.billing import fees, payments
from kindline.billing import service as billing
from kindline.core import cycles
from kindline.customers.models import Customer
from kindline.demo.people import weighted
from kindline.demo.world import World

CHANNEL_WEIGHTS = {"app": 25, "bank": 20, "online": 12, "hall_cash": 18, "hall_pos": 6, "terminal": 9, "partner": 10}
ELDER_CHANNEL_WEIGHTS = {"hall_cash": 45, "bank": 25, "partner": 15, "terminal": 5, "app": 10}
NOTE_FEN = 5000  # people pay in round sums: 50, 100, 150 yuan ...
NEVER_PAY = 0.06
PAY_AGAIN = 0.85
LOW_FEN = 1500  # the low-balance reminder's threshold: people pay when it comes


def schedule(world: World) -> None:
    """Set the money events on the simulation's timeline (before `world.run`)."""
    cycle = cycles.current(world.clock)
    begins = cycles.starts_at(world.clock, cycle)
    previous = cycles.starts_at(world.clock, cycles.previous(cycle))
    world.schedule(previous + timedelta(hours=8), lambda: _payment_round(world, begins, "top-up", 1.0))
    world.schedule(begins, lambda: billing_cycles.start_cycle(world.session, world.clock, cycle))
    world.schedule(begins + timedelta(hours=8), lambda: _payment_round(world, world.now, "again", PAY_AGAIN))


def joined(world: World, customer: Customer) -> None:
    """入网预存: the new subscriber pays for their first month at once."""
    _pay(world, customer, "join")


def finish(world: World) -> None:
    """Leave the next cycle start and the daily points run to the worker."""
    billing_cycles.ensure_timers(world.session, world.clock)


def _payment_round(world: World, until, tag: str, share: float) -> None:
    """Each subscriber there now pays once, at a moment before `until`."""
    rng, start = world.rng, world.clock.now()
    span = max(0, int((until - start).total_seconds()) - 3600)
    for customer in list(world.customers):
        if rng.random() >= share or rng.random() < NEVER_PAY:
            continue
        moment = start + timedelta(seconds=rng.randint(0, span))
        world.schedule(moment, lambda c=customer: _pay(world, c, tag))


def _pay(world: World, customer: Customer, tag: str) -> None:
    line = next((ln for ln in customer.lines if ln.status != "cancelled"), None)
    account = billing.find_account(world.session, customer.id)
    if line is None or (tag == "again" and account is not None and account.balance_fen >= LOW_FEN):
        return
    monthly = _monthly_fen(world, customer)
    owed = max(0, -(account.balance_fen if account else 0))
    amount = -(-(owed + monthly) // NOTE_FEN) * NOTE_FEN or NOTE_FEN
    odds = ELDER_CHANNEL_WEIGHTS if world.elderly(customer) else CHANNEL_WEIGHTS
    channel = weighted(world.rng, odds)
    reference = f"DEMO-{cycles.current(world.clock)}-{tag}-{customer.id}"
    payments.receive(world.session, world.clock, line, channel, reference, amount, "system")


def _monthly_fen(world: World, customer: Customer) -> int:
    held = [p for ln in customer.lines if ln.status != "cancelled" for p in ln.products if p.status == "active"]
    found = fees.versions(world.session, {p.product_version_id for p in held})
    return sum(found[p.product_version_id].price_fen for p in held if found[p.product_version_id].charge == "monthly")
