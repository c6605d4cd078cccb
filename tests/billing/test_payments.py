"""Balances and payments: every channel, the natural key (channel, reference),
also under concurrency, limits, permissions, reversal with audit, credit."""


from fastapi.testclient import TestClient

from kindline.billing import service
from kindline.billing.models import BillingAccount, LedgerEntry, Payment
from kindline.core.audit import AuditRecord
from kindline.core.db import transaction
from kindline.core.errors import DomainError
from kindline.customers import lines
from kindline.customers import service as customers
from tests.billing.conftest import balance, count, pay
from tests.concurrency import at_once
from tests.factories import mobile_number, register, subscriber_headers


def test_a_payment_credits_the_account_created_on_first_need(client, runtime, clerk):
    customer = register(runtime)
    msisdn = mobile_number(runtime, customer)
    before = balance(client, clerk, msisdn)
    assert (before["balance_fen"], before["account_id"], before["in_arrears"]) == (0, None, False)
    assert count(runtime, BillingAccount) == 0  # reading creates nothing

    answer = pay(client, clerk, msisdn, 5000, "POS-0001", channel="hall_pos")
    assert answer.status_code == 201, answer.text
    paid = answer.json()
    assert (paid["amount_fen"], paid["amount_yuan"], paid["channel_name"]) == (5000, "50.00", "营业厅刷卡")
    assert paid["balance_after_fen"] == 5000 and paid["status"] == "posted"
    assert paid["msisdn"] == msisdn[:3] + "****" + msisdn[-4:]
    after = balance(client, clerk, msisdn)
    assert (after["balance_fen"], after["balance_yuan"], after["status"]) == (5000, "50.00", "active")
    with runtime.sessions() as session:
        [entry] = session.query(LedgerEntry).all()
        assert (entry.kind, entry.amount_fen, entry.balance_after_fen) == ("payment", 5000, 5000)
        assert entry.reference == f"payment:{paid['id']}" and entry.actor.startswith("staff:")


def test_every_channel_pays_the_same_way(client, runtime, clerk):
    msisdn = mobile_number(runtime, register(runtime))
    channels = ["hall_cash", "hall_pos", "online", "app", "bank", "partner", "terminal"]
    for n, channel in enumerate(channels, 1):
        paid = pay(client, clerk, msisdn, 1234, "ref-1", channel=channel)  # one reference, seven channels
        assert paid.status_code == 201 and paid.json()["balance_after_fen"] == 1234 * n
    assert balance(client, clerk, msisdn)["balance_fen"] == 1234 * len(channels)


def test_the_same_reference_twice_is_one_payment(client, runtime, clerk):
    customer = register(runtime)
    msisdn, other_line = mobile_number(runtime, customer), mobile_number(runtime, customer)
    first = pay(client, clerk, msisdn, 3000, "BANK-778899", channel="bank")
    again = pay(client, clerk, " +86 " + msisdn, 3000, " BANK-778899 ", channel="bank")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert again.json() == first.json()
    other_amount = pay(client, clerk, msisdn, 3001, "BANK-778899", channel="bank")
    other_account = pay(client, clerk, other_line, 3000, "BANK-778899", channel="bank")
    for refused in (other_amount, other_account):
        assert refused.status_code == 409 and refused.json()["code"] == "payment_reference_reused"
    assert pay(client, clerk, msisdn, 3000, "BANK-778899", channel="partner").status_code == 201  # another channel
    assert count(runtime, Payment) == 2 and balance(client, clerk, msisdn)["balance_fen"] == 6000


def test_the_same_reference_sent_concurrently_is_one_payment(runtime, staff):
    from kindline.app import create_app

    clerk = staff("hall_clerk")
    msisdn = mobile_number(runtime, register(runtime))
    app = create_app(runtime)

    def submit(_n):
        with TestClient(app) as client:
            return pay(client, clerk, msisdn, 8800, "TERM-42", channel="terminal").status_code

    results = at_once(8, submit)
    assert sorted(results) == [200] * 7 + [201]
    assert count(runtime, Payment) == 1 and count(runtime, LedgerEntry) == 1 and count(runtime, BillingAccount) == 1
    with runtime.sessions() as session:
        assert session.query(BillingAccount).one().balance_fen == 8800


def test_amount_is_above_zero_and_at_most_100000_yuan(client, runtime, clerk):
    msisdn = mobile_number(runtime, register(runtime))
    for amount, code in [(0, "invalid_amount"), (-500, "invalid_amount"), (10_000_001, "invalid_amount"),
                         (2 ** 70, "invalid_amount"), (12.5, "invalid_request"), ("100", "invalid_request"),
                         (True, "invalid_request"), (None, "invalid_request")]:
        answer = pay(client, clerk, msisdn, amount, "R-1")
        assert answer.status_code == 422 and answer.json()["code"] == code, (amount, answer.text)
        assert answer.json()["message"]
    assert count(runtime, Payment) == 0 and count(runtime, BillingAccount) == 0
    assert pay(client, clerk, msisdn, 10_000_000, "R-1").status_code == 201


