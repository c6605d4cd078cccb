"""Rating a whole frame at once (Polars): the same rules as rating.py, written
as running sums per pool, cycle and kind instead of a loop.

Within one batch a pool's allowance and pack terms are fixed, so what record i
has used is a function of the running sum S of the pool's chargeable quantity
up to and including i. The pool has then reached U0 + S (U0: what it had used
before the batch); an auto-upgrade pool has as many packs on as that needs,
ceil((U0 + S - allowance) / size), within the cycle's limit and never fewer
than before; what the allowance and packs cannot hold is overage.
Each record's share is the difference between its running value and the one
before it, which is exactly what the loop in rating.py charges record by record.

Ten million records are rated in a few seconds because every look-up is a
position, not a join on text: a record's number is found once (as an integer
where the context's numbers allow it), and from the line's position come its
pool's place in a dense table of counters (pool x cycle x kind) and its plan's
place in a small table of terms (plan x kind). The running sums are one stable
sort by that counter position and one cumulative sum, not a window over
millions of groups.
"""

from __future__ import annotations

from datetime import timezone

import polars as pl

from kindline.core import cycles
from kindline.core.clock import Clock
from kindline.usage.context import RatingContext
from kindline.usage.models import USAGE_KINDS
from kindline.usage.rating import FREE_KINDS, RATED_COLUMNS

GROUP = ["pool_line_id", "cycle", "kind"]
KINDS = len(USAGE_KINDS)
POOL_TERMS = ("allowance", "used0", "over0", "k0", "size", "pack_fen", "limit")
PLAN_TERMS = ("unit", "price", "per")
LINE_SCHEMA = {"msisdn": pl.Utf8, "line_id": pl.Int64, "pool_line_id": pl.Int64, "account_id": pl.Int64,
               "plan": pl.Utf8}
PLAN_SCHEMA = {"plan": pl.Utf8, "kind": pl.Utf8, "unit": pl.Int64, "price": pl.Int64, "per": pl.Int64}
FAMILY_SCHEMA = {"line_id": pl.Int64, "peer": pl.Utf8}


