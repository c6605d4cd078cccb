"""SLA timers on the virtual clock: the warning at 80%, the breach with its
escalation, a complaint breached into the green channel, the 72-hour close and
the return visit that follows it."""

from __future__ import annotations

from sqlalchemy import select

from kindline.core import timers
from kindline.core.sms import SmsMessage
from kindline.core.worker import one_round
from kindline.workorders import service
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