def test_channel_and_reference_are_checked(client, runtime, clerk):
    msisdn = mobile_number(runtime, register(runtime))
    for channel, reference, code in [
        ("pigeon", "R-1", "invalid_channel"), ("recharge_card", "K00001000001", "channel_not_allowed"),
        ("hall_cash", "   ", "invalid_reference"), ("hall_cash", "x" * 65, "invalid_reference"),
    ]:
        answer = pay(client, clerk, msisdn, 100, reference, channel=channel)
        assert answer.status_code == 422 and answer.json()["code"] == code, (channel, reference)
    assert count(runtime, Payment) == 0


def test_unknown_number_and_cancelled_line_are_refused_suspended_line_may_pay(client, runtime, clerk):
    customer = register(runtime)
    msisdn = mobile_number(runtime, customer)
    assert pay(client, clerk, "13900009999", 100, "R-0").json()["code"] == "line_not_found"
    with transaction(runtime.sessions) as session:
        lines.suspend(lines.by_number(session, msisdn), "arrears")
    assert pay(client, clerk, msisdn, 100, "R-1").status_code == 201
    with transaction(runtime.sessions) as session:
        lines.cancel(session, runtime.clock, lines.by_number(session, msisdn))
    refused = pay(client, clerk, msisdn, 100, "R-2")
    assert refused.status_code == 409 and refused.json()["code"] == "line_cancelled"
    assert balance(client, clerk, msisdn)["status"] == "cancelled"


def test_a_tv_account_is_paid_by_its_account_number(client, runtime, clerk):
    customer = register(runtime)
    with transaction(runtime.sessions) as session:
        lines.open_line(session, runtime.clock, customers.get(session, customer), kind="tv", number="TV02581234",
                        service_address="秦淮区中华路1号", stb_serial="STB-1")
    assert pay(client, clerk, "TV02581234", 2400, "CASH-TV-1").status_code == 201
    shown = balance(client, clerk, "TV02581234")
    assert (shown["msisdn"], shown["line_kind"], shown["balance_fen"]) == ("TV02581234", "tv", 2400)


def test_subscribers_see_their_own_payments_and_cannot_book_money(client, runtime, clerk):
    me, other = register(runtime), register(runtime)
    mine, theirs = mobile_number(runtime, me), mobile_number(runtime, other)
    headers = subscriber_headers(runtime, me)
    booked = pay(client, headers, mine, 5000, "APP-0", channel="app")
    assert booked.status_code == 403 and booked.json()["code"] == "payment_needs_gateway"
    assert pay(client, clerk, mine, 5000, "APP-1", channel="app").status_code == 201  # the gateway's confirmation
    assert balance(client, headers, mine)["balance_fen"] == 5000
    assert client.get(f"/api/v1/lines/{theirs}/balance", headers=headers).status_code == 403
    listed = client.get("/api/v1/payments", params={"msisdn": mine}, headers=headers).json()
    assert [p["external_reference"] for p in listed["items"]] == ["APP-1"]
    assert client.get("/api/v1/payments", params={"msisdn": theirs}, headers=headers).status_code == 403
    assert client.get(f"/api/v1/lines/{mine}/balance").status_code == 401


def test_staff_need_the_permissions(client, runtime, staff):
    msisdn = mobile_number(runtime, register(runtime))
    technician = staff("technician")
    assert pay(client, technician, msisdn, 100, "R-1").status_code == 403
    assert client.get(f"/api/v1/lines/{msisdn}/balance", headers=technician).status_code == 403
    assert pay(client, staff("agent"), msisdn, 100, "R-1").status_code == 201
    assert balance(client, staff("inspector"), msisdn)["balance_fen"] == 100


def test_reversal_needs_permission_and_a_reason_is_audited_and_happens_once(client, runtime, clerk, supervisor):
    msisdn = mobile_number(runtime, register(runtime))
    pay(client, clerk, msisdn, 2000, "R-0")
    paid = pay(client, clerk, msisdn, 5000, "R-1").json()
    url = f"/api/v1/payments/{paid['id']}/reversal"
    assert client.post(url, json={"reason": "录错号码"}, headers=clerk).status_code == 403
    no_reason = client.post(url, json={"reason": " "}, headers=supervisor)
    assert no_reason.status_code == 422 and no_reason.json()["code"] == "reason_required"
    reversed_ = client.post(url, json={"reason": "录错号码"}, headers=supervisor)
    assert reversed_.status_code == 200, reversed_.text
    assert reversed_.json()["status"] == "reversed" and reversed_.json()["reversal_reason"] == "录错号码"
    again = client.post(url, json={"reason": "再次冲正"}, headers=supervisor)
    assert again.status_code == 409 and again.json()["code"] == "payment_already_reversed"
    assert balance(client, clerk, msisdn)["balance_fen"] == 2000
    with runtime.sessions() as session:
        entries = session.query(LedgerEntry).order_by(LedgerEntry.id).all()
        assert [(e.kind, e.amount_fen, e.balance_after_fen) for e in entries] == [
            ("payment", 2000, 2000), ("payment", 5000, 7000), ("reversal", -5000, 2000)]
        [record] = session.query(AuditRecord).filter_by(subject_type="payment").all()
        assert (record.action, record.subject_id, record.reason) == ("payment:reversal", paid["id"], "录错号码")
    missing = client.post("/api/v1/payments/999999/reversal", json={"reason": "x" * 3}, headers=supervisor)
    assert missing.status_code == 404 and missing.json()["code"] == "payment_not_found"


