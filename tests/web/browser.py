"""What the browser tests do again and again: sign in on either site, read an
SMS code, enroll a kiosk, switch elder mode, and check a rendered page against the numbers of
rule 8 (axe-core for accessibility, measured sizes for 长辈版)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.web.seed import PASSWORD
from tests.web.session_helpers import latest_code

_axe = Axe()
BLOCKING_IMPACTS = {"serious", "critical"}

# Every visible control, measured as laid out; hidden inputs have no box.
MEASURE_JS = """() => {
  const small = [];
  const controls = document.querySelectorAll('a, button, input, select, textarea, [role="button"]');
  for (const el of controls) {
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (style.display === 'none' || style.visibility === 'hidden' || box.width === 0 || box.height === 0) continue;
    if (box.width < 60 || box.height < 60) {
      const label = (el.innerText || el.getAttribute('aria-label') || el.name || '').trim().slice(0, 24);
      small.push(`${el.tagName.toLowerCase()} "${label}" ${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  return {
    fontSize: parseFloat(getComputedStyle(document.body).fontSize),
    lang: document.documentElement.getAttribute('lang'),
    controls: controls.length,
    small,
  };
}"""


@contextmanager
def device(browser, live, *, width: int = 1280, height: int = 900, touch: bool = False) -> Iterator[Page]:
    """A fresh browser context (no cookies) on the live site, as one screen or
    device. Any dialog (alert, confirm, prompt) fails the test: the pages
    promise none, elder mode above all."""
    context = browser.new_context(base_url=live.url, locale="zh-CN", viewport={"width": width, "height": height},
                                  has_touch=touch)
    context.set_default_timeout(10_000)
    opened = context.new_page()
    dialogs: list[str] = []
    opened.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        yield opened
    finally:
        context.close()
    assert not dialogs, f"pages opened dialogs: {dialogs}"


def staff_sign_in(page: Page, username: str) -> None:
    page.goto("/console/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page).to_have_url(re.compile(r"/console$"))


def enroll_kiosk(page: Page, live, hall_id: int) -> None:
    """Make this browser the hall's kiosk as staff do: the clerk signs in and
    presses the halls list's button; the enrollment signs the clerk out and
    opens the kiosk."""
    staff_sign_in(page, live.clerk)
    page.goto("/console/halls")
    hall = page.locator(f'section[aria-labelledby="hall-{hall_id}"]')
    hall.get_by_role("button", name="把这台设备设为本厅取号机").click()
    expect(page).to_have_url(re.compile(rf"/floor/{hall_id}/kiosk$"))
    page.goto("/console")
    expect(page).to_have_url(re.compile(r"/console/login"))  # signed out; the device mark stays


def request_code(page: Page, phone: str) -> None:
    page.goto("/portal/login")
    page.get_by_label("手机号码").fill(phone)
    page.get_by_role("button", name="获取验证码").click()
    expect(page).to_have_url(re.compile(r"/portal/login/code"))


def enter_code(page: Page, code: str) -> None:
    page.get_by_label("短信验证码").fill(code)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page).to_have_url(re.compile(r"/portal$"))


def portal_sign_in(page: Page, runtime, phone: str) -> None:
    request_code(page, phone)
    enter_code(page, latest_code(runtime, phone))


def switch_elder(page: Page, on: bool) -> None:
    page.get_by_role("link", name="切换到长辈版" if on else "切换到标准版").click()
    expect(page.locator("body")).to_have_class("elder" if on else "standard")


def assert_accessible(page: Page, label: str) -> None:
    """axe-core on the page as rendered: no serious or critical violation."""
    results = _axe.run(page)
    blocking = [v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    assert not blocking, f"{label} ({page.url}):\n" + results.generate_report()


def assert_elder_layout(page: Page, label: str) -> None:
    """Rule 8's numbers: body text >= 18 px, every control >= 60x60, zh-CN."""
    measured = page.evaluate(MEASURE_JS)
    assert measured["lang"] == "zh-CN", label
    assert measured["fontSize"] >= 18, f"{label}: body font {measured['fontSize']}px"
    assert measured["controls"] > 0, label
    assert not measured["small"], f"{label}: controls under 60x60: {measured['small']}"


def check_page(page: Page, label: str, elder: bool) -> None:
    assert page.locator("html").get_attribute("lang") == "zh-CN", label
    expect(page.get_by_role("link", name="切换到标准版" if elder else "切换到长辈版")).to_be_visible()
    assert_accessible(page, label)
    if elder:
        assert_elder_layout(page, label)
