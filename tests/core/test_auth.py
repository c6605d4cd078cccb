"""Staff sign-in by password and subscriber sign-in by SMS code."""

import re

import pytest
from sqlalchemy import select

from kindline.core import outbox, sms
from kindline.core.auth.models import StaffUser
from kindline.core.auth.service import create_staff
from kindline.core.db import transaction
from kindline.core.errors import Conflict, Invalid
from tests.factories import load_demo_catalog, open_mobile, register


def _make_staff(runtime, username="zhang", password="s3cret!", roles=("agent",)):
    with transaction(runtime.sessions) as session:
        create_staff(session, runtime.clock, username, password, list(roles))


def test_staff_token_by_password_form(client, runtime):
    _make_staff(runtime)
    answer = client.post("/api/v1/auth/token", data={"username": "zhang", "password": "s3cret!"})
    assert answer.status_code == 200 and answer.json()["token_type"] == "bearer"
    token = answer.json()["access_token"]
    listed = client.get("/api/v1/customers", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200
    wrong = client.post("/api/v1/auth/token", data={"username": "zhang", "password": "nope"})
    assert wrong.status_code == 401 and wrong.json()["code"] == "bad_credentials"
    assert client.get("/api/v1/customers", headers={"Authorization": "Bearer forged"}).json()["code"] == "bad_token"


def test_passwords_are_stored_as_argon2_hashes(runtime):
    _make_staff(runtime)
    with runtime.sessions() as session:
        stored = session.scalar(select(StaffUser.password_hash))
    assert stored.startswith("$argon2") and "s3cret!" not in stored


def test_disabled_staff_token_stops_working(client, runtime):
    _make_staff(runtime)
    token = client.post("/api/v1/auth/token", data={"username": "zhang", "password": "s3cret!"}).json()["access_token"]
    with transaction(runtime.sessions) as session:
        session.scalar(select(StaffUser)).active = False
    assert client.get("/api/v1/customers", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_staff_creation_refuses_unknown_roles_and_duplicates(runtime):
    with pytest.raises(Invalid):
        _make_staff(runtime, roles=("emperor",))
    _make_staff(runtime)
    with pytest.raises(Conflict):
        _make_staff(runtime)


def _subscriber(runtime):
    load_demo_catalog(runtime)
    customer = register(runtime)
    number = "13600001234"
    open_mobile(runtime, customer, "MOB-39", number=number)
    return customer, number


def _last_code(runtime, number) -> str:
    outbox.deliver_due(runtime.sessions, runtime.clock)
    with runtime.sessions() as session:
        text = sms.recent(session, 1, number)[0].text
    return re.search(r"\d{6}", text).group(0)


def test_sms_code_signs_a_subscriber_in_to_their_own_data_only(client, runtime):
    customer, number = _subscriber(runtime)
    assert client.post("/api/v1/auth/sms-code", json={"phone": "+86 136 0000 1234"}).status_code == 202
    code = _last_code(runtime, number)
    answer = client.post("/api/v1/auth/sms-code/verify", json={"phone": number, "code": code})
    assert answer.status_code == 200 and answer.json()["kind"] == "subscriber"
    headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}
    assert client.get("/api/v1/me", headers=headers).json()["id"] == customer
    assert client.get(f"/api/v1/customers/{customer}", headers=headers).status_code == 200
    other = register(runtime)
    assert client.get(f"/api/v1/customers/{other}", headers=headers).status_code == 403
    assert client.get("/api/v1/customers", headers=headers).status_code == 403
    reused = client.post("/api/v1/auth/sms-code/verify", json={"phone": number, "code": code})
    assert reused.status_code == 401


def test_code_expires_after_five_minutes(client, runtime, clock):
    _, number = _subscriber(runtime)
    client.post("/api/v1/auth/sms-code", json={"phone": number})
    code = _last_code(runtime, number)
    clock.advance(5 * 60 + 1)
    answer = client.post("/api/v1/auth/sms-code/verify", json={"phone": number, "code": code})
    assert answer.status_code == 401 and answer.json()["code"] == "code_expired"


def test_five_wrong_tries_kill_the_code(client, runtime):
    _, number = _subscriber(runtime)
    client.post("/api/v1/auth/sms-code", json={"phone": number})
    code = _last_code(runtime, number)
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    lefts = [client.post("/api/v1/auth/sms-code/verify", json={"phone": number, "code": wrong}).json()
             for _ in range(5)]
    assert [a["detail"]["tries_left"] for a in lefts] == [4, 3, 2, 1, 0]
    late = client.post("/api/v1/auth/sms-code/verify", json={"phone": number, "code": code})
    assert late.status_code == 401 and late.json()["code"] == "code_expired"


def test_at_most_five_codes_an_hour(client, runtime, clock):
    _, number = _subscriber(runtime)
    answers = [client.post("/api/v1/auth/sms-code", json={"phone": number}).status_code for _ in range(6)]
    assert answers == [202] * 5 + [429]
    clock.advance(3601)
    assert client.post("/api/v1/auth/sms-code", json={"phone": number}).status_code == 202


def test_unknown_or_invalid_numbers_get_no_code(client, runtime):
    _subscriber(runtime)
    assert client.post("/api/v1/auth/sms-code", json={"phone": "13999999999"}).status_code == 404
    assert client.post("/api/v1/auth/sms-code", json={"phone": "123"}).json()["code"] == "invalid_phone"
    with runtime.sessions() as session:
        assert sms.recent(session) == []
