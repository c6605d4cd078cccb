"""The portal's hall pages over HTTP: the hall finder (registered address,
another address, a location), remote tickets with the green channel decided
by the domain, the ticket page only for its owner, and class sign-up, on
SQLite and PostgreSQL, in the standard theme and in 长辈版.

Halls, classes and other people's sign-ups are made through the halls
services; tickets and sign-ups of the subscriber through the pages.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from kindline.core.db import transaction
from kindline.halls import care, desk, service
from kindline.halls import tickets as hall_tickets
from kindline.halls.models import ClassSignup, Ticket
from kindline.web.render import ELDER_COOKIE
from tests.halls.conftest import make_hall
from tests.web import seed
from tests.web.session_helpers import csrf_of, idempotency_key_of, portal_login

TZ = ZoneInfo("Asia/Shanghai")
MONDAYS_ONLY = {"1": [["09:00", "17:00"]]}  # the tests' today is a Sunday


@pytest.fixture
def place(runtime):
    """Three halls in 南京: 新街口 (open), 玄武门 (open, 200 m from 玄武区's
    centre, where the subscribers' registered address is located) and 鼓楼
    (open on Mondays only); an elder of 70 and a subscriber of 41."""
    return {
        "xinjiekou": make_hall(runtime, open_counters=(1, 3)),
        "xuanwumen": make_hall(runtime, code="NJ-XWM", name="玄武门营业厅", lat=32.0500, lon=118.7985,
                               open_counters=(1, 3)),
        "gulou": make_hall(runtime, code="NJ-GL", name="鼓楼营业厅", lat=32.0664, lon=118.7698, hours=MONDAYS_ONLY,
                           district="鼓楼区"),
        "elder": seed.subscriber(runtime, "周桂兰", date(1956, 9, 9), {}, female=True),
        "young": seed.subscriber(runtime, "孙立", date(1985, 1, 20), {}),
    }


def tickets_of(runtime, customer_id: int) -> list[Ticket]:
    with runtime.sessions() as session:
        return list(session.scalars(select(Ticket).where(Ticket.customer_id == customer_id).order_by(Ticket.id)))


def take(client, hall_id: int, category: str = "business", **extra):
    form = client.get(f"/portal/halls/{hall_id}/ticket").text
    data = {"category": category, "csrf_token": csrf_of(form), "idempotency_key": idempotency_key_of(form), **extra}
    return client.post(f"/portal/halls/{hall_id}/ticket", data=data, follow_redirects=False)


def hall_cards(html: str) -> list[str]:
    return re.findall(r'<h2 id="hall-\d+">([^<]+?)\s*<', html)


# --- the finder -----------------------------------------------------------------------------------------

def test_signed_out_hall_pages_go_to_the_sign_in_page(client, place):
    for path in ("/portal/halls", f"/portal/halls/{place['xinjiekou']}/ticket", "/portal/classes"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303, path
        assert answer.headers["location"] == "/portal/login?next=" + quote(path, safe=""), path


def test_the_finder_starts_from_the_registered_address(client, runtime, place):
    portal_login(client, runtime, place["young"].phone)
    page = client.get("/portal/halls")
    assert page.status_code == 200
    assert "离您登记的地址（南京市玄武区）最近的营业厅" in page.text
    assert hall_cards(page.text) == ["玄武门营业厅", "新街口营业厅", "鼓楼营业厅"]
    xuanwumen, xinjiekou, gulou = page.text.split('<h2 id="hall-')[1:]
    assert "500 米内" in xuanwumen and "500 米内" not in xinjiekou
    assert "营业中" in xinjiekou and "09:00-20:00" in xinjiekou and "20:00下班" in xinjiekou
    assert re.search(r"约1\.\d公里，步行约\d+分钟", xinjiekou)
    assert "休息中" in gulou and "今天营业</dt><dd>休息，下次开门：11月23日 09:00" in gulou
    assert "休息、饮水、手机教学、手机充电、无线上网" in xinjiekou
    assert f'href="/portal/halls/{place["xinjiekou"]}/ticket"' in xinjiekou
    assert f'href="/portal/classes?hall={place["xinjiekou"]}"' in xinjiekou
    assert f'href="/portal/halls/{place["gulou"]}/ticket"' not in gulou  # closed: no ticket to take
    assert 'id="locate-form" hidden' in page.text and "/static/locate.js" in page.text


def test_the_finder_searches_another_address_or_a_location(client, runtime, place):
    portal_login(client, runtime, place["young"].phone)
    page = client.get("/portal/halls", params={"address": "南京市鼓楼区中山北路8号"})
    assert "按南京市鼓楼区查找" in page.text and hall_cards(page.text)[0] == "鼓楼营业厅"
    page = client.get("/portal/halls", params={"lat": "32.0420", "lon": "118.7840"})
    assert "离您现在的位置最近的营业厅" in page.text
    assert hall_cards(page.text)[0] == "新街口营业厅"
    assert "500 米内" in page.text.split('<h2 id="hall-')[1]


def test_an_address_or_location_the_finder_cannot_place_is_answered_in_chinese(client, runtime, place):
    portal_login(client, runtime, place["young"].phone)
    page = client.get("/portal/halls", params={"address": "月球背面"})
    assert page.status_code == 422
    assert "无法根据该地址确定所在区县" in page.text and 'role="alert"' in page.text
    assert 'name="address"' in page.text and "月球背面" in page.text
    page = client.get("/portal/halls", params={"lat": "北纬", "lon": "118.78"})
    assert page.status_code == 422 and "位置不正确" in page.text
    page = client.get("/portal/halls", params={"lat": "132", "lon": "118.78"})
    assert page.status_code == 422 and "位置不正确" in page.text


# --- remote tickets -------------------------------------------------------------------------------------

def test_an_elder_takes_a_remote_ticket_on_the_green_channel(client, runtime, clock, place):
    elder, hall_id = place["elder"], place["xinjiekou"]
    portal_login(client, runtime, elder.phone)
    form = client.get(f"/portal/halls/{hall_id}/ticket")
    assert "您要办什么业务？" in form.text and "缴费充值" in form.text and "30分钟" in form.text
    answer = take(client, hall_id, "payment")
    assert answer.status_code == 303
    (ticket,) = tickets_of(runtime, elder.id)
    assert answer.headers["location"] == f"/portal/halls/{hall_id}/tickets/{ticket.id}"
    assert (ticket.channel, ticket.remote, ticket.green, ticket.group, ticket.number) == (
        "portal", True, True, "elderly", "B001")
    assert ticket.phone == elder.phone and ticket.arrived_at is None

    page = client.get(answer.headers["location"])
    assert page.status_code == 200
    assert "B001" in page.text and "绿色通道" in page.text and "您是长者" in page.text
    assert '<dd class="ahead" id="t-ahead">0位</dd>' in page.text
    assert '<dd class="hold">10:30</dd>' in page.text
    assert "到厅后怎么签到" in page.text and "取号机上签到" in page.text
    assert f'href="/portal/halls/{hall_id}/tickets/{ticket.id}">刷新排队情况' in page.text


def test_an_ordinary_ticket_shows_the_people_ahead_and_the_wait(client, runtime, place):
    hall_id = place["xinjiekou"]
    with transaction(runtime.sessions) as session:  # three visitors took tickets at the kiosk
        hall = service.get(session, hall_id)
        for _ in range(3):
            hall_tickets.take(session, runtime.clock, None, hall, category="business")
    portal_login(client, runtime, place["young"].phone)
    answer = take(client, hall_id)
    (ticket,) = tickets_of(runtime, place["young"].id)
    assert not ticket.green and ticket.number == "A004"
    page = client.get(answer.headers["location"]).text
    assert "绿色通道" not in page
    ahead = int(re.search(r'<dd class="ahead" id="t-ahead">(\d+)位</dd>', page).group(1))
    assert ahead >= 1
    assert re.search(r'<dd class="wait" id="t-wait">约\d+分钟</dd>', page)


def _figures(client, path: str) -> dict:
    stream = client.get(f"{path}/stream?once=1")
    assert stream.status_code == 200 and "event: ticket" in stream.text, stream.text
    return json.loads(next(line for line in stream.text.splitlines() if line.startswith("data: "))[6:])


def test_the_ticket_page_streams_its_place_as_the_queue_moves(client, runtime, place):
    hall_id = place["xinjiekou"]
    with transaction(runtime.sessions) as session:  # two visitors took tickets at the kiosk
        hall = service.get(session, hall_id)
        for _ in range(2):
            hall_tickets.take(session, runtime.clock, None, hall, category="business")
    portal_login(client, runtime, place["young"].phone)
    path = take(client, hall_id).headers["location"]
    (ticket,) = tickets_of(runtime, place["young"].id)
    with transaction(runtime.sessions) as session:  # checked in at the hall: in the queue now
        hall = service.get(session, hall_id)
        hall_tickets.check_in(session, runtime.clock, None, hall, hall_tickets.get(session, hall, ticket.id))
    before = _figures(client, path)
    assert before["status"] == "waiting" and before["ahead"] >= 1

    with transaction(runtime.sessions) as session:  # counter 3 calls the first visitor
        desk.call_next(session, runtime.clock, None, service.get(session, hall_id), 3)
    after = _figures(client, path)
    assert after["status"] == "waiting" and after["ahead"] == before["ahead"] - 1

    client.post("/portal/logout", data={"csrf_token": csrf_of(client.get("/portal").text)})
    portal_login(client, runtime, place["elder"].phone)
    assert client.get(f"{path}/stream?once=1").status_code == 404  # not theirs: nothing to learn


def test_the_same_form_sent_twice_takes_one_ticket(client, runtime, place):
    hall_id = place["xinjiekou"]
    portal_login(client, runtime, place["young"].phone)
    form = client.get(f"/portal/halls/{hall_id}/ticket").text
    data = {"category": "business", "csrf_token": csrf_of(form), "idempotency_key": idempotency_key_of(form)}
    first = client.post(f"/portal/halls/{hall_id}/ticket", data=data, follow_redirects=False)
    second = client.post(f"/portal/halls/{hall_id}/ticket", data=data, follow_redirects=False)
    assert first.headers["location"] == second.headers["location"]
    assert len(tickets_of(runtime, place["young"].id)) == 1


def test_only_the_owner_sees_a_ticket(client, runtime, place):
    hall_id = place["xinjiekou"]
    portal_login(client, runtime, place["elder"].phone)
    path = take(client, hall_id).headers["location"]
    ticket_id = tickets_of(runtime, place["elder"].id)[0].id
    client.post("/portal/logout", data={"csrf_token": csrf_of(client.get("/portal").text)})
    portal_login(client, runtime, place["young"].phone)
    for other in (path, f"/portal/halls/{place['xuanwumen']}/tickets/{ticket_id}",
                  f"/portal/halls/{hall_id}/tickets/{ticket_id + 100}"):
        page = client.get(other)
        assert page.status_code == 404, other
        assert "找不到该排队号" in page.text and "A001" not in page.text


def test_a_closed_hall_or_a_bad_category_takes_nothing(client, runtime, place):
    portal_login(client, runtime, place["young"].phone)
    closed = place["gulou"]
    form = client.get(f"/portal/halls/{closed}/ticket")
    assert "现在不能取号" in form.text and "下次营业：11月23日 09:00" in form.text
    assert 'name="category"' not in form.text
    answer = client.post(f"/portal/halls/{closed}/ticket", data={
        "category": "business", "csrf_token": csrf_of(form.text), "idempotency_key": "k-closed"})
    assert answer.status_code == 409
    assert "鼓楼营业厅现在不营业" in answer.text and "没能取号" in answer.text

    answer = take(client, place["xinjiekou"], "lottery")
    assert answer.status_code == 422 and "业务类别不正确" in answer.text
    assert 'name="category" value="business"' in answer.text  # the choices are offered again
    assert tickets_of(runtime, place["young"].id) == []


def test_a_ticket_not_checked_in_within_30_minutes_expires(client, runtime, clock, place):
    hall_id = place["xinjiekou"]
    portal_login(client, runtime, place["young"].phone)
    path = take(client, hall_id).headers["location"]
    clock.advance(31 * 60)
    page = client.get(path).text
    assert "已经作废" in page and f'href="/portal/halls/{hall_id}/ticket">重新取号' in page
    assert tickets_of(runtime, place["young"].id)[0].status == "expired"


def test_the_finder_lists_my_tickets_of_today(client, runtime, place):
    portal_login(client, runtime, place["young"].phone)
    path = take(client, place["xuanwumen"], "consultation").headers["location"]
    page = client.get("/portal/halls").text
    assert "我今天的排队号" in page and f'href="{path}"' in page and "C001" in page


def test_a_form_without_its_csrf_token_is_refused(client, runtime, place):
    portal_login(client, runtime, place["young"].phone)
    answer = client.post(f"/portal/halls/{place['xinjiekou']}/ticket", data={"category": "business"})
    assert answer.status_code == 403
    assert tickets_of(runtime, place["young"].id) == []


# --- classes --------------------------------------------------------------------------------------------

def new_class(runtime, *, hall_id: int | None = None, community: str | None = None, city: str | None = None,
              topic: str = "anti_fraud", title: str = "", capacity: int = 20, starts_in_days: int = 3) -> int:
    starts = datetime(2026, 11, 22, 14, 0, tzinfo=TZ) + timedelta(days=starts_in_days)
    with transaction(runtime.sessions) as session:
        hall = service.get(session, hall_id) if hall_id else None
        return care.create_class(session, runtime.clock, None, topic=topic, title=title, starts_at=starts,
                                 capacity=capacity, hall=hall, community=community, city=city,
                                 teacher="李老师").id


@pytest.fixture
def classes(runtime, place):
    return {
        "fraud": new_class(runtime, hall_id=place["xinjiekou"], title="识破冒充客服的骗局"),
        "wechat": new_class(runtime, community="锁金村社区活动室", city="南京市", topic="wechat",
                            title="微信视频通话", capacity=1, starts_in_days=5),
        "suzhou": new_class(runtime, community="平江路社区", city="苏州市", topic="mobile_payment",
                            title="用手机交水电费"),
        "past": new_class(runtime, hall_id=place["xinjiekou"], title="上周的课", starts_in_days=-7),
    }


def test_classes_are_listed_by_topic_with_place_time_and_places_left(client, runtime, place, classes):
    portal_login(client, runtime, place["elder"].phone)
    page = client.get("/portal/classes").text
    assert "南京市的课程" in page
    assert page.index("防范电信诈骗") < page.index("识破冒充客服的骗局") < page.index("微信使用") < page.index("微信视频通话")
    assert "新街口营业厅（南京市玄武区中山路18号）" in page and "南京市锁金村社区活动室" in page
    assert "11月25日（周三）14:00，60分钟" in page and "还剩20个名额" in page and "还剩1个名额" in page
    assert "上周的课" not in page and "用手机交水电费" not in page
    everywhere = client.get("/portal/classes", params={"city": "all"}).text
    assert "用手机交水电费" in everywhere and "苏州市平江路社区" in everywhere
    at_hall = client.get("/portal/classes", params={"hall": place["xinjiekou"]}).text
    assert "新街口营业厅的课程" in at_hall and "识破冒充客服的骗局" in at_hall and "微信视频通话" not in at_hall


def test_signing_up_on_the_portal_and_again(client, runtime, place, classes):
    elder = place["elder"]
    portal_login(client, runtime, elder.phone)
    page = client.get("/portal/classes", params={"hall": place["xinjiekou"]}).text
    answer = client.post(f"/portal/classes/{classes['fraud']}/signup",
                         data={"csrf_token": csrf_of(page), "hall": str(place["xinjiekou"])}, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/portal/classes?hall={place['xinjiekou']}&done=signed"
    page = client.get(answer.headers["location"]).text
    assert "报名成功" in page and "我报名的课" in page and "已报名" in page and "还剩19个名额" in page
    with runtime.sessions() as session:
        (seat,) = care.signups(session, classes["fraud"])
        assert (seat.channel, seat.phone, seat.customer_id, seat.name) == ("portal", elder.phone, elder.id, "周桂兰")

    again = client.post(f"/portal/classes/{classes['fraud']}/signup", data={"csrf_token": csrf_of(page)})
    assert again.status_code == 200 and "您已经报过名了" in again.text
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ClassSignup)) == 1


def test_a_full_or_started_class_is_refused_in_the_domains_words(client, runtime, place, classes):
    with transaction(runtime.sessions) as session:
        care.sign_up(session, runtime.clock, None, classes["wechat"], channel="hall", phone=place["young"].phone)
    portal_login(client, runtime, place["elder"].phone)
    page = client.get("/portal/classes").text
    wechat = page.split("微信视频通话")[1].split("</li>")[0]
    assert "名额已满" in wechat and "报名</button>" not in wechat
    full = client.post(f"/portal/classes/{classes['wechat']}/signup", data={"csrf_token": csrf_of(page)})
    assert full.status_code == 409 and "该课程1个名额已满，请报名下一期" in full.text
    started = client.post(f"/portal/classes/{classes['past']}/signup", data={"csrf_token": csrf_of(page)})
    assert started.status_code == 409 and "该课程已开始，不能再报名" in started.text
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ClassSignup)
                              .where(ClassSignup.customer_id == place["elder"].id)) == 0


# --- 长辈版 ---------------------------------------------------------------------------------------------

def test_every_hall_page_renders_in_elder_mode(client, runtime, place, classes):
    portal_login(client, runtime, place["elder"].phone)
    client.cookies.set(ELDER_COOKIE, "1")
    path = take(client, place["xinjiekou"]).headers["location"]
    for page_path in ("/portal/halls", f"/portal/halls/{place['xinjiekou']}/ticket", path, "/portal/classes"):
        answer = client.get(page_path)
        assert answer.status_code == 200, page_path
        assert '<body class="elder">' in answer.text and "切换到标准版" in answer.text, page_path
    finder = client.get("/portal/halls").text
    assert len(hall_cards(finder)) == 3 and "500米内没有营业厅" not in finder
