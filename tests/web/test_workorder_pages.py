"""The work-order pages over HTTP, on the test database: the console queue
(soonest breach first, SLA state as words, filters), creation from a customer
page, the work-order page's forms and their Chinese refusals, the field day
list, the KPI page, and the portal's requests (only one's own, elder mode,
confirm, object, book a window, the return-visit score)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import func, select

from kindline.core.auth.models import StaffUser
from kindline.core.auth.principal import Principal
from kindline.core.auth.service import staff_principal
from kindline.core.db import transaction
from kindline.halls import service as halls
from kindline.halls import tickets
from kindline.web.render import ELDER_COOKIE
from kindline.workorders import field, service, surveys, teams
from kindline.workorders.models import Appointment, WorkOrder, WorkOrderEvent
from tests.factories import load_demo_catalog
from tests.halls.conftest import make_hall
from tests.web import seed
from tests.web.session_helpers import csrf_of, idempotency_key_of, portal_login, staff_login


@dataclass
class Crew:
    agent: str
    other_agent: str
    supervisor: str
    technician: str
    ids: dict[str, int]


@pytest.fixture
def people(runtime):
    load_demo_catalog(runtime)
    return {
        "me": seed.subscriber(runtime, "李明", date(1990, 6, 1), {"mobile": ["MOB-59"], "broadband": ["BB-100M"]}),
        "other": seed.subscriber(runtime, "赵强", date(1985, 7, 1), {"mobile": ["MOB-39"]}),
        "elder": seed.subscriber(runtime, "钱桂芳", date(1950, 4, 1), {"mobile": ["ELDER-CARD"]}, female=True),
    }


@pytest.fixture
def crew(runtime) -> Crew:
    """Staff by role, and the teams of 南京 the work goes to (teams.ensure)."""
    names = {"agent": seed.staff_user(runtime, "agent", "agent", display_name="张客服"),
             "other_agent": seed.staff_user(runtime, "agent2", "agent", display_name="王客服"),
             "supervisor": seed.staff_user(runtime, "boss", "supervisor", display_name="刘主管"),
             "technician": seed.staff_user(runtime, "tech", "technician", display_name="陈师傅")}
    with transaction(runtime.sessions) as session:
        ids = {role: session.scalar(select(StaffUser.id).where(StaffUser.username == name))
               for role, name in names.items()}
        lead = ids["supervisor"]
        teams.ensure(session, "NJ-FIELD", "南京装维班组", "field", "南京市", lead, (ids["technician"],))
        teams.ensure(session, "NJ-CARE", "南京投诉处理组", "complaint", "南京市", lead, (ids["agent"],))
        teams.ensure(session, "GREEN", "绿色通道专班", "green", None, lead)
    return Crew(**names, ids=ids)


def _staff(session, username: str) -> Principal:
    return staff_principal(session.scalar(select(StaffUser).where(StaffUser.username == username)))


def make_order(runtime, username: str | None, customer, type: str = "complaint", description: str = "宽带经常掉线",
               line_kind: str = "mobile") -> int:
    """A work order made through the service, by a staff member or (None) by the subscriber."""
    with transaction(runtime.sessions) as session:
        principal = _staff(session, username) if username else Principal("subscriber", customer.id, customer.name)
        number = None
        if line_kind in customer.line_ids:
            from kindline.customers import lines

            number = lines.get(session, customer.line_ids[line_kind]).number
        order, _ = service.create(session, runtime.clock, principal, type=type, description=description,
                                  channel="hotline" if username else "portal", customer_id=customer.id, line=number)
        return order.id


def move(runtime, username: str, work_order_id: int, to: str, reason: str = "") -> None:
    with transaction(runtime.sessions) as session:
        service.transition(session, runtime.clock, _staff(session, username), service.get(session, work_order_id),
                           to, reason)


def status_of(runtime, work_order_id: int) -> tuple[str, int]:
    with runtime.sessions() as session:
        events = session.scalar(select(func.count()).select_from(WorkOrderEvent)
                                .where(WorkOrderEvent.work_order_id == work_order_id))
        return service.get(session, work_order_id).status, events


def queue_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'href="/console/workorders/(\d+)">第\d+号', html)]


def queue_row(html: str, work_order_id: int) -> str:
    return re.search(rf'<tr class="row-\w+">\s*<td><a href="/console/workorders/{work_order_id}">.*?</tr>', html,
                     re.S).group(0)


def test_the_queue_shows_open_orders_soonest_breach_first(client, runtime, people, crew):
    me = people["me"]
    # Sunday 10:00. A complaint: answer within 2 h (12:00), resolve within 48 h; a repair: 24 h
    # (Monday 10:00); a consultation: answer in 2 and resolve in 8 working hours, counted from
    # Monday 09:00 (answer by Monday 11:00). The nearer of the open limits comes first.
    complaint = make_order(runtime, crew.agent, me)
    repair = make_order(runtime, crew.agent, me, "repair", "宽带无法上网", "broadband")
    consultation = make_order(runtime, crew.agent, me, "consultation", "咨询套餐")
    done = make_order(runtime, crew.agent, me, "repair", "电视花屏", "broadband")
    move(runtime, crew.agent, done, "resolved", "已修复")
    staff_login(client, crew.agent)

    page = client.get("/console/workorders").text
    assert queue_ids(page) == [complaint, repair, consultation]
    assert "正常" in page and 'class="countdown"' in page and "/static/countdown.js" in page
    row = queue_row(page, complaint)  # the nearer limit is the one counted down and shown as due
    assert re.search(r'class="countdown" role="timer" data-due="\d+" data-label="响应">响应剩余2小时</span>', row)
    assert "响应 <time" in row and "11-22 12:00" in row and "处理剩余2天" in row
    assert "处理 <time" in queue_row(page, repair) and "11-23 10:00" in queue_row(page, repair)
    assert re.search(r'data-server-now="\d+"', page) and re.search(r'class="countdown" role="timer" data-due="\d+"', page)

    runtime.clock.advance(20 * 3600)  # the repair is past 80% of its 24 h; nobody answered the complaint in 2 h
    page = client.get("/console/workorders").text
    assert 'sla sla-warning' in page and "预警" in page and "超时" in page
    warned = client.get("/console/workorders", params={"state": "warning"}).text
    assert queue_ids(warned) == [repair]
    assert queue_ids(client.get("/console/workorders", params={"state": "breached"}).text) == [complaint]
    assert queue_ids(client.get("/console/workorders", params={"state": "within"}).text) == [consultation]
    assert queue_ids(client.get("/console/workorders", params={"type": "complaint"}).text) == [complaint]
    assert queue_ids(client.get("/console/workorders", params={"team": "NJ-FIELD"}).text) == [repair]
    assert queue_ids(client.get("/console/workorders", params={"city": "苏州市"}).text) == []
    assert client.get("/console/workorders", params={"team": "NOPE"}).status_code == 200
    assert queue_ids(page) == [complaint, repair, consultation]  # the breached response first

    move(runtime, crew.agent, complaint, "inProgress")  # answered at last: its resolution (Tuesday) counts now
    page = client.get("/console/workorders").text
    assert queue_ids(page) == [repair, consultation, complaint]
    assert "处理 <time" in queue_row(page, complaint) and "11-24 10:00" in queue_row(page, complaint)


def test_a_transition_with_a_bad_reason_is_refused_in_chinese_and_changes_nothing(client, runtime, people, crew):
    work_order_id = make_order(runtime, crew.agent, people["me"])
    token = staff_login(client, crew.agent)
    page = client.get(f"/console/workorders/{work_order_id}").text
    assert "更新状态" in page and '<option value="pending">待客户配合</option>' in page
    assert '<option value="closed">' not in page  # only the moves the status allows
    before = status_of(runtime, work_order_id)

    answer = client.post(f"/console/workorders/{work_order_id}/transitions",
                         data={"to": "pending", "reason": "  ", "csrf_token": token})
    assert answer.status_code == 422 and "请填写原因。" in answer.text and 'role="alert"' in answer.text
    assert status_of(runtime, work_order_id) == before
    answer = client.post(f"/console/workorders/{work_order_id}/transitions",
                         data={"to": "closed", "reason": "x", "csrf_token": token})
    assert answer.status_code == 409 and "工单已受理，不能改为已关闭。" in answer.text
    assert status_of(runtime, work_order_id) == before

    answer = client.post(f"/console/workorders/{work_order_id}/transitions",
                         data={"to": "pending", "reason": "客户出差，下周再联系", "csrf_token": token},
                         follow_redirects=False)
    assert answer.status_code == 303
    page = client.get(answer.headers["location"]).text
    assert "状态已更新。" in page and "待客户配合" in page and "客户出差，下周再联系" in page
    assert "已暂停计时" in page


def test_an_agent_creates_a_work_order_from_the_customer_page_once(client, runtime, people, crew):
    me = people["me"]
    token = staff_login(client, crew.agent)
    customer_page = client.get(f"/console/customers/{me.id}").text
    link = f"/console/customers/{me.id}/workorders/new?line_id={me.line_ids['broadband']}"
    assert link.replace("&", "&amp;") in customer_page or link in customer_page
    form = client.get(link).text
    assert f'<option value="{me.line_ids["broadband"]}" selected>' in form
    data = {"type": "repair", "line_id": str(me.line_ids["broadband"]), "description": "", "priority": "normal",
            "city": "南京市", "channel": "hotline", "idempotency_key": idempotency_key_of(form), "csrf_token": token}
    refused = client.post(f"/console/customers/{me.id}/workorders", data=data)
    assert refused.status_code == 422 and "请填写问题描述。" in refused.text
    data["description"] = "宽带从昨晚开始无法上网"
    first = client.post(f"/console/customers/{me.id}/workorders", data=data, follow_redirects=False)
    again = client.post(f"/console/customers/{me.id}/workorders", data=data, follow_redirects=False)
    assert first.headers["location"].endswith("done=created") and again.headers["location"].endswith("done=replayed")
    with runtime.sessions() as session:
        orders = session.scalars(select(WorkOrder)).all()
        assert len(orders) == 1 and orders[0].owner_id == crew.ids["agent"] and orders[0].type == "repair"
    page = client.get(first.headers["location"]).text
    assert "工单已创建。" in page and "南京装维班组" in page and "张客服" in page


def test_the_hall_counter_files_a_work_order_for_the_known_visitor_as_hall(client, runtime, people, crew):
    me = people["me"]
    hall_id = make_hall(runtime, open_counters=(3, 4))
    clerk = seed.staff_user(runtime, "clerk", "hall_clerk", display_name="赵营业")
    with transaction(runtime.sessions) as session:
        for phone in (me.phone, None):  # counter 3 calls 李明, counter 4 a visitor nobody knows
            tickets.take(session, runtime.clock, None, halls.get(session, hall_id), category="business", phone=phone)
    token = staff_login(client, clerk)
    link = f"/console/customers/{me.id}/workorders/new?channel=hall"
    for number in (3, 4):
        assert client.post(f"/console/halls/{hall_id}/counters/{number}/call", data={"csrf_token": token},
                           follow_redirects=False).status_code == 303
    assert "/workorders/new" not in client.get(f"/console/halls/{hall_id}/counters/4").text
    counter = client.get(f"/console/halls/{hall_id}/counters/3").text
    assert f'href="{link}">新建工单</a>' in counter

    form = client.get(link).text
    assert '<option value="hall" selected>营业厅</option>' in form
    filed = client.post(f"/console/customers/{me.id}/workorders", follow_redirects=False, data={
        "csrf_token": token, "idempotency_key": idempotency_key_of(form), "type": "complaint", "line_id": "",
        "description": "客户到厅反映话费扣费有疑问", "channel": "hall", "priority": "normal", "city": "南京市"})
    assert filed.status_code == 303, filed.text
    with runtime.sessions() as session:
        order = session.scalars(select(WorkOrder)).one()
        clerk_id = session.scalar(select(StaffUser.id).where(StaffUser.username == clerk))
        assert (order.channel, order.owner_id, order.customer_id) == ("hall", clerk_id, me.id)
    assert client.get(f"/console/customers/{me.id}/workorders/new", params={"channel": "portal"}).text.count(
        '<option value="hotline" selected>') == 1  # not a staff channel: the form's default


def test_dispatch_notes_booking_and_the_supervisors_forms(client, runtime, people, crew):
    work_order_id = make_order(runtime, crew.agent, people["me"], "repair", "宽带无法上网", "broadband")
    token = staff_login(client, crew.agent)
    page = client.get(f"/console/workorders/{work_order_id}").text
    assert "更换首问负责人" not in page and "转入绿色通道" not in page  # supervisors only
    assert client.post(f"/console/workorders/{work_order_id}/owner",
                       data={"owner_id": str(crew.ids["other_agent"]), "reason": "调岗",
                             "csrf_token": token}).status_code == 403
    answer = client.post(f"/console/workorders/{work_order_id}/assign", follow_redirects=False,
                         data={"team": "NJ-FIELD", "assignee_id": str(crew.ids["technician"]), "reason": "",
                               "csrf_token": token})
    assert answer.status_code == 303
    late = client.post(f"/console/workorders/{work_order_id}/appointments",
                       data={"day": "2026-11-22", "start_hour": "8", "csrf_token": token})
    assert late.status_code == 422 and "该时段已过" in late.text
    client.post(f"/console/workorders/{work_order_id}/appointments",
                data={"day": "2026-11-23", "start_hour": "10", "csrf_token": token})
    assert client.post(f"/console/workorders/{work_order_id}/notes", data={"text": "", "csrf_token": token}
                       ).status_code == 422
    client.post(f"/console/workorders/{work_order_id}/notes", data={"text": "客户要求先电话联系", "csrf_token": token})
    page = client.get(f"/console/workorders/{work_order_id}").text
    assert "陈师傅" in page and "11-23 10:00-12:00" in page and "客户要求先电话联系" in page

    client.cookies.clear()
    token = staff_login(client, crew.supervisor)
    page = client.get(f"/console/workorders/{work_order_id}").text
    assert "更换首问负责人" in page and "转入绿色通道" in page
    refused = client.post(f"/console/workorders/{work_order_id}/green", data={"reason": "", "csrf_token": token})
    assert refused.status_code == 422 and "转入绿色通道须填写原因。" in refused.text
    client.post(f"/console/workorders/{work_order_id}/owner",
                data={"owner_id": str(crew.ids["other_agent"]), "reason": "张客服休假", "csrf_token": token})
    client.post(f"/console/workorders/{work_order_id}/green", data={"reason": "客户多次报修未修好", "csrf_token": token})
    with runtime.sessions() as session:
        order = service.get(session, work_order_id)
        assert order.owner_id == crew.ids["other_agent"] and order.green

    client.cookies.clear()
    staff_login(client, crew.agent)  # the old owner was told of each step someone else took
    queue = client.get("/console/workorders").text
    assert "我的提醒" in queue and "更换负责人（张客服休假）" in queue


def test_the_technicians_day_list(client, runtime, people, crew):
    work_order_id = make_order(runtime, crew.agent, people["me"], "installation", "新装宽带", "broadband")
    with transaction(runtime.sessions) as session:
        agent = _staff(session, crew.agent)
        order = service.get(session, work_order_id)
        order.assignee_id = crew.ids["technician"]
        visit = field.book(session, runtime.clock, agent, order, date(2026, 11, 23), 14)
        visit_id = visit.id
    token = staff_login(client, crew.technician)
    assert "上门任务" in client.get("/console").text
    page = client.get("/console/field", params={"day": "2026-11-23"}).text
    assert "14:00-16:00" in page and "南京市玄武区北京东路1号" in page and "我已到达" in page
    assert client.get("/console/field", params={"day": "2026-11-31"}).status_code == 422
    runtime.clock.advance(28 * 3600)  # 2026-11-23 14:00
    client.post(f"/console/field/visits/{visit_id}/arrive", data={"csrf_token": token})
    refused = client.post(f"/console/field/visits/{visit_id}/finish",
                          data={"notes": " ", "equipment": "", "csrf_token": token})
    assert refused.status_code == 422 and "请填写处理情况。" in refused.text
    done = client.post(f"/console/field/visits/{visit_id}/finish", follow_redirects=False,
                       data={"notes": "安装光猫，测速正常", "equipment": "ZTE-F650-0001\nZTE-STB-0002",
                             "csrf_token": token})
    assert done.status_code == 303
    page = client.get(done.headers["location"]).text
    assert "已登记完工" in page and "ZTE-F650-0001、ZTE-STB-0002" in page
    with runtime.sessions() as session:
        assert session.get(Appointment, visit_id).status == "done"
    staff_login(client, crew.agent)
    assert client.get("/console/field").status_code == 403  # agents have no field work


def test_the_kpi_page_shows_figures_targets_and_svg_charts(client, runtime, people, crew):
    quick = make_order(runtime, crew.agent, people["me"], "repair", "电视花屏", "broadband")
    runtime.clock.advance(3600)
    move(runtime, crew.agent, quick, "resolved", "已修复")
    staff_login(client, crew.supervisor)
    page = client.get("/console/workorders/kpi", params={"from": "2026-11-01", "to": "2026-11-30",
                                                         "city": "南京市"}).text
    assert "城区故障24小时内修复" in page and "98%" in page and "100%" in page and "达标" in page
    assert page.count("<svg") == 2 and "各项指标达成率与目标" in page and "各类工单处理时长（小时）" in page
    assert "故障维修" in page and "1 小时" in page
    refused = client.get("/console/workorders/kpi", params={"from": "2026-11-30", "to": "2026-11-01"})
    assert refused.status_code == 422 and "结束日期不能早于开始日期。" in refused.text
    assert client.get("/console/workorders/kpi", params={"from": "11/01"}).status_code == 422


def test_a_subscriber_cannot_see_anothers_request(client, runtime, people, crew):
    theirs = make_order(runtime, crew.agent, people["other"])
    mine = make_order(runtime, None, people["me"], "repair", "手机没有信号")
    token = portal_login(client, runtime, people["me"].phone)
    answer = client.get(f"/portal/workorders/{theirs}")
    assert answer.status_code == 403 and "只能查看本人的工单。" in answer.text
    for action, data in (("confirm", {}), ("object", {"reason": "没修好"}), ("survey", {"score": "5"})):
        assert client.post(f"/portal/workorders/{theirs}/{action}",
                           data={**data, "csrf_token": token}).status_code == 403
    listing = client.get("/portal/workorders").text
    assert f"/portal/workorders/{mine}" in listing and f"/portal/workorders/{theirs}" not in listing
    assert status_of(runtime, theirs)[0] == "acknowledged"


def test_the_subscriber_reports_books_objects_confirms_and_scores(client, runtime, people, crew):
    me = people["me"]
    token = portal_login(client, runtime, me.phone)
    form = client.get("/portal/workorders/new", params={"type": "repair", "line_id": me.line_ids["broadband"]}).text
    data = {"type": "repair", "line_id": str(me.line_ids["broadband"]), "description": "家里宽带上不了网",
            "city": "", "idempotency_key": idempotency_key_of(form), "csrf_token": token}
    created = client.post("/portal/workorders", data=data, follow_redirects=False)
    work_order_id = int(re.search(r"/portal/workorders/(\d+)", created.headers["location"]).group(1))
    page = client.get(created.headers["location"]).text
    assert "已提交，我们会尽快处理。" in page and "我们收到了您的故障维修" in page and "预约上门时间" in page
    booked = client.post(f"/portal/workorders/{work_order_id}/visit",
                         data={"day": "2026-11-24", "start_hour": "9", "csrf_token": token})
    assert booked.status_code == 422 and "请选择08:00至20:00之间的两小时时段。" in booked.text
    client.post(f"/portal/workorders/{work_order_id}/visit",
                data={"day": "2026-11-24", "start_hour": "10", "csrf_token": token})
    assert "已预约上门时间：11-24 10:00-12:00" in client.get(f"/portal/workorders/{work_order_id}").text

    move(runtime, crew.agent, work_order_id, "resolved", "更换光猫后恢复")
    page = client.get(f"/portal/workorders/{work_order_id}").text
    assert "问题解决了吗？" in page and "更换光猫后恢复" in page
    refused = client.post(f"/portal/workorders/{work_order_id}/object", data={"reason": "", "csrf_token": token})
    assert refused.status_code == 422 and "请填写原因。" in refused.text
    assert status_of(runtime, work_order_id)[0] == "resolved"
    client.post(f"/portal/workorders/{work_order_id}/object", data={"reason": "晚上还是断网", "csrf_token": token})
    assert status_of(runtime, work_order_id)[0] == "inProgress"
    assert "您提出问题还没解决：晚上还是断网" in client.get(f"/portal/workorders/{work_order_id}").text

    move(runtime, crew.agent, work_order_id, "resolved", "更换入户光纤")
    confirmed = client.post(f"/portal/workorders/{work_order_id}/confirm", data={"csrf_token": token},
                            follow_redirects=False)
    page = client.get(confirmed.headers["location"]).text
    assert "这件事已经办完了" in page and "请为这次服务打分" in page
    scored = client.post(f"/portal/workorders/{work_order_id}/survey", data={"score": "5", "csrf_token": token},
                         follow_redirects=False)
    assert "感谢您的评价！" in client.get(scored.headers["location"]).text
    with runtime.sessions() as session:
        assert surveys.of_work_order(session, work_order_id).score == 5
    again = client.post(f"/portal/workorders/{work_order_id}/survey", data={"score": "1", "csrf_token": token})
    assert again.status_code == 409 and "您已经评价过了" in again.text


def test_the_request_page_renders_in_elder_mode(client, runtime, people, crew):
    elder = people["elder"]
    work_order_id = make_order(runtime, crew.agent, elder, "complaint", "话费扣多了")
    move(runtime, crew.agent, work_order_id, "resolved", "已退还多扣的话费")
    portal_login(client, runtime, elder.phone)
    client.cookies.set(ELDER_COOKIE, "1")
    page = client.get(f"/portal/workorders/{work_order_id}")
    assert page.status_code == 200 and 'class="elder"' in page.text and "切换到标准版" in page.text
    assert "已处理好，请您确认" in page.text and "已经解决了" in page.text and "还没解决" in page.text
    assert "张客服" not in page.text  # staff names and internal steps are not shown to the customer
    assert 'class="elder"' in client.get("/portal/workorders").text
    assert "您现在所在的城市" not in client.get("/portal/workorders/new?type=complaint").text
    assert csrf_of(page.text)


def test_my_notices_can_be_marked_read(runtime):
    from kindline.core.auth.service import create_staff
    from kindline.core.db import transaction
    from kindline.workorders import service
    from kindline.workorders.models import Notice, WorkOrder

    with transaction(runtime.sessions) as session:
        user = create_staff(session, runtime.clock, "notice-reader", "secret-pass", ["agent"])
        order = WorkOrder(type="repair", status="acknowledged", description="x", channel="hotline", source="hotline",
                          created_by="system", policy_code="repair_urban", sla_started_at=runtime.clock.now(),
                          resolution_due_at=runtime.clock.now(), created_at=runtime.clock.now(),
                          updated_at=runtime.clock.now())
        session.add(order)
        session.flush()
        service.notify(session, runtime.clock, order, [user.id], "assign", "工单1：派单")
        staff_id = user.id
    with transaction(runtime.sessions) as session:
        assert service.mark_notices_read(session, runtime.clock, staff_id) == 1
    with runtime.sessions() as session:
        assert service.unread_notices(session, staff_id) == []
        assert session.query(Notice).count() == 1


def test_return_visit_calls_and_reviews_on_the_console(client, runtime, people, crew):
    """The elderly customer's closed request becomes a call task; a bad score is
    refused in Chinese and changes nothing; a 2 opens a review the supervisor closes."""
    order_id = make_order(runtime, crew.agent, people["elder"])
    move(runtime, crew.agent, order_id, "resolved", "已处理")
    move(runtime, crew.agent, order_id, "closed")
    with runtime.sessions() as session:
        survey = surveys.of_work_order(session, order_id)
        assert survey.method == "call" and survey.status == "call_due"
    token = staff_login(client, crew.agent)
    page = client.get("/console/surveys")
    assert page.status_code == 200 and "钱桂芳" in page.text
    bad = client.post(f"/console/surveys/{survey.id}/call", data={"csrf_token": token, "score": "9"})
    assert bad.status_code == 422 and "评分须为1到5" in bad.text
    done = client.post(f"/console/surveys/{survey.id}/call", data={"csrf_token": token, "score": "2",
                                                                   "comment": "等了太久"}, follow_redirects=False)
    assert done.status_code == 303
    boss = staff_login(client, crew.supervisor)
    assert "低分复核" in client.get("/console/surveys").text
    closed = client.post(f"/console/surveys/{survey.id}/review", data={"csrf_token": boss, "note": "已致歉并回访"},
                         follow_redirects=False)
    assert closed.status_code == 303
    with runtime.sessions() as session:
        again = surveys.get(session, survey.id)
        assert (again.score, again.review_status, again.review_note) == (2, "done", "已致歉并回访")
