"""Points: earned on fees, expiring at the end of the twelfth month after,
spent soonest-expiring first through the order path (same eligibility and
idempotency as every channel), expired by the daily job with one reminder."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kindline.billing import cycles as billing_cycles
from kindline.billing import points, service
from kindline.billing.models import Fee, PointGrant, PointRedemption
from kindline.core import timers
from kindline.core.clock import VirtualClock
from kindline.core.db import transaction
from kindline.customers import lines
from kindline.orders.models import Order
from kindline.reminders.models import Notification
from tests.billing.conftest import count
from tests.billing.statements import balance, fees_of, grants, local, open_line, start
from tests.concurrency import at_once
from tests.factories import load_demo_catalog, mobile, register, subscriber_headers


@pytest.mark.parametrize(("earned", "expires"), [
    (date(2026, 11, 22), date(2027, 11, 30)), (date(2026, 1, 1), date(2027, 1, 31)),
    (date(2026, 2, 28), date(2027, 2, 28)), (date(2027, 2, 1), date(2028, 2, 29)),
    (date(2026, 12, 31), date(2027, 12, 31))])
def test_points_expire_at_the_end_of_the_twelfth_month_after_they_were_earned(earned, expires):
    assert points.expires_on(earned) == expires


@pytest.fixture
def holder(runtime):
    """A subscriber with a mobile line (MOB-39), and a helper granting points at a past moment."""
    load_demo_catalog(runtime)
    customer = register(runtime)
    number = mobile()
    open_line_id = _open(runtime, customer, number)

    def grant(amount: int, when: datetime, source: str) -> None:
        with transaction(runtime.sessions) as session:
            account = service.account_for(session, runtime.clock, customer)
            points.grant_many(session, VirtualClock(when), [(account.id, source, amount)])

    return customer, number, open_line_id, grant


def _open(runtime, customer, number):
    from kindline.customers import service as customers

    with transaction(runtime.sessions) as session:
        line = lines.open_line(session, runtime.clock, customers.get(session, customer), kind="mobile", number=number)
        lines.subscribe(session, runtime.clock, line, "MOB-39")
        return line.id


def _redeem(client, headers, number, code, key):
    return client.post(f"/api/v1/lines/{number}/points/redemptions", headers={**headers, "Idempotency-Key": key},
                       json={"product_code": code})


def test_fees_paid_earn_points_per_yuan_of_the_product(runtime, clock):
    load_demo_catalog(runtime)
    customer = register(runtime)
    open_line(runtime, customer, "mobile", "MOB-98", "DP-10G-M")  # data packs earn nothing
    start(runtime, "2026-11")  # 9 of 30 days: 29.40 yuan for the plan
    clock.set(local(2026, 12, 1, 0, 0))
    start(runtime, "2026-12")
    assert [(g.amount, g.remaining, g.expires_on) for g in grants(runtime, customer)] == [
        (29, 29, date(2027, 11, 30)), (98, 98, date(2027, 12, 31))]


def test_redemption_spends_the_soonest_expiring_points_through_the_order_path(client, runtime, holder):
    customer, number, line_id, grant = holder
    grant(800, local(2026, 2, 10, 9, 0), "a")  # usable through 2027-02-28
    grant(600, local(2025, 12, 10, 9, 0), "b")  # usable through 2026-12-31: spent first
    grant(500, local(2025, 10, 10, 9, 0), "c")  # expired 2026-10-31: not usable
    me = subscriber_headers(runtime, customer)
    assert client.get(f"/api/v1/lines/{number}/points", headers=me).json()["balance"] == 1400

    answer = _redeem(client, me, number, "DP-1G-ONCE", "redeem-1")
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["points_spent"], body["points_balance"], body["order_status"]) == (1000, 400, "completed")
    with runtime.sessions() as session:
        assert {g.source: g.remaining for g in session.scalars(select(PointGrant))} == {"a": 400, "b": 0, "c": 500}
        order = session.get(Order, body["order_id"])
        assert (order.type, order.channel, order.request["pay_with"], order.result) == (
            "product_order", "app", "points", {"points_spent": 1000})
        assert "DP-1G-ONCE" in lines.held_codes(lines.get(session, line_id))
    assert fees_of(runtime, customer) == {"DP-1G-ONCE": (0, "points")} and balance(runtime, customer) == 0

    again = _redeem(client, me, number, "DP-1G-ONCE", "redeem-1")
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["order_id"] == body["order_id"] and again.json()["points_balance"] == 400
    assert count(runtime, PointRedemption) == 1

    view = client.get(f"/api/v1/lines/{number}/points", headers=me).json()
    assert view["balance"] == 400 and view["expiring"] == [{"expires_on": "2027-02-28", "points": 400}]


def test_refused_redemptions_change_nothing(client, runtime, holder, staff):
    customer, number, _line, grant = holder
    grant(1200, local(2026, 11, 1, 9, 0), "a")
    me = subscriber_headers(runtime, customer)
    short = _redeem(client, me, number, "DP-5G-ONCE", "k1")  # 3000 points
    assert short.status_code == 409 and short.json()["code"] == "points_insufficient"
    assert short.json()["detail"] == {"needed": 3000, "available": 1200}
    unpriced = _redeem(client, me, number, "DP-5G-M", "k2")
    assert unpriced.status_code == 409 and unpriced.json()["code"] == "no_points_price"
    wrong_line = _redeem(client, me, number, "STORE-CH-OPERA", "k3")  # a TV channel on a mobile line
    assert wrong_line.status_code in (409, 422)
    other = subscriber_headers(runtime, register(runtime))
    assert _redeem(client, other, number, "DP-1G-ONCE", "k4").status_code == 403
    assert count(runtime, Order) == 0 and count(runtime, PointRedemption) == 0
    opening = client.post("/api/v1/orders", headers={**staff("hall_clerk"), "Idempotency-Key": "o1"}, json={
        "type": "account_opening", "customer_id": customer, "line_kind": "mobile", "number": mobile(),
        "product_codes": ["MOB-39"], "pay_with": "points"})
    assert opening.status_code == 422 and opening.json()["code"] == "points_not_accepted"
    clerk = _redeem(client, staff("hall_clerk"), number, "DP-1G-ONCE", "k5")  # at the hall counter
    assert clerk.status_code == 201 and clerk.json()["points_balance"] == 200


def test_two_redemptions_at_once_cannot_spend_the_same_points(runtime, holder):
    from kindline.app import create_app

    customer, number, _line, grant = holder
    grant(1000, local(2026, 11, 1, 9, 0), "a")
    me = subscriber_headers(runtime, customer)
    app = create_app(runtime)

    def redeem(n):
        with TestClient(app) as client:
            return _redeem(client, me, number, "DP-1G-ONCE", f"race-{n}").status_code

    results = sorted(at_once(3, redeem))
    assert results[0] == 201 and results[1:] == [409, 409]
    assert count(runtime, PointRedemption) == 1 and count(runtime, Fee) == 1
    with runtime.sessions() as session:
        assert session.scalar(select(PointGrant.remaining)) == 0


def test_the_daily_job_expires_points_and_reminds_once_before_they_expire(runtime, clock, holder):
    customer, _number, line_id, grant = holder
    grant(300, local(2025, 10, 20, 9, 0), "old")  # expired 2026-10-31
    grant(120, local(2025, 11, 5, 9, 0), "soon")  # expires 2026-11-30: within 30 days
    grant(700, local(2026, 3, 5, 9, 0), "later")  # expires 2027-03-31
    with transaction(runtime.sessions) as session:
        billing_cycles.ensure_timers(session, clock)
    clock.set(local(2026, 11, 23, 9, 0))
    timers.run_until_idle(runtime.sessions, clock)
    with runtime.sessions() as session:
        by_source = {g.source: (g.remaining, g.expired) for g in session.scalars(select(PointGrant))}
        assert by_source == {"old": (0, 300), "soon": (120, 0), "later": (700, 0)}
        [note] = session.scalars(select(Notification).where(Notification.kind == "points_expiring")).all()
        assert (note.line_id, note.cycle, note.params) == (line_id, "2026-11",
                                                            {"expires_on": "2026-11-30", "points": 120})
        assert "120积分" in note.text
        assert points.balance(session, clock, service.find_account(session, customer).id) == 820
    clock.set(local(2026, 11, 24, 9, 0))  # the next day: nothing more to say
    timers.run_until_idle(runtime.sessions, clock)
    clock.set(local(2026, 12, 1, 9, 0))  # the 120 are gone; the 700 are not due yet
    timers.run_until_idle(runtime.sessions, clock)
    with runtime.sessions() as session:
        assert len(session.scalars(select(Notification).where(Notification.kind == "points_expiring")).all()) == 1
        assert session.scalar(select(PointGrant.expired).where(PointGrant.source == "soon")) == 120
        assert timers.pending(session, billing_cycles.POINTS_DAILY, "2026-12-02") is not None
