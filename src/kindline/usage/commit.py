"""Writing a rated batch: records, pool counters, balances and reminders.

Both rating paths end here with the same frame, so what a batch changes does
not depend on how it was rated. Within a batch usage only grows and balances
only fall, so each threshold a pool or an account crosses is found from its
position before and after the batch: the reminders fired are the same whether
the records came one by one or a million at a time.
"""

from __future__ import annotations

import polars as pl
from sqlalchemy.orm import Session

from kindline.billing import postings
from kindline.core.bulk import append_frame, update_frame
from kindline.reminders import rules as reminder_rules
from kindline.reminders import service as reminders
from kindline.usage.columnar import GROUP, pool_frame
from kindline.usage.context import RatingContext
from kindline.usage.models import UsageCounter, UsageRecord


def commit(session: Session, ctx: RatingContext, rated: pl.DataFrame, batch: str) -> dict[str, int]:
    """Write the batch in the caller's transaction; answers records and fen charged."""
    if rated.is_empty():
        return {"records": 0, "charged_fen": 0}
    # Written in the order of the (line, cycle, started_at) index, so that a
    # batch's records of one line land on one index page one after another
    # instead of a random page each (their record ids, a run of a batch, stay
    # near each other in theirs); a stable sort keeps the input order of equal
    # times, which 详单 breaks ties by.
    append_frame(session, UsageRecord.__table__,
                 rated.sort("line_id", "cycle", "started_at", maintain_order=True)
                 .with_columns(rated_at=pl.lit(ctx.now).dt.replace_time_zone("UTC"), batch=pl.lit(batch)))
    _move_counters(session, ctx, rated)
    charges = rated.group_by("account_id").agg(pl.col("charge_fen").sum()).filter(pl.col("charge_fen") > 0)
    amounts = {account_id: -charge for account_id, charge in charges.iter_rows()}
    postings.post_many(session, ctx.clock, "usage", amounts, reference=f"usage:{batch}")
    return {"records": rated.height, "charged_fen": -sum(amounts.values())}


def _move_counters(session: Session, ctx: RatingContext, rated: pl.DataFrame) -> None:
    """Each moved counter gets its new position in one bulk update; the usage
    reminders of all counters whose move crosses a threshold go out in bulk."""
    moved = (rated.group_by(GROUP).agg(pl.col("allowance_used").sum(), pl.col("overage_quantity").sum(),
                                       pl.col("upgrade_packs").sum())
             .join(pool_frame(ctx), on=GROUP, how="left")
             .with_columns(before=pl.col("used0") + pl.col("over0"),
                           after=pl.col("used0") + pl.col("over0") + pl.col("allowance_used")
                           + pl.col("overage_quantity"))
             .sort(GROUP))  # in key order: the counters' unique index and rows are visited in one sweep
    update_frame(session, UsageCounter.__table__, moved.select(
        used=pl.col("used0") + pl.col("allowance_used"), overage=pl.col("over0") + pl.col("overage_quantity"),
        upgrades=pl.col("k0") + pl.col("upgrade_packs"), updated_at=pl.lit(ctx.now).dt.replace_time_zone("UTC"),
        pool_line_id="pool_line_id", cycle="cycle", kind="kind"), key=GROUP)
    # A threshold is a share of the allowance: a counter that ends below the
    # lowest one cannot cross any, so only the others are asked about.
    lowest = min(reminder_rules.current().usage_percents.values(), default=0)
    candidates = moved.filter((pl.col("after") > pl.col("before")) & (pl.col("allowance") > 0)
                              & (pl.col("after") * 100 >= lowest * pl.col("allowance")))
    reminders.usage_moved_many(session, ctx.clock, [
        reminders.UsageMove(pool_line_id, kind, cycle, before, after, allowance)
        for pool_line_id, cycle, kind, before, after, allowance
        in candidates.select(*GROUP, "before", "after", "allowance").sort(GROUP).iter_rows()])
