"""The portal's hall pages in the browser: the elderly subscriber, in 长辈版,
finds the hall by her location, takes a remote ticket and sees it is on the
green channel, then signs up for a class at that hall. Every page passes
axe-core and rule 8's numbers in elder mode; the standard theme is checked
on the way in."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from kindline.core.db import transaction
from kindline.halls import care, desk, service, tickets
from tests.web.browser import check_page, portal_sign_in, switch_elder

pytestmark = pytest.mark.browser
XINJIEKOU = {"latitude": 32.0420, "longitude": 118.7840}


def _arrive_and_be_called_at_the_care_counter(live, ticket_id: int) -> None:
    """She checks in at the hall and the care counter (1) calls her: whatever
    other tests of the shared site left there is finished first."""
    runtime = live.runtime
    with transaction(runtime.sessions) as session:
        hall = service.get(session, live.hall_id)
        ticket = tickets.check_in(session, runtime.clock, None, hall, tickets.get(session, hall, ticket_id))
        while ticket.status == "waiting":
            if service.current_ticket(session, service.counter(session, hall.id, 1)) is not None:
                desk.complete(session, runtime.clock, None, hall, 1, outcome="测试前办结")
            desk.call_next(session, runtime.clock, None, hall, 1)
            session.refresh(ticket)
        assert (ticket.status, ticket.counter_number) == ("called", 1)


@pytest.fixture
def lesson(live) -> str:
    """An anti-fraud class at the live hall next week; its title is unique on the shared site."""
    title = f"识破冒充客服的骗局 {uuid.uuid4().hex[:4]}"
    starts = datetime(2026, 11, 22, 14, 0, tzinfo=ZoneInfo("Asia/Shanghai")) + timedelta(days=7)
    with transaction(live.runtime.sessions) as session:
        care.create_class(session, live.runtime.clock, None, topic="anti_fraud", title=title, starts_at=starts,
                          capacity=30, hall=service.get(session, live.hall_id), teacher="李老师")
    return title


def test_an_elder_finds_the_hall_takes_a_green_ticket_and_signs_up_for_a_class(page, live, lesson):
    portal_sign_in(page, live.runtime, live.browser_elder.phone)
    page.get_by_role("link", name="附近营业厅").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("附近营业厅")
    expect(page.locator("#located")).to_contain_text("离您登记的地址（南京市玄武区）最近的营业厅")
    check_page(page, "hall finder", elder=False)

    switch_elder(page, True)
    hall = page.locator("li.hall", has_text="新街口营业厅")
    expect(hall).to_contain_text("营业中")
    expect(hall).to_contain_text("手机教学")
    check_page(page, "hall finder (elder)", elder=True)

    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation(XINJIEKOU)
    page.get_by_role("button", name="用我现在的位置查找").click()
    expect(page).to_have_url(re.compile(r"/portal/halls\?lat=32\.042"))
    expect(page.locator("#located")).to_contain_text("离您现在的位置最近的营业厅")
    first = page.locator("li.hall").first
    expect(first).to_contain_text("新街口营业厅")
    expect(first).to_contain_text("500 米内")
    check_page(page, "hall finder by location (elder)", elder=True)

    first.get_by_role("link", name="远程取号").click()
    expect(page.get_by_role("heading", name="您要办什么业务？")).to_be_visible()
    check_page(page, "take a ticket (elder)", elder=True)
    page.get_by_role("button", name="业务办理").click()
    expect(page).to_have_url(re.compile(rf"/portal/halls/{live.hall_id}/tickets/\d+$"))
    expect(page.locator(".ticket-number")).to_have_text(re.compile(r"^A\d{3}$"))
    expect(page.locator(".green-flag")).to_have_text("绿色通道")
    expect(page.get_by_text("您是长者")).to_be_visible()
    expect(page.get_by_role("heading", name="到厅后怎么签到")).to_be_visible()
    check_page(page, "ticket (elder)", elder=True)
    number = page.locator(".ticket-number").inner_text()
    page.get_by_role("link", name="刷新排队情况").click()
    expect(page.locator(".ticket-number")).to_have_text(number)

    _arrive_and_be_called_at_the_care_counter(live, int(page.url.rsplit("/", 1)[1]))
    called = page.get_by_role("status").filter(has_text="正在叫您的号")
    expect(called).to_have_text("正在叫您的号，请到1号窗口办理。", timeout=30_000)  # by its stream, unasked
    check_page(page, "ticket called (elder)", elder=True)

    page.get_by_role("link", name="返回附近营业厅").click()
    expect(page.locator("section", has_text="我今天的排队号")).to_contain_text(number)
    page.locator("li.hall", has_text="新街口营业厅").get_by_role("link", name="爱心小课堂").click()
    expect(page.get_by_role("heading", name="新街口营业厅的课程")).to_be_visible()
    offer = page.locator("li.offer", has_text=lesson)
    expect(offer).to_contain_text("还剩30个名额")
    check_page(page, "classes (elder)", elder=True)
    offer.get_by_role("button", name="报名").click()
    expect(page.get_by_role("status")).to_contain_text("报名成功")
    expect(page.locator("section", has_text="我报名的课")).to_contain_text(lesson)
    expect(page.locator("li.offer", has_text=lesson).last).to_contain_text("已报名")
    check_page(page, "classes signed up (elder)", elder=True)
