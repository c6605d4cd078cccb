"""The entry points `kindline run` and `kindline demo load` call: an empty
database, a load, the demo staff signing in and the welcome text. (Loading a
second time and welcome without a runtime are checked on the shared
population in test_population.)"""

from __future__ import annotations

from kindline.core.auth.permissions import ROLE_NAMES_ZH, ROLES
from kindline.demo.loader import is_loaded, welcome
from kindline.demo.showcase import demo_subscriber_phones
from kindline.halls import service as halls
from tests.demo import FEW, load_small

BASE = "http://127.0.0.1:8000"


def test_an_empty_database_is_not_loaded_and_the_welcome_still_shows_the_way(runtime):
    assert not is_loaded(runtime)
    text = welcome(BASE, runtime)
    for url in ("/portal", "/console", "/docs", "/openapi.json"):
        assert BASE + url in text
    for role in ROLES:
        assert f"{role} / {role}" in text and ROLE_NAMES_ZH[role] in text
    assert "kindline demo load" in text


def test_after_a_load_every_demo_staff_member_signs_in_and_the_welcome_names_subscribers(runtime, client):
    summary, said = load_small(runtime, FEW)
    assert is_loaded(runtime) and "示范数据已载入" in summary and said
    for role in ROLES:
        token = client.post("/api/v1/auth/token", data={"username": role, "password": role})
        assert token.status_code == 200, token.text
        assert token.json()["kind"] == "staff"
    wrong = client.post("/api/v1/auth/token", data={"username": "admin", "password": "not-admin"})
    assert wrong.status_code == 401

    with runtime.sessions() as session:
        phones = demo_subscriber_phones(session)
    assert 2 <= len(phones) <= 3
    text = welcome(BASE + "/", runtime)
    for url in ("/portal", "/console", "/docs", "/openapi.json", "/console/sms"):
        assert BASE + url in text
    assert all(phone in text for phone in phones)
    with runtime.sessions() as session:
        hall = halls.halls(session)[0]
    for screen in ("kiosk", "board"):
        assert f"{BASE}/floor/{hall.id}/{screen}" in text
