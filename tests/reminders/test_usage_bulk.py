"""usage_moved_many (what usage rating calls once per batch) writes exactly
what usage_moved writes called once per counter: the same reminders with the
same texts, sequence numbers and recipients, the same SMS in the outbox, the
same once-per-threshold-per-line-per-cycle rule and the same quiet hours."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from kindline.core.db import transaction
from kindline.core.outbox import OutboxMessage
from kindline.customers import lines
from kindline.reminders import service
from kindline.reminders.models import Notification
from tests.factories import mobile_number, register

TZ = ZoneInfo("Asia/Shanghai")

# (line position, resource, cycle, used before, used after, allowance)
MOVES = [
    (0, "voice", "2026-11", 0, 4800, 6000),  # exactly 80%
    (0, "voice", "2026-11", 4800, 6000, 6000),  # then exactly 100%
    (0, "voice", "2026-11", 0, 6500, 6000),  # both again: already sent, nothing
    (1, "sms", "2026-11", 0, 250, 100),  # both at once
    (1, "data", "2026-11", 0, 10 ** 12, 0),  # no allowance of this kind: nothing
    (2, "data", "2026-11", 100, 200, 1000),  # below 80%: nothing
    (2, "data", "2026-11", 700, 900, 1000),  # 80% only; re-armed before, so a second one (seq 1)
    (2, "data", "2026-12", 700, 900, 1000),  # the next cycle is its own
    (1, "sms", "2026-11", 250, 300, 100),  # overage: nothing more
]


def _lines(runtime, count=3) -> list[str]:
    return [mobile_number(runtime, register(runtime)) for _ in range(count)]


def _rearmed_data_80(runtime, number: str) -> None:
    with transaction(runtime.sessions) as session:
        line = lines.by_number(session, number)
        service.notify(session, runtime.clock, line, "usage_80", cycle="2026-11", params={"resource": "data"})
        service.rearm(session, runtime.clock, [line.id], "usage_80", cycle="2026-11", params={"resource": "data"})


def _written(runtime, numbers: list[str]) -> list[tuple]:
    """What the reminders wrote for these lines, with each line as its position."""
    with runtime.sessions() as session:
        ids = {lines.by_number(session, number).id: index for index, number in enumerate(numbers)}
        rows = session.execute(select(Notification, OutboxMessage).join(
            OutboxMessage, OutboxMessage.id == Notification.outbox_id).where(Notification.line_id.in_(ids))
            .order_by(Notification.id))
        return [(ids[note.line_id], note.kind, note.params, note.param_key, note.cycle, note.seq,
                 note.recipient == numbers[ids[note.line_id]], note.text, note.created_at, note.send_at,
                 note.rearmed_at is not None, message.topic, message.payload["text"],
                 message.payload["to"] == numbers[ids[note.line_id]], message.available_at)
                for note, message in rows]


@pytest.mark.parametrize("local", [datetime(2026, 11, 22, 10, 0), datetime(2026, 11, 22, 23, 30)])
def test_bulk_writes_what_one_by_one_writes(runtime, clock, local):
    clock.set(local.replace(tzinfo=TZ))
    one_by_one, bulk = _lines(runtime), _lines(runtime)
    for numbers in (one_by_one, bulk):
        _rearmed_data_80(runtime, numbers[2])
    with transaction(runtime.sessions) as session:
        for position, resource, cycle, before, after, allowance in MOVES:
            service.usage_moved(session, runtime.clock, lines.by_number(session, one_by_one[position]), resource,
                                cycle, before, after, allowance)
    with transaction(runtime.sessions) as session:
        ids = [lines.by_number(session, number).id for number in bulk]
        queued = service.usage_moved_many(session, runtime.clock, [
            service.UsageMove(ids[position], *move) for position, *move in MOVES])
    written = _written(runtime, bulk)
    assert written == _written(runtime, one_by_one)
    assert queued == 6 and len(written) == 7  # the re-armed reminder was there before
    assert [row[5] for row in written if row[1] == "usage_80" and row[2] == {"resource": "data"}
            and row[4] == "2026-11"] == [0, 1]
    if local.hour >= 22:
        assert {row[9] for row in written[1:]} == {datetime(2026, 11, 23, 8, 0, tzinfo=TZ)}


def test_bulk_sends_each_reminder_once_also_when_asked_again(runtime):
    [number] = _lines(runtime, 1)
    for _ in range(2):
        with transaction(runtime.sessions) as session:
            line_id = lines.by_number(session, number).id
            service.usage_moved_many(session, runtime.clock, [
                service.UsageMove(line_id, "voice", "2026-11", 0, 6000, 6000)])
    assert [(row[1], row[5]) for row in _written(runtime, [number])] == [("usage_80", 0), ("usage_100", 0)]
