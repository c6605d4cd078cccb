"""SLA timers on the virtual clock: the warning at 80%, the breach with its
escalation, a complaint breached into the green channel (by its response or
its resolution limit), due times that move later, the 72-hour close and the
return visit that follows it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from kindline.core import timers
from kindline.core.db import transaction
from kindline.core.settings import get_settings
from kindline.core.sms import SmsMessage
from kindline.core.worker import one_round
from kindline.workorders import deadlines, service, sla
from kindline.workorders.models import Survey, WorkOrder
from tests.workorders.conftest import created, move


def run_timers(runtime) -> None:
    while one_round(runtime.sessions, runtime.clock):
        pass


def actions(runtime, work_order_id) -> list[str]:
    with runtime.sessions() as session:
        return [e.action for e in service.get(session, work_order_id).events]


def notices(runtime, staff_id) -> list[str]:
    with runtime.sessions() as session:
        return [n.kind for n in service.unread_notices(session, staff_id)]


def test_warning_at_80_percent_then_breach_then_green_channel(client, runtime, desk, holder):
    order = created(client, desk.agent.headers, holder)  # complaint: response 2 h, resolution 48 h
    move(client, desk.agent.headers, order["id"], "inProgress")  # responded
    runtime.clock.advance(38 * 3600)
    run_timers(runtime)
    assert actions(runtime, order["id"]).count("sla_warning") == 0
    runtime.clock.advance(0.5 * 3600)  # 38.4 h = 80% of 48 h
    run_timers(runtime)
    assert actions(runtime, order["id"]).count("sla_warning") == 1
    assert "sla_warning" in notices(runtime, desk.agent.id) and "sla_warning" in notices(runtime, desk.supervisor.id)
    runtime.clock.advance(10 * 3600)
    run_timers(runtime)
    after = actions(runtime, order["id"])
    assert after.count("sla_breach") == 1 and after[-1] == "green"
    body = client.get(f"/api/v1/workorders/{order['id']}", headers=desk.agent.headers).json()
    assert body["green"] and body["escalation"] == 1 and body["owner_id"] == desk.agent.id
    assert body["sla"]["policy"] == "green_channel" and body["sla"]["state"] == "within"
    run_timers(runtime)  # nothing fires twice
    assert actions(runtime, order["id"]).count("sla_breach") == 1


def test_a_paused_order_does_not_breach_and_its_timers_move(client, runtime, desk, holder):
    order = created(client, desk.agent.headers, holder, type="repair", description="光猫红灯")  # 24 h
    move(client, desk.agent.headers, order["id"], "pending", "客户不在家")
    runtime.clock.advance(30 * 3600)
    run_timers(runtime)
    assert "sla_breach" not in actions(runtime, order["id"])
    move(client, desk.agent.headers, order["id"], "inProgress")
    runtime.clock.advance(23 * 3600)
    run_timers(runtime)
    assert "sla_breach" not in actions(runtime, order["id"])
    runtime.clock.advance(2 * 3600)
    run_timers(runtime)
    assert actions(runtime, order["id"]).count("sla_breach") == 1
    state = client.get(f"/api/v1/workorders/{order['id']}", headers=desk.agent.headers).json()["sla"]["state"]
    assert state == "breached"


def test_resolved_closes_itself_after_72_hours_and_a_survey_goes_out(client, runtime, desk, holder):
    order = created(client, desk.agent.headers, holder)
    move(client, desk.agent.headers, order["id"], "resolved", "已核实并退费")
    runtime.clock.advance(71 * 3600)
    run_timers(runtime)
    assert client.get(f"/api/v1/workorders/{order['id']}", headers=desk.agent.headers).json()["status"] == "resolved"
    runtime.clock.advance(2 * 3600)
    run_timers(runtime)
    body = client.get(f"/api/v1/workorders/{order['id']}", headers=desk.agent.headers).json()
    assert body["status"] == "closed" and body["sla"]["state"] == "met"
    with runtime.sessions() as session:
        survey = session.scalar(select(Survey).where(Survey.subject_id == order["id"]))
        assert survey.method == "sms" and survey.status == "sent"
        texts = session.scalars(select(SmsMessage.text).where(SmsMessage.recipient == survey.phone)).all()
        assert any("满意度回访" in text for text in texts)


def test_an_order_reopened_and_resolved_again_closes_itself_again(client, runtime, desk, holder):
    """One auto-close per resolution: an objection, then a second resolution,
    then 72 quiet hours close it; the first resolution's timer, due earlier,
    closes nothing. The same after a reopen of the closed order."""
    order = created(client, desk.agent.headers, holder)
    move(client, desk.agent.headers, order["id"], "resolved", "已退还多收费用")
    runtime.clock.advance(24 * 3600)
    move(client, desk.agent.headers, order["id"], "inProgress", "客户来电：仍未到账")
    runtime.clock.advance(24 * 3600)
    move(client, desk.agent.headers, order["id"], "resolved", "已到账")
    runtime.clock.advance(25 * 3600)  # the first resolution's 72 hours are over, the second's are not
    run_timers(runtime)
    status = lambda: client.get(f"/api/v1/workorders/{order['id']}", headers=desk.agent.headers).json()["status"]  # noqa: E731
    assert status() == "resolved"
    runtime.clock.advance(48 * 3600)
    run_timers(runtime)
    assert status() == "closed"
    move(client, desk.agent.headers, order["id"], "inProgress", "客户反映问题复现")  # within 30 days
    move(client, desk.agent.headers, order["id"], "resolved", "已彻底处理")
    runtime.clock.advance(73 * 3600)
    run_timers(runtime)
    assert status() == "closed"


def test_timers_follow_the_order_and_fire_once(client, runtime, desk, holder):
    order = created(client, desk.agent.headers, holder)
    with runtime.sessions() as session:
        work = session.get(WorkOrder, order["id"])
        pending = [timers.pending(session, kind, f"{work.id}@{int(work.sla_started_at.timestamp())}")
                   for kind in ("wo.response_warning", "wo.response_breach", "wo.resolution_warning",
                                "wo.resolution_breach")]
        assert all(pending)
    move(client, desk.agent.headers, order["id"], "inProgress")  # the response is met: its timers go
    runtime.clock.advance(3 * 3600)
    run_timers(runtime)
    assert "sla_breach" not in actions(runtime, order["id"])


def sla_timers(runtime, work_order_id) -> dict[str, timers.Timer]:
    with runtime.sessions() as session:
        order = session.get(WorkOrder, work_order_id)
        return {kind: timers.find(session, kind, deadlines.key_of(order)) for kind in deadlines.KINDS.values()}


def test_a_complaint_whose_response_is_breached_goes_to_the_green_channel(client, runtime, desk, holder):
    order = created(client, desk.agent.headers, holder)  # complaint: response 2 h, nobody responds
    runtime.clock.advance(2 * 3600 - 60)
    run_timers(runtime)
    assert "green" not in actions(runtime, order["id"])
    runtime.clock.advance(120)
    run_timers(runtime)
    with runtime.sessions() as session:
        events = [(e.action, e.data.get("limit")) for e in service.get(session, order["id"]).events]
    assert events[-3:] == [("sla_warning", "response"), ("sla_breach", "response"), ("green", None)]
    body = client.get(f"/api/v1/workorders/{order['id']}", headers=desk.agent.headers).json()
    assert body["green"] and body["escalation"] == 1 and body["sla"]["policy"] == "green_channel"
    runtime.clock.advance(31 * 60)  # the green channel's own 30-minute response limit: escalates, stays green
    run_timers(runtime)
    body = client.get(f"/api/v1/workorders/{order['id']}", headers=desk.agent.headers).json()
    assert body["escalation"] == 2 and actions(runtime, order["id"]).count("green") == 1


def test_a_due_time_moved_later_fires_once_at_the_new_moment(client, runtime, desk, holder, monkeypatch, tmp_path):
    """The operator gives urban repairs 48 h instead of 24 h: the timers set for
    19.2 h and 24 h do not warn or breach then, and fire once at 38.4 h and 48 h."""
    order = created(client, desk.agent.headers, holder, type="repair", description="光猫红灯")
    policy_file = tmp_path / "sla.yaml"
    policy_file.write_text(sla.DEFAULT_FILE.read_text("utf-8").replace(
        "match: {type: [repair]}\n    resolution: 24h", "match: {type: [repair]}\n    resolution: 48h"), "utf-8")
    monkeypatch.setenv("KINDLINE_WORKORDER_SLA_FILE", str(policy_file))
    get_settings.cache_clear()
    try:
        assert service.policies().by_code("repair_urban").resolution_seconds == 48 * 3600
        started = runtime.clock.now()
        runtime.clock.advance(25 * 3600)  # past the old warning and due times
        run_timers(runtime)
        assert [a for a in actions(runtime, order["id"]) if a.startswith("sla_")] == []
        moved = sla_timers(runtime, order["id"])
        assert moved["wo.resolution_warning"].due_at == started + timedelta(hours=38.4)
        assert moved["wo.resolution_breach"].due_at == started + timedelta(hours=48)
        assert all(t.fired_at is None and t.cancelled_at is None for k, t in moved.items() if "resolution" in k)
        runtime.clock.advance(13.5 * 3600)  # 38.5 h
        run_timers(runtime)
        assert [a for a in actions(runtime, order["id"]) if a.startswith("sla_")] == ["sla_warning"]
        runtime.clock.advance(9.4 * 3600)  # 47.9 h
        run_timers(runtime)
        assert "sla_breach" not in actions(runtime, order["id"])
        runtime.clock.advance(0.2 * 3600)
        run_timers(runtime)
        runtime.clock.advance(24 * 3600)
        run_timers(runtime)
        assert [a for a in actions(runtime, order["id"]) if a.startswith("sla_")] == ["sla_warning", "sla_breach"]
        body = client.get(f"/api/v1/workorders/{order['id']}", headers=desk.agent.headers).json()
        assert body["escalation"] == 1 and body["sla"]["state"] == "breached"
        fired = sla_timers(runtime, order["id"])
        assert fired["wo.resolution_breach"].fired_at == started + timedelta(hours=48.1)
    finally:
        get_settings.cache_clear()


def test_a_timer_meeting_a_paused_order_waits_for_it_to_resume(client, runtime, desk, holder):
    """An order paused without its timers moving (as by a writer that set the
    status alone): the breach stands down, and is set again when work resumes."""
    order = created(client, desk.agent.headers, holder, type="repair", description="光猫红灯")  # 24 h
    runtime.clock.advance(3600)
    with transaction(runtime.sessions) as session:
        work = session.get(WorkOrder, order["id"])
        work.status, work.paused_since = "pending", runtime.clock.now()
    runtime.clock.advance(30 * 3600)
    run_timers(runtime)
    assert not [a for a in actions(runtime, order["id"]) if a.startswith("sla_")]
    assert all(t.fired_at is None and t.cancelled_at is not None
               for k, t in sla_timers(runtime, order["id"]).items() if "resolution" in k)
    move(client, desk.agent.headers, order["id"], "inProgress")  # 30 h paused: due at 54 h from the start
    runtime.clock.advance(22.5 * 3600)  # 53.5 h
    run_timers(runtime)
    assert [a for a in actions(runtime, order["id"]) if a.startswith("sla_")] == ["sla_warning"]
    runtime.clock.advance(3600)
    run_timers(runtime)
    assert [a for a in actions(runtime, order["id"]) if a.startswith("sla_")] == ["sla_warning", "sla_breach"]
