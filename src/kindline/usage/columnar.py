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
"""

from __future__ import annotations

import polars as pl

from kindline.usage.context import RatingContext
from kindline.usage.models import USAGE_KINDS
from kindline.usage.rating import FREE_KINDS, RATED_COLUMNS

GROUP = ["pool_line_id", "cycle", "kind"]


def _line_frame(ctx: RatingContext) -> pl.DataFrame:
    """One row per line and kind: ids, rounding unit and overage price. A
    loaded context has it as two frames (lines, and terms per plan); one made
    by hand is turned into columns here."""
    if ctx.loaded:
        return ctx.frames["lines"].join(ctx.frames["plans"], on="plan").select(*LINE_SCHEMA)
    terms = list(ctx.lines.values())
    frames = []
    for kind in USAGE_KINDS:
        overage = [t.overage.get(kind, (0, 1)) for t in terms]
        frames.append(pl.DataFrame({
            "msisdn": list(ctx.lines), "kind": [kind] * len(terms), "line_id": [t.line_id for t in terms],
            "pool_line_id": [t.pool_line_id for t in terms], "account_id": [t.account_id for t in terms],
            "unit": [t.rounding.get(kind, 1) for t in terms], "price": [price for price, _per in overage],
            "per": [per for _price, per in overage]}, schema=LINE_SCHEMA))
    return pl.concat(frames)


LINE_SCHEMA = {"msisdn": pl.Utf8, "kind": pl.Utf8, "line_id": pl.Int64, "pool_line_id": pl.Int64,
               "account_id": pl.Int64, "unit": pl.Int64, "price": pl.Int64, "per": pl.Int64}


def _family_frame(ctx: RatingContext) -> pl.DataFrame:
    if ctx.loaded:
        return ctx.frames["family"]
    rows = [(terms.line_id, peer) for terms in ctx.lines.values() for peer in terms.family]
    return pl.DataFrame(rows, orient="row", schema={"line_id": pl.Int64, "peer": pl.Utf8}).unique()


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


def _ceil_div(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    return (numerator + denominator - 1) // denominator


def rate_frame(ctx: RatingContext, records: pl.DataFrame) -> pl.DataFrame:
    """Rate `records` (record_id, msisdn, kind, started_at UTC, quantity, peer;
    every msisdn known to the context) in their row order."""
    frame = (records.with_row_index("seq")
             .join(_line_frame(ctx), on=["msisdn", "kind"], how="left")
             .with_columns(cycle=pl.col("started_at").dt.convert_time_zone(str(ctx.clock.tz)).dt.strftime("%Y-%m"),
                           rated_quantity=_ceil_div(pl.col("quantity"), pl.col("unit")) * pl.col("unit")))
    family = _family_frame(ctx).with_columns(family=pl.lit(True))
    frame = (frame.join(family, on=["line_id", "peer"], how="left")
             .with_columns(free=pl.col("kind").is_in(FREE_KINDS) & pl.col("family").fill_null(False))
             .join(pool_frame(ctx), on=GROUP, how="left")
             .sort("seq")
             .with_columns(q=pl.when(pl.col("free")).then(0).otherwise(pl.col("rated_quantity"))))
    frame = frame.with_columns(total=pl.col("q").cum_sum().over(GROUP))
    def position(total: pl.Expr) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
        """(used, over, packs switched on in this batch) once the pool's chargeable
        quantity in this batch has reached `total`."""
        reached = pl.col("used0") + total
        wanted = _ceil_div((reached - pl.col("allowance")).clip(lower_bound=0), pl.max_horizontal(pl.col("size"), 1))
        packs_on = pl.when((pl.col("size") > 0) & (total > 0)).then(  # packs come on only when a record needs them
            pl.max_horizontal(pl.col("k0"), pl.min_horizontal(pl.col("limit"), wanted))).otherwise(pl.col("k0"))
        cap = pl.col("allowance") + packs_on * pl.col("size")
        used = pl.max_horizontal(pl.col("used0"), pl.min_horizontal(reached, cap))
        return used, pl.col("over0") + total - (used - pl.col("used0")), packs_on - pl.col("k0")

    used_after, over_after, packs_after = position(pl.col("total"))
    used_before, over_before, packs_before = position(pl.col("total") - pl.col("q"))
    frame = frame.with_columns(
        allowance_used=used_after - used_before,
        overage_quantity=over_after - over_before,
        upgrade_packs=packs_after - packs_before,
        overage_blocks=_ceil_div(over_after, pl.col("per")) - _ceil_div(over_before, pl.col("per")))
    frame = frame.with_columns(upgrade_fen=pl.col("upgrade_packs") * pl.col("pack_fen"),
                               overage_fen=pl.col("overage_blocks") * pl.col("price"))
    frame = frame.with_columns(charge_fen=pl.col("upgrade_fen") + pl.col("overage_fen"))
    return frame.select(RATED_COLUMNS)
