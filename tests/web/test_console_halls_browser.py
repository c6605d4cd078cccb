"""The console's hall pages in the browser: the clerk signs in, opens counter
3 from the halls list, calls the next number and completes it with a note,
in the standard theme and in 长辈版; the manager's dashboard draws its SVG
charts. Every page passes axe-core, and rule 8's numbers in elder mode.

The live site is shared by every browser test, so nothing here assumes the
queue is empty: counter 3 is cleared first, and whichever number the engine
calls is the one completed."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from kindline.core.db import transaction
from kindline.halls import desk, service, tickets
from kindline.halls.models import Ticket
from tests.web.browser import check_page, staff_sign_in, switch_elder

pytestmark = pytest.mark.browser
CALLED = re.compile(r"已叫号：请([A-F]\d{3})号到3号窗口。")


def _ready_counter_three(live, waiting: int) -> None:
    """Counter 3 open and free, and `waiting` business tickets in line for it."""
    runtime = live.runtime
    with transaction(runtime.sessions) as session:
        hall = service.get(session, live.hall_id)
        counter = service.counter(session, hall.id, 3)
        if service.current_ticket(session, counter) is not None:
            desk.complete(session, runtime.clock, None, hall, 3, outcome="测试前办结")
        service.open_counter(session, runtime.clock, None, hall, 3)
        for _ in range(waiting):
            tickets.take(session, runtime.clock, None, hall, category="business")


def _status(live, number: str) -> tuple[str, str]:
    with live.runtime.sessions() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.hall_id == live.hall_id, Ticket.number == number)
                                .order_by(Ticket.id.desc()).limit(1))
        return ticket.status, ticket.outcome


def _serve(page) -> str:
    page.get_by_role("button", name="叫号", exact=True).click()
    expect(page.get_by_role("status")).to_have_text(CALLED)
    number = CALLED.search(page.get_by_role("status").inner_text()).group(1)
    expect(page.locator(".ticket-number")).to_have_text(number)
    return number


def test_the_clerk_calls_and_completes_at_counter_three(page, live):
    _ready_counter_three(live, waiting=2)
    staff_sign_in(page, live.clerk)
    page.get_by_role("navigation", name="工作台导航").get_by_role("link", name="营业厅", exact=True).click()
    check_page(page, "halls list", elder=False)
    page.locator(f'a[href="/console/halls/{live.hall_id}/counters/3"]').click()
    expect(page.get_by_role("heading", level=1)).to_have_text("新街口营业厅 3号窗口")
    check_page(page, "counter, idle", elder=False)

    number = _serve(page)
    page.get_by_role("button", name="重呼", exact=True).click()
    expect(page.get_by_role("status")).to_have_text(f"已重呼{number}号（第2次）。")
    check_page(page, "counter, a number called", elder=False)
    page.get_by_label("办理结果").fill("已办理宽带提速至300M")
    page.get_by_role("button", name="办结", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(f"{number}号已办结")
    assert _status(live, number) == ("done", "已办理宽带提速至300M")

    switch_elder(page, True)
    check_page(page, "counter, idle, elder", elder=True)
    number = _serve(page)
    check_page(page, "counter, a number called, elder", elder=True)
    page.get_by_label("办理结果").fill("已为老人设置大字体")
    page.get_by_role("button", name="办结", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(f"{number}号已办结")
    assert _status(live, number) == ("done", "已为老人设置大字体")


@pytest.mark.parametrize("mode", ["standard", "elder"])
def test_the_managers_dashboard_draws_its_charts(page, live, mode):
    _ready_counter_three(live, waiting=1)
    staff_sign_in(page, live.manager)
    if mode == "elder":
        switch_elder(page, True)
    page.goto(f"/console/halls/{live.hall_id}/dashboard")
    expect(page.get_by_role("heading", level=1)).to_have_text("新街口营业厅运营看板")
    for chart in ("各时段取号数", "各业务取号数", "各时段需要与开放的窗口数"):
        expect(page.get_by_role("img", name=chart)).to_be_visible()
    expect(page.get_by_role("heading", name="现场调度")).to_be_visible()
    check_page(page, f"hall dashboard ({mode})", elder=mode == "elder")
