"""The hall's own screens in chromium: an elderly visitor takes a ticket on the
kiosk (enrolled by the clerk) by touch with her phone number and is shown
the green channel; the kiosk passes axe-core and rule 8's sizes in its
default elder look; the lobby board shows a number called at a counter
without being reloaded."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from kindline.core.db import transaction
from kindline.halls import desk, service, tickets
from kindline.voice import audio
from tests.web import seed
from tests.web.browser import check_page, device, enroll_kiosk, switch_elder

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def hall_id(live) -> int:
    """A hall of this module's own (the seeded one belongs to the counter tests):
    counter 1 care and 3 general open, 2 VIP and 4 general closed."""
    return seed.hall(live.runtime, code="NJ-FLOOR", name="鼓楼营业厅")


@pytest.fixture
def kiosk(browser, live, hall_id):
    """A portrait touch screen, as the kiosk stands in the hall, enrolled by the clerk."""
    with device(browser, live, width=1080, height=1600, touch=True) as opened:
        enroll_kiosk(opened, live, hall_id)
        yield opened


def test_an_elderly_visitor_takes_a_green_channel_ticket_by_touch(kiosk, live, hall_id):
    kiosk.goto(f"/floor/{hall_id}/kiosk")
    expect(kiosk.locator("body")).to_have_class("elder")
    expect(kiosk.get_by_text("营业中")).to_be_visible()
    check_page(kiosk, "kiosk: categories", elder=True)

    kiosk.get_by_role("link", name="业务办理").tap()
    expect(kiosk.get_by_role("heading", name=re.compile("第二步"))).to_be_visible()
    check_page(kiosk, "kiosk: green channel", elder=True)

    for digit in live.browser_elder.phone:
        kiosk.locator(".keypad").get_by_role("button", name=digit, exact=True).tap()
    expect(kiosk.get_by_role("textbox", name="手机号码或身份证号码")).to_have_value(live.browser_elder.phone)
    kiosk.get_by_role("button", name="确定，取号").tap()

    expect(kiosk.locator(".ticket-number")).to_have_text(re.compile(r"^A\d{3}$"))
    expect(kiosk.locator(".ticket-green-flag")).to_have_text("绿色通道")
    expect(kiosk.locator(".ticket-action")).to_contain_text("爱心台席")
    expect(kiosk.get_by_text(live.browser_elder.phone)).to_have_count(0)
    expect(kiosk.locator("[data-read]")).to_be_visible()
    check_page(kiosk, "kiosk: ticket", elder=True)


def test_the_kiosk_in_standard_look_is_accessible_too(page, live, hall_id):
    enroll_kiosk(page, live, hall_id)
    page.goto(f"/floor/{hall_id}/kiosk")
    switch_elder(page, False)
    check_page(page, "kiosk standard: categories", elder=False)
    page.get_by_role("link", name="缴费充值").click()
    expect(page.locator("body")).to_have_class("standard")
    check_page(page, "kiosk standard: green channel", elder=False)


def test_the_lobby_board_shows_a_new_call_without_reload(page, live, hall_id):
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"/floor/{hall_id}/board")
    expect(page.get_by_role("heading", level=1)).to_have_text("鼓楼营业厅 叫号屏")
    check_page(page, "lobby board", elder=False)
    page.evaluate("window.__same_page = true")

    runtime = live.runtime
    with transaction(runtime.sessions) as session:
        hall = service.get(session, hall_id)
        tickets.take(session, runtime.clock, None, hall, category="payment")
        called = desk.call_next(session, runtime.clock, None, hall, 3)
        number, text = called.number, service.call_text(called)

    expect(page.locator("#calls tr.latest")).to_contain_text(number)
    expect(page.locator("#calls tr.latest")).to_contain_text("3号窗口")
    expect(page.locator("#call-now")).to_have_text(text)
    expect(page.locator('[data-live="counter-3"]')).to_have_text(number)
    if audio.available():
        expect(page.locator("#call-audio")).to_have_attribute("src", f"/floor/{hall_id}/calls/{number}.wav")
    assert page.evaluate("window.__same_page") is True  # updated in place, never reloaded

    switch_elder(page, True)
    check_page(page, "lobby board elder", elder=True)
