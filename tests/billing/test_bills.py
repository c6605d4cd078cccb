"""Bills close (opening + payments - reversals - fees - usage + adjustments =
closing) and detailed records page and export as people read them."""

from __future__ import annotations

import csv
import io

import pytest

from kindline.billing import bills, payments, service
from kindline.core.auth.service import create_staff, staff_principal
from kindline.core.db import transaction
from kindline.customers import lines
from kindline.usage import ingest
from kindline.usage import service as usage
from tests.billing.statements import local, open_line, start
from tests.factories import load_demo_catalog, register, subscriber_headers

PEER = "13900000001"


def _pay(runtime, line_id, amount, reference, channel="hall_cash"):
    with transaction(runtime.sessions) as session:
        payment, _ = payments.receive(session, runtime.clock, lines.get(session, line_id), channel, reference, amount,
                                      "system")
        return payment.id


def _records(number):
    def record(n, kind, quantity, peer, hour):
        return {"record_id": f"rec-{n}", "msisdn": number, "kind": kind, "quantity": quantity, "peer": peer,
                "started_at": local(2026, 12, 5, hour, 0).isoformat()}
    return [record(1, "voice", 6000, PEER, 9), record(2, "voice", 120, PEER, 10), record(3, "sms", 1, PEER, 11),
            record(4, "sms", 1, "10086", 12), record(5, "sms", 1, PEER, 13), record(6, "data", 1 << 20, None, 14)]


@pytest.fixture
def month(runtime, clock):
    """A MOB-39 holder through November and December 2026, with every kind of ledger entry."""
    load_demo_catalog(runtime)
    customer = register(runtime)
    line_id = open_line(runtime, customer, "mobile", "MOB-39")
    with runtime.sessions() as session:
        number = lines.get(session, line_id).number
    _pay(runtime, line_id, 10000, "nov-1")
    start(runtime, "2026-11")  # 9 of 30 days: 11.70 yuan
    clock.set(local(2026, 12, 1, 0, 0))
    start(runtime, "2026-12")
    clock.set(local(2026, 12, 3, 15, 0))
    _pay(runtime, line_id, 5000, "dec-1")
    reversed_id = _pay(runtime, line_id, 2000, "dec-2", channel="bank")
    with transaction(runtime.sessions) as session:
        supervisor = staff_principal(create_staff(session, clock, "boss", "secret-pass", ["supervisor"]))
        payments.reverse(session, clock, supervisor, reversed_id, "重复缴费")
        account = service.find_account(session, customer)
        service.post(session, clock, account, "adjustment", 500, reference="adjust:1", actor=supervisor.label)
    clock.set(local(2026, 12, 5, 18, 0))
    report = usage.rate(runtime.sessions, clock, ingest.from_rows(_records(number)))
    assert report.rated == 6 and report.charged_fen == 60  # 2 minutes over the 100 at 0.15, 3 messages at 0.10
    clock.set(local(2027, 1, 2, 9, 0))
    return customer, number


def test_the_bill_closes_from_the_ledger(runtime, clock, month):
    customer, _number = month
    with runtime.sessions() as session:
        account_id = service.find_account(session, customer).id
        december = bills.bill_for(session, clock, account_id, "2026-12")
        november = bills.bill_for(session, clock, account_id, "2026-11")
    assert (november.opening_fen, november.payments_fen, november.fees_fen, november.closing_fen) == (0, 10000, 1170,
                                                                                                     8830)
    assert december.closed and december.opening_fen == november.closing_fen
    assert (december.payments_fen, december.reversals_fen, december.fees_fen, december.usage_fen,
            december.adjustments_fen) == (7000, 2000, 3900, 60, 500)
    assert december.usage_by_kind == {"voice": 30, "sms": 30, "data": 0}
    assert december.closing_fen == (december.opening_fen + december.payments_fen - december.reversals_fen
                                    - december.fees_fen - december.usage_fen + december.adjustments_fen) == 10370
    assert [(f.product_code, f.amount_fen, f.basis_name, f.points_earned) for f in december.fee_lines] == [
        ("MOB-39", 3900, "月租", 39)]
    with runtime.sessions() as session:  # nothing after the cycle: the closing balance is today's balance
        assert service.find_account(session, customer).balance_fen == december.closing_fen


