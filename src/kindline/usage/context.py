"""What rating needs to know about a batch's lines, and their counters locked.

Both rating paths (record by record, and column-wise) read the same context
and hand their results to the same commit step, so the rules live in the
context (allowances, rounding, prices, family numbers) and in the two small
rating functions, never in the database round trips.

The terms are a handful of Polars frames filled straight from a few Core
SELECTs (`load_terms`): a million-record batch touches a hundred thousand
lines, and a Python object per line, product and counter cost more than the
queries. Both paths load a file's terms once and keep them between batches,
checked per batch against the lines' `terms_version` (`live_lines`,
`terms_versions`): the column-wise path as frames (usage/frame_terms.py),
the record-by-record path as per-key objects (usage/terms.py).

A batch locks what it will change in one fixed order: its counters in key
order here, then (in commit, through billing) the accounts it charges in id
order, so two raters of overlapping lines wait for each other instead of
losing an update; on SQLite the whole transaction is already exclusive.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from kindline.billing import postings
from kindline.catalog.models import BASE_KINDS, Product, ProductVersion
from kindline.core import cycles
from kindline.core.bulk import in_values, insert_missing_frame, plain_rows
from kindline.core.clock import Clock
from kindline.customers.models import FamilyNumber, Line, LineProduct
from kindline.usage.models import USAGE_KINDS, UsageCounter

DEFAULT_ROUNDING = {"voice": 60, "sms": 1, "data": 1024}
NO_PLAN = ""  # the plan key of a pool without an active base plan: default rounding, no overage price

LINES_SCHEMA = {"msisdn": pl.Utf8, "line_id": pl.Int64, "customer_id": pl.Int64, "pool_line_id": pl.Int64,
                "account_id": pl.Int64, "plan": pl.Utf8}
PLANS_SCHEMA = {"plan": pl.Utf8, "kind": pl.Utf8, "unit": pl.Int64, "price": pl.Int64, "per": pl.Int64}
FAMILY_SCHEMA = {"line_id": pl.Int64, "peer": pl.Utf8}
POOLS_SCHEMA = {"pool_line_id": pl.Int64, "cycle": pl.Utf8, "kind": pl.Utf8, "allowance": pl.Int64,
                "used0": pl.Int64, "over0": pl.Int64, "k0": pl.Int64, "size": pl.Int64, "pack_fen": pl.Int64,
                "limit": pl.Int64}
GROUP = ["pool_line_id", "cycle", "kind"]


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


@dataclass
class RatingContext:
    """One batch's terms and counter positions, in one of two shapes. The
    column-wise path reads `frames` (lines, plans, family, pools: what a
    rater's FrameTerms (usage/frame_terms.py) cuts for the batch); the
    record-by-record loop reads the per-key `lines`, `pools` and `counters`,
    which a rater's TermsCache (usage/terms.py) keeps between batches, and
    which the property test fills by hand."""

    clock: Clock
    now: datetime
    lines: dict[str, LineTerms] = field(default_factory=dict)  # by msisdn
    pools: dict[int, PoolTerms] = field(default_factory=dict)
    counters: dict[tuple[int, str, str], CounterState] = field(default_factory=dict)
    frames: dict[str, pl.DataFrame] = field(default_factory=dict, repr=False)

    @property
    def loaded(self) -> bool:
        return "lines" in self.frames

    @property
    def numbers(self) -> list[str]:
        """The batch's known numbers."""
        return self.frames["lines"]["msisdn"].to_list() if self.loaded else list(self.lines)

    def counter(self, pool_line_id: int, cycle: str, kind: str) -> CounterState:
        key = (pool_line_id, cycle, kind)
        state = self.counters.get(key)
        if state is None:
            state = self.counters[key] = CounterState()
        return state

    def allowance(self, pool_line_id: int, cycle: str, kind: str) -> int:
        return self.pools[pool_line_id].allowance.get(cycle, {}).get(kind, 0)


def _frame(session: Session, statement, schema: dict, *, plain: bool = True) -> pl.DataFrame:
    """A SELECT's rows as a frame; integer and text columns (`plain`) are read
    by the driver itself (core.bulk.plain_rows), others through SQLAlchemy."""
    rows = plain_rows(session, statement) if plain else session.execute(statement).all()
    return pl.DataFrame(rows, schema=schema, orient="row")


@lru_cache(maxsize=64)
def cycle_bounds(clock: Clock, cycle: str) -> tuple[datetime, datetime]:
    """A cycle's bounds, computed once per cycle instead of once per product
    held (the operator's calendar does not change while a batch is rated)."""
    return cycles.bounds(clock, cycle)


def _versions(session: Session) -> tuple[pl.DataFrame, dict[int, dict]]:
    """Every catalog version (a few hundred rows) as a frame of what rating
    reads from it, and each version's terms for the plan rules."""
    rows, terms = [], {}
    for version_id, kind, charge, price, voice, sms, data, version_terms in session.execute(
            select(ProductVersion.id, Product.kind, ProductVersion.charge, ProductVersion.price_fen,
                   ProductVersion.voice_seconds, ProductVersion.sms_messages, ProductVersion.data_bytes,
                   ProductVersion.terms).join(Product, Product.id == ProductVersion.product_id)):
        upgrade = (version_terms or {}).get("auto_upgrade") or {}
        rows.append((version_id, kind, charge, price, voice, sms, data, int(upgrade.get("data", 0)),
                     int(upgrade.get("max_per_cycle", 0))))
        terms[version_id] = version_terms or {}
    frame = pl.DataFrame(rows, orient="row", schema={
        "product_version_id": pl.Int64, "product_kind": pl.Utf8, "charge": pl.Utf8, "price_fen": pl.Int64,
        "voice": pl.Int64, "sms": pl.Int64, "data": pl.Int64, "pack_size": pl.Int64, "pack_limit": pl.Int64})
    return frame, terms


def _held(session: Session, clock: Clock, member_pool: pl.DataFrame, versions: pl.DataFrame) -> pl.DataFrame:
    """The products held by the pools' member lines (member_pool: line_id ->
    pool_line_id), with their pinned version's figures, in purchase order."""
    held = _frame(session, select(LineProduct.id, LineProduct.line_id, LineProduct.status, LineProduct.started_at,
                                  LineProduct.ended_at, LineProduct.product_version_id)
                  .where(in_values(session, LineProduct.line_id, member_pool["line_id"].to_list())),
                  {"id": pl.Int64, "line_id": pl.Int64, "status": pl.Utf8, "started_at": pl.Datetime("us", "UTC"),
                   "ended_at": pl.Datetime("us", "UTC"), "product_version_id": pl.Int64}, plain=False)
    return (held.join(member_pool, on="line_id").join(versions, on="product_version_id").sort("id")
            .with_columns(started_cycle=pl.col("started_at").dt.convert_time_zone(str(clock.tz)).dt.strftime("%Y-%m")))


def _allowances(clock: Clock, held: pl.DataFrame, needed_cycles: Iterable[str]) -> pl.DataFrame:
    """(pool_line_id, cycle, kind, allowance). Monthly products give their
    allowance every cycle they are held in; a one-off pack (当月包) only in
    the cycle it was bought."""
    parts = []
    for cycle in sorted(needed_cycles):
        start, end = (pl.lit(bound.astimezone(timezone.utc), dtype=pl.Datetime("us", "UTC"))
                      for bound in cycle_bounds(clock, cycle))
        valid = ((pl.col("started_at") < end) & (pl.col("ended_at").is_null() | (pl.col("ended_at") >= start))
                 & ((pl.col("charge") == "monthly") | (pl.col("started_cycle") == cycle)))
        parts.append(held.filter(valid).group_by("pool_line_id").agg(pl.col(list(USAGE_KINDS)).sum())
                     .with_columns(cycle=pl.lit(cycle)))
    totals = pl.concat(parts) if parts else pl.DataFrame(schema={"pool_line_id": pl.Int64, "cycle": pl.Utf8})
    return totals.unpivot(index=["pool_line_id", "cycle"], on=list(USAGE_KINDS), variable_name="kind",
                          value_name="allowance").cast({"allowance": pl.Int64})


def _upgrades(held: pl.DataFrame) -> pl.DataFrame:
    """(pool_line_id, size, pack_fen, limit) of pools with the auto-upgrade
    pack on (the latest bought, if ever more than one)."""
    return (held.filter((pl.col("product_kind") == "auto_upgrade") & (pl.col("status") == "active"))
            .group_by("pool_line_id").agg(size=pl.col("pack_size").last(), pack_fen=pl.col("price_fen").last(),
                                          limit=pl.col("pack_limit").last()))


def _plans(held: pl.DataFrame, terms: dict[int, dict]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Each pool's plan key (its primary's active base products, in purchase
    order), and per key and kind the rounding unit and overage price: a
    handful of distinct keys for any batch, so the rules run once per key."""
    keyed = (held.filter((pl.col("line_id") == pl.col("pool_line_id")) & pl.col("product_kind").is_in(BASE_KINDS)
                         & (pl.col("status") == "active"))
             .group_by("pool_line_id").agg(plan=pl.col("product_version_id").cast(pl.Utf8).str.join(",")))
    rows = []
    for key in [NO_PLAN, *keyed["plan"].unique().to_list()]:
        rounding, overage = dict(DEFAULT_ROUNDING), {}
        for version_id in filter(None, key.split(",")):
            version_terms = terms[int(version_id)]
            rounding.update({k: int(v) for k, v in (version_terms.get("rounding") or {}).items()})
            overage = {k: (int(v["price_fen"]), int(v["per"])) for k, v in (version_terms.get("overage") or {}).items()}
        rows.extend((key, kind, rounding.get(kind, 1), *overage.get(kind, (0, 1))) for kind in USAGE_KINDS)
    return keyed, pl.DataFrame(rows, orient="row", schema=PLANS_SCHEMA)


def pool_terms_for(session: Session, clock: Clock, pool_line_id: int, needed_cycles: set[str]) -> PoolTerms:
    """One pool's allowances and pack terms, without locking (for reading)."""
    members = [pool_line_id, *session.scalars(select(Line.id).where(Line.primary_line_id == pool_line_id,
                                                                    Line.status != "cancelled"))]
    member_pool = pl.DataFrame({"line_id": members, "pool_line_id": [pool_line_id] * len(members)},
                               schema={"line_id": pl.Int64, "pool_line_id": pl.Int64})
    held = _held(session, clock, member_pool, _versions(session)[0])
    allowance = {cycle: dict.fromkeys(USAGE_KINDS, 0) for cycle in needed_cycles}
    for _pool, cycle, kind, units in _allowances(clock, held, needed_cycles).iter_rows():
        allowance[cycle][kind] = units
    upgrade = None
    for _pool, size, price_fen, limit in _upgrades(held).iter_rows():
        upgrade = Upgrade(size=size, price_fen=price_fen, limit=limit)
    return PoolTerms(pool_line_id=pool_line_id, allowance=allowance, upgrade=upgrade)


@dataclass
class Terms:
    """What rating reads of a set of lines, as frames: the lines (LINES_SCHEMA
    and their terms_version), terms per plan key, free family pairs, each
    pool's allowance per cycle and kind, its auto-upgrade pack, and its
    primary's terms_version (a pool's terms change with any member's)."""

    lines: pl.DataFrame
    plans: pl.DataFrame
    family: pl.DataFrame
    allowances: pl.DataFrame  # pool_line_id, cycle, kind, allowance
    packs: pl.DataFrame  # pool_line_id, size, pack_fen, limit
    pools: pl.DataFrame  # pool_line_id, terms_version

    @property
    def pool_ids(self) -> list[int]:
        return self.pools["pool_line_id"].to_list()


def load_terms(session: Session, clock: Clock, numbers: Iterable[str], needed_cycles: set[str]) -> Terms | None:
    """The terms of the live mobile lines among `numbers` and of their pools
    (None when no number is known); locks nothing. Accounts missing for a
    holder are created here (once per customer)."""
    versioned = {"line_id": pl.Int64, "primary_line_id": pl.Int64, "terms_version": pl.Int64}
    found = _frame(session, select(Line.id, Line.number, Line.customer_id, Line.primary_line_id, Line.terms_version)
                   .where(Line.kind == "mobile", Line.status != "cancelled", in_values(session, Line.number, numbers)),
                   {"line_id": pl.Int64, "msisdn": pl.Utf8, "customer_id": pl.Int64, "primary_line_id": pl.Int64,
                    "terms_version": pl.Int64})
    if found.is_empty():
        return None
    found = found.with_columns(pool_line_id=pl.coalesce("primary_line_id", "line_id"))
    pool_ids = found["pool_line_id"].unique().sort().to_list()
    live = Line.status != "cancelled"
    primaries = _frame(session, select(Line.id, Line.primary_line_id, Line.terms_version)
                       .where(live, in_values(session, Line.id, pool_ids)), versioned)
    members = pl.concat([  # the pools' primaries and their secondary cards: two index look-ups
        primaries,
        _frame(session, select(Line.id, Line.primary_line_id, Line.terms_version)
               .where(live, in_values(session, Line.primary_line_id, pool_ids)), versioned)])
    member_pool = (pl.concat([members.select("line_id", pool_line_id=pl.coalesce("primary_line_id", "line_id")),
                              found.select("line_id", "pool_line_id")])
                   .unique("line_id", keep="last", maintain_order=True))
    versions, version_terms = _versions(session)
    held = _held(session, clock, member_pool, versions)
    plan_of_pool, plans = _plans(held, version_terms)
    accounts = postings.account_ids(session, clock, set(found["customer_id"].to_list()))
    account_of = pl.DataFrame(list(accounts.items()), schema={"customer_id": pl.Int64, "account_id": pl.Int64},
                              orient="row")
    lines = (found.join(account_of, on="customer_id", how="left").join(plan_of_pool, on="pool_line_id", how="left")
             .with_columns(pl.col("plan").fill_null(NO_PLAN)).select(*LINES_SCHEMA, "terms_version"))
    pools = (pl.DataFrame({"pool_line_id": pool_ids}, schema={"pool_line_id": pl.Int64})
             .join(primaries.select(pool_line_id="line_id", terms_version="terms_version"), on="pool_line_id",
                   how="left").with_columns(pl.col("terms_version").fill_null(0)))
    return Terms(lines=lines, plans=plans, family=_family(session, found),
                 allowances=_allowances(clock, held, needed_cycles), packs=_upgrades(held), pools=pools)


def live_lines(session: Session, numbers: Iterable[str]) -> list[tuple]:
    """(number, line id, terms_version, primary_line_id) of the live mobile
    lines among `numbers`: what a rater checks the terms it keeps against
    before each batch (customers/lines.terms_changed moves the version)."""
    return plain_rows(session, select(Line.number, Line.id, Line.terms_version, Line.primary_line_id)
                      .where(Line.kind == "mobile", Line.status != "cancelled", in_values(session, Line.number, numbers)))


def terms_versions(session: Session, line_ids: Iterable[int]) -> list[tuple]:
    """(line id, terms_version) of the lines: the pools' primaries a batch's
    own rows do not include (a pool's terms change with its primary's version)."""
    return plain_rows(session, select(Line.id, Line.terms_version).where(in_values(session, Line.id, line_ids)))


def _family(session: Session, found: pl.DataFrame) -> pl.DataFrame:
    """(line_id, peer) pairs that are free: the line's own family numbers, and
    whoever lists the line as one (calls are free both ways)."""
    own = _frame(session, select(FamilyNumber.line_id, FamilyNumber.number)
                 .where(in_values(session, FamilyNumber.line_id, found["line_id"].to_list())), FAMILY_SCHEMA)
    listed_by = _frame(session, select(Line.number, FamilyNumber.number).join(FamilyNumber, FamilyNumber.line_id == Line.id)
                       .where(in_values(session, FamilyNumber.number, found["msisdn"].to_list())),
                       {"peer": pl.Utf8, "msisdn": pl.Utf8})
    theirs = listed_by.join(found.select("msisdn", "line_id"), on="msisdn").select(*FAMILY_SCHEMA)
    return pl.concat([own, theirs]).unique()


def counter_keys(pool_ids: list[int], needed_cycles: set[str]) -> pl.DataFrame:
    """Every (pool_line_id, cycle, kind) of the pools in the cycles, in key order."""
    return pl.DataFrame({"pool_line_id": pool_ids}, schema={"pool_line_id": pl.Int64}).join(
        pl.DataFrame({"cycle": sorted(needed_cycles)}, schema={"cycle": pl.Utf8}), how="cross").join(
        pl.DataFrame({"kind": list(USAGE_KINDS)}, schema={"kind": pl.Utf8}), how="cross").sort(GROUP)


def create_counters(session: Session, now: datetime, keys: pl.DataFrame) -> None:
    """Insert the counters among `keys` (pool_line_id, cycle, kind) that do not exist yet."""
    insert_missing_frame(session, UsageCounter.__table__, keys.with_columns(
        used=pl.lit(0), overage=pl.lit(0), upgrades=pl.lit(0), updated_at=pl.lit(now).dt.replace_time_zone("UTC")),
        GROUP)


def locked_counters(session: Session, pool_ids: list[int], needed_cycles: set[str]) -> list[tuple]:
    """The pools' counters in the cycles, read under lock in key order (so two
    raters cannot deadlock): (pool_line_id, cycle, kind, used, overage, upgrades)."""
    return plain_rows(session, select(
        UsageCounter.pool_line_id, UsageCounter.cycle, UsageCounter.kind, UsageCounter.used, UsageCounter.overage,
        UsageCounter.upgrades)
        .where(in_values(session, UsageCounter.pool_line_id, pool_ids), UsageCounter.cycle.in_(needed_cycles))
        .order_by(UsageCounter.pool_line_id, UsageCounter.cycle, UsageCounter.kind).with_for_update())


def counter_ids(session: Session, pool_ids: Iterable[int], needed_cycles: set[str]) -> dict[tuple[int, str, str], int]:
    """(pool_line_id, cycle, kind) -> counter id of the pools' counters in the cycles; locks nothing."""
    return {(pool_id, cycle, kind): counter_id for counter_id, pool_id, cycle, kind in plain_rows(session, select(
        UsageCounter.id, UsageCounter.pool_line_id, UsageCounter.cycle, UsageCounter.kind)
        .where(in_values(session, UsageCounter.pool_line_id, pool_ids), UsageCounter.cycle.in_(needed_cycles)))}


def locked_counters_by_id(session: Session, ids: Iterable[int]) -> list[tuple]:
    """The counters with these ids, read under lock in key order (the order
    `locked_counters` takes), as its rows: a record-by-record batch locks
    only the counters its records move, not every kind of every pool."""
    return plain_rows(session, select(
        UsageCounter.pool_line_id, UsageCounter.cycle, UsageCounter.kind, UsageCounter.used, UsageCounter.overage,
        UsageCounter.upgrades)
        .where(in_values(session, UsageCounter.id, ids))
        .order_by(UsageCounter.pool_line_id, UsageCounter.cycle, UsageCounter.kind).with_for_update())


def locked_positions(session: Session, pool_ids: list[int], needed_cycles: set[str]) -> pl.DataFrame:
    """Lock the pools' counters in the cycles (made beforehand: create_counters):
    (pool_line_id, cycle, kind, used0, over0, k0) for every key, in key order."""
    found = pl.DataFrame(locked_counters(session, pool_ids, needed_cycles), orient="row",
                         schema={"pool_line_id": pl.Int64, "cycle": pl.Utf8, "kind": pl.Utf8, "used0": pl.Int64,
                                 "over0": pl.Int64, "k0": pl.Int64})
    return (counter_keys(pool_ids, needed_cycles).join(found, on=GROUP, how="left", maintain_order="left")
            .with_columns(pl.col("used0", "over0", "k0").fill_null(0)))


def pool_positions(counters: pl.DataFrame, allowances: pl.DataFrame, packs: pl.DataFrame) -> pl.DataFrame:
    """Each locked counter with its allowance and pack terms (POOLS_SCHEMA):
    what the column-wise path rates against and commit moves from."""
    return (counters.join(allowances, on=GROUP, how="left")
            .join(packs.with_columns(kind=pl.lit("data")), on=["pool_line_id", "kind"], how="left")
            .with_columns(pl.exclude(GROUP).fill_null(0)).select(*POOLS_SCHEMA))
