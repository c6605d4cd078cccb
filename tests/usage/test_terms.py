"""A rater keeps line terms between batches (usage/terms.py): every change
that rating reads must reach the next batch, whichever line it was made on."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kindline.catalog import loader
from kindline.core.db import transaction
from kindline.customers import lines
from kindline.usage import ingest, service, stream
from kindline.usage.models import UsageCounter
from kindline.usage.terms import TermsCache
from tests.usage.helpers import GIB, balance, line_with, load_demo_catalog, record, register


def rate(runtime, cache: TermsCache, *records: dict) -> service.RatingReport:
    with transaction(runtime.sessions) as session:
        return service.rate_in(session, runtime.clock, ingest.from_rows(list(records)), cache=cache)


def change(runtime, act) -> None:
    with transaction(runtime.sessions) as session:
        act(session)


def test_a_pack_bought_between_batches_counts_in_the_next(runtime):
    load_demo_catalog(runtime)
    number = line_with(runtime, "MOB-39")  # 5 GB
    cache = TermsCache()
    assert rate(runtime, cache, record(number, "data", 5 * GIB)).charged_fen == 0
    change(runtime, lambda s: lines.subscribe(s, runtime.clock, lines.by_number(s, number), "DP-1G-ONCE"))
    assert rate(runtime, cache, record(number, "data", GIB, minutes=1)).charged_fen == 0  # the pack holds it
    assert rate(runtime, cache, record(number, "data", GIB, minutes=2)).charged_fen == 500  # then 5元/GB


def test_a_pack_on_a_secondary_card_grows_the_pool_its_primary_rates_against(runtime):
    load_demo_catalog(runtime)
    holder = register(runtime)
    primary = line_with(runtime, "MOB-98", customer_id=holder)  # 20 GB
    secondary = line_with(runtime, "MOB-SEC", customer_id=holder, primary=primary, paid_fen=0)
    cache = TermsCache()
    rate(runtime, cache, record(primary, "data", 20 * GIB))
    change(runtime, lambda s: lines.subscribe(s, runtime.clock, lines.by_number(s, secondary), "DP-1G-ONCE"))
    report = rate(runtime, cache, record(primary, "data", GIB, minutes=1))
    assert report.charged_fen == 0


def test_family_numbers_added_or_removed_between_batches_change_both_ends(runtime):
    load_demo_catalog(runtime)
    daughter = line_with(runtime, "MOB-39")
    card = line_with(runtime, "ELDER-CARD", customer_id=register(runtime, birth=date(1950, 1, 1)))
    cache = TermsCache()
    rate(runtime, cache, record(card, "voice", 12000), record(daughter, "voice", 6000))  # both allowances used
    change(runtime, lambda s: lines.add_family_number(s, runtime.clock, lines.by_number(s, card), daughter, "女儿"))
    report = rate(runtime, cache, record(card, "voice", 60, peer=daughter, minutes=1),
                  record(daughter, "voice", 60, peer=card, minutes=2))
    assert report.charged_fen == 0  # free both ways
    change(runtime, lambda s: lines.remove_family_number(s, lines.by_number(s, card), daughter))
    report = rate(runtime, cache, record(card, "voice", 60, peer=daughter, minutes=3),
                  record(daughter, "voice", 60, peer=card, minutes=4))
    assert report.charged_fen == 10 + 15  # each at its plan's price per minute


def test_a_transferred_line_charges_its_new_holder(runtime):
    load_demo_catalog(runtime)
    number = line_with(runtime, "MOB-39", paid_fen=5_000)
    newcomer = register(runtime)
    cache = TermsCache()
    rate(runtime, cache, record(number, "voice", 6000))  # the allowance is used up

    def transfer(session):
        from kindline.customers import service as customers

        lines.transfer(session, runtime.clock, lines.by_number(session, number), customers.get(session, newcomer))

    change(runtime, transfer)
    before = balance(runtime, number)  # now the new holder's account
    rate(runtime, cache, record(number, "voice", 60, minutes=1))
    assert balance(runtime, number) == before - 15


def test_a_cancelled_line_is_no_longer_rated(runtime):
    load_demo_catalog(runtime)
    number = line_with(runtime, "MOB-39")
    cache = TermsCache()
    rate(runtime, cache, record(number, "sms", 1))
    change(runtime, lambda s: lines.cancel(s, runtime.clock, lines.by_number(s, number)))
    report = rate(runtime, cache, record(number, "sms", 1, minutes=1))
    assert report.rated == 0 and [code for _id, code in report.rejected] == ["unknown_line"]


def test_every_change_rating_reads_moves_the_line_version(runtime):
    load_demo_catalog(runtime)
    holder = register(runtime)
    primary = line_with(runtime, "ELDER-CARD", customer_id=register(runtime, birth=date(1950, 1, 1)))
    other = line_with(runtime, "MOB-39", customer_id=holder)

    def versions() -> tuple[int, int]:
        with runtime.sessions() as session:
            return lines.by_number(session, primary).terms_version, lines.by_number(session, other).terms_version

    start = versions()
    change(runtime, lambda s: lines.add_family_number(s, runtime.clock, lines.by_number(s, primary), other, "儿子"))
    assert versions() == (start[0] + 1, start[1] + 1)  # the listed number's line too
    change(runtime, lambda s: lines.subscribe(s, runtime.clock, lines.by_number(s, other), "DP-1G-ONCE"))
    assert versions() == (start[0] + 1, start[1] + 2)
    change(runtime, lambda s: lines.unsubscribe(s, runtime.clock, lines.by_number(s, other), "DP-1G-ONCE"))
    assert versions() == (start[0] + 1, start[1] + 3)


def test_a_full_cache_lets_the_least_recently_rated_lines_go_and_rates_them_again_right(runtime):
    load_demo_catalog(runtime)
    first, second, third = (line_with(runtime, "MOB-39") for _ in range(3))  # 5 GB each
    cache = TermsCache(max_lines=2)
    rate(runtime, cache, record(first, "data", 4 * GIB))
    rate(runtime, cache, record(second, "data", GIB, minutes=1))
    rate(runtime, cache, record(first, "data", 0, minutes=2))  # first is now the more recently rated
    rate(runtime, cache, record(third, "data", GIB, minutes=3))
    assert len(cache) == 2 and first in cache and third in cache and second not in cache
    change(runtime, lambda s: lines.subscribe(s, runtime.clock, lines.by_number(s, second), "DP-1G-ONCE"))
    assert rate(runtime, cache, record(second, "data", 5 * GIB, minutes=4)).charged_fen == 0  # reloaded with the pack
    assert rate(runtime, cache, record(first, "data", 2 * GIB, minutes=5)).charged_fen == 500  # 1 GB over, counted


def test_a_cache_must_hold_a_line():
    with pytest.raises(ValueError):
        TermsCache(max_lines=0)


POOL_PLAN_128 = """
operator: 示范通信
effective_from: 2026-01-01
products:
  - code: MOB-128
    name: 128元共享套餐
    kind: plan
    line_kind: mobile
    charge: monthly
    price_fen: 12800
    description: 测试用：通话超出后每分钟0.20元，可加2张副卡共享。
    allowances: {voice: 0, sms: 0, data: 0}
    overage:
      voice: {price_fen: 20, per: 60}
      sms: {price_fen: 10, per: 1}
      data: {price_fen: 500, per: 1073741824}
    rounding: {voice: 60, sms: 1, data: 1024}
    secondary_cards: 2
    shares_pool: true
