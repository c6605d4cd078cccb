"""The console page of one elder class (爱心小课堂) over HTTP, on the test
database: staff sign a person up (and the same phone again holds the same
seat), a full class is refused in Chinese with nothing written, attendance
once the class has begun, follow-up visits recorded and listed, and the
page only for staff with halls:counter, behind CSRF, in elder mode too."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from kindline.core.db import transaction
from kindline.core.masking import mask_phone
from kindline.halls import care, service
from kindline.halls.models import ClassSignup, FollowUpVisit
from kindline.web.render import ELDER_COOKIE
from tests.factories import mobile
from tests.halls.conftest import make_hall
from tests.web import seed
from tests.web.session_helpers import csrf_of, landed, notice_of, portal_login, staff_login


@pytest.fixture
def hall(runtime) -> int:
    return make_hall(runtime)


@pytest.fixture
def people(runtime):
    return {"clerk": seed.staff_user(runtime, "clerk", "hall_clerk", display_name="赵营业"),
            "boss": seed.staff_user(runtime, "boss", "supervisor", display_name="钱主管"),
            "agent": seed.staff_user(runtime, "agent", "agent")}


def _class(runtime, hall_id: int, capacity: int = 20) -> int:
    """识破冒充客服诈骗 at the hall at 11:00 today (the tests' clock says 10:00)."""
    with transaction(runtime.sessions) as session:
        return care.create_class(session, runtime.clock, None, topic="anti_fraud", title="识破冒充客服诈骗",
                                 starts_at=datetime(2026, 11, 22, 11, 0, tzinfo=runtime.clock.tz),
                                 capacity=capacity, hall=service.get(session, hall_id), teacher="周老师").id


def _seat(runtime, class_id: int, name: str, channel: str = "sms") -> int:
    with transaction(runtime.sessions) as session:
        entry, _ = care.sign_up(session, runtime.clock, None, class_id, channel=channel, phone=mobile(), name=name)
        return entry.id


def _page(class_id: int) -> str:
    return f"/console/halls/classes/{class_id}"


def _post(client, class_id: int, action: str, data: dict | None = None, token: str | None = None):
    token = token or csrf_of(client.get(_page(class_id)).text)
    return client.post(f"{_page(class_id)}/{action}", data={"csrf_token": token, **(data or {})},
                       follow_redirects=False)


def _signups(runtime) -> list[ClassSignup]:
    with runtime.sessions() as session:
        return list(session.scalars(select(ClassSignup).order_by(ClassSignup.id)))


def test_staff_sign_a_person_up_and_the_same_phone_holds_the_same_seat(runtime, client, hall, people):
    class_id = _class(runtime, hall, capacity=2)
    staff_login(client, people["clerk"])
    html = client.get(_page(class_id)).text
    assert "防范电信诈骗" in html and "新街口营业厅（南京市玄武区中山路18号）" in html
    assert "11月22日（周日）11:00，60分钟" in html and "周老师" in html
    assert "已报名 <strong>0</strong> / 2 人" in html and "还没有人报名" in html

    phone = mobile()
    page = landed(client, _post(client, class_id, "signups", {"phone": phone, "name": "孙大爷", "channel": "hotline"}))
    assert notice_of(page) == "已为孙大爷报名（热线代报）。"
    assert "已报名 <strong>1</strong> / 2 人" in page and mask_phone(phone) in page and phone not in page

    again = landed(client, _post(client, class_id, "signups", {"phone": phone, "name": "孙建国", "channel": "hall"}))
    assert notice_of(again) == f"手机号{mask_phone(phone)}已经报过名（孙大爷），名额保留着，不用重复报名。"
    assert [(s.name, s.phone, s.channel) for s in _signups(runtime)] == [("孙大爷", phone, "hotline")]

    own = _post(client, class_id, "signups", {"phone": mobile(), "name": "李阿姨", "channel": "sms"})
    assert own.status_code == 422 and "请选择代报名的渠道" in own.text and "李阿姨" in own.text
    nameless = _post(client, class_id, "signups", {"phone": mobile(), "name": "", "channel": "hall"})
    assert nameless.status_code == 422 and "请填写姓名" in nameless.text
    assert len(_signups(runtime)) == 1

    staff_login(client, people["boss"])
    dashboard = client.get(f"/console/halls/{hall}/dashboard").text
    assert f'href="{_page(class_id)}"' in dashboard and "报名 <strong>1</strong> / 2 人" in dashboard
    assert f'href="/console/halls/{hall}/dashboard"' in client.get(_page(class_id)).text


def test_a_full_class_is_refused_in_chinese_and_nothing_is_written(runtime, client, hall, people):
    class_id = _class(runtime, hall, capacity=1)
    _seat(runtime, class_id, "王奶奶")
    staff_login(client, people["clerk"])
    assert "已满" in client.get(_page(class_id)).text
    phone = mobile()
    full = _post(client, class_id, "signups", {"phone": phone, "name": "孙大爷", "channel": "hall"})
    assert full.status_code == 409 and "该课程1个名额已满，请报名下一期。" in full.text
    assert f'value="{phone}"' in full.text  # what was typed is kept for the next class
    assert [s.name for s in _signups(runtime)] == ["王奶奶"]


def test_attendance_is_taken_on_the_class_page_once_it_has_begun(runtime, client, hall, people):
    class_id = _class(runtime, hall)
    came, missed = _seat(runtime, class_id, "孙大爷", "hall"), _seat(runtime, class_id, "李阿姨")
    staff_login(client, people["clerk"])  # the clerk who runs the class, not only the manager
    html = client.get(_page(class_id)).text
    assert "课程开始后可登记到课" in html and 'name="attended"' not in html
    early = _post(client, class_id, "attendance", {"attended": str(came)}, token=csrf_of(html))
    assert early.status_code == 409 and "课程还没开始，不能登记到课。" in early.text

    runtime.clock.advance(75 * 60)
    html = client.get(_page(class_id)).text
    assert "课程已开始，不能再报名" in html and f'name="attended" value="{missed}"' in html
    page = landed(client, _post(client, class_id, "attendance", {"attended": str(came), "followup": str(came)}))
    assert notice_of(page) == "到课情况已登记。"
    assert f'name="attended" value="{came}" aria-label="孙大爷到课" checked' in page
    assert [(s.name, s.attended, s.followup_group) for s in _signups(runtime)] == [
        ("孙大爷", True, True), ("李阿姨", False, False)]
    unknown = _post(client, class_id, "attendance", {"attended": "999999"})
    assert unknown.status_code == 404 and [s.attended for s in _signups(runtime)] == [True, False]


def test_a_follow_up_visit_is_recorded_and_listed(runtime, client, hall, people):
    class_id = _class(runtime, hall)
    came, missed = _seat(runtime, class_id, "孙大爷", "hall"), _seat(runtime, class_id, "李阿姨")
    runtime.clock.advance(75 * 60)
    staff_login(client, people["clerk"])
    html = client.get(_page(class_id)).text
    assert "登记到课后可在这里记录回访" in html
    landed(client, _post(client, class_id, "attendance", {"attended": str(came)}, token=csrf_of(html)))

    empty = _post(client, class_id, f"signups/{came}/follow-ups", {"method": "video", "asked": " ", "solved": "1"})
    assert empty.status_code == 422 and "请填写学员询问的问题" in empty.text
    unsure = _post(client, class_id, f"signups/{came}/follow-ups", {"method": "video", "asked": "怎么视频通话"})
    assert unsure.status_code == 422 and "请选择问题是否已解决" in unsure.text and "怎么视频通话" in unsure.text
    absent = _post(client, class_id, f"signups/{missed}/follow-ups", {"method": "phone", "asked": "课讲了什么",
                                                                      "solved": "0"})
    assert absent.status_code == 409 and "只回访到课的学员" in absent.text

    page = landed(client, _post(client, class_id, f"signups/{came}/follow-ups",
                               {"method": "video", "asked": "怎么视频通话", "solved": "1", "note": "教会了"}))
    assert notice_of(page) == "已记录对孙大爷的回访。"
    assert "2026-11-22 11:15，视频回访：问“怎么视频通话”，<strong>已解决</strong>（教会了）" in page
    with runtime.sessions() as session:
        visits = session.scalars(select(FollowUpVisit)).all()
        assert [(v.signup_id, v.method, v.asked, v.solved) for v in visits] == [(came, "video", "怎么视频通话", True)]


def _written(runtime) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(ClassSignup))


