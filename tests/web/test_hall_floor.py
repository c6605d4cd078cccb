"""The hall's own screens over HTTP, on SQLite and PostgreSQL: the kiosk
(elder look by default, categories, green channel by phone, ID card or a
declared group, errors that take nothing, a closed hall, a retried tap),
the ticket read aloud, and the lobby board with its server-sent events and
spoken calls.

The kiosk works only in a browser a clerk enrolled for the hall; the tests
enroll their client first (kiosk_hall), and check that an unenrolled one,
or one enrolled elsewhere, takes nothing and learns nothing."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from kindline.core import audit
from kindline.core.db import transaction
from kindline.halls import desk, service, tickets
from kindline.halls.models import Ticket
from kindline.halls.types import CATEGORIES
from kindline.voice import audio
from kindline.web.floor_present import spoken
from tests.factories import mobile, register, resident_id
from tests.halls.conftest import FORTY, SEVENTY, make_hall
from tests.web import seed
from tests.web.session_helpers import csrf_of, idempotency_key_of, staff_login

speech = pytest.mark.skipif(not audio.available(), reason="espeak-ng with cmn-latn-pinyin is not installed")


NOT_ENROLLED = "这台设备还不是本厅的取号机，请工作人员在工作台登记。"
HEXI = {"code": "NJ-HX", "name": "河西营业厅"}


def enroll(client, hall_id: int, username: str) -> None:
    """A clerk signs in on this browser and presses the halls list's button
    for the hall: the browser is the hall's kiosk and the clerk is signed out."""
    staff_login(client, username)
    halls = client.get("/console/halls").text
    assert f'action="/console/halls/{hall_id}/kiosk-device"' in halls and "把这台设备设为本厅取号机" in halls
    answer = client.post(f"/console/halls/{hall_id}/kiosk-device", data={"csrf_token": csrf_of(halls)},
                         follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == f"/floor/{hall_id}/kiosk", answer.text
    assert client.get("/console", follow_redirects=False).status_code == 303  # signed out: back to the login
    with client.app.state.runtime.sessions() as session:
        entry = audit.records_for(session, "hall", hall_id)[-1]
        assert entry.action == "hall:kiosk_enrolled" and entry.reason.startswith("登记取号机")


@pytest.fixture
def clerk(runtime) -> str:
    return seed.staff_user(runtime, "clerk", "hall_clerk", display_name="赵营业")


@pytest.fixture
def kiosk_hall(runtime, client, clerk):
    """make_hall, with `client` enrolled as the hall's kiosk."""
    def make(**kwargs) -> int:
        hall_id = make_hall(runtime, **kwargs)
        enroll(client, hall_id, clerk)
        return hall_id
    return make


def _ticket_of(runtime, hall_id: int, **who) -> int:
    with transaction(runtime.sessions) as session:
        ticket, _ = tickets.take(session, runtime.clock, None, service.get(session, hall_id), category="business",
                                 **who)
        return ticket.id


def _tickets(runtime, hall_id: int) -> list[Ticket]:
    with runtime.sessions() as session:
        return list(session.scalars(select(Ticket).where(Ticket.hall_id == hall_id).order_by(Ticket.id)))


def _form(client, hall_id: int, category: str = "business", look: str = "") -> dict[str, str]:
    """Step 2's hidden fields, read from the page as a browser would."""
    query = f"?category={category}" + (f"&look={look}" if look else "")
    page = client.get(f"/floor/{hall_id}/kiosk{query}")
    assert page.status_code == 200, page.text
    fields = {"csrf_token": csrf_of(page.text), "category": category,
              "idempotency_key": idempotency_key_of(page.text)}
    return {**fields, "look": look} if look else fields


def _take(client, hall_id: int, form: dict[str, str], **pressed: str):
    return client.post(f"/floor/{hall_id}/kiosk/tickets", data={**form, **pressed}, follow_redirects=False)


def test_the_kiosk_opens_in_elder_look_with_every_category(kiosk_hall, client):
    hall_id = kiosk_hall(open_counters=(1, 3))
    page = client.get(f"/floor/{hall_id}/kiosk")
    assert page.status_code == 200
    assert '<body class="elder">' in page.text
    assert "新街口营业厅" in page.text and "营业中" in page.text and "09:00-20:00" in page.text
    for code, category in CATEGORIES.items():
        assert category.name in page.text
        assert f'href="/floor/{hall_id}/kiosk?category={code}"' in page.text
    assert f'href="/floor/{hall_id}/kiosk?look=standard">切换到标准版' in page.text

    standard = client.get(f"/floor/{hall_id}/kiosk?look=standard")
    assert '<body class="standard">' in standard.text and "切换到长辈版" in standard.text
    assert f'href="/floor/{hall_id}/kiosk?category=payment&amp;look=standard"' in standard.text


def test_an_elderly_visitor_identified_by_phone_goes_before_earlier_ordinary_tickets(runtime, client, kiosk_hall):
    hall_id = kiosk_hall(open_counters=(1, 3))
    with transaction(runtime.sessions) as session:  # the care counter is busy: the green ticket waits
        hall = service.get(session, hall_id)
        earlier, _ = tickets.take(session, runtime.clock, None, hall, category="business", group="disabled")
    phone = mobile()
    register(runtime, SEVENTY, phone=phone, id_number=resident_id(SEVENTY))
    _take(client, hall_id, _form(client, hall_id), skip="1")  # an ordinary ticket taken before

    answer = _take(client, hall_id, _form(client, hall_id), identify="1", number=phone)
    assert answer.status_code == 303
    ticket = client.get(answer.headers["location"])
    assert ticket.status_code == 200
    assert '<body class="elder">' in ticket.text
    assert "A003" in ticket.text and "绿色通道" in ticket.text and "请到爱心台席" in ticket.text
    assert "<strong>0</strong> 位" in ticket.text  # nobody ahead: the ordinary A002 waits behind
    assert phone not in ticket.text
    rows = _tickets(runtime, hall_id)
    assert [t.number for t in rows] == ["A001", "A002", "A003"]
    assert rows[0].id == earlier.id and rows[0].status == "called"
    green = rows[2]
    assert (green.channel, green.green, green.group, green.group_source, green.phone) == (
        "kiosk", True, "elderly", "phone", phone)
    ordinary = client.get(f"/floor/{hall_id}/kiosk/tickets/{rows[1].id}")
    assert "绿色通道" not in ordinary.text and "<strong>1</strong> 位" in ordinary.text


def test_an_id_card_or_a_declared_group_is_green_and_a_free_care_counter_calls_at_once(runtime, client, kiosk_hall):
    hall_id = kiosk_hall(open_counters=(1, 3))
    by_card = _take(client, hall_id, _form(client, hall_id, "payment"), identify="1", number=resident_id(SEVENTY))
    page = client.get(by_card.headers["location"])
    assert "B001" in page.text and "绿色通道" in page.text and "请现在到1号窗口（爱心台席）办理" in page.text

    declared = _take(client, hall_id, _form(client, hall_id, "consultation"), group="pregnant")
    page = client.get(declared.headers["location"])
    assert "C001" in page.text and "绿色通道" in page.text and "请到爱心台席" in page.text
    forty = _take(client, hall_id, _form(client, hall_id), identify="1", number=resident_id(FORTY))
    assert "绿色通道" not in client.get(forty.headers["location"]).text
    rows = _tickets(runtime, hall_id)
    assert [(t.number, t.green, t.group_source, t.status) for t in rows] == [
        ("B001", True, "id_card", "called"), ("C001", True, "declared", "waiting"), ("A001", False, None, "waiting")]


def test_a_second_tap_of_the_same_form_takes_no_second_ticket(runtime, client, kiosk_hall):
    hall_id = kiosk_hall(open_counters=(3,))
    form = _form(client, hall_id, look="standard")
    first, again = _take(client, hall_id, form, skip="1"), _take(client, hall_id, form, skip="1")
    assert first.headers["location"] == again.headers["location"]
    assert first.headers["location"].endswith("?look=standard")
    assert len(_tickets(runtime, hall_id)) == 1
    assert '<body class="standard">' in client.get(first.headers["location"]).text


@pytest.mark.parametrize(("pressed", "status", "message"), [
    ({"identify": "1", "number": "12345"}, 422, "手机号码不正确"),
    ({"identify": "1", "number": "11010119560501001"}, 422, "身份证号码格式不正确"),
    ({"identify": "1", "number": ""}, 422, "请先输入手机号码或身份证号码"),
    ({"group": "astronaut"}, 422, "优先群体不正确"),
])
def test_bad_input_is_explained_in_chinese_and_takes_nothing(runtime, client, kiosk_hall, pressed, status, message):
    hall_id = kiosk_hall(open_counters=(3,))
    answer = _take(client, hall_id, _form(client, hall_id), **pressed)
    assert answer.status_code == status
    assert message in answer.text and "第二步" in answer.text
    if pressed.get("number"):
        assert f'value="{pressed["number"]}"' in answer.text  # what was typed stays, to be corrected
    assert _tickets(runtime, hall_id) == []


def test_an_unknown_category_goes_back_to_step_one(runtime, client, kiosk_hall):
    hall_id = kiosk_hall(open_counters=(3,))
    page = client.get(f"/floor/{hall_id}/kiosk?category=lottery")
    assert page.status_code == 404 and "本厅不办理这项业务" in page.text and "第一步" in page.text
    answer = _take(client, hall_id, {**_form(client, hall_id), "category": "lottery"}, skip="1")
    assert answer.status_code == 422 and "业务类别不正确" in answer.text and "第一步" in answer.text
    assert _tickets(runtime, hall_id) == []


def test_a_form_without_its_csrf_token_takes_nothing(runtime, client, kiosk_hall):
    hall_id = kiosk_hall(open_counters=(3,))
    form = _form(client, hall_id)
    answer = _take(client, hall_id, {**form, "csrf_token": "forged"}, skip="1")
    assert answer.status_code == 403
    assert _tickets(runtime, hall_id) == []


def test_a_closed_hall_says_so_and_takes_nothing(runtime, client, kiosk_hall):
    hall_id = kiosk_hall(open_counters=(3,))
    form = _form(client, hall_id)
    with transaction(runtime.sessions) as session:  # closed today after the visitor reached step 2
        service.set_special_day(session, None, service.get(session, hall_id), "2026-11-22", [])
    page = client.get(f"/floor/{hall_id}/kiosk")
    assert "现在不营业" in page.text and "下次营业时间：11月23日 09:00" in page.text
    assert "?category=" not in page.text
    answer = _take(client, hall_id, form, skip="1")
    assert answer.status_code == 409 and "现在不营业" in answer.text
    assert _tickets(runtime, hall_id) == []
    assert client.get("/floor/999999/kiosk").status_code == 404


def test_an_unenrolled_browser_takes_nothing_and_learns_nothing(runtime, client):
    """The enumeration oracle closed: typing an elder's phone on an open page
    neither takes a ticket nor says whether it is green."""
    hall_id = make_hall(runtime, open_counters=(1, 3))
    phone = mobile()
    register(runtime, SEVENTY, phone=phone, id_number=resident_id(SEVENTY))
    start = client.get(f"/floor/{hall_id}/kiosk")
    assert start.status_code == 200 and NOT_ENROLLED in start.text and '<body class="elder">' in start.text
    assert "?category=" not in start.text and "第一步" not in start.text
    step2 = client.get(f"/floor/{hall_id}/kiosk?category=business")
    assert NOT_ENROLLED in step2.text and 'name="idempotency_key"' not in step2.text

    token = csrf_of(client.get("/console/login").text)  # a valid token of this session: only the device mark is missing
    for pressed in ({"identify": "1", "number": phone}, {"identify": "1", "number": resident_id(SEVENTY)},
                    {"group": "elderly"}, {"skip": "1"}):
        answer = _take(client, hall_id, {"csrf_token": token, "category": "business", "idempotency_key": "k1"},
                       **pressed)
        assert answer.status_code == 403 and NOT_ENROLLED in answer.text
        assert "绿色通道" not in answer.text and "第二步" not in answer.text
    assert _tickets(runtime, hall_id) == []

    ticket_id = _ticket_of(runtime, hall_id, phone=phone)  # taken at a counter: not readable by guessing its id
    page = client.get(f"/floor/{hall_id}/kiosk/tickets/{ticket_id}")
    assert page.status_code == 403 and NOT_ENROLLED in page.text and "A001" not in page.text
    wav = client.get(f"/floor/{hall_id}/tickets/{ticket_id}.wav")
    assert wav.status_code == 403 and NOT_ENROLLED in wav.text


def test_a_kiosk_enrolled_for_one_hall_is_refused_at_another(runtime, client, kiosk_hall, clerk):
    hall_a = kiosk_hall(open_counters=(3,))
    hall_b = make_hall(runtime, open_counters=(3,), **HEXI)
    assert _take(client, hall_a, _form(client, hall_a), skip="1").status_code == 303

    assert NOT_ENROLLED in client.get(f"/floor/{hall_b}/kiosk").text
    answer = _take(client, hall_b, {**_form(client, hall_a), "idempotency_key": "other"}, skip="1")
    assert answer.status_code == 403 and NOT_ENROLLED in answer.text
    assert _tickets(runtime, hall_b) == []
    elsewhere = _ticket_of(runtime, hall_b)
    assert client.get(f"/floor/{hall_b}/kiosk/tickets/{elsewhere}").status_code == 403

    enroll(client, hall_b, clerk)  # enrolled again: the device moves to hall B
    assert _take(client, hall_b, _form(client, hall_b), skip="1").status_code == 303
    assert client.get(f"/floor/{hall_b}/kiosk/tickets/{elsewhere}").status_code == 200
    assert _take(client, hall_a, {**_form(client, hall_b), "idempotency_key": "third"}, skip="1").status_code == 403
    assert len(_tickets(runtime, hall_a)) == 1


def test_enrolling_a_kiosk_needs_halls_counter_and_csrf(runtime, client, clerk):
    hall_id = make_hall(runtime, open_counters=(3,))
    path = f"/console/halls/{hall_id}/kiosk-device"
    token = csrf_of(client.get("/console/login").text)
    signed_out = client.post(path, data={"csrf_token": token}, follow_redirects=False)
    assert signed_out.status_code == 303 and signed_out.headers["location"] == "/console/login"

    seed.staff_user(runtime, "agent", "agent")
    token = staff_login(client, "agent")
    refused = client.post(path, data={"csrf_token": token}, follow_redirects=False)
    assert refused.status_code == 403
    client.post("/console/logout", data={"csrf_token": token})

    token = staff_login(client, clerk)
    forged = client.post(path, data={"csrf_token": "forged"}, follow_redirects=False)
    assert forged.status_code == 403 and "页面已过期" in forged.text
    assert client.post("/console/halls/999999/kiosk-device", data={"csrf_token": token}).status_code == 404
    assert NOT_ENROLLED in client.get(f"/floor/{hall_id}/kiosk").text  # none of these enrolled the browser


def test_the_lobby_board_needs_no_enrolment(runtime, client):
    hall_id = make_hall(runtime, open_counters=(3,))
    board = client.get(f"/floor/{hall_id}/board")
    assert board.status_code == 200 and NOT_ENROLLED not in board.text
    assert client.get(f"/floor/{hall_id}/board/stream?once=1").status_code == 200


def test_spoken_numbers_are_read_digit_by_digit():
    assert spoken("请A012号到3号窗口") == "请A零一二号到3号窗口"


@speech
def test_the_ticket_reads_itself_aloud(runtime, client, kiosk_hall, monkeypatch):
    hall_id = kiosk_hall(open_counters=(3,))
    location = _take(client, hall_id, _form(client, hall_id), skip="1").headers["location"]
    ticket_id = _tickets(runtime, hall_id)[0].id
    assert f'href="/floor/{hall_id}/tickets/{ticket_id}.wav"' in client.get(location).text
    wav = client.get(f"/floor/{hall_id}/tickets/{ticket_id}.wav")
    assert wav.status_code == 200 and wav.headers["content-type"] == "audio/wav"
    assert wav.content[:4] == b"RIFF"
    monkeypatch.setattr(audio, "available", lambda: False)
    assert client.get(f"/floor/{hall_id}/tickets/{ticket_id}.wav").status_code == 404
    page = client.get(location)
    assert "data-read hidden" in page.text and "您的号码是A001号" in page.text  # the browser's voice instead


def test_the_lobby_board_shows_calls_and_queues_and_streams_them(runtime, client, monkeypatch):
    """The board is public: this client is no enrolled kiosk."""
    hall_id = make_hall(runtime, open_counters=(1, 3))
    with transaction(runtime.sessions) as session:
        hall = service.get(session, hall_id)
        for category in ("business", "business", "payment"):
            tickets.take(session, runtime.clock, None, hall, category=category)
        called = desk.call_next(session, runtime.clock, None, hall, 3)
        number = called.number
    assert number == "A001"
    page = client.get(f"/floor/{hall_id}/board")
    assert page.status_code == 200
    assert "请A001号到3号窗口" in page.text and 'data-last-call="A001-3-1"' in page.text
    assert 'data-live="waiting-business">1<' in page.text and 'data-live="waiting-payment">1<' in page.text
    assert 'data-live="counter-3">A001<' in page.text and 'data-live="counter-4">暂停服务<' in page.text

    stream = client.get(f"/floor/{hall_id}/board/stream?once=1")
    assert stream.headers["content-type"].startswith("text/event-stream")
    data = next(line for line in stream.text.splitlines() if line.startswith("data: "))
    assert "event: board" in stream.text
    board = json.loads(data[len("data: "):])
    latest = board["calls"][0]
    assert (latest["number"], latest["counter"], latest["text"], latest["audio"]) == (
        "A001", 3, "请A001号到3号窗口", f"/floor/{hall_id}/calls/A001.wav")
    assert board["waiting_total"] == 2 and board["hall"] == "新街口营业厅" and board["time"] == "10:00"

    if audio.available():
        wav = client.get(f"/floor/{hall_id}/calls/A001.wav")
        assert wav.status_code == 200 and wav.content[:4] == b"RIFF"
    assert client.get(f"/floor/{hall_id}/calls/A002.wav").status_code == 404  # waiting, never called
    assert client.get(f"/floor/{hall_id}/calls/nonsense.wav").status_code == 404
    monkeypatch.setattr(audio, "available", lambda: False)
    assert client.get(f"/floor/{hall_id}/calls/A001.wav").status_code == 404
    assert "叫号只显示文字" in client.get(f"/floor/{hall_id}/board").text
