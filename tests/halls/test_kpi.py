"""The hall KPIs exact on a small hand-made day (docs/halls.md defines them),
and their endpoint."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from kindline.core.db import transaction
from kindline.halls import care, desk, kpi, service, tickets
from tests.factories import mobile
from tests.halls.conftest import make_hall

TZ = ZoneInfo("Asia/Shanghai")


def _day(runtime) -> int:
    """09:00-10:00 at counters 1 (care) and 3 (general); a remote ticket never
    checked in; care-station visits; a class with three sign-ups."""
    hall_id = make_hall(runtime)
    clock = runtime.clock

    def at(hour: int, minute: int, action) -> None:
        clock.set(datetime(2026, 11, 22, hour, minute, tzinfo=TZ))
        with transaction(runtime.sessions) as session:
            action(session, service.get(session, hall_id))

    def take(category, **extra):
        return lambda s, h: tickets.take(s, clock, None, h, category=category, **extra)

    def do(op, number, **extra):
        return lambda s, h: op(s, clock, None, h, number, **extra)

    at(9, 0, lambda s, h: [service.open_counter(s, clock, None, h, n) for n in (1, 3)])
    at(9, 10, take("business"))  # A001
    at(9, 12, take("payment"))  # B001
    at(9, 15, do(desk.call_next, 3))  # A001 waited 300 s
    at(9, 16, do(desk.start, 3))
    at(9, 20, take("business", group="elderly"))  # A002, green: straight to care counter 1, waited 0
    at(9, 21, do(desk.start, 1))
    at(9, 24, do(desk.complete, 3, outcome="办理套餐变更"))  # A001 handled 480 s, counter 3 busy 540 s
    at(9, 25, do(desk.call_next, 3))  # B001 waited 780 s
    at(9, 26, do(desk.start, 3))
    at(9, 30, do(desk.complete, 1, outcome="教会使用微信"))  # A002 handled 540 s, counter 1 busy 600 s
    at(9, 31, do(desk.complete, 3, outcome="缴费50元"))  # B001 handled 300 s, counter 3 busy 360 s
    at(9, 31, take("payment"))  # B002
    at(9, 32, do(desk.call_next, 1))  # B002 waited 60 s
    at(9, 33, do(desk.recall, 1))
    at(9, 34, do(desk.recall, 1))
    at(9, 35, do(desk.no_show, 1))  # counter 1 busy 180 s
    at(9, 40, take("consultation", channel="portal"))  # C001, remote, never comes: expires 10:10
    at(10, 0, lambda s, h: [service.close_counter(s, clock, None, h, n) for n in (1, 3)])
    at(11, 0, lambda s, h: care.record_visit(s, clock, None, h, service="rest", group="elderly"))
    at(11, 5, lambda s, h: care.record_visit(s, clock, None, h, service="charging", group="outdoor_worker"))
    at(10, 30, lambda s, h: care.create_class(s, clock, None, topic="anti_fraud", title="识破冒充客服诈骗",
                                              starts_at=datetime(2026, 11, 22, 14, 0, tzinfo=TZ), capacity=3, hall=h))
    signups = []
    for channel in ("hall", "hotline", "sms"):
        at(10, 40, lambda s, h, c=channel: signups.append(
            care.sign_up(s, clock, None, 1, channel=c, phone=mobile(), name="王秀英")[0].id))
    at(15, 0, lambda s, h: care.take_attendance(s, clock, None, 1, signups[:2], [signups[0]]))
    at(16, 0, lambda s, h: care.follow_up(s, clock, None, 1, signups[0], method="video", asked="怎么拦截骚扰电话",
                                          solved=True))
    return hall_id


def test_kpis_of_a_hand_made_day(runtime):
    hall_id = _day(runtime)
    start = datetime(2026, 11, 22, tzinfo=TZ)
    with runtime.sessions() as session:
        found = kpi.compute(session, runtime.clock, start, datetime(2026, 11, 23, tzinfo=TZ), hall_id)
    assert found["tickets"] == {
        "taken": 5, "green": 1, "vip": 0, "remote": 1, "transfers": 0,
        "by_category": {"business": 2, "consultation": 1, "payment": 2},
        "by_hour": {"business": {"09": 2}, "consultation": {"09": 1}, "payment": {"09": 2}},
    }
    waits = found["waits"]
    assert waits["all"] == {"count": 4, "mean_seconds": 285.0, "p90_seconds": 780.0}
    assert waits["green_channel"] == {"count": 1, "mean_seconds": 0.0, "p90_seconds": 0.0}
    assert waits["ordinary"] == {"count": 3, "mean_seconds": 380.0, "p90_seconds": 780.0}
    assert waits["by_category"]["business"] == {"count": 2, "mean_seconds": 150.0, "p90_seconds": 300.0}
    assert waits["by_category"]["payment"] == {"count": 2, "mean_seconds": 420.0, "p90_seconds": 780.0}
    assert waits["by_category"]["consultation"]["count"] == 0 and waits["not_called"] == 0
    handling = found["handling"]
    assert handling["target_seconds"] == 480
    assert handling["all"] == {"count": 3, "mean_seconds": 440.0, "p90_seconds": 540.0, "within_target": 2,
                               "within_target_rate": 0.6667, "mean_within_target": True}
    assert handling["by_category"]["business"]["mean_seconds"] == 510.0
    assert handling["by_category"]["business"]["mean_within_target"] is False
    assert handling["by_category"]["payment"]["mean_seconds"] == 300.0
    assert found["no_shows"] == {"count": 1, "called": 4, "rate": 0.25}
    assert found["expired"] == 1
    assert found["counters"] == [
        {"hall_id": hall_id, "counter": 1, "open_seconds": 3600, "busy_seconds": 780, "utilisation": 0.2167},
        {"hall_id": hall_id, "counter": 3, "open_seconds": 3600, "busy_seconds": 900, "utilisation": 0.25},
    ]
    assert found["care_station"] == {"visits": 2, "by_service": {"charging": 1, "rest": 1},
                                     "by_group": {"elderly": 1, "outdoor_worker": 1}}
    assert found["classes"] == {"classes": 1, "signed_up": 3, "attended": 2, "attendance_rate": 0.6667,
                                "by_channel": {"hall": 1, "hotline": 1, "sms": 1}, "followup_group": 1,
                                "follow_up_visits": 1, "follow_ups_solved": 1, "follow_up_solved_rate": 1.0}

    with runtime.sessions() as session:  # half the day: counters clipped to 09:00-09:30
        half = kpi.compute(session, runtime.clock, datetime(2026, 11, 22, 9, tzinfo=TZ),
                           datetime(2026, 11, 22, 9, 30, tzinfo=TZ), hall_id)
    assert half["tickets"]["taken"] == 3
    assert [(c["counter"], c["open_seconds"], c["busy_seconds"]) for c in half["counters"]] == [
        (1, 1800, 600), (3, 1800, 840)]


def test_the_kpi_endpoint(runtime, client, staff):
    hall_id = _day(runtime)
    manager = staff("supervisor")
    params = {"hall": str(hall_id), "from": "2026-11-22", "to": "2026-11-23"}
    answer = client.get("/api/v1/kpi/halls", headers=manager, params=params)
    assert answer.status_code == 200, answer.text
    assert answer.json()["waits"]["all"]["mean_seconds"] == 285.0
    by_code = client.get("/api/v1/kpi/halls", headers=manager, params={**params, "hall": "NJ-XJK"}).json()
    assert by_code["tickets"] == answer.json()["tickets"]
    every = client.get("/api/v1/kpi/halls", headers=manager, params={"from": "2026-11-22", "to": "2026-11-23"})
    assert every.json()["hall_id"] is None and every.json()["tickets"]["taken"] == 5
    assert client.get("/api/v1/kpi/halls", headers=staff("hall_clerk")).status_code == 403
    backwards = client.get("/api/v1/kpi/halls", headers=manager, params={"from": "2026-11-23", "to": "2026-11-22"})
    assert backwards.status_code == 422 and backwards.json()["code"] == "invalid_period"
    assert client.get("/api/v1/kpi/halls", headers=manager, params={"hall": "NOPE"}).status_code == 404


@pytest.mark.parametrize("values, expected", [([], None), ([5.0], 5.0), (list(map(float, range(1, 11))), 9.0),
                                              (list(map(float, range(1, 12))), 10.0)])
def test_p90_is_the_nearest_rank(values, expected):
    assert kpi.p90(values) == expected
