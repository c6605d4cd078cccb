"""The cycle start: each monthly product charged its pinned price once per cycle
(reruns, concurrent workers), the first month by day, bundles free, secondary
cards on the holder's account, the durable timer and the CLI."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from kindline.billing import cycles as billing_cycles
from kindline.billing.fees import first_month_fen
from kindline.billing.models import Fee, LedgerEntry
from kindline.catalog.models import ProductVersion
from kindline.core import timers
from kindline.core.db import transaction
from kindline.core.errors import Invalid
from kindline.core.settings import get_settings
from kindline.customers import lines
from tests.billing.conftest import count
from tests.billing.statements import (
    balance,
    fee_rows,
    fees_of,
    grants,
    local,
    open_line,
    order,
    start,
)
from tests.concurrency import at_once
from tests.factories import load_demo_catalog, mobile, register


@pytest.fixture
def catalog(runtime):
    load_demo_catalog(runtime)
    return runtime


def test_the_first_month_is_charged_by_day_and_the_rule_lives_in_one_place(clock):
    assert first_month_fen(clock, "2026-11", 9800, local(2026, 11, 1, 0, 0)) == 9800
    assert first_month_fen(clock, "2026-11", 9800, local(2026, 10, 3, 9, 0)) == 9800
    assert first_month_fen(clock, "2026-11", 9800, local(2026, 11, 22, 10, 0)) == 2940  # 9 of 30 days
    assert first_month_fen(clock, "2026-11", 9800, local(2026, 11, 30, 23, 59)) == 327  # 1 day: 326.67 rounds up
    assert first_month_fen(clock, "2027-02", 3900, local(2027, 2, 15, 8, 0)) == 1950  # 14 of 28 days


def test_each_monthly_product_is_charged_its_pinned_price_once_per_cycle(catalog, clock):
    customer = register(catalog)
    open_line(catalog, customer, "mobile", "MOB-59", "DP-10G-M", "DP-1G-ONCE")  # opened Nov 22, at the counter
    november = start(catalog, "2026-11")
    assert fees_of(catalog, customer) == {"MOB-59": (1770, "prorata"), "DP-10G-M": (900, "prorata")}
    assert (november.fees, november.charged_fen) == (2, 2670)
    assert start(catalog, "2026-11").fees == 0 and balance(catalog, customer) == -2670  # a rerun charges nothing

    with transaction(catalog.sessions) as session:  # a later price change does not touch what was sold
        version = session.scalar(select(ProductVersion).where(ProductVersion.name == "59元畅享套餐"))
        version.price_fen = 99900
    clock.set(local(2026, 12, 1, 0, 0))
    december = start(catalog, "2026-12")
    assert fees_of(catalog, customer, "2026-12") == {"MOB-59": (99900, "month"), "DP-10G-M": (3000, "month")}
    assert december.points == 999 and december.already == 0
    assert balance(catalog, customer) == -2670 - 102900
    entries = {e.reference: e.amount_fen for e in _ledger(catalog)}
    assert entries == {"fee:2026-11": -2670, "fee:2026-12": -102900}  # one entry per account and run


def _ledger(runtime) -> list[LedgerEntry]:
    with runtime.sessions() as session:
        return list(session.scalars(select(LedgerEntry).order_by(LedgerEntry.id)))


def test_bundled_products_are_free_and_secondary_cards_pay_to_the_holder(catalog, clock):
    holder = register(catalog)
    primary = open_line(catalog, holder, "mobile", "MOB-98")
    open_line(catalog, holder, "mobile", "MOB-SEC", primary_id=primary)
    open_line(catalog, holder, "broadband", "BB-100M")  # the 98 plan's free broadband, on a line of its own
    open_line(catalog, holder, "broadband", "BB-100M")  # a second one is not in the bundle
    open_line(catalog, holder, "broadband", "BB-300M", "IPTV-BASIC")  # IPTV free with 300M, on the same line
    clock.set(local(2026, 12, 1, 0, 0))
    start(catalog, "2026-12")
    rows = fee_rows(catalog, holder)
    assert sorted((f.product_code, f.amount_fen, f.basis) for f in rows) == [
        ("BB-100M", 0, "bundled"), ("BB-100M", 6000, "month"), ("BB-300M", 10000, "month"),
        ("IPTV-BASIC", 0, "bundled"), ("MOB-98", 9800, "month"), ("MOB-SEC", 1000, "month")]
    assert [f.line_id for f in rows if f.basis == "bundled" and f.product_code == "BB-100M"] == [primary + 2]
    assert balance(catalog, holder) == -(9800 + 1000 + 6000 + 10000)
    assert sum(g.amount for g in grants(catalog, holder)) == 98 + 60 + 100  # plans and broadband earn points


def test_cancelled_lines_and_ended_products_are_not_charged(catalog, clock):
    customer = register(catalog)
    kept = open_line(catalog, customer, "mobile", "MOB-39", "DP-5G-M")
    gone = open_line(catalog, customer, "mobile", "MOB-59")
    with transaction(catalog.sessions) as session:
        lines.cancel(session, catalog.clock, lines.get(session, gone))
        lines.unsubscribe(session, catalog.clock, lines.get(session, kept), "DP-5G-M")
    clock.set(local(2026, 12, 1, 0, 0))
    start(catalog, "2026-12")
    assert fees_of(catalog, customer) == {"MOB-39": (3900, "month")}


def test_two_workers_on_the_same_cycle_charge_once(catalog, clock):
    customers = [register(catalog) for _ in range(6)]
    for customer in customers:
        open_line(catalog, customer, "mobile", "MOB-59", "DP-10G-M")
    clock.set(local(2026, 12, 1, 0, 0))

    def run(_n):
        with transaction(catalog.sessions) as session:
            return billing_cycles.start_cycle(session, clock, "2026-12").fees

    assert sum(at_once(4, run)) == 12
    assert count(catalog, Fee) == 12 and count(catalog, LedgerEntry) == 6
    assert all(balance(catalog, c) == -8900 for c in customers)
    assert all(sum(g.amount for g in grants(catalog, c)) == 59 for c in customers)


def test_a_subscription_during_the_cycle_pays_the_rest_of_the_month_when_sold(catalog, clock):
    customer = register(catalog)
    number = mobile()
    _id, result, status = order(catalog, type="account_opening", customer_id=customer, line_kind="mobile",
                                number=number, product_codes=["MOB-98", "AUTO-UP-1G"])
    assert status == "completed" and result["charged_fen"] == 2940 and result["points_earned"] == 29
    line = result["line_id"]
    order(catalog, type="product_order", customer_id=customer, line_id=line, product_codes=["DP-1G-ONCE", "DP-5G-M"])
    assert fees_of(catalog, customer) == {"MOB-98": (2940, "prorata"), "DP-1G-ONCE": (1000, "once"),
                                          "DP-5G-M": (600, "prorata")}  # the auto-upgrade pack is charged per use
    order(catalog, type="product_unsubscribe", customer_id=customer, line_id=line, product_codes=["DP-5G-M"])
    order(catalog, type="service_change", customer_id=customer, line_id=line, product_codes=["MOB-59"])
    assert fees_of(catalog, customer)["MOB-59"] == (0, "changed")  # the 98 plan's month is paid already
    assert start(catalog, "2026-11").fees == 0  # the cycle start finds them charged
    assert balance(catalog, customer) == -(2940 + 1000 + 600)
    clock.set(local(2026, 12, 1, 0, 0))
    start(catalog, "2026-12")
    assert fees_of(catalog, customer, "2026-12") == {"MOB-59": (5900, "month")}  # unsubscribed and replaced: gone


def test_the_timer_starts_each_cycle_at_local_midnight_and_sets_the_next(catalog, clock):
    customer = register(catalog)
    open_line(catalog, customer, "mobile", "MOB-39")
    with transaction(catalog.sessions) as session:
        billing_cycles.ensure_timers(session, clock)
        billing_cycles.ensure_timers(session, clock)  # idempotent
    clock.set(local(2026, 11, 30, 23, 59))
    timers.run_until_idle(catalog.sessions, clock)
    assert fees_of(catalog, customer, "2026-12") == {}
    clock.set(local(2026, 12, 1, 0, 0))
    timers.run_until_idle(catalog.sessions, clock)
    assert fees_of(catalog, customer, "2026-12") == {"MOB-39": (3900, "month")}
    with catalog.sessions() as session:
        following = timers.pending(session, billing_cycles.CYCLE_START, "2027-01")
        assert following is not None and following.due_at == local(2027, 1, 1, 0, 0)
        assert timers.pending(session, billing_cycles.POINTS_DAILY, "2026-12-01").due_at == local(2026, 12, 1, 9, 0)


def test_the_cli_charges_a_cycle_with_progress_and_reruns_harmlessly(catalog, monkeypatch, tmp_path):
    from kindline.cli import app

    customer = register(catalog)
    open_line(catalog, customer, "mobile", "MOB-39")
    monkeypatch.setenv("KINDLINE_DATABASE_URL", catalog.settings.database_url)
    monkeypatch.setenv("KINDLINE_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("KINDLINE_CLOCK", "virtual:2026-12-01T08:00:00+08:00")
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        first = runner.invoke(app, ["billing", "start-cycle"])
        assert first.exit_code == 0, first.output
        assert "1/1 位客户" in first.output and "2026-12 月初扣费完成" in first.output
        again = runner.invoke(app, ["billing", "start-cycle", "--cycle", "2026-12"])
        assert "新扣费 0 项" in again.output and "此前已扣 1 项" in again.output
        bad = runner.invoke(app, ["billing", "start-cycle", "--cycle", "2026-13"])
        assert bad.exit_code != 0
        early = runner.invoke(app, ["billing", "start-cycle", "--cycle", "2027-01"])  # never charged in advance
        assert early.exit_code != 0 and isinstance(early.exception, Invalid)
    finally:
        get_settings.cache_clear()
    assert fees_of(catalog, customer, "2026-12") == {"MOB-39": (3900, "month")}
    assert [g.expires_on for g in grants(catalog, customer)] == [date(2027, 12, 31)]
