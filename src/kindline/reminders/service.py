"""Sending reminders: once per (line, kind, key params, cycle), never at night.

`notify` is the one way a reminder goes out. It claims the reminder with an
insert under a unique constraint inside a SAVEPOINT, so two workers crossing
the same threshold at the same moment send one SMS, and it queues the SMS in
the caller's transaction (the outbox), deferred to the morning in the quiet
hours. A reminder already sent this cycle answers None, unless it was
re-armed (the balance rose back above its threshold), which allows one more.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import case, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kindline.core import cycles, outbox, sms
from kindline.core.bulk import in_values
from kindline.core.clock import Clock
from kindline.customers.models import Customer, Line
from kindline.reminders import rules
from kindline.reminders.models import Notification


def next_allowed(clock: Clock, moment: datetime) -> datetime:
    """`moment`, or the end of the quiet hours (08:00 local) when it falls in them."""
    config = rules.current()
    local = clock.local(moment)
    start, end = config.quiet_from, config.quiet_until
    now = local.time()
    quiet = (start <= now or now < end) if start > end else (start <= now < end)
    if not quiet:
        return moment
    day = local.date() if now < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=clock.tz)


def recipient_of(session: Session, line: Line) -> str:
    """A mobile line gets its own SMS; a broadband, fixed or TV line's reminder
    goes to the holder's contact phone."""
    if line.kind == "mobile":
        return line.number
    return session.get(Customer, line.customer_id).phone


def _latest(session: Session, line_id: int, kind: str, key: str, cycle: str) -> Notification | None:
    return session.scalar(select(Notification).where(
        Notification.line_id == line_id, Notification.kind == kind, Notification.param_key == key,
        Notification.cycle == cycle).order_by(Notification.seq.desc()).limit(1))


def notify(session: Session, clock: Clock, line: Line, kind: str, *, cycle: str,
           params: dict | None = None) -> Notification | None:
    """Send reminder `kind` to `line` once this cycle; None when already sent."""
    params = dict(params or {})
    rules.check(kind, params)
    cycles.parse(cycle)
    config = rules.current()
    key = rules.param_key(kind, params)
    latest = _latest(session, line.id, kind, key, cycle)
    if latest is not None and latest.rearmed_at is None:
        return None
    text = rules.render(kind, params, config, clock.tz)
    now = clock.now()
    note = Notification(line_id=line.id, customer_id=line.customer_id, kind=kind, params=params, param_key=key,
                        cycle=cycle, seq=latest.seq + 1 if latest else 0, recipient=recipient_of(session, line),
                        text=text, created_at=now, send_at=next_allowed(clock, now))
    try:
        with session.begin_nested():
            session.add(note)
            session.flush()
    except IntegrityError:
        if _latest(session, line.id, kind, key, cycle) is None:
            raise  # not the race below: some other constraint
        return None  # the same reminder, claimed concurrently, won the race
    # What sms.send queues, enqueued here so the notification can name its message.
    message = outbox.enqueue(session, clock, sms.TOPIC, sms.payload(note.recipient, text), note.send_at)
    session.flush()
    note.outbox_id = message.id
    return note


def rearm(session: Session, clock: Clock, line_ids: Iterable[int], kind: str, *, cycle: str,
          params: Mapping[str, Any] | None = None) -> int:
    """Allow reminder `kind` once more this cycle on these lines (the condition
    it warned about has ended); answers how many sent reminders were re-armed."""
    ids = list(line_ids)
    if not ids:
        return 0
    key = rules.param_key(kind, params or {})
    result = session.execute(
        update(Notification)
        .where(Notification.line_id.in_(ids), Notification.kind == kind, Notification.param_key == key,
               Notification.cycle == cycle, Notification.rearmed_at.is_(None))
        .values(rearmed_at=clock.now()).execution_options(synchronize_session="fetch"))
    return result.rowcount or 0


def usage_crossed(used_before: int, used_after: int, allowance: int) -> list[str]:
    """The usage reminders (usage_80, usage_100) whose thresholds the move from
    `used_before` to `used_after` crosses, lowest first."""
    if allowance <= 0 or used_after <= used_before:
        return []
    return [kind for kind, percent in sorted(rules.current().usage_percents.items(), key=lambda item: item[1])
            if used_before * 100 < percent * allowance <= used_after * 100]


def usage_may_cross(used_before: int, used_after: int, allowance: int) -> bool:
    """Cheap pre-check for bulk rating: does this move cross any usage threshold?"""
    return bool(usage_crossed(used_before, used_after, allowance))


