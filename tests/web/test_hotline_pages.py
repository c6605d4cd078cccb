"""The hotline pages over HTTP: the agent desk (state, the offered contact with
the caller's page, answer, end, disposition, wrap-up), the wallboard and its
server-sent events, and the staffing page (the published check 100 calls in
30 minutes, AHT 180 s, 80/20 -> 14 agents, 20 with 30% shrinkage); each for
the right role only."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from sqlalchemy import select

from kindline.core import timers
from kindline.core.auth.models import StaffUser
from kindline.core.auth.service import staff_principal
from kindline.core.db import transaction
from kindline.hotline import agents, deadlines, service
from kindline.hotline.models import Contact
from kindline.orders import service as orders
from kindline.workorders import service as workorders
from tests.factories import load_demo_catalog
from tests.web import seed
from tests.web.session_helpers import csrf_of, idempotency_key_of, staff_login


@pytest.fixture(autouse=True)
def hotline_timers():
    deadlines.install()


@pytest.fixture
def floor(runtime):
    """An expert agent, a supervisor, a hall clerk (no hotline rights) and an elderly caller."""
    load_demo_catalog(runtime)
    names = {"agent": seed.staff_user(runtime, "desk1", "agent", display_name="张客服"),
             "boss": seed.staff_user(runtime, "boss", "supervisor", display_name="刘主管"),
             "clerk": seed.staff_user(runtime, "clerk", "hall_clerk", display_name="陈柜员")}
    elder = seed.subscriber(runtime, "钱桂芳", date(1950, 4, 1), {"mobile": ["ELDER-CARD"]}, female=True)
    with transaction(runtime.sessions) as session:
        user = session.scalar(select(StaffUser).where(StaffUser.username == "desk1"))
        agents.register(session, runtime.clock, user.id, skills={"general": 5}, expert=True)
        order, _ = workorders.create(session, runtime.clock, staff_principal(user), type="repair",
                                     description="网速很慢", channel="hotline", customer_id=elder.id, line=elder.phone)
    return {**names, "elder": elder, "work_order": order.id}


def _desk(client) -> str:
    page = client.get("/console/hotline/desk")
    assert page.status_code == 200, page.text
    return page.text


def _post(client, path: str, data: dict | None = None):
    token = csrf_of(client.get("/console/hotline/desk").text)
    return client.post(path, data={"csrf_token": token, **(data or {})}, follow_redirects=False)


def test_the_desk_takes_an_elderly_call_from_offer_to_wrap_up(runtime, client, floor):
    staff_login(client, floor["agent"])
    assert "离线" in _desk(client)
    answer = _post(client, "/console/hotline/desk/state", {"state": "available"})
    assert answer.status_code == 303
    assert "空闲" in _desk(client)

    with transaction(runtime.sessions) as session:
        contact, made, _ = service.arrive(session, runtime.clock, floor["elder"].phone, "10000")
        contact_id = contact.id
    assert made.elder_rule
    page = _desk(client)
    assert "振铃" in page and "钱桂芳" in page and "长者" in page
    assert "余额" in page and "元" in page
    assert f"工单 {floor['work_order']}" in page  # the caller's open work order
    assert f"/console/customers/{floor['elder'].id}/workorders/new" not in page  # offered: not yet talking

    assert _post(client, f"/console/hotline/desk/contacts/{contact_id}/answer").status_code == 303
    page = _desk(client)
    assert "结束通话" in page and f"/console/customers/{floor['elder'].id}/workorders/new" in page
    assert _post(client, f"/console/hotline/desk/contacts/{contact_id}/end").status_code == 303
    assert _post(client, f"/console/hotline/desk/contacts/{contact_id}/dispose",
                 {"resolved": "yes", "note": "已指导重启光猫", "work_order_ids": ""}).status_code == 303
    assert _post(client, f"/console/hotline/desk/contacts/{contact_id}/wrapup").status_code == 303
    with runtime.sessions() as session:
        done = session.get(Contact, contact_id)
        assert (done.status, done.resolved, done.note) == ("done", True, "已指导重启光猫")
    assert "正在等待来电分配" in _desk(client)


def _desk_event(client) -> dict:
    with client.stream("GET", "/console/hotline/desk/stream?once=1") as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/event-stream")
        body = "".join(answer.iter_text())
    event = re.search(r"event: desk\ndata: (.+)\n\n", body)
    assert event, body
    return json.loads(event.group(1))


def _version_on(page: str) -> str:
    return re.search(r'data-desk-version="([^"]*)"', page).group(1)


def test_the_desk_stream_tells_the_page_when_an_offer_rings(runtime, client, floor):
    staff_login(client, floor["agent"])
    _post(client, "/console/hotline/desk/state", {"state": "available"})
    waiting = _desk(client)
    assert "/static/desk.js" in waiting and _desk_event(client)["version"] == _version_on(waiting)
    with transaction(runtime.sessions) as session:
        service.arrive(session, runtime.clock, floor["elder"].phone, "10000")
    ringing = _desk(client)
    assert _desk_event(client)["version"] == _version_on(ringing) != _version_on(waiting)
    assert "请在 15 秒内接听" in ringing and "连续 2 次未接" in ringing
    staff_login(client, floor["clerk"])
    assert client.get("/console/hotline/desk/stream?once=1").status_code == 403


def _ring_out(runtime) -> None:
    runtime.clock.advance(16)
    timers.run_until_idle(runtime.sessions, runtime.clock)


def test_missed_offers_are_shown_and_the_second_pauses_the_agent(runtime, client, floor):
    staff_login(client, floor["agent"])
    _post(client, "/console/hotline/desk/state", {"state": "available"})
    with transaction(runtime.sessions) as session:
        service.arrive(session, runtime.clock, floor["elder"].phone, "10000")
    _ring_out(runtime)  # missed once: the caller keeps their place and rings the only agent again
    page = _desk(client)
    assert "您已连续 1 次未接听来电" in page and "再有 1 次未接将自动暂停分配" in page and "振铃" in page
    _ring_out(runtime)
    page = _desk(client)
    assert "未接暂停" in page and "系统已暂停给您分配来电" in page and "钱桂芳" not in page
    _post(client, "/console/hotline/desk/state", {"state": "available"})
    page = _desk(client)  # back: the caller, still waiting, rings at once; the count starts afresh
    assert "钱桂芳" in page and "次未接听来电" not in page


def test_an_order_and_a_work_order_made_during_the_call_are_linked_to_it(runtime, client, floor):
    elder = floor["elder"]
    staff_login(client, floor["agent"])
    _post(client, "/console/hotline/desk/state", {"state": "available"})
    with transaction(runtime.sessions) as session:
        contact_id = service.arrive(session, runtime.clock, elder.phone, "10000")[0].id
    _post(client, f"/console/hotline/desk/contacts/{contact_id}/answer")
    runtime.clock.advance(60)  # talking; the work order filed before the call is not this call's
    page = _desk(client)
    assert f'href="/console/customers/{elder.id}/orders/new?channel=hotline"' in page

    form = client.get(f"/console/customers/{elder.id}/orders/new?type=customer_info_change&channel=hotline")
    assert form.status_code == 200
    assert re.search(r'<option value="hotline" selected>热线</option>', form.text)  # the desk's channel, preset
    made = client.post(f"/console/customers/{elder.id}/orders", follow_redirects=False, data={
        "csrf_token": csrf_of(form.text), "idempotency_key": idempotency_key_of(form.text),
        "type": "customer_info_change", "channel": "hotline", "province": "江苏省", "city": "南京市",
        "district": "鼓楼区", "detail": "中山路8号"})
    assert made.status_code == 303, made.text
    order_id = int(re.search(r"/console/orders/(\d+)", made.headers["location"]).group(1))
    link = _work_order_link(page)
    assert "channel=hotline" in link  # a call is filed as a hotline work order
    form = client.get(link)
    assert form.status_code == 200 and "新建工单" in form.text
    assert '<option value="hotline" selected>热线</option>' in form.text
    filed = client.post(f"/console/customers/{elder.id}/workorders", follow_redirects=False, data={
        "csrf_token": csrf_of(form.text), "idempotency_key": idempotency_key_of(form.text), "type": "complaint",
        "description": "老人来电反映地址变更后账单寄错", "channel": "hotline", "priority": "normal", "city": "南京市"})
    assert filed.status_code == 303, filed.text
    work_order_id = int(re.search(r"/console/workorders/(\d+)", filed.headers["location"]).group(1))

    page = _desk(client)  # back on the desk: both are offered for linking
    assert f"新办的受理单 {order_id} 和工单 {work_order_id} 已填入" in page
    assert f'name="order_ids" type="text" value="{order_id}"' in page
    assert f'name="work_order_ids" type="text" value="{work_order_id}"' in page
    assert _post(client, f"/console/hotline/desk/contacts/{contact_id}/dispose",
                 {"resolved": "yes", "note": "已改地址", "order_ids": str(order_id),
                  "work_order_ids": str(work_order_id)}).status_code == 303
    with runtime.sessions() as session:
        linked = session.get(Contact, contact_id)
        assert (linked.order_ids, linked.work_order_ids) == ([order_id], [work_order_id])
    page = _desk(client)
    assert f'href="/console/orders/{order_id}">受理单 {order_id}' in page and "已填入" not in page

    refused = _post(client, f"/console/hotline/desk/contacts/{contact_id}/dispose",
                    {"resolved": "yes", "order_ids": "999999"})
    assert refused.status_code == 404 and "999999" in refused.text


def _work_order_link(desk_page: str) -> str:
    return re.search(r'href="(/console/customers/\d+/workorders/new[^"]*)"', desk_page).group(1).replace("&amp;", "&")


def _chat_answered(runtime, client, floor):
    """The elder's chat, offered to the signed-in agent and answered: the elder."""
    elder = floor["elder"]
    staff_login(client, floor["agent"])
    _post(client, "/console/hotline/desk/state", {"state": "available"})
    with transaction(runtime.sessions) as session:
        contact_id = service.arrive(session, runtime.clock, elder.phone, "10000", channel="chat")[0].id
    _post(client, f"/console/hotline/desk/contacts/{contact_id}/answer")
    return elder


