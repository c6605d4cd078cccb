"""The Kannel MT driver without a gateway: a gateway that does not answer, or
refuses, leaves the message in the outbox to be retried (never lost)."""

from __future__ import annotations

import http.server
import threading

import pytest
from sqlalchemy import select

from kindline.core import outbox, sms
from kindline.core.db import transaction
from kindline.sms import kannel
from tests.web.conftest import _free_port


@pytest.fixture
def gateway(monkeypatch):
    """A stand-in sendsms on a free port answering what the test sets; records the queries."""
    seen: list[str] = []
    answer = {"status": 202, "body": "0: Accepted for delivery"}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the stdlib's name)
            seen.append(self.path)
            body = answer["body"].encode()
            self.send_response(answer["status"])
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", _free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(kannel, "_config", kannel.KannelConfig(
        f"http://127.0.0.1:{server.server_port}/cgi-bin/sendsms", "kl", "pw"))
    sms.install_driver("kannel")
    yield seen, answer
    sms.install_driver("log")
    server.shutdown()
    server.server_close()


def _queue(runtime, text: str) -> None:
    with transaction(runtime.sessions) as session:
        sms.send(session, runtime.clock, "13800000001", text)


def _message(runtime) -> outbox.OutboxMessage:
    with runtime.sessions() as session:
        return session.scalars(select(outbox.OutboxMessage)).one()


def test_mt_is_one_sendsms_get_in_utf8_with_ucs2_coding(runtime, gateway):
    seen, _answer = gateway
    _queue(runtime, "您的余额为12.30元")
    assert outbox.deliver_due(runtime.sessions, runtime.clock) == 1
    (path,) = seen
    assert path.startswith("/cgi-bin/sendsms?")
    for part in ("username=kl", "password=pw", "from=10001", "to=13800000001", "charset=UTF-8", "coding=2",
                 "text=%E6%82%A8%E7%9A%84%E4%BD%99%E9%A2%9D%E4%B8%BA12.30%E5%85%83"):
        assert part in path


@pytest.mark.parametrize(("status", "body"), [(403, "Authorization failed for sendsms"), (202, "4: Rejected")])
def test_a_refusing_gateway_leaves_the_message_for_a_retry(runtime, gateway, status, body):
    _seen, answer = gateway
    answer.update(status=status, body=body)
    _queue(runtime, "余额")
    assert outbox.deliver_due(runtime.sessions, runtime.clock) == 0
    message = _message(runtime)
    assert message.delivered_at is None and message.attempts == 1 and message.last_error


def test_a_silent_gateway_leaves_the_message_for_a_retry(runtime, monkeypatch):
    monkeypatch.setattr(kannel, "_config", kannel.KannelConfig(
        f"http://127.0.0.1:{_free_port()}/cgi-bin/sendsms", "kl", "pw"))
    sms.install_driver("kannel")
    try:
        _queue(runtime, "余额")
        assert outbox.deliver_due(runtime.sessions, runtime.clock) == 0
    finally:
        sms.install_driver("log")
    message = _message(runtime)
    assert message.delivered_at is None and message.attempts == 1 and "Connection refused" in message.last_error
