"""Return visits (SMS score or call task, review of low scores), the 12315
intake and its replies, and business orders that need a technician."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from kindline.core.auth.principal import Principal
from kindline.core.db import transaction
from kindline.core.sms import SmsMessage
from kindline.core.timers import Timer
from kindline.customers import lines
from kindline.customers import service as customers
from kindline.orders.models import Order
from kindline.sms.hall import handle_incoming
from kindline.workorders import deadlines, intake, service, surveys
from kindline.workorders.models import Survey, WorkOrder
from tests.factories import load_demo_catalog, mobile_number, register, subscriber_headers
from tests.web import seed
from tests.web.session_helpers import staff_login
from tests.workorders.conftest import Holder, created, move
from tests.workorders.test_escalation import run_timers


def close(client, runtime, desk, holder) -> int:
    order = created(client, desk.agent.headers, holder)
    move(client, desk.agent.headers, order["id"], "resolved", "已处理")
    move(client, subscriber_headers(runtime, holder.customer_id), order["id"], "closed")
    return order["id"]


def survey_of(runtime, work_order_id) -> Survey:
    with runtime.sessions() as session:
        return session.scalar(select(Survey).where(Survey.subject == "work_order", Survey.subject_id == work_order_id))


def phone_of(runtime, customer_id) -> str:
    with runtime.sessions() as session:
        return customers.get(session, customer_id).phone


def test_an_sms_score_answers_the_survey_and_a_low_one_opens_a_review(client, runtime, desk, holder):
    work_order_id = close(client, runtime, desk, holder)
    phone = phone_of(runtime, holder.customer_id)
    assert survey_of(runtime, work_order_id).status == "sent"
    with transaction(runtime.sessions) as session:
        # The reply comes from the number that got the survey: make it a line of ours.
        lines.open_line(session, runtime.clock, customers.get(session, holder.customer_id), kind="mobile",
                        number=phone)
        replies = handle_incoming(session, runtime.clock, phone, "２")  # full-width, as phones send it
    assert "主管" in replies[0]
    survey = survey_of(runtime, work_order_id)
    assert survey.score == 2 and survey.status == "answered" and survey.review_status == "open"


def test_no_answer_in_48_hours_becomes_a_call_task(client, runtime, desk, holder):
    work_order_id = close(client, runtime, desk, holder)
    runtime.clock.advance(47 * 3600)
    run_timers(runtime)
    assert survey_of(runtime, work_order_id).status == "sent"
    runtime.clock.advance(2 * 3600)
    run_timers(runtime)
    assert survey_of(runtime, work_order_id).status == "call_due"
    with transaction(runtime.sessions) as session:
        tasks = surveys.call_tasks(session)
        assert [t.subject_id for t in tasks] == [work_order_id]


def test_the_elderly_get_a_call_not_an_sms(client, runtime, desk):
    elder = register(runtime, birth=date(1950, 1, 1))
    load_demo_catalog(runtime)
    holder = Holder(elder, mobile_number(runtime, elder, "MOB-59"))
    work_order_id = close(client, runtime, desk, holder)
    survey = survey_of(runtime, work_order_id)
    assert survey.method == "call" and survey.status == "call_due"
    with runtime.sessions() as session:
        assert not any("满意度" in t for t in session.scalars(select(SmsMessage.text)))


COMPLAINTS = [
    {"external_id": "12315-A1", "complainant": "张三", "phone": "13900001111", "content": "宽带装机拖延一周",
     "received_at": "2026-11-21T09:00:00+08:00"},
    {"external_id": "12315-A2", "complainant": "李四", "phone": "13900002222", "content": "多扣月租",
     "received_at": "2026-11-21T10:00:00+08:00"},
]


def test_12315_import_is_once_per_external_id_and_replies_go_back(client, runtime, desk):
    lines = [json.dumps(c, ensure_ascii=False) for c in COMPLAINTS]
    bad = json.dumps({"external_id": "12315-A3", "phone": "1"})
    with transaction(runtime.sessions) as session:
        first = intake.import_12315(session, runtime.clock, [*lines, bad, "not json"])
    with transaction(runtime.sessions) as session:
        again = intake.import_12315(session, runtime.clock, lines)
    assert (first.created, first.repeated, [e["line"] for e in first.errors]) == (2, 0, [3, 4])
    assert (again.created, again.repeated) == (0, 2)
    with runtime.sessions() as session:
        orders = session.scalars(select(WorkOrder).order_by(WorkOrder.id)).all()
        assert [o.policy_code for o in orders] == ["complaint_12315", "complaint_12315"]
        first_id = orders[0].id
    move(client, desk.supervisor.headers, first_id, "resolved", "已协调装维当日上门安装")
    with runtime.sessions() as session:
        replies = list(intake.replies_due(session))
    assert [(r["external_id"], r["result"], r["reply"]) for r in replies] == [
        ("12315-A1", "已解决", "已协调装维当日上门安装")]


def test_an_installation_order_makes_a_work_order_whose_resolution_completes_it(client, runtime, desk, staff):
    load_demo_catalog(runtime)
    customer_id = register(runtime)
    clerk = staff("hall_clerk")
    answer = client.post("/api/v1/orders", headers={**clerk, "Idempotency-Key": "bb-1"}, json={
        "type": "new_installation", "customer_id": customer_id, "channel": "hall", "line_kind": "broadband",
        "number": "KD02588880001", "service_address": "南京市玄武区北京东路1号", "product_codes": ["BB-100M"],
        "requested_date": "2026-11-24"})
    assert answer.status_code == 201, answer.text
    order_id = answer.json()["id"]
    with runtime.sessions() as session:
        work = session.scalar(select(WorkOrder).where(WorkOrder.order_id == order_id))
        assert work.type == "installation" and work.policy_code == "installation"
        work_id = work.id
    move(client, desk.supervisor.headers, work_id, "resolved", "已上门安装，光猫序列号 ZTE123")
    with runtime.sessions() as session:
        assert session.get(Order, order_id).status == "completed"
        assert session.scalar(select(func.count()).select_from(Survey).where(Survey.subject == "order")) == 1


def test_the_cli_imports_the_platform_file_and_writes_the_replies(runtime, desk, monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from kindline.cli import app
    from kindline.core.settings import get_settings

    monkeypatch.setenv("KINDLINE_DATABASE_URL", runtime.settings.database_url)
    monkeypatch.setenv("KINDLINE_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("KINDLINE_CLOCK", runtime.settings.clock)
    get_settings.cache_clear()
    try:
        source = tmp_path / "forwarded.jsonl"
        source.write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in COMPLAINTS) + "\n{}\n", "utf-8")
        first = CliRunner().invoke(app, ["workorders", "import-12315", str(source)])
        assert first.exit_code == 1 and "新建工单 2 张" in first.output and "第3行" in first.output
        again = CliRunner().invoke(app, ["workorders", "import-12315", str(source)])
        assert "新建工单 0 张，重复跳过 2 条" in again.output
        with transaction(runtime.sessions) as session:
            work = session.scalar(select(WorkOrder).where(WorkOrder.external_id == "12315-A2"))
            boss = Principal("staff", desk.supervisor.id, "boss", frozenset({"workorders:write",
                                                                              "workorders:supervise"}))
            service.transition(session, runtime.clock, boss, work, "rejected", "非本公司业务")
        out = tmp_path / "replies.jsonl"
        assert CliRunner().invoke(app, ["workorders", "replies-12315", "--out", str(out)]).exit_code == 0
        replies = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
        assert [(r["external_id"], r["result"]) for r in replies] == [("12315-A2", "不予受理")]
    finally:
        get_settings.cache_clear()


def test_a_cancelled_installation_order_cancels_its_work_order(client, runtime, desk, staff):
    load_demo_catalog(runtime)
    clerk = staff("hall_clerk")
    answer = client.post("/api/v1/orders", headers={**clerk, "Idempotency-Key": "bb-2"}, json={
        "type": "new_installation", "customer_id": register(runtime), "channel": "hall", "line_kind": "broadband",
        "number": "KD02588880002", "service_address": "南京市玄武区北京东路2号", "product_codes": ["BB-100M"]})
    order_id = answer.json()["id"]
    cancelled = client.post(f"/api/v1/orders/{order_id}/transitions", headers=clerk,
                            json={"to": "cancelled", "reason": "客户搬家，不装了"})
    assert cancelled.status_code == 200, cancelled.text
    with runtime.sessions() as session:
        work = session.scalar(select(WorkOrder).where(WorkOrder.order_id == order_id))
        assert work.status == "cancelled" and work.reason == "客户搬家，不装了"


def test_the_12315_kpis_count_the_platform_s_work_orders_only(client, runtime, desk, holder):
    with transaction(runtime.sessions) as session:
        phone = customers.get(session, holder.customer_id).phone
        intake.import_12315(session, runtime.clock, [json.dumps({**COMPLAINTS[0], "phone": phone}, ensure_ascii=False)])
        platform_id = session.scalar(select(WorkOrder.id).where(WorkOrder.external_id == "12315-A1"))
    ours = created(client, desk.agent.headers, holder)  # a complaint of our own, answered with a 1
    for work_order_id in (platform_id, ours["id"]):
        move(client, desk.supervisor.headers, work_order_id, "resolved", "已处理")
        move(client, subscriber_headers(runtime, holder.customer_id), work_order_id, "closed")
    with transaction(runtime.sessions) as session:
        for work_order_id, score in ((platform_id, 5), (ours["id"], 1)):
            survey = session.scalar(select(Survey).where(Survey.subject_id == work_order_id))
            survey.status, survey.score, survey.answered_at = "answered", score, runtime.clock.now()
    report = client.get("/api/v1/kpi/workorders", headers=desk.supervisor.headers).json()
    assert report["reply_rate_12315"]["rate"] == 1.0
    assert report["satisfaction_12315"] == {"met": 1, "counted": 1, "rate": 1.0, "target": 0.99}
    assert report["satisfaction"]["counted"] == 2 and report["satisfaction"]["rate"] == 0.5
    assert report["effective_resolution_12315"]["counted"] == 1


def test_the_12315_sla_runs_from_the_platform_s_received_time(client, runtime, desk):
    """Received two hours before the import: both limits count from then, the
    work order's history and the reply show the received time, and the SLA
    timers set at import time are cancelled for those at the platform's time."""
    received = runtime.clock.local_now() - timedelta(hours=2)
    naive = (runtime.clock.local_now() - timedelta(hours=3)).replace(tzinfo=None, microsecond=0)
    future = runtime.clock.local_now() + timedelta(minutes=10)
    rows = [json.dumps({**COMPLAINTS[0], "received_at": received.isoformat()}, ensure_ascii=False),
            json.dumps({**COMPLAINTS[1], "received_at": future.isoformat()}, ensure_ascii=False),
            json.dumps({**COMPLAINTS[1], "external_id": "12315-A9", "received_at": naive.isoformat()},
                       ensure_ascii=False)]
    with transaction(runtime.sessions) as session:
        report = intake.import_12315(session, runtime.clock, rows)
    assert report.created == 2 and [e["line"] for e in report.errors] == [2]
    assert "晚于当前时间" in report.errors[0]["error"]
    with runtime.sessions() as session:
        order = session.scalar(select(WorkOrder).where(WorkOrder.external_id == "12315-A1"))
        assert order.sla_started_at == received and order.created_at == runtime.clock.now()
        assert order.response_due_at == received + timedelta(hours=24)
        assert order.resolution_due_at == received + timedelta(days=5)
        timers = session.scalars(select(Timer).where(Timer.kind.in_(list(deadlines.KINDS.values())),
                                                     Timer.payload["work_order_id"].as_integer() == order.id)).all()
        pending = sorted(t.due_at for t in timers if t.cancelled_at is None)
        assert {t.key for t in timers if t.cancelled_at is None} == {deadlines.key_of(order)}
        assert pending == sorted([received + timedelta(hours=24 * 0.8), received + timedelta(hours=24),
                                  received + timedelta(days=5 * 0.8), received + timedelta(days=5)])
        assert all(t.cancelled_at is None for t in timers)  # no clock ever ran from the import
        local = session.scalar(select(WorkOrder).where(WorkOrder.external_id == "12315-A9"))
        assert local.sla_started_at == naive.replace(tzinfo=runtime.clock.tz)  # no offset: local time
        assert session.scalar(select(func.count()).select_from(WorkOrder)
                              .where(WorkOrder.external_id == "12315-A2")) == 0
        order_id = order.id
    answer = client.get(f"/api/v1/workorders/{order_id}", headers=desk.agent.headers).json()
    assert answer["history"][0]["data"]["received_at"] == received.isoformat()
    assert datetime.fromisoformat(answer["sla"]["response_due_at"]) == received + timedelta(hours=24)
    move(client, desk.supervisor.headers, order_id, "resolved", "已退还多扣费用")
    with runtime.sessions() as session:
        (reply,) = intake.replies_due(session)
    assert reply["external_id"] == "12315-A1" and reply["received_at"] == received.isoformat()


