"""IVR self-service on the real services: the balance the IVR says is the
portal's, a fault report is one work order per call, a refusal is the
service's own words, and the hotline learns how the call left the IVR."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from kindline.billing import payments
from kindline.billing import service as billing
from kindline.core.db import transaction
from kindline.hotline.models import HotlineEvent
from kindline.voice import answers
from kindline.workorders.models import WorkOrder
from tests.factories import load_demo_catalog, mobile, open_mobile, register, subscriber_headers

KEYS = "/api/v1/voice/contacts/{}/keys"


@pytest.fixture
def holder(runtime):
    """A 40-year-old with a 98-yuan plan and 56.80 yuan paid in."""
    load_demo_catalog(runtime)
    customer_id = register(runtime, birth=date(1986, 3, 9))
    phone = mobile()
    open_mobile(runtime, customer_id, "MOB-98", number=phone)
    with transaction(runtime.sessions) as session:
        payments.receive(session, runtime.clock, billing.line_by_msisdn(session, phone), "hall_cash", "ivr-t1",
                         5680, "test")
    return customer_id, phone


def routed(client, switch, phone) -> int:
    answer = client.post("/api/v1/hotline/route", headers=switch, json={"caller": phone, "called": "10000"})
    assert answer.json()["action"] == "ivr"
    return answer.json()["contact_id"]


def press(client, switch, contact_id, *keys) -> dict:
    answer = client.post(KEYS.format(contact_id), headers=switch, json={"keys": list(keys)})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_balance_the_ivr_says_is_the_portals(client, runtime, staff, holder):
    customer_id, phone = holder
    switch = staff("telephony")
    contact_id = routed(client, switch, phone)
    assert press(client, switch, contact_id)["prompts"][0].startswith("您好，欢迎致电客服热线")
    heard = press(client, switch, contact_id, "1")
    portal = client.get(f"/api/v1/lines/{phone}/balance", headers=subscriber_headers(runtime, customer_id)).json()
    assert portal["balance_yuan"] == "56.80"
    assert heard["prompts"][0] == f"您的账户余额为{portal['balance_yuan']}元。"
    assert heard["actions"] == ["balance"] and heard["outcome"] == "menu" and heard["node"] == "after"
    with runtime.sessions() as session:
        view = billing.balance_of(session, runtime.clock, billing.line_by_msisdn(session, phone))
        assert heard["prompts"][0] == answers.balance_text(view)
    voice = next(a for a in portal["allowances"] if a["kind"] == "voice")
    assert f"通话{voice['remaining'] // 60}分钟" in press(client, switch, contact_id, "*", "2")["prompts"][1]
    assert press(client, switch, contact_id, "*", "3")["prompts"][1].startswith("您2026年10月的账单")


def test_a_fault_report_is_one_work_order_per_call(client, runtime, staff, holder):
    customer_id, phone = holder
    switch = staff("telephony")
    contact_id = routed(client, switch, phone)
    first = press(client, switch, contact_id, "5", "1")["prompts"][1]
    again = press(client, switch, contact_id, "*", "5", "1")["prompts"][2]
    with runtime.sessions() as session:
        orders = list(session.scalars(select(WorkOrder).where(WorkOrder.customer_id == customer_id)))
    assert len(orders) == 1 and orders[0].type == "repair" and orders[0].channel == "hotline"
    assert first == again and f"工单号{orders[0].id}" in first


def test_a_refusal_is_said_in_the_services_own_words(client, staff, holder):
    _, phone = holder
    switch = staff("telephony")
    heard = press(client, switch, routed(client, switch, phone), "4")
    assert heard["prompts"][0] == "该号码不是欠费停机状态，无需申请临时开机。"
    stranger = routed(client, switch, "13700001234")
    assert press(client, switch, stranger, "1")["prompts"][0] == answers.UNREGISTERED


def test_the_hotline_learns_how_the_call_left_the_ivr(client, runtime, staff, holder):
    _, phone = holder
    switch = staff("telephony")
    served = routed(client, switch, phone)
    press(client, switch, served, "1")
    assert client.post(f"/api/v1/hotline/contacts/{served}/hangup", headers=switch).json()["status"] == "self_served"
    human = routed(client, switch, phone)
    heard = press(client, switch, human, "5", "0")
    assert (heard["outcome"], heard["queue"], heard["status"]) == ("queue", "GENERAL", "queued")
    contact = client.get(f"/api/v1/hotline/contacts/{human}", headers=switch).json()
    assert contact["ivr_path"] == ["main:5", "fault:0"] and contact["queue"] == "GENERAL"
    late = client.post(KEYS.format(human), headers=switch, json={"keys": ["1"]})
    assert (late.status_code, late.json()["code"]) == (409, "not_in_ivr")
    with runtime.sessions() as session:
        ends = {e.contact_id: e.data["outcome"] for e in session.scalars(
            select(HotlineEvent).where(HotlineEvent.event == "IVREND"))}
    assert ends == {served: "self_service", human: "queue"}
