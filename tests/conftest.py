"""Test fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL runs when KINDLINE_TEST_POSTGRES_URL is set or the local server at
127.0.0.1:5432 answers. With KINDLINE_REQUIRE_POSTGRES=1 (CI) a missing
server fails the run instead of skipping those tests.
"""

from __future__ import annotations

import os
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from kindline import handlers
from kindline.core.auth.service import Tokens, create_staff, staff_principal
from kindline.core.clock import VirtualClock
from kindline.core.db import make_engine, make_session_factory, transaction
from kindline.core.migrate import upgrade
from kindline.core.runtime import Runtime
from kindline.core.settings import Settings
from kindline.models import metadata

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
START = datetime(2026, 11, 22, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _postgres_admin_url() -> str | None:
    url = os.environ.get("KINDLINE_TEST_POSTGRES_URL") or DEFAULT_PG
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return url
    except Exception as exc:
        if os.environ.get("KINDLINE_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required (KINDLINE_REQUIRE_POSTGRES=1) but {url} does not answer: {exc}")
        return None


@pytest.fixture(scope="session")
def postgres_url():
    admin_url = _postgres_admin_url()
    if admin_url is None:
        yield None
        return
    name = f"kindline_test_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def engine(request, tmp_path_factory, postgres_url):
    if request.param == "postgresql":
        if postgres_url is None:
            pytest.skip("PostgreSQL not available (set KINDLINE_TEST_POSTGRES_URL)")
        url = postgres_url
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'kindline.db'}"
    engine = make_engine(url)
    upgrade(engine)
    yield engine
    engine.dispose()


def _wipe(engine) -> None:
    tables = list(reversed(metadata.sorted_tables))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())


@pytest.fixture
def clock():
    return VirtualClock(START)


@pytest.fixture
def runtime(engine, clock, tmp_path):
    _wipe(engine)
    settings = Settings(database_url=engine.url.render_as_string(hide_password=False), var_dir=tmp_path,
                        secret_key="test-secret", embedded_worker=False, clock="virtual:" + START.isoformat())
    handlers.install("log")
    return Runtime(settings=settings, engine=engine, sessions=make_session_factory(engine), clock=clock,
                   tokens=Tokens(settings.secret_key))


@pytest.fixture
def session(runtime):
    with runtime.sessions() as session:
        yield session


@pytest.fixture
def client(runtime):
    from kindline.app import create_app

    with TestClient(create_app(runtime)) as test_client:
        yield test_client


@pytest.fixture
def staff(runtime):
    """Make a staff user with the given roles; returns its bearer header."""

    def make(*roles: str, username: str | None = None) -> dict[str, str]:
        name = username or f"{'-'.join(roles)}-{uuid.uuid4().hex[:6]}"
        with transaction(runtime.sessions) as session:
            user = create_staff(session, runtime.clock, name, "secret-pass", list(roles))
            token = runtime.tokens.issue(staff_principal(user))
        return {"Authorization": f"Bearer {token}"}

    return make
