"""A column-wise rater's memory of line and pool terms, kept as frames.

A file is rated column-wise in chunks of up to a million records, each chunk
its own transaction. Loading a chunk's terms (`context.load_terms`) costs
seconds per hundred thousand lines, and the chunks of one file meet mostly
the same lines, so a FrameTerms loads the terms of every number in the file in
one bulk load before the first chunk, and creates every counter the file can
move then. A chunk asks the database only the current `terms_version` of its
lines and of their pools' primaries, reloads the lines whose version moved
(the rule usage/terms.py's TermsCache keeps), locks its counters in key order
and gets frames cut down to its own lines, as a load of its own would have
made them. What is never kept is state: counters are read under lock in every
chunk, and balances when commit charges them.

The frames are replaced, never changed in place, so the state before a chunk
costs nothing to keep: a chunk whose transaction rolls back (a retry) takes
back what it loaded, since the accounts and counters made for it are gone too.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl
from sqlalchemy.orm import Session

from kindline.core.clock import Clock
from kindline.usage import context
from kindline.usage.context import FAMILY_SCHEMA, LINES_SCHEMA, PLANS_SCHEMA, RatingContext

_LINES = {name: kind for name, kind in LINES_SCHEMA.items() if name != "plan"} | {"terms_version": pl.Int64}
_POOLS = {"pool_line_id": pl.Int64, "terms_version": pl.Int64, "plan": pl.Utf8}  # a pool's plan is its primary's
_ALLOWANCES = {"pool_line_id": pl.Int64, "cycle": pl.Utf8, "kind": pl.Utf8, "allowance": pl.Int64}
_PACKS = {"pool_line_id": pl.Int64, "size": pl.Int64, "pack_fen": pl.Int64, "limit": pl.Int64}
_LIVE = {"msisdn": pl.Utf8, "line_id": pl.Int64, "terms_version": pl.Int64, "primary_line_id": pl.Int64}


def _replace(kept: pl.DataFrame, keys: pl.DataFrame, loaded: pl.DataFrame) -> pl.DataFrame:
    """`kept` with all its rows of the reloaded `keys` (a frame of key
    columns) replaced by the `loaded` rows: a pool whose pack is gone keeps none."""
    return pl.concat([kept.join(keys, on=keys.columns, how="anti"), loaded.select(kept.columns)])


class FrameTerms:
    """The terms of a file's lines and pools, valid while their versions hold.
    One per rating run (`service.rate`, column-wise); not shared between threads."""

    def __init__(self) -> None:
        self.cycles: set[str] = set()
        self._frames = {name: pl.DataFrame(schema=schema) for name, schema in (
            ("lines", _LINES), ("pools", _POOLS), ("plans", PLANS_SCHEMA), ("family", FAMILY_SCHEMA),
            ("allowances", _ALLOWANCES), ("packs", _PACKS))}
        self._before_chunk = dict(self._frames)

    def warm(self, session: Session, clock: Clock, numbers: Iterable[str], needed_cycles: set[str]) -> None:
        """Load the terms of all the file's numbers in every cycle its records
        fall in, and create the counters they can move: in one bulk load, far
        cheaper per line than a chunk's."""
        self.cycles = set(needed_cycles)
        numbers = set(numbers)
        self._store(session, clock, numbers, context.load_terms(session, clock, numbers, self.cycles))
        self._before_chunk = dict(self._frames)

    def context(self, session: Session, clock: Clock, numbers: Iterable[str], needed_cycles: set[str]
                ) -> RatingContext:
        """The chunk's context for its records' numbers and cycles (cycles of
        the warmed file): kept terms checked against the database, stale or
        missing ones reloaded, and the counters of the chunk's pools in its
        cycles locked."""
        if not needed_cycles <= self.cycles:
            raise ValueError(f"cycles {sorted(needed_cycles - self.cycles)} were not warmed")
        self._before_chunk = dict(self._frames)
        ctx = RatingContext(clock=clock, now=clock.now())
        live = pl.DataFrame(context.live_lines(session, set(numbers)), schema=_LIVE, orient="row").with_columns(
            pool_line_id=pl.coalesce("primary_line_id", "line_id"))
        stale = self._stale(session, live)
        if stale:
            self._store(session, clock, stale, context.load_terms(session, clock, stale, self.cycles))
        lines = self._frames["lines"].join(live.select("msisdn"), on="msisdn", how="semi")
        if lines.is_empty():
            return ctx
        counters = context.locked_positions(session, lines["pool_line_id"].unique().sort().to_list(), needed_cycles)
        ctx.frames.update(
            lines=lines.join(self._frames["pools"].select("pool_line_id", "plan"), on="pool_line_id", how="left")
            .select(*LINES_SCHEMA),
            plans=self._frames["plans"],
            family=self._frames["family"].join(lines.select("line_id"), on="line_id", how="semi"),
            pools=context.pool_positions(counters, self._frames["allowances"], self._frames["packs"]))
        return ctx

    def rolled_back(self) -> None:
        """The last chunk's transaction rolled back: forget what it loaded (the
        accounts and counters made for those lines were rolled back with it)."""
        self._frames = dict(self._before_chunk)

    def _stale(self, session: Session, live: pl.DataFrame) -> set[str]:
        """The live numbers whose kept terms are missing or out of date: the
        line is another, or its version, its pool or its pool's primary's
        version moved since they were loaded."""
        primaries = live.filter(pl.col("primary_line_id").is_null()).select(
            pool_line_id="line_id", pool_version="terms_version")
        others = set(live["primary_line_id"].drop_nulls().to_list()) - set(primaries["pool_line_id"].to_list())
        if others:  # pools whose primary is not among the chunk's lines: one look-up
            primaries = pl.concat([primaries, pl.DataFrame(
                context.terms_versions(session, others), orient="row",
                schema={"pool_line_id": pl.Int64, "pool_version": pl.Int64})])
        kept = self._frames["lines"].select("msisdn", kept_line="line_id", kept_version="terms_version",
                                            kept_pool="pool_line_id")
        checked = (live.join(kept, on="msisdn", how="left").join(primaries, on="pool_line_id", how="left")
                   .join(self._frames["pools"].select("pool_line_id", kept_pool_version="terms_version"),
                         on="pool_line_id", how="left"))
        return set(checked.filter(
            pl.col("kept_line").ne_missing(pl.col("line_id")) | pl.col("kept_version").ne_missing(pl.col("terms_version"))
            | pl.col("kept_pool").ne_missing(pl.col("pool_line_id")) | pl.col("kept_pool_version").is_null()
            | pl.col("kept_pool_version").ne_missing(pl.col("pool_version")))["msisdn"].to_list())

    def _store(self, session: Session, clock: Clock, numbers: set[str], terms: context.Terms | None) -> None:
        """Keep the loaded terms of `numbers` in place of what was kept of
        them (a number no longer found is dropped), and create the counters
        of pools met for the first time."""
        frames = self._frames
        asked = pl.DataFrame({"msisdn": sorted(numbers)}, schema={"msisdn": pl.Utf8})
        dropped = frames["lines"].join(asked, on="msisdn", how="semi").select("line_id")
        frames["lines"] = frames["lines"].join(asked, on="msisdn", how="anti")
        frames["family"] = frames["family"].join(dropped, on="line_id", how="anti")
        if terms is None:
            return
        pools = terms.pools.join(terms.lines.select("pool_line_id", "plan").unique("pool_line_id"),
                                 on="pool_line_id", how="left")
        reloaded = pools.select("pool_line_id")
        new_pools = reloaded.join(frames["pools"], on="pool_line_id", how="anti")["pool_line_id"].sort().to_list()
        if new_pools:
            context.create_counters(session, clock.now(), context.counter_keys(new_pools, self.cycles))
        frames["lines"] = pl.concat([frames["lines"], terms.lines.select(frames["lines"].columns)])
        frames["family"] = _replace(frames["family"], terms.lines.select("line_id"), terms.family)
        frames["plans"] = _replace(frames["plans"], terms.plans.select("plan", "kind"), terms.plans)
        for name, loaded in (("pools", pools), ("allowances", terms.allowances), ("packs", terms.packs)):
            frames[name] = _replace(frames[name], reloaded, loaded)
