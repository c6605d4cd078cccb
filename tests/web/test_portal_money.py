"""The subscriber portal's money pages: balance and allowance bars, the 1-hour
reopen (绿色开机), bills, detailed records with CSV, payments, card recharge and
points, for the subscriber's own lines only, in the standard theme and in 长辈版.

Money, usage, cards and points are made through the domain services (payments,
billing.post, usage rating, card batches, point grants), never by writing rows.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from datetime import date, datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from kindline.billing import cards, points
from kindline.billing import cycles as billing_cycles
from kindline.billing import service as billing
from kindline.billing.models import RechargeCard
from kindline.core import timers
from kindline.core.auth.models import StaffUser
from kindline.core.auth.service import staff_principal
from kindline.core.clock import VirtualClock
from kindline.core.db import transaction
from kindline.customers import lines
from kindline.orders.models import Order
from kindline.usage import ingest
from kindline.usage import service as usage
from kindline.web.render import ELDER_COOKIE
from tests.factories import load_demo_catalog
from tests.reminders.helpers import charge, pay
from tests.web import seed
from tests.web.browser import check_page, portal_sign_in, switch_elder
from tests.web.session_helpers import csrf_of, idempotency_key_of, portal_login

TZ = ZoneInfo("Asia/Shanghai")
HOUR = 3600
OTHERS_LINE = "只能查看本人的信息"
_refs = itertools.count(1)


# --- making money, usage, cards and points through the services ----------------------------------------

def balance(runtime, number: str) -> int:
    with runtime.sessions() as session:
        return billing.balance_of(session, runtime.clock, lines.by_number(session, number)).balance_fen


def rate(runtime, rows: list[tuple[str, str, int, str | None]], at: datetime | None = None) -> None:
    """(msisdn, kind, quantity, peer) rated through the usage service, a minute apart."""
    start = at or datetime(2026, 11, 22, 8, 0, tzinfo=TZ)
    raw = [(f"pm-{next(_refs)}", number, kind, (start + timedelta(minutes=i)).isoformat(), str(quantity), peer)
           for i, (number, kind, quantity, peer) in enumerate(rows)]
    report = usage.rate(runtime.sessions, runtime.clock, pl.DataFrame(raw, schema=ingest.RAW_SCHEMA, orient="row"))
    assert report.rated == len(rows), report.rejected


def card_batch(runtime, staff_username: str, count: int = 2, face_value_fen: int = 5000) -> list[tuple[str, str]]:
    with transaction(runtime.sessions) as session:
        admin = staff_principal(session.scalar(select(StaffUser).where(StaffUser.username == staff_username)))
        _batch, pins = cards.create_batch(session, runtime.clock, admin, runtime.settings.resolved_secret_key(),
                                          face_value_fen=face_value_fen, count=count, expires_on=date(2027, 6, 30))
        return pins


def grant_points(runtime, customer_id: int, amount: int, earned: datetime) -> None:
    with transaction(runtime.sessions) as session:
        account = billing.account_for(session, runtime.clock, customer_id)
        points.grant_many(session, VirtualClock(earned), [(account.id, f"pm:{next(_refs)}", amount)])


def points_of(runtime, customer_id: int) -> int:
    with runtime.sessions() as session:
        account = billing.find_account(session, customer_id)
        return points.balance(session, runtime.clock, account.id if account else None)


def wrong(pin: str) -> str:
    return f"{(int(pin) + 1) % 10 ** cards.PIN_DIGITS:0{cards.PIN_DIGITS}d}"


@pytest.fixture
def people(runtime):
    load_demo_catalog(runtime)
    return {
        "me": seed.subscriber(runtime, "周桂兰", date(1956, 9, 9), {"mobile": ["ELDER-CARD"], "tv": ["DTV-BASIC"]},
                              female=True),
        "other": seed.subscriber(runtime, "赵强", date(1985, 7, 1), {"mobile": ["MOB-39"]}),
        "admin": seed.staff_user(runtime, "cards-admin", "admin"),
    }


def _money(me) -> str:
    return f"/portal/lines/{me.line_ids['mobile']}"


def _suspend_for_arrears(runtime, clock, number: str) -> None:
    charge(runtime, number, 300)
    clock.advance(24 * HOUR)
    assert timers.run_until_idle(runtime.sessions, clock) >= 1


def test_signed_out_money_pages_go_to_the_sign_in_page(client, people):
    path = f"{_money(people['me'])}/recharge"
    answer = client.get(path, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/portal/login?next=" + quote(path, safe="")


# --- balance, bars, reopen ------------------------------------------------------------------------------

def test_the_money_page_shows_balance_status_and_allowances_as_bars_with_text(client, runtime, people):
    me = people["me"]
    pay(runtime, me.phone, 10_000)
    rate(runtime, [(me.phone, "voice", 30 * 60, "13800138000"), (me.phone, "sms", 1, "13800138000"),
                   (me.phone, "data", 512 * 1024 ** 2, None)])
    portal_login(client, runtime, me.phone)
    home = client.get("/portal").text
    assert f'href="{_money(me)}/money"' in home

    page = client.get(f"{_money(me)}/money")
    assert page.status_code == 200
    text = page.text
    assert "100.00 元" in text and "信用额度" in text
    assert 'class="status status-active">正常<' in text
    assert text.count("<progress") == 3
    assert "已用 30分钟 / 共 200分钟，剩余 170分钟" in text
    assert "已用 1条 / 共 100条，剩余 99条" in text
    assert "已用 512MB / 共 3GB，剩余 2.5GB" in text
    assert "绿色开机" not in text  # active: nothing to reopen

    tv = client.get(f"/portal/lines/{me.line_ids['tv']}/money").text
    assert "<progress" not in tv and "没有通话、短信和流量额度" in tv


def test_reopen_is_offered_only_when_suspended_for_arrears_and_refusals_are_in_chinese(client, runtime, clock,
                                                                                        people):
    me = people["me"]
    token = portal_login(client, runtime, me.phone)
    refused = client.post(f"{_money(me)}/reopen", data={"csrf_token": token})
    assert refused.status_code == 409 and "该号码不是欠费停机状态" in refused.text
    assert '<button type="submit" class="button">绿色开机</button>' not in refused.text

    charge(runtime, me.phone, 300)
    warned = client.get(f"{_money(me)}/money").text
    assert "已欠费" in warned and "您已欠费" in warned and "绿色开机</button>" not in warned

    clock.advance(24 * HOUR)
    assert timers.run_until_idle(runtime.sessions, clock) >= 1
    suspended = client.get(f"{_money(me)}/money").text
    assert "欠费停机" in suspended and "绿色开机</button>" in suspended
    assert "-3.00 元" in suspended

    answer = client.post(f"{_money(me)}/reopen", data={"csrf_token": token}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].endswith("/money?reopened=1")
    reopened = client.get(answer.headers["location"]).text
    assert "临时开机至11月23日11:00" in reopened and "已为您临时开机" in reopened
    assert "绿色开机</button>" not in reopened

    clock.advance(HOUR)
    timers.run_until_idle(runtime.sessions, clock)  # the hour is over: suspended again
    again = client.post(f"{_money(me)}/reopen", data={"csrf_token": token})
    assert again.status_code == 409 and "24小时内只能申请一次临时开机" in again.text
    assert "欠费停机" in again.text
    with runtime.sessions() as session:
        assert lines.by_number(session, me.phone).status == "suspended"


# --- card recharge --------------------------------------------------------------------------------------

def test_a_wrong_pin_changes_nothing_and_is_never_echoed_and_the_right_one_tops_up(client, runtime, people):
    me = people["me"]
    (serial, pin), (_second, _pin2) = card_batch(runtime, people["admin"])
    token = portal_login(client, runtime, me.phone)
    form = client.get(f"{_money(me)}/recharge").text
    assert 'name="pin"' in form and "当前余额：<strong class=\"balance\">0.00 元" in form

    bad = client.post(f"{_money(me)}/recharge", data={"serial": serial, "pin": wrong(pin), "csrf_token": token})
    assert bad.status_code == 422
    assert "充值卡密码错误，还可尝试4次。" in bad.text
    assert wrong(pin) not in bad.text and pin not in bad.text
    assert f'value="{serial}"' in bad.text  # the serial stays, so only the PIN is typed again
    assert balance(runtime, me.phone) == 0

    good = client.post(f"{_money(me)}/recharge", data={"serial": f" {serial.lower()} ", "pin": pin,
                                                       "csrf_token": token}, follow_redirects=False)
    assert good.status_code == 303
    done = client.get(good.headers["location"]).text
    assert "充值成功：50.00元已到账。" in done and "50.00 元" in done and pin not in done
    assert balance(runtime, me.phone) == 5000

    reused = client.post(f"{_money(me)}/recharge", data={"serial": serial, "pin": pin, "csrf_token": token})
    assert reused.status_code == 409 and "该充值卡已被使用" in reused.text
    assert balance(runtime, me.phone) == 5000

    history = client.get(f"{_money(me)}/payments").text
    assert "充值卡" in history and "50.00" in history and serial in history


def test_five_wrong_pins_lock_card_recharge_for_the_line(client, runtime, people):
    me = people["me"]
    (serial, pin), _ = card_batch(runtime, people["admin"])
    token = portal_login(client, runtime, me.phone)
    for _ in range(5):
        answer = client.post(f"{_money(me)}/recharge", data={"serial": serial, "pin": wrong(pin), "csrf_token": token})
    assert "错误次数过多，已锁定一小时" in answer.text
    locked = client.post(f"{_money(me)}/recharge", data={"serial": serial, "pin": pin, "csrf_token": token})
    assert locked.status_code == 429 and "已锁定，请一小时后再试" in locked.text
    assert balance(runtime, me.phone) == 0
    with runtime.sessions() as session:
        assert session.scalar(select(RechargeCard.status).where(RechargeCard.serial == serial)) == "active"


# --- ownership ------------------------------------------------------------------------------------------

def test_someone_elses_line_answers_403_and_changes_nothing(client, runtime, clock, people):
    me, other = people["me"], people["other"]
    (serial, pin), _ = card_batch(runtime, people["admin"])
    grant_points(runtime, other.id, 2000, clock.now())
    _suspend_for_arrears(runtime, clock, other.phone)
    token = portal_login(client, runtime, me.phone)
    theirs = _money(other)
    for path in ("/money", "/bills", "/bills/2026-11", "/records", "/records.csv", "/payments", "/recharge",
                 "/points"):
        answer = client.get(theirs + path)
        assert answer.status_code == 403, path
        assert OTHERS_LINE in answer.text and other.phone not in answer.text, path
    posts = {"/reopen": {}, "/recharge": {"serial": serial, "pin": pin},
             "/points/redeem": {"code": "DP-1G-ONCE", "idempotency_key": "k-1"}}
    for path, data in posts.items():
        answer = client.post(theirs + path, data={**data, "csrf_token": token})
        assert answer.status_code == 403 and OTHERS_LINE in answer.text, path
    assert balance(runtime, other.phone) == -300
    assert points_of(runtime, other.id) == 2000
    with runtime.sessions() as session:
        assert lines.by_number(session, other.phone).status == "suspended"
        assert session.scalar(select(RechargeCard.status).where(RechargeCard.serial == serial)) == "active"
        assert session.scalar(select(func.count()).select_from(Order)) == 0


# --- bills, records, payments ---------------------------------------------------------------------------

def test_bills_list_the_months_and_one_bill_closes(client, runtime, people):
    me = people["me"]
    pay(runtime, me.phone, 10_000)
    with transaction(runtime.sessions) as session:
        billing_cycles.start_cycle(session, runtime.clock, "2026-11")
    rate(runtime, [(me.phone, "voice", 250 * 60, "13800138000")])  # 50 minutes over the 200: 5.00 yuan
    left = balance(runtime, me.phone)
    portal_login(client, runtime, me.phone)

    listing = client.get(f"{_money(me)}/bills").text
    assert "2026年11月（本月至今）" in listing and f'href="{_money(me)}/bills/2026-11"' in listing

    bill = client.get(f"{_money(me)}/bills/2026-11").text
    assert "欢孝卡" in bill and "有线数字电视基本包" in bill
    assert "+100.00 元" in bill and "通话费</dt><dd>-5.00 元" in bill
    assert f"<strong>{left // 100}.{left % 100:02d} 元</strong>" in bill
    assert client.get(f"{_money(me)}/bills/2027-01").status_code == 422
    assert "账期格式" in client.get(f"{_money(me)}/bills/2026-13").text


def test_records_are_paged_fewer_in_elder_mode_and_download_as_csv(client, runtime, people):
    me = people["me"]
    rate(runtime, [(me.phone, "voice", 60, "13912345678")] * 23 + [(me.phone, "sms", 1, "13912345678")] * 2)
    portal_login(client, runtime, me.phone)
    page = client.get(f"{_money(me)}/records").text
    assert "2026年11月详单，共 25 条" in page and page.count("<tr>") == 21  # the header row and 20
    assert "139****5678" in page and "13912345678" not in page
    assert "第 1 页，共 2 页" in page
    assert f'href="{_money(me)}/records.csv?cycle=2026-11&amp;kind="' in page

    sms = client.get(f"{_money(me)}/records", params={"kind": "sms"}).text
    assert "2026年11月短信详单，共 2 条" in sms

    client.cookies.set(ELDER_COOKIE, "1")
    elder = client.get(f"{_money(me)}/records", params={"offset": 10}).text
    assert '<body class="elder">' in elder and elder.count("<tr>") == 11 and "第 2 页，共 3 页" in elder
    assert "亲情号免费" not in elder

    download = client.get(f"{_money(me)}/records.csv", params={"cycle": "2026-11"})
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    assert download.headers["cache-control"] == "no-store"
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8"))))
    assert rows[0][0] == "\ufeff时间(time)" and len(rows) == 26 and rows[1][2] == "139****5678"

    bad = client.get(f"{_money(me)}/records", params={"kind": "fax"})
    assert bad.status_code == 422 and "详单类型不正确" in bad.text


def test_payments_are_listed_newest_first_with_fewer_columns_in_elder_mode(client, runtime, people):
    me = people["me"]
    pay(runtime, me.phone, 3000)
    pay(runtime, me.phone, 2000)
    portal_login(client, runtime, me.phone)
    page = client.get(f"{_money(me)}/payments").text
    assert page.index("20.00") < page.index("30.00") and "营业厅现金" in page and "缴费后余额" in page
    client.cookies.set(ELDER_COOKIE, "1")
    elder = client.get(f"{_money(me)}/payments").text
    assert "营业厅现金" in elder and "缴费后余额" not in elder and "流水号" not in elder


# --- points ---------------------------------------------------------------------------------------------

def test_points_show_what_expires_soon_and_redeem_through_an_order(client, runtime, people):
    me = people["me"]
    grant_points(runtime, me.id, 300, datetime(2025, 11, 5, 10, 0, tzinfo=TZ))  # expire on 30 November 2026
    grant_points(runtime, me.id, 1200, datetime(2026, 11, 1, 10, 0, tzinfo=TZ))
    token = portal_login(client, runtime, me.phone)
    page = client.get(f"{_money(me)}/points").text
    assert '<strong class="points-balance">1500</strong>' in page
    assert "300 积分，2026年11月30日到期 <strong>（即将到期）</strong>" in page
    assert "1200 积分，2027年11月30日到期</li>" in page
    assert "1GB流量当月包" in page and 'aria-label="用1000积分兑换1GB流量当月包"' in page

    short = client.post(f"{_money(me)}/points/redeem", data={
        "code": "DP-5G-ONCE", "idempotency_key": idempotency_key_of(page), "csrf_token": token})
    assert short.status_code == 409 and "积分不足：需要3000积分，当前可用1500积分。" in short.text
    assert points_of(runtime, me.id) == 1500

    page = client.get(f"{_money(me)}/points").text
    key = idempotency_key_of(page)
    answer = client.post(f"{_money(me)}/points/redeem", data={"code": "DP-1G-ONCE", "idempotency_key": key,
                                                               "csrf_token": token}, follow_redirects=False)
    assert answer.status_code == 303
    done = client.get(answer.headers["location"]).text
    assert "兑换成功，已使用1000积分。" in done and '<strong class="points-balance">500</strong>' in done
    replay = client.post(f"{_money(me)}/points/redeem", data={"code": "DP-1G-ONCE", "idempotency_key": key,
                                                               "csrf_token": token}, follow_redirects=False)
    assert replay.status_code == 303 and points_of(runtime, me.id) == 500  # the same key spends nothing twice
    with runtime.sessions() as session:
        order = session.scalar(select(Order))
        assert order.channel == "online" and order.request["pay_with"] == "points"


def test_every_money_page_renders_in_elder_mode(client, runtime, people):
    me = people["me"]
    portal_login(client, runtime, me.phone)
    client.cookies.set(ELDER_COOKIE, "1")
    for path in ("/money", "/bills", "/bills/2026-11", "/records", "/payments", "/recharge", "/points"):
        answer = client.get(_money(me) + path)
        assert answer.status_code == 200, path
        assert '<body class="elder">' in answer.text and "切换到标准版" in answer.text, path
        assert csrf_of(answer.text)


# --- in the browser -------------------------------------------------------------------------------------

@pytest.fixture
def shopper(live):
    """A live-site subscriber with money, some usage this month and two cards."""
    runtime = live.runtime
    me = seed.subscriber(runtime, "吴玉兰", date(1952, 4, 4), {"mobile": ["ELDER-CARD"]}, female=True)
    pay(runtime, me.phone, 2000)
    rate(runtime, [(me.phone, "voice", 45 * 60, "13800138000"), (me.phone, "sms", 3, "13800138000"),
                   (me.phone, "data", 1024 ** 3, None)], at=datetime(2026, 11, 22, 9, 0, tzinfo=TZ))
    return me, card_batch(runtime, live.admin)


@pytest.mark.browser
def test_a_subscriber_sees_bars_and_recharges_with_a_card_in_both_modes(page, live, shopper):
    me, ((serial, pin), (serial2, pin2)) = shopper
    portal_sign_in(page, live.runtime, me.phone)
    page.get_by_role("link", name="查话费、账单和充值").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("话费和用量")
    expect(page.locator("progress")).to_have_count(3)
    expect(page.get_by_role("progressbar", name="通话")).to_be_visible()
    expect(page.locator(".allowance", has_text="通话")).to_contain_text("已用 45分钟 / 共 200分钟，剩余 155分钟")
    expect(page.locator(".balance")).to_have_text("20.00 元")
    check_page(page, "money page", elder=False)

    page.get_by_role("link", name="用充值卡充值").click()
    page.get_by_label("充值卡卡号").fill(serial)
    page.get_by_label("充值卡密码").fill(wrong(pin))
    page.get_by_role("button", name="充值", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("充值卡密码错误")
    expect(page.get_by_label("充值卡密码")).to_have_value("")
    expect(page.locator(".balance")).to_have_text("20.00 元")
    page.get_by_label("充值卡密码").fill(pin)
    page.get_by_role("button", name="充值", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("充值成功：50.00元已到账")
    expect(page.locator(".balance")).to_have_text("70.00 元")
    check_page(page, "recharge", elder=False)

    switch_elder(page, True)
    page.get_by_label("充值卡卡号").fill(serial2)
    page.get_by_label("充值卡密码").fill(pin2)
    page.get_by_role("button", name="充值", exact=True).click()
    expect(page.locator(".balance")).to_have_text("120.00 元")
    check_page(page, "recharge (elder)", elder=True)

    page.get_by_role("link", name="话费和用量").click()
    expect(page.locator("progress")).to_have_count(3)
    expect(page.locator(".allowance", has_text="流量")).to_contain_text("已用 1GB / 共 3GB，剩余 2GB")
    check_page(page, "money page (elder)", elder=True)
    for name in ("账单", "详单", "缴费记录", "积分"):
        page.locator(".money-nav").get_by_role("link", name=name, exact=True).click()
        expect(page.locator(".money-nav [aria-current=page]")).to_have_text(name)
        check_page(page, f"{name} (elder)", elder=True)
    page.get_by_role("link", name="详单", exact=True).click()
    expect(page.locator("tbody tr")).to_have_count(3)
    page.get_by_role("link", name="账单", exact=True).click()
    page.get_by_role("link", name=re.compile("查看2026年11月账单")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("2026年11月账单")
    check_page(page, "bill (elder)", elder=True)
