"""The console's hall pages over HTTP, on the test database: the halls list,
the clerk's counter (open, call next with the green channel first, recall,
start, pass over only after three calls, transfer, complete with what was
done and a linked work order, the care-station visit log) with the domain's
refusals shown in Chinese, and the manager's dashboard (the day's KPIs and
charts, staffing, the live suggestion and its open button, attendance);
each for the right role only."""

from __future__ import annotations

import re
from datetime import date, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from kindline.core.auth.models import StaffUser
from kindline.core.auth.service import staff_principal
from kindline.core.db import transaction
from kindline.halls import care, service, tickets
from kindline.halls.models import CareVisit, ClassSignup, Ticket
from kindline.web.render import ELDER_COOKIE
from kindline.workorders import service as workorders
from tests.factories import mobile
from tests.halls.conftest import make_hall
from tests.web import seed
from tests.web.session_helpers import csrf_of, landed, notice_of, staff_login


@pytest.fixture
def hall(runtime) -> int:
    """新街口营业厅 with only counter 3 (general) open: a green ticket waits for it."""
    return make_hall(runtime, open_counters=(3,))


@pytest.fixture
def people(runtime):
    return {"clerk": seed.staff_user(runtime, "clerk", "hall_clerk", display_name="赵营业"),
            "boss": seed.staff_user(runtime, "boss", "supervisor", display_name="钱主管"),
            "agent": seed.staff_user(runtime, "agent", "agent")}


def _take(runtime, hall_id: int, category: str = "business", **who) -> str:
    with transaction(runtime.sessions) as session:
        ticket, _ = tickets.take(session, runtime.clock, None, service.get(session, hall_id), category=category, **who)
        return ticket.number


def _ticket(runtime, number: str) -> Ticket:
    with runtime.sessions() as session:
        return session.scalar(select(Ticket).where(Ticket.number == number))


def _counter(hall_id: int, number: int = 3) -> str:
    return f"/console/halls/{hall_id}/counters/{number}"


def _act(client, hall_id: int, action: str, data: dict | None = None, number: int = 3):
    token = csrf_of(client.get(_counter(hall_id, number)).text)
    return client.post(f"{_counter(hall_id, number)}/{action}", data={"csrf_token": token, **(data or {})},
                       follow_redirects=False)


