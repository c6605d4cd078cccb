"""Page guards without a browser: sign-in redirects, CSRF on every POST, safe
redirect targets, and a subscriber kept to their own data."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlencode

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import func, select

from kindline.core.auth.models import StaffUser
from kindline.core.db import transaction
from kindline.orders.models import Order
from kindline.web.pages import page_routers
from kindline.web.render import ELDER_COOKIE
from tests.factories import load_demo_catalog
from tests.web import seed
from tests.web.session_helpers import csrf_of, idempotency_key_of, portal_login, staff_login

CSRF_REFUSAL = "页面已过期或无法确认请求来自本系统"


@pytest.fixture
def people(runtime):
    load_demo_catalog(runtime)
    return {
        "me": seed.subscriber(runtime, "陈志强", date(1990, 2, 14), {"mobile": ["MOB-59"], "tv": ["DTV-BASIC"]}),
        "other": seed.subscriber(runtime, "赵强", date(1985, 7, 1), {"mobile": ["MOB-39"], "tv": ["DTV-BASIC"]}),
    }


@pytest.fixture
def agent(runtime):
    return seed.staff_user(runtime, "agent", "agent")


SIGNED_IN_PAGES = {
    "/console/login": ["/console", "/console/customers?q=1", "/console/customers/1", "/console/customers/1/orders/new",
                       "/console/orders/1", "/console/sms"],
    "/portal/login": ["/portal", "/portal/lines/1", "/portal/orders"],
}


def test_signed_out_pages_redirect_to_sign_in(client):
    for login, paths in SIGNED_IN_PAGES.items():
        for path in paths:
            answer = client.get(path, follow_redirects=False)
            assert answer.status_code == 303, path
            assert answer.headers["location"] == f"{login}?{urlencode({'next': path})}"
            assert client.get(answer.headers["location"]).headers["content-type"].startswith("text/html")


def _page_posts() -> list[str]:
    return [re.sub(r"\{[^}]+\}", "1", route.path) for router in page_routers() for route in router.routes
            if isinstance(route, APIRoute) and "POST" in route.methods]


def test_every_page_post_refuses_a_missing_or_wrong_csrf_token(client, people, agent):
    posts = _page_posts()
    assert "/console/login" in posts and "/portal/lines/1/order" in posts
    staff_login(client, agent)
    for path in posts:
        for data in ({}, {"csrf_token": "forged"}):
            answer = client.post(path, data=data, follow_redirects=False)
            assert answer.status_code == 403, path
            assert answer.headers["content-type"].startswith("text/html"), path
            assert CSRF_REFUSAL in answer.text, path


def test_csrf_refusal_changes_nothing(client, runtime, people):
    me = people["me"]
    token = portal_login(client, runtime, me.phone)
    form = client.get(f"/portal/lines/{me.line_ids['tv']}").text
    data = {"code": "STORE-CH-OPERA", "idempotency_key": idempotency_key_of(form)}
    assert client.post(f"/portal/lines/{me.line_ids['tv']}/order", data={**data, "csrf_token": "x"}).status_code == 403
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Order)) == 0
    answer = client.post(f"/portal/lines/{me.line_ids['tv']}/order", data={**data, "csrf_token": token},
                         follow_redirects=False)
    assert answer.status_code == 303


def test_mode_switch_sets_a_cookie_and_follows_only_local_paths(client):
    for target, expected in (("/portal/orders?offset=10", "/portal/orders?offset=10"), ("//evil.example/x", "/"),
                             ("https://evil.example/", "/"), ("/\\evil.example", "/"), ("javascript:alert(1)", "/"),
                             ("", "/")):
        answer = client.get("/mode", params={"elder": "1", "next": target}, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == expected, target
    assert client.cookies.get(ELDER_COOKIE) == "1"
    assert 'class="elder"' in client.get("/").text
    client.get("/mode", params={"elder": "0", "next": "/"})
    assert 'class="standard"' in client.get("/").text


def test_sign_in_goes_back_only_to_local_paths(client, people, agent):
    token = csrf_of(client.get("/console/login").text)
    answer = client.post("/console/login", data={"username": agent, "password": seed.PASSWORD,
                                                 "csrf_token": token, "next": "//evil.example"},
                         follow_redirects=False)
    assert answer.headers["location"] == "/console"


def test_wrong_password_rerenders_the_form_in_chinese(client, people, agent):
    token = csrf_of(client.get("/console/login").text)
    answer = client.post("/console/login", data={"username": agent, "password": "nope",
                                                 "csrf_token": token})
    assert answer.status_code == 401 and "用户名或密码错误" in answer.text
    assert client.get("/console", follow_redirects=False).status_code == 303


def test_subscriber_sees_only_their_own_data(client, runtime, people):
    me, other = people["me"], people["other"]
    token = portal_login(client, runtime, me.phone)
    for path in (f"/portal/lines/{other.line_ids['tv']}", f"/portal/lines/{other.line_ids['mobile']}"):
        answer = client.get(path)
        assert answer.status_code == 403 and "只能查看本人的信息" in answer.text
    answer = client.post(f"/portal/lines/{other.line_ids['tv']}/order",
                         data={"code": "STORE-CH-OPERA", "idempotency_key": "k-1", "csrf_token": token})
    assert answer.status_code == 403
    home = client.get("/portal").text
    assert other.phone[-4:] not in home and "MOB-39" not in home and "39元畅享套餐" not in home
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Order)) == 0
    # a subscriber session is not a staff session
    assert client.get("/console", follow_redirects=False).headers["location"].startswith("/console/login")


def test_sign_out_ends_the_session(client, runtime, people, agent):
    token = staff_login(client, agent)
    assert client.post("/console/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert client.get("/console", follow_redirects=False).status_code == 303


def test_a_disabled_staff_account_is_stopped_at_once(client, runtime, people, agent):
    staff_login(client, agent)
    with transaction(runtime.sessions) as session:
        session.scalar(select(StaffUser).where(StaffUser.username == agent)).active = False
    assert client.get("/console", follow_redirects=False).headers["location"].startswith("/console/login")


def test_wrong_sms_codes_are_counted_and_refused_in_chinese(client, runtime, people):
    from kindline.customers.models import SignInCode

    token = csrf_of(client.get("/portal/login").text)
    client.post("/portal/login", data={"phone": people["me"].phone, "csrf_token": token})
    for left in (4, 3):
        answer = client.post("/portal/login/code", data={"code": "999999", "csrf_token": token})
        assert answer.status_code == 401 and f"验证码错误，还可尝试{left}次。" in answer.text
    with runtime.sessions() as session:
        assert session.scalar(select(SignInCode.attempts)) == 2
    assert client.get("/portal", follow_redirects=False).status_code == 303


def test_an_unknown_number_is_refused_in_chinese(client, people):
    token = csrf_of(client.get("/portal/login").text)
    answer = client.post("/portal/login", data={"phone": "13912345678", "csrf_token": token})
    assert answer.status_code == 404 and "该号码不是本网实名用户" in answer.text
    assert 'value="13912345678"' in answer.text
