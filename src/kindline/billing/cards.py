"""Recharge cards (充值卡/点卡): batches, the one-time PIN export, redemption.

PINs are 16 random digits from `secrets`, kept only as HMAC-SHA256 keyed with
the runtime secret over serial and PIN. A PIN is random (about 53 bits), not a
password a person chose, so a slow hash buys little; the key means a copy of
the database alone reveals nothing, and the hash stays fast enough to export
batches of 10,000 cards and to check 50 redemptions at once. (Rotating the
runtime secret makes unredeemed PINs unusable: the prefix "h1$" names the
scheme so a later one can sit beside it.)

Redemption is atomic: the card moves from active to used by a conditional
UPDATE ... WHERE status = 'active'; exactly one transaction sees one row
changed. On PostgreSQL a concurrent UPDATE waits on the row lock and then
re-checks the condition against the committed row, so it changes nothing; on
SQLite every transaction starts with BEGIN IMMEDIATE, so redemptions run one
after another and the later ones already see the card used.

Five failed tries (wrong PIN, unknown serial) within an hour lock further tries
for that line and for that card for an hour. Failures are rows in
card_failures: the caller must commit them even though the answer is an error
(every such refusal is a `CountedRefusal`).
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import re
import secrets
import unicodedata
from datetime import date, datetime, timedelta

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from kindline.billing import payments, service
from kindline.billing.models import CardBatch, CardFailure, Payment, RechargeCard
from kindline.core.auth.permissions import CARDS_ADMIN, PAYMENTS_WRITE
from kindline.core.auth.principal import Principal, actor_label
from kindline.core.clock import Clock
from kindline.core.db import fetch
from kindline.core.errors import Conflict, DomainError, Invalid, NotFound, TooMany
from kindline.core.money import yuan
from kindline.customers.models import Line

PIN_DIGITS = 16
MAX_BATCH_SIZE = 10_000
MAX_EXPIRY_DAYS = 5 * 366
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(hours=1)
LOCK_TIME = timedelta(hours=1)
CSV_HEADER = ("serial", "pin", "face_value", "expires")
_SERIAL = re.compile(r"K\d{11,18}")


class CountedRefusal(DomainError):
    """A refusal that counts towards the lock: commit before answering it."""


class UnknownCard(NotFound, CountedRefusal):
    pass


class WrongPin(Invalid, CountedRefusal):
    pass


def pin_digest(secret: str, serial: str, pin: str) -> str:
    return "h1$" + hmac.new(secret.encode(), f"{serial}:{pin}".encode(), hashlib.sha256).hexdigest()


def _plain(text: str) -> str:
    """Full-width digits and letters to ASCII; spaces and dashes dropped."""
    return re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", text or "")).upper()


def serial_for(batch_id: int, sequence: int) -> str:
    """K + batch number (5 digits or more) + sequence in the batch (6 digits)."""
    return f"K{batch_id:05d}{sequence:06d}"


def create_batch(session: Session, clock: Clock, principal: Principal, secret: str, *, face_value_fen: int,
                 count: int, expires_on: date, note: str = "") -> tuple[CardBatch, list[tuple[str, str]]]:
    """A batch and its (serial, PIN) pairs: the only moment the PINs exist."""
    principal.require(CARDS_ADMIN)
    payments.check_amount(face_value_fen)
    if isinstance(count, bool) or not 1 <= count <= MAX_BATCH_SIZE:
        raise Invalid("invalid_batch_size", f"每批卡数须在1到{MAX_BATCH_SIZE}张之间。",
                      f"count must be 1..{MAX_BATCH_SIZE}")
    today = clock.today()
    if not today < expires_on <= today + timedelta(days=MAX_EXPIRY_DAYS):
        raise Invalid("invalid_expiry", "有效期须晚于今天，且不超过5年。", "expiry must be after today and within 5 years")
    batch = CardBatch(face_value_fen=face_value_fen, count=count, expires_on=expires_on, note=(note or "").strip(),
                      created_at=clock.now(), created_by=principal.staff_id)
    session.add(batch)
    session.flush()
    pins = [(serial_for(batch.id, n), f"{secrets.randbelow(10 ** PIN_DIGITS):0{PIN_DIGITS}d}")
            for n in range(1, count + 1)]
    session.execute(insert(RechargeCard), [
        {"batch_id": batch.id, "serial": serial, "pin_hash": pin_digest(secret, serial, pin),
         "face_value_fen": face_value_fen, "expires_on": expires_on, "status": "active"}
        for serial, pin in pins])
    return batch, pins


def export_csv(batch: CardBatch, pins: list[tuple[str, str]]) -> str:
    """serial,pin,face_value,expires: face value in yuan (as printed on the card)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for serial, pin in pins:
        writer.writerow((serial, pin, yuan(batch.face_value_fen), batch.expires_on.isoformat()))
    return out.getvalue()


def get_batch(session: Session, batch_id: int) -> CardBatch:
    return fetch(session, CardBatch, batch_id, "card_batch", "充值卡批次")


def batches():
    """A select over the card batches, newest first."""
    return select(CardBatch).order_by(CardBatch.id.desc())


