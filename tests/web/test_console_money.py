"""The console's money pages: balance and standing with the counter reopen,
bills, detailed records and their CSV, the hall payment, the reversal with its
reason, reminders sent, and the recharge-card batches with PINs shown once.
HTTP-level tests on the test database, then chromium on the live server."""

from __future__ import annotations

import base64
import csv
import io
import re
import uuid
from datetime import date, datetime
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from kindline.billing import cards, payments
from kindline.billing import service as billing
from kindline.billing.models import CardBatch, Payment, RechargeCard
from kindline.core import outbox, timers
from kindline.core.audit import AuditRecord
from kindline.core.auth.models import StaffUser
from kindline.core.auth.service import staff_principal
from kindline.core.db import transaction
from kindline.core.masking import mask_phone
from kindline.customers import lines
from kindline.usage import ingest
from kindline.usage import service as usage
from tests.billing.statements import start
from tests.factories import load_demo_catalog
from tests.reminders.helpers import charge, line_status, pay
from tests.web import seed
from tests.web.session_helpers import csrf_of, staff_login

TZ = ZoneInfo("Asia/Shanghai")
PEER = "13900000001"
NO_PERMISSION = "您没有权限进行此操作"
_refs = iter(range(1, 10_000))


@pytest.fixture
def people(runtime):
    load_demo_catalog(runtime)
    return {"young": seed.subscriber(runtime, "李明", date(1990, 6, 1), {"mobile": ["MOB-39"], "tv": ["DTV-BASIC"]})}


@pytest.fixture
def young(people):
    return people["young"]


@pytest.fixture
def crew(runtime):
    """One staff member per role the money pages tell apart."""
    return {role: seed.staff_user(runtime, role, role) for role in
            ("agent", "hall_clerk", "supervisor", "complaint_handler", "technician", "admin")}


def _count(runtime, model, *where) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def _balance(runtime, customer_id: int) -> int:
    with runtime.sessions() as session:
        account = billing.find_account(session, customer_id)
        return account.balance_fen if account else 0


def _switch(client, token: str, username: str) -> str:
    client.post("/console/logout", data={"csrf_token": token})
    return staff_login(client, username)


# --- balance and the reopen -----------------------------------------------------------------------------

def test_the_money_page_is_reached_from_the_customer_page(client, runtime, young, crew):
    pay(runtime, young.phone, 5000)
    mobile_money = f"/console/lines/{young.line_ids['mobile']}/money"
    token = staff_login(client, crew["agent"])
    assert f'href="{mobile_money}"' in client.get(f"/console/customers/{young.id}").text
    page = client.get(mobile_money)
    assert page.status_code == 200
    assert "50.00元" in page.text and ">正常<" in page.text and mask_phone(young.phone) in page.text
    assert young.phone not in page.text
    for shown in ("通话", "100分钟", "短信", "流量", "5GB"):  # MOB-39: 100 minutes, 5 GB, nothing used yet
        assert shown in page.text, shown
    assert "为客户临时开机1小时" not in page.text  # not suspended: nothing to reopen
    tv = client.get(f"/console/lines/{young.line_ids['tv']}/money").text
    assert "50.00元" in tv and "该业务没有通话、短信或流量额度" in tv  # one account for all the holder's lines

    _switch(client, token, crew["technician"])  # no billing:read
    assert "余额与账单" not in client.get(f"/console/customers/{young.id}").text
    refused = client.get(mobile_money)
    assert refused.status_code == 403 and NO_PERMISSION in refused.text


def _suspend_for_arrears(runtime, clock, number: str) -> None:
    pay(runtime, number, 100)
    charge(runtime, number, 300)  # 2 yuan in arrears: warned, suspended 24 hours later
    clock.advance(24 * 3600)
    assert timers.run_until_idle(runtime.sessions, clock) == 1
    assert line_status(runtime, number) == ("suspended", "arrears")


