"""The care station's visit log and the elderly classes through the API."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.factories import mobile, subscriber_headers

TZ = ZoneInfo("Asia/Shanghai")


def test_care_station_visits(client, floor):
    url = f"/api/v1/halls/{floor.hall_id}/care-visits"
    ok = client.post(url, headers=floor.clerk, json={"service": "charging", "group": "outdoor_worker"})
    assert ok.status_code == 201 and ok.json()["service_name"] == "手机充电" and ok.json()["group_name"] == "户外劳动者"
    not_here = client.post(url, headers=floor.clerk, json={"service": "convenience", "group": "elderly"})
    assert not_here.status_code == 422 and not_here.json()["code"] == "care_service_not_offered"
    who = client.post(url, headers=floor.clerk, json={"service": "rest", "group": "tourist"})
    assert who.status_code == 422 and who.json()["code"] == "invalid_group"
    assert client.post(url, json={"service": "rest", "group": "elderly"}).status_code == 401
    listed = client.get(url, headers=floor.clerk).json()
    assert [v["service"] for v in listed] == ["charging"]


def _class(client, floor, **overrides):
    body = {"topic": "wechat", "title": "微信视频通话", "capacity": 2, "hall_id": floor.hall_id,
            "starts_at": "2026-11-23T14:00:00+08:00", **overrides}
    return client.post("/api/v1/halls/classes", headers=floor.manager, json=body)


def test_a_class_from_sign_up_to_follow_up(client, floor, runtime, visitor):
    assert _class(client, floor, hall_id=None).json()["code"] == "class_place"
    assert client.post("/api/v1/halls/classes", headers=floor.clerk,
                       json={"topic": "wechat", "capacity": 2, "hall_id": floor.hall_id,
                             "starts_at": "2026-11-23T14:00:00+08:00"}).status_code == 403
    assert _class(client, floor, topic="poetry").json()["code"] == "invalid_topic"
    created = _class(client, floor)
    assert created.status_code == 201, created.text
    lesson = created.json()
    assert lesson["topic_name"] == "微信使用" and lesson["seats_left"] == 2 and lesson["city"] == "南京市"
    url = f"/api/v1/halls/classes/{lesson['id']}"

    elder = visitor()
    mine = subscriber_headers(runtime, elder.customer_id)
    portal = client.post(f"{url}/signups", headers=mine, json={"channel": "portal"})
    assert portal.status_code == 201 and portal.json()["customer_id"] == elder.customer_id
    again = client.post(f"{url}/signups", headers=mine, json={"channel": "portal"})
    assert again.status_code == 200 and again.json()["id"] == portal.json()["id"]
    other = client.post(f"{url}/signups", headers=mine, json={"channel": "portal", "phone": mobile()})
    assert other.status_code == 403
    hall = client.post(f"{url}/signups", headers=floor.clerk, json={"channel": "hall", "phone": mobile(), "name": "李桂兰"})
    assert hall.status_code == 201 and "*" in hall.json()["phone"]
    full = client.post(f"{url}/signups", headers=floor.clerk, json={"channel": "hotline", "phone": mobile(), "name": "赵"})
    assert full.status_code == 409 and full.json()["code"] == "class_full"
    assert client.get("/api/v1/halls/classes").json()[0]["seats_left"] == 0

    early = client.post(f"{url}/attendance", headers=floor.clerk, json={"attended": [portal.json()["id"]]})
    assert early.status_code == 409 and early.json()["code"] == "class_not_started"
    runtime.clock.set(datetime(2026, 11, 23, 15, 0, tzinfo=TZ))
    late = client.post(f"{url}/signups", headers=floor.clerk, json={"channel": "hall", "phone": mobile(), "name": "钱"})
    assert late.status_code == 409 and late.json()["code"] == "class_started"
    taken = client.post(f"{url}/attendance", headers=floor.clerk,
                        json={"attended": [portal.json()["id"]], "followup_group": [portal.json()["id"]]})
    assert taken.status_code == 200
    assert [(s["attended"], s["followup_group"]) for s in taken.json()] == [(True, True), (False, False)]

    runtime.clock.advance(timedelta(days=7).total_seconds())
    absent = client.post(f"{url}/signups/{hall.json()['id']}/follow-ups", headers=floor.clerk,
                         json={"method": "phone", "asked": "x", "solved": True})
    assert absent.status_code == 409 and absent.json()["code"] == "not_attended"
    visit = client.post(f"{url}/signups/{portal.json()['id']}/follow-ups", headers=floor.clerk,
                        json={"method": "video", "asked": "怎么给孙子发视频", "solved": True})
    assert visit.status_code == 201 and visit.json()["solved"] is True
    bad = client.post(f"{url}/signups/{portal.json()['id']}/follow-ups", headers=floor.clerk,
                      json={"method": "letter", "asked": "?", "solved": False})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_method"


def test_a_community_class_needs_its_city(client, floor):
    missing = _class(client, floor, hall_id=None, community="梅园新村社区活动室")
    assert missing.status_code == 422 and missing.json()["code"] == "missing_field"
    ok = _class(client, floor, hall_id=None, community="梅园新村社区活动室", city="南京市", topic="anti_fraud")
    assert ok.status_code == 201 and ok.json()["community"] == "梅园新村社区活动室"
