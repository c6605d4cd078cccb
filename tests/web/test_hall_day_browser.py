"""A day in a hall, in chromium, on three screens at once: the kiosk, the
clerk's counter page and the lobby board.

The care counter is busy with a visitor; two ordinary visitors take
business tickets at the kiosk; then an elderly subscriber types her phone
number and is given a green-channel ticket. When the clerk at general
counter 3 presses 叫号, the engine calls her, not the two who came earlier,
and the lobby board shows the call without being reloaded. The next press
calls the earliest ordinary ticket (issue 6: the elderly never wait behind
others)."""

from __future__ import annotations

import re
from contextlib import ExitStack

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from kindline.core.db import transaction
from kindline.halls import service, tickets
from kindline.halls.models import Ticket
from tests.web import seed
from tests.web.browser import check_page, device, enroll_kiosk, staff_sign_in

pytestmark = pytest.mark.browser
CALLED = re.compile(r"已叫号：请([A-F]\d{3})号到3号窗口。")


@pytest.fixture(scope="module")
def hall_id(live) -> int:
    """The day's own hall (the shared one belongs to other tests), its care
    counter already serving a visitor of the green channel."""
    found = seed.hall(live.runtime, code="NJ-DAY", name="江宁营业厅")
    with transaction(live.runtime.sessions) as session:
        ticket, _made = tickets.take(session, live.runtime.clock, None, service.get(session, found),
                                     category="payment", group="disabled", channel="kiosk")
        assert ticket.status == "called" and ticket.counter_number == 1, "the free care counter calls at once"
    return found


@pytest.fixture
def screen(browser, live):
    """Other devices in the hall (the kiosk, the lobby board), closed at the end."""
    with ExitStack() as stack:
        yield lambda width, height, touch=False: stack.enter_context(
            device(browser, live, width=width, height=height, touch=touch))


def _take(kiosk: Page, hall_id: int, phone: str | None = None) -> str:
    """One visitor at the kiosk: 业务办理, then a phone number or 直接取号."""
    kiosk.goto(f"/floor/{hall_id}/kiosk")
    kiosk.get_by_role("link", name="业务办理").tap()
    if phone:
        for digit in phone:
            kiosk.locator(".keypad").get_by_role("button", name=digit, exact=True).tap()
        kiosk.get_by_role("button", name="确定，取号").tap()
    else:
        kiosk.get_by_role("button", name="直接取号").tap()
    expect(kiosk.locator(".ticket-number")).to_have_text(re.compile(r"^A\d{3}$"))
    return kiosk.locator(".ticket-number").inner_text()


def _status(live, hall_id: int, number: str) -> str:
    with live.runtime.sessions() as session:
        return session.scalar(select(Ticket.status).where(Ticket.hall_id == hall_id, Ticket.number == number))


def test_an_elderly_visitor_is_called_before_earlier_ordinary_tickets(page, screen, live, hall_id):
    board = screen(1920, 1080)
    board.goto(f"/floor/{hall_id}/board")
    board.evaluate("window.__same_page = true")

    kiosk = screen(1080, 1600, touch=True)
    enroll_kiosk(kiosk, live, hall_id)
    first, second = _take(kiosk, hall_id), _take(kiosk, hall_id)
    expect(kiosk.locator(".ticket-green-flag")).to_have_count(0)
    elder = _take(kiosk, hall_id, phone=live.elder.phone)
    expect(kiosk.locator(".ticket-green-flag")).to_have_text("绿色通道")
    expect(kiosk.locator(".ticket-facts strong").first).to_have_text("0")  # nobody ahead of her
    check_page(kiosk, "a day: the elder's ticket", elder=True)

    staff_sign_in(page, live.clerk)
    page.goto(f"/console/halls/{hall_id}/counters/3")
    page.get_by_role("button", name="叫号", exact=True).click()
    expect(page.get_by_role("status")).to_have_text(CALLED)
    assert CALLED.search(page.get_by_role("status").inner_text()).group(1) == elder
    assert (_status(live, hall_id, first), _status(live, hall_id, second)) == ("waiting", "waiting")

    expect(board.locator("#calls tr.latest")).to_contain_text(elder)
    expect(board.locator("#calls tr.latest")).to_contain_text("3号窗口")
    assert board.evaluate("window.__same_page") is True

    page.get_by_label("办理结果").fill("已为老人办理亲情号码")
    page.get_by_role("button", name="办结", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(f"{elder}号已办结")
    page.get_by_role("button", name="叫号", exact=True).click()
    expect(page.get_by_role("status")).to_have_text(f"已叫号：请{first}号到3号窗口。")
    expect(board.locator('[data-live="counter-3"]')).to_have_text(first)
