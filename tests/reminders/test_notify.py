"""notify and usage_moved: once per threshold per line per cycle, never at
night, one SMS however many workers cross a threshold together."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from kindline.core.db import transaction
from kindline.core.errors import Invalid
from kindline.core.outbox import OutboxMessage
from kindline.customers import lines
from kindline.reminders import rules, service
from kindline.reminders.models import Notification
from tests.concurrency import at_once
from tests.factories import load_demo_catalog, mobile_number, register
from tests.reminders.helpers import delivered, kinds, notes, sent

TZ = ZoneInfo("Asia/Shanghai")


def _notify(runtime, number, kind, cycle="2026-11", **params):
    with transaction(runtime.sessions) as session:
        note = service.notify(session, runtime.clock, lines.by_number(session, number), kind, cycle=cycle,
                              params=params)
        return note.id if note else None


def _usage(runtime, number, resource, before, after, allowance, cycle="2026-11"):
    with transaction(runtime.sessions) as session:
        service.usage_moved(session, runtime.clock, lines.by_number(session, number), resource, cycle, before, after,
                            allowance)


def test_a_reminder_goes_out_once_per_threshold_per_line_per_cycle(runtime):
    number, other = mobile_number(runtime, register(runtime)), mobile_number(runtime, register(runtime))
    assert _notify(runtime, number, "usage_80", resource="voice") is not None
    assert _notify(runtime, number, "usage_80", resource="voice") is None  # already sent this cycle
    assert _notify(runtime, number, "usage_80", resource="data") is not None  # another resource
    assert _notify(runtime, number, "usage_100", resource="voice") is not None  # another threshold
    assert _notify(runtime, other, "usage_80", resource="voice") is not None  # another line
    assert _notify(runtime, number, "usage_80", "2026-12", resource="voice") is not None  # next cycle
    assert len(notes(runtime)) == 5
    assert (number, "【用量提醒】您本月套餐内通话已用80%，请留意使用。详询10001。") in delivered(runtime)
    assert [n.cycle for n in notes(runtime)] == ["2026-11"] * 4 + ["2026-12"]


@pytest.mark.parametrize(("local", "send_at"), [
    (datetime(2026, 11, 22, 22, 30), datetime(2026, 11, 23, 8, 0)),
    (datetime(2026, 11, 22, 22, 0), datetime(2026, 11, 23, 8, 0)),
    (datetime(2026, 11, 23, 0, 5), datetime(2026, 11, 23, 8, 0)),
    (datetime(2026, 11, 23, 7, 59), datetime(2026, 11, 23, 8, 0)),
    (datetime(2026, 11, 23, 8, 0), datetime(2026, 11, 23, 8, 0)),
    (datetime(2026, 11, 22, 21, 59), datetime(2026, 11, 22, 21, 59)),
])
def test_never_between_22_and_8_the_sms_waits_for_8_local(runtime, clock, local, send_at):
    number = mobile_number(runtime, register(runtime))
    clock.set(local.replace(tzinfo=TZ))
    _notify(runtime, number, "usage_100", resource="sms")
    [note] = notes(runtime)
    assert note.send_at == send_at.replace(tzinfo=TZ)
    if send_at > local:
        assert delivered(runtime) == []  # held back in the outbox
        clock.set(send_at.replace(tzinfo=TZ))
    assert [recipient for recipient, _text in delivered(runtime)] == [number]


def test_usage_fires_80_and_100_once_each_as_use_crosses_them(runtime):
    number = mobile_number(runtime, register(runtime))
    _usage(runtime, number, "voice", 0, 4790, 6000)
    assert kinds(runtime) == []
    _usage(runtime, number, "voice", 4790, 4800, 6000)  # exactly 80%
    _usage(runtime, number, "voice", 4800, 5990, 6000)
    _usage(runtime, number, "voice", 5990, 6000, 6000)  # exactly 100%
    _usage(runtime, number, "voice", 6000, 9000, 6000)  # overage: nothing more
    _usage(runtime, number, "sms", 0, 250, 100)  # both at once: both, as if the records had come one by one
    _usage(runtime, number, "data", 0, 10 ** 12, 0)  # no allowance of this kind: nothing to remind
    _usage(runtime, number, "voice", 0, 5000, 6000, cycle="2026-12")
    assert sent(runtime) == [("usage_80", {"resource": "voice"}), ("usage_100", {"resource": "voice"}),
                             ("usage_80", {"resource": "sms"}), ("usage_100", {"resource": "sms"}),
                             ("usage_80", {"resource": "voice"})]
    assert service.usage_may_cross(4790, 4800, 6000) and not service.usage_may_cross(4800, 5990, 6000)


def test_two_workers_crossing_a_threshold_together_send_one_sms(runtime):
    number = mobile_number(runtime, register(runtime))
    answers = at_once(6, lambda _n: _notify(runtime, number, "balance_below", threshold_fen=1500, balance_fen=900))
    assert sum(answer is not None for answer in answers) == 1
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Notification)) == 1
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_rating_usage_reminds_the_pool_once(client, runtime, staff):
    load_demo_catalog(runtime)
    number = mobile_number(runtime, register(runtime), "MOB-39")  # 100 minutes of calls
    headers = staff("mediation")

    def call(seconds, n):
        answer = client.post("/api/v1/usage", headers=headers, json=[{
            "record_id": f"call-{n}", "msisdn": number, "kind": "voice", "quantity": seconds,
            "started_at": "2026-11-22T09:00:00+08:00"}])
        assert answer.status_code == 200, answer.text

    call(4740, 1)  # 79 minutes
    call(60, 2)  # the 80th minute
    call(60, 3)
    assert sent(runtime, number) == [("usage_80", {"resource": "voice"})]


def test_every_default_text_fits_one_sms_and_names_what_happened(clock):
    samples = {
        "usage_80": {"resource": "voice"}, "usage_100": {"resource": "data"},
        "balance_below": {"threshold_fen": 1500, "balance_fen": 1234},
        "arrears_warning": {"balance_fen": -12345, "suspend_at": "2026-11-23T10:00:00+08:00"},
        "suspended": {}, "restored": {"balance_fen": 5000}, "low_usage": {"resources": ["voice", "sms", "data"]},
        "points_expiring": {"points": 12000, "expires_on": "2026-12-31"},
    }
    texts = {kind: rules.render(kind, params, rules.current(), clock.tz) for kind, params in samples.items()}
    assert set(texts) == set(rules.KINDS)
    assert {kind: len(text) for kind, text in texts.items() if len(text) > rules.SMS_LENGTH} == {}
    assert "不足15元，请及时充值" in texts["balance_below"] and "12.34" not in texts["balance_below"]
    assert "将于11月23日10:00停机" in texts["arrears_warning"]
    assert "当前余额50元" in texts["restored"]
    assert "通话、短信、流量" in texts["low_usage"] and "40%" in texts["low_usage"]
    assert "12000积分将于2026年12月31日到期" in texts["points_expiring"]


def test_an_unknown_kind_or_missing_params_is_refused(runtime):
    number = mobile_number(runtime, register(runtime))
    for kind, params in [("usage_90", {"resource": "voice"}), ("usage_80", {}), ("usage_80", {"resource": "tv"}),
                         ("points_expiring", {"expires_on": "2026-12-31"})]:
        with pytest.raises(Invalid):
            _notify(runtime, number, kind, **params)
    assert notes(runtime) == []


def test_thresholds_and_texts_are_configuration(runtime):
    number = mobile_number(runtime, register(runtime))
    texts = dict(rules.current().texts, usage_80="本月{resource_name}已用{percent}%。")
    previous = rules.configure(usage_percents={"usage_80": 90, "usage_100": 100}, texts=texts)
    try:
        _usage(runtime, number, "data", 0, 850, 1000)
        assert kinds(runtime) == []
        _usage(runtime, number, "data", 850, 900, 1000)
    finally:
        rules.restore(previous)
    assert [text for _to, text in delivered(runtime)] == ["本月流量已用90%。"]
