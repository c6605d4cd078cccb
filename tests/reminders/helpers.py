"""Moving balances and reading what the reminders sent, for the reminders and arrears tests."""

from __future__ import annotations

import itertools

from sqlalchemy import select

from kindline.billing import payments
from kindline.billing import service as billing
from kindline.core import outbox
from kindline.core.db import transaction
from kindline.core.sms import SmsMessage
from kindline.customers import lines
from kindline.reminders.models import Notification

_refs = itertools.count(1)


def charge(runtime, number: str, fen: int) -> None:
    """Take `fen` from the holder's balance (a monthly fee), through billing.service.post."""
    with transaction(runtime.sessions) as session:
        line = lines.by_number(session, number)
        account = billing.account_for(session, runtime.clock, line.customer_id)
        billing.post(session, runtime.clock, account, "fee", -fen, reference=f"fee:test:{next(_refs)}",
                     actor="system", line_id=line.id)


def pay(runtime, number: str, fen: int) -> int:
    """A hall cash payment onto the holder's balance; answers the payment's id."""
    with transaction(runtime.sessions) as session:
        line = lines.by_number(session, number)
        payment, _ = payments.receive(session, runtime.clock, line, "hall_cash", f"T-{next(_refs)}", fen, "system")
        return payment.id


def sent(runtime, number: str | None = None) -> list[tuple[str, dict]]:
    """(kind, params) of the notifications, oldest first (of one line's number if given)."""
    with runtime.sessions() as session:
        stmt = select(Notification).order_by(Notification.id)
        if number is not None:
            stmt = stmt.where(Notification.line_id == lines.by_number(session, number).id)
        return [(n.kind, n.params) for n in session.scalars(stmt)]


def kinds(runtime, number: str | None = None) -> list[str]:
    return [kind for kind, _params in sent(runtime, number)]


def notes(runtime) -> list[Notification]:
    with runtime.sessions() as session:
        return list(session.scalars(select(Notification).order_by(Notification.id)))


def delivered(runtime) -> list[tuple[str, str]]:
    """Deliver what is due now; answers every SMS delivered so far as (recipient, text)."""
    outbox.deliver_due(runtime.sessions, runtime.clock)
    with runtime.sessions() as session:
        return [(m.recipient, m.text) for m in session.scalars(select(SmsMessage).order_by(SmsMessage.id))]


def line_status(runtime, number: str) -> tuple[str, str | None]:
    with runtime.sessions() as session:
        line = lines.by_number(session, number)
        return line.status, line.suspend_reason
