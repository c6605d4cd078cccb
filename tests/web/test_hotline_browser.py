"""The hotline pages in chromium: an agent signs in to a state on the desk and,
without reloading, is offered a call from the elderly subscriber with her page
(长者, VIP and 关爱 flags, balance); a missed offer goes back to the queue and
is shown; the agent answers, ends, records the disposition with notes and
wraps up, in 长辈版. The wallboard changes by itself when a caller starts
waiting, and the staffing page works out a plan and draws its chart. Every
page passes axe-core; the desk passes rule 8's sizes in elder mode."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from kindline.core import timers
from kindline.core.auth.models import StaffUser
from kindline.core.db import transaction
from kindline.hotline import agents, service
from kindline.hotline.models import Contact
from tests.web.browser import check_page, staff_sign_in, switch_elder

pytestmark = pytest.mark.browser

LIVE_WAIT = 15_000  # the desk's stream looks every 2 s, the wallboard's every 5 s


@pytest.fixture
def desk_agent(live):
    """The seeded `agent` as a service expert, signed out; signed out again after the test
    (the live site is shared by the session's tests)."""
    with transaction(live.runtime.sessions) as session:
        staff_id = session.scalar(select(StaffUser.id).where(StaffUser.username == live.agent))
        agent = agents.register(session, live.runtime.clock, staff_id, skills={"general": 5}, expert=True,
                                wrapup_seconds=600)
        agent_id = agent.id
        if agent.state not in ("offline", "ringing", "on_contact"):
            service.set_agent_state(session, live.runtime.clock, agent, "offline")
    yield agent_id
    with transaction(live.runtime.sessions) as session:
        agent = agents.get(session, agent_id, lock=True)
        if agent.contact_id is not None:
            contact = service.get(session, agent.contact_id, lock=True)
            service.hangup(session, live.runtime.clock, contact)
        agent = agents.get(session, agent_id, lock=True)
        if agent.state == "wrapup":
            service.finish_wrapup(session, live.runtime.clock, service.get(session, agent.contact_id, lock=True))
        if agent.state != "offline":
            service.set_agent_state(session, live.runtime.clock, agent, "offline")


def _call(live, phone: str) -> int:
    with transaction(live.runtime.sessions) as session:
        contact, made, _ = service.arrive(session, live.runtime.clock, phone, "10000")
        assert made.elder_rule
        return contact.id


def _ring_out(live) -> None:
    """The ring time passes on the virtual clock and the ring timer fires."""
    live.runtime.clock.advance(16)
    timers.run_until_idle(live.runtime.sessions, live.runtime.clock)


def test_the_agent_is_offered_the_elders_call_without_reloading_and_wraps_up(page, live, desk_agent):
    staff_sign_in(page, live.agent)
    page.get_by_role("navigation", name="工作台导航").get_by_role("link", name="坐席工作台").click()
    expect(page.locator("[data-agent-state]")).to_have_text("离线")
    page.get_by_label("切换为").select_option("available")
    page.get_by_role("button", name="切换状态").click()
    expect(page.get_by_role("status").first).to_have_text("状态已切换。")
    expect(page.locator("[data-agent-state]")).to_have_text("空闲")
    check_page(page, "desk, waiting", elder=False)
    page.evaluate("window.sameDocument = true")  # gone if the page were loaded again

    contact_id = _call(live, live.elder.phone)
    desk = page.locator("[data-desk]")
    expect(desk).to_contain_text(live.elder.name, timeout=LIVE_WAIT)
    expect(page.locator("[data-agent-state]")).to_have_text("振铃")
    caller = page.locator("section", has=page.get_by_role("heading", name="客户信息"))
    expect(caller.locator(".flags")).to_contain_text("长者")
    expect(caller.locator(".flags")).to_contain_text("特殊关爱")
    expect(caller.locator(".flags")).to_contain_text("VIP")
    expect(caller).to_contain_text("余额")
    expect(caller).to_contain_text("元")
    expect(desk).to_contain_text("请在 15 秒内接听")
    expect(page.get_by_role("button", name="接听")).to_be_focused()
    expect(page.locator("#desk-live-note")).to_have_text("新来电，请接听。")
    assert page.evaluate("window.sameDocument === true")
    check_page(page, "desk, ringing", elder=False)

    _ring_out(live)  # not answered in time: back to the queue, and (the only expert) offered again
    expect(desk).to_contain_text("您已连续 1 次未接听来电", timeout=LIVE_WAIT)
    expect(page.get_by_role("button", name="接听")).to_be_visible()
    assert page.evaluate("window.sameDocument === true")

    switch_elder(page, True)
    check_page(page, "desk, ringing (elder)", elder=True)
    page.get_by_role("button", name="接听").click()
    expect(page.get_by_role("status").first).to_have_text("已接听。")
    expect(page.locator("[data-agent-state]")).to_have_text("通话中")
    check_page(page, "desk, on the call (elder)", elder=True)
    page.get_by_role("button", name="结束通话").click()
    expect(page.get_by_role("status").first).to_have_text("通话已结束，请登记处理结果。")
    page.get_by_label("处理结果", exact=True).select_option("yes")
    page.get_by_label("备注", exact=True).fill("老人询问话费余额，已耐心讲解并发送短信提醒")
    page.get_by_role("button", name="登记处理结果").click()
    expect(page.get_by_role("status").first).to_have_text("处理结果已登记。")
    check_page(page, "desk, wrap-up (elder)", elder=True)
    page.get_by_role("button", name="结束话后处理").click()
    expect(page.get_by_role("status").first).to_have_text("话后处理已结束。")
    expect(page.locator("[data-agent-state]")).to_have_text("空闲")
    expect(desk).to_contain_text("正在等待来电分配")

    with live.runtime.sessions() as session:
        done = session.get(Contact, contact_id)
        assert (done.status, done.resolved, done.offers) == ("done", True, 2)
        assert done.note == "老人询问话费余额，已耐心讲解并发送短信提醒"


def test_the_wallboard_counts_a_new_caller_by_itself(page, live, desk_agent):
    staff_sign_in(page, live.admin)
    page.get_by_role("navigation", name="工作台导航").get_by_role("link", name="热线监控").click()
    waiting = page.locator('[data-live="queue-EXPERT-waiting"]')
    before = int(waiting.inner_text())
    check_page(page, "wallboard", elder=False)
    page.evaluate("window.sameDocument = true")

    contact_id = _call(live, live.elder.phone)  # nobody is signed in: she waits
    try:
        expect(waiting).to_have_text(str(before + 1), timeout=LIVE_WAIT)
        expect(page.locator("#live-note")).to_have_text("实时更新中。")
        assert page.evaluate("window.sameDocument === true")
    finally:
        with transaction(live.runtime.sessions) as session:
            service.hangup(session, live.runtime.clock, service.get(session, contact_id, lock=True))
    expect(waiting).to_have_text(str(before), timeout=LIVE_WAIT)


def test_the_staffing_page_works_out_a_plan_and_draws_it(page, live):
    staff_sign_in(page, live.admin)
    page.get_by_role("navigation", name="工作台导航").get_by_role("link", name="排班测算").click()
    expect(page.get_by_role("img", name="每半小时所需坐席人数")).to_be_visible()  # the example day
    page.get_by_label("每半小时来电量").fill("100 200")
    page.get_by_label("第一个时段开始于").fill("09:00")
    page.get_by_label("平均处理时长（秒）").fill("180")
    page.get_by_label("目标服务水平（%）").fill("80")
    page.get_by_label("目标应答时间（秒内接通）").fill("20")
    page.get_by_label("缺勤率（%，休息、培训、请假）").fill("30")
    page.get_by_role("button", name="测算").click()
    first = page.locator("tbody tr").first
    expect(first.locator("th")).to_have_text("09:00")
    expect(first.locator("[data-agents]")).to_have_text("14 人")
    expect(first.locator("[data-scheduled]")).to_have_text("20 人")
    expect(page.locator("tbody tr").nth(1).locator("th")).to_have_text("09:30")
    chart = page.get_by_role("img", name="每半小时所需坐席人数")
    expect(chart).to_be_visible()
    expect(chart).to_contain_text("09:30")
    check_page(page, "staffing", elder=False)
