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

Ten million records are rated in a few seconds, where joins on text and a
window over millions of groups took tens of seconds:
- every look-up is a position: a record's number is found once (joined as an
  integer where the numbers allow it), and from the line's position come its
  pool's row in a dense table of counters (pool x cycle x kind) and its plan's
  row in a small table of terms (plan x kind);
- a record's cycle comes from comparing its time with the few cycle starts;
- the running sums are one sort of one integer and one cumulative sum;
- most counters stay within what they hold all through a batch, and only the
  records of the others go through the arithmetic above.
"""

from __future__ import annotations

from datetime import timedelta, timezone

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
    """(lines, plans, family) as FrameTerms.context makes them. A context made by
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
    found them (commit.py reads it too; FrameTerms.context makes it directly)."""
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
    if keys.is_empty():
        return pl.repeat(None, len(values), dtype=pl.UInt32, eager=True)
    order = keys.arg_sort()
    ordered = keys.gather(order)
    found = ordered.search_sorted(values, side="left").clip(0, len(keys) - 1)
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


def cycle_positions(clock: Clock, started: pl.Series) -> tuple[pl.Series, pl.Series]:
    """(each record's cycle as a position in `names`, names: consecutive
    cycles). A record's cycle is found by comparing its time with the few
    cycle starts (cycles.starts_at) instead of formatting ten million local
    dates. That is exact where the local clock keeps one offset from a day
    before a start to a day after; where it changes there (daylight saving),
    the records of those two days are placed one by one (cycles.cycle_of)."""
    present = started.drop_nulls()
    if present.is_empty():
        return pl.repeat(None, len(started), dtype=pl.UInt32, eager=True), pl.Series([], dtype=pl.Utf8)
    first, last = cycles.cycle_of(clock, present.min()), cycles.cycle_of(clock, present.max())
    names = _months(cycles.previous(first) if first > "0001-01" else first,  # a cycle may begin twice: with
                    cycles.following(last) if last < "9999-12" else last)  # daylight saving, the latest's may be earlier
    starts = [cycles.starts_at(clock, name).astimezone(timezone.utc) for name in names[1:]]
    bounds = pl.Series(starts, dtype=pl.Datetime("us", "UTC")).cast(started.dtype)
    found = pl.select(pl.when(started.is_not_null()).then(bounds.search_sorted(started, side="right"))).to_series()
    day = timedelta(days=1)
    changing = [start for start in starts
                if len({(start + hour * day / 24).astimezone(clock.tz).utcoffset() for hour in range(-24, 25)}) > 1]
    if changing:
        near = pl.select(pl.any_horizontal([started.is_between(start - day, start + day) for start in changing])
                         .fill_null(False)).to_series().arg_true()
        one_by_one = [cycles.cycle_of(clock, moment) for moment in started.gather(near).to_list()]
        wider = _months(min(names[0], *one_by_one), max(names[-1], *one_by_one))
        found = (found + wider.index(names[0])).scatter(near, [wider.index(name) for name in one_by_one])
        names = wider
    return found.cast(pl.UInt32), pl.Series(names, dtype=pl.Utf8)


def _months(first: str, last: str) -> list[str]:
    """The cycles from `first` to `last`."""
    names = [first]
    while names[-1] < last:
        names.append(cycles.following(names[-1]))
    return names


def _dense(frame: pl.DataFrame, index: pl.Series, size: int, columns: tuple[str, ...]) -> pl.DataFrame:
    """`columns` of `frame` placed at `index` in a frame of `size` rows (null
    elsewhere). A frame already in that order (FrameTerms.context makes the
    counters so) is only extended."""
    if index.null_count() == 0 and index.equals(pl.arange(0, frame.height, dtype=index.dtype, eager=True)):
        return frame.select(columns).extend(frame.select(columns).clear(size - frame.height))
    return pl.DataFrame({name: pl.repeat(None, size, dtype=frame[name].dtype, eager=True).scatter(index, frame[name])
                         for name in columns})


def _take(frame: pl.DataFrame, index: pl.Series) -> pl.DataFrame:
    """The rows of `frame` at `index` (null rows where the index is null). An
    index without nulls is read without its validity mask: twice as fast."""
    frame = frame.rechunk()  # a table in one piece: gathering from many costs three times more
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
    pool_at = pools["pool_line_id"].rank("dense").cast(pl.UInt32) - 1  # the place among `ids`
    at = ((pool_at * len(names) + _positions(pools["cycle"], names)) * KINDS
          + pools.select(_kind_index(pl.col("kind"))).to_series())
    return ids, names, _dense(pools, at, len(ids) * len(names) * KINDS + 1, POOL_TERMS)


def _ceil_div(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    return (numerator + denominator - 1) // denominator


def rate_frame(ctx: RatingContext, records: pl.DataFrame) -> pl.DataFrame:
    """Rate `records` (record_id, msisdn, kind, started_at UTC, quantity, peer;
    every msisdn known to the context) in their row order. The records'
    own columns are passed through as they are, and what is computed is built
    aside: a frame that mixes the two would be copied whole to align them."""
    lines, plans, family = _terms_frames(ctx)
    plan_names, plan_terms = _plan_table(plans)
    pool_ids, pool_cycles, counters = _counter_table(pool_frame(ctx))
    cycle_of, names = cycle_positions(ctx.clock, records["started_at"])
    per_line = lines.select(  # where each line's counters and plan terms are
        "line_id", "pool_line_id", "account_id",
        pool_at=_positions(lines["pool_line_id"], pool_ids) * (len(pool_cycles) * KINDS),
        plan_at=_positions(lines["plan"], plan_names) * KINDS,
        has_family=pl.col("line_id").is_in(family["line_id"].unique().implode()))
    frame = (_take(per_line, _line_positions(records["msisdn"], lines["msisdn"]))
             .with_columns(kind_at=records.select(_kind_index(pl.col("kind"))).to_series().rechunk(),
                           cycle_at=(_positions(names, pool_cycles) * KINDS).gather(cycle_of),
                           quantity=records["quantity"].rechunk())
             .with_columns(at=(pl.col("pool_at") + pl.col("cycle_at") + pl.col("kind_at")).fill_null(counters.height - 1),
                           plan_at=pl.col("plan_at") + pl.col("kind_at")))
    unit = plan_terms["unit"].gather(frame["plan_at"])
    frame = frame.with_columns(rated_quantity=_ceil_div(pl.col("quantity"), unit) * unit,
                               free=_free(frame, records["peer"], family))
    frame = frame.with_columns(q=pl.when(pl.col("free")).then(0).otherwise(pl.col("rated_quantity")))
    rated = (frame.select("line_id", "pool_line_id", "account_id", "rated_quantity", "free", "q")
             .hstack(_charges(frame.select("at", "plan_at", "q"), counters, plan_terms))
             .with_columns(cycle=names.gather(cycle_of),
                           overage_quantity=pl.col("q") - pl.col("allowance_used"),  # what the allowance did not take
                           charge_fen=pl.col("upgrade_fen") + pl.col("overage_fen")))
    return pl.DataFrame([records[name] if name in records.columns else rated[name] for name in RATED_COLUMNS])


def _free(frame: pl.DataFrame, peers: pl.Series, family: pl.DataFrame) -> pl.Series:
    """Whether each record is a call or message to a family number (frame:
    line_id, has_family, kind_at). Only the calls and messages of lines with
    family numbers are looked up among them."""
    free_kinds = [USAGE_KINDS.index(kind) for kind in FREE_KINDS]
    maybe = frame.select(pl.col("has_family") & pl.col("kind_at").is_in(free_kinds)).to_series() & peers.is_not_null()
    candidates = pl.DataFrame({"seq": maybe.arg_true(), "line_id": frame["line_id"].filter(maybe),
                               "peer": peers.filter(maybe)})
    matched = candidates.join(family, on=["line_id", "peer"], how="semi")["seq"]
    return pl.repeat(False, frame.height, eager=True).scatter(matched, True)


def _by_counter(at: pl.Series, q: pl.Series) -> pl.DataFrame:
    """(at, seq, q, run) of each record, sorted by counter and in record order
    within one: run is the cumulative sum of q over all of them (null q as 0).
    The sort is of one integer, counter and record position side by side,
    three times faster than a stable sort of columns."""
    key = pl.select(at.cast(pl.UInt64) * (1 << 32) + pl.int_range(len(at), dtype=pl.UInt64)).to_series().sort()
    seq = (key % (1 << 32)).cast(pl.UInt32)
    return (pl.DataFrame({"at": (key // (1 << 32)).cast(pl.UInt32), "seq": seq, "q": q.gather(seq)})
            .with_columns(run=pl.col("q").fill_null(0).cum_sum()))


def _charges(frame: pl.DataFrame, counters: pl.DataFrame, plan_terms: pl.DataFrame) -> pl.DataFrame:
    """allowance_used, upgrade_packs, upgrade_fen and overage_fen of records
    (at: counter row, plan_at: plan terms row, q: chargeable quantity), in
    their order.

    A record's running total in its counter is the running sum over all
    records sorted by counter (`_by_counter`) less that sum before the
    counter's first record. Most counters stay within what they hold
    (allowance and packs already on) all through a batch: their records take q
    from it and are charged nothing. Only the records of the other counters
    go through the full arithmetic (`_shares`); that needs every q to be
    non-negative, as ingest makes sure."""
    by_counter = _by_counter(frame["at"], frame["q"])
    ends = (by_counter.filter(pl.col("at").ne_missing(pl.col("at").shift(-1)))
            .select("at", "run", before=pl.col("run").shift(1, fill_value=0)))
    def per_counter(values: pl.Series) -> pl.Series:
        return pl.repeat(0, counters.height, dtype=pl.Int64, eager=True).scatter(ends["at"], values)

    before = per_counter(ends["before"])  # the running sum before each counter's first record
    reached = per_counter(ends["run"] - ends["before"])  # and each counter's chargeable quantity in the batch
    rising = (frame["q"].min() or 0) >= 0
    fits = counters.select((pl.col("used0") + reached <= pl.col("allowance") + pl.col("k0") * pl.col("size"))
                           .fill_null(False) & rising).to_series()
    held = fits.gather(by_counter["at"]) & by_counter["q"].is_not_null()
    full = (by_counter.filter(~held).sort("seq")  # in record order: the write-back below runs forward
            .with_columns(total=pl.when(pl.col("q").is_not_null()).then(pl.col("run") - pl.lit(before).gather(pl.col("at")))))
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