def test_a_chat_contact_files_its_work_order_as_chat(runtime, client, floor):
    elder = _chat_answered(runtime, client, floor)
    link = _work_order_link(_desk(client))
    assert "channel=chat" in link and "type=complaint" in link
    form = client.get(link).text
    assert '<option value="chat" selected>在线客服</option>' in form and 'value="hotline" selected' not in form
    filed = client.post(f"/console/customers/{elder.id}/workorders", follow_redirects=False, data={
        "csrf_token": csrf_of(form), "idempotency_key": idempotency_key_of(form), "type": "complaint",
        "description": "老人在线反映宽带网速慢", "channel": "chat", "priority": "normal", "city": "南京市"})
    assert filed.status_code == 303, filed.text
    work_order_id = int(re.search(r"/console/workorders/(\d+)", filed.headers["location"]).group(1))
    with runtime.sessions() as session:
        assert workorders.get(session, work_order_id).channel == "chat"


def test_a_chat_contact_files_its_business_order_as_chat(runtime, client, floor):
    elder = _chat_answered(runtime, client, floor)
    link = re.search(r'href="(/console/customers/\d+/orders/new[^"]*)"', _desk(client)).group(1)
    assert link == f"/console/customers/{elder.id}/orders/new?channel=chat"
    form = client.get(f"{link}&type=customer_info_change").text
    assert '<option value="chat" selected>在线客服</option>' in form and 'value="hotline" selected' not in form
    made = client.post(f"/console/customers/{elder.id}/orders", follow_redirects=False, data={
        "csrf_token": csrf_of(form), "idempotency_key": idempotency_key_of(form), "type": "customer_info_change",
        "channel": "chat", "province": "江苏省", "city": "南京市", "district": "鼓楼区", "detail": "中山路8号"})
    assert made.status_code == 303, made.text
    order_id = int(re.search(r"/console/orders/(\d+)", made.headers["location"]).group(1))
    with runtime.sessions() as session:
        assert orders.get(session, order_id).channel == "chat"


