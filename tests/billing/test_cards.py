"""Recharge cards: PINs shown once and kept as hashes, redemption once (also
50 at a time), expiry, and the lock after five failed tries."""

from datetime import date, datetime, timedelta, timezone

from fastapi.testclient import TestClient

from kindline.billing import cards
from kindline.billing.models import CardFailure, LedgerEntry, Payment, RechargeCard
from kindline.core.db import transaction
from kindline.customers import lines
from tests.billing.conftest import balance, count, make_batch
from tests.concurrency import at_once
from tests.factories import mobile_number, register, subscriber_headers


def _redeem(client, headers, serial, pin, msisdn):
    return client.post("/api/v1/cards/redeem", headers=headers, json={"serial": serial, "pin": pin, "msisdn": msisdn})


def _wrong(pin: str) -> str:
    return pin[:-1] + str((int(pin[-1]) + 1) % 10)


def test_a_batch_shows_its_pins_once_and_stores_only_hashes(client, runtime, admin, clerk):
    batch, rows = make_batch(client, admin, face_value_fen=10000, count=4)
    assert (batch["count"], batch["face_value_yuan"], batch["cards_by_status"]) == (4, "100.00", {"active": 4})
    assert list(rows[0]) == ["serial", "pin", "face_value", "expires"]
    assert len({r["serial"] for r in rows}) == 4 and all(r["serial"].startswith("K") for r in rows)
    assert all(len(r["pin"]) == 16 and r["pin"].isdigit() for r in rows)
    assert {(r["face_value"], r["expires"]) for r in rows} == {("100.00", "2027-06-30")}
    with runtime.sessions() as session:
        stored = {c.serial: c.pin_hash for c in session.query(RechargeCard)}
    for row in rows:
        assert row["pin"] not in stored[row["serial"]] and stored[row["serial"]].startswith("h1$")
    again = client.get(f"/api/v1/card-batches/{batch['id']}", headers=admin)
    assert again.status_code == 200 and "csv" not in again.json()
    assert not any(r["pin"] in again.text for r in rows)
    assert client.post("/api/v1/card-batches", headers=clerk, json={
        "face_value_fen": 5000, "count": 1, "expires_on": "2027-01-01"}).status_code == 403
    assert client.get(f"/api/v1/card-batches/{batch['id']}", headers=clerk).status_code == 403


def test_batch_input_is_checked(client, admin):
    for body, code in [({"count": 0}, "invalid_batch_size"), ({"count": 10_001}, "invalid_batch_size"),
                       ({"face_value_fen": 0}, "invalid_amount"), ({"expires_on": "2026-11-22"}, "invalid_expiry"),
                       ({"expires_on": "2040-01-01"}, "invalid_expiry"), ({"count": 2.5}, "invalid_request")]:
        answer = client.post("/api/v1/card-batches", headers=admin, json={
            "face_value_fen": 5000, "count": 2, "expires_on": "2027-06-30", **body})
        assert answer.status_code == 422 and answer.json()["code"] == code, (body, answer.text)


def test_a_card_credits_its_face_value_once(client, runtime, admin):
    customer = register(runtime)
    msisdn = mobile_number(runtime, customer)
    headers = subscriber_headers(runtime, customer)
    _batch, rows = make_batch(client, admin, face_value_fen=5000, count=2)
    card = rows[0]
    done = _redeem(client, headers, card["serial"], card["pin"], msisdn)
    assert done.status_code == 201, done.text
    body = done.json()
    assert (body["serial"], body["face_value_fen"], body["payment"]["channel"]) == (card["serial"], 5000, "recharge_card")
    assert body["payment"]["balance_after_fen"] == 5000
    again = _redeem(client, headers, card["serial"], card["pin"], msisdn)
    assert again.status_code == 409 and again.json()["code"] == "card_used"
    assert again.json()["detail"]["credited_to_this_line"] is True
    assert balance(client, headers, msisdn)["balance_fen"] == 5000
    with runtime.sessions() as session:
        used = session.query(RechargeCard).filter_by(serial=card["serial"]).one()
        assert used.status == "used" and used.payment_id == body["payment"]["id"]
    counts = client.get(f"/api/v1/card-batches/{used.batch_id}", headers=admin).json()["cards_by_status"]
    assert counts == {"active": 1, "used": 1}


def test_serial_and_pin_are_read_as_people_type_them(client, runtime, admin, clerk):
    msisdn = mobile_number(runtime, register(runtime))
    _batch, [card] = make_batch(client, admin, count=1)
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in card["pin"])  # １２３４...
    spaced = " " + card["serial"].lower()[:5] + " - " + card["serial"][5:]
    answer = _redeem(client, clerk, spaced, full_width[:8] + " " + full_width[8:], msisdn)
    assert answer.status_code == 201, answer.text
    for serial, pin, code in [("12345", card["pin"], "invalid_serial"), (card["serial"], "1234", "invalid_pin_format")]:
        refused = _redeem(client, clerk, serial, pin, msisdn)
        assert refused.status_code == 422 and refused.json()["code"] == code
    assert count(runtime, CardFailure) == 0  # typing slips are not guesses


