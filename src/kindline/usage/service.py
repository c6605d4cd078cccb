"""Usage: rate records from any source, and answer what a line has used.

Every source (REST, file, stream) calls `rate`. Records go through in input
order, in chunks; each chunk is one transaction that locks what it changes,
skips record ids already rated and commits records, counters, balances and
reminders together. A process killed part way loses nothing: the committed
chunks' records are found on the rerun and skipped, the rest are rated then.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from kindline.core import cycles
from kindline.core.bulk import in_values, plain_rows
from kindline.core.clock import Clock
from kindline.core.db import transaction
from kindline.customers.models import Line
from kindline.usage import context, ingest
from kindline.usage.columnar import cycle_positions, rate_frame
from kindline.usage.commit import commit
from kindline.usage.frame_terms import FrameTerms
from kindline.usage.models import USAGE_KINDS, UsageCounter, UsageRecord
from kindline.usage.rating import RATED_COLUMNS, UsageIn, rate_records
from kindline.usage.terms import TermsCache

MODES = ("records", "columnar")
ATTEMPTS = 3


@dataclass
class RatingReport:
    rated: int = 0
    duplicates: int = 0
    charged_fen: int = 0
    batches: int = 0
    rejected: list[tuple[str | None, str]] = field(default_factory=list)  # (record_id, reason code)

    def add_rejects(self, frame: pl.DataFrame) -> None:
        self.rejected.extend(frame.select("record_id", "reason").iter_rows())


def _already_rated(session: Session, record_ids: list[str]) -> set[str]:
    """The ids among `record_ids` rated before: one statement with the ids as
    one parameter, an index probe each (thousands of IN lists cost far more)."""
    return {record_id for record_id, in plain_rows(session, select(UsageRecord.record_id)
                                                   .where(in_values(session, UsageRecord.record_id, record_ids)))}


def _cycle_names(frame: pl.DataFrame, clock: Clock) -> pl.Series:
    """Each record's cycle (YYYY-MM in the operator's zone), found as the
    column-wise path finds it (columnar.cycle_positions)."""
    positions, names = cycle_positions(clock, frame["started_at"])
    return names.gather(positions).alias("cycle")


def _cycles(frame: pl.DataFrame, clock: Clock) -> set[str]:
    """The cycles the records fall in."""
    positions, names = cycle_positions(clock, frame["started_at"])
    return set(names.gather(positions.unique().drop_nulls()).to_list())


def _rate_chunk(session: Session, clock: Clock, chunk: pl.DataFrame, cache: TermsCache | FrameTerms, batch: str,
                report: RatingReport) -> None:
    """Rate one chunk in the caller's transaction: column-wise against the
    frames of a FrameTerms, record by record against a TermsCache."""
    columnwise = isinstance(cache, FrameTerms)
    if columnwise:
        ctx = cache.context(session, clock, chunk["msisdn"].unique().to_list(), _cycles(chunk, clock))
    else:
        uses = chunk.select("msisdn", "kind").with_columns(_cycle_names(chunk, clock)).unique()
        ctx = cache.context(session, clock, set(uses.select("msisdn", "cycle", "kind").iter_rows()))
    seen = _already_rated(session, chunk["record_id"].to_list())  # after the locks: sees a rival's commit
    fresh = chunk.filter(~pl.col("record_id").is_in(list(seen))) if seen else chunk
    numbers = ctx.numbers
    known = fresh.filter(pl.col("msisdn").is_in(numbers))
    unknown = fresh.filter(~pl.col("msisdn").is_in(numbers))
    if columnwise:
        rated = rate_frame(ctx, known)
    else:
        records = list(map(UsageIn._make, known.select(ingest.COLUMNS).iter_rows()))
        rated = pl.DataFrame(rate_records(ctx, records), schema=rate_frame_schema(), orient="row")
    written = commit(session, ctx, rated, batch)
    report.rated += written["records"]
    report.charged_fen += written["charged_fen"]
    report.duplicates += len(seen)
    report.add_rejects(unknown.select("record_id").with_columns(reason=pl.lit("unknown_line")))


def rate_in(session: Session, clock: Clock, raw: pl.DataFrame, *, source: str = "api",
            cache: TermsCache | None = None) -> RatingReport:
    """Rate a small input record by record inside the caller's transaction
    (the REST call: all of it commits, or none). A long-lived caller (the
    stream consumer) passes its TermsCache; otherwise the terms are loaded
    for this call only."""
    good, rejects = ingest.normalise(raw)
    report = RatingReport()
    report.add_rejects(rejects)
    if good.height:
        _rate_chunk(session, clock, good, TermsCache() if cache is None else cache, f"{source}:{uuid.uuid4().hex[:16]}", report)
        report.batches = 1
    return report


def rate_frame_schema() -> dict[str, pl.DataType]:
    types = {"record_id": pl.Utf8, "kind": pl.Utf8, "cycle": pl.Utf8, "peer": pl.Utf8, "free": pl.Boolean,
             "started_at": pl.Datetime("us", "UTC")}
    return {name: types.get(name, pl.Int64) for name in RATED_COLUMNS}


def rate(factory: sessionmaker[Session], clock: Clock, raw: pl.DataFrame, *, mode: str = "records",
         chunk_size: int = 1000, source: str = "api", progress: Callable[[int, int], None] | None = None
         ) -> RatingReport:
    """Rate raw records (ingest.COLUMNS, as text or typed from Parquet) in
    order, one transaction per chunk. The terms of every line in the input
    are loaded once, in bulk, before the first chunk, and kept (checked per
    chunk): as objects record by record, as frames column-wise."""
    if mode not in MODES:
        raise ValueError(f"unknown rating mode {mode!r}")
    good, rejects = ingest.normalise(raw)
    report = RatingReport()
    report.add_rejects(rejects)
    cache: TermsCache | FrameTerms | None = None
    if good.height:
        cache = TermsCache() if mode == "records" else FrameTerms()
        with transaction(factory) as session:
            cache.warm(session, clock, good["msisdn"].unique().to_list(), _cycles(good, clock))
    for offset in range(0, good.height, chunk_size):
        chunk = good.slice(offset, chunk_size)
        for attempt in range(ATTEMPTS):
            attempt_report = RatingReport()
            try:
                with transaction(factory) as session:
                    _rate_chunk(session, clock, chunk, cache, f"{source}:{uuid.uuid4().hex[:16]}", attempt_report)
            except (IntegrityError, DBAPIError) as exc:  # a rival rated the same ids, or a deadlock: redo
                if attempt == ATTEMPTS - 1 or not _retryable(exc):
                    raise
                cache.rolled_back()
                continue
            break
        report.rated += attempt_report.rated
        report.duplicates += attempt_report.duplicates
        report.charged_fen += attempt_report.charged_fen
        report.rejected.extend(attempt_report.rejected)
        report.batches += 1
        if progress:
            progress(min(offset + chunk_size, good.height), good.height)
    return report


def _retryable(exc: DBAPIError) -> bool:
    text = str(exc.orig).lower() if exc.orig else ""
    return isinstance(exc, IntegrityError) or "deadlock" in text or "could not serialize" in text


@dataclass(frozen=True)
class Allowance:
    """One kind of a line's pooled allowance this cycle (quantities in seconds,
    messages or bytes; `total` includes auto-upgrade packs switched on)."""

    kind: str
    total: int
    used: int
    remaining: int
    upgrades: int

    @property
    def percent_used(self) -> int:
        return min(100, round(100 * self.used / self.total)) if self.total else (100 if self.used else 0)


def allowances(session: Session, clock: Clock, line: Line, cycle: str | None = None) -> list[Allowance]:
    """What the line's pool holds and has used of each kind in the cycle (the
    current one by default). Locks nothing and creates nothing."""
    cycle = cycle or cycles.current(clock)
    if line.kind != "mobile":
        return []
    pool_id = line.primary_line_id or line.id
    pool = context.pool_terms_for(session, clock, pool_id, {cycle})
    counters = {kind: (used, over, upgrades) for kind, used, over, upgrades in session.execute(
        select(UsageCounter.kind, UsageCounter.used, UsageCounter.overage, UsageCounter.upgrades)
        .where(UsageCounter.pool_line_id == pool_id, UsageCounter.cycle == cycle))}
    answer = []
    for kind in USAGE_KINDS:
        used, over, upgrades = counters.get(kind, (0, 0, 0))
        total = pool.allowance[cycle][kind] + (upgrades * pool.upgrade.size if pool.upgrade and kind == "data" else 0)
        answer.append(Allowance(kind=kind, total=total, used=used + over, remaining=max(0, total - used),
                                upgrades=upgrades))
    return answer


def charges_by_kind(session: Session, account_id: int, cycle: str) -> dict[str, int]:
    """Usage charges of an account in a cycle, by kind (fen; every kind present)."""
    rows = session.execute(select(UsageRecord.kind, func.coalesce(func.sum(UsageRecord.charge_fen), 0))
                           .where(UsageRecord.account_id == account_id, UsageRecord.cycle == cycle,
                                  UsageRecord.charge_fen > 0)  # as ix_usage_records_account_charged
                           .group_by(UsageRecord.kind))
    totals = dict.fromkeys(USAGE_KINDS, 0)
    totals.update({kind: int(total) for kind, total in rows})
    return totals


def records_query(line_id: int, cycle: str, kind: str | None = None):
    """The line's rated records in a cycle, oldest first (详单)."""
    stmt = select(UsageRecord).where(UsageRecord.line_id == line_id, UsageRecord.cycle == cycle)
    if kind:
        stmt = stmt.where(UsageRecord.kind == kind)
    return stmt.order_by(UsageRecord.started_at, UsageRecord.id)