"""


def test_a_secondary_card_rates_at_the_plan_its_primary_moved_to_also_when_the_primary_was_reloaded_first(runtime):
    """The card's own version does not move when its primary changes plan; the
    pool's does, and the card's cached prices were made with the old one."""
    load_demo_catalog(runtime)
    with transaction(runtime.sessions) as session:
        loader.load(session, runtime.clock, POOL_PLAN_128)
    holder = register(runtime)
    primary = line_with(runtime, "MOB-98", customer_id=holder)  # 300 minutes, then 0.15元 a minute
    secondary = line_with(runtime, "MOB-SEC", customer_id=holder, primary=primary, paid_fen=0)
    cache = TermsCache()
    rate(runtime, cache, record(primary, "voice", 18000), record(secondary, "voice", 60, minutes=1))
    change(runtime, lambda s: lines.change_plan(s, runtime.clock, lines.by_number(s, primary), "MOB-128"))
    assert rate(runtime, cache, record(primary, "voice", 60, minutes=2)).charged_fen == 20  # reloads the pool
    assert rate(runtime, cache, record(secondary, "voice", 60, minutes=3)).charged_fen == 20


def test_a_stream_batch_that_fails_leaves_the_consumer_cache_as_before(runtime, monkeypatch):
    """The counters and account made for a line first met in a failed batch
    went with its transaction: the redelivered batch must make them again."""
    load_demo_catalog(runtime)
    number = line_with(runtime, "MOB-39")
    cache, inner, failures = TermsCache(), service.commit, []

    def failing_once(session, ctx, rated, batch):
        if not failures:
            failures.append(batch)
            raise IntegrityError("INSERT", {}, Exception("a rival rated the same ids"))
        return inner(session, ctx, rated, batch)

    monkeypatch.setattr(service, "commit", failing_once)
    payload = json.dumps(record(number, "sms", 1)).encode()
    with pytest.raises(IntegrityError):
        stream.rate_messages(runtime.sessions, runtime.clock, [payload], cache)
    before = balance(runtime, number)
    report, _unreadable = stream.rate_messages(runtime.sessions, runtime.clock, [payload], cache)  # redelivered
    assert (report.rated, report.charged_fen, balance(runtime, number)) == (1, 10, before - 10)
    with runtime.sessions() as session:
        used = session.execute(select(UsageCounter.used, UsageCounter.overage).where(
            UsageCounter.pool_line_id == lines.by_number(session, number).id, UsageCounter.kind == "sms")).all()
    assert [tuple(row) for row in used] == [(0, 1)]  # MOB-39 holds no messages: one charged beyond it
