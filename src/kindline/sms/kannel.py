"""The Kannel gateway (sms_driver "kannel").

MT: each outbox SMS becomes one HTTP GET to smsbox's sendsms interface,
text in UTF-8 with coding=2 (UCS-2 on the air, as Chinese needs). Anything
but Kannel's "Accepted"/"Queued" answer raises, so the outbox keeps the message
and retries it later; nothing is lost while the gateway is down. sendsms has
no idempotency key: a worker that dies between Kannel's answer and marking the
message delivered sends it twice, the accepted price of never losing one.

MO: Kannel calls kindline back through an sms-service whose get-url points at
/api/v1/sms/mo (sms/api.py), for example:

    group = sms-service
    keyword = default
    catch-all = true
    max-messages = 0
    omit-empty = true
    get-url = "http://kindline:8000/api/v1/sms/mo?secret=SECRET&from=%p&to=%P&text=%a&coding=%c&charset=%C&id=%I"

Kannel passes a UCS-2 text (%a) as its raw UTF-16BE bytes; coding and charset
in the URL tell the endpoint how to read it. %I, Kannel's message id, makes a
redelivered MO harmless (answered once), so `http-request-retry` may safely be
set in the smsbox group for when kindline is briefly unreachable.
tests/sms/test_kannel.py runs exactly this set-up against Debian's Kannel.
"""

from __future__ import annotations

import urllib.request
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from kindline.core import outbox, sms
from kindline.core.settings import Settings, get_settings

NAME = "kannel"
TIMEOUT = 10.0


class GatewayRefused(RuntimeError):
    """Kannel answered, but did not take the message."""


@dataclass(frozen=True)
class KannelConfig:
    sendsms_url: str
    username: str
    password: str

    @classmethod
    def from_settings(cls, settings: Settings) -> KannelConfig:
        return cls(settings.kannel_sendsms_url, settings.kannel_username, settings.kannel_password)


_config: KannelConfig | None = None


def configure(config: KannelConfig | None) -> None:
    """Use this gateway (the app factory passes its runtime's settings); None
    goes back to the process settings."""
    global _config
    _config = config


def current() -> KannelConfig:
    return _config or KannelConfig.from_settings(get_settings())


def send(config: KannelConfig, sender: str, recipient: str, text: str) -> str:
    """One MT through sendsms; returns Kannel's answer, raises when not taken
    (urllib raises on a 4xx/5xx answer or no answer at all)."""
    params = {"username": config.username, "password": config.password, "from": sender, "to": recipient,
              "text": text, "charset": "UTF-8", "coding": "2"}
    separator = "&" if "?" in config.sendsms_url else "?"
    with urllib.request.urlopen(config.sendsms_url + separator + urlencode(params), timeout=TIMEOUT) as answer:
        status, body = answer.status, answer.read().decode("utf-8", "replace").strip()
    # sendsms answers 202 "0: Accepted for delivery" or "3: Queued for later delivery"
    if status not in (200, 202) or not body.startswith(("0:", "3:")):
        raise GatewayRefused(f"kannel sendsms answered {status}: {body[:200]}")
    return body


def deliver(session: Session, message: outbox.OutboxMessage, now: datetime) -> None:
    """The outbox handler: a failure raises, so the message is retried."""
    payload = message.payload
    send(current(), payload.get("from", sms.SENDER), payload["to"], payload["text"])


def register() -> None:
    sms.register_driver(NAME, deliver)