def test_a_12315_complaint_forwarded_past_its_response_limit_is_breached_at_once(runtime, desk):
    received = runtime.clock.local_now() - timedelta(hours=25)
    with transaction(runtime.sessions) as session:
        intake.import_12315(session, runtime.clock, [json.dumps(
            {**COMPLAINTS[0], "received_at": received.isoformat()}, ensure_ascii=False)])
    with runtime.sessions() as session:
        order = session.scalar(select(WorkOrder).where(WorkOrder.external_id == "12315-A1"))
        status = service.sla_status(order, runtime.clock.now())
        assert status.response.state == "breached" and status.resolution.state == "within"
    run_timers(runtime)
    with runtime.sessions() as session:
        order = session.scalar(select(WorkOrder).where(WorkOrder.external_id == "12315-A1"))
        assert order.escalation == 1
        assert [e.data.get("limit") for e in order.events if e.action == "sla_breach"] == ["response"]


def test_a_12315_complainant_who_holds_no_line_gets_a_call_and_the_reply_carries_the_score(client, runtime, desk):
    """No customer behind the complainant's phone: at the close (here the 72-hour
    one) a call task to that phone, with no customer and no SMS; the score the
    call records goes back in the platform's reply, the 12315 satisfaction
    counts it, and a 1 opens the supervisor's review as for a customer."""
    with transaction(runtime.sessions) as session:
        intake.import_12315(session, runtime.clock, [json.dumps(c, ensure_ascii=False) for c in COMPLAINTS])
        orders = session.scalars(select(WorkOrder).where(WorkOrder.source == "12315").order_by(WorkOrder.id)).all()
        assert [o.customer_id for o in orders] == [None, None]
        happy, unhappy = (o.id for o in orders)
    for work_order_id in (happy, unhappy):
        move(client, desk.supervisor.headers, work_order_id, "resolved", "已退还多扣费用")
    with runtime.sessions() as session:
        assert [r["satisfaction"] for r in intake.replies_due(session)] == [None, None]
    assert survey_of(runtime, happy) is None  # resolved, not yet closed
    runtime.clock.advance(73 * 3600)
    run_timers(runtime)
    visits = {work_order_id: survey_of(runtime, work_order_id) for work_order_id in (happy, unhappy)}
    assert {(s.customer_id, s.phone, s.method, s.status) for s in visits.values()} == {
        (None, "13900001111", "call", "call_due"), (None, "13900002222", "call", "call_due")}
    with runtime.sessions() as session:
        assert not any("满意度" in text for text in session.scalars(
            select(SmsMessage.text).where(SmsMessage.recipient.in_(["13900001111", "13900002222"]))))
    tasks = client.get("/api/v1/surveys/call-tasks", headers=desk.agent.headers)
    assert tasks.status_code == 200, tasks.text
    assert {(t["subject_id"], t["customer_id"]) for t in tasks.json()} == {(happy, None), (unhappy, None)}
    runtime.clock.advance(3600)
    since = runtime.clock.now()  # an incremental export from here must still carry the scores
    answered = client.post(f"/api/v1/surveys/{visits[happy].id}/call", headers=desk.agent.headers,
                           json={"score": 5, "comment": "处理及时"})
    assert answered.status_code == 200, answered.text
    assert (answered.json()["customer_id"], answered.json()["review_status"]) == (None, None)

    seed.staff_user(runtime, "caller", "agent")
    token = staff_login(client, "caller")
    page = client.get("/console/surveys")
    assert page.status_code == 200 and "李四（12315投诉人，非本网用户）" in page.text and "张三" not in page.text
    done = client.post(f"/console/surveys/{visits[unhappy].id}/call", data={"csrf_token": token, "score": "1"},
                       follow_redirects=False)
    assert done.status_code == 303, done.text
    assert survey_of(runtime, unhappy).review_status == "open" and survey_of(runtime, happy).review_status is None
    seed.staff_user(runtime, "lead", "supervisor")
    staff_login(client, "lead")
    assert "低分复核（1）" in client.get("/console/surveys").text
    with runtime.sessions() as session:
        replies = {r["external_id"]: r["satisfaction"] for r in intake.replies_due(session)}
        recent = {r["external_id"]: r["satisfaction"] for r in intake.replies_due(session, since)}
    assert replies == recent == {"12315-A1": 5, "12315-A2": 1}
    today = runtime.clock.today().isoformat()
    report = client.get("/api/v1/kpi/workorders", headers=desk.supervisor.headers,
                        params={"from": today, "to": today}).json()
    assert report["satisfaction_12315"] == {"met": 1, "counted": 2, "rate": 0.5, "target": 0.99}
