"""Health, OpenAPI, the virtual clock endpoint, the outbox, and the migrations."""

from datetime import datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient

from kindline.app import create_app
from kindline.core import outbox, sms
from kindline.core.clock import SystemClock
from kindline.core.db import transaction
from kindline.core.migrate import current_heads
from kindline.core.runtime import Runtime
from kindline.models import metadata


def test_healthz_reports_the_database(client, engine):
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["database"]["dialect"] == engine.dialect.name


def test_openapi_describes_the_contract(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/v1/auth/token", "/api/v1/customers", "/api/v1/customers/{customer_id}", "/api/v1/products",
                 "/api/v1/orders", "/api/v1/admin/clock"):
        assert path in paths
    assert client.get("/docs").status_code == 200


def test_admin_clock_moves_the_virtual_clock(client, staff, clock):
    admin = staff("admin")
    before = clock.now()
    moved = client.post("/api/v1/admin/clock", json={"advance_seconds": 3600}, headers=admin).json()
    assert (clock.now() - before).total_seconds() == 3600
    assert datetime.fromisoformat(moved["now"]) == clock.now()
    client.post("/api/v1/admin/clock", json={"set": "2027-01-01T08:00:00+08:00"}, headers=admin)
    assert clock.local_now().isoformat().startswith("2027-01-01T08:00")
    assert client.post("/api/v1/admin/clock", json={"advance_seconds": 1}, headers=staff("agent")).status_code == 403
    both = client.post("/api/v1/admin/clock", json={"advance_seconds": 1, "set": "2027-01-01T00:00:00"}, headers=admin)
    assert both.status_code == 422
    assert client.post("/api/v1/admin/clock", json={"advance_seconds": -5}, headers=admin).status_code == 422


def test_clock_endpoint_does_not_exist_on_the_real_clock(runtime, staff):
    real = Runtime(runtime.settings, runtime.engine, runtime.sessions, SystemClock(), runtime.tokens)
    with TestClient(create_app(real)) as client:
        answer = client.post("/api/v1/admin/clock", json={"advance_seconds": 1}, headers=staff("admin"))
    assert answer.status_code == 404


def test_outbox_delivers_once_and_retries_failures(runtime, clock):
    calls = []

    def flaky(session, message, now):
        calls.append(message.id)
        if len(calls) == 1:
            raise ConnectionError("gateway down")

    outbox.register("test-topic", flaky)
    with transaction(runtime.sessions) as session:
        outbox.enqueue(session, clock, "test-topic", {"n": 1})
    assert outbox.deliver_due(runtime.sessions, clock) == 0  # failed, to be retried later
    assert outbox.deliver_due(runtime.sessions, clock) == 0  # not due yet
    clock.advance(60)
    assert outbox.deliver_due(runtime.sessions, clock) == 1
    clock.advance(3600)
    assert outbox.deliver_due(runtime.sessions, clock) == 0
    assert len(calls) == 2


def test_sms_is_delivered_through_the_outbox_once(runtime, clock):
    with transaction(runtime.sessions) as session:
        sms.send(session, clock, "13800001111", "测试短信")
        assert sms.recent(session) == []
    outbox.deliver_due(runtime.sessions, clock)
    outbox.deliver_due(runtime.sessions, clock)
    with runtime.sessions() as session:
        assert [m.text for m in sms.recent(session)] == ["测试短信"]


def test_migrations_match_the_models(engine):
    assert len(current_heads()) == 1
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), metadata)
    assert diff == []
