"""Rating one record at a time: the rules exactly as the business states them.

In processing order: round the quantity up to the plan's unit; calls and
messages between a line and its family numbers are free; take what the pool's
allowance still holds; when data runs out and the auto-upgrade pack is on, add
a pack (charging its price) instead of charging overage, as many times as the
product allows in a cycle; charge the rest at the plan's overage price, per
started block counted over the cycle. The balance may go negative: a record
is never refused for lack of money.

`columnar.py` computes the same charges for a whole frame at once; a property
test holds the two to identical results.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import NamedTuple

from kindline.core import cycles
from kindline.usage.context import CounterState, RatingContext, blocks, ceil_to, cycle_bounds

FREE_KINDS = ("voice", "sms")  # family numbers make calls and messages free, not data
EDGE = timedelta(days=1)  # how near a cycle's start or end a record is placed one by one


class UsageIn(NamedTuple):
    """A validated record, number already in national form (see ingest.py).
    A tuple: a batch makes ten thousand of them straight from a frame's rows."""

    record_id: str
    msisdn: str
    kind: str
    started_at: datetime
    quantity: int
    peer: str | None


RATED_COLUMNS = ("record_id", "line_id", "pool_line_id", "account_id", "kind", "started_at", "cycle", "quantity",
                 "rated_quantity", "peer", "free", "allowance_used", "overage_quantity", "upgrade_packs",
                 "upgrade_fen", "overage_fen", "charge_fen")


def rate_records(ctx: RatingContext, records: list[UsageIn]) -> list[tuple]:
    """Rate in order against a private copy of the pool counters; answers one
    tuple per record in RATED_COLUMNS order. Every msisdn must be in the context."""
    running: dict[tuple[int, str, str], CounterState] = {}
    rated = []
    # The last cycle's inner part, away from its edges: its records need no time
    # zone conversion. Near an edge (where a clock change can move the month
    # back) each record is placed by cycles.cycle_of, as columnar.py does.
    inner_from = inner_to = cycle = None
    for record in records:
        terms = ctx.lines[record.msisdn]
        pool = ctx.pools[terms.pool_line_id]
        if inner_from is None or not inner_from <= record.started_at < inner_to:
            cycle = cycles.cycle_of(ctx.clock, record.started_at)
            start, end = cycle_bounds(ctx.clock, cycle)
            inner_from, inner_to = start + EDGE, end - EDGE
        key = (terms.pool_line_id, cycle, record.kind)
        state = running.get(key) or replace(ctx.counter(*key))
        running[key] = state
        rated_quantity = ceil_to(record.quantity, terms.rounding.get(record.kind, 1))
        free = record.kind in FREE_KINDS and record.peer is not None and record.peer in terms.family
        taken = over = packs = upgrade_fen = overage_fen = 0
        if not free:
            upgrade = pool.upgrade if record.kind == "data" else None
            size = upgrade.size if upgrade else 0
            cap = ctx.allowance(terms.pool_line_id, cycle, record.kind) + state.upgrades * size
            needed = state.used + rated_quantity
            while rated_quantity and size > 0 and needed > cap + packs * size and state.upgrades + packs < upgrade.limit:
                packs += 1  # the data ran out: switch on another pack instead of charging overage
            taken = max(state.used, min(needed, cap + packs * size)) - state.used
            rest = rated_quantity - taken
            upgrade_fen = packs * upgrade.price_fen if upgrade else 0
            over = rest
            price, per = terms.overage.get(record.kind, (0, 1))
            overage_fen = price * (blocks(state.over + over, per) - blocks(state.over, per))
            state.used, state.over, state.upgrades = state.used + taken, state.over + over, state.upgrades + packs
        rated.append((record.record_id, terms.line_id, terms.pool_line_id, terms.account_id, record.kind,
                      record.started_at, cycle, record.quantity, rated_quantity, record.peer, free, taken, over, packs,
                      upgrade_fen, overage_fen, upgrade_fen + overage_fen))
    return rated