def test_credit_from_the_vip_level_decides_arrears(client, runtime, clerk, monkeypatch):
    customer = register(runtime)
    msisdn = mobile_number(runtime, customer)
    with transaction(runtime.sessions) as session:  # a charge, as the fees of a later slice will post it
        account = service.account_for(session, runtime.clock, customer)
        service.post(session, runtime.clock, account, "reversal", -3000, reference="test:charge", actor="system")
    shown = balance(client, clerk, msisdn)
    assert (shown["balance_fen"], shown["credit_fen"], shown["in_arrears"]) == (-3000, 0, True)
    monkeypatch.setitem(service.CREDIT_BY_VIP_LEVEL, 3, 5000)
    with transaction(runtime.sessions) as session:
        customers.set_vip_level(session, runtime.clock, customers.get(session, customer), 3, actor=None, reason="t")
    shown = balance(client, clerk, msisdn)
    assert (shown["balance_fen"], shown["credit_fen"], shown["in_arrears"]) == (-3000, 5000, False)
    assert service.in_arrears(-5000, 5000) is False and service.in_arrears(-5001, 5000) is True


def test_payments_are_listed_newest_first_and_paginated(client, runtime, clerk, staff):
    msisdn = mobile_number(runtime, register(runtime))
    for n in range(5):
        pay(client, clerk, msisdn, 100 + n, f"R-{n}")
    page = client.get("/api/v1/payments", params={"msisdn": msisdn, "limit": 2, "offset": 1}, headers=clerk).json()
    assert page["total"] == 5 and [p["external_reference"] for p in page["items"]] == ["R-3", "R-2"]
    one = client.get(f"/api/v1/payments/{page['items'][0]['id']}", headers=clerk).json()
    assert one["amount_fen"] == 103
    assert client.get("/api/v1/payments", params={"msisdn": msisdn}, headers=staff("technician")).status_code == 403


def test_a_line_that_changed_hands_shows_only_the_new_holders_payments(client, runtime, clerk):
    old, new = register(runtime), register(runtime)
    msisdn = mobile_number(runtime, old)
    paid = pay(client, clerk, msisdn, 1000, "R-old").json()
    with transaction(runtime.sessions) as session:
        lines.transfer(session, runtime.clock, lines.by_number(session, msisdn), customers.get(session, new))
    headers = subscriber_headers(runtime, new)
    assert balance(client, headers, msisdn)["balance_fen"] == 0
    assert client.get("/api/v1/payments", params={"msisdn": msisdn}, headers=headers).json()["items"] == []
    assert client.get(f"/api/v1/payments/{paid['id']}", headers=headers).status_code == 403


def test_the_contract_is_in_the_openapi(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/v1/lines/{msisdn}/balance", "/api/v1/payments", "/api/v1/payments/{payment_id}/reversal",
                 "/api/v1/card-batches", "/api/v1/cards/redeem"):
        assert path in paths


def test_two_supervisors_reversing_at_once_reverse_once(runtime, staff):
    from kindline.billing import payments
    from kindline.core.auth.service import create_staff, staff_principal

    msisdn = mobile_number(runtime, register(runtime))
    with transaction(runtime.sessions) as session:
        clerk = staff_principal(create_staff(session, runtime.clock, "clerk-x", "pass", ["hall_clerk"]))
        boss = staff_principal(create_staff(session, runtime.clock, "boss-x", "pass", ["supervisor"]))
        request = payments.PaymentRequest(msisdn, 7000, "hall_cash", "CASH-9")
        payment_id = payments.pay(session, runtime.clock, clerk, request)[0].id

    def reverse(_n):
        try:
            with transaction(runtime.sessions) as session:
                payments.reverse(session, runtime.clock, boss, payment_id, "重复收款")
            return "done"
        except DomainError as refusal:
            return refusal.code

    codes = at_once(4, reverse)
    assert sorted(codes) == ["done"] + ["payment_already_reversed"] * 3
    assert count(runtime, LedgerEntry) == 2 and count(runtime, AuditRecord) == 1
    with runtime.sessions() as session:
        assert session.query(BillingAccount).one().balance_fen == 0