def test_the_page_needs_halls_counter_and_a_subscriber_is_sent_to_the_staff_sign_in(runtime, client, hall, people):
    class_id = _class(runtime, hall)
    form = {"phone": mobile(), "name": "孙大爷", "channel": "hall"}
    token = staff_login(client, people["agent"])
    assert client.get(_page(class_id)).status_code == 403
    refused = _post(client, class_id, "signups", form, token=token)
    assert refused.status_code == 403 and "权限" in refused.text
    client.cookies.clear()

    elder = seed.subscriber(runtime, "周桂兰", date(1956, 9, 9), {}, female=True)
    token = portal_login(client, runtime, elder.phone)
    sent = client.get(_page(class_id), follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"].startswith("/console/login")
    assert _post(client, class_id, "signups", form, token=token).status_code == 303
    assert _written(runtime) == 0

    staff_login(client, people["clerk"])
    assert client.get(_page(class_id)).status_code == 200
    assert client.get(_page(999999)).status_code == 404


def test_a_post_without_the_csrf_token_is_refused(runtime, client, hall, people):
    class_id = _class(runtime, hall)
    staff_login(client, people["clerk"])
    answer = client.post(f"{_page(class_id)}/signups", data={"phone": mobile(), "name": "孙大爷", "channel": "hall"},
                         follow_redirects=False)
    assert answer.status_code == 403 and _written(runtime) == 0


def test_the_class_page_in_elder_mode(runtime, client, hall, people):
    class_id = _class(runtime, hall)
    _seat(runtime, class_id, "孙大爷", "hall")
    staff_login(client, people["clerk"])
    client.cookies.set(ELDER_COOKIE, "1")
    page = client.get(_page(class_id))
    assert page.status_code == 200
    assert '<body class="elder">' in page.text and "代为报名" in page.text and "孙大爷" in page.text
