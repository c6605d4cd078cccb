"""Reopening a work order on the pages: the portal's "没解决" on a resolved
request and on one closed within 30 days of its resolution (not after), and
the timelines saying who reopened it (the customer or staff)."""

from __future__ import annotations

from datetime import timedelta

from kindline.workorders.types import REOPEN_WINDOW
from tests.web.session_helpers import portal_login, staff_login
from tests.web.test_workorder_pages import crew, make_order, move, people, status_of  # noqa: F401

OBJECT_FORM = "/object\" id=\"s-object\""


def _closed_by_the_customer(client, runtime, crew, token: str, work_order_id: int) -> None:  # noqa: F811
    move(runtime, crew.agent, work_order_id, "resolved", "已更换光猫")
    confirmed = client.post(f"/portal/workorders/{work_order_id}/confirm", data={"csrf_token": token},
                            follow_redirects=False)
    assert confirmed.status_code == 303 and status_of(runtime, work_order_id)[0] == "closed"


def test_the_portal_offers_not_solved_on_a_closed_request_within_30_days(client, runtime, people, crew):  # noqa: F811
    me = people["me"]
    token = portal_login(client, runtime, me.phone)
    within = make_order(runtime, crew.agent, me, "repair", "宽带时断时续", "broadband")
    late = make_order(runtime, crew.agent, me, "repair", "电视没有信号", "broadband")
    for work_order_id in (within, late):
        _closed_by_the_customer(client, runtime, crew, token, work_order_id)

    runtime.clock.advance((REOPEN_WINDOW - timedelta(days=1)).total_seconds())  # day 29 after the resolution
    page = client.get(f"/portal/workorders/{within}").text
    assert "问题又出现了？" in page and OBJECT_FORM in page and "还没解决" in page
    assert "12月22日 10:00之前" in page  # resolved at the test clock's start, 11月22日 10:00, + 30 days
    assert "问题解决了吗？" not in page and f"/{within}/confirm" not in page  # closed: nothing to confirm
    refused = client.post(f"/portal/workorders/{within}/object", data={"reason": " ", "csrf_token": token})
    assert refused.status_code == 422 and "请填写原因。" in refused.text and OBJECT_FORM in refused.text
    assert status_of(runtime, within)[0] == "closed"
    objected = client.post(f"/portal/workorders/{within}/object", data={"reason": "又开始掉线了", "csrf_token": token},
                           follow_redirects=False)
    assert objected.status_code == 303 and status_of(runtime, within)[0] == "inProgress"
    page = client.get(objected.headers["location"]).text
    assert "已收到，我们会重新处理。" in page and "您提出问题还没解决：又开始掉线了，我们已重新处理" in page
    assert OBJECT_FORM not in page  # back at work: nothing to object to

    runtime.clock.advance(2 * 86400)  # day 31: too late, a new request is the way
    page = client.get(f"/portal/workorders/{late}").text
    assert "已结束" in page and OBJECT_FORM not in page and "问题又出现了？" not in page
    before = status_of(runtime, late)
    refused = client.post(f"/portal/workorders/{late}/object", data={"reason": "还是没有信号", "csrf_token": token})
    assert refused.status_code == 409 and "工单解决已超过30天，不能重新处理；如问题仍在，请新建工单。" in refused.text
    assert status_of(runtime, late) == before


def test_the_timelines_say_who_reopened_the_request(client, runtime, people, crew):  # noqa: F811
    me = people["me"]
    token = portal_login(client, runtime, me.phone)
    work_order_id = make_order(runtime, crew.agent, me, "complaint", "话费扣多了")
    move(runtime, crew.agent, work_order_id, "resolved", "已退还")
    client.post(f"/portal/workorders/{work_order_id}/object", data={"reason": "还是没退", "csrf_token": token})
    move(runtime, crew.agent, work_order_id, "resolved", "已退还多扣的话费")
    client.post(f"/portal/workorders/{work_order_id}/confirm", data={"csrf_token": token})
    runtime.clock.advance(3 * 86400)
    move(runtime, crew.other_agent, work_order_id, "inProgress", "回访发现仍多扣")

    plain = client.get(f"/portal/workorders/{work_order_id}").text
    assert "您提出问题还没解决：还是没退，我们已重新处理" in plain
    assert "我们重新处理您的投诉：回访发现仍多扣" in plain and "您提出问题还没解决：回访发现仍多扣" not in plain

    staff_login(client, crew.agent)
    page = client.get(f"/console/workorders/{work_order_id}").text
    assert "<strong>客户不满意，重新处理→处理中（还是没退）</strong> · 客户本人" in page
    assert "<strong>工作人员重新打开→处理中（回访发现仍多扣）</strong> · 王客服" in page


def test_the_console_offers_the_reopen_of_a_closed_order_only_within_30_days(client, runtime, people, crew):  # noqa: F811
    work_order_id = make_order(runtime, crew.agent, people["me"])
    move(runtime, crew.agent, work_order_id, "resolved", "已退还")
    move(runtime, crew.agent, work_order_id, "closed", "客户电话确认")
    staff_login(client, crew.agent)
    reopen = '<option value="inProgress">处理中</option>'
    page = client.get(f"/console/workorders/{work_order_id}").text
    assert 'id="s-move"' in page and reopen in page

    runtime.clock.advance(REOPEN_WINDOW.total_seconds() + 1)
    page = client.get(f"/console/workorders/{work_order_id}").text
    assert "已关闭" in page and 'id="s-move"' not in page and reopen not in page
