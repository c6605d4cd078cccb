"""Helpers of the cycle, points and bill tests: lines with products, orders,
a cycle start on the virtual clock, ledger and fee read-outs."""

from __future__ import annotations

import itertools
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from kindline.billing import cycles as billing_cycles
from kindline.billing import service
from kindline.billing.models import Fee, LedgerEntry, PointGrant
from kindline.core.db import transaction
from kindline.customers import lines
from kindline.customers import service as customers
from kindline.orders import service as orders
from kindline.orders.schemas import OrderCreate

TZ = ZoneInfo("Asia/Shanghai")
_numbers = itertools.count(1)


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=TZ)


def open_line(runtime, customer_id: int, kind: str, *codes: str, primary_id: int | None = None) -> int:
    """A line opened at the counter without an order (no subscription charge)."""
    from tests.factories import mobile

    number = mobile() if kind == "mobile" else f"025{kind[:2].upper()}{next(_numbers):06d}"
    with transaction(runtime.sessions) as session:
        customer = customers.get(session, customer_id)
        primary = lines.get(session, primary_id) if primary_id else None
        line = lines.open_line(session, runtime.clock, customer, kind=kind, number=number, primary=primary,
                               service_address=None if kind == "mobile" else "南京市玄武区北京东路1号")
        for code in codes:
            lines.subscribe(session, runtime.clock, line, code)
        return line.id


def order(runtime, principal=None, key: str | None = None, **fields):
    with transaction(runtime.sessions) as session:
        made, _ = orders.submit(session, runtime.clock, principal, OrderCreate(**fields),
                                key or f"k-{next(_numbers)}")
        return made.id, dict(made.result), made.status


def start(runtime, cycle: str):
    with transaction(runtime.sessions) as session:
        return billing_cycles.start_cycle(session, runtime.clock, cycle)


def balance(runtime, customer_id: int) -> int:
    with runtime.sessions() as session:
        account = service.find_account(session, customer_id)
        return account.balance_fen if account else 0


def fees_of(runtime, customer_id: int, cycle: str | None = None) -> dict[str, tuple[int, str]]:
    """product code -> (amount, basis) of the customer's fees (one per code expected)."""
    with runtime.sessions() as session:
        account = service.find_account(session, customer_id)
        stmt = select(Fee).where(Fee.account_id == (account.id if account else -1))
        if cycle:
            stmt = stmt.where(Fee.cycle == cycle)
        return {f.product_code: (f.amount_fen, f.basis) for f in session.scalars(stmt.order_by(Fee.id))}


def fee_rows(runtime, customer_id: int) -> list[Fee]:
    with runtime.sessions() as session:
        account = service.find_account(session, customer_id)
        return list(session.scalars(select(Fee).where(Fee.account_id == account.id).order_by(Fee.id)))


def ledger_sum(runtime, customer_id: int, kind: str) -> int:
    with runtime.sessions() as session:
        account = service.find_account(session, customer_id)
        return session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount_fen), 0))
                              .where(LedgerEntry.account_id == account.id, LedgerEntry.kind == kind))


def grants(runtime, customer_id: int) -> list[PointGrant]:
    with runtime.sessions() as session:
        account = service.find_account(session, customer_id)
        return list(session.scalars(select(PointGrant).where(PointGrant.account_id == account.id)
                                    .order_by(PointGrant.id)))