def cards_of(batch_id: int, status: str | None = None):
    """A select over a batch's cards in serial order, optionally of one status."""
    stmt = select(RechargeCard).where(RechargeCard.batch_id == batch_id)
    return (stmt.where(RechargeCard.status == status) if status else stmt).order_by(RechargeCard.id)


def batch_counts(session: Session, batch_id: int) -> dict[str, int]:
    rows = session.execute(select(RechargeCard.status, func.count()).where(RechargeCard.batch_id == batch_id)
                           .group_by(RechargeCard.status))
    return {status: n for status, n in rows}


def locked_until(times: list[datetime]) -> datetime | None:
    """When the lock set by these failure times ends: an hour after any failure
    that was the fifth within an hour (None when none was)."""
    times = sorted(times)
    until = None
    for i in range(MAX_FAILURES - 1, len(times)):
        if times[i] - times[i - MAX_FAILURES + 1] <= FAILURE_WINDOW:
            until = times[i] + LOCK_TIME
    return until


def _failure_times(session: Session, now: datetime, *, line_id: int | None = None,
                   card_id: int | None = None) -> list[datetime]:
    column, value = (CardFailure.line_id, line_id) if line_id is not None else (CardFailure.card_id, card_id)
    since = now - FAILURE_WINDOW - LOCK_TIME
    return list(session.scalars(select(CardFailure.at).where(column == value, CardFailure.at > since)))


def _check_lock(session: Session, now: datetime, scope: str, **key: int) -> None:
    until = locked_until(_failure_times(session, now, **key))
    if until is not None and until > now:
        what = "该号码" if scope == "line" else "该充值卡"
        raise TooMany("card_tries_locked", f"{what}充值密码错误次数过多，已锁定，请一小时后再试。",
                      f"too many failed card tries for this {scope}", {"scope": scope, "locked_until": until})


def _fail(session: Session, now: datetime, line: Line, card: RechargeCard | None, reason: str) -> int:
    """Record a failure; returns how many tries are left before the lock."""
    session.add(CardFailure(at=now, line_id=line.id, card_id=card.id if card else None, reason=reason))
    session.flush()
    since = now - FAILURE_WINDOW
    counts = [len([t for t in _failure_times(session, now, line_id=line.id) if t > since])]
    if card is not None:
        counts.append(len([t for t in _failure_times(session, now, card_id=card.id) if t > since]))
    return max(0, MAX_FAILURES - max(counts))


def _left_text(left: int) -> str:
    return f"还可尝试{left}次。" if left else "错误次数过多，已锁定一小时。"


def redeem(session: Session, clock: Clock, principal: Principal, secret: str, *, serial: str, pin: str,
           msisdn: str) -> Payment:
    """Credit the card's face value to the line's account, once. A refusal that
    is a `CountedRefusal` must be committed by the caller before it answers."""
    line = service.line_for(session, principal, msisdn, PAYMENTS_WRITE)
    service.require_open(line)
    serial, pin = _plain(serial), _plain(pin)
    if not _SERIAL.fullmatch(serial):
        raise Invalid("invalid_serial", "充值卡卡号格式不正确，请核对卡面上的卡号。", "not a card serial")
    if not (len(pin) == PIN_DIGITS and pin.isdigit()):
        raise Invalid("invalid_pin_format", f"充值卡密码应为{PIN_DIGITS}位数字。", f"PIN must be {PIN_DIGITS} digits")
    now = clock.now()
    _check_lock(session, now, "line", line_id=line.id)
    card = session.scalar(select(RechargeCard).where(RechargeCard.serial == serial))
    if card is None:
        left = _fail(session, now, line, None, "unknown_card")
        raise UnknownCard("card_not_found", "找不到该充值卡，请核对卡号。" + _left_text(left),
                          f"no card {serial}", {"serial": serial, "tries_left": left})
    _check_lock(session, now, "card", card_id=card.id)
    if not hmac.compare_digest(card.pin_hash, pin_digest(secret, serial, pin)):
        left = _fail(session, now, line, card, "wrong_pin")
        raise WrongPin("wrong_pin", "充值卡密码错误，" + _left_text(left), "wrong card PIN", {"tries_left": left})
    if card.status != "active":
        raise _used(card, line)
    if card.expires_on < clock.today():
        raise Conflict("card_expired", f"该充值卡已于{card.expires_on.isoformat()}过期。", f"card {serial} expired",
                       {"expires_on": card.expires_on})
    claimed = session.execute(
        update(RechargeCard).where(RechargeCard.id == card.id, RechargeCard.status == "active")
        .values(status="used", used_at=now, used_line_id=line.id)
        .execution_options(synchronize_session=False)).rowcount
    session.refresh(card)
    if claimed != 1:
        raise _used(card, line)
    payment, replayed = payments.receive(session, clock, line, payments.CARD_CHANNEL, card.serial,
                                         card.face_value_fen, actor_label(principal))
    if replayed:  # a card is claimed once, so its payment cannot exist yet
        raise _used(card, line)
    card.payment_id = payment.id
    return payment


def _used(card: RechargeCard, line: Line) -> Conflict:
    return Conflict("card_used", "该充值卡已被使用。", f"card {card.serial} already used",
                    {"used_at": card.used_at, "credited_to_this_line": card.used_line_id == line.id})
