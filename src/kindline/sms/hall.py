"""The SMS business hall (10001 短信营业厅): one incoming message in, the
replies queued out.

The sender's number identifies the line (as a hotline call from a registered
number does), the text is parsed into a command, and the command calls the
domain service every other channel calls. A refusal is answered with the
service's own Chinese message, so the SMS hall never says something the portal
would not. Replies go through core.sms.send (the outbox), in the caller's
transaction: the MO, its effects and its replies commit together or not at all.

Nothing is ever sent to a sender that is not a mobile number: another service
number auto-replying to ours would loop forever.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kindline.billing.service import line_by_msisdn
from kindline.core import sms
from kindline.core.auth.principal import Principal
from kindline.core.clock import Clock
from kindline.core.errors import DomainError
from kindline.customers import service as customers
from kindline.customers.models import Line
from kindline.customers.phone import is_mobile, normalize_mobile
from kindline.sms import answers, ordering, replies, service_halls, service_workorders
from kindline.sms.context import Turn
from kindline.sms.models import SmsIncoming
from kindline.sms.parser import Command, parse
from kindline.workorders import surveys

SERVICE_NUMBER = "10001"
MAX_TEXT = 1000

def _score(turn: Turn, command: Command) -> str:
    """A digit from 1 to 5 answers the return visit (满意度回访) waiting for it."""
    thanks = surveys.answer_by_sms(turn.session, turn.clock, turn.sender, int(command.argument))
    return answers.HELP if thanks is None else thanks


def _bare_code(turn: Turn, command: Command) -> str:
    """A number alone is a product's SMS code (3952); any other number gets the help."""
    try:
        return ordering.subscribe(turn, command.argument, sms_code_only=True)
    except ordering.UnknownCode:
        return answers.HELP


_COMMANDS: dict[str, Callable[[Turn, Command], str]] = {
    "balance": lambda turn, _c: answers.balance(turn),
    "allowances": lambda turn, _c: answers.allowances(turn),
    "bill": lambda turn, _c: answers.bill(turn),
    "points": lambda turn, _c: answers.points(turn),
    "reopen": lambda turn, _c: answers.reopen(turn),
    "subscribe": lambda turn, c: ordering.subscribe(turn, c.argument),
    "unsubscribe": lambda turn, c: ordering.unsubscribe(turn, c.argument),
    "code": lambda turn, c: _bare_code(turn, c),
    "score": lambda turn, c: _score(turn, c),
    "confirm": lambda turn, _c: ordering.confirm(turn),
    "cancel": lambda turn, _c: ordering.cancel(turn),
    "halls": lambda turn, _c: service_halls.nearest(turn),
    "ticket": lambda turn, c: service_halls.ticket(turn, c.argument),
    "report_fault": lambda turn, c: service_workorders.file(turn, "report_fault", c.argument),
    "complain": lambda turn, c: service_workorders.file(turn, "complain", c.argument),
    "help": lambda _t, _c: answers.HELP,
    "unknown": lambda _t, _c: answers.HELP,
}


def sender_number(raw: str) -> str | None:
    """The 11-digit mobile number of a sender as gateways write it (+86..., 86...,
    0086..., full width), or None when it is not a mainland mobile number."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    digits = text.lstrip("+")
    if digits.isdigit():
        if digits.startswith("0086"):
            text = "+" + digits[2:]
        elif digits.startswith("86") and len(digits) == 13:
            text = "+" + digits
    return normalize_mobile(text) if is_mobile(text) else None


def _line(session: Session, number: str) -> Line | None:
    try:
        line = line_by_msisdn(session, number)
    except DomainError:
        return None
    return None if line.status == "cancelled" else line


def _record(session: Session, clock: Clock, sender: str, text: str, service_number: str,
            gateway_id: str | None, command: Command) -> SmsIncoming | None:
    """The MO, kept once: None when this gateway message was already handled."""
    if gateway_id is not None:
        seen = session.scalar(select(SmsIncoming.id).where(SmsIncoming.sender == sender,
                                                           SmsIncoming.gateway_id == gateway_id))
        if seen is not None:
            return None
    incoming = SmsIncoming(sender=sender, recipient=service_number[:32], text=text, gateway_id=gateway_id,
                           received_at=clock.now(), command=command.name, replies=[])
    try:
        with session.begin_nested():
            session.add(incoming)
            session.flush()
    except IntegrityError:  # the same gateway message, delivered twice at once: the other one answers
        return None
    return incoming


def _answer(turn: Turn, command: Command) -> str:
    """The command's reply; a refusal by a service rolls back what it began and
    is answered with the service's message."""
    try:
        with turn.session.begin_nested():
            return _COMMANDS[command.name](turn, command)
    except DomainError as exc:
        return exc.message


def _stranger(session: Session, clock: Clock, number: str, command: Command) -> str:
    """A number that is not one of our lines may still have been sent a return
    visit (满意度回访: a contact phone on another network): its 1-5 answers it.
    Anything else gets the unknown-sender reply."""
    if command.name == "score":
        thanks = surveys.answer_by_sms(session, clock, number, int(command.argument))
        if thanks is not None:
            return thanks
    return answers.UNKNOWN_SENDER


def handle_incoming(session: Session, clock: Clock, sender: str, text: str, *,
                    service_number: str = SERVICE_NUMBER, gateway_id: str | None = None) -> list[str]:
    """Handle one MO; returns the reply texts queued (numbered parts when long).
    A gateway message seen before (same `gateway_id`) gets nothing: it was answered."""
    text = (text or "")[:MAX_TEXT]
    number = sender_number(sender)
    command = parse(text)
    gateway_id = (gateway_id or "").strip()[:64] or None
    incoming = _record(session, clock, number or (sender or "").strip()[:32], text, service_number, gateway_id,
                       command)
    if incoming is None or number is None:
        return []
    line = _line(session, number)
    if line is None:
        reply = _stranger(session, clock, number, command)
    else:
        incoming.line_id = line.id
        customer = customers.get(session, line.customer_id)
        turn = Turn(session, clock, number, line, Principal("subscriber", customer.id, customer.name), incoming)
        reply = _answer(turn, command)
    parts = replies.split(reply)
    for part in parts:
        sms.send(session, clock, number, part, sender=service_number)
    incoming.replies = parts
    return parts


def conversation(session: Session, sender: str, limit: int = 20) -> list[SmsIncoming]:
    """The latest messages a number sent to the hall, oldest first, each with its replies."""
    number = sender_number(sender) or (sender or "").strip()
    rows = session.scalars(select(SmsIncoming).where(SmsIncoming.sender == number)
                           .order_by(SmsIncoming.id.desc()).limit(limit))
    return list(reversed(list(rows)))
