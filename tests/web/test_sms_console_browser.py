"""The SMS simulator and the outbox in chromium, in the standard theme and in
长辈版: a staff member texts as a subscriber and reads the reply; both pages
pass axe-core and, in elder mode, rule 8's sizes."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.web.browser import check_page, staff_sign_in, switch_elder

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("mode", ["standard", "elder"])
def test_simulator_and_outbox(page, live, mode):
    elder = mode == "elder"
    staff_sign_in(page, live.admin)
    if elder:
        switch_elder(page, True)
        page.goto("/console/sms/outbox")
    else:
        page.get_by_role("link", name="短信营业厅").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("短信发件箱")
    page.get_by_role("link", name="短信营业厅模拟器").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("短信营业厅模拟器")

    page.get_by_label("用户手机号码（发送号码）").fill(live.viewer.phone)
    page.get_by_label("短信内容").fill("流量" if elder else "ＬＬ")
    page.get_by_role("button", name="发送到10001").click()
    expect(page.locator(".timeline")).to_contain_text("通话剩余")
    expect(page.get_by_label("用户手机号码（发送号码）")).to_have_value(live.viewer.phone)
    check_page(page, "SMS simulator", elder)

    page.get_by_role("link", name="短信发件箱").click()
    expect(page.locator("table")).to_contain_text("通话剩余")
    check_page(page, "SMS outbox", elder)