def _terms_frames(ctx: RatingContext) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(lines, plans, family) as context.load makes them. A context made by
    hand (the property test) is turned into the same frames, each line its
    own plan."""
    if ctx.loaded:
        return ctx.frames["lines"].select(*LINE_SCHEMA), ctx.frames["plans"], ctx.frames["family"]
    lines = [(msisdn, t.line_id, t.pool_line_id, t.account_id, msisdn) for msisdn, t in ctx.lines.items()]
    plans = [(msisdn, kind, t.rounding.get(kind, 1), *t.overage.get(kind, (0, 1)))
             for msisdn, t in ctx.lines.items() for kind in USAGE_KINDS]
    family = [(t.line_id, peer) for t in ctx.lines.values() for peer in t.family]
    return (pl.DataFrame(lines, schema=LINE_SCHEMA, orient="row"), pl.DataFrame(plans, schema=PLAN_SCHEMA, orient="row"),
            pl.DataFrame(family, schema=FAMILY_SCHEMA, orient="row").unique())


def pool_frame(ctx: RatingContext) -> pl.DataFrame:
    """Each locked counter with its allowance and pack terms, as the batch
    found them (commit.py reads it too; `context.load` makes it directly)."""
    cached = ctx.frames.get("pools")
    if cached is not None:
        return cached
    keys = list(ctx.counters)
    states = list(ctx.counters.values())
    upgrades = [ctx.pools[pool].upgrade if kind == "data" else None for pool, _cycle, kind in keys]
    frame = pl.DataFrame({
        "pool_line_id": [key[0] for key in keys], "cycle": [key[1] for key in keys], "kind": [key[2] for key in keys],
        "allowance": [ctx.allowance(*key) for key in keys], "used0": [s.used for s in states],
        "over0": [s.over for s in states], "k0": [s.upgrades for s in states],
        "size": [u.size if u else 0 for u in upgrades], "pack_fen": [u.price_fen if u else 0 for u in upgrades],
        "limit": [u.limit if u else 0 for u in upgrades]},
        schema={"pool_line_id": pl.Int64, "cycle": pl.Utf8, "kind": pl.Utf8, "allowance": pl.Int64,
                "used0": pl.Int64, "over0": pl.Int64, "k0": pl.Int64, "size": pl.Int64, "pack_fen": pl.Int64,
                "limit": pl.Int64})
    ctx.frames["pools"] = frame
    return frame


def _kind_index(kind: pl.Expr) -> pl.Expr:
    """voice, sms, data as 0, 1, 2 (null for anything else)."""
    index = pl.lit(None, pl.UInt32)
    for position, name in reversed(list(enumerate(USAGE_KINDS))):
        index = pl.when(kind == name).then(pl.lit(position, pl.UInt32)).otherwise(index)
    return index


def _positions(values: pl.Series, keys: pl.Series) -> pl.Series:
    """For each of `values`, the position of the equal entry of `keys` (all
    distinct; a binary search in a sorted copy), or null."""
    order = keys.arg_sort()
    ordered = keys.gather(order)
    found = ordered.search_sorted(values, side="left").clip(0, max(len(keys) - 1, 0))
    return pl.select(pl.when(ordered.gather(found) == values).then(order.gather(found))).to_series()


def _line_positions(numbers: pl.Series, lines: pl.Series) -> pl.Series:
    """Each record's row in the context's lines (null for an unknown number).

    Numbers are digits, so the look-up joins on integers, half the cost of
    joining on text. That is exact: when every line's number is the decimal
    form of its integer, a record's text with the same integer and the same
    length is that text (`to_integer` reads only a sign and digits; a sign or a
    leading zero would make it longer). Otherwise the numbers are joined as text.
    """
    positions = pl.DataFrame({"line": pl.arange(0, len(lines), dtype=pl.UInt32, eager=True)})
    as_int = lines.str.to_integer(strict=False)
    if len(lines) and as_int.null_count() == 0 and (as_int.cast(pl.Utf8) == lines).all():
        keyed = positions.with_columns(key=as_int, length=lines.str.len_bytes())
        found = (pl.DataFrame({"key": numbers.str.to_integer(strict=False), "text_length": numbers.str.len_bytes()})
                 .lazy().join(keyed.lazy(), on="key", how="left", maintain_order="left")
                 .select(pl.when(pl.col("length") == pl.col("text_length")).then(pl.col("line"))).collect())
    else:
        found = (pl.DataFrame({"msisdn": numbers}).join(positions.with_columns(msisdn=lines), on="msisdn",
                                                        how="left", maintain_order="left").select("line"))
    return found.to_series()


def _cycles(clock: Clock, started: pl.Series) -> tuple[pl.Series, pl.Series]:
    """(each record's cycle as a position in `names`, names): the cycles from
    the earliest record's to the latest's. Found by comparing each time with
    the few cycle starts (cycles.starts_at), not by formatting ten million
    local dates."""
    if started.is_empty() or started.null_count() == len(started):
        return pl.Series([], dtype=pl.UInt32), pl.Series([], dtype=pl.Utf8)
    first, last = cycles.cycle_of(clock, started.min()), cycles.cycle_of(clock, started.max())
    names = [first]
    while names[-1] != last:
        names.append(cycles.following(names[-1]))
    starts = pl.Series([cycles.starts_at(clock, name).astimezone(timezone.utc) for name in names[1:]],
                       dtype=pl.Datetime("us", "UTC")).cast(started.dtype)
    return starts.search_sorted(started, side="right").cast(pl.UInt32), pl.Series(names, dtype=pl.Utf8)


def _dense(frame: pl.DataFrame, index: pl.Series, size: int, columns: tuple[str, ...]) -> pl.DataFrame:
    """`columns` of `frame` placed at `index` in a frame of `size` rows (null elsewhere)."""
    return pl.DataFrame({name: pl.repeat(None, size, dtype=frame[name].dtype, eager=True).scatter(index, frame[name])
                         for name in columns})


def _take(frame: pl.DataFrame, index: pl.Series) -> pl.DataFrame:
    """The rows of `frame` at `index` (null rows where the index is null). An
    index without nulls is read without its validity mask: twice as fast."""
    return frame[index.fill_null(0)] if index.null_count() == 0 else frame.select(pl.all().gather(index))


def _plan_table(plans: pl.DataFrame) -> tuple[pl.Series, pl.DataFrame]:
    """(plan names, their terms): row p * 3 + k holds plan p's terms for kind k."""
    names = plans["plan"].unique().sort()
    at = _positions(plans["plan"], names) * KINDS + plans.select(_kind_index(pl.col("kind"))).to_series()
    return names, _dense(plans, at, len(names) * KINDS, PLAN_TERMS)


def _counter_table(pools: pl.DataFrame) -> tuple[pl.Series, pl.Series, pl.DataFrame]:
    """(pool ids, cycles, counter terms): row (p * cycles + c) * 3 + k holds
    the counter of pool p in cycle c for kind k, null where there is none; the
    last row, all null, stands for any counter the batch does not hold."""
    ids, names = pools["pool_line_id"].unique().sort(), pools["cycle"].unique().sort()
    at = ((_positions(pools["pool_line_id"], ids) * len(names) + _positions(pools["cycle"], names)) * KINDS
          + pools.select(_kind_index(pl.col("kind"))).to_series())
    return ids, names, _dense(pools, at, len(ids) * len(names) * KINDS + 1, POOL_TERMS)


def _ceil_div(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    return (numerator + denominator - 1) // denominator


def rate_frame(ctx: RatingContext, records: pl.DataFrame) -> pl.DataFrame:
    """Rate `records` (record_id, msisdn, kind, started_at UTC, quantity, peer;
    every msisdn known to the context) in their row order."""
    lines, plans, family = _terms_frames(ctx)
    plan_names, plan_terms = _plan_table(plans)
    pool_ids, pool_cycles, counters = _counter_table(pool_frame(ctx))
    cycle_of, names = _cycles(ctx.clock, records["started_at"])
    per_line = lines.select(  # where each line's counters and plan terms are
        "line_id", "pool_line_id", "account_id",
        pool_at=_positions(lines["pool_line_id"], pool_ids) * (len(pool_cycles) * KINDS),
        plan_at=_positions(lines["plan"], plan_names) * KINDS,
        has_family=pl.col("line_id").is_in(family["line_id"].unique().implode()))
    frame = records.hstack(_take(per_line, _line_positions(records["msisdn"], lines["msisdn"])))
    frame = frame.with_columns(cycle=names.gather(cycle_of),
                               cycle_at=(_positions(names, pool_cycles) * KINDS).gather(cycle_of),
                               kind_at=_kind_index(pl.col("kind")))
    frame = frame.with_columns(
        at=(pl.col("pool_at") + pl.col("cycle_at") + pl.col("kind_at")).fill_null(counters.height - 1),
        plan_at=pl.col("plan_at") + pl.col("kind_at"))
    unit = plan_terms["unit"].gather(frame["plan_at"])
    frame = frame.with_columns(rated_quantity=_ceil_div(pl.col("quantity"), unit) * unit)
    frame = frame.with_columns(free=_free(frame, family))
    frame = frame.with_columns(q=pl.when(pl.col("free")).then(0).otherwise(pl.col("rated_quantity")))
    return (frame.hstack(_charges(frame.select("at", "plan_at", "q"), counters, plan_terms))
            .with_columns(overage_quantity=pl.col("q") - pl.col("allowance_used"),  # what the allowance did not take
                          charge_fen=pl.col("upgrade_fen") + pl.col("overage_fen"))
            .select(RATED_COLUMNS))


def _free(frame: pl.DataFrame, family: pl.DataFrame) -> pl.Series:
    """Calls and messages to a family number: only the records of lines that
    have family numbers are looked up."""
    candidates = (frame.select("line_id", "peer", seq=pl.int_range(pl.len(), dtype=pl.UInt32),
                               keep=pl.col("has_family") & pl.col("kind").is_in(FREE_KINDS) & pl.col("peer").is_not_null())
                  .filter("keep"))
    matched = candidates.join(family, on=["line_id", "peer"], how="semi")["seq"]
    return pl.repeat(False, frame.height, eager=True).scatter(matched, True)


def _by_counter(at: pl.Series, q: pl.Series) -> pl.DataFrame:
    """(at, seq, q, total) of each record, sorted by counter and in record
    order within one; total is the counter's chargeable quantity in the batch
    up to and including the record: one cumulative sum less the sum before the
    counter's first record. The sort is of one integer, counter and record
    position side by side, three times faster than a stable sort of columns."""
    key = pl.select(at.cast(pl.UInt64) * (1 << 32) + pl.int_range(len(at), dtype=pl.UInt64)).to_series().sort()
    seq = (key % (1 << 32)).cast(pl.UInt32)
    counter, quantity, start = pl.col("at"), pl.col("q").fill_null(0), pl.col("at").ne_missing(pl.col("at").shift(1))
    return (pl.DataFrame({"at": (key // (1 << 32)).cast(pl.UInt32), "seq": seq, "q": q.gather(seq)})
            .with_columns(total=quantity.cum_sum() - pl.when(start).then(quantity.cum_sum() - quantity).forward_fill())
            .with_columns(last=counter.ne_missing(counter.shift(-1))))


def _charges(frame: pl.DataFrame, counters: pl.DataFrame, plan_terms: pl.DataFrame) -> pl.DataFrame:
    """allowance_used, upgrade_packs, upgrade_fen and overage_fen of records
    (at: counter row, plan_at: plan terms row, q: chargeable quantity), in
    their order.

    Most counters stay within what they hold (allowance and packs already on)
    all through a batch: their records take q from it and are charged nothing.
    Only the records of the other counters go through the full arithmetic
    (`_shares`); that needs every record's q to be non-negative, as ingest
    makes sure."""
    by_counter = _by_counter(frame["at"], frame["q"])
    ends = by_counter.filter("last")
    reached = pl.repeat(0, counters.height, dtype=pl.Int64, eager=True).scatter(ends["at"], ends["total"])
    fits = counters.select((pl.col("used0") + reached <= pl.col("allowance") + pl.col("k0") * pl.col("size"))
                           .fill_null(False)).to_series()
    if (frame["q"].min() or 0) < 0:
        fits = fits & False
    held = fits.gather(by_counter["at"]) & by_counter["q"].is_not_null()
    full = by_counter.filter(~held).sort("seq")  # in record order: the write-back below runs forward
    shares = _shares(full.hstack(_take(counters, full["at"])).hstack(
        _take(plan_terms.select("price", "per"), frame["plan_at"].gather(full["seq"]))))
    zeros = pl.zeros(frame.height, dtype=pl.Int64, eager=True)
    return pl.DataFrame({"allowance_used": frame["q"].clone().scatter(full["seq"], shares["allowance_used"]),
                         **{name: zeros.clone().scatter(full["seq"], shares[name])
                            for name in ("upgrade_packs", "upgrade_fen", "overage_fen")}})


def _shares(frame: pl.DataFrame) -> pl.DataFrame:
    """Each record's share: the counter's position (packs on, used, over) once
    its chargeable quantity in this batch reached `total`, less the position at
    `total - q`. Computed in stages of named columns, so that what the results
    share is computed once."""
    allowance, size, used0, over0, k0 = (pl.col(name) for name in ("allowance", "size", "used0", "over0", "k0"))

    def packs_on(total: pl.Expr) -> pl.Expr:
        """As many packs as the quantity needs, within the limit, never fewer
        than before; they come on only when a record needs them."""
        wanted = _ceil_div((used0 + total - allowance).clip(lower_bound=0), pl.max_horizontal(size, 1))
        return (pl.when((size > 0) & (total > 0)).then(pl.max_horizontal(k0, pl.min_horizontal(pl.col("limit"), wanted)))
                .otherwise(k0))

    def used(total: pl.Expr, packs: pl.Expr) -> pl.Expr:
        return pl.max_horizontal(used0, pl.min_horizontal(used0 + total, allowance + packs * size))

    after, before = pl.col("total"), pl.col("before")
    return (frame.lazy()
            .with_columns(before=after - pl.col("q"))
            .with_columns(packs_after=packs_on(after), packs_before=packs_on(before))
            .with_columns(used_after=used(after, pl.col("packs_after")), used_before=used(before, pl.col("packs_before")))
            .with_columns(over_after=over0 + after - (pl.col("used_after") - used0),
                          over_before=over0 + before - (pl.col("used_before") - used0))
            .select(allowance_used=pl.col("used_after") - pl.col("used_before"),
                    upgrade_packs=pl.col("packs_after") - pl.col("packs_before"),
                    overage_blocks=_ceil_div(pl.col("over_after"), pl.col("per"))
                    - _ceil_div(pl.col("over_before"), pl.col("per")),
                    pack_fen="pack_fen", price="price")
            .select("allowance_used", "upgrade_packs", upgrade_fen=pl.col("upgrade_packs") * pl.col("pack_fen"),
                    overage_fen=pl.col("overage_blocks") * pl.col("price"))
            .collect())
