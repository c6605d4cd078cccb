"""Signing in without a browser (for the TestClient tests) and reading the
SMS code the log driver stored; shared with the browser tests."""

from __future__ import annotations

import re
import time

from sqlalchemy import select

from kindline.core import outbox
from kindline.core.sms import SmsMessage
from tests.web.seed import PASSWORD

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def idempotency_key_of(html: str) -> str:
    found = _KEY.search(html)
    assert found, "the page has no idempotency key"
    return found.group(1)


def latest_code(runtime, phone: str, timeout: float = 10.0) -> str:
    """The newest sign-in code sent to `phone`. Delivery is nudged here so a
    test need not wait for (or have) the embedded worker."""
    deadline = time.monotonic() + timeout
    while True:
        outbox.deliver_due(runtime.sessions, runtime.clock)
        with runtime.sessions() as session:
            text = session.scalar(select(SmsMessage.text).where(SmsMessage.recipient == phone)
                                  .order_by(SmsMessage.id.desc()).limit(1))
        found = re.search(r"验证码是(\d{6})", text or "")
        if found:
            return found.group(1)
        if time.monotonic() > deadline:
            raise AssertionError(f"no sign-in code reached {phone}")
        time.sleep(0.1)


def staff_login(client, username: str) -> str:
    """Sign in on /console/login; returns the session's CSRF token."""
    token = csrf_of(client.get("/console/login").text)
    answer = client.post("/console/login", data={"username": username, "password": PASSWORD, "csrf_token": token},
                         follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return csrf_of(client.get("/console").text)


def portal_login(client, runtime, phone: str) -> str:
    """Sign in on the portal with the SMS code; returns the CSRF token."""
    token = csrf_of(client.get("/portal/login").text)
    answer = client.post("/portal/login", data={"phone": phone, "csrf_token": token}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    answer = client.post("/portal/login/code", data={"code": latest_code(runtime, phone), "csrf_token": token},
                         follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/portal", answer.text
    return csrf_of(client.get("/portal").text)


def landed(client, answer) -> str:
    """Follow a page action's redirect (303); answers the page it lands on."""
    assert answer.status_code == 303, answer.text
    page = client.get(answer.headers["location"])
    assert page.status_code == 200
    return page.text


def notice_of(html: str) -> str:
    """The confirmation a page shows after an action ("" when there is none)."""
    found = re.search(r'<div class="message notice" role="status">([^<]*)</div>', html)
    return found.group(1) if found else ""
