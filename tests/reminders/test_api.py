"""GET /api/v1/notifications?msisdn=: the subscriber for their own line, staff
with customers:read or billing:read; newest first, paginated."""

from __future__ import annotations

from kindline.core.db import transaction
from kindline.customers import lines
from kindline.customers import service as customers
from tests.factories import mobile_number, register, subscriber_headers
from tests.reminders.helpers import charge, delivered, pay


def _list(client, headers, number, **query):
    return client.get("/api/v1/notifications", headers=headers, params={"msisdn": number, **query})


def test_the_subscriber_reads_their_reminders_newest_first(runtime, client):
    customer = register(runtime)
    number = mobile_number(runtime, customer)
    pay(runtime, number, 2000)
    charge(runtime, number, 600)
    charge(runtime, number, 1000)
    me = subscriber_headers(runtime, customer)
    answer = _list(client, me, number)
    assert answer.status_code == 200, answer.text
    page = answer.json()
    assert page["total"] == 2 and [item["params"]["threshold_fen"] for item in page["items"]] == [500, 1500]
    item = page["items"][0]
    assert (item["kind"], item["kind_name"], item["cycle"]) == ("balance_below", "余额不足", "2026-11")
    assert item["recipient"] == number[:3] + "****" + number[-4:] and "不足5元" in item["text"]
    assert item["delivered_at"] is None
    delivered(runtime)
    page = _list(client, me, number, limit=1, offset=1).json()
    assert (page["total"], len(page["items"]), page["items"][0]["params"]["threshold_fen"]) == (2, 1, 1500)
    assert page["items"][0]["delivered_at"] is not None


def test_who_may_read_a_lines_reminders(runtime, client, staff):
    customer = register(runtime)
    number = mobile_number(runtime, customer)
    charge(runtime, number, 100)  # into arrears: a warning
    allowed = [subscriber_headers(runtime, customer), staff("technician"), staff("inspector"), staff("agent")]
    for headers in allowed:
        answer = _list(client, headers, number)
        assert answer.status_code == 200 and answer.json()["total"] == 1
    refused = [(subscriber_headers(runtime, register(runtime)), 403), (staff("mediation"), 403), ({}, 401)]
    for headers, status in refused:
        assert _list(client, headers, number).status_code == status
    assert _list(client, staff("agent"), "13999999999").status_code == 404


def test_a_new_holder_does_not_read_the_former_holders_reminders(runtime, client, staff):
    former = register(runtime)
    number = mobile_number(runtime, former)
    charge(runtime, number, 100)
    new_holder = register(runtime)
    with transaction(runtime.sessions) as session:
        lines.transfer(session, runtime.clock, lines.by_number(session, number), customers.get(session, new_holder))
    assert _list(client, subscriber_headers(runtime, new_holder), number).json()["total"] == 0
    assert _list(client, staff("agent"), number).json()["total"] == 1
