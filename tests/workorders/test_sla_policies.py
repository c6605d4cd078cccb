"""SLA policies as configuration: a custom policy file matched by segment,
priority and source (first match wins), its mistakes named, and a pause on the
business-hours calendar counted in working time."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from kindline.core.settings import get_settings
from kindline.workorders import sla
from tests.factories import mobile_number, register
from tests.workorders.conftest import Holder, created, move
from tests.workorders.test_field_and_kpi import assert_the_replay_agrees, kpis

CUSTOM = """
warning_at: 0.5
calendars:
  office: {opens: "08:30", closes: "17:00", closed_days: [2026-11-23]}
policies:
  - code: elder_complaint
    name: 长者投诉
    match: {type: complaint, segment: [elderly, care_archive]}
    response: 30m
    resolution: 24h
  - code: urgent_repair
    match: {type: [repair], priority: [urgent, high]}
    resolution: 4h
  - code: platform
    match: {source: "12315"}
    calendar: office
    response: 2h
    resolution: 8h
  - code: fallback
    match: {}
    resolution: 3d
"""


def when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def test_the_first_policy_that_fits_applies():
    policies = sla.parse(CUSTOM)
    facts = {"type": "complaint", "priority": "normal", "segment": ["vip"], "area": "urban", "source": "hotline",
             "green": False}
    assert policies.for_facts(facts).code == "fallback"
    assert policies.for_facts({**facts, "segment": ["vip", "care_archive"]}).code == "elder_complaint"
    assert policies.for_facts({**facts, "segment": ["elderly"], "source": "12315"}).code == "elder_complaint"
    assert policies.for_facts({**facts, "source": "12315"}).code == "platform"
    assert policies.for_facts({**facts, "type": "repair", "priority": "high"}).code == "urgent_repair"
    assert policies.for_facts({**facts, "type": "repair", "priority": "low"}).code == "fallback"
    office = policies.by_code("platform").calendar
    assert (office.opens, office.closes, office.closed_days) == (
        datetime(2026, 1, 1, 8, 30).time(), datetime(2026, 1, 1, 17).time(), frozenset({date(2026, 11, 23)}))
    assert policies.warning_at == 0.5 and policies.by_code("fallback").response_seconds is None


@pytest.mark.parametrize(("text", "error"), [
    ("policies: [{code: a, match: {colour: red}, resolution: 1h}]", "unknown match keys ['colour']"),
    ("policies: [{code: a, calendar: night, resolution: 1h}]", "unknown calendar 'night'"),
    ("policies: [{code: a, resolution: 2 weeks}]", "not a duration: '2 weeks'"),
    ("policies: [{code: a, response: 1w, resolution: 1h}]", "not a duration: '1w'"),
    ("calendars: {late: {opens: '18:00', closes: '09:00'}}\npolicies: [{code: a, resolution: 1h}]",
     "calendar late: closes must be after opens"),
    ("warning_at: 0.8", "no SLA policies"),
])
def test_a_mistake_in_the_file_is_named(text, error):
    with pytest.raises(ValueError, match=error.replace("[", r"\[").replace("]", r"\]")):
        sla.parse(text)


def test_no_fitting_policy_and_an_unknown_code_are_lookup_errors():
    narrow = sla.parse("policies: [{code: only_repairs, match: {type: repair}, resolution: 24h}]")
    with pytest.raises(LookupError, match="no SLA policy fits"):
        narrow.for_facts({"type": "complaint"})
    with pytest.raises(LookupError, match="unknown SLA policy 'gone'"):
        narrow.by_code("gone")


@pytest.fixture
def custom_policies(tmp_path, monkeypatch):
    path = tmp_path / "sla_policies.yaml"
    path.write_text(CUSTOM, encoding="utf-8")
    monkeypatch.setenv("KINDLINE_WORKORDER_SLA_FILE", str(path))
    get_settings.cache_clear()
    yield path
    monkeypatch.undo()
    get_settings.cache_clear()


def test_work_orders_get_the_custom_file_s_policies(client, runtime, desk, holder, custom_policies):
    start = runtime.clock.now()  # Sunday 22 November 10:00; the office is closed on Monday the 23rd
    elder_id = register(runtime, birth=date(1950, 3, 8))
    elder = Holder(elder_id, mobile_number(runtime, elder_id, "MOB-59"))
    agent = desk.agent.headers
    cases = [
        (elder, {}, "elder_complaint", start + timedelta(minutes=30), start + timedelta(hours=24)),
        (elder, {"channel": "12315"}, "elder_complaint", start + timedelta(minutes=30), start + timedelta(hours=24)),
        (holder, {"channel": "12315"}, "platform", when("2026-11-24T10:30+08:00"), when("2026-11-24T16:30+08:00")),
        (holder, {}, "fallback", None, start + timedelta(days=3)),
        (holder, {"type": "repair", "priority": "urgent"}, "urgent_repair", None, start + timedelta(hours=4)),
        (holder, {"type": "repair", "priority": "high"}, "urgent_repair", None, start + timedelta(hours=4)),
        (holder, {"type": "repair"}, "fallback", None, start + timedelta(days=3)),
    ]
    for who, overrides, policy, response_due, resolution_due in cases:
        body = created(client, agent, who, **overrides)["sla"]
        assert body["policy"] == policy, overrides
        assert (when(body["response_due_at"]), when(body["resolution_due_at"])) == (response_due, resolution_due)
    elder_sla = created(client, agent, elder)["sla"]
    assert when(elder_sla["resolution"]["warn_at"]) == start + timedelta(hours=12)  # warning_at 0.5


def test_a_pause_on_the_business_hours_calendar_counts_working_time_only(client, runtime, desk, holder):
    agent = desk.agent.headers
    order = created(client, agent, holder, type="consultation", description="想了解长辈套餐怎么办理")
    # Created on Sunday: the clock starts on Monday at 09:00 (response 2 h, resolution 8 h).
    assert order["sla"]["policy"] == "consultation"
    assert when(order["sla"]["response_due_at"]) == when("2026-11-23T11:00+08:00")
    assert when(order["sla"]["resolution_due_at"]) == when("2026-11-23T17:00+08:00")
    runtime.clock.advance(24 * 3600)  # Monday 10:00
    move(client, agent, order["id"], "inProgress")
    runtime.clock.advance(6 * 3600)  # Monday 16:00: waiting for the customer's papers overnight
    move(client, agent, order["id"], "pending", "请客户提供身份证照片")
    runtime.clock.advance(18 * 3600)  # Tuesday 10:00: 16:00-17:30 and 09:00-10:00 were working time
    paused = client.get(f"/api/v1/workorders/{order['id']}", headers=agent).json()["sla"]
    assert paused["paused"] and paused["paused_seconds"] == 2.5 * 3600
    assert when(paused["resolution_due_at"]) == when("2026-11-24T11:00+08:00")
    back = move(client, agent, order["id"], "inProgress").json()["sla"]
    assert not back["paused"] and back["paused_seconds"] == 2.5 * 3600
    assert when(back["resolution_due_at"]) == when("2026-11-24T11:00+08:00")
    runtime.clock.advance(1800)
    assert move(client, agent, order["id"], "resolved", "已说明办理流程").json()["sla"]["state"] == "met"
    # Monday 8.5 h and Tuesday 1.5 h of working time, less the 2.5 h paused.
    assert kpis(client, desk)["handling_time"]["consultation"] == {
        "resolved": 1, "median_hours": 7.5, "p90_hours": 7.5}
    assert_the_replay_agrees(runtime)
