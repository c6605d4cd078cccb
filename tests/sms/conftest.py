"""Fixtures of the SMS hall tests: the demo catalog and a subscriber whose
mobile number texts 10001, plus a helper that sends one MO the way the
gateway endpoint does (one transaction per message)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from kindline.core.db import transaction
from kindline.sms.hall import handle_incoming
from tests.factories import load_demo_catalog, mobile, open_mobile, register


@dataclass
class Subscriber:
    customer_id: int
    line_id: int
    phone: str


@pytest.fixture
def catalog(runtime):
    load_demo_catalog(runtime)


@pytest.fixture
def subscriber(runtime, catalog) -> Subscriber:
    customer_id = register(runtime)
    phone = mobile()
    line_id = open_mobile(runtime, customer_id, "MOB-98", number=phone)
    return Subscriber(customer_id, line_id, phone)


@pytest.fixture
def text(runtime):
    """Send one MO to the hall; returns the reply parts queued."""

    def send(sender: str, body: str, gateway_id: str | None = None) -> list[str]:
        with transaction(runtime.sessions) as session:
            return handle_incoming(session, runtime.clock, sender, body, gateway_id=gateway_id)

    return send
