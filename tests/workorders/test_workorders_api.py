"""The work-order contract: create, read with its SLA, transitions (409 with
the allowed ones), first-question responsibility and the green channel."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from kindline.workorders.models import WorkOrder
from tests.factories import register, subscriber_headers
from tests.workorders.conftest import create, created, move


def when(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_a_complaint_gets_its_limits_team_and_history(client, runtime, desk, holder):
    body = created(client, desk.agent.headers, holder)
    start = runtime.clock.now()
    assert body["status"] == "acknowledged" and body["owner_id"] == desk.agent.id
    assert body["city"] == body["home_city"] == "南京市" and body["area"] == "urban"
    sla = body["sla"]
    assert sla["policy"] == "complaint" and sla["state"] == "within"
    assert when(sla["response_due_at"]) == start + timedelta(hours=2)
    assert when(sla["resolution_due_at"]) == start + timedelta(hours=48)
    assert [e["action"] for e in body["history"]] == ["created"]
    assert body["allowed"] == sorted(["inProgress", "pending", "held", "resolved", "cancelled", "rejected"])
    assert client.get(f"/api/v1/workorders/{body['id']}", headers=desk.supervisor.headers).json()["team_id"]


def test_the_same_idempotency_key_is_one_work_order(client, runtime, desk, holder):
    headers = {**desk.agent.headers, "Idempotency-Key": "call-778"}
    first = create(client, headers, holder)
    again = create(client, headers, holder)
    assert first.status_code == 201 and again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true" and again.json()["id"] == first.json()["id"]
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(WorkOrder)) == 1


def test_bad_input_is_refused_and_changes_nothing(client, runtime, desk, holder):
    assert create(client, desk.agent.headers, holder, type="gossip").json()["code"] == "invalid_type"
    assert create(client, desk.agent.headers, holder, description="  ").status_code == 422
    assert create(client, desk.agent.headers, holder, line="13900000000").json()["code"] == "line_not_owned"
    assert create(client, desk.agent.headers, holder, priority="asap").status_code == 422
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(WorkOrder)) == 0


def test_an_illegal_transition_answers_409_with_the_allowed_ones(client, desk, holder):
    order = created(client, desk.agent.headers, holder)
    answer = move(client, desk.agent.headers, order["id"], "closed")
    assert answer.status_code == 409
    assert answer.json()["detail"]["allowed"] == order["allowed"]
    assert move(client, desk.agent.headers, order["id"], "rejected").json()["code"] == "reason_required"
    assert client.get(f"/api/v1/workorders/{order['id']}", headers=desk.agent.headers).json()["status"] == \
        "acknowledged"


def test_waiting_for_the_customer_pauses_the_clock(client, runtime, desk, holder):
    order = created(client, desk.agent.headers, holder, type="repair", description="家里宽带无法上网")
    due = when(order["sla"]["resolution_due_at"])
    assert move(client, desk.agent.headers, order["id"], "pending", "客户出差，约下周").status_code == 200
    runtime.clock.advance(5 * 3600)
    paused = client.get(f"/api/v1/workorders/{order['id']}", headers=desk.agent.headers).json()["sla"]
    assert paused["paused"] and paused["paused_seconds"] == 5 * 3600
    assert when(paused["resolution_due_at"]) == due + timedelta(hours=5)
    back = move(client, desk.agent.headers, order["id"], "inProgress").json()["sla"]
    assert not back["paused"] and when(back["resolution_due_at"]) == due + timedelta(hours=5)
    runtime.clock.advance(3600)  # the clock runs again: held (inside the operator) does not pause it
    held = move(client, desk.agent.headers, order["id"], "held", "等待备件").json()["sla"]
    assert held["paused_seconds"] == 5 * 3600 and not held["paused"]


def test_only_the_owner_or_a_supervisor_resolves(client, desk, holder):
    order = created(client, desk.agent.headers, holder)
    refused = move(client, desk.other_agent.headers, order["id"], "resolved", "已为客户更换光猫")
    assert refused.status_code == 403 and refused.json()["code"] == "owner_only"
    assert move(client, desk.agent.headers, order["id"], "inProgress").status_code == 200
    assert move(client, desk.supervisor.headers, order["id"], "resolved", "已更换光猫").json()["status"] == "resolved"


def test_dispatch_never_changes_the_owner_and_the_owner_is_told(client, runtime, desk, holder):
    order = created(client, desk.agent.headers, holder, type="repair", description="电视没有信号")
    answer = client.post(f"/api/v1/workorders/{order['id']}/assign", headers=desk.other_agent.headers,
                         json={"team": "NJ-FIELD", "assignee_id": desk.technician.id, "reason": "需上门"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["owner_id"] == desk.agent.id and answer.json()["assignee_id"] == desk.technician.id
    from kindline.workorders import service

    with runtime.sessions() as session:
        notices = service.unread_notices(session, desk.agent.id)
        assert any("派单" in n.text for n in notices)


def test_changing_the_owner_needs_a_supervisor_and_a_reason(client, desk, holder):
    order = created(client, desk.agent.headers, holder)
    url = f"/api/v1/workorders/{order['id']}/owner"
    assert client.post(url, headers=desk.other_agent.headers,
                       json={"owner_id": desk.other_agent.id, "reason": "我来"}).status_code == 403
    assert client.post(url, headers=desk.supervisor.headers,
                       json={"owner_id": desk.other_agent.id, "reason": " "}).json()["code"] == "reason_required"
    moved = client.post(url, headers=desk.supervisor.headers,
                        json={"owner_id": desk.other_agent.id, "reason": "原负责人休假"})
    assert moved.json()["owner_id"] == desk.other_agent.id
    assert moved.json()["history"][-1]["action"] == "owner"


def test_the_green_channel_sets_shorter_limits_from_now(client, runtime, desk, holder):
    order = created(client, desk.agent.headers, holder)
    runtime.clock.advance(3600)
    url = f"/api/v1/workorders/{order['id']}/green-channel"
    assert client.post(url, headers=desk.agent.headers, json={"reason": "重大投诉"}).status_code == 403
    green = client.post(url, headers=desk.supervisor.headers, json={"reason": "重大投诉"}).json()
    now = runtime.clock.now()
    assert green["green"] and green["sla"]["policy"] == "green_channel"
    assert when(green["sla"]["response_due_at"]) == now + timedelta(minutes=30)
    assert when(green["sla"]["resolution_due_at"]) == now + timedelta(hours=24)


def test_subscribers_file_and_follow_their_own_requests(client, runtime, desk, holder):
    me = subscriber_headers(runtime, holder.customer_id)
    mine = created(client, me, holder, channel="portal", type="repair", description="手机信号差")
    assert mine["owner_id"] is None
    other = subscriber_headers(runtime, register(runtime))
    assert client.get(f"/api/v1/workorders/{mine['id']}", headers=other).status_code == 403
    assert client.get("/api/v1/workorders", headers=me).json()["total"] == 1
    # The first staff member who acts on it owns it (首问负责).
    assert move(client, desk.other_agent.headers, mine["id"], "inProgress").json()["owner_id"] == desk.other_agent.id
    assert move(client, me, mine["id"], "resolved", "好了").status_code == 403


def test_the_customer_confirms_or_objects(client, runtime, desk, holder):
    me = subscriber_headers(runtime, holder.customer_id)
    order = created(client, desk.agent.headers, holder)
    move(client, desk.agent.headers, order["id"], "resolved", "已退还多收费用")
    reopened = move(client, me, order["id"], "inProgress", "还是没退")
    assert reopened.status_code == 200 and reopened.json()["history"][-1]["action"] == "reopen"
    assert reopened.json()["sla"]["resolution"]["met_at"] is None
    move(client, desk.agent.headers, order["id"], "resolved", "已退还")
    assert move(client, me, order["id"], "closed").json()["status"] == "closed"


def test_a_city_sees_cross_city_work_it_handles_and_its_lines_elsewhere(client, desk, holder):
    order = created(client, desk.agent.headers, holder, type="repair", description="在苏州出差手机无信号",
                    city="苏州市")
    assert order["city"] == "苏州市" and order["home_city"] == "南京市"
    for city in ("苏州市", "南京市"):
        listed = client.get("/api/v1/workorders", headers=desk.supervisor.headers, params={"city": city}).json()
        assert [o["id"] for o in listed["items"]] == [order["id"]]
    assert client.get("/api/v1/workorders", headers=desk.supervisor.headers,
                      params={"city": "无锡市"}).json()["total"] == 0


def test_the_owner_is_told_who_reopened_the_work_order(client, runtime, desk, holder):
    from kindline.workorders import service

    me = subscriber_headers(runtime, holder.customer_id)
    order = created(client, desk.agent.headers, holder)
    move(client, desk.agent.headers, order["id"], "resolved", "已退还多收费用")
    assert move(client, me, order["id"], "inProgress", "还是没退").status_code == 200
    move(client, desk.agent.headers, order["id"], "resolved", "已退还")
    assert move(client, me, order["id"], "closed").status_code == 200
    runtime.clock.advance(10 * 86400)
    assert move(client, desk.other_agent.headers, order["id"], "inProgress", "回访发现仍多收").status_code == 200
    with runtime.sessions() as session:
        told = [n.text for n in service.unread_notices(session, desk.agent.id) if n.kind == "reopen"]
    assert told == [f"工单{order['id']}：工作人员重新打开→处理中（回访发现仍多收）",
                    f"工单{order['id']}：客户不满意，重新处理→处理中（还是没退）"]


def test_allowed_offers_the_reopen_of_a_closed_order_only_within_30_days(client, runtime, desk, holder):
    me = subscriber_headers(runtime, holder.customer_id)
    order = created(client, desk.agent.headers, holder)
    move(client, desk.agent.headers, order["id"], "resolved", "已退还多收费用")
    closed = move(client, me, order["id"], "closed").json()
    assert closed["status"] == "closed" and closed["allowed"] == ["inProgress"]
    runtime.clock.advance(30 * 86400)  # the last moment of the window: still open
    url = f"/api/v1/workorders/{order['id']}"
    assert client.get(url, headers=desk.agent.headers).json()["allowed"] == ["inProgress"]
    runtime.clock.advance(1)
    after = client.get(url, headers=desk.agent.headers).json()
    assert after["allowed"] == [] and client.get(url, headers=me).json()["allowed"] == []
    late = move(client, desk.agent.headers, order["id"], "inProgress", "回访发现仍多收")
    assert late.status_code == 409 and late.json()["code"] == "reopen_window_passed"
    assert late.json()["detail"]["allowed"] == after["allowed"]
