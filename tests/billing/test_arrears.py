"""Low balance, arrears and the 1-hour reopen (绿色开机): reminders at 15 and 5
yuan re-armed by payments, a warning and suspension 24 hours later on a durable
timer, restore on payment, and the reopen once in 24 hours."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from kindline.billing import arrears
from kindline.billing import service as billing
from kindline.core import timers
from kindline.core.db import make_session_factory, transaction
from kindline.customers import lines
from tests.billing.conftest import balance
from tests.conftest import START
from tests.factories import load_demo_catalog, mobile_number, register, subscriber_headers
from tests.reminders.helpers import charge, delivered, kinds, line_status, notes, pay, sent

TZ = ZoneInfo("Asia/Shanghai")
HOUR = 3600


def _pending(runtime, kind: str) -> list[timers.Timer]:
    with runtime.sessions() as session:
        return list(session.scalars(select(timers.Timer).where(
            timers.Timer.kind == kind, timers.Timer.fired_at.is_(None), timers.Timer.cancelled_at.is_(None))))


def _fire(runtime) -> int:
    """Fire due timers from a fresh session factory, as a restarted worker would."""
    return timers.run_until_idle(make_session_factory(runtime.engine), runtime.clock)


def _in_arrears(runtime) -> tuple[int, str, str]:
    """A customer with two mobile lines, 2 yuan in arrears; answers (customer, first, second)."""
    customer = register(runtime)
    first, second = mobile_number(runtime, customer), mobile_number(runtime, customer)
    pay(runtime, first, 100)
    charge(runtime, first, 300)
    return customer, first, second


def _suspended(runtime, clock) -> tuple[int, str, str]:
    customer, first, second = _in_arrears(runtime)
    clock.advance(24 * HOUR)
    assert _fire(runtime) == 1
    return customer, first, second


def _reopen(client, headers, number, **body):
    return client.post(f"/api/v1/lines/{number}/reopen", headers=headers, json=body or None)  # the body is optional


def test_balance_below_15_and_5_yuan_once_each_until_a_payment_lifts_it_back(runtime):
    number = mobile_number(runtime, register(runtime))
    pay(runtime, number, 2000)
    charge(runtime, number, 400)  # 16 yuan
    assert kinds(runtime) == []
    charge(runtime, number, 200)  # 14
    charge(runtime, number, 100)  # 13: still below 15, no second SMS
    charge(runtime, number, 900)  # 4
    assert sent(runtime) == [("balance_below", {"threshold_fen": 1500, "balance_fen": 1400}),
                             ("balance_below", {"threshold_fen": 500, "balance_fen": 400})]
    pay(runtime, number, 300)  # 7: above 5 again, still below 15
    charge(runtime, number, 300)  # 4: below 5 again -> re-armed, sent again
    charge(runtime, number, 100)
    pay(runtime, number, 2000)  # 23: above both
    charge(runtime, number, 1000)  # 13
    assert [params["threshold_fen"] for _kind, params in sent(runtime)] == [1500, 500, 500, 1500]
    assert [text for _to, text in delivered(runtime)][-1] == "【余额提醒】您的话费余额已不足15元，请及时充值，以免影响使用。详询10001。"


def test_a_fall_past_both_thresholds_sends_both_to_the_first_active_mobile_line(runtime):
    customer = register(runtime)
    paused, mobile = mobile_number(runtime, customer), mobile_number(runtime, customer)
    with transaction(runtime.sessions) as session:
        lines.suspend(lines.by_number(session, paused), "request")
    pay(runtime, mobile, 2000)
    charge(runtime, mobile, 1700)  # 20 -> 3 yuan
    assert sent(runtime, mobile) == [("balance_below", {"threshold_fen": 1500, "balance_fen": 300}),
                                     ("balance_below", {"threshold_fen": 500, "balance_fen": 300})]
    assert kinds(runtime, paused) == []

    no_mobile = register(runtime)
    with transaction(runtime.sessions) as session:
        holder = session.get(lines.Customer, no_mobile)
        lines.open_line(session, runtime.clock, holder, kind="broadband", number="BB-2001")
        account = billing.account_for(session, runtime.clock, no_mobile)
        billing.post(session, runtime.clock, account, "payment", 2000, reference="p:bb", actor="system")
        billing.post(session, runtime.clock, account, "fee", -1000, reference="f:bb", actor="system")
    assert len(notes(runtime)) == 2  # no active mobile line to text: skipped


def test_arrears_warn_then_suspend_every_line_24_hours_later_on_a_durable_timer(runtime, clock, client, staff):
    customer, first, second = _in_arrears(runtime)
    due = START + timedelta(hours=24)
    [(kind, params)] = sent(runtime)
    assert (kind, params["balance_fen"], datetime.fromisoformat(params["suspend_at"])) == ("arrears_warning", -200, due)
    [timer] = _pending(runtime, arrears.SUSPEND)
    assert timer.due_at == due
    assert delivered(runtime) == [(first, "【欠费提醒】您的话费已欠费，如未缴费将于11月23日10:00停机。缴费后即可正常使用。")]
    clerk = staff("hall_clerk")
    shown = balance(client, clerk, second)
    assert (shown["status"], shown["in_arrears"], shown["status_text"]) == ("active", True, "已欠费，11月23日10:00将停机")
    assert datetime.fromisoformat(shown["suspends_at"]) == due

    clock.advance(23 * HOUR + 59 * 60)
    assert _fire(runtime) == 0 and line_status(runtime, first) == ("active", None)
    clock.advance(60)
    assert _fire(runtime) == 1
    assert line_status(runtime, first) == line_status(runtime, second) == ("suspended", "arrears")
    assert kinds(runtime) == ["arrears_warning", "suspended"]
    shown = balance(client, clerk, first)
    assert (shown["status"], shown["status_text"], shown["suspends_at"]) == ("suspended", "欠费停机", None)
    charge(runtime, first, 500)  # deeper in arrears: nothing new to say
    assert kinds(runtime) == ["arrears_warning", "suspended"] and _fire(runtime) == 0


def test_a_payment_ending_arrears_restores_the_lines_and_rearms_the_warning(runtime, clock):
    customer, first, second = _suspended(runtime, clock)
    request_paused = mobile_number(runtime, customer)
    with transaction(runtime.sessions) as session:
        lines.suspend(lines.by_number(session, request_paused), "request")
    pay(runtime, second, 1000)  # -2 -> 8 yuan
    assert line_status(runtime, first) == line_status(runtime, second) == ("active", None)
    assert line_status(runtime, request_paused) == ("suspended", "request")  # not arrears: not ours to resume
    assert sent(runtime)[-1] == ("restored", {"balance_fen": 800})
    assert [to for to, _text in delivered(runtime)] == [first, first, first]

    charge(runtime, first, 900)  # 8 -> -1 yuan: past 5 yuan, and in arrears again: warned again, suspended again
    assert kinds(runtime) == ["arrears_warning", "suspended", "restored", "balance_below", "arrears_warning"]
    clock.advance(24 * HOUR)
    assert _fire(runtime) == 1
    assert kinds(runtime)[-1] == "suspended" and line_status(runtime, second) == ("suspended", "arrears")
    assert line_status(runtime, request_paused) == ("suspended", "request")


def test_paying_within_the_24_hours_cancels_the_suspension(runtime, clock):
    _customer, first, _second = _in_arrears(runtime)
    clock.advance(2 * HOUR)
    pay(runtime, first, 200)  # exactly 0: no longer in arrears
    assert _pending(runtime, arrears.SUSPEND) == []
    clock.advance(48 * HOUR)
    assert _fire(runtime) == 0
    assert line_status(runtime, first) == ("active", None)
    assert kinds(runtime) == ["arrears_warning", "restored"]


def test_credit_from_the_vip_level_moves_where_arrears_begin(runtime, monkeypatch):
    monkeypatch.setitem(billing.CREDIT_BY_VIP_LEVEL, 0, 1000)
    number = mobile_number(runtime, register(runtime))
    charge(runtime, number, 1000)  # -10 yuan: within the 10-yuan credit
    assert kinds(runtime) == []
    charge(runtime, number, 1)
    assert kinds(runtime) == ["arrears_warning"]


def test_arrears_at_night_warn_at_8_and_give_the_full_24_hours_after(runtime, clock):
    clock.set(datetime(2026, 11, 22, 23, 0, tzinfo=TZ))
    _in_arrears(runtime)
    [note] = notes(runtime)
    assert note.send_at == datetime(2026, 11, 23, 8, 0, tzinfo=TZ)
    assert _pending(runtime, arrears.SUSPEND)[0].due_at == datetime(2026, 11, 24, 8, 0, tzinfo=TZ)
    assert "11月24日08:00停机" in note.text


def test_reopen_for_an_hour_once_in_24_hours_then_suspended_again(runtime, clock, client):
    customer, first, second = _suspended(runtime, clock)
    me = subscriber_headers(runtime, customer)
    answer = _reopen(client, me, first)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    until = clock.now() + timedelta(hours=1)
    assert (datetime.fromisoformat(body["reopened_until"]), body["channel"]) == (until, "online")
    assert "前可正常通话" in body["message"]
    assert line_status(runtime, first) == ("active", None) and line_status(runtime, second) == ("suspended", "arrears")
    shown = balance(client, me, first)
    assert (shown["status"], datetime.fromisoformat(shown["reopened_until"])) == ("reopened", until)
    assert shown["status_text"] == "临时开机至11月23日11:00"

    again = _reopen(client, me, first)
    assert again.status_code == 409 and again.json()["code"] == "not_suspended_for_arrears"
    clock.advance(HOUR)
    assert _fire(runtime) == 1
    assert line_status(runtime, first) == ("suspended", "arrears")
    assert kinds(runtime, first) == ["arrears_warning", "suspended", "suspended"]  # told it is over

    clock.advance(22 * HOUR)
    refused = _reopen(client, me, first)
    assert refused.status_code == 409 and refused.json()["code"] == "reopen_used"
    assert datetime.fromisoformat(refused.json()["detail"]["next_at"]) == until + timedelta(hours=23)
    assert _reopen(client, me, second).status_code == 200  # once per line
    clock.advance(HOUR)
    assert _reopen(client, me, first).status_code == 200  # 24 hours after the first


def test_a_payment_during_the_hour_keeps_the_line_open(runtime, clock, client):
    customer, first, second = _suspended(runtime, clock)
    with transaction(runtime.sessions) as session:  # the domain function the SMS hall and the portal call
        until = arrears.reopen(session, clock, lines.by_number(session, first), channel="sms",
                               actor=f"subscriber:{customer}")
    assert until == clock.now() + timedelta(hours=1)
    pay(runtime, first, 5000)
    assert _pending(runtime, arrears.RESUSPEND) == []
    clock.advance(2 * HOUR)
    assert _fire(runtime) == 0
    assert line_status(runtime, first) == line_status(runtime, second) == ("active", None)


def test_who_may_reopen_and_when_it_is_refused(runtime, clock, client, staff):
    customer, first, _second = _suspended(runtime, clock)
    other = register(runtime)
    cases = [(staff("technician"), {}, 403, "not_allowed"), (subscriber_headers(runtime, other), {}, 403, "not_allowed"),
             (staff("agent"), {"channel": "fax"}, 422, "invalid_channel")]
    for headers, body, status, code in cases:
        answer = _reopen(client, headers, first, **body)
        assert (answer.status_code, answer.json()["code"]) == (status, code)
    agent = _reopen(client, staff("agent"), first, channel="hotline")
    assert agent.status_code == 200 and agent.json()["channel"] == "hotline"

    fine = mobile_number(runtime, register(runtime))
    paused = mobile_number(runtime, register(runtime))
    with transaction(runtime.sessions) as session:
        lines.suspend(lines.by_number(session, paused), "request")
    for number in (fine, paused):
        answer = _reopen(client, staff("agent"), number, channel="hall")
        assert (answer.status_code, answer.json()["code"]) == (409, "not_suspended_for_arrears")


def test_the_balance_answers_the_allowances_used_and_remaining(runtime, client, staff):
    load_demo_catalog(runtime)
    customer = register(runtime)
    number = mobile_number(runtime, customer, "MOB-39")
    pay(runtime, number, 3900)
    shown = balance(client, subscriber_headers(runtime, customer), number)
    assert (shown["balance_yuan"], shown["status"], shown["status_text"]) == ("39.00", "active", "正常")
    allowances = {a["kind"]: a for a in shown["allowances"]}
    assert set(allowances) == {"voice", "sms", "data"}
    voice = allowances["voice"]
    assert (voice["kind_name"], voice["total"], voice["used"], voice["remaining"], voice["percent_used"]) == \
        ("通话", 6000, 0, 6000, 0)
    assert allowances["data"]["total"] == 5 * 1024 ** 3


def test_one_big_posting_and_many_small_ones_send_the_same_reminders(runtime):
    """Rating commits in batches of any size: what the subscriber hears must not depend on it."""
    at_once_number, bit_by_bit = mobile_number(runtime, register(runtime)), mobile_number(runtime, register(runtime))
    for number in (at_once_number, bit_by_bit):
        pay(runtime, number, 2000)
    charge(runtime, at_once_number, 2500)  # 20 -> -5 yuan in one posting
    for _ in range(5):
        charge(runtime, bit_by_bit, 500)
    one, many = notes(runtime)[:3], notes(runtime)[3:]
    assert [(n.kind, n.param_key, n.text) for n in one] == [(n.kind, n.param_key, n.text) for n in many]
    assert [n.kind for n in one] == ["balance_below", "balance_below", "arrears_warning"]