def test_expired_and_unknown_cards_are_refused_with_clear_codes(client, runtime, admin, clerk, clock):
    msisdn = mobile_number(runtime, register(runtime))
    _batch, [card, last_day] = make_batch(client, admin, count=2, expires_on=date(2026, 11, 30))
    clock.set(datetime(2026, 11, 30, 23, 59, tzinfo=timezone(timedelta(hours=8))))  # still the last day
    assert _redeem(client, clerk, last_day["serial"], last_day["pin"], msisdn).status_code == 201
    unknown = _redeem(client, clerk, "K99999000001", card["pin"], msisdn)
    assert unknown.status_code == 404 and unknown.json()["code"] == "card_not_found"
    assert count(runtime, CardFailure) == 1  # committed although the answer is an error
    clock.advance(120)
    expired = _redeem(client, clerk, card["serial"], card["pin"], msisdn)
    assert expired.status_code == 409 and expired.json()["code"] == "card_expired"
    assert count(runtime, Payment) == 1


def test_five_wrong_pins_lock_the_line_and_the_card_for_an_hour(client, runtime, admin, clerk, clock):
    customer = register(runtime)
    msisdn, other_line = mobile_number(runtime, customer), mobile_number(runtime, register(runtime))
    headers = subscriber_headers(runtime, customer)
    _batch, (card, spare) = make_batch(client, admin, count=2)
    left = []
    for _ in range(5):
        answer = _redeem(client, headers, card["serial"], _wrong(card["pin"]), msisdn)
        assert answer.status_code == 422 and answer.json()["code"] == "wrong_pin"
        left.append(answer.json()["detail"]["tries_left"])
        clock.advance(60)
    assert left == [4, 3, 2, 1, 0] and count(runtime, CardFailure) == 5
    line_locked = _redeem(client, headers, card["serial"], card["pin"], msisdn)  # even the right PIN
    assert line_locked.status_code == 429 and line_locked.json()["code"] == "card_tries_locked"
    assert line_locked.json()["detail"]["scope"] == "line"
    assert _redeem(client, headers, spare["serial"], spare["pin"], msisdn).json()["detail"]["scope"] == "line"
    card_locked = _redeem(client, clerk, card["serial"], card["pin"], other_line)
    assert card_locked.status_code == 429 and card_locked.json()["detail"]["scope"] == "card"
    assert count(runtime, CardFailure) == 5  # tries while locked are refused, not counted
    clock.advance(3600 - 60 + 1)  # just over an hour after the fifth failure
    assert _redeem(client, headers, card["serial"], card["pin"], msisdn).status_code == 201
    assert balance(client, headers, msisdn)["balance_fen"] == 5000


def test_failures_spread_over_more_than_an_hour_do_not_lock(client, runtime, admin, clerk, clock):
    msisdn = mobile_number(runtime, register(runtime))
    _batch, [card] = make_batch(client, admin, count=1)
    for _ in range(6):
        assert _redeem(client, clerk, card["serial"], _wrong(card["pin"]), msisdn).json()["code"] == "wrong_pin"
        clock.advance(16 * 60)
    assert _redeem(client, clerk, card["serial"], card["pin"], msisdn).status_code == 201


def test_the_lock_lasts_an_hour_from_the_fifth_failure():
    start = datetime(2026, 11, 22, 2, 0, tzinfo=timezone.utc)
    minutes = [0, 1, 2, 3, 59]
    assert cards.locked_until([start + timedelta(minutes=m) for m in minutes]) == start + timedelta(minutes=119)
    assert cards.locked_until([start + timedelta(minutes=m) for m in (0, 1, 2, 3, 61)]) is None
    assert cards.locked_until([start]) is None


def test_subscribers_redeem_only_to_their_own_lines_and_cancelled_lines_refuse(client, runtime, admin):
    me, other = register(runtime), register(runtime)
    theirs = mobile_number(runtime, other)
    _batch, [card] = make_batch(client, admin, count=1)
    refused = _redeem(client, subscriber_headers(runtime, me), card["serial"], _wrong(card["pin"]), theirs)
    assert refused.status_code == 403 and count(runtime, CardFailure) == 0
    with transaction(runtime.sessions) as session:
        lines.cancel(session, runtime.clock, lines.by_number(session, theirs))
    closed = _redeem(client, subscriber_headers(runtime, other), card["serial"], card["pin"], theirs)
    assert closed.status_code == 409 and closed.json()["code"] == "line_cancelled"
    assert count(runtime, RechargeCard, RechargeCard.status == "active") == 1


def test_fifty_concurrent_redemptions_of_one_card_give_one_success(runtime, staff):
    from kindline.app import create_app

    admin, clerk = staff("admin"), staff("hall_clerk")
    app = create_app(runtime)
    with TestClient(app) as client:
        _batch, [card] = make_batch(client, admin, face_value_fen=20000, count=1)
    numbers = [mobile_number(runtime, register(runtime)) for _ in range(5)]

    def redeem(n: int):
        with TestClient(app) as client:
            answer = _redeem(client, clerk, card["serial"], card["pin"], numbers[n % 5])
            return answer.status_code, answer.json().get("code", "")

    results = at_once(50, redeem)
    assert sorted(results) == [(201, "")] + [(409, "card_used")] * 49
    assert count(runtime, Payment) == 1 and count(runtime, LedgerEntry) == 1
    with runtime.sessions() as session:
        total = sum(entry.amount_fen for entry in session.query(LedgerEntry))
    assert total == 20000
