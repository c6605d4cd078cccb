"""Field visits in 2-hour windows (not at home pauses the order and books a
new window) and the KPIs computed from the history: installation and repair
within their hours, complaints within their limits (a breach before the green
channel stays a breach), effective resolution with a reopen after closing, and
cross-city work counted where the customer is."""

from __future__ import annotations

from datetime import datetime, timedelta

from kindline.core.db import transaction
from kindline.customers import service as customers
from kindline.workorders import kpi, service, sla, surveys
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


def kpis(client, desk, city="南京市") -> dict:
    answer = client.get("/api/v1/kpi/workorders", headers=desk.supervisor.headers,
                        params={"from": "2026-11-01", "to": "2026-11-30", "city": city})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_installed_within_24_and_72_hours_less_the_time_waiting_for_the_customer(client, runtime, desk, holder):
    agent = desk.agent.headers
    quick, waited, relocated, stuck = (created(client, agent, holder, type=kind, description="新装宽带")
                                       for kind in ("installation", "installation", "relocation", "installation"))
    runtime.clock.advance(2 * 3600)
    move(client, agent, waited["id"], "pending", "客户出差，约后天上门")
    runtime.clock.advance(8 * 3600)  # 10 h
    move(client, agent, quick["id"], "resolved", "已装通")
    runtime.clock.advance(22 * 3600)  # 32 h: the customer is back after 30 h away
    move(client, agent, waited["id"], "inProgress")
    runtime.clock.advance(18 * 3600)  # 50 h: 20 h of the SLA clock for the waited one
    move(client, agent, waited["id"], "resolved", "已装通")
    move(client, agent, relocated["id"], "resolved", "已移机")
    runtime.clock.advance(40 * 3600)
    created(client, agent, holder, type="installation", description="新装宽带")  # 10 h old at the report: open
    runtime.clock.advance(10 * 3600)  # 100 h: the stuck one is past both limits
    report = kpis(client, desk)
    assert report["work_orders"] == 5
    assert report["installed_within_24h"] == {"met": 2, "counted": 4, "rate": 0.5, "target": 0.9}
    assert report["installed_within_72h"] == {"met": 3, "counted": 4, "rate": 0.75, "target": 0.95}
    assert report["handling_time"]["installation"] == {"resolved": 2, "median_hours": 15.0, "p90_hours": 20.0}
    assert report["handling_time"]["relocation"] == {"resolved": 1, "median_hours": 50.0, "p90_hours": 50.0}
    assert client.get(f"/api/v1/workorders/{stuck['id']}", headers=agent).json()["status"] == "acknowledged"


def test_urban_repairs_count_against_24_hours_and_rural_ones_have_48(client, runtime, desk, holder):
    agent = desk.agent.headers
    start = runtime.clock.now()
    fast = created(client, agent, holder, type="repair", description="光猫红灯")
    slow = created(client, agent, holder, type="repair", description="电话无拨号音")
    rural = created(client, agent, holder, type="repair", description="电视无信号",
                    address="南京市江宁区汤山街道上峰村8号")
    assert (fast["area"], fast["sla"]["policy"]) == ("urban", "repair_urban")
    assert (rural["area"], rural["sla"]["policy"]) == ("rural", "repair_rural")
    assert datetime.fromisoformat(rural["sla"]["resolution_due_at"]) == start + timedelta(hours=48)
    runtime.clock.advance(20 * 3600)
    move(client, agent, fast["id"], "resolved", "更换光猫")
    runtime.clock.advance(10 * 3600)  # 30 h: late in town, in time in the village
    assert move(client, agent, slow["id"], "resolved", "更换线路").json()["sla"]["state"] == "breached"
    assert move(client, agent, rural["id"], "resolved", "更换分配器").json()["sla"]["state"] == "met"
    report = kpis(client, desk)
    assert report["repaired_within_24h"] == {"met": 1, "counted": 2, "rate": 0.5, "target": 0.98}
    assert report["handling_time"]["repair"]["resolved"] == 3


def assert_the_replay_agrees(runtime) -> None:
    """The clock the KPIs replay from the history is the one the order shows."""
    now = runtime.clock.now()
    with runtime.sessions() as session:
        histories = kpi._histories(session, now - timedelta(days=60), now + timedelta(days=1), None, None)
        assert histories
        for history in histories:
            replayed, shown = sla.status(history.run, history.run.policy, now), service.sla_status(history.order, now)
            assert (replayed.policy.code, replayed.paused_seconds) == (shown.policy.code, shown.paused_seconds)
            assert (replayed.response, replayed.resolution) == (shown.response, shown.resolution)


def green_event(runtime, work_order_id) -> dict:
    with runtime.sessions() as session:
        return next(e.data for e in service.get(session, work_order_id).events if e.action == "green")


