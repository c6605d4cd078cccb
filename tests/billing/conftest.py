"""Shared helpers of the billing tests: headers of each role, a card batch."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import func, select


@pytest.fixture
def clerk(staff):
    return staff("hall_clerk")


@pytest.fixture
def supervisor(staff):
    return staff("supervisor")


@pytest.fixture
def admin(staff):
    return staff("admin")


def count(runtime, model, *where) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def pay(client, headers, msisdn, amount_fen, reference, channel="hall_cash"):
    return client.post("/api/v1/payments", headers=headers, json={
        "msisdn": msisdn, "amount_fen": amount_fen, "channel": channel, "external_reference": reference})


def balance(client, headers, msisdn) -> dict:
    answer = client.get(f"/api/v1/lines/{msisdn}/balance", headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def make_batch(client, admin, *, face_value_fen=5000, count=3, expires_on=date(2027, 6, 30)) -> tuple[dict, list]:
    """Create a batch through the API; returns the batch and the CSV rows."""
    answer = client.post("/api/v1/card-batches", headers=admin, json={
        "face_value_fen": face_value_fen, "count": count, "expires_on": expires_on.isoformat()})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    return body["batch"], list(csv.DictReader(io.StringIO(body["csv"])))
