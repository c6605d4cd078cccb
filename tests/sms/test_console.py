"""The console's SMS hall pages without a browser: the simulator (forms and a
redirect, no JavaScript), the outbox with masked numbers and the audited
reveal, and who may use them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kindline.core.audit import AuditRecord
from kindline.core.masking import mask_phone
from kindline.web.render import ELDER_COOKIE
from tests.web import seed
from tests.web.session_helpers import staff_login


@pytest.fixture
def supervisor(runtime):
    return seed.staff_user(runtime, "duty", "supervisor", display_name="赵主管")


def _simulate(client, token: str, sender: str, text: str):
    return client.post("/console/sms/simulator", data={"sender": sender, "text": text, "csrf_token": token},
                       follow_redirects=False)


def _audits(runtime, action: str) -> list[AuditRecord]:
    with runtime.sessions() as session:
        return list(session.scalars(select(AuditRecord).where(AuditRecord.action == action)))


def test_simulator_shows_the_conversation(client, runtime, subscriber, supervisor):
    token = staff_login(client, supervisor)
    assert 'href="/console/sms/outbox"' in client.get("/console").text
    page = client.get("/console/sms/simulator")
    assert page.status_code == 200 and "还没有对话" in page.text
    answer = _simulate(client, token, subscriber.phone, "餘額")
    assert answer.status_code == 303 and answer.headers["location"] == "/console/sms/simulator"
    page = client.get("/console/sms/simulator").text
    assert "餘額" in page and "您的账户余额为0.00元" in page
    assert f"与 {mask_phone(subscriber.phone)} 的对话" in page
    assert subscriber.phone not in page.split("<section", 1)[1]  # the conversation heading is masked
    _simulate(client, token, subscriber.phone, "3952")
    _simulate(client, token, subscriber.phone, "Y")
    page = client.get("/console/sms/simulator").text
    assert "回复Y" in page and "办理成功" in page
    (first, *_rest) = _audits(runtime, "sms:simulate")
    assert first.subject_type == "line" and first.subject_id == subscriber.line_id and "餘額" in first.reason


def test_simulator_refuses_a_sender_that_is_not_a_mobile(client, runtime, subscriber, supervisor):
    token = staff_login(client, supervisor)
    answer = _simulate(client, token, "10086", "余额")
    assert answer.status_code == 422 and "发送号码应为11位手机号码" in answer.text
    answer = _simulate(client, token, subscriber.phone, "   ")
    assert answer.status_code == 422 and "请填写短信内容" in answer.text


def test_outbox_masks_numbers_until_an_audited_reveal(client, runtime, subscriber, supervisor):
    token = staff_login(client, supervisor)
    _simulate(client, token, subscriber.phone, "余额")
    page = client.get("/console/sms/outbox")
    assert page.status_code == 200
    assert mask_phone(subscriber.phone) in page.text and subscriber.phone not in page.text
    assert "您的账户余额为0.00元" in page.text and "待发送" in page.text
    filtered = client.get("/console/sms/outbox", params={"to": subscriber.phone}).text
    assert "共 1 条" in filtered
    assert "还没有短信" in client.get("/console/sms/outbox", params={"to": "13900000000"}).text

    refused = client.post("/console/sms/outbox/reveal", data={"reason": "", "csrf_token": token})
    assert refused.status_code == 422 and "须填写原因" in refused.text
    shown = client.post("/console/sms/outbox/reveal", data={"reason": "客户说没收到", "csrf_token": token})
    assert shown.status_code == 200 and subscriber.phone in shown.text and "已记入审计记录" in shown.text
    (record,) = _audits(runtime, "pii:view")
    assert record.subject_type == "sms_outbox" and record.reason == "客户说没收到"


def test_outbox_pages_through_older_messages(client, runtime, subscriber, supervisor):
    token = staff_login(client, supervisor)
    for _ in range(11):
        _simulate(client, token, subscriber.phone, "帮助")  # two parts each: 22 messages
    first = client.get("/console/sms/outbox").text
    assert "第 1 页，共 2 页" in first and "offset=20" in first
    assert "第 2 页，共 2 页" in client.get("/console/sms/outbox", params={"offset": 20}).text


def test_pages_work_in_elder_mode(client, runtime, subscriber, supervisor):
    token = staff_login(client, supervisor)
    _simulate(client, token, subscriber.phone, "余额")
    client.cookies.set(ELDER_COOKIE, "1")
    for path in ("/console/sms/outbox", "/console/sms/simulator"):
        page = client.get(path)
        assert page.status_code == 200 and 'class="elder"' in page.text and "切换到标准版" in page.text


def test_staff_without_sms_view_are_refused(client, runtime, subscriber):
    agent = seed.staff_user(runtime, "agent", "agent")
    token = staff_login(client, agent)
    assert client.get("/console/sms/outbox").status_code == 403
    assert client.get("/console/sms/simulator").status_code == 403
    assert _simulate(client, token, subscriber.phone, "余额").status_code == 403
    assert 'href="/console/sms/outbox"' not in client.get("/console").text