def test_a_refused_step_is_shown_on_the_desk_in_chinese(runtime, client, floor):
    staff_login(client, floor["agent"])
    with transaction(runtime.sessions) as session:
        contact, _, _ = service.arrive(session, runtime.clock, floor["elder"].phone, "10000")
        contact_id = contact.id  # waiting: nobody is signed in
    refused = _post(client, f"/console/hotline/desk/contacts/{contact_id}/end")
    assert refused.status_code == 409 and "不能结束通话" in refused.text
    bad_state = _post(client, "/console/hotline/desk/state", {"state": "flying"})
    assert bad_state.status_code == 422 and "只能切换为" in bad_state.text


def test_the_desk_needs_csrf_and_the_agent_right(client, floor):
    staff_login(client, floor["agent"])
    assert client.post("/console/hotline/desk/state", data={"state": "available"}).status_code == 403
    staff_login(client, floor["clerk"])
    assert client.get("/console/hotline/desk").status_code == 403


def test_a_staff_member_who_is_not_an_agent_is_told_so(client, floor):
    staff_login(client, floor["boss"])
    assert "您还不是热线坐席" in _desk(client)


def test_the_wallboard_shows_queues_levels_and_agents_for_supervisors_only(runtime, client, floor):
    with transaction(runtime.sessions) as session:
        service.arrive(session, runtime.clock, floor["elder"].phone, "10000")
    runtime.clock.advance(30)
    staff_login(client, floor["boss"])
    page = client.get("/console/hotline/wallboard")
    assert page.status_code == 200
    assert "长者服务专席" in page.text and "服务水平" in page.text and "/static/wallboard.js" in page.text
    assert re.search(r'data-live="queue-EXPERT-waiting">1<', page.text)
    assert re.search(r'data-live="queue-EXPERT-longest">30秒<', page.text)
    assert re.search(r'data-live="state-offline">1<', page.text)
    staff_login(client, floor["agent"])
    assert client.get("/console/hotline/wallboard").status_code == 403
    assert client.get("/console/hotline/wallboard/stream?once=1").status_code == 403
    assert client.get("/console/hotline/staffing").status_code == 403