def test_a_complaint_breached_before_the_green_channel_stays_breached(client, runtime, desk, holder):
    agent, boss = desk.agent.headers, desk.supervisor.headers
    kept, late_answer, timed_out, moved_late = (created(client, agent, holder) for _ in range(4))
    runtime.clock.advance(3600)
    for order in (kept, timed_out, moved_late):
        move(client, agent, order["id"], "inProgress")  # responded within 2 h
    runtime.clock.advance(9 * 3600)  # 10 h: the first answer to late_answer is its resolution
    move(client, agent, kept["id"], "resolved", "已解释并补偿")
    move(client, agent, late_answer["id"], "resolved", "已退费")
    runtime.clock.advance(39 * 3600)  # 49 h: both others are past 48 h, no timer has run yet
    green = client.post(f"/api/v1/workorders/{moved_late['id']}/green-channel", headers=boss,
                        json={"reason": "重大投诉"})
    assert green.status_code == 200, green.text
    assert green_event(runtime, moved_late["id"])["from_resolution"]["state"] == "breached"
    run_timers(runtime)  # timed_out's resolution breach: into the green channel by itself
    assert green_event(runtime, timed_out["id"])["from_policy"] == "complaint"
    runtime.clock.advance(10 * 60)
    for order in (timed_out, moved_late):  # the green team answers within its 30 minutes
        solved = move(client, boss, order["id"], "resolved", "专班上门处理完毕").json()
        assert solved["sla"]["policy"] == "green_channel" and solved["sla"]["state"] == "met"
    created(client, agent, holder)  # new and within both limits: not decided yet
    report = kpis(client, desk)
    assert report["complaint_response_within_limit"] == {"met": 3, "counted": 4, "rate": 0.75, "target": None}
    assert report["complaint_resolution_within_limit"] == {"met": 2, "counted": 4, "rate": 0.5, "target": None}
    assert report["breaches"] == 1
    assert_the_replay_agrees(runtime)


def test_a_reopen_after_closing_counts_against_effective_resolution(client, runtime, desk, holder):
    agent, me = desk.agent.headers, subscriber_headers(runtime, holder.customer_id)
    objected, confirmed, auto_closed, staff_reopened = (
        created(client, agent, holder, type="repair", description="宽带时断时续") for _ in range(4))
    runtime.clock.advance(3600)
    for order in (objected, confirmed, auto_closed, staff_reopened):
        move(client, agent, order["id"], "resolved", "已更换光猫")
    for order in (objected, confirmed, staff_reopened):
        assert move(client, me, order["id"], "closed").json()["status"] == "closed"
    runtime.clock.advance(73 * 3600)
    run_timers(runtime)
    closed = client.get(f"/api/v1/workorders/{auto_closed['id']}", headers=agent).json()
    assert closed["status"] == "closed" and closed["allowed"] == ["inProgress"]
    wrong = move(client, agent, closed["id"], "resolved", "已处理")
    assert wrong.status_code == 409 and wrong.json()["detail"]["allowed"] == ["inProgress"]
    runtime.clock.advance(6 * 86400)  # day 10 after the resolution: the customer says it is back
    again = move(client, me, objected["id"], "inProgress", "又开始掉线了")
    assert again.status_code == 200, again.text
    assert again.json()["history"][-1]["action"] == "reopen" and again.json()["sla"]["resolution"]["met_at"] is None
    move(client, agent, objected["id"], "resolved", "更换入户线")
    assert move(client, me, objected["id"], "closed").json()["status"] == "closed"
    runtime.clock.advance(19 * 86400)  # day 29
    assert move(client, agent, staff_reopened["id"], "inProgress", "回访发现仍有故障").status_code == 200
    runtime.clock.advance(2 * 86400)  # day 31: too late for the others
    for headers in (me, agent):
        late = move(client, headers, confirmed["id"], "inProgress", "还是不行")
        assert late.status_code == 409 and late.json()["code"] == "reopen_window_passed"
        assert late.json()["detail"] == {"from": "closed", "to": "inProgress", "allowed": []}
        assert "30天" in late.json()["message"]
    assert move(client, agent, confirmed["id"], "resolved", "已处理").json()["detail"]["allowed"] == []
    report = kpis(client, desk)
    assert report["effective_resolution"] == {"met": 2, "counted": 4, "rate": 0.5, "target": 0.98}
    assert_the_replay_agrees(runtime)
    assert client.get(f"/api/v1/workorders/{confirmed['id']}", headers=agent).json()["status"] == "closed"


def test_cross_city_work_counts_where_the_customer_is(client, runtime, desk, holder):
    agent = desk.agent.headers
    away = created(client, agent, holder, type="repair", description="在苏州出差家里宽带报修", city="苏州市")
    home = created(client, agent, holder, type="repair", description="家里电视无信号")
    runtime.clock.advance(3600)
    for order in (away, home):
        move(client, agent, order["id"], "resolved", "已修复")
        move(client, subscriber_headers(runtime, holder.customer_id), order["id"], "closed")
    with transaction(runtime.sessions) as session:
        phone = customers.get(session, holder.customer_id).phone
        assert surveys.answer_by_sms(session, runtime.clock, phone, 5)  # the latest: home
        assert surveys.answer_by_sms(session, runtime.clock, phone, 4)  # then away
    suzhou, nanjing = kpis(client, desk, "苏州市"), kpis(client, desk, "南京市")
    assert suzhou["work_orders"] == nanjing["work_orders"] == 1
    assert suzhou["repaired_within_24h"]["counted"] == nanjing["repaired_within_24h"]["counted"] == 1
    assert suzhou["satisfaction"]["counted"] == nanjing["satisfaction"]["counted"] == 1
    assert kpis(client, desk, "无锡市")["work_orders"] == 0
    # The home city still sees it in its list.
    listed = client.get("/api/v1/workorders", headers=desk.supervisor.headers, params={"city": "南京市"}).json()
    assert {o["id"] for o in listed["items"]} == {away["id"], home["id"]}


def test_the_90th_percentile_is_the_nearest_rank():
    for count, p90 in ((1, 1.0), (2, 2.0), (10, 9.0), (11, 10.0), (20, 18.0)):
        figures = kpi._percentiles([hour * 3600.0 for hour in range(1, count + 1)])
        assert figures["p90_hours"] == p90, count
