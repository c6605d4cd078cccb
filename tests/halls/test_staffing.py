"""Counters per hour by Erlang C (workforce), the green channel planned at a
zero-second wait, and the live suggestion to open another counter."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kindline.core.db import transaction
from kindline.core.errors import Invalid
from kindline.halls import service, staffing, tickets
from kindline.workforce.staffing import agents_needed
from tests.halls.conftest import make_hall

TZ = ZoneInfo("Asia/Shanghai")


def test_the_plan_per_hour():
    rows = staffing.plan({9: 20, 10: 40, 11: 0}, green_share=0.2, aht_seconds=480, wait_target_seconds=600)
    by_hour = {r.hour: r for r in rows}
    ordinary = agents_needed(32, 3600, 480, 0.8, 600)
    assert by_hour[10].counters == ordinary.agents and by_hour[10].green_arrivals == 8
    assert by_hour[10].care_counters == agents_needed(8, 3600, 480, 0.8, 0).agents
    assert by_hour[10].total == by_hour[10].counters + by_hour[10].care_counters
    assert by_hour[10].service_level >= 0.8 and by_hour[9].total < by_hour[10].total
    assert by_hour[11].total == 0  # nobody expected: nobody needed
    assert staffing.plan({9: 5}, green_share=0)[0].care_counters == 1  # a care counter whenever anyone may come


@pytest.mark.parametrize("options", [{"aht_seconds": 600}, {"green_share": 2}, {"wait_target_seconds": -1}])
def test_bad_staffing_input(options):
    with pytest.raises(Invalid):
        staffing.plan({9: 10}, **{"green_share": 0.2, **options})
    with pytest.raises(Invalid):
        staffing.plan({25: 10}, green_share=0.2)


def test_the_forecast_and_the_plan_endpoint(runtime, client, staff):
    hall_id = make_hall(runtime, open_counters=(3,))
    for weeks in (1, 2):  # the same weekday, one and two weeks ago: 3 and 1 visitors at 10:xx
        for minute in range(3 if weeks == 1 else 1):
            runtime.clock.set(datetime(2026, 11, 22, 10, minute, tzinfo=TZ) - timedelta(weeks=weeks))
            with transaction(runtime.sessions) as session:
                tickets.take(session, runtime.clock, None, service.get(session, hall_id), category="payment",
                             group="elderly" if minute == 0 else None)
    runtime.clock.set(datetime(2026, 11, 22, 10, 0, tzinfo=TZ))
    with runtime.sessions() as session:
        arrivals, green = staffing.forecast(session, runtime.clock, service.get(session, hall_id),
                                            runtime.clock.today())
    assert arrivals == {10: 1.0} and green == 0.5  # 4 visitors over four weeks, 2 of them green
    answer = client.get(f"/api/v1/halls/{hall_id}/staffing", headers=staff("supervisor"))
    assert answer.status_code == 200, answer.text
    assert [h["hour"] for h in answer.json()["hours"]] == [10] and answer.json()["green_share"] == 0.5
    assert client.get(f"/api/v1/halls/{hall_id}/staffing", headers=staff("hall_clerk")).status_code == 403


def test_open_another_counter_when_the_queue_grows(runtime, client, staff):
    hall_id = make_hall(runtime, open_counters=(3,))
    clerk = staff("hall_clerk")
    calm = client.get(f"/api/v1/halls/{hall_id}/staffing/now", headers=clerk).json()
    assert calm["open_another"] is False and calm["counter"] is None
    for _ in range(4):
        client.post(f"/api/v1/halls/{hall_id}/tickets", headers=clerk, json={"category": "business"})
    busy = client.get(f"/api/v1/halls/{hall_id}/staffing/now", headers=clerk).json()
    assert busy["waiting"] == 4 and busy["clear_seconds"] == 4 * 420
    assert busy["open_another"] is True and busy["counter"] == 1 and "建议开启1号窗口" in busy["message"]