def test_staff_reopen_a_line_for_an_hour_at_the_counter(client, runtime, clock, young, crew):
    line_id = young.line_ids["mobile"]
    _suspend_for_arrears(runtime, clock, young.phone)
    money = f"/console/lines/{line_id}/money"

    token = staff_login(client, crew["complaint_handler"])  # billing:read, not customers:write
    page = client.get(money).text
    assert "欠费停机" in page and "-2.00元" in page and "为客户临时开机1小时" not in page
    refused = client.post(f"/console/lines/{line_id}/reopen", data={"csrf_token": token})
    assert refused.status_code == 403 and NO_PERMISSION in refused.text
    assert line_status(runtime, young.phone) == ("suspended", "arrears")

    token = _switch(client, token, crew["agent"])
    assert "为客户临时开机1小时" in client.get(money).text
    done = client.post(f"/console/lines/{line_id}/reopen", data={"csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"{money}?reopened=1"
    page = client.get(done.headers["location"]).text
    assert "已为您临时开机，11月23日11:00前可正常通话" in page and "临时开机至11月23日11:00" in page
    assert line_status(runtime, young.phone) == ("active", None)
    with runtime.sessions() as session:
        [timer] = session.scalars(select(timers.Timer).where(timers.Timer.kind == "arrears.resuspend"))
        assert (timer.payload["channel"], timer.payload["actor"].startswith("staff:")) == ("hall", True)

    again = client.post(f"/console/lines/{line_id}/reopen", data={"csrf_token": token})
    assert again.status_code == 409 and "该号码不是欠费停机状态，无需申请临时开机。" in again.text
    assert _count(runtime, timers.Timer, timers.Timer.kind == "arrears.resuspend") == 1


# --- bills and detailed records -------------------------------------------------------------------------

def test_bills_per_cycle_and_one_bill(client, runtime, clock, young, crew):
    line_id = young.line_ids["mobile"]
    pay(runtime, young.phone, 10000)
    start(runtime, "2026-11")  # this month's fees, prorated from the 22nd
    staff_login(client, crew["agent"])
    listed = client.get(f"/console/lines/{line_id}/bills").text
    assert f'href="/console/lines/{line_id}/bills/2026-11"' in listed and "本月进行中" in listed
    closing = f"{_balance(runtime, young.id) // 100}.{_balance(runtime, young.id) % 100:02d}元"
    bill = client.get(f"/console/lines/{line_id}/bills/2026-11").text
    assert "截至目前的账单" in bill and "100.00元" in bill and closing in bill
    assert "首月按日折算" in bill and mask_phone(young.phone) in bill

    for cycle, message in (("2026-13", "账期格式应为"), ("2027-01", "该账期尚未开始。")):
        refused = client.get(f"/console/lines/{line_id}/bills/{cycle}")
        assert refused.status_code == 422 and message in refused.text


def _rate_records(runtime, number: str, n: int) -> None:
    rows = [{"record_id": f"web-{number}-{i}", "msisdn": number, "kind": "voice" if i % 2 else "sms",
             "quantity": 60 if i % 2 else 1, "peer": PEER,
             "started_at": datetime(2026, 11, 22, 8, i, tzinfo=TZ).isoformat()} for i in range(n)]
    report = usage.rate(runtime.sessions, runtime.clock, ingest.from_rows(rows))
    assert report.rated == n


def test_detailed_records_page_by_page_and_as_csv(client, runtime, young, crew):
    line_id = young.line_ids["mobile"]
    pay(runtime, young.phone, 5000)
    _rate_records(runtime, young.phone, 25)
    records = f"/console/lines/{line_id}/records"

    token = staff_login(client, crew["agent"])  # billing:read, not records:read
    assert f'href="{records}"' not in client.get(f"/console/lines/{line_id}/money").text
    for path in (records, f"{records}.csv"):
        refused = client.get(path)
        assert refused.status_code == 403 and NO_PERMISSION in refused.text, path

    _switch(client, token, crew["hall_clerk"])
    assert f'href="{records}"' in client.get(f"/console/lines/{line_id}/money").text
    first = client.get(records).text
    assert "2026-11 详单：共 25 条" in first and first.count(mask_phone(PEER)) == 20 and PEER not in first
    assert "第 1 页，共 2 页" in first and "offset=20" in first
    assert "2026-11-22 08:00:00" in first and "2026-11-22 08:20:00" not in first  # oldest first
    second = client.get(records, params={"cycle": "2026-11", "offset": 20}).text
    assert second.count(mask_phone(PEER)) == 5 and "2026-11-22 08:24:00" in second
    sms_only = client.get(records, params={"cycle": "2026-11", "kind": "sms"}).text
    assert "共 13 条" in sms_only and 'href="/console/lines/%d/records.csv?cycle=2026-11&amp;kind=sms"' % line_id \
        in sms_only

    exported = client.get(f"{records}.csv", params={"cycle": "2026-11", "kind": "sms"})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert "records-2026-11.csv" in exported.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert len(rows) == 14 and rows[1][1] == "短信" and rows[1][2] == mask_phone(PEER)
    wrong = client.get(records, params={"kind": "fax"})
    assert wrong.status_code == 422 and "详单类型不正确" in wrong.text


# --- payments and the reversal --------------------------------------------------------------------------

def _reference_of(html: str) -> str:
    found = re.search(r'name="external_reference" type="text" value="([^"]+)"', html)
    assert found, "the payment form has no reference"
    return found.group(1)


def test_a_hall_payment_is_booked_once_and_bad_input_changes_nothing(client, runtime, young, crew):
    line_id = young.line_ids["mobile"]
    listing = f"/console/lines/{line_id}/payments"
    token = staff_login(client, crew["agent"])
    form = client.get(listing).text
    assert "营业厅收费" in form and "还没有缴费记录" in form
    data = {"csrf_token": token, "amount": "50", "channel": "hall_cash", "external_reference": _reference_of(form)}
    paid = client.post(listing, data=data, follow_redirects=False)
    assert paid.status_code == 303 and "?paid=" in paid.headers["location"]
    assert "已收款入账" in client.get(paid.headers["location"]).text
    again = client.post(listing, data=data, follow_redirects=False)
    assert again.status_code == 303 and "?replayed=" in again.headers["location"]
    assert "没有重复收款" in client.get(again.headers["location"]).text
    assert _count(runtime, Payment) == 1 and _balance(runtime, young.id) == 5000

    for changes, message in (({"amount": "abc"}, "金额格式不正确。"), ({"amount": "Infinity"}, "金额格式不正确。"),
                             ({"amount": "0"}, "缴费金额须大于0元且不超过100000元。"),
                             ({"amount": "1.234"}, "金额最多两位小数。"),
                             ({"channel": "bank"}, "请选择现金或刷卡。"),
                             ({"external_reference": " "}, "缺少缴费流水号，或流水号过长。"),
                             ({"amount": "60"}, "该缴费流水号已用于另一笔不同的缴费。")):
        refused = client.post(listing, data={**data, **changes})
        assert refused.status_code in (409, 422) and message in refused.text, changes
        assert 'role="alert"' in refused.text and "营业厅收费" in refused.text  # the form, kept
    assert _count(runtime, Payment) == 1 and _balance(runtime, young.id) == 5000

    pos = client.post(listing, data={**data, "channel": "hall_pos", "amount": "20.5", "external_reference": "POS-7"})
    assert pos.status_code == 200 and "20.50元" in pos.text and "营业厅刷卡" in pos.text  # followed the redirect
    assert _balance(runtime, young.id) == 7050

    with runtime.sessions() as session:
        payment_id = session.scalar(select(func.max(Payment.id)))
    assert "/reversal" not in pos.text  # an agent may not reverse: no link
    for answer in (client.get(f"/console/payments/{payment_id}/reversal"),
                   client.post(f"/console/payments/{payment_id}/reversal", data={"csrf_token": token,
                                                                                   "reason": "客户要求"})):
        assert answer.status_code == 403 and NO_PERMISSION in answer.text
    _switch(client, token, crew["technician"])
    assert client.post(listing, data=data).status_code == 403
    assert _balance(runtime, young.id) == 7050 and _count(runtime, AuditRecord) == 0


def test_a_reversal_needs_a_reason_and_happens_once(client, runtime, young, crew):
    line_id = young.line_ids["mobile"]
    payment_id = pay(runtime, young.phone, 5000)
    token = staff_login(client, crew["supervisor"])
    listing = client.get(f"/console/lines/{line_id}/payments").text
    form_path = f"/console/payments/{payment_id}/reversal"
    assert f'href="{form_path}"' in listing and "已入账" in listing
    assert "冲正原因" in client.get(form_path).text

    for reason in ("", "  ", "错"):
        refused = client.post(form_path, data={"csrf_token": token, "reason": reason})
        assert refused.status_code == 422 and "冲正须填写原因。" in refused.text, reason
        assert 'role="alert"' in refused.text and "确认冲正" in refused.text
    with runtime.sessions() as session:
        assert session.get(Payment, payment_id).status == "posted"
    assert _balance(runtime, young.id) == 5000 and _count(runtime, AuditRecord) == 0

    done = client.post(form_path, data={"csrf_token": token, "reason": "重复缴费"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/console/lines/{line_id}/payments?reversed={payment_id}"
    page = client.get(done.headers["location"]).text
    assert "缴费已冲正" in page and "已冲正" in page and "重复缴费" in page and f'href="{form_path}"' not in page
    assert _balance(runtime, young.id) == 0
    with runtime.sessions() as session:
        record = session.scalars(select(AuditRecord)).one()
    assert (record.action, record.subject_id, record.reason) == ("payment:reversal", payment_id, "重复缴费")

    again = client.post(form_path, data={"csrf_token": token, "reason": "再来一次"})
    assert again.status_code == 409 and "该笔缴费已冲正，不能重复冲正。" in again.text
    assert _balance(runtime, young.id) == 0 and _count(runtime, AuditRecord) == 1


# --- reminders ------------------------------------------------------------------------------------------

def test_reminders_sent_to_the_line_with_their_params_and_timing(client, runtime, clock, young, crew):
    line_id = young.line_ids["mobile"]
    pay(runtime, young.phone, 2000)
    charge(runtime, young.phone, 600)  # 14 yuan: below 15, sent now
    outbox.deliver_due(runtime.sessions, clock)
    clock.set(datetime(2026, 11, 22, 23, 30, tzinfo=TZ))
    charge(runtime, young.phone, 1000)  # 4 yuan: below 5, at night: held for the morning
    staff_login(client, crew["agent"])
    page = client.get(f"/console/lines/{line_id}/notifications").text
    assert "共 2 条" in page and page.count("余额不足") == 2
    assert "您的话费余额已不足5元" in page and "提醒线：5.00元" in page and "当时余额：4.00元" in page
    assert "夜间不发短信，暂缓至 2026-11-23 08:00" in page and "待发送" in page
    assert "提醒线：15.00元" in page and "已发送 2026-11-22 10:00" in page
    assert mask_phone(young.phone) in page and young.phone not in page
    _switch(client, csrf_of(page), crew["technician"])  # customers:read suffices, as in the API
    assert client.get(f"/console/lines/{line_id}/notifications").status_code == 200


# --- recharge cards -------------------------------------------------------------------------------------

def _batch_form(client) -> dict[str, str]:
    form = client.get("/console/cards").text
    return {"csrf_token": csrf_of(form), "form_key": re.search(r'name="form_key" value="([^"]+)"', form).group(1),
            "face_value": "50", "count": "3", "expires_on": "2027-06-30", "note": "合作网店"}


def _csv_of(html: str) -> list[dict]:
    href = re.search(r'href="data:text/csv;charset=utf-8;base64,([^"]+)"', html).group(1)
    return list(csv.DictReader(io.StringIO(base64.b64decode(href).decode())))


def test_card_batches_show_their_pins_once(client, runtime, young, crew):
    token = staff_login(client, crew["agent"])
    assert 'href="/console/cards"' not in client.get("/console").text
    for answer in (client.get("/console/cards"), client.post("/console/cards", data={
            "csrf_token": token, "face_value": "50", "count": "1", "expires_on": "2027-01-01"})):
        assert answer.status_code == 403 and NO_PERMISSION in answer.text
    assert _count(runtime, CardBatch) == 0

    _switch(client, token, crew["admin"])
    assert 'href="/console/cards"' in client.get("/console").text
    data = _batch_form(client)
    for changes, message in (({"count": "0"}, "每批卡数须在1到10000张之间。"), ({"count": "三"}, "请填写卡数（整数）。"),
                             ({"face_value": "Infinity"}, "金额格式不正确。"),
                             ({"expires_on": "2026-11-22"}, "有效期须晚于今天，且不超过5年。"),
                             ({"expires_on": "明年"}, "请填写有效期")):
        refused = client.post("/console/cards", data={**data, **changes})
        assert refused.status_code == 422 and message in refused.text, changes
    assert _count(runtime, CardBatch) == 0

    made = client.post("/console/cards", data=data)
    assert made.status_code == 200 and "卡密仅此一次显示" in made.text
    assert made.headers["cache-control"] == "no-store"
    rows = _csv_of(made.text)
    assert len(rows) == 3 and all(len(r["pin"]) == 16 and r["pin"].isdigit() for r in rows)
    assert {(r["face_value"], r["expires"]) for r in rows} == {("50.00", "2027-06-30")}
    assert all(r["pin"] in unescape(made.text) for r in rows)  # also on the page, to copy

    resent = client.post("/console/cards", data=data)  # a reload, a double click
    assert resent.status_code == 409 and "卡密只显示那一次，不能再次显示" in resent.text
    assert not any(r["pin"] in resent.text for r in rows) and _count(runtime, CardBatch) == 1

    with runtime.sessions() as session:
        batch_id = session.scalar(select(CardBatch.id))
        admin = staff_principal(session.scalar(select(StaffUser).where(StaffUser.username == crew["admin"])))
    with transaction(runtime.sessions) as session:
        cards.redeem(session, runtime.clock, admin, runtime.settings.resolved_secret_key(), serial=rows[0]["serial"],
                     pin=rows[0]["pin"], msisdn=young.phone)
    listed = client.get("/console/cards").text
    assert f'href="/console/cards/{batch_id}"' in listed and "未使用 2张，已使用 1张" in listed
    page = client.get(f"/console/cards/{batch_id}").text
    assert all(r["serial"] in page for r in rows) and not any(r["pin"] in page for r in rows)
    assert "无法再次导出" in page and mask_phone(young.phone) in page
    used = client.get(f"/console/cards/{batch_id}", params={"status": "used"}).text
    assert "共 1 张" in used and rows[0]["serial"] in used and rows[1]["serial"] not in used
    assert _count(runtime, RechargeCard, RechargeCard.status == "used") == 1


# --- in the browser -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def counter(live):
    """A customer with 50 yuan paid at the hall, and a supervisor who may reverse it (on the live server)."""
    runtime = live.runtime
    suffix = uuid.uuid4().hex[:6]
    holder = seed.subscriber(runtime, "钱桂芳", date(1950, 4, 1), {"mobile": ["MOB-39"]}, female=True)
    boss = seed.staff_user(runtime, f"boss-{suffix}", "supervisor", display_name="赵主管")
    with transaction(runtime.sessions) as session:
        payment, _ = payments.receive(session, runtime.clock, lines.get(session, holder.line_ids["mobile"]),
                                      "hall_cash", f"LIVE-{suffix}", 5000, "system")
        payment_id = payment.id
    return holder, boss, payment_id


@pytest.mark.browser
def test_staff_open_the_balance_and_reverse_a_payment_with_a_reason(page, live, counter):
    from playwright.sync_api import expect

    from tests.web.browser import check_page, staff_sign_in

    holder, boss, payment_id = counter
    staff_sign_in(page, boss)
    page.get_by_label("查找客户").fill(holder.phone)
    page.get_by_role("button", name="查询").click()
    page.get_by_role("link", name=holder.name).click()
    page.locator("article.line").get_by_role("link", name="余额与账单").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("余额与用量")
    expect(page.locator(".facts dd").first).to_have_text("50.00元")
    check_page(page, "money page", False)

    page.get_by_role("link", name="缴费记录").click()
    page.get_by_role("link", name=f"冲正第{payment_id}笔缴费（50.00元）").click()
    page.get_by_label("冲正原因").fill(" ")  # passes the browser's "required", not the service
    page.get_by_role("button", name="确认冲正").click()
    expect(page.get_by_role("alert")).to_contain_text("冲正须填写原因。")
    check_page(page, "reversal refused", False)
    with live.runtime.sessions() as session:
        assert session.get(Payment, payment_id).status == "posted"

    page.get_by_label("冲正原因").fill("金额录错")
    page.get_by_role("button", name="确认冲正").click()
    expect(page.get_by_role("status")).to_contain_text(f"第{payment_id}笔缴费已冲正。")
    expect(page.locator("tr", has_text="金额录错")).to_contain_text("已冲正")
    page.get_by_role("link", name="余额与用量").click()
    expect(page.locator(".facts dd").first).to_have_text("0.00元")


@pytest.mark.browser
@pytest.mark.parametrize("mode", ["standard", "elder"])
def test_money_and_card_pages_are_accessible(page, live, counter, mode):
    from playwright.sync_api import expect

    from tests.web.browser import check_page, staff_sign_in, switch_elder

    elder = mode == "elder"
    holder, _boss, _payment_id = counter
    line_id = holder.line_ids["mobile"]
    staff_sign_in(page, live.admin)
    if elder:
        switch_elder(page, True)
    for path, label in ((f"/console/lines/{line_id}/money", "balance"), (f"/console/lines/{line_id}/bills", "bills"),
                        (f"/console/lines/{line_id}/bills/2026-11", "one bill"),
                        (f"/console/lines/{line_id}/records", "records"),
                        (f"/console/lines/{line_id}/payments", "payments"),
                        (f"/console/lines/{line_id}/notifications", "reminders"), ("/console/cards", "card batches")):
        page.goto(path)
        check_page(page, label, elder)

    page.get_by_role("link", name="充值卡").first.click()
    page.get_by_label("卡数（张）").fill("2")
    page.get_by_role("button", name="生成并显示卡密").click()
    expect(page.get_by_role("alert")).to_contain_text("卡密仅此一次显示")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("下载卡密文件")).click()
    rows = list(csv.DictReader(io.StringIO(open(download.value.path(), encoding="utf-8").read())))
    assert len(rows) == 2 and all(len(r["pin"]) == 16 for r in rows)
    check_page(page, "batch created", elder)
    page.get_by_role("link", name="已保存，查看这批卡").click()
    expect(page.locator("table")).to_contain_text(rows[0]["serial"])
    assert rows[0]["pin"] not in page.content()
    check_page(page, "batch", elder)
