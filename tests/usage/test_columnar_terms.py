"""A column-wise run loads its file's terms once (usage/frame_terms.py): every
change that rating reads, made between two chunks, must reach the next one,
and only the lines that changed are loaded again."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kindline.core.db import transaction
from kindline.customers import lines
from kindline.usage import context, ingest, service
from kindline.usage.models import UsageCounter, UsageRecord
from tests.factories import mobile, open_mobile
from tests.usage.helpers import GIB, balance, books, line_with, load_demo_catalog, mixed_input, record, register


def rate_in_chunks(runtime, records: list[dict], chunk_size: int, between=None, mode: str = "columnar"
                   ) -> service.RatingReport:
    """Rate (column-wise unless told); after the chunk that ends at record n, `between[n]()` runs."""
    def progress(done: int, _total: int) -> None:
        if done in (between or {}):
            between[done]()

    return service.rate(runtime.sessions, runtime.clock, ingest.from_rows(records), mode=mode,
                        chunk_size=chunk_size, progress=progress)


def clerk(runtime, act):
    """A change made in a transaction of its own, as a clerk makes it mid-run."""
    def run() -> None:
        with transaction(runtime.sessions) as session:
            act(session)

    return run


def charges(runtime, *records: dict) -> list[int]:
    with runtime.sessions() as session:
        found = dict(session.execute(select(UsageRecord.record_id, UsageRecord.charge_fen)
                                     .where(UsageRecord.record_id.in_([r["record_id"] for r in records]))).all())
    return [found.get(r["record_id"]) for r in records]


@pytest.fixture
def loads(monkeypatch):
    """The numbers each call of context.load_terms was asked for."""
    calls: list[set[str]] = []
    inner = context.load_terms

    def counted(session, clock, numbers, needed_cycles):
        calls.append(set(numbers))
        return inner(session, clock, numbers, needed_cycles)

    monkeypatch.setattr(context, "load_terms", counted)
    return calls


def test_a_pack_bought_between_chunks_counts_in_the_next_and_only_that_line_reloads(runtime, loads):
    load_demo_catalog(runtime)
    number, other = line_with(runtime, "MOB-39"), line_with(runtime, "MOB-39")  # 5 GB each
    used_up, held, beyond = (record(number, "data", 5 * GIB), record(number, "data", GIB, minutes=1),
                             record(number, "data", GIB, minutes=2))
    rows = [used_up, record(other, "sms", 1), held, record(other, "sms", 1, minutes=1), beyond]
    report = rate_in_chunks(runtime, rows, 2, between={
        2: clerk(runtime, lambda s: lines.subscribe(s, runtime.clock, lines.by_number(s, number), "DP-1G-ONCE"))})
    assert (report.rated, report.batches) == (5, 3)
    assert charges(runtime, used_up, held, beyond) == [0, 0, 500]  # the pack holds 1 GB, then 5元/GB
    assert loads == [{number, other}, {number}]  # the file once, then the line whose version moved


def test_family_numbers_added_or_removed_between_chunks_change_both_ends(runtime):
    load_demo_catalog(runtime)
    daughter = line_with(runtime, "MOB-39")
    card = line_with(runtime, "ELDER-CARD", customer_id=register(runtime, birth=date(1950, 1, 1)))
    calls = [record(card, "voice", 60, peer=daughter, minutes=1), record(daughter, "voice", 60, peer=card, minutes=2),
             record(card, "voice", 60, peer=daughter, minutes=3), record(daughter, "voice", 60, peer=card, minutes=4)]
    rows = [record(card, "voice", 12000), record(daughter, "voice", 6000), *calls]  # both allowances used up
    rate_in_chunks(runtime, rows, 2, between={
        2: clerk(runtime, lambda s: lines.add_family_number(s, runtime.clock, lines.by_number(s, card), daughter,
                                                            "女儿")),
        4: clerk(runtime, lambda s: lines.remove_family_number(s, lines.by_number(s, card), daughter))})
    assert charges(runtime, *calls) == [0, 0, 10, 15]  # free both ways, then each at its plan's price a minute


def test_a_line_opened_mid_run_is_rated_from_the_next_chunk(runtime, loads):
    load_demo_catalog(runtime)
    known, number, newcomer = line_with(runtime, "MOB-39"), mobile(), register(runtime)
    early, late = record(number, "sms", 1), record(number, "sms", 1, minutes=1)
    report = rate_in_chunks(runtime, [early, record(known, "sms", 1), late], 2, between={
        2: lambda: open_mobile(runtime, newcomer, "MOB-39", number=number)})
    assert [code for _id, code in report.rejected] == ["unknown_line"] and report.rated == 2
    assert charges(runtime, early, late) == [None, 10]
    assert loads == [{known, number}, {number}]  # the whole file (the new number unknown yet), then the new line


@pytest.mark.parametrize("mode", service.MODES)
def test_a_chunk_retried_after_a_rollback_loads_its_new_lines_again(runtime, loads, monkeypatch, mode):
    """What was made for a line first met in a chunk (its pool's counters,
    an account) goes with the chunk's rolled-back transaction: the retry must
    load the line again and make them again, on both paths."""
    load_demo_catalog(runtime)
    known, number, newcomer = line_with(runtime, "MOB-39"), mobile(), register(runtime)
    failures, opened = [], []
    inner = service.commit

    def failing_once(session, ctx, rated, batch):
        if number in ctx.numbers and not failures:
            failures.append(batch)
            raise IntegrityError("INSERT", {}, Exception("a rival rated the same ids"))
        return inner(session, ctx, rated, batch)

    def open_line() -> None:
        open_mobile(runtime, newcomer, "MOB-39", number=number)
        opened.append(balance(runtime, number))

    monkeypatch.setattr(service, "commit", failing_once)
    sms = [record(number, "sms", 1, minutes=minute) for minute in range(3)]
    report = rate_in_chunks(runtime, [record(known, "sms", 1), *sms], 2, between={2: open_line}, mode=mode)
    assert failures and report.rated == 3 and charges(runtime, *sms) == [None, 10, 10]
    assert loads[1:] == [{number}, {number}]  # loaded again in the retry
    with runtime.sessions() as session:
        pool_id = lines.by_number(session, number).id
        counters = session.execute(select(UsageCounter.used, UsageCounter.overage).where(
            UsageCounter.pool_line_id == pool_id, UsageCounter.kind == "sms")).all()
    assert [tuple(row) for row in counters] == [(0, 2)]
    assert balance(runtime, number) == opened[0] - 20


def test_many_column_wise_chunks_leave_the_books_of_record_by_record(runtime, twin_lines, loads):
    first, second = twin_lines
    raw = mixed_input(first, 5, count=300)
    mapping = dict(zip(first, second, strict=True))
    service.rate(runtime.sessions, runtime.clock, raw, mode="records", chunk_size=37)
    twin = raw.with_columns(pl.col("msisdn").replace(mapping), pl.col("peer").replace(mapping),
                            pl.col("record_id") + "b")
    before = len(loads)
    report = service.rate(runtime.sessions, runtime.clock, twin, mode="columnar", chunk_size=40)
    assert report.batches == 8 and loads[before:] == [set(twin["msisdn"])]  # one load for the eight chunks
    a, b = books(runtime, first), books(runtime, second)
    assert a[0] == [(rid.removesuffix("b"), *rest) for rid, *rest in b[0]]
    assert a[1:] == b[1:]
    assert any(charge for _rid, charge, _u, _f in b[0]) and b[3], "the input must reach charges and reminders"
