"""Tickets through the API on the real services: the green channel, VIPs,
three calls before a number is passed over, transfers, completion, remote
tickets held 30 minutes, the "three ahead" SMS, retries and bad input."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from kindline.halls.models import HallEvent, Ticket
from tests.factories import subscriber_headers
from tests.halls.conftest import (
    SEVENTY,
    call_next,
    counter_op,
    make_hall,
    take,
    taken,
    texts_to,
)


def _count(runtime, model) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_an_elderly_visitor_goes_at_once_to_the_free_care_counter(client, floor, visitor):
    for _ in range(3):
        taken(client, floor.clerk, floor.hall_id)
    elder = visitor(SEVENTY)
    ticket = taken(client, floor.clerk, floor.hall_id, phone=elder.phone)
    assert ticket["green"] and ticket["group"] == "elderly" and ticket["group_source"] == "phone"
    assert ticket["status"] == "called" and ticket["counter"] == 1 and ticket["number"] == "A004"
    assert "1号窗口" in ticket["message"] and ticket["expected_wait_seconds"] == 0
    assert ticket["phone"].count("*") == 4  # masked


def test_a_green_ticket_is_called_before_earlier_ordinary_tickets(client, floor, visitor):
    first = [taken(client, floor.clerk, floor.hall_id)["number"] for _ in range(3)]
    assert call_next(client, floor.clerk, floor.hall_id, 1)["number"] == first[0]  # the care counter is busy now
    elder = visitor(SEVENTY)
    ticket = taken(client, floor.clerk, floor.hall_id, id_number=elder.id_number, category="payment")
    assert ticket["green"] and ticket["group_source"] == "id_card" and ticket["status"] == "waiting"
    assert ticket["ahead"] == 0
    assert call_next(client, floor.clerk, floor.hall_id, 3)["number"] == ticket["number"]  # before A002, A003
    assert call_next(client, floor.clerk, floor.hall_id, 2)["number"] == first[1]


def test_declared_groups_take_the_green_channel_and_outdoor_workers_do_not(client, floor):
    counter_op(client, floor.clerk, floor.hall_id, 1, "close")
    pregnant = taken(client, floor.clerk, floor.hall_id, group="pregnant")
    assert pregnant["green"] and pregnant["group_source"] == "declared" and pregnant["group_name"] == "孕妇"
    answer = take(client, floor.clerk, floor.hall_id, group="outdoor_worker")
    assert answer.status_code == 422 and answer.json()["code"] == "invalid_group"


def test_a_vip_goes_to_the_vip_counter_and_to_any_counter_when_none_is_open(client, floor, visitor):
    a1 = taken(client, floor.clerk, floor.hall_id)
    a2 = taken(client, floor.clerk, floor.hall_id)
    rich = visitor(vip_level=5)
    vip = taken(client, floor.clerk, floor.hall_id, phone=rich.phone)
    assert vip["vip"] and not vip["green"] and "VIP" in vip["message"]
    assert call_next(client, floor.clerk, floor.hall_id, 3)["number"] == a1["number"]
    assert call_next(client, floor.clerk, floor.hall_id, 2)["number"] == vip["number"]  # ahead of A002
    assert call_next(client, floor.clerk, floor.hall_id, 1)["number"] == a2["number"]

    hall_id = make_hall(client.app.state.runtime, code="NJ-GL", name="鼓楼营业厅",
                        counters=((1, "general"), (2, "vip")), open_counters=(1,))
    vip2 = taken(client, floor.clerk, hall_id, phone=rich.phone)
    assert call_next(client, floor.clerk, hall_id, 1)["number"] == vip2["number"]  # no VIP counter open


def test_a_number_is_passed_over_only_after_three_calls(client, floor):
    first = taken(client, floor.clerk, floor.hall_id)
    second = taken(client, floor.clerk, floor.hall_id)
    assert call_next(client, floor.clerk, floor.hall_id, 3)["calls"] == 1
    early = counter_op(client, floor.clerk, floor.hall_id, 3, "no-show")
    assert early.status_code == 409 and early.json()["code"] == "calls_remaining"
    busy = counter_op(client, floor.clerk, floor.hall_id, 3, "call-next")
    assert busy.status_code == 409 and busy.json()["code"] == "counter_busy"
    for calls in (2, 3):
        again = counter_op(client, floor.clerk, floor.hall_id, 3, "recall")
        assert again.status_code == 200 and again.json()["calls"] == calls
    fourth = counter_op(client, floor.clerk, floor.hall_id, 3, "recall")
    assert fourth.status_code == 409 and fourth.json()["code"] == "max_calls"
    passed = counter_op(client, floor.clerk, floor.hall_id, 3, "no-show")
    assert passed.status_code == 200 and passed.json()["status"] == "no_show"
    assert passed.json()["number"] == first["number"]
    assert call_next(client, floor.clerk, floor.hall_id, 3)["number"] == second["number"]


def test_transfer_gives_a_new_number_that_keeps_the_place_in_line(client, floor, runtime):
    counter_op(client, floor.clerk, floor.hall_id, 1, "close")
    counter_op(client, floor.clerk, floor.hall_id, 2, "close")
    business = taken(client, floor.clerk, floor.hall_id, category="business")
    runtime.clock.advance(30)
    payment = taken(client, floor.clerk, floor.hall_id, category="payment")
    call_next(client, floor.clerk, floor.hall_id, 3)
    counter_op(client, floor.clerk, floor.hall_id, 3, "start")
    same = counter_op(client, floor.clerk, floor.hall_id, 3, "transfer", category="business")
    assert same.status_code == 422 and same.json()["code"] == "same_category"
    unknown = counter_op(client, floor.clerk, floor.hall_id, 3, "transfer", category="lottery")
    assert unknown.status_code == 422
    moved = counter_op(client, floor.clerk, floor.hall_id, 3, "transfer", category="payment")
    assert moved.status_code == 200, moved.text
    old, new = moved.json()["old"], moved.json()["new"]
    assert old["status"] == "transferred" and old["number"] == business["number"]
    assert new["number"] == "B002" and new["category"] == "payment" and new["transferred_from_id"] == old["id"]
    assert new["ahead"] == 0  # keeps its place, ahead of B001 taken later
    assert call_next(client, floor.clerk, floor.hall_id, 3)["number"] == "B002"
    counter_op(client, floor.clerk, floor.hall_id, 3, "complete", outcome="已缴费")
    assert call_next(client, floor.clerk, floor.hall_id, 3)["number"] == payment["number"]


def test_complete_records_what_was_done_and_the_handling_time(client, floor, runtime):
    taken(client, floor.clerk, floor.hall_id)
    call_next(client, floor.clerk, floor.hall_id, 3)
    runtime.clock.advance(40)
    counter_op(client, floor.clerk, floor.hall_id, 3, "start")
    runtime.clock.advance(300)
    empty = counter_op(client, floor.clerk, floor.hall_id, 3, "complete", outcome="  ")
    assert empty.status_code == 422 and empty.json()["code"] == "outcome_required"
    missing = counter_op(client, floor.clerk, floor.hall_id, 3, "complete", outcome="开户", order_ids=[999])
    assert missing.status_code == 404 and missing.json()["code"] == "order_not_found"
    done = counter_op(client, floor.clerk, floor.hall_id, 3, "complete", outcome="办理宽带续费")
    assert done.status_code == 200
    body = done.json()
    assert body["status"] == "done" and body["handling_seconds"] == 300 and body["outcome"] == "办理宽带续费"
    again = counter_op(client, floor.clerk, floor.hall_id, 3, "complete", outcome="x")
    assert again.status_code == 409 and again.json()["code"] == "no_ticket_at_counter"


def test_a_remote_ticket_is_held_thirty_minutes_for_check_in(client, floor, runtime, visitor):
    counter_op(client, floor.clerk, floor.hall_id, 1, "close")
    counter_op(client, floor.clerk, floor.hall_id, 2, "close")
    who = visitor()
    mine = subscriber_headers(runtime, who.customer_id)
    remote = taken(client, mine, floor.hall_id)
    assert remote["remote"] and remote["channel"] == "portal" and remote["customer_id"] == who.customer_id
    runtime.clock.advance(29 * 60)
    not_here = counter_op(client, floor.clerk, floor.hall_id, 3, "call-next")
    assert not_here.status_code == 404 and not_here.json()["code"] == "no_waiting_ticket"
    runtime.clock.advance(60 + 1)
    late = client.get(f"/api/v1/halls/{floor.hall_id}/tickets/{remote['id']}", headers=mine)
    assert late.json()["status"] == "expired"
    refused = client.post(f"/api/v1/halls/{floor.hall_id}/tickets/{remote['id']}/check-in", headers=floor.clerk)
    assert refused.status_code == 409 and refused.json()["code"] == "ticket_expired"
    with runtime.sessions() as session:
        expired = session.scalar(select(HallEvent).where(HallEvent.event == "EXPIRED"))
        assert expired.at == runtime.clock.now() - timedelta(seconds=1)  # the end of the hold, not the read

    on_time = taken(client, mine, floor.hall_id)
    walk_in = taken(client, floor.clerk, floor.hall_id)
    runtime.clock.advance(20 * 60)
    arrived = client.post(f"/api/v1/halls/{floor.hall_id}/tickets/{on_time['id']}/check-in", headers=mine)
    assert arrived.status_code == 200 and arrived.json()["arrived_at"] is not None
    assert call_next(client, floor.clerk, floor.hall_id, 3)["number"] == on_time["number"]  # its place is kept
    assert walk_in["number"] != on_time["number"]


def test_an_sms_goes_out_when_three_are_ahead(client, floor, runtime, visitor):
    for _ in range(5):
        taken(client, floor.clerk, floor.hall_id)
    who = visitor()
    ticket = taken(client, floor.clerk, floor.hall_id, phone=who.phone)
    assert ticket["ahead"] == 5 and ticket["expected_wait_seconds"] > 0
    call_next(client, floor.clerk, floor.hall_id, 3)
    assert texts_to(runtime, who.phone) == []
    call_next(client, floor.clerk, floor.hall_id, 2)
    (text,) = texts_to(runtime, who.phone)
    assert "前面还有3位" in text and ticket["number"] in text and "新街口营业厅" in text
    call_next(client, floor.clerk, floor.hall_id, 1)
    assert len(texts_to(runtime, who.phone)) == 1  # once
    for number in (1, 2, 3):
        counter_op(client, floor.clerk, floor.hall_id, number, "start")
    runtime.clock.advance(300)  # the three at the counters are well on
    now = client.get(f"/api/v1/halls/{floor.hall_id}/tickets/{ticket['id']}", headers=floor.clerk).json()
    assert now["ahead"] == 2 and now["expected_wait_seconds"] < ticket["expected_wait_seconds"]


def test_a_retried_take_answers_the_same_ticket(client, floor, runtime):
    headers = {**floor.clerk, "Idempotency-Key": "kiosk-1-0001"}
    first = take(client, headers, floor.hall_id)
    again = take(client, headers, floor.hall_id)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"] and again.headers["Idempotent-Replayed"] == "true"
    assert _count(runtime, Ticket) == 1


def test_bad_input_is_answered_clearly_and_changes_nothing(client, floor, runtime, staff):
    cases = [({"category": "lottery"}, 422, "invalid_category"),
             ({"phone": "12345"}, 422, "invalid_phone"),
             ({"id_number": "110101195601010000"}, 422, "invalid_id_checksum"),
             ({"group": "student"}, 422, "invalid_group"),
             ({"channel": "fax"}, 422, "invalid_channel")]
    for body, status, code in cases:
        answer = take(client, floor.clerk, floor.hall_id, **body)
        assert answer.status_code == status and answer.json()["code"] == code, answer.text
        assert answer.json()["message"]  # Chinese, for people
    assert take(client, floor.clerk, 999).status_code == 404
    assert take(client, staff("technician"), floor.hall_id).status_code == 403
    assert take(client, {}, floor.hall_id).status_code == 401
    runtime.clock.advance(11 * 3600)  # 21:00: closed
    closed = take(client, floor.clerk, floor.hall_id)
    assert closed.status_code == 409 and closed.json()["code"] == "hall_closed" and "09:00" in closed.json()["message"]
    assert counter_op(client, floor.clerk, floor.hall_id, 9, "call-next").status_code == 404
    assert counter_op(client, floor.clerk, floor.hall_id, 4, "call-next").json()["code"] == "counter_closed"
    assert _count(runtime, Ticket) == 0
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(HallEvent).where(HallEvent.event == "TAKEN")) == 0


def test_the_three_ahead_sms_waits_for_the_morning_in_quiet_hours(client, runtime, staff, visitor):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from kindline.core.outbox import OutboxMessage

    tz = ZoneInfo("Asia/Shanghai")
    night = {str(d): [["00:00", "24:00"]] for d in range(1, 8)}  # a 24-hour hall
    hall_id = make_hall(runtime, hours=night, counters=((1, "general"),), open_counters=(1,))
    clerk = staff("hall_clerk")
    runtime.clock.set(datetime(2026, 11, 22, 23, 0, tzinfo=tz))
    for _ in range(4):
        taken(client, clerk, hall_id)
    who = visitor()
    taken(client, clerk, hall_id, phone=who.phone)
    call_next(client, clerk, hall_id, 1)
    with runtime.sessions() as session:
        (message,) = [m for m in session.scalars(select(OutboxMessage)) if m.payload["to"] == who.phone]
        assert message.available_at == datetime(2026, 11, 23, 8, 0, tzinfo=tz)
