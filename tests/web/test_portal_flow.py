"""Subscriber portal in the browser: sign in with the SMS code, see my lines,
order a TV channel and a data pack, see them in my orders, unsubscribe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.web.browser import device, portal_sign_in, request_code, staff_sign_in
from tests.web.session_helpers import latest_code

pytestmark = pytest.mark.browser


def test_subscriber_orders_a_tv_channel_and_a_data_pack(page, live):
    me = live.viewer
    portal_sign_in(page, live.runtime, me.phone)
    tv = page.locator("article.line", has_text="有线数字电视基本包")
    mobile = page.locator("article.line", has_text="59元畅享套餐")
    expect(mobile).to_contain_text("流量 10GB")
    expect(mobile).to_contain_text("通话 200分钟")

    tv.get_by_role("link", name="订电视频道或退订").click()
    expect(page.get_by_role("heading", name="热门频道")).to_be_visible()
    page.get_by_role("button", name="订购戏曲频道").click()
    expect(page).to_have_url(re.compile(r"/portal/orders"))
    expect(page.locator("tr", has_text="戏曲频道")).to_contain_text("已办结")

    page.get_by_role("link", name="我的业务").click()
    mobile.get_by_role("link", name="订流量包等附加业务或退订").click()
    page.get_by_role("button", name="订购5GB流量月包").click()
    expect(page.locator("tr", has_text="5GB流量月包")).to_contain_text("产品订购")

    page.get_by_role("link", name="我的业务").click()
    expect(tv).to_contain_text("戏曲频道")
    expect(mobile).to_contain_text("5GB流量月包")

    tv.get_by_role("link", name="订电视频道或退订").click()
    page.get_by_role("button", name="退订戏曲频道").click()
    expect(page.locator("tr", has_text="产品退订")).to_contain_text("戏曲频道")
    page.get_by_role("link", name="我的业务").click()
    expect(tv).not_to_contain_text("戏曲频道")


def test_the_console_sms_page_shows_the_sign_in_code(page, live, browser):
    """How the demo works: staff read the code on /console/sms."""
    me = live.browser_elder
    request_code(page, me.phone)
    latest_code(live.runtime, me.phone)  # delivered by now

    with device(browser, live) as console:
        staff_sign_in(console, live.admin)
        console.get_by_role("link", name="短信记录", exact=True).click()
        console.get_by_label("只看发给这个号码的短信").fill(me.phone)
        console.get_by_role("button", name="筛选").click()
        text = console.locator("td.sms-text").first.inner_text()
    code = re.search(r"验证码是(\d{6})", text).group(1)
    page.get_by_label("短信验证码").fill(code)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("我的业务")
    expect(page.locator("article.line")).to_contain_text("欢孝卡")
    page.get_by_role("button", name="退出登录").click()
    expect(page).to_have_url(re.compile(r"/portal/login"))
    page.goto("/portal/orders")
    expect(page).to_have_url(re.compile(r"/portal/login\?next=%2Fportal%2Forders"))
