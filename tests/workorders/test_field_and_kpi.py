"""Field visits in 2-hour windows (not at home pauses the order and books a
new window) and the KPIs computed from the history."""

from __future__ import annotations

from datetime import datetime

from tests.factories import subscriber_headers
from tests.workorders.conftest import created, move
from tests.workorders.test_escalation import run_timers


def book(client, headers, work_order_id, day="2026-11-23", start_hour=10):
    return client.post(f"/api/v1/workorders/{work_order_id}/appointments", headers=headers,
                       json={"day": day, "start_hour": start_hour})


def test_a_visit_from_booking_to_completion(client, runtime, desk, holder):
    order = created(client, desk.agent.headers, holder, type="repair", description="宽带无法连接")
    client.post(f"/api/v1/workorders/{order['id']}/assign", headers=desk.agent.headers,
                json={"team": "NJ-FIELD", "assignee_id": desk.technician.id})
    me = subscriber_headers(runtime, holder.customer_id)
    assert book(client, me, order["id"], start_hour=9).json()["code"] == "invalid_window"
    assert book(client, me, order["id"], day="2026-11-22", start_hour=8).json()["code"] == "window_passed"
    visit = book(client, me, order["id"]).json()
    assert visit["technician_id"] == desk.technician.id and visit["status"] == "booked"
    day = client.get(f"/api/v1/technicians/{desk.technician.id}/day", headers=desk.technician.headers,
                     params={"day": "2026-11-23"}).json()
    assert [item["work_order_id"] for item in day] == [order["id"]]
    runtime.clock.advance(24 * 3600)
    arrived = client.post(f"/api/v1/appointments/{visit['id']}/arrive", headers=desk.technician.headers)
    assert arrived.json()["status"] == "arrived"
    assert client.post(f"/api/v1/appointments/{visit['id']}/finish", headers=desk.technician.headers,
                       json={"notes": " "}).json()["code"] == "missing_field"
    done = client.post(f"/api/v1/appointments/{visit['id']}/finish", headers=desk.technician.headers,
                       json={"notes": "更换光猫，测速正常", "equipment": ["ZTE-F650-0001"]}).json()
    assert done["status"] == "done" and done["equipment"] == ["ZTE-F650-0001"]
    body = client.get(f"/api/v1/workorders/{order['id']}", headers=desk.agent.headers).json()
    assert body["status"] == "inProgress"  # the owner resolves, not the visit
    assert body["history"][-1]["data"]["step"] == "finished"


def test_not_at_home_pauses_and_books_a_new_window(client, runtime, desk, holder):
    order = created(client, desk.agent.headers, holder, type="installation", description="新装宽带")
    client.post(f"/api/v1/workorders/{order['id']}/assign", headers=desk.agent.headers,
                json={"assignee_id": desk.technician.id})
    visit = book(client, desk.agent.headers, order["id"]).json()
    runtime.clock.advance(24 * 3600)
    again = client.post(f"/api/v1/appointments/{visit['id']}/not-home", headers=desk.technician.headers,
                        json={"day": "2026-11-24", "start_hour": 14})
    assert again.status_code == 200, again.text
    assert datetime.fromisoformat(again.json()["window_start"]) == datetime.fromisoformat("2026-11-24T14:00+08:00")
    body = client.get(f"/api/v1/workorders/{order['id']}", headers=desk.agent.headers).json()
    assert body["status"] == "pending" and body["sla"]["paused"]


def test_kpis_count_from_the_history(client, runtime, desk, holder):
    quick = created(client, desk.agent.headers, holder, type="repair", description="电视花屏")
    slow = created(client, desk.agent.headers, holder, type="repair", description="电话无拨号音")
    complaint = created(client, desk.agent.headers, holder)
    runtime.clock.advance(3600)
    move(client, desk.agent.headers, quick["id"], "resolved", "已修复")
    move(client, desk.agent.headers, complaint["id"], "resolved", "已解释并补偿")
    runtime.clock.advance(30 * 3600)
    run_timers(runtime)
    move(client, desk.agent.headers, slow["id"], "resolved", "更换线路")
    report = client.get("/api/v1/kpi/workorders", headers=desk.supervisor.headers,
                        params={"from": "2026-11-01", "to": "2026-11-30", "city": "南京市"}).json()
    assert report["work_orders"] == 3
    assert report["repaired_within_24h"] == {"met": 1, "counted": 2, "rate": 0.5, "target": 0.98}
    assert report["complaint_response_within_limit"]["rate"] == 1.0
    assert report["breaches"] == 1
    assert report["handling_time"]["repair"] == {"resolved": 2, "median_hours": 16.0, "p90_hours": 31.0}
    assert report["effective_resolution"]["rate"] == 1.0
    other_city = client.get("/api/v1/kpi/workorders", headers=desk.supervisor.headers,
                            params={"city": "无锡市"}).json()
    assert other_city["work_orders"] == 0
    assert client.get("/api/v1/kpi/workorders", headers=desk.supervisor.headers,
                      params={"from": "2026-11-30", "to": "2026-11-01"}).json()["code"] == "invalid_period"
