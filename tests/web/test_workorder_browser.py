"""Work orders in the browser: an agent files a complaint from the customer's
page, finds it in the queue with its live countdown and resolves it; the
elderly subscriber follows it on the portal in 长辈版, confirms it and scores
the service; in 长辈版 too, reports a fault, makes a complaint, and books and
changes an installation's visit window; the technician works the day list on
a phone. Every work-order page passes axe-core, and rule 8's numbers in elder
mode."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from kindline.core.auth.models import StaffUser
from kindline.core.auth.service import staff_principal
from kindline.core.db import transaction
from kindline.workorders import field, service, surveys, teams
from kindline.workorders.models import Appointment
from tests.web import seed
from tests.web.browser import check_page, device, portal_sign_in, staff_sign_in, switch_elder

pytestmark = pytest.mark.browser


def _staff_id(session, username: str) -> int:
    return session.scalar(select(StaffUser.id).where(StaffUser.username == username))


@pytest.fixture
def nanjing_teams(live):
    """The teams the work goes to (the live site is shared: ensure is idempotent)."""
    with transaction(live.runtime.sessions) as session:
        lead = _staff_id(session, live.admin)
        teams.ensure(session, "NJ-CARE", "南京投诉处理组", "complaint", "南京市", lead, (_staff_id(session, live.agent),))
        teams.ensure(session, "NJ-FIELD", "南京装维班组", "field", "南京市", lead, (lead,))
        teams.ensure(session, "GREEN", "绿色通道专班", "green", None, lead)


def test_a_complaint_from_the_customer_page_to_the_elders_confirmation(page, live, browser, nanjing_teams):
    elder = seed.subscriber(live.runtime, "吴秀兰", date(1949, 5, 6), {"mobile": ["ELDER-CARD"]}, female=True)
    staff_sign_in(page, live.agent)
    page.goto(f"/console/customers/{elder.id}")
    page.locator("article.line").get_by_role("link", name=re.compile("新建工单")).click()
    page.get_by_label("工单类型").select_option("complaint")
    page.get_by_label("问题描述").fill("老人反映本月话费比上月多扣了20元")
    page.get_by_role("button", name="创建工单").click()
    expect(page.get_by_role("status")).to_have_text("工单已创建。")
    work_order_id = int(re.search(r"/console/workorders/(\d+)", page.url).group(1))
    check_page(page, "work order page", elder=False)

    page.get_by_role("navigation", name="工作台导航").get_by_role("link", name="工单", exact=True).click()
    row = page.locator("tr", has=page.get_by_role("link", name=f"第{work_order_id}号", exact=True))
    expect(row).to_contain_text("投诉")
    expect(row.locator(".sla")).to_have_text("正常")
    # Made as "响应剩余2小时" on the server; the script counts it down from the server's time.
    expect(row.locator(".countdown").first).to_have_text(re.compile(r"响应剩余1小时5\d分"))
    check_page(page, "work-order queue", elder=False)

    row.get_by_role("link", name=f"第{work_order_id}号", exact=True).click()
    page.get_by_label("改为").select_option(label="已解决")
    page.get_by_label("原因或处理结果").fill("已核实多扣费用，已退还20元")
    page.get_by_role("button", name="更新状态").click()
    expect(page.get_by_role("status")).to_have_text("状态已更新。")
    expect(page.locator(".facts").first).to_contain_text("已解决")

    with device(browser, live) as portal:
        portal_sign_in(portal, live.runtime, elder.phone)
        switch_elder(portal, True)
        portal.get_by_role("link", name="报修和投诉").click()
        check_page(portal, "my requests (elder)", elder=True)
        portal.get_by_role("link", name=re.compile("查看.*投诉")).first.click()
        expect(portal.locator(".lead")).to_have_text("已处理好，请您确认")
        expect(portal.locator(".timeline")).to_contain_text("已处理好：已核实多扣费用，已退还20元")
        check_page(portal, "my request (elder)", elder=True)
        portal.get_by_role("button", name="已经解决了").click()
        expect(portal.get_by_role("status")).to_have_text("谢谢您的确认，这件事已经办完了。")
        expect(portal.locator(".lead")).to_have_text("已结束")
        check_page(portal, "closed request with its survey (elder)", elder=True)
        portal.get_by_role("button", name="5分 非常满意").click()
        expect(portal.get_by_role("status")).to_have_text("感谢您的评价！")
    with live.runtime.sessions() as session:
        assert service.get(session, work_order_id).status == "closed"
        assert surveys.of_work_order(session, work_order_id).score == 5


@pytest.mark.parametrize("mode", ["standard", "elder"])
def test_the_work_order_console_pages_are_accessible(page, live, nanjing_teams, mode):
    elder = mode == "elder"
    holder = seed.subscriber(live.runtime, "郑国华", date(1980, 3, 3), {"broadband": ["BB-100M"]})
    runtime = live.runtime
    with transaction(runtime.sessions) as session:
        admin = staff_principal(session.scalar(select(StaffUser).where(StaffUser.username == live.admin)))
        order, _ = service.create(session, runtime.clock, admin, type="repair", description="宽带无法上网",
                                  channel="hotline", customer_id=holder.id, idempotency_key=uuid.uuid4().hex)
        order.assignee_id = admin.id
        day = runtime.clock.today().toordinal() + 2
        field.book(session, runtime.clock, admin, order, date.fromordinal(day), 10)
        work_order_id = order.id
    staff_sign_in(page, live.admin)
    if elder:
        switch_elder(page, True)
    for label, path in (("queue", "/console/workorders"), ("work order", f"/console/workorders/{work_order_id}"),
                        ("kpi", "/console/workorders/kpi"), ("passed around", "/console/reports/passed-around"),
                        ("field day", f"/console/field?day={date.fromordinal(day).isoformat()}")):
        page.goto(path)
        check_page(page, f"{label} ({mode})", elder)
    expect(page.locator(".visit").first).to_contain_text("宽带无法上网")
    page.goto("/console/workorders/kpi")
    expect(page.locator("svg.chart").first).to_be_visible()


def _elder_subscriber(live, name: str) -> seed.Subscriber:
    return seed.subscriber(live.runtime, name, date(1952, 8, 8), {"mobile": ["ELDER-CARD"], "broadband": ["BB-100M"]},
                           female=True)


def test_the_elder_reports_a_fault_and_makes_a_complaint_in_elder_mode(page, live, nanjing_teams):
    elder = _elder_subscriber(live, "蒋秀珍")
    portal_sign_in(page, live.runtime, elder.phone)
    switch_elder(page, True)
    page.get_by_role("link", name="报修和投诉").click()
    page.get_by_role("link", name="报故障", exact=True).click()
    check_page(page, "fault report form (elder)", elder=True)
    page.get_by_label("哪个号码或业务有问题").select_option(str(elder.line_ids["broadband"]))
    page.get_by_label("遇到了什么问题").fill("家里宽带从昨天晚上开始上不了网")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_role("status")).to_have_text("已提交，我们会尽快处理。")
    expect(page.locator(".timeline")).to_contain_text("我们收到了您的故障维修")
    check_page(page, "the fault just reported (elder)", elder=True)
    fault_id = int(re.search(r"/portal/workorders/(\d+)", page.url).group(1))

    page.get_by_role("link", name="返回我的报修和投诉").click()
    page.get_by_role("link", name="我要投诉").click()
    check_page(page, "complaint form (elder)", elder=True)
    page.get_by_label("您要反映的问题").fill("这个月话费比上个月多扣了20元")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_role("status")).to_have_text("已提交，我们会尽快处理。")
    expect(page.locator(".timeline")).to_contain_text("我们收到了您的投诉")
    complaint_id = int(re.search(r"/portal/workorders/(\d+)", page.url).group(1))
    with live.runtime.sessions() as session:
        fault, complaint = service.get(session, fault_id), service.get(session, complaint_id)
        assert (fault.type, fault.channel, fault.customer_id, fault.line_id) == (
            "repair", "portal", elder.id, elder.line_ids["broadband"])
        assert (complaint.type, complaint.channel, complaint.description) == ("complaint", "portal",
                                                                              "这个月话费比上个月多扣了20元")


def test_the_elder_books_and_changes_an_installation_window_in_elder_mode(page, live, nanjing_teams):
    elder = _elder_subscriber(live, "韩桂英")
    runtime = live.runtime
    with transaction(runtime.sessions) as session:
        admin = staff_principal(session.scalar(select(StaffUser).where(StaffUser.username == live.admin)))
        order, _ = service.create(session, runtime.clock, admin, type="installation", description="新装宽带",
                                  channel="hall", customer_id=elder.id, idempotency_key=uuid.uuid4().hex)
        work_order_id = order.id
    first, second = (runtime.clock.today() + timedelta(days=n) for n in (2, 3))
    portal_sign_in(page, runtime, elder.phone)
    switch_elder(page, True)
    page.goto(f"/portal/workorders/{work_order_id}")
    check_page(page, "installation before booking (elder)", elder=True)
    visit = page.locator("#s-visit")
    expect(visit.get_by_role("heading")).to_have_text("预约上门时间")
    visit.get_by_label("哪一天").select_option(first.isoformat())
    visit.get_by_label("几点").select_option(label="10:00-12:00")
    visit.get_by_role("button", name="约好了").click()
    expect(page.get_by_role("status")).to_have_text("上门时间已约好。")
    expect(page.locator(".facts")).to_contain_text(f"{first:%m月%d日} 10:00-12:00")
    check_page(page, "installation booked (elder)", elder=True)

    expect(visit.get_by_role("heading")).to_have_text("改约上门时间")
    visit.get_by_label("哪一天").select_option(second.isoformat())
    visit.get_by_label("几点").select_option(label="14:00-16:00")
    visit.get_by_role("button", name="改约").click()
    expect(page.get_by_role("status")).to_have_text("上门时间已约好。")
    expect(page.locator(".facts")).to_contain_text(f"{second:%m月%d日} 14:00-16:00")
    expect(page.locator(".timeline")).to_contain_text(f"已改约上门时间：{second:%m-%d} 14:00-16:00")
    check_page(page, "installation window changed (elder)", elder=True)
    with runtime.sessions() as session:
        booked = field.current(session, service.get(session, work_order_id))
        assert (runtime.clock.local(booked.window_start).date(), runtime.clock.local(booked.window_start).hour,
                booked.status) == (second, 14, "booked")


@pytest.mark.parametrize("mode", ["standard", "elder"])
def test_the_technicians_day_list_on_a_phone(browser, live, nanjing_teams, mode):
    elder = mode == "elder"
    runtime = live.runtime
    technician = seed.staff_user(runtime, f"tech-{uuid.uuid4().hex[:6]}", "technician", display_name="陈师傅")
    holder = seed.subscriber(runtime, "冯建军", date(1978, 2, 2), {"broadband": ["BB-100M"]})
    day = runtime.clock.today() + timedelta(days=1)
    with transaction(runtime.sessions) as session:
        admin = staff_principal(session.scalar(select(StaffUser).where(StaffUser.username == live.admin)))
        order, _ = service.create(session, runtime.clock, admin, type="repair", description="光猫红灯闪烁",
                                  channel="hotline", customer_id=holder.id, idempotency_key=uuid.uuid4().hex)
        order.assignee_id = _staff_id(session, technician)
        field.book(session, runtime.clock, admin, order, day, 14)
        work_order_id = order.id
    with device(browser, live, width=390, height=844, touch=True) as phone:
        staff_sign_in(phone, technician)
        if elder:
            switch_elder(phone, True)
        phone.get_by_role("link", name="上门任务").first.click()
        phone.get_by_role("link", name="后一天").click()
        visit = phone.locator(".visit", has=phone.get_by_role("link", name=f"第{work_order_id}号"))
        expect(visit).to_contain_text("14:00-16:00")
        expect(visit).to_contain_text("光猫红灯闪烁")
        check_page(phone, f"field day on a phone ({mode})", elder)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # one column, no sideways scrolling

        visit.get_by_role("button", name="我已到达").click()
        expect(phone.get_by_role("status")).to_have_text("已登记到达。")
        visit.get_by_label("处理情况").fill("更换光猫，测速正常")
        visit.get_by_label("设备序列号").fill("ZTE-F650-0099")
        check_page(phone, f"field completion form on a phone ({mode})", elder)
        visit.get_by_role("button", name="完工").click()
        expect(phone.get_by_role("status")).to_have_text("已登记完工，已通知首问负责人办结。")
        expect(visit).to_contain_text("ZTE-F650-0099")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    with runtime.sessions() as session:
        done = session.scalars(select(Appointment).where(Appointment.work_order_id == work_order_id)).one()
        assert (done.status, done.equipment) == ("done", ["ZTE-F650-0099"])
