"""Work orders in the browser: an agent files a complaint from the customer's
page, finds it in the queue with its live countdown and resolves it; the
elderly subscriber follows it on the portal in 长辈版, confirms it and scores
the service. Every work-order page passes axe-core, and rule 8's numbers in
elder mode."""

from __future__ import annotations

import re
import uuid
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from kindline.core.auth.models import StaffUser
from kindline.core.auth.service import staff_principal
from kindline.core.db import transaction
from kindline.workorders import field, service, surveys, teams
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
                        ("kpi", "/console/workorders/kpi"),
                        ("field day", f"/console/field?day={date.fromordinal(day).isoformat()}")):
        page.goto(path)
        check_page(page, f"{label} ({mode})", elder)
    expect(page.locator(".visit").first).to_contain_text("宽带无法上网")
    page.goto("/console/workorders/kpi")
    expect(page.locator("svg.chart").first).to_be_visible()
