"""Rating rules, through the REST API as the mediation system sends records."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from kindline.core.db import transaction
from kindline.customers import lines
from kindline.usage.models import UsageRecord
from tests.usage.helpers import GIB, balance, line_with, load_demo_catalog, record, register


@pytest.fixture
def feed(client, staff, runtime):
    load_demo_catalog(runtime)
    headers = staff("mediation")

    def send(*records, expect=200):
        answer = client.post("/api/v1/usage", headers=headers, json=list(records))
        assert answer.status_code == expect, answer.text
        return answer.json()

    return send


def rated(runtime, record_id: str) -> UsageRecord:
    with runtime.sessions() as session:
        return session.scalars(select(UsageRecord).where(UsageRecord.record_id == record_id)).one()


def test_voice_rounds_up_per_started_minute_inside_the_allowance(feed, runtime):
    number = line_with(runtime, "MOB-39")
    first = record(number, "voice", 61)
    report = feed(first)
    assert report == {"rated": 1, "duplicates": 0, "charged_fen": 0, "rejected": []}
    row = rated(runtime, first["record_id"])
    assert (row.rated_quantity, row.allowance_used, row.charge_fen, row.cycle) == (120, 120, 0, "2026-11")
    assert balance(runtime, number) == 10_000


def test_overage_is_charged_per_started_block_over_the_cycle(feed, runtime):
    number = line_with(runtime, "MOB-39")  # 100 minutes, then 0.15元 a minute
    feed(record(number, "voice", 5990))
    over, more = record(number, "voice", 30), record(number, "voice", 60)
    feed(over)
    feed(more)
    # 5990 s rounds to 6000 (the whole allowance); 30 s -> one started minute of overage; 60 s more -> a second.
    assert (rated(runtime, over["record_id"]).overage_quantity, rated(runtime, over["record_id"]).charge_fen) == (60, 15)
    assert rated(runtime, more["record_id"]).charge_fen == 15
    sms = record(number, "sms", 1)  # MOB-39 has no SMS allowance: 0.10元 a message
    feed(sms)
    assert rated(runtime, sms["record_id"]).charge_fen == 10
    assert balance(runtime, number) == 10_000 - 40


def test_family_numbers_talk_free_both_ways(feed, runtime):
    elder = register(runtime, birth=date(1950, 3, 1))
    parent = line_with(runtime, "ELDER-CARD", customer_id=elder)
    child = line_with(runtime, "MOB-39")
    with transaction(runtime.sessions) as session:
        lines.add_family_number(session, runtime.clock, lines.by_number(session, parent), child, "儿子")
    out, back, other = (record(parent, "voice", 600, peer=child), record(child, "voice", 600, peer=parent),
                        record(parent, "voice", 600, peer="13900000000"))
    feed(out, back, other)
    assert rated(runtime, out["record_id"]).free and rated(runtime, back["record_id"]).free
    assert rated(runtime, out["record_id"]).allowance_used == 0
    assert not rated(runtime, other["record_id"]).free
    assert rated(runtime, other["record_id"]).allowance_used == 600


def test_secondary_card_shares_the_primary_pool(feed, runtime):
    holder = register(runtime)
    primary = line_with(runtime, "MOB-98", customer_id=holder)
    secondary = line_with(runtime, "MOB-SEC", customer_id=holder, primary=primary, paid_fen=0)
    feed(record(primary, "voice", 17_940), record(secondary, "voice", 120, minutes=1))
    with runtime.sessions() as session:
        rows = session.scalars(select(UsageRecord).order_by(UsageRecord.id)).all()
        assert [r.pool_line_id for r in rows] == [rows[0].line_id] * 2
        assert [(r.allowance_used, r.overage_quantity, r.charge_fen) for r in rows] == [(17_940, 0, 0), (60, 60, 15)]


def test_auto_upgrade_adds_packs_up_to_the_limit_then_charges_overage(feed, runtime):
    number = line_with(runtime, "MOB-39", "AUTO-UP-1G", paid_fen=50_000)  # 5 GB, then 1 GB packs at 10元, 3 a cycle
    big = record(number, "data", 5 * GIB + GIB // 2)
    feed(big)
    row = rated(runtime, big["record_id"])
    assert (row.upgrade_packs, row.upgrade_fen, row.overage_fen) == (1, 1000, 0)
    rest = record(number, "data", 3 * GIB)  # 0.5 GB left in pack 1, packs 2 and 3, then 0.5 GB overage
    feed(rest)
    row = rated(runtime, rest["record_id"])
    assert (row.upgrade_packs, row.upgrade_fen, row.overage_quantity, row.overage_fen) == (2, 2000, GIB // 2, 500)
    assert balance(runtime, number) == 50_000 - 3500


def test_the_same_record_id_is_rated_once(feed, runtime):
    number = line_with(runtime, "MOB-39")
    sms = record(number, "sms", 1)
    assert feed(sms, sms)["rejected"] == [{"record_id": sms["record_id"], "code": "duplicate_in_input",
                                           "message": "同一批中记录编号重复"}]
    again = feed(sms)
    assert (again["rated"], again["duplicates"], again["charged_fen"]) == (0, 1, 0)
    assert balance(runtime, number) == 10_000 - 10


def test_unknown_numbers_are_rejected_and_the_rest_rated(feed, runtime):
    number = line_with(runtime, "MOB-39")
    report = feed(record(number, "sms", 1), record("13911112222", "sms", 1, record_id="ghost"))
    assert report["rated"] == 1
    assert report["rejected"] == [{"record_id": "ghost", "code": "unknown_line", "message": "号码不存在或已销户"}]


def test_malformed_calls_change_nothing(client, staff, runtime, feed):
    number = line_with(runtime, "MOB-39")
    bad = [record(number, "sms", 1), {**record(number, "fax", 1)}]
    assert client.post("/api/v1/usage", headers=staff("mediation"), json=bad).status_code == 422
    naive = {**record(number, "sms", 1), "started_at": "2026-11-22T09:00:00"}
    assert client.post("/api/v1/usage", headers=staff("mediation"), json=[naive]).status_code == 422
    assert client.post("/api/v1/usage", headers=staff("mediation"), json=[]).status_code == 422
    too_many = [record(number, "sms", 1) for _ in range(10_001)]
    assert client.post("/api/v1/usage", headers=staff("mediation"), json=too_many).status_code == 422
    assert client.post("/api/v1/usage", headers=staff("agent"), json=[record(number, "sms", 1)]).status_code == 403
    assert balance(runtime, number) == 10_000


def test_allowances_answer_what_the_pool_holds(feed, runtime):
    from kindline.usage import service

    number = line_with(runtime, "MOB-39")
    feed(record(number, "voice", 3000), record(number, "data", GIB))
    with runtime.sessions() as session:
        answer = {a.kind: a for a in service.allowances(session, runtime.clock, lines.by_number(session, number))}
    assert (answer["voice"].total, answer["voice"].used, answer["voice"].remaining, answer["voice"].percent_used) == (
        6000, 3000, 3000, 50)
    assert (answer["data"].total, answer["data"].remaining) == (5 * GIB, 4 * GIB)
    assert answer["sms"].total == 0
