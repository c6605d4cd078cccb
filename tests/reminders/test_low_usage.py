"""low_usage: on the 25th at 10:00, lines that used less than 40% of their
plan's voice, SMS or data this cycle hear which; a durable timer that sets
next month's as it fires."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from kindline.core import timers
from kindline.core.db import transaction
from kindline.reminders import jobs
from tests.factories import load_demo_catalog, mobile_number, register
from tests.reminders.helpers import delivered, sent

TZ = ZoneInfo("Asia/Shanghai")
GIB = 1024 ** 3


@pytest.fixture
def month(runtime, clock, client, staff):
    """Lines opened in October on MOB-39 (100 minutes, no SMS, 5 GB), used in November."""
    load_demo_catalog(runtime)
    clock.set(datetime(2026, 10, 20, 10, 0, tzinfo=TZ))
    heavy, data_idle, idle = (mobile_number(runtime, register(runtime), "MOB-39") for _ in range(3))
    no_plan = mobile_number(runtime, register(runtime))
    clock.set(datetime(2026, 11, 22, 10, 0, tzinfo=TZ))
    newcomer = mobile_number(runtime, register(runtime), "MOB-39")  # opened this cycle: too early to judge
    headers = staff("mediation")
    records = [(heavy, "voice", 4800), (heavy, "data", 2 * GIB), (data_idle, "voice", 2400),
               (data_idle, "data", 100 * 1024 ** 2)]  # data_idle: voice exactly 40% is not low; data 2% is
    answer = client.post("/api/v1/usage", headers=headers, json=[
        {"record_id": f"r{n}", "msisdn": number, "kind": kind, "quantity": quantity,
         "started_at": "2026-11-21T09:00:00+08:00"} for n, (number, kind, quantity) in enumerate(records)])
    assert answer.status_code == 200, answer.text
    return {"heavy": heavy, "data_idle": data_idle, "idle": idle, "no_plan": no_plan, "newcomer": newcomer}


def low(runtime):
    return [(kind, params) for kind, params in sent(runtime) if kind == "low_usage"]


def test_low_usage_names_the_resources_under_40_percent(runtime, month):
    with transaction(runtime.sessions) as session:
        assert jobs.low_usage(session, runtime.clock, "2026-11") == 2
    assert low(runtime) == [("low_usage", {"resources": ["data"]}), ("low_usage", {"resources": ["voice", "data"]})]
    texts = {to: text for to, text in delivered(runtime) if "套餐建议" in text}
    assert texts[month["data_idle"]] == "【套餐建议】本月您的流量用量不足套餐的40%，可拨10001咨询更合适的套餐。"
    assert "通话、流量用量不足" in texts[month["idle"]]
    assert month["heavy"] not in texts and month["newcomer"] not in texts and month["no_plan"] not in texts
    with transaction(runtime.sessions) as session:
        assert jobs.low_usage(session, runtime.clock, "2026-11") == 0  # once per cycle


def test_a_durable_timer_runs_it_on_the_25th_at_10_and_sets_next_month(runtime, clock, month):
    with transaction(runtime.sessions) as session:
        first = jobs.ensure_scheduled(session, clock)
        assert jobs.ensure_scheduled(session, clock).id == first.id  # idempotent at every start-up
    assert (first.key, first.due_at) == ("2026-11", datetime(2026, 11, 25, 10, 0, tzinfo=TZ))
    clock.set(datetime(2026, 11, 25, 9, 59, tzinfo=TZ))
    assert timers.run_until_idle(runtime.sessions, clock) == 0
    clock.set(datetime(2026, 11, 25, 10, 0, tzinfo=TZ))
    assert timers.run_until_idle(runtime.sessions, clock) == 1
    assert len(low(runtime)) == 2
    with runtime.sessions() as session:
        pending = session.scalars(select(timers.Timer).where(timers.Timer.kind == jobs.LOW_USAGE,
                                                             timers.Timer.fired_at.is_(None))).all()
        assert [(t.key, t.due_at) for t in pending] == [("2026-12", datetime(2026, 12, 25, 10, 0, tzinfo=TZ))]
    with transaction(runtime.sessions) as session:
        assert jobs.ensure_scheduled(session, clock).key == "2026-12"  # past this month's moment: next month's
