"""Two raters at once on the same lines (a file run and the stream, or two
consumers after a rebalance) must not lose an update: each batch locks the
counters it moves and the accounts it charges, so every pool ends where all
the records put it, whichever rater took which record and whichever path."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from kindline.usage import ingest, service
from kindline.usage.models import UsageCounter, UsageRecord
from tests.usage.helpers import balance, line_with, load_demo_catalog, record

CALLS = 60  # per rater and line, 120 s each: 14,400 s a line in all, 6,000 s of it in the allowance


def test_two_raters_on_the_same_lines_leave_every_pool_and_balance_exact(runtime):
    load_demo_catalog(runtime)
    numbers = [line_with(runtime, "MOB-39") for _ in range(4)]  # 100 minutes, then 0.15元 a started minute
    before = {number: balance(runtime, number) for number in numbers}
    inputs = {mode: [record(number, "voice", 120, minutes=minute, record_id=f"{mode}-{number}-{minute}")
                     for minute in range(CALLS) for number in numbers]
              for mode in service.MODES}
    start, failures = threading.Barrier(len(inputs)), []

    def rater(mode: str) -> None:
        try:
            start.wait()
            service.rate(runtime.sessions, runtime.clock, ingest.from_rows(inputs[mode]), mode=mode, chunk_size=20)
        except Exception as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=rater, args=(mode,)) for mode in inputs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []

    over = 2 * CALLS * 120 - 6000
    with runtime.sessions() as session:
        counters = session.execute(select(UsageCounter.used, UsageCounter.overage).where(
            UsageCounter.kind == "voice", UsageCounter.used + UsageCounter.overage > 0)).all()
        rated = session.scalar(select(func.count()).select_from(UsageRecord))
    assert rated == 2 * CALLS * len(numbers)
    assert sorted(tuple(row) for row in counters) == [(6000, over)] * len(numbers)
    assert {number: before[number] - balance(runtime, number) for number in numbers} == dict.fromkeys(
        numbers, over // 60 * 15)  # every started minute beyond the allowance charged once
