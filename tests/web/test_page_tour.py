"""Every page of both sites, in the standard theme and in 长辈版: axe-core
finds no serious or critical violation (colour contrast included), the page
says lang="zh-CN" and shows the mode switch, and in elder mode body text is at
least 18 px and every control at least 60x60 px."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from kindline.core.auth.models import StaffUser
from kindline.core.auth.service import staff_principal
from kindline.core.db import transaction
from kindline.orders import service as orders
from kindline.orders.schemas import OrderCreate
from tests.web.browser import check_page, enter_code, request_code, staff_sign_in, switch_elder
from tests.web.session_helpers import latest_code

pytestmark = pytest.mark.browser
MODES = ["standard", "elder"]


def _field_work_order(live) -> int:
    """A relocation waits, accepted, for the technician: its page offers transitions."""
    runtime = live.runtime
    with transaction(runtime.sessions) as session:
        admin = staff_principal(session.scalar(select(StaffUser).where(StaffUser.username == live.admin)))
        request = OrderCreate(type="relocation", customer_id=live.young.id, line_id=live.young.line_ids["broadband"],
                              service_address="南京市鼓楼区中山路100号")
        order, _ = orders.submit(session, runtime.clock, admin, request, uuid.uuid4().hex)
        return order.id


@pytest.mark.parametrize("mode", MODES)
def test_console_pages(page, live, mode):
    elder = mode == "elder"
    page.goto("/")
    if elder:
        switch_elder(page, True)
    check_page(page, "home", elder)
    page.goto("/console/login")
    check_page(page, "console sign-in", elder)

    staff_sign_in(page, live.admin)
    check_page(page, "console home", elder)

    page.get_by_label("查找客户").fill(live.elder.name)
    page.get_by_role("button", name="查询").click()
    check_page(page, "search results", elder)

    page.get_by_role("link", name=live.elder.name).click()
    expect(page.locator(".segment-banner")).to_contain_text("长者")
    expect(page.locator(".segment-banner")).to_contain_text("特殊关爱")
    expect(page.locator("article.line")).to_contain_text("亲情号")
    check_page(page, "customer page", elder)

    page.get_by_label("查看原因").fill("客户本人来厅核对证件")
    page.get_by_role("button", name="查看完整信息").click()
    expect(page.get_by_role("status")).to_contain_text("已显示完整信息")
    check_page(page, "customer page, unmasked", elder)

    page.goto(f"/console/customers/{live.young.id}")
    expect(page.locator("article.line", has_text="98元大流量套餐")).to_contain_text("副卡")
    check_page(page, "customer page with secondary card", elder)

    page.goto(f"/console/customers/{live.young.id}/orders/new?type=product_order")
    check_page(page, "order form", elder)
    page.get_by_label("办理的号码/业务").select_option(str(live.young.line_ids["mobile"]))
    page.get_by_label("产品").select_option("ELDER-CARD")
    page.get_by_role("button", name="提交受理").click()
    expect(page.get_by_role("alert")).to_contain_text("65周岁")
    check_page(page, "order form, refused", elder)

    page.goto(f"/console/customers/{live.young.id}/orders/new?type=ownership_transfer")
    check_page(page, "order form, transfer", elder)

    page.goto(f"/console/orders/{_field_work_order(live)}")
    expect(page.get_by_label("改为")).to_be_visible()
    check_page(page, "order page", elder)

    page.goto("/console/sms")
    check_page(page, "SMS log", elder)

    page.goto("/console/customers/999999")
    expect(page.get_by_role("alert")).to_contain_text("找不到该客户")
    check_page(page, "not found page", elder)

    page.goto("/console/no-such-page")
    expect(page.get_by_role("alert")).to_contain_text("找不到这个页面")


@pytest.mark.parametrize("mode", MODES)
def test_portal_pages(page, live, mode):
    elder = mode == "elder"
    someone = live.auditor
    page.goto("/portal/login")
    if elder:
        switch_elder(page, True)
    check_page(page, "portal sign-in", elder)

    request_code(page, someone.phone)
    check_page(page, "code page", elder)
    page.get_by_label("短信验证码").fill("000000")
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("验证码错误")
    check_page(page, "code page, wrong code", elder)

    enter_code(page, latest_code(live.runtime, someone.phone))
    check_page(page, "my lines", elder)

    page.goto(f"/portal/lines/{someone.line_ids['tv']}")
    channel = "美食天府" if elder else "音乐之声"
    page.get_by_role("button", name=f"订购{channel}").click()
    check_page(page, "my orders", elder)

    page.goto(f"/portal/lines/{someone.line_ids['tv']}")
    expect(page.get_by_role("button", name=f"退订{channel}")).to_be_visible()
    check_page(page, "TV line", elder)

    page.goto(f"/portal/lines/{someone.line_ids['mobile']}")
    page.get_by_role("button", name="订购欢孝包").click()
    expect(page.get_by_role("alert")).to_contain_text("需先订购欢孝卡")
    check_page(page, "mobile line, refused", elder)

    page.goto(f"/portal/lines/{live.young.line_ids['mobile']}")
    expect(page.get_by_role("alert")).to_contain_text("只能查看本人的信息")
    check_page(page, "someone else's line", elder)
