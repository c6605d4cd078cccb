"""Fixtures for the page tests: a real server on a fresh SQLite file for the
browser tests, and Debian's chromium driven by Playwright.

The server is built like production (create_app on a Runtime, migrations,
the demo catalog, the embedded outbox worker) and runs in uvicorn on a free
port in a background thread, once per test session.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
import uvicorn

from kindline import handlers
from kindline.core.auth.service import Tokens
from kindline.core.clock import VirtualClock
from kindline.core.db import make_engine, make_session_factory
from kindline.core.migrate import upgrade
from kindline.core.runtime import Runtime
from kindline.core.settings import Settings
from tests.factories import load_demo_catalog
from tests.web import seed
from tests.web.browser import device

START = datetime(2026, 11, 22, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@dataclass
class LiveSite:
    url: str
    runtime: Runtime
    admin: str
    agent: str
    elder: seed.Subscriber      # 75, 欢孝卡, care archive, VIP
    young: seed.Subscriber      # 36, 98元套餐 + TV + broadband: console order tests
    viewer: seed.Subscriber     # 36, mobile + TV: portal ordering
    browser_elder: seed.Subscriber  # 70: the portal in elder mode
    auditor: seed.Subscriber    # 41: the accessibility sweep of the portal
    clerk: str                  # hall_clerk at the hall's counters
    manager: str                # supervisor: the hall dashboard
    hall_id: int                # 新街口营业厅: counters 1 care and 3 general open, 2 VIP and 4 general closed


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _seed(runtime: Runtime) -> dict:
    load_demo_catalog(runtime)
    people = {
        "admin": seed.staff_user(runtime, "admin", "admin", display_name="李管理"),
        "agent": seed.staff_user(runtime, "agent", "agent", display_name="张客服"),
        "elder": seed.subscriber(runtime, "王秀英", date(1951, 3, 8), {"mobile": ["ELDER-CARD"]}, female=True),
        "young": seed.subscriber(runtime, "李明", date(1990, 6, 1),
                                 {"mobile": ["MOB-98"], "tv": ["DTV-BASIC"], "broadband": ["BB-100M"]}),
        "viewer": seed.subscriber(runtime, "陈志强", date(1990, 2, 14), {"mobile": ["MOB-59"], "tv": ["DTV-BASIC"]}),
        "browser_elder": seed.subscriber(runtime, "周桂兰", date(1956, 9, 9), {"mobile": ["ELDER-CARD"]}, female=True),
        "auditor": seed.subscriber(runtime, "孙立", date(1985, 1, 20), {"mobile": ["MOB-39"], "tv": ["DTV-BASIC"]}),
        "clerk": seed.staff_user(runtime, "clerk", "hall_clerk", display_name="赵营业"),
        "manager": seed.staff_user(runtime, "manager", "supervisor", display_name="钱主管"),
        "hall_id": seed.hall(runtime),
    }
    seed.care_for(runtime, people["elder"], "admin")
    seed.secondary_card(runtime, people["young"])
    return people


@pytest.fixture(scope="session")
def live(tmp_path_factory):
    folder = tmp_path_factory.mktemp("live")
    settings = Settings(database_url=f"sqlite:///{folder / 'kindline.db'}", var_dir=folder, secret_key="web-secret",
                        embedded_worker=True, clock="virtual:" + START.isoformat())
    engine = make_engine(settings.database_url)
    upgrade(engine)
    handlers.install("log")
    runtime = Runtime(settings=settings, engine=engine, sessions=make_session_factory(engine),
                      clock=VirtualClock(START), tokens=Tokens(settings.secret_key))
    people = _seed(runtime)

    from kindline.app import create_app

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(runtime), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while True:
        try:
            if server.started and httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not answer /healthz")
        time.sleep(0.05)
    yield LiveSite(url=url, runtime=runtime, **people)
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


@pytest.fixture(scope="session")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, live):
    """A fresh browser context per test (see browser.device)."""
    with device(browser, live) as opened:
        yield opened
