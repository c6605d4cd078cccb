"""The MO endpoints gateways call: a shared secret, Kannel's raw UCS-2 text,
an empty answer (the replies leave as MT through the outbox), and the JSON form."""

from __future__ import annotations

from urllib.parse import quote_from_bytes

import pytest
from sqlalchemy import func, select

from kindline.core.outbox import OutboxMessage
from kindline.sms.models import SmsIncoming

SECRET = "mo-secret-for-tests"


@pytest.fixture
def gateway(runtime, monkeypatch):
    monkeypatch.setattr(runtime.settings, "sms_mo_secret", SECRET)


def _queued(runtime) -> list[dict]:
    with runtime.sessions() as session:
        return [m.payload for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def _kannel_query(sender: str, text: str, *, secret: str = SECRET, ucs2: bool = True, msg_id: str = "") -> str:
    """The get-url as Kannel fills it: %a is the message's own bytes (UTF-16BE for UCS-2)."""
    raw = text.encode("utf-16-be" if ucs2 else "utf-8")
    charset = "UTF-16BE" if ucs2 else "UTF-8"
    return (f"/api/v1/sms/mo?secret={secret}&from={quote_from_bytes(sender.encode())}&to=10001"
            f"&text={quote_from_bytes(raw)}&coding={2 if ucs2 else 0}&charset={charset}&id={msg_id}")


def test_kannel_get_url_with_ucs2_text_is_answered_by_mt(client, runtime, gateway, subscriber):
    answer = client.get(_kannel_query(subscriber.phone, "餘額"))
    assert answer.status_code == 200 and answer.text == ""
    (reply,) = _queued(runtime)
    assert reply["to"] == subscriber.phone and reply["from"] == "10001"
    assert "余额为0.00元" in reply["text"]


def test_kannel_get_url_with_utf8_text_and_a_redelivery(client, runtime, gateway, subscriber):
    for _ in range(2):
        assert client.get(_kannel_query("+86" + subscriber.phone, " ye ", ucs2=False, msg_id="k-1")).status_code == 200
    assert len(_queued(runtime)) == 1


@pytest.mark.parametrize("secret", ["", "wrong"])
def test_a_bad_secret_is_refused_and_changes_nothing(client, runtime, gateway, subscriber, secret):
    answer = client.get(_kannel_query(subscriber.phone, "余额", secret=secret))
    assert answer.status_code == 403 and answer.json()["code"] == "bad_sms_secret"
    answer = client.post("/api/v1/sms/mo", json={"from": subscriber.phone, "text": "余额", "secret": secret})
    assert answer.status_code == 403
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(SmsIncoming)) == 0
    assert _queued(runtime) == []


def test_no_configured_secret_refuses_every_mo(client, runtime, subscriber):
    assert client.get(_kannel_query(subscriber.phone, "余额", secret="")).status_code == 403
    assert client.post("/api/v1/sms/mo", json={"from": subscriber.phone, "text": "余额"}).status_code == 403


def test_json_form_answers_the_replies(client, runtime, gateway, subscriber):
    answer = client.post("/api/v1/sms/mo", json={"from": subscriber.phone, "to": "10001", "text": "ＹＥ", "id": "g-7"},
                         headers={"X-SMS-Secret": SECRET})
    assert answer.status_code == 200
    (reply,) = answer.json()["replies"]
    assert "余额为0.00元" in reply
    again = client.post("/api/v1/sms/mo", json={"from": subscriber.phone, "text": "ＹＥ", "id": "g-7", "secret": SECRET})
    assert again.json() == {"replies": []}
    assert [p["text"] for p in _queued(runtime)] == [reply]
