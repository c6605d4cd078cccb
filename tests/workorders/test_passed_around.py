"""The report of requests passed around (首问负责制, 禁止推诿): a work order
dispatched or handed to another owner again and again is listed with how
many times, most moved first; notes, status moves and the green channel are
not passing it on. A city sees what it handles and, across cities, what
concerns its own lines (跨城市: the home city sees it too). The console page
shows the same list to staff who read work orders, in 长辈版 too."""

from __future__ import annotations

import re

from kindline.core.auth.models import StaffUser
from kindline.web.render import ELDER_COOKIE
from kindline.workorders import ownership
from tests.web.session_helpers import staff_login
from tests.workorders.conftest import created, move

REPORT = "/api/v1/reports/passed-around"
PAGE = "/console/reports/passed-around"


def dispatch(client, headers, work_order_id: int, *teams: str) -> None:
    for team in teams:
        answer = client.post(f"/api/v1/workorders/{work_order_id}/assign", headers=headers,
                             json={"team": team, "reason": "转其他班组"})
        assert answer.status_code == 200, answer.text


def listed(client, headers, **params) -> list[tuple[int, int]]:
    answer = client.get(REPORT, headers=headers, params=params)
    assert answer.status_code == 200, answer.text
    return [(row["work_order_id"], row["dispatches"]) for row in answer.json()]


def test_the_report_lists_requests_passed_around_most_moved_first(client, runtime, desk, holder):
    agent, boss = desk.agent.headers, desk.supervisor.headers
    bounced = created(client, agent, holder)["id"]
    dispatch(client, agent, bounced, "NJ-CARE", "NJ-FIELD", "NJ-CARE")
    handed = client.post(f"/api/v1/workorders/{bounced}/owner", headers=boss,
                         json={"owner_id": desk.other_agent.id, "reason": "原负责人推给了别人"})
    assert handed.status_code == 200  # a change of owner passes it on too: 4 moves
    thrice = created(client, agent, holder, type="repair", description="宽带无法上网")["id"]
    dispatch(client, desk.other_agent.headers, thrice, "NJ-FIELD", "NJ-CARE", "NJ-FIELD")
    twice = created(client, agent, holder, description="话费有疑问")["id"]
    dispatch(client, agent, twice, "NJ-CARE", "NJ-FIELD")
    client.post(f"/api/v1/workorders/{twice}/notes", headers=agent, json={"reason": "已联系客户"})
    assert move(client, agent, twice, "inProgress").status_code == 200
    assert client.post(f"/api/v1/workorders/{twice}/green-channel", headers=boss,
                       json={"reason": "客户多次来电"}).status_code == 200  # neither counts as passing it on
    created(client, agent, holder, description="未派过单")

    assert listed(client, agent) == [(bounced, 4), (thrice, 3)]
    rows = {row["work_order_id"]: row for row in client.get(REPORT, headers=agent).json()}
    assert rows[bounced]["owner_id"] == desk.other_agent.id and rows[thrice]["owner_id"] == desk.agent.id
    assert (rows[thrice]["type"], rows[thrice]["status"], rows[thrice]["city"]) == ("repair", "acknowledged", "南京市")
    assert listed(client, agent, minimum=2) == [(bounced, 4), (thrice, 3), (twice, 2)]
    assert listed(client, agent, minimum=4) == [(bounced, 4)]
    assert client.get(REPORT, headers=agent, params={"minimum": 1}).status_code == 422

    assert move(client, desk.other_agent.headers, bounced, "resolved", "已退费").status_code == 200
    assert listed(client, agent)[0] == (bounced, 4)  # solved at last, it still was passed around
    with runtime.sessions() as session:
        assert [(o.id, n) for o, n in ownership.passed_around(session, limit=1)] == [(bounced, 4)]


def test_a_city_sees_what_it_handles_and_its_own_lines_handled_elsewhere(client, desk, holder):
    agent = desk.agent.headers
    at_home = created(client, agent, holder)["id"]  # the customer's line is in 南京市
    away = created(client, agent, holder, type="repair", description="在苏州出差，手机没有信号", city="苏州市")["id"]
    dispatch(client, agent, at_home, "NJ-CARE", "NJ-FIELD", "NJ-CARE")
    dispatch(client, agent, away, "SZ-FIELD", "NJ-FIELD", "SZ-FIELD", "NJ-CARE")

    assert listed(client, agent, city="苏州市") == [(away, 4)]  # 苏州 handles it
    assert listed(client, agent, city="南京市") == [(away, 4), (at_home, 3)]  # 南京's line, handled in 苏州
    assert listed(client, agent, city="无锡市") == []
    assert listed(client, agent) == [(away, 4), (at_home, 3)]


def _username(runtime, staff_id: int) -> tuple[str, str]:
    with runtime.sessions() as session:
        user = session.get(StaffUser, staff_id)
        return user.username, user.display_name


def test_the_console_page_lists_them_for_staff_who_read_work_orders(client, runtime, desk, holder):
    agent = desk.agent.headers
    at_home = created(client, agent, holder)["id"]
    away = created(client, agent, holder, type="repair", description="在苏州出差，手机没有信号", city="苏州市")["id"]
    dispatch(client, agent, at_home, "NJ-CARE", "NJ-FIELD", "NJ-CARE")
    dispatch(client, agent, away, "SZ-FIELD", "NJ-FIELD", "SZ-FIELD", "NJ-CARE")
    username, name = _username(runtime, desk.agent.id)
    staff_login(client, username)
    assert 'href="/console/reports/passed-around">反复流转工单</a>' in client.get("/console").text

    page = client.get(PAGE).text
    assert re.findall(r'href="/console/workorders/(\d+)">第', page) == [str(away), str(at_home)]
    assert "4 次" in page and "3 次" in page and name in page and "跨城市（归属南京市）" in page
    assert "南京投诉处理组" in page  # where each sits now
    page = client.get(PAGE, params={"city": "苏州市", "minimum": "4"}).text
    assert re.findall(r'href="/console/workorders/(\d+)">第', page) == [str(away)]
    assert '<option value="4" selected>' in page and '<option value="苏州市" selected>' in page
    page = client.get(PAGE, params={"minimum": "5"}).text
    assert "没有流转5次及以上的工单。" in page and "/console/workorders/" + str(away) not in page
    assert client.get(PAGE, params={"minimum": "x"}).status_code == 200  # not offered: the default 3

    client.cookies.set(ELDER_COOKIE, "1")
    elder = client.get(PAGE)
    assert elder.status_code == 200 and 'class="elder"' in elder.text and "切换到标准版" in elder.text
    assert f"第{away}号" in elder.text and "受理时间" not in elder.text  # the fewer columns of 长辈版


def test_the_page_needs_the_right_to_read_work_orders(client, runtime, person):
    machine = person("mediation")
    staff_login(client, _username(runtime, machine.id)[0])
    assert "反复流转工单" not in client.get("/console").text
    refused = client.get(PAGE)
    assert refused.status_code == 403
    client.cookies.clear()
    assert client.get(PAGE, follow_redirects=False).status_code == 303  # not signed in: to the sign-in page
