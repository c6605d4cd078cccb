"""Staff console in the browser: search -> customer -> order -> history, the
Chinese refusal of an ineligible order, and a field-work order moved on."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from kindline.orders.models import Order
from tests.web.browser import staff_sign_in

pytestmark = pytest.mark.browser


def _order_count(live, customer_id: int) -> int:
    with live.runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(Order).where(Order.customer_id == customer_id))


def _open_order_form(page, customer, order_type: str | None = None):
    page.goto(f"/console/customers?q={customer.name}")
    page.get_by_role("link", name=customer.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"客户 {customer.name}")
    page.get_by_role("link", name="办理业务").click()
    if order_type:
        page.get_by_label("业务类型").select_option(order_type)
        page.get_by_role("button", name="改办此业务").click()


def test_staff_searches_and_orders_a_data_pack(page, live):
    customer = live.young
    staff_sign_in(page, live.agent)
    page.get_by_label("查找客户").fill(customer.phone)
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("heading", name="查询结果：共 1 位客户")).to_be_visible()
    page.get_by_role("link", name=customer.name).click()
    expect(page.locator("article.line", has_text="98元大流量套餐")).to_be_visible()

    page.get_by_role("link", name="办理业务").click()
    page.get_by_label("办理的号码/业务").select_option(str(customer.line_ids["mobile"]))
    page.get_by_label("产品").select_option("DP-10G-M")
    page.get_by_role("button", name="提交受理").click()

    expect(page).to_have_url(re.compile(r"/console/orders/\d+\?created=1"))
    expect(page.get_by_role("status")).to_have_text("受理单已提交。")
    expect(page.locator(".facts")).to_contain_text("已办结")
    expect(page.locator(".timeline")).to_contain_text("已提交")
    expect(page.locator(".timeline")).to_contain_text("已受理")
    expect(page.locator(".timeline")).to_contain_text("已办结")

    page.get_by_role("link", name="返回客户页").click()
    row = page.locator("tr", has_text="10GB流量月包")
    expect(row).to_contain_text("产品订购")
    expect(row).to_contain_text("已办结")
    expect(page.locator("article.line", has_text="10GB流量月包")).to_be_visible()


def test_under_65_gets_the_chinese_refusal_and_no_order(page, live):
    customer = live.young
    before = _order_count(live, customer.id)
    staff_sign_in(page, live.agent)
    _open_order_form(page, customer)
    page.get_by_label("办理的号码/业务").select_option(str(customer.line_ids["mobile"]))
    page.get_by_label("产品").select_option("ELDER-CARD")
    page.get_by_role("button", name="提交受理").click()

    expect(page.get_by_role("alert")).to_contain_text("欢孝卡仅限65周岁及以上的实名用户办理，该用户现年36周岁。")
    expect(page.get_by_label("产品")).to_have_value("ELDER-CARD")  # the form keeps what was chosen
    assert _order_count(live, customer.id) == before


def test_field_work_order_moves_through_its_transitions(page, live):
    customer = live.young
    staff_sign_in(page, live.admin)
    _open_order_form(page, customer, "relocation")
    page.get_by_label("办理的号码/业务").select_option(str(customer.line_ids["broadband"]))
    page.get_by_label("新装机地址").fill("南京市秦淮区中华路8号")
    page.get_by_role("button", name="提交受理").click()
    expect(page.locator(".facts")).to_contain_text("已受理")

    for status in ("处理中", "已办结"):
        page.get_by_label("改为").select_option(label=status)
        page.get_by_role("button", name="更新状态").click()
        expect(page.get_by_role("status")).to_have_text("状态已更新。")
        expect(page.locator(".facts")).to_contain_text(status)
    expect(page.get_by_label("改为")).to_have_count(0)  # a completed order has no next step
    page.goto(f"/console/customers/{customer.id}")
    expect(page.locator("article.line", has_text="宽带")).to_contain_text("南京市秦淮区中华路8号")


def test_staff_without_pii_view_see_masked_data_only(page, live):
    staff_sign_in(page, live.agent)
    page.goto(f"/console/customers/{live.elder.id}")
    expect(page.get_by_role("button", name="查看完整信息")).to_have_count(0)
    expect(page.locator(".facts").first).to_contain_text("****")
