"""Lines with plans and money, and records to rate, for the usage tests."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import polars as pl
from sqlalchemy import select

from kindline.billing import payments
from kindline.billing import service as billing
from kindline.core.db import transaction
from kindline.customers import lines
from tests.factories import load_demo_catalog, mobile, open_mobile, register  # noqa: F401

TZ = ZoneInfo("Asia/Shanghai")
GIB = 1024 ** 3
_ids = itertools.count(1)


def pay(runtime, number: str, amount_fen: int) -> None:
    with transaction(runtime.sessions) as session:
        line = lines.by_number(session, number)
        payments.receive(session, runtime.clock, line, "hall_cash", f"seed-{next(_ids)}", amount_fen, "system")


def line_with(runtime, *codes: str, paid_fen: int = 10_000, primary: str | None = None, customer_id=None) -> str:
    """A new mobile line holding `codes`, with `paid_fen` on its holder's account."""
    customer_id = customer_id or register(runtime)
    number = mobile()
    primary_id = None
    if primary:
        with runtime.sessions() as session:
            primary_id = lines.by_number(session, primary).id
    open_mobile(runtime, customer_id, *codes, number=number, primary_id=primary_id)
    if paid_fen:
        pay(runtime, number, paid_fen)
    return number


def record(msisdn: str, kind: str, quantity: int, peer: str | None = None, minutes: int = 0,
           record_id: str | None = None) -> dict:
    started = datetime(2026, 11, 22, 9, 0, tzinfo=TZ) + timedelta(minutes=minutes)
    return {"record_id": record_id or f"r{next(_ids)}", "msisdn": msisdn, "kind": kind,
            "started_at": started.isoformat(), "quantity": quantity, "peer": peer}


def balance(runtime, number: str) -> int:
    with runtime.sessions() as session:
        return billing.balance_of(session, runtime.clock, lines.by_number(session, number)).balance_fen


def mixed_input(numbers, seed: int, count: int = 400) -> pl.DataFrame:
    import random

    rng = random.Random(seed)
    rows = []
    for index in range(count):
        kind = rng.choice(["voice", "sms", "data"])
        quantity = {"voice": rng.randint(1, 1800), "sms": 1, "data": rng.randint(1, 400 * 1024 ** 2)}[kind]
        moment = datetime(2026, 11, 22, 2, 0, tzinfo=timezone.utc) + timedelta(minutes=index)
        rows.append((f"{seed}-{index}", rng.choice(numbers), kind, moment.isoformat(), str(quantity),
                     rng.choice([None, numbers[2], "13700000000"]) if kind != "data" else None))
    return pl.DataFrame(rows, schema={name: pl.Utf8 for name in
                                      ("record_id", "msisdn", "kind", "started_at", "quantity", "peer")}, orient="row")


def books(runtime, numbers):
    from kindline.billing import service as billing
    from kindline.customers import lines
    from kindline.reminders.models import Notification
    from kindline.usage.models import UsageCounter, UsageRecord

    with runtime.sessions() as session:
        found = [lines.by_number(session, n) for n in numbers]
        index = {line.id: i for i, line in enumerate(found)}
        charges = [(r.record_id.split("-", 1)[1], r.charge_fen, r.allowance_used, r.free) for r in session.scalars(
            select(UsageRecord).where(UsageRecord.line_id.in_(index)).order_by(UsageRecord.started_at))]
        balances = [billing.balance_of(session, runtime.clock, line).balance_fen for line in found]
        counters = sorted((index[c.pool_line_id], c.kind, c.used, c.overage, c.upgrades) for c in session.scalars(
            select(UsageCounter).where(UsageCounter.pool_line_id.in_(index))))
        reminders = sorted((index[n.line_id], n.kind, n.param_key, n.text) for n in session.scalars(
            select(Notification).where(Notification.line_id.in_(index))))
        return charges, balances, counters, reminders