def test_the_wallboard_stream_sends_an_event_with_the_figures(runtime, client, floor):
    with transaction(runtime.sessions) as session:
        service.arrive(session, runtime.clock, floor["elder"].phone, "10000")
    staff_login(client, floor["boss"])
    with client.stream("GET", "/console/hotline/wallboard/stream?once=1") as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/event-stream")
        body = "".join(answer.iter_text())
    event = re.search(r"event: board\ndata: (.+)\n\n", body)
    assert event, body
    values = json.loads(event.group(1))
    assert values["queue-EXPERT-waiting"] == "1" and values["waiting"] == "1"
    assert "segment-elderly-level" in values and values["state-offline"] == "1"


def test_the_staffing_page_meets_the_published_check(client, floor):
    staff_login(client, floor["boss"])
    example = client.get("/console/hotline/staffing")
    assert example.status_code == 200 and "<svg" in example.text
    page = client.get("/console/hotline/staffing", params={"calls": "100", "start": "09:00", "aht": "180",
                                                           "level": "80", "seconds": "20", "shrinkage": "30"})
    assert page.status_code == 200
    assert 'data-agents="14"' in page.text and 'data-scheduled="20"' in page.text
    assert "<svg" in page.text and "09:00" in page.text
    several = client.get("/console/hotline/staffing", params={"calls": "100, 0\n200", "aht": "180", "level": "80",
                                                              "seconds": "20", "shrinkage": ""})
    assert several.status_code == 200
    assert re.findall(r'data-agents="(\d+)"', several.text)[:2] == ["14", "0"]


@pytest.mark.parametrize(("params", "message"), [
    ({"calls": "100 abc", "aht": "180", "level": "80", "seconds": "20"}, "第 2 个来电量“abc”不是数字"),
    ({"calls": "", "aht": "180", "level": "80", "seconds": "20"}, "请填写每半小时的来电量"),
    ({"calls": "100", "aht": "", "level": "80", "seconds": "20"}, "请填写平均处理时长"),
    ({"calls": "100", "aht": "180", "level": "100", "seconds": "20"}, "目标服务水平（%）应在 1 到 99 之间"),
    ({"calls": "100", "aht": "180", "level": "80", "seconds": "20", "start": "9点"}, "开始时间应为"),
])
def test_bad_staffing_input_is_answered_in_chinese_with_the_form_kept(client, floor, params, message):
    staff_login(client, floor["boss"])
    page = client.get("/console/hotline/staffing", params=params)
    assert page.status_code == 422
    assert message in page.text
    assert "<svg" not in page.text
    assert f">{params['calls']}</textarea>" in page.text
