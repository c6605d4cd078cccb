"""What rating needs to know, loaded once per batch for every line in it.

Both rating paths (record by record, and column-wise) read the same context
and hand their results to the same commit step, so the rules live in the
context (allowances, rounding, prices, family numbers) and in the two small
rating functions, never in the database round trips.

Loading locks what the batch will change, in one fixed order (counters, then
accounts), so two raters of overlapping lines wait for each other instead of
losing an update; on SQLite the whole transaction is already exclusive.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from kindline.billing import postings
from kindline.catalog.models import BASE_KINDS, ProductVersion
from kindline.core import cycles
from kindline.core.bulk import in_values, insert_missing_frame
from kindline.core.clock import Clock
from kindline.customers.models import FamilyNumber, Line, LineProduct
from kindline.usage.models import USAGE_KINDS, UsageCounter

DEFAULT_ROUNDING = {"voice": 60, "sms": 1, "data": 1024}


def canonical_number(text: str | None) -> str:
    """The national form of a number as networks send it (+86/0086 dropped).
    The column-wise path applies the same rule as a Polars expression."""
    number = (text or "").strip().replace(" ", "").replace("-", "")
    for prefix in ("+86", "0086"):
        if number.startswith(prefix):
            return number[len(prefix):]
    return number


def ceil_to(quantity: int, unit: int) -> int:
    return -(-quantity // unit) * unit if unit > 1 else quantity


def blocks(quantity: int, per: int) -> int:
    """Started blocks of `per` units: overage is charged per started block."""
    return -(-quantity // per) if quantity > 0 else 0


@dataclass(frozen=True)
class Upgrade:
    """The auto-upgrade pack (流量自动升级包): `size` bytes for `price_fen`, at most `limit` a cycle."""

    size: int
    price_fen: int
    limit: int


@dataclass
class LineTerms:
    line_id: int
    customer_id: int
    pool_line_id: int
    account_id: int
    rounding: dict[str, int]
    overage: dict[str, tuple[int, int]]  # kind -> (price_fen, per units)
    family: frozenset[str]


@dataclass
class PoolTerms:
    pool_line_id: int
    allowance: dict[str, dict[str, int]]  # cycle -> kind -> units
    upgrade: Upgrade | None


@dataclass
class CounterState:
    """A pool's position in one kind and cycle: `used` is what came out of the
    allowance (upgrade packs included), `over` what went beyond it."""

    used: int = 0
    over: int = 0
    upgrades: int = 0
    exists: bool = False


@dataclass
class RatingContext:
    clock: Clock
    now: datetime
    lines: dict[str, LineTerms] = field(default_factory=dict)  # by msisdn
    pools: dict[int, PoolTerms] = field(default_factory=dict)
    counters: dict[tuple[int, str, str], CounterState] = field(default_factory=dict)
    balances: dict[int, int] = field(default_factory=dict)  # account id -> balance before the batch
    credits: dict[int, int] = field(default_factory=dict)  # account id -> credit line
    frames: dict[str, object] = field(default_factory=dict, repr=False)  # column-wise views, built once (columnar.py)

    def counter(self, pool_line_id: int, cycle: str, kind: str) -> CounterState:
        key = (pool_line_id, cycle, kind)
        state = self.counters.get(key)
        if state is None:
            state = self.counters[key] = CounterState()
        return state

    def allowance(self, pool_line_id: int, cycle: str, kind: str) -> int:
        return self.pools[pool_line_id].allowance.get(cycle, {}).get(kind, 0)


@lru_cache(maxsize=64)
def _bounds(clock: Clock, cycle: str) -> tuple[datetime, datetime]:
    """A cycle's bounds, computed once per cycle instead of once per product
    held (the operator's calendar does not change while a batch is rated)."""
    return cycles.bounds(clock, cycle)


def _valid_in(product: LineProduct, version: ProductVersion, clock: Clock, cycle: str) -> bool:
    """Monthly products give their allowance every cycle they are held in; a
    one-off pack (当月包) only in the cycle it was bought."""
    start, end = _bounds(clock, cycle)
    if product.started_at >= end or (product.ended_at is not None and product.ended_at < start):
        return False
    return version.charge == "monthly" or cycles.cycle_of(clock, product.started_at) == cycle


def _pool_terms(clock: Clock, pool_line_id: int, held: list[tuple[LineProduct, ProductVersion, str]],
                needed_cycles: Iterable[str]) -> PoolTerms:
    allowance: dict[str, dict[str, int]] = {}
    for cycle in needed_cycles:
        totals = dict.fromkeys(USAGE_KINDS, 0)
        for product, version, _kind in held:
            if _valid_in(product, version, clock, cycle):
                totals["voice"] += version.voice_seconds
                totals["sms"] += version.sms_messages
                totals["data"] += version.data_bytes
        allowance[cycle] = totals
    upgrade = None
    for product, version, kind in held:
        if kind == "auto_upgrade" and product.status == "active":
            terms = version.terms.get("auto_upgrade") or {}
            upgrade = Upgrade(size=int(terms.get("data", 0)), price_fen=version.price_fen,
                              limit=int(terms.get("max_per_cycle", 0)))
    return PoolTerms(pool_line_id=pool_line_id, allowance=allowance, upgrade=upgrade)


def _plan_terms(held: list[tuple[LineProduct, ProductVersion, str]]) -> tuple[dict[str, int], dict[str, tuple[int, int]]]:
    rounding, overage = dict(DEFAULT_ROUNDING), {}
    for product, version, kind in held:
        if kind in BASE_KINDS and product.status == "active":
            rounding.update({k: int(v) for k, v in (version.terms.get("rounding") or {}).items()})
            overage = {k: (int(v["price_fen"]), int(v["per"])) for k, v in (version.terms.get("overage") or {}).items()}
    return rounding, overage


def _held_products(session: Session, line_ids) -> dict[int, list[tuple]]:
    """line id -> [(held product row, pinned version, product kind)]."""
    from kindline.catalog.models import Product

    versions = {version.id: (version, kind) for version, kind in session.execute(
        select(ProductVersion, Product.kind).join(Product, Product.id == ProductVersion.product_id))}
    held: dict[int, list] = {}
    for product in session.execute(select(LineProduct.line_id, LineProduct.status, LineProduct.started_at,
                                          LineProduct.ended_at, LineProduct.product_version_id)
                                   .where(in_values(session, LineProduct.line_id, line_ids))):
        held.setdefault(product.line_id, []).append((product, *versions[product.product_version_id]))
    return held


def pool_terms_for(session: Session, clock: Clock, pool_line_id: int, needed_cycles: set[str]) -> PoolTerms:
    """One pool's allowances and pack terms, without locking (for reading)."""
    members = [pool_line_id, *session.scalars(select(Line.id).where(Line.primary_line_id == pool_line_id,
                                                                    Line.status != "cancelled"))]
    held = _held_products(session, members)
    return _pool_terms(clock, pool_line_id, [item for line_id in members for item in held.get(line_id, ())],
                       needed_cycles)


def load(session: Session, clock: Clock, numbers: set[str], needed_cycles: set[str]) -> RatingContext:
    """Everything the batch's lines need, with their counters and accounts locked."""
    ctx = RatingContext(clock=clock, now=clock.now())
    found = list(session.execute(
        select(Line.id, Line.number, Line.customer_id, Line.primary_line_id)
        .where(Line.kind == "mobile", Line.status != "cancelled", in_values(session, Line.number, numbers))))
    if not found:
        return ctx
    pool_of = {line_id: primary or line_id for line_id, _n, _c, primary in found}
    pool_ids = set(pool_of.values())
    members = list(session.execute(
        select(Line.id, Line.primary_line_id)
        .where(Line.status != "cancelled", in_values(session, Line.id, pool_ids)
               | in_values(session, Line.primary_line_id, pool_ids))))
    member_pool = {line_id: primary or line_id for line_id, primary in members}
    member_pool.update(pool_of)
    held_by_line = _held_products(session, member_pool)
    pooled: dict[int, list] = {pool_id: [] for pool_id in pool_ids}
    for line_id, pool_id in member_pool.items():
        pooled[pool_id].extend(held_by_line.get(line_id, ()))
    for pool_id, held in pooled.items():
        ctx.pools[pool_id] = _pool_terms(clock, pool_id, held, needed_cycles)

    family: dict[int, set[str]] = {}
    for line_id, number in session.execute(select(FamilyNumber.line_id, FamilyNumber.number)
                                           .where(in_values(session, FamilyNumber.line_id, pool_of))):
        family.setdefault(line_id, set()).add(number)
    line_of_number = {number: line_id for line_id, number, _c, _p in found}
    # Calls are free both ways: a line is free towards whoever lists it as a family number.
    for owner_number, listed in session.execute(select(Line.number, FamilyNumber.number)
                                                .join(FamilyNumber, FamilyNumber.line_id == Line.id)
                                                .where(in_values(session, FamilyNumber.number, line_of_number))):
        family.setdefault(line_of_number[listed], set()).add(owner_number)

    accounts = postings.lock_accounts(session, clock, {customer_id for _i, _n, customer_id, _p in found})
    for line_id, number, customer_id, _primary in found:
        rounding, overage = _plan_terms(held_by_line.get(pool_of[line_id], []))
        ctx.lines[number] = LineTerms(line_id=line_id, customer_id=customer_id, pool_line_id=pool_of[line_id],
                                      account_id=accounts[customer_id].account_id, rounding=rounding, overage=overage,
                                      family=frozenset(family.get(line_id, ())))
    for account in accounts.values():
        ctx.balances[account.account_id], ctx.credits[account.account_id] = account.balance_fen, account.credit_fen
    _lock_counters(session, clock, ctx, pool_ids, needed_cycles)
    return ctx


def _lock_counters(session: Session, clock: Clock, ctx: RatingContext, pool_ids: set[int],
                   needed_cycles: set[str]) -> None:
    """Create the batch's missing counters, then read them all under lock (in
    key order, so two raters cannot deadlock)."""
    pools = sorted(pool_ids)
    keys = pl.DataFrame({"pool_line_id": pools}, schema={"pool_line_id": pl.Int64}).join(
        pl.DataFrame({"cycle": sorted(needed_cycles)}, schema={"cycle": pl.Utf8}), how="cross").join(
        pl.DataFrame({"kind": list(USAGE_KINDS)}, schema={"kind": pl.Utf8}), how="cross")
    insert_missing_frame(session, UsageCounter.__table__, keys.with_columns(
        used=pl.lit(0), overage=pl.lit(0), upgrades=pl.lit(0),
        updated_at=pl.lit(ctx.now).dt.replace_time_zone("UTC")), ("pool_line_id", "cycle", "kind"))
    rows = session.execute(
        select(UsageCounter.pool_line_id, UsageCounter.cycle, UsageCounter.kind,
               UsageCounter.used, UsageCounter.overage, UsageCounter.upgrades)
        .where(in_values(session, UsageCounter.pool_line_id, pools), UsageCounter.cycle.in_(needed_cycles))
        .order_by(UsageCounter.pool_line_id, UsageCounter.cycle, UsageCounter.kind).with_for_update())
    ctx.counters.update({(pool, cycle, kind): CounterState(used=used, over=over, upgrades=upgrades, exists=True)
                         for pool, cycle, kind, used, over, upgrades in rows})
    for key in keys.iter_rows():
        ctx.counters.setdefault(key, CounterState())
