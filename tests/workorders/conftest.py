"""Work-order test helpers: staff with their ids, teams per city, a customer
with a line, and shortcuts for the API."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

import pytest

from kindline.core.auth.service import create_staff, staff_principal
from kindline.core.db import transaction
from kindline.workorders import teams
from tests.factories import load_demo_catalog, mobile_number, register


@dataclass
class Person:
    id: int
    headers: dict[str, str]


@pytest.fixture
def person(runtime):
    def make(*roles: str) -> Person:
        with transaction(runtime.sessions) as session:
            user = create_staff(session, runtime.clock, f"{'-'.join(roles)}-{uuid.uuid4().hex[:6]}", "secret-pass",
                                list(roles))
            token = runtime.tokens.issue(staff_principal(user))
            return Person(user.id, {"Authorization": f"Bearer {token}"})
    return make


@dataclass
class Desk:
    agent: Person
    other_agent: Person
    supervisor: Person
    technician: Person


@pytest.fixture
def desk(runtime, person) -> Desk:
    """Two agents, a supervisor who leads every team, a technician in 南京's crew."""
    found = Desk(person("agent"), person("agent"), person("supervisor"), person("technician"))
    with transaction(runtime.sessions) as session:
        lead = found.supervisor.id
        teams.ensure(session, "NJ-FIELD", "南京装维班组", "field", "南京市", lead, (found.technician.id,))
        teams.ensure(session, "NJ-CARE", "南京投诉处理组", "complaint", "南京市", lead)
        teams.ensure(session, "SZ-FIELD", "苏州装维班组", "field", "苏州市", lead)
        teams.ensure(session, "GREEN", "绿色通道专班", "green", None, lead)
    return found


@dataclass
class Holder:
    customer_id: int
    msisdn: str


@pytest.fixture
def holder(runtime) -> Holder:
    load_demo_catalog(runtime)
    customer_id = register(runtime, birth=date(1985, 4, 2))
    return Holder(customer_id, mobile_number(runtime, customer_id, "MOB-59"))


def create(client, headers, holder, **overrides):
    body = {"type": "complaint", "customer_id": holder.customer_id, "line": holder.msisdn,
            "description": "宽带经常掉线，多次报修未解决", "channel": "hotline", "priority": "normal", **overrides}
    return client.post("/api/v1/workorders", headers=headers, json=body)


def created(client, headers, holder, **overrides) -> dict:
    answer = create(client, headers, holder, **overrides)
    assert answer.status_code == 201, answer.text
    return answer.json()


def move(client, headers, work_order_id, to, reason=""):
    return client.post(f"/api/v1/workorders/{work_order_id}/transitions", headers=headers,
                       json={"to": to, "reason": reason})