def test_the_bills_endpoint_defaults_to_the_last_closed_cycle(client, runtime, clock, month, staff):
    customer, number = month
    me = subscriber_headers(runtime, customer)
    bill = client.get(f"/api/v1/lines/{number}/bills", headers=me).json()
    assert (bill["cycle"], bill["closed"], bill["closing_fen"], bill["closing_yuan"]) == ("2026-12", True, 10370,
                                                                                         "103.70")
    assert bill["fees"][0]["number"] == number[:3] + "****" + number[-4:]
    running = client.get(f"/api/v1/lines/{number}/bills?cycle=2027-01", headers=staff("agent")).json()
    assert (running["closed"], running["opening_fen"], running["closing_fen"], running["fees"]) == (
        False, 10370, 10370, [])
    future = client.get(f"/api/v1/lines/{number}/bills?cycle=2027-02", headers=me)
    assert future.status_code == 422 and future.json()["code"] == "cycle_in_future"
    assert client.get(f"/api/v1/lines/{number}/bills?cycle=2026-13", headers=me).json()["code"] == "invalid_cycle"
    stranger = subscriber_headers(runtime, register(runtime))
    assert client.get(f"/api/v1/lines/{number}/bills", headers=stranger).status_code == 403


def test_detailed_records_page_in_time_order_with_masked_peers(client, runtime, month, staff):
    customer, number = month
    me = subscriber_headers(runtime, customer)
    url = f"/api/v1/lines/{number}/records?cycle=2026-12"
    first = client.get(url + "&page=1&size=4", headers=me).json()
    second = client.get(url + "&page=2&size=4", headers=me).json()
    assert (first["total"], len(first["items"]), len(second["items"])) == (6, 4, 2)
    times = [r["local_time"] for r in first["items"] + second["items"]]
    assert times == sorted(times) and times[0] == "2026-12-05 09:00:00"
    call = first["items"][1]
    assert (call["kind_name"], call["peer"], call["quantity_text"], call["charge_yuan"]) == ("通话", "139****0001",
                                                                                            "2分00秒", "0.30")
    assert first["items"][0]["quantity_text"] == "1小时40分00秒" and second["items"][1]["quantity_text"] == "1.00MB"
    sms = client.get(url + "&kind=sms", headers=me).json()
    assert sms["total"] == 3 and {r["kind"] for r in sms["items"]} == {"sms"}
    assert client.get(url + "&kind=fax", headers=me).json()["code"] == "invalid_usage_kind"
    assert client.get(url + "&size=500", headers=me).status_code == 422
    assert client.get(url, headers=staff("agent")).status_code == 403  # 详单 needs records:read
    assert client.get(url, headers=staff("hall_clerk")).json()["total"] == 6


def test_detailed_records_export_as_csv(client, runtime, month):
    customer, number = month
    answer = client.get(f"/api/v1/lines/{number}/records.csv?cycle=2026-12",
                        headers=subscriber_headers(runtime, customer))
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert "records-2026-12.csv" in answer.headers["content-disposition"]
    text = answer.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == list(bills.CSV_HEADER) and len(rows) == 7
    assert rows[2] == ["2026-12-05 10:00:00", "通话", "139****0001", "2分00秒", "否", "0.30"]
    assert rows[4][2] == "*****" and rows[6][1:4] == ["流量", "", "1.00MB"]  # a short service number is masked whole
    empty = client.get(f"/api/v1/lines/{number}/records.csv?cycle=2026-11", headers=subscriber_headers(runtime,
                                                                                                       customer))
    assert list(csv.reader(io.StringIO(empty.content.decode("utf-8-sig")))) == [list(bills.CSV_HEADER)]
