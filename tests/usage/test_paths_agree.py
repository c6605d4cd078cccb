"""The record-by-record path and the column-wise path charge exactly the same.

Hypothesis builds pools (allowances, rounding, prices, auto-upgrade terms,
family numbers, counters already part used) and a stream of records in a
random order; both rating functions must give the same row for every record.
A database test then rates one input through both whole pipelines and
compares charges, balances, counters and reminders.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kindline.core import cycles
from kindline.core.clock import VirtualClock
from kindline.usage import columnar
from kindline.usage import context as ctxmod
from kindline.usage.columnar import rate_frame
from kindline.usage.rating import RATED_COLUMNS, UsageIn, rate_records
from tests.usage.helpers import books, mixed_input

START = datetime(2026, 11, 30, 15, 0, tzinfo=timezone.utc)  # 23:00 local: records straddle two cycles
# St. John's, 2009-11-01: 00:00 NDT (02:30 UTC) is November, then at 00:01 the clocks go back to 23:01 on
# October 31 until 03:30 UTC; a cycle that begins twice, where the local month is not the start's
ST_JOHNS = ("America/St_Johns", datetime(2009, 11, 1, 1, 30, tzinfo=timezone.utc))
RECORD_SCHEMA = {"record_id": pl.Utf8, "msisdn": pl.Utf8, "kind": pl.Utf8, "started_at": pl.Datetime("us", "UTC"),
                 "quantity": pl.Int64, "peer": pl.Utf8}


@st.composite
def scenarios(draw, tz: str = "Asia/Shanghai", start: datetime = START):
    clock = VirtualClock(start, tz)
    first = cycles.cycle_of(clock, start)
    cycle_names = (first, cycles.following(first))  # records fall within two hours of `start`
    ctx = ctxmod.RatingContext(clock=clock, now=clock.now())
    numbers = [f"1380000{i:04d}" for i in range(draw(st.integers(1, 4)))]
    pools = {}
    for index, number in enumerate(numbers):
        pool_id = draw(st.sampled_from([1, *[i + 1 for i in range(index)]]))  # share an earlier pool or own
        pools.setdefault(pool_id, None)
        ctx.lines[number] = ctxmod.LineTerms(
            line_id=index + 1, customer_id=index + 1, pool_line_id=pool_id, account_id=index % 2 + 1,
            rounding={"voice": draw(st.sampled_from([1, 6, 60])), "sms": 1, "data": draw(st.sampled_from([1, 1024]))},
            overage={kind: (draw(st.integers(0, 50)), draw(st.sampled_from([1, 60, 1000, 1 << 20])))
                     for kind in ("voice", "sms", "data") if draw(st.booleans())},
            family=frozenset(draw(st.sets(st.sampled_from(["13900000001", "13900000002"]), max_size=2))))
    for pool_id in pools:
        upgrade = draw(st.one_of(st.none(), st.builds(ctxmod.Upgrade, size=st.integers(0, 5000),
                                                      price_fen=st.integers(0, 1000), limit=st.integers(0, 4))))
        ctx.pools[pool_id] = ctxmod.PoolTerms(pool_id, {
            cycle: {kind: draw(st.integers(0, 20_000)) for kind in ("voice", "sms", "data")}
            for cycle in cycle_names}, upgrade)
        for cycle in cycle_names:
            for kind in ("voice", "sms", "data"):
                ctx.counters[(pool_id, cycle, kind)] = ctxmod.CounterState(
                    used=draw(st.integers(0, 25_000)), over=draw(st.integers(0, 3000)),
                    upgrades=draw(st.integers(0, 5)))
    records = draw(st.lists(st.builds(
        UsageIn, record_id=st.uuids().map(str), msisdn=st.sampled_from(numbers),
        kind=st.sampled_from(["voice", "sms", "data"]),
        started_at=st.one_of(st.integers(0, 7200), st.sampled_from([3599, 3600, 3659, 3660, 7199]))  # around the
        .map(lambda s: start + timedelta(seconds=s)),  # cycle's start, an hour on (and St. John's clocks going back)
        quantity=st.integers(0, 9000), peer=st.sampled_from([None, "13900000001", "13900000002", "13700000000"])),
        max_size=60))
    return ctx, records


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_record_by_record_equals_column_wise(scenario):
    _assert_paths_agree(*scenario)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(*ST_JOHNS))
def test_paths_agree_where_a_cycle_begins_twice(scenario):
    _assert_paths_agree(*scenario)


def _assert_paths_agree(ctx, records):
    one_by_one = rate_records(ctx, records)
    frame = pl.DataFrame([(r.record_id, r.msisdn, r.kind, r.started_at, r.quantity, r.peer) for r in records],
                         schema=RECORD_SCHEMA, orient="row")
    at_once = rate_frame(ctx, frame)
    assert at_once.columns == list(RATED_COLUMNS)
    assert [tuple(row) for row in at_once.iter_rows()] == [tuple(row) for row in one_by_one]


def test_a_batch_of_no_known_numbers_rates_nothing():
    clock = VirtualClock(START)
    rated = rate_frame(ctxmod.RatingContext(clock=clock, now=clock.now()), pl.DataFrame(schema=RECORD_SCHEMA))
    assert rated.is_empty() and rated.columns == list(RATED_COLUMNS)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text("0123456789", min_size=1, max_size=20), unique=True, max_size=6),
       st.lists(st.one_of(st.text("0123456789+- ", max_size=21), st.none()), max_size=12))
def test_a_number_finds_only_the_line_with_that_very_text(lines, numbers):
    """Numbers are looked up as integers where the lines' numbers allow it:
    "+138...", "0138..." or "138" must still find only their own text."""
    numbers = [*numbers, *lines, *("0" + line for line in lines), *("+" + line for line in lines)]
    found = columnar._line_positions(pl.Series(numbers, dtype=pl.Utf8), pl.Series(lines, dtype=pl.Utf8))
    assert found.to_list() == [lines.index(number) if number in lines else None for number in numbers]


def test_both_pipelines_leave_the_same_books(runtime, twin_lines):
    from kindline.usage import service

    first, second = twin_lines
    raw = mixed_input(first, 7)
    mapping = dict(zip(first, second, strict=True))
    service.rate(runtime.sessions, runtime.clock, raw, mode="records", chunk_size=37)
    twin = raw.with_columns(pl.col("msisdn").replace(mapping), pl.col("peer").replace(mapping))
    service.rate(runtime.sessions, runtime.clock, twin.with_columns(pl.col("record_id") + "b"), mode="columnar",
                 chunk_size=1000)
    a, b = books(runtime, first), books(runtime, second)
    assert [(rid, *rest) for rid, *rest in a[0]] == [(rid.removesuffix("b"), *rest) for rid, *rest in b[0]]
    assert a[1:] == b[1:]
    assert any(charge for _rid, charge, _u, _f in a[0]) and a[3], "the input must reach charges and reminders"