def _line(html: str) -> list[str]:
    section = html.split('id="s-line"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'<th scope="row">([A-F]\d{3})</th>', section)


def test_the_clerk_calls_the_green_channel_first_and_completes_with_a_work_order(runtime, client, hall, people):
    customer = seed.subscriber(runtime, "钱桂芳", date(1950, 4, 1), {}, female=True)
    ordinary = _take(runtime, hall)
    runtime.clock.advance(60)
    green = _take(runtime, hall, "payment", phone=customer.phone)
    staff_login(client, people["clerk"])

    page = client.get(_counter(hall)).text
    assert "窗口空闲" in page and _line(page) == [green, ordinary]  # the green channel never waits behind
    assert "绿色通道·长者" in page

    page = landed(client, _act(client, hall, "call"))
    assert notice_of(page) == f"已叫号：请{green}号到3号窗口。"
    assert "钱桂芳" in page and customer.phone not in page and customer.phone[-4:] in page  # masked
    assert "1 次" in page and _line(page) == [ordinary]

    assert notice_of(landed(client, _act(client, hall, "recall"))) == f"已重呼{green}号（第2次）。"
    refused = _act(client, hall, "no_show")
    assert refused.status_code == 409 and "叫满3次仍未到才能过号" in refused.text

    page = landed(client, _act(client, hall, "start"))
    assert notice_of(page) == f"{green}号开始办理。" and "目标 8分钟以内" in page
    runtime.clock.advance(9 * 60)
    assert "已超过目标" in client.get(_counter(hall)).text

    with transaction(runtime.sessions) as session:
        boss = staff_principal(session.scalar(select(StaffUser).where(StaffUser.username == people["boss"])))
        order, _ = workorders.create(session, runtime.clock, boss, type="complaint", description="话费有疑问",
                                     channel="hall", customer_id=customer.id)
        work_order_id = order.id
    page = landed(client, _act(client, hall, "complete", {"outcome": "已解释话费构成并登记投诉",
                                                        "work_order_ids": str(work_order_id), "order_ids": ""}))
    assert notice_of(page) == f"{green}号已办结，办理用时9分00秒。"
    served = _ticket(runtime, green)
    assert (served.status, served.outcome, served.work_order_ids) == ("done", "已解释话费构成并登记投诉", [work_order_id])
    assert "窗口空闲" in page


def test_refusals_at_the_counter_are_shown_in_chinese_with_what_was_typed(runtime, client, hall, people):
    staff_login(client, people["clerk"])
    nothing = _act(client, hall, "call")
    assert nothing.status_code == 404 and "当前没有本窗口可叫的号码" in nothing.text

    number = _take(runtime, hall)
    landed(client, _act(client, hall, "call"))
    empty = _act(client, hall, "complete", {"outcome": "  "})
    assert empty.status_code == 422 and "请填写办理结果" in empty.text
    typo = _act(client, hall, "complete", {"outcome": "办理携号转网咨询", "order_ids": "12a"})
    assert typo.status_code == 422 and "订单编号应为数字" in typo.text and "办理携号转网咨询" in typo.text
    unknown = _act(client, hall, "complete", {"outcome": "办理携号转网咨询", "order_ids": "999999"})
    assert unknown.status_code == 404 and "办理携号转网咨询" in unknown.text
    assert _ticket(runtime, number).status == "called"  # nothing was half done
    busy = _act(client, hall, "close")
    assert busy.status_code == 409 and "请先办结、过号或转办" in busy.text
    assert client.post(f"{_counter(hall)}/launch", data={"csrf_token": csrf_of(busy.text)}).status_code == 404


def test_a_number_is_passed_over_after_three_calls_and_a_transfer_keeps_its_place(runtime, client, hall, people):
    staff_login(client, people["clerk"])
    first = _take(runtime, hall)
    runtime.clock.advance(30)
    second = _take(runtime, hall)
    runtime.clock.advance(30)
    landed(client, _act(client, hall, "call"))
    landed(client, _act(client, hall, "recall"))
    page = landed(client, _act(client, hall, "recall"))
    assert "3 次" in page
    refused = _act(client, hall, "recall")
    assert refused.status_code == 409 and "请按过号处理" in refused.text
    assert notice_of(landed(client, _act(client, hall, "no_show"))) == f"{first}号已过号。"
    assert _ticket(runtime, first).status == "no_show"

    page = landed(client, _act(client, hall, "call"))
    assert second in notice_of(page)
    assert '<option value="business"' not in page  # a transfer goes to another category
    third = _take(runtime, hall)
    page = landed(client, _act(client, hall, "transfer", {"category": "consultation"}))
    assert re.fullmatch(rf"{second}号已转为业务咨询，新号码C\d{{3}}，保留原排队位置。", notice_of(page))
    new = re.search(r"新号码(C\d{3})", notice_of(page)).group(1)
    assert _line(page) == [new, third]  # it keeps the place it had, ahead of the later ticket
    assert _ticket(runtime, second).status == "transferred"


def test_opening_and_closing_a_counter_and_logging_a_care_visit(runtime, client, hall, people):
    staff_login(client, people["clerk"])
    page = client.get(_counter(hall, 4)).text
    assert "未开启" in page and "请先开启窗口再叫号" in page
    refused = _act(client, hall, "call", number=4)
    assert refused.status_code == 409 and "4号窗口未开启" in refused.text
    assert notice_of(landed(client, _act(client, hall, "open", number=4))) == "4号窗口已开启。"
    assert notice_of(landed(client, _act(client, hall, "close", number=4))) == "4号窗口已关闭。"

    page = landed(client, _act(client, hall, "visit", {"care_service": "charging", "group": "outdoor_worker",
                                                      "phone": "", "note": ""}, number=1))
    assert notice_of(page) == "已登记爱心驿站服务：手机充电（户外劳动者）。"
    offered = _act(client, hall, "visit", {"care_service": "convenience", "group": "elderly"}, number=1)
    assert offered.status_code == 422 and "没有便民服务服务" in offered.text
    with runtime.sessions() as session:
        visits = session.scalars(select(CareVisit)).all()
        assert [(v.service, v.group) for v in visits] == [("charging", "outdoor_worker")]


def test_the_hall_pages_need_their_rights_and_csrf(client, hall, people):
    staff_login(client, people["agent"])
    assert client.get("/console/halls").status_code == 403
    assert client.get(_counter(hall)).status_code == 403
    staff_login(client, people["clerk"])
    assert client.get(_counter(hall)).status_code == 200
    assert client.get(f"/console/halls/{hall}/dashboard").status_code == 403
    assert client.post(f"{_counter(hall)}/open").status_code == 403  # no CSRF token
    assert client.get(_counter(hall, 9)).status_code == 404
    assert client.get("/console/halls/999/counters/1").status_code == 404


def test_the_halls_list_filters_by_city_and_links_counters_and_dashboards(runtime, client, hall, people):
    make_hall(runtime, code="SZ-GQ", name="观前街营业厅", city="苏州市", district="姑苏区", lat=31.3105, lon=120.6262)
    staff_login(client, people["clerk"])
    page = client.get("/console/halls").text
    assert "新街口营业厅" in page and "观前街营业厅" in page and "营业中" in page
    assert f'href="{_counter(hall)}"' in page and "/dashboard" not in page  # a clerk has no dashboard
    page = client.get("/console/halls", params={"city": "苏州市"}).text
    assert "观前街营业厅" in page and "新街口营业厅" not in page
    staff_login(client, people["boss"])
    assert f"/console/halls/{hall}/dashboard" in client.get("/console/halls").text


def _dashboard(client, hall_id: int, **params):
    return client.get(f"/console/halls/{hall_id}/dashboard", params=params)


def test_the_dashboard_shows_the_days_kpis_charts_and_staffing(runtime, client, hall, people):
    staff_login(client, people["clerk"])
    first = _take(runtime, hall)
    _take(runtime, hall, "payment", group="elderly")
    _take(runtime, hall)
    landed(client, _act(client, hall, "call"))  # the green ticket
    runtime.clock.advance(5 * 60)
    landed(client, _act(client, hall, "complete", {"outcome": "代缴话费"}))
    runtime.clock.advance(60)
    landed(client, _act(client, hall, "call"))
    assert _ticket(runtime, first).status == "called"
    landed(client, _act(client, hall, "visit", {"care_service": "water", "group": "elderly"}, number=1))

    staff_login(client, people["boss"])
    page = _dashboard(client, hall)
    assert page.status_code == 200
    html = page.text
    assert "2026-11-22：取号 <strong>3</strong> 张（绿色通道 1" in html
    for chart in ("chart-hours", "chart-categories", "chart-waits", "chart-handling", "chart-counters",
                  "chart-staffing"):
        assert f'aria-labelledby="{chart}-title {chart}-desc"' in html, chart
    assert "绿色通道" in html and "5分00秒" in html  # its handling time, within the 8 minutes
    assert "按当天实际取号量测算" in html  # no history of past Sundays yet
    assert "爱心驿站服务 <strong>1</strong> 人次：饮水 1" in html
    assert "排队1人，开放窗口1个" in html and '<option value="4"' in html

    token = csrf_of(html)
    answer = client.post(f"/console/halls/{hall}/dashboard/open", data={"csrf_token": token, "counter": "4",
                                                                         "day": "2026-11-22"}, follow_redirects=False)
    assert answer.status_code == 303
    assert parse_qs(urlsplit(answer.headers["location"]).query) == {"day": ["2026-11-22"], "done": ["open"],
                                                                   "counter": ["4"]}
    assert notice_of(client.get(answer.headers["location"]).text) == "4号窗口已开启。"
    with runtime.sessions() as session:
        assert service.counter(session, hall, 4).is_open

    bad = _dashboard(client, hall, day="22/11/2026")
    assert bad.status_code == 422 and "日期格式不正确" in bad.text
    yesterday = _dashboard(client, hall, day="2026-11-21").text
    assert "当天没有取号" in yesterday and "现场调度" not in yesterday


def test_the_dashboard_lists_the_halls_classes_and_their_attendance(runtime, client, hall, people):
    with transaction(runtime.sessions) as session:
        lesson = care.create_class(session, runtime.clock, None, topic="anti_fraud", title="识破冒充客服诈骗",
                                   starts_at=datetime(2026, 11, 22, 11, 0, tzinfo=runtime.clock.tz), capacity=20,
                                   hall=service.get(session, hall), teacher="周老师")
        class_id = lesson.id
        came, _ = care.sign_up(session, runtime.clock, None, class_id, channel="hall", phone=mobile(), name="孙大爷")
        care.sign_up(session, runtime.clock, None, class_id, channel="sms", phone=mobile(), name="李阿姨")
        came_id = came.id
    staff_login(client, people["boss"])
    html = _dashboard(client, hall).text
    assert "识破冒充客服诈骗（防范电信诈骗）" in html and "报名 <strong>2</strong> / 20 人" in html
    assert "课程开始后可登记到课" in html
    token = csrf_of(html)
    early = client.post(f"/console/halls/classes/{class_id}/attendance",
                        data={"csrf_token": token, "attended": str(came_id)})
    assert early.status_code == 409 and "课程还没开始" in early.text

    runtime.clock.advance(75 * 60)
    answer = client.post(f"/console/halls/classes/{class_id}/attendance",
                         data={"csrf_token": token, "attended": str(came_id), "followup": str(came_id),
                               "day": "2026-11-22"}, follow_redirects=False)
    assert notice_of(landed(client, answer)) == "到课情况已登记。"
    with runtime.sessions() as session:
        rows = session.scalars(select(ClassSignup).order_by(ClassSignup.id)).all()
        assert [(s.name, s.attended, s.followup_group) for s in rows] == [("孙大爷", True, True), ("李阿姨", False, False)]
    assert "到课 1 人（到课率 50%）" in _dashboard(client, hall).text


def test_the_counter_page_in_elder_mode(runtime, client, hall, people):
    _take(runtime, hall, group="pregnant")
    staff_login(client, people["clerk"])
    client.cookies.set(ELDER_COOKIE, "1")
    page = client.get(_counter(hall)).text
    assert '<body class="elder">' in page and "绿色通道·孕妇" in page and "叫号" in page
