"""The hall finder: nearest first, walking distance at an elder's pace, the
500 m standard, open now by weekday and special day, and addresses matched
to their district's centre."""

from __future__ import annotations

import math
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from kindline.core.clock import VirtualClock
from kindline.core.errors import Invalid
from kindline.halls import districts, finder, hours
from tests.halls.conftest import XINJIEKOU, make_hall

SHANGHAI = ZoneInfo("Asia/Shanghai")
METRES_PER_DEGREE_LAT = 2 * math.pi * finder.EARTH_RADIUS_M / 360


def test_haversine_and_the_walk():
    assert finder.haversine_m(0, 0, 0, 1) == pytest.approx(METRES_PER_DEGREE_LAT, rel=1e-9)
    # 新街口 to 鼓楼: about 3 km as the crow flies
    assert finder.haversine_m(*XINJIEKOU, 32.0664, 118.7698) == pytest.approx(3080, abs=60)
    assert finder.walking(1000) == (1300, 22)  # 1.3 detour, 60 m a minute, rounded up
    assert finder.walking(10) == (13, 1)


def _north(metres: float) -> tuple[float, float]:
    return XINJIEKOU[0] + metres / METRES_PER_DEGREE_LAT, XINJIEKOU[1]


def test_nearest_halls_in_order_with_the_500_metre_flag(runtime, client):
    a = make_hall(runtime, code="A", name="新街口营业厅")
    b = make_hall(runtime, code="B", name="珠江路营业厅", lat=_north(700)[0])
    c = make_hall(runtime, code="C", name="鼓楼营业厅", lat=32.0664, lon=118.7698)
    lat, lon = _north(400)
    answer = client.get("/api/v1/halls/nearest", params={"lat": lat, "lon": lon, "limit": 3})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [h["id"] for h in body["halls"]] == [b, a, c]
    assert [h["distance_m"] for h in body["halls"][:2]] == [300, 400]
    assert body["halls"][0]["walking_m"] == 390 and body["halls"][0]["walking_minutes"] == 7
    assert body["within_500m"] is True and body["located_by"] == "coordinates"
    assert body["halls"][0]["open_now"] is True and body["halls"][0]["today"] == "09:00-20:00"

    far = client.get("/api/v1/halls/nearest", params={"lat": lat + 0.009, "lon": lon + 0.02}).json()
    assert far["within_500m"] is False and len(far["halls"]) == 3
    one = client.get("/api/v1/halls/nearest", params={"lat": lat, "lon": lon, "limit": 1}).json()
    assert [h["id"] for h in one["halls"]] == [b]


def test_the_finder_answers_an_address_by_its_district(runtime, client):
    gulou = make_hall(runtime, code="GL", name="鼓楼营业厅", lat=32.0664, lon=118.7698, district="鼓楼区")
    make_hall(runtime, code="SZ", name="观前营业厅", lat=31.3117, lon=120.6178, city="苏州市", district="姑苏区")
    body = client.get("/api/v1/halls/nearest", params={"address": "江苏省南京市鼓楼区中山北路8号"}).json()
    assert body["located_by"] == "district" and body["place"] == "南京市鼓楼区"
    assert body["halls"][0]["id"] == gulou and body["within_500m"] is True
    unknown = client.get("/api/v1/halls/nearest", params={"address": "北京市朝阳区建国路"})
    assert unknown.status_code == 422 and unknown.json()["code"] == "address_not_located"
    nothing = client.get("/api/v1/halls/nearest")
    assert nothing.status_code == 422 and nothing.json()["code"] == "location_required"
    bad = client.get("/api/v1/halls/nearest", params={"lat": 91, "lon": 118})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_location"


@pytest.mark.parametrize("address, district", [
    ("江苏省南京市鼓楼区中山北路8号", "鼓楼区"),
    ("苏州市姑苏区人民路100号", "姑苏区"),
    ("无锡江阴澄江中路5号", "江阴市"),  # the short name and no 市
    ("南京市雨花台区软件大道", "雨花台区"),
    ("  无锡市 滨湖区 湖滨路 ", "滨湖区"),
])
def test_address_to_district(address, district):
    assert districts.locate(address).district == district


def test_an_address_without_a_known_district_is_refused():
    for address in ("", "北京市朝阳区", "上海市黄浦区南京东路"):
        with pytest.raises(Invalid):
            districts.locate(address)


def _clock(text: str) -> VirtualClock:
    return VirtualClock(datetime.fromisoformat(text).replace(tzinfo=SHANGHAI))


def test_open_now_follows_weekdays_and_special_days():
    weekly = {**{str(d): [["09:00", "12:00"], ["13:30", "18:00"]] for d in range(1, 6)},
              "6": [["09:00", "20:00"]], "7": [["09:00", "20:00"]]}
    plan = hours.Hours(*hours.check(weekly, {"2026-11-22": [], "2026-11-24": [["10:00", "14:00"]]}))
    sunday = _clock("2026-11-22T10:00").local_now()  # a special day: closed
    assert not plan.is_open(sunday) and plan.text(sunday.date()) == "休息"
    assert plan.next_open(sunday) == datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)
    monday_lunch = _clock("2026-11-23T12:30").local_now()
    assert not plan.is_open(monday_lunch) and plan.next_open(monday_lunch).hour == 13
    assert plan.is_open(_clock("2026-11-23T17:59").local_now())
    assert not plan.is_open(_clock("2026-11-23T18:00").local_now())
    tuesday = _clock("2026-11-24T09:30").local_now()  # special hours: from 10:00
    assert not plan.is_open(tuesday) and plan.text(tuesday.date()) == "10:00-14:00"
    assert plan.closes_at(_clock("2026-11-24T11:00").local_now()).hour == 14
    assert plan.is_open(_clock("2026-11-28T19:30").local_now())  # Saturday: long hours


def test_a_hall_closed_on_a_special_day_is_shown_closed_and_takes_no_ticket(runtime, client, staff):
    hall_id = make_hall(runtime, special_days={"2026-11-22": []}, open_counters=(3,))
    body = client.get(f"/api/v1/halls/{hall_id}").json()
    assert body["open_now"] is False and body["today"] == "休息" and body["next_open"].startswith("2026-11-23T09:00")
    answer = client.post(f"/api/v1/halls/{hall_id}/tickets", headers=staff("hall_clerk"), json={"category": "payment"})
    assert answer.status_code == 409 and answer.json()["code"] == "hall_closed"


@pytest.mark.parametrize("weekly", [
    {"1": [["09:00", "25:00"]]},
    {"1": [["18:00", "09:00"]]},
    {"1": [["09:00", "13:00"], ["12:00", "18:00"]]},
    {"8": [["09:00", "18:00"]]},
    {"1": "09:00-18:00"},
])
def test_bad_opening_hours_are_refused_when_the_hall_is_saved(client, staff, weekly):
    body = {"code": "X", "name": "测试营业厅", "city": "南京市", "address": "中山路1号", "lat": 32.0, "lon": 118.8,
            "hours": weekly}
    answer = client.post("/api/v1/halls", headers=staff("supervisor"), json=body)
    assert answer.status_code == 422 and answer.json()["code"] in ("invalid_hours", "invalid_request")
    assert client.get("/api/v1/halls").json() == []