def usage_moved(session: Session, clock: Clock, line: Line, resource: str, cycle: str, used_before: int,
                used_after: int, allowance: int) -> None:
    """usage_80 / usage_100 for `resource` when the pool's use crosses 80% / 100%
    of its allowance. Every threshold crossed is sent, also two in one batch, so
    what a subscriber hears does not depend on how records were batched."""
    for kind in usage_crossed(used_before, used_after, allowance):
        notify(session, clock, line, kind, cycle=cycle, params={"resource": resource})


def for_line(session: Session, line: Line, customer_id: int | None = None):
    """A select over the line's notifications, newest first; with `customer_id`,
    only those sent while that customer held the line."""
    stmt = select(Notification).where(Notification.line_id == line.id).order_by(Notification.id.desc())
    if customer_id is not None:
        stmt = stmt.where(Notification.customer_id == customer_id)
    return stmt


class UsageMove(NamedTuple):
    """One pool counter's move in a rating batch (see usage_moved)."""

    line_id: int
    resource: str
    cycle: str
    used_before: int
    used_after: int
    allowance: int


def usage_moved_many(session: Session, clock: Clock, moves: Iterable[UsageMove]) -> int:
    """`usage_moved` for every counter a batch moved, in a few statements
    instead of an ORM object, a SAVEPOINT and look-ups per reminder (a
    million-record batch crosses thousands of thresholds). Same texts, same
    once-per-threshold-per-line-per-cycle rule, same quiet hours, same order.
    Should a rival claim one of these reminders meanwhile (the unique key
    says so), the batch is redone one by one, where `notify` settles each.
    Answers how many reminders were queued."""
    wanted = [(move, kind) for move in moves
              for kind in usage_crossed(move.used_before, move.used_after, move.allowance)]
    if not wanted:
        return 0
    config, now = rules.current(), clock.now()
    send_at = next_allowed(clock, now)
    line_ids = sorted({move.line_id for move, _kind in wanted})
    holders = {line_id: (customer_id, recipient) for line_id, customer_id, recipient in session.execute(
        select(Line.id, Line.customer_id, case((Line.kind == "mobile", Line.number), else_=Customer.phone))
        .join(Customer, Customer.id == Line.customer_id).where(in_values(session, Line.id, line_ids)))}  # as recipient_of
    latest: dict[tuple, tuple[int, datetime | None]] = {}
    for line_id, kind, key, cycle, seq, rearmed_at in session.execute(
            select(Notification.line_id, Notification.kind, Notification.param_key, Notification.cycle,
                   Notification.seq, Notification.rearmed_at)
            .where(in_values(session, Notification.line_id, line_ids), Notification.kind.in_(list(config.usage_percents)),
                   Notification.cycle.in_({move.cycle for move, _kind in wanted}))):
        if (line_id, kind, key, cycle) not in latest or seq > latest[line_id, kind, key, cycle][0]:
            latest[line_id, kind, key, cycle] = (seq, rearmed_at)
    notes = []
    for move, kind in wanted:
        params = {"resource": move.resource}
        rules.check(kind, params)
        cycles.parse(move.cycle)
        claim = (move.line_id, kind, rules.param_key(kind, params), move.cycle)
        previous = latest.get(claim)
        if previous is not None and previous[1] is None:
            continue  # already sent this cycle
        latest[claim] = (previous[0] + 1 if previous else 0, None)
        notes.append({"line_id": move.line_id, "customer_id": holders[move.line_id][0], "kind": kind, "params": params,
                      "param_key": claim[2], "cycle": move.cycle, "seq": latest[claim][0],
                      "recipient": holders[move.line_id][1], "text": rules.render(kind, params, config, clock.tz),
                      "created_at": now, "send_at": send_at})
    if not notes:
        return 0
    session.flush()
    try:
        with session.begin_nested():
            _insert_notes(session, clock, send_at, notes)
    except IntegrityError:  # a rival won a claim: settle each reminder as notify does
        return sum(notify(session, clock, session.get(Line, move.line_id), kind, cycle=move.cycle,
                          params={"resource": move.resource}) is not None for move, kind in wanted)
    return len(notes)


def _insert_notes(session: Session, clock: Clock, send_at: datetime, notes: list[dict]) -> None:
    """The notifications and their SMS in the outbox, as `notify` writes them."""
    outbox_ids = outbox.enqueue_many(session, clock, sms.TOPIC,
                                     [sms.payload(note["recipient"], note["text"]) for note in notes], send_at)
    session.execute(insert(Notification), [{**note, "outbox_id": outbox_id}
                                           for note, outbox_id in zip(notes, outbox_ids, strict=True)])
